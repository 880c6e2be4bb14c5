//! Generated differential programs, part 1 (see `differential/generated_1.rs`). Written by
//! `cargo run -p difftest -- generate`; do not edit.

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/generated_1.rs"]
mod generated;
