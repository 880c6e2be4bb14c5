//! diapause's four generator workloads (`counter`, `nested`, `running_total`, `large_state`):
//! build a generator and drive it to completion, one criterion group per workload with every
//! contender in it (see `workloads/generators.rs` for the workloads and the contenders).
//!
//! ```sh
//! cargo bench --bench generators -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, Criterion, Throughput};
use std::hint::black_box;

#[allow(dead_code)]
#[path = "workloads"]
mod workloads {
    pub mod generators;
    pub mod probe;
}

use workloads::generators;

fn bench(c: &mut Criterion) {
    for (workload, n, contenders) in generators::workloads() {
        let mut group = c.benchmark_group(workload);
        group.throughput(Throughput::Elements(generators::yields(workload, n)));
        for (contender, f) in contenders {
            group.bench_function(contender, |b| b.iter(|| f(black_box(n))));
        }
        group.finish();
    }
}

fn probes() -> Vec<workloads::probe::Probe> {
    let mut out: Vec<workloads::probe::Probe> = Vec::new();
    for (workload, n, contenders) in generators::workloads() {
        for (contender, f) in contenders {
            out.push((
                format!("{workload}/{contender}"),
                Box::new(move || f(black_box(n))),
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
