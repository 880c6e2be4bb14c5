//! The seed's `print_sum → compute → leaf` chain at depth 1, 8 and 64, ours against the same
//! functions as `async fn`, each built and polled to ready by the same noop-waker executor (see
//! `workloads/async_chain.rs`). One group: every ratio comes from the same run.
//!
//! ```sh
//! cargo bench --bench async_chain -- --warm-up-time 1 --measurement-time 3
//! ```
// A 64-deep chain of our futures nests three types per level: auto-trait and drop checks need
// more than the default recursion limit of 128.
#![recursion_limit = "512"]

use criterion::{criterion_group, BenchmarkId, Criterion};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "workloads"]
mod workloads {
    pub mod async_chain;
    pub mod common;
    pub mod probe;
}

use workloads::async_chain::{block_on, ours, rustc};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("async_chain");
    macro_rules! depth {
        ($d:literal, $m:ident) => {
            group.bench_function(BenchmarkId::new("ours", $d), |b| {
                b.iter(|| block_on(ours::$m::top(black_box(1), black_box(2))))
            });
            group.bench_function(BenchmarkId::new("rustc", $d), |b| {
                b.iter(|| block_on(rustc::$m::top(black_box(1), black_box(2))))
            });
        };
    }
    depth!(1, d1);
    depth!(8, d8);
    depth!(64, d64);
    group.finish();
}

fn probes() -> Vec<workloads::probe::Probe> {
    let mut out: Vec<workloads::probe::Probe> = Vec::new();
    macro_rules! depth {
        ($d:literal, $m:ident) => {
            out.push((
                format!("async_chain/ours/{}", $d),
                Box::new(|| block_on(ours::$m::top(black_box(1), black_box(2))) as u64),
            ));
            out.push((
                format!("async_chain/rustc/{}", $d),
                Box::new(|| block_on(rustc::$m::top(black_box(1), black_box(2))) as u64),
            ));
        };
    }
    depth!(1, d1);
    depth!(8, d8);
    depth!(64, d64);
    out
}

criterion_group!(benches, bench);

fn main() {
    if workloads::probe::run(&probes()) {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
