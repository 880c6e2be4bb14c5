//! Timeouts with `wait_for`: one operation finishes in time, one does not and is cancelled.
//!
//! ```python
//! import asyncio
//!
//! @asyncio.coroutine
//! def operation(name, seconds):
//!     try:
//!         yield from asyncio.sleep(seconds)
//!         return "%s finished" % name
//!     finally:
//!         print("%s: cleaning up" % name)
//!
//! loop = asyncio.get_event_loop()
//! print(loop.run_until_complete(asyncio.wait_for(operation("quick", 0.5), 1.0)))
//! try:
//!     loop.run_until_complete(asyncio.wait_for(operation("slow", 5), 1.0))
//! except asyncio.TimeoutError:
//!     print("slow: timed out")
//! ```
//!
//! Python's `finally` is a `Drop` impl in Rust: when the timeout cancels the slow operation, its
//! state machine is dropped at its suspension point, and the guard it holds cleans up.

use coroutines::{get_event_loop, sleep, wait_for, TimeoutError};
use std::time::Instant;

/// Runs its cleanup when dropped, however the operation ends.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("  {}: cleaning up", self.0);
    }
}

#[coroutines::coroutine]
fn operation(name: &'static str, seconds: f64) -> String {
    let _cleanup = Cleanup(name);
    println!("  {name}: started, takes {seconds} s");
    yield_from!(sleep(seconds));
    format!("{name} finished")
}

#[coroutines::coroutine]
fn main_task() {
    let start = Instant::now();
    println!("wait_for(quick operation, 1 s):");
    match yield_from!(wait_for(operation("quick", 0.5), 1.0)) {
        Ok(result) => println!(
            "  -> Ok({result:?}) after {:.1} s",
            start.elapsed().as_secs_f64()
        ),
        Err(TimeoutError) => println!("  -> timed out"),
    }

    let start = Instant::now();
    println!("wait_for(slow operation, 1 s):");
    match yield_from!(wait_for(operation("slow", 5.0), 1.0)) {
        Ok(result) => println!("  -> Ok({result:?})"),
        Err(TimeoutError) => println!(
            "  -> Err(TimeoutError) after {:.1} s: the operation was cancelled",
            start.elapsed().as_secs_f64()
        ),
    }

    println!("wait_for(a task, 0.5 s):");
    let task = get_event_loop().create_task(operation("background task", 5.0));
    let handle = task.handle();
    let outcome = yield_from!(wait_for(task, 0.5));
    println!(
        "  -> {outcome:?}; the task is cancelled: {}",
        handle.cancelled()
    );
}

fn main() {
    let event_loop = get_event_loop();
    event_loop.run_until_complete(main_task());
    event_loop.close();
}
