//! A program that never finishes, and how a task dump finds the task that is stuck.
//!
//! Three workers run as tasks; `main_task` gathers their results. One worker waits for a reply
//! on a `LoopFuture` that nothing ever completes, so the program hangs. A watchdog (a
//! `call_later` timer) dumps every pending task's stack after two seconds: the dump names the
//! worker and the line it is stuck on. Nothing is polled to get it, and it costs nothing until
//! asked.
//!
//! ```sh
//! cargo run --example stuck_task
//! ```

use coroutines::{gather, get_event_loop, sleep, LoopFuture};

#[coroutines::coroutine]
fn fetch(name: &'static str, seconds: f64) -> &'static str {
    yield_from!(sleep(seconds));
    name
}

#[coroutines::coroutine]
fn wait_for_reply(reply: LoopFuture<&'static str>) -> &'static str {
    let answer = yield_from!(reply); // nobody ever sets `reply`: stuck here
    answer
}

#[coroutines::coroutine]
fn main_task() -> Vec<&'static str> {
    let event_loop = get_event_loop();
    let reply = event_loop.create_future(); // the bug: no one keeps a handle to set it
    let workers = vec![
        event_loop.create_task(fetch("a", 0.1)),
        event_loop.create_task(wait_for_reply(reply)),
        event_loop.create_task(fetch("c", 0.2)),
    ];
    yield_from!(gather(workers))
}

fn main() {
    let event_loop = get_event_loop();
    event_loop.call_later(2.0, || {
        eprintln!("still running after 2 s; pending tasks:");
        get_event_loop().print_tasks();
        std::process::exit(1);
    });
    let results = event_loop.run_until_complete(event_loop.create_task(main_task()));
    println!("{results:?}");
    event_loop.close();
}
