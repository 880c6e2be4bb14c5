//! Tasks: `create_task`, `done`, `cancel`, and a panic caught at the task boundary.
//!
//! ```python
//! import asyncio
//!
//! @asyncio.coroutine
//! def ticker():
//!     try:
//!         for i in itertools.count():
//!             print("tick", i)
//!             yield from asyncio.sleep(0.3)
//!     finally:
//!         print("ticker: stopped")
//!
//! @asyncio.coroutine
//! def main():
//!     task = loop.create_task(ticker())
//!     yield from asyncio.sleep(1)
//!     print("done?", task.done())
//!     task.cancel()
//!     ...
//! ```

use coroutines::{get_event_loop, sleep, TaskError};

/// Prints when the ticker's state machine is dropped: Python's `finally`.
struct Stopped;

impl Drop for Stopped {
    fn drop(&mut self) {
        println!("  ticker: stopped (its locals were dropped)");
    }
}

#[coroutines::coroutine]
fn ticker() {
    let _stopped = Stopped;
    let mut tick = 0;
    loop {
        println!("  ticker: tick {tick}");
        tick += 1;
        yield_from!(sleep(0.3));
    }
}

#[coroutines::coroutine]
fn square_later(x: u64) -> u64 {
    yield_from!(sleep(0.2));
    x * x
}

#[coroutines::coroutine]
fn faulty() -> u64 {
    yield_from!(sleep(0.1));
    panic!("faulty task gave up");
}

#[coroutines::coroutine]
fn main_task() {
    let event_loop = get_event_loop();

    println!("A task runs on its own while we sleep:");
    let ticker = event_loop.create_task(ticker());
    yield_from!(sleep(1.0));
    println!("  main: ticker done? {}", ticker.done());
    println!("  main: cancel() -> {}", ticker.cancel());
    println!(
        "  main: ticker done? {}, cancelled? {}",
        ticker.done(),
        ticker.cancelled()
    );
    println!("  main: cancel() again -> {}", ticker.cancel());

    println!("Awaiting a task gives its result:");
    let square = event_loop.create_task(square_later(12));
    println!("  main: square done? {}", square.done());
    let result = yield_from!(square);
    println!("  main: square -> {result}");

    println!("A panic stays inside its task; join() reports it:");
    let faulty = event_loop.create_task(faulty());
    match yield_from!(faulty.join()) {
        Ok(value) => println!("  main: faulty -> {value}"),
        Err(TaskError::Panicked(payload)) => println!(
            "  main: faulty panicked: {:?}",
            payload.downcast_ref::<&str>().copied().unwrap_or("?")
        ),
        Err(TaskError::Cancelled) => println!("  main: faulty was cancelled"),
    }
    println!("  main: the loop carries on");
}

fn main() {
    // The panic is expected: keep the default hook's report to one line.
    std::panic::set_hook(Box::new(|info| eprintln!("  (panic hook) {info}")));
    let event_loop = get_event_loop();
    event_loop.run_until_complete(main_task());
    event_loop.close();
}
