//! Fan-out: start coroutines as tasks and `gather` their results.
//!
//! ```python
//! import asyncio, time
//!
//! @asyncio.coroutine
//! def fetch(name, seconds):
//!     print("%s: started, takes %s s" % (name, seconds))
//!     yield from asyncio.sleep(seconds)
//!     print("%s: done at %.1f s" % (name, time.monotonic() - start))
//!     return "%s result" % name
//!
//! loop = asyncio.get_event_loop()
//! start = time.monotonic()
//! tasks = [loop.create_task(fetch(name, s)) for name, s in [("A", 1), ("B", 1), ("C", 1)]]
//! print(loop.run_until_complete(asyncio.gather(*tasks)))
//! ```
//!
//! The three one-second sleeps overlap, so gathering them takes about one second, not three.
//! Then tasks of different lengths show that `gather` returns results in argument order while
//! the tasks finish in their own order.

use coroutines::{gather, get_event_loop, sleep};
use std::time::Instant;

#[coroutines::coroutine]
fn fetch(name: &'static str, seconds: f64, start: Instant) -> String {
    println!("  {name}: started, takes {seconds} s");
    yield_from!(sleep(seconds));
    println!("  {name}: done at {:.1} s", start.elapsed().as_secs_f64());
    format!("{name} result")
}

#[coroutines::coroutine]
fn fan_out(jobs: Vec<(&'static str, f64)>) -> Vec<String> {
    let start = Instant::now();
    let event_loop = get_event_loop();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(name, seconds)| event_loop.create_task(fetch(name, seconds, start)))
        .collect();
    let results = yield_from!(gather(tasks));
    println!(
        "  all gathered after {:.1} s",
        start.elapsed().as_secs_f64()
    );
    results
}

fn main() {
    let event_loop = get_event_loop();

    println!("Three 1 s jobs, concurrently:");
    let results = event_loop.run_until_complete(fan_out(vec![("A", 1.0), ("B", 1.0), ("C", 1.0)]));
    println!("  results: {results:?}");

    println!("Jobs of different lengths finish in their own order...");
    let results =
        event_loop.run_until_complete(fan_out(vec![("slow", 1.5), ("fast", 0.5), ("medium", 1.0)]));
    println!("  ...but gather returns them in argument order: {results:?}");

    event_loop.close();
}
