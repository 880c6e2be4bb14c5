//! Delegation depth: a chain of D = 1, 8, 64 generators delegating with `yield_from!`, the
//! innermost yielding 100,000 values, against hand-nested iterators, handwritten forwarding
//! coroutines and diapause's `yield_all!` (see `workloads/delegation.rs`). One group, so every
//! ratio comes from the same run; throughput is per top-level yield.
//!
//! ```sh
//! cargo bench --bench delegation -- --warm-up-time 1 --measurement-time 3
//! ```
// A 64-deep chain of our generators nests three types per level
// (`CoroutineGenerator<closure>` → `__State<…, Option<…>>`): auto-trait checks need more than the
// default recursion limit of 128.
#![recursion_limit = "512"]

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "workloads"]
mod workloads {
    pub mod delegation;
    pub mod probe;
}

use workloads::delegation::{self, CONTENDERS, DEPTHS, INNER};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("delegation");
    // diapause at depth 64 takes ~0.1 s per drive: flat sampling keeps the run short.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements(INNER));
    for d in DEPTHS {
        for (contender, f) in CONTENDERS {
            group.bench_with_input(BenchmarkId::new(contender, d), &d, |b, &d| {
                b.iter(|| f(d, black_box(INNER)))
            });
        }
    }
    group.finish();
    assert_eq!(
        delegation::ours::sum(64, INNER),
        delegation::expected(INNER, 64)
    );
}

fn probes() -> Vec<workloads::probe::Probe> {
    let mut out: Vec<workloads::probe::Probe> = Vec::new();
    for d in DEPTHS {
        for (contender, f) in CONTENDERS {
            out.push((
                format!("delegation/{contender}/{d}"),
                Box::new(move || f(d, black_box(INNER))),
            ));
        }
    }
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
