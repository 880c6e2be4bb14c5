//! Generated differential programs, part 4 (see `differential/generated_4.rs`). Written by
//! `cargo run -p difftest -- generate`; do not edit.

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/generated_4.rs"]
mod generated;
