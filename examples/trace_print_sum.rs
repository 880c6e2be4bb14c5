//! The seed program in trace mode: the loop records the run as a sequence diagram, to compare
//! step by step with the one in the Python 3.4 asyncio documentation ("Example: Chain
//! coroutines", `tulip_coro.png`).
//!
//! ```sh
//! cargo run --example trace_print_sum                  # Mermaid on stdout, the run's output on stderr
//! cargo run --example trace_print_sum -- --text        # the same trace as plain text
//! cargo run --example trace_print_sum > docs/print_sum.sequence.mmd
//! ```
//!
//! The one change to the seed: `run_until_complete` gets a task, `create_task(print_sum(1, 2))`
//! (asyncio's `run_until_complete` makes that task itself; ours takes any future, which it
//! cannot look into, so the coroutine goes through `create_task` to be traced).

#[coroutines::coroutine]
fn compute(x: i32, y: i32) -> i32 {
    eprintln!("Compute {x} + {y} ...");
    yield_from!(coroutines::sleep(1.0));
    x + y
}

#[coroutines::coroutine]
fn print_sum(x: i32, y: i32) {
    let result = yield_from!(compute(x, y));
    eprintln!("{x} + {y} = {result}");
}

fn main() {
    let event_loop = coroutines::get_event_loop();
    event_loop.start_trace();
    event_loop.run_until_complete(event_loop.create_task(print_sum(1, 2)));
    let trace = event_loop.take_trace().expect("the trace was started");
    event_loop.close();
    if std::env::args().any(|arg| arg == "--text") {
        print!("{trace}");
    } else {
        print!("{}", trace.mermaid());
    }
}
