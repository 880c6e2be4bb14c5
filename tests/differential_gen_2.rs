//! Generated differential programs, part 2 (see `differential/generated_2.rs`). Written by
//! `cargo run -p difftest -- generate`; do not edit.
// Compiled only with `--features differential-full`: the default test run compiles part 1
// (100 programs per flavour), which keeps CI well under its time budget.
#![cfg(feature = "differential-full")]

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/generated_2.rs"]
mod generated;
