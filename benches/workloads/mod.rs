//! The benchmark workloads, each implemented once per contender.
//!
//! Shared by the criterion benches (`benches/*.rs`), by `tests/bench_workloads.rs` (which asserts
//! that every contender of a workload gives the same observable result), and by
//! `examples/state_sizes.rs` / `tests/state_sizes.rs`. Every file includes it with
//! `#[path = ".../workloads/mod.rs"] mod workloads;`, so each includer compiles only what it uses
//! (hence the `dead_code` allowance where it is included).

pub mod async_chain;
pub mod common;
pub mod delegation;
pub mod generators;
pub mod probe;
pub mod runtime;
pub mod sizes;
