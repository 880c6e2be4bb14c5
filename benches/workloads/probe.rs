//! Instruction counts: a bench binary started with `COROUTINES_BENCH_PROBE=<id>:<iterations>`
//! runs benchmark `<id>` that many times and exits instead of running criterion.
//! `benches/instructions.sh` runs each benchmark under valgrind twice (with 1 and with 1 + K
//! iterations) and divides the difference by K: instructions per iteration, which, unlike
//! times, do not move with the load of a shared machine.

use std::hint::black_box;

/// One probe: an id and one iteration of its benchmark.
pub type Probe = (String, Box<dyn Fn() -> u64>);

/// The variable that asks for a probe run.
pub const VAR: &str = "COROUTINES_BENCH_PROBE";

/// If this is a probe run, runs it and returns `true`. `benches` maps ids to one iteration each.
pub fn run(benches: &[Probe]) -> bool {
    let Ok(spec) = std::env::var(VAR) else {
        return false;
    };
    if spec == "list" {
        for (id, _) in benches {
            println!("{id}");
        }
        return true;
    }
    let (id, iterations) = spec
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{VAR}=<id>:<iterations> or list, not {spec}"));
    let iterations: u64 = iterations.parse().expect("iterations");
    // `noop` measures what the loop and the boxed call cost by themselves.
    let noop: Box<dyn Fn() -> u64> = Box::new(|| black_box(0));
    let f = match id {
        "noop" => &noop,
        _ => {
            &benches
                .iter()
                .find(|(name, _)| name == id)
                .unwrap_or_else(|| panic!("no benchmark {id}"))
                .1
        }
    };
    let mut acc = 0u64;
    for _ in 0..iterations {
        acc = acc.wrapping_add(black_box(f()));
    }
    black_box(acc);
    true
}
