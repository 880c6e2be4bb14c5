//! Generated differential programs, part 3 (see `differential/generated_3.rs`). Written by
//! `cargo run -p difftest -- generate`; do not edit.

#[macro_use]
#[path = "differential/support.rs"]
mod support;

#[path = "differential/generated_3.rs"]
mod generated;
