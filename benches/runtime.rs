//! Single-threaded runtimes side by side (see `workloads/runtime.rs`):
//!
//! - `spawn_100k`: spawn 100,000 tasks that each yield once and finish;
//! - `ping_pong_1m`: 1,000,000 round trips between two tasks through one-shot futures;
//! - `timers_100k`: 100,000 concurrent timers with deadlines spread over 50 ms. The time
//!   criterion reports for it is *how late the last timer task finishes after the last deadline*
//!   (measured with `iter_custom`), not the wall time; the peak heap over the baseline, from this
//!   binary's counting allocator, is printed and written to
//!   `target/criterion/timers_100k/<contender>/peak_heap.json`.
//!
//! ```sh
//! cargo bench --bench runtime -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[allow(dead_code)]
#[path = "workloads"]
mod workloads {
    pub mod runtime;
}

use workloads::runtime::{self, TimerRun};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    let now = IN_USE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counters
// are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its result and the peak of heap bytes in use during it, over the bytes
/// in use when it started.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            // target/release/deps/runtime-<hash>
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.parent()?.to_path_buf())
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("criterion")
}

fn spawn(c: &mut Criterion) {
    let n = runtime::SPAWN_TASKS;
    let mut group = c.benchmark_group("spawn_100k");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.throughput(Throughput::Elements(n));
    for (contender, f) in runtime::SPAWN {
        group.bench_function(*contender, |b| {
            b.iter(|| assert_eq!(f(black_box(n)), runtime::spawn_expected(n)))
        });
    }
    group.finish();
}

fn ping_pong(c: &mut Criterion) {
    let n = runtime::ROUND_TRIPS;
    let mut group = c.benchmark_group("ping_pong_1m");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    for (contender, f) in runtime::PING_PONG {
        group.bench_function(*contender, |b| b.iter(|| assert_eq!(f(black_box(n)), n)));
    }
    group.finish();
}

fn timers(c: &mut Criterion) {
    let n = runtime::TIMERS;
    let mut group = c.benchmark_group("timers_100k");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for (contender, f) in runtime::TIMER_CONTENDERS {
        let mut peaks = Vec::new();
        let mut worst = Duration::ZERO;
        group.bench_function(*contender, |b| {
            b.iter_custom(|iters| {
                let mut late = Duration::ZERO;
                for _ in 0..iters {
                    let (run, peak): (TimerRun, usize) = peak_heap(|| f(n));
                    late += run.late_after_last_deadline;
                    worst = worst.max(run.worst_single_lateness);
                    peaks.push(peak);
                }
                late
            })
        });
        peaks.sort_unstable();
        let median = peaks.get(peaks.len() / 2).copied().unwrap_or(0);
        let max = peaks.last().copied().unwrap_or(0);
        println!(
            "timers_100k/{contender}: peak heap over baseline median {:.1} MiB (max {:.1} MiB, \
             {} runs); worst single timer {:.1} ms late",
            median as f64 / (1 << 20) as f64,
            max as f64 / (1 << 20) as f64,
            peaks.len(),
            worst.as_secs_f64() * 1e3,
        );
        let dir = criterion_dir().join("timers_100k").join(contender);
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(
                dir.join("peak_heap.json"),
                format!(
                    "{{\"median_bytes\": {median}, \"max_bytes\": {max}, \"runs\": {}, \
                     \"worst_single_lateness_ns\": {}}}\n",
                    peaks.len(),
                    worst.as_nanos()
                ),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, spawn, ping_pong, timers);
criterion_main!(benches);
