//! Our state machines are never bigger than the compiler's `async fn` futures (async flavour) or
//! diapause's state enums (generator flavour), on the functions of
//! `benches/workloads/sizes.rs`. Sizes are deterministic for a compiler and target, unlike
//! times, so they can be tested. `cargo run --example state_sizes` prints the whole table.
//!
//! A case where ours is bigger is marked `#[ignore = "size: ours N > theirs M"]` rather than
//! loosened: `cargo test --test state_sizes -- --include-ignored` shows where we stand.

#[allow(dead_code)]
#[path = "../benches/workloads"]
mod workloads {
    pub mod common;
    pub mod sizes;
}

use workloads::sizes::{table, Sizes, NAMES};

fn row(name: &str) -> Sizes {
    table()
        .into_iter()
        .find(|row| row.name == name)
        .unwrap_or_else(|| panic!("no size row {name}"))
}

#[test]
fn every_function_is_measured() {
    let names: Vec<&str> = table().iter().map(|row| row.name).collect();
    assert_eq!(names, NAMES);
}

macro_rules! async_vs_rustc {
    ($($(#[$attr:meta])* $test:ident: $name:literal;)*) => {$(
        $(#[$attr])*
        #[test]
        fn $test() {
            let row = row($name);
            assert!(
                row.ours_async <= row.rustc,
                "{}: ours (async) {} > rustc async fn {}",
                $name,
                row.ours_async,
                row.rustc
            );
        }
    )*};
}

macro_rules! generator_vs_diapause {
    ($($(#[$attr:meta])* $test:ident: $name:literal;)*) => {$(
        $(#[$attr])*
        #[test]
        fn $test() {
            let row = row($name);
            assert!(
                row.ours_gen <= row.dia,
                "{}: ours (generator) {} > diapause {}",
                $name,
                row.ours_gen,
                row.dia
            );
        }
    )*};
}

async_vs_rustc! {
    async_three_locals: "three_locals";
    async_branch_buffers: "branch_buffers";
    async_loop_delegation: "loop_delegation";
    async_match_bindings: "match_bindings";
    async_ten_suspensions: "ten_suspensions";
    async_ten_suspensions_borrowed: "ten_suspensions_borrowed";
    async_ten_suspensions_indexed: "ten_suspensions_indexed";
    async_ten_suspensions_scoped: "ten_suspensions_scoped";
}

generator_vs_diapause! {
    generator_three_locals: "three_locals";
    generator_branch_buffers: "branch_buffers";
    generator_loop_delegation: "loop_delegation";
    generator_match_bindings: "match_bindings";
    generator_ten_suspensions: "ten_suspensions";
    // Ten arrays only borrowed or indexed after their suspension: the macro keeps a local to
    // the end of its scope unless it is moved out or, as these (`let a: [u64; k]`), has no
    // destructor; then it is stored only while it is used (448 bytes before that rule).
    generator_ten_suspensions_borrowed: "ten_suspensions_borrowed";
    generator_ten_suspensions_indexed: "ten_suspensions_indexed";
    generator_ten_suspensions_scoped: "ten_suspensions_scoped";
}
