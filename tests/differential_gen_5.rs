//! Generated differential programs, part 5 (see `differential/generated_5.rs`). Written by
//! `cargo run -p difftest -- generate`; do not edit.

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/generated_5.rs"]
mod generated;
