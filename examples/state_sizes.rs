//! Prints the state size table of `BENCHMARKS.md`: `size_of_val` of what five representative
//! functions return, in our async flavour against the compiler's `async fn`, and in our
//! generator flavour against diapause's generators. The functions are in
//! `benches/workloads/sizes.rs`; `tests/state_sizes.rs` checks the same numbers.
//!
//! ```sh
//! cargo run --release --example state_sizes
//! ```

#[allow(dead_code)]
#[path = "../benches/workloads"]
mod workloads {
    pub mod common;
    pub mod sizes;
}

fn main() {
    println!("| function | ours (async) | rustc `async fn` | ours / rustc | ours (generator) | diapause | ours / diapause |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in workloads::sizes::table() {
        println!(
            "| `{}` | {} | {} | {:.2} | {} | {} | {:.2} |",
            row.name,
            row.ours_async,
            row.rustc,
            row.ours_async as f64 / row.rustc as f64,
            row.ours_gen,
            row.dia,
            row.ours_gen as f64 / row.dia as f64,
        );
    }
}
