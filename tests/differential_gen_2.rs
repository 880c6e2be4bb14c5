//! Generated differential programs, part 2 (see `differential/generated_2.rs`). Written by
//! `cargo run -p difftest -- generate`; do not edit.

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/generated_2.rs"]
mod generated;
