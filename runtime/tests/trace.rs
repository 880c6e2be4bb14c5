//! Trace mode: a run recorded as a sequence diagram.

mod common;

use common::within;
use coroutines::{sleep, EventLoop};

#[coroutines::coroutine]
fn compute(x: i32, y: i32) -> i32 {
    yield_from!(sleep(0.01));
    x + y
}

#[coroutines::coroutine]
fn print_sum(x: i32, y: i32) -> i32 {
    let result = yield_from!(compute(x, y));
    result
}

#[test]
#[cfg_attr(miri, ignore = "timer delays read 0 s under Miri")]
fn the_seed_program_traces_like_the_python_diagram() {
    within(|| {
        let event_loop = EventLoop::new();
        event_loop.start_trace();
        assert_eq!(
            event_loop.run_until_complete(event_loop.create_task(print_sum(1, 2))),
            3
        );
        let trace = event_loop.take_trace().unwrap();
        assert_eq!(
            trace.to_string(),
            "Event loop -> Task print_sum: create_task(print_sum())
Event loop -> Task print_sum: step
Task print_sum -> print_sum(): start
print_sum() -> compute(): yield_from!(compute())
compute() -> sleep(): yield_from!(sleep())
sleep() -> Event loop: call_later(0.010 s)
sleep() --> Task print_sum: Pending: suspended at runtime/tests/trace.rs:10:5
Task print_sum --> Event loop: suspended
note over Event loop: idle until the next timer is due
Event loop -> sleep(): timer fired (0.010 s later): wake the waker
sleep() -> Task print_sum: wake-up
Event loop -> Task print_sum: step
Task print_sum -> print_sum(): resume
print_sum() -> compute(): resume
compute() -> sleep(): resume
sleep() --> compute(): return
compute() --> print_sum(): return
print_sum() --> Task print_sum: return
Task print_sum --> Event loop: done
"
        );
        let mermaid = trace.mermaid();
        assert!(mermaid.starts_with(
            "sequenceDiagram
    participant p0 as Event loop
    participant p1 as Task print_sum
    participant p2 as print_sum()
    participant p3 as compute()
    participant p4 as sleep()
    p0->>p1: create_task(print_sum())
    p0->>p1: step
    p1->>p2: start
    p2->>p3: yield_from!(compute())
"
        ));
        assert!(mermaid.contains("\n    p4-->>p3: return\n"), "{mermaid}");
        assert_eq!(trace.len(), 19);
    });
}

#[test]
fn tracing_stops_and_records_only_while_on() {
    within(|| {
        let event_loop = EventLoop::new();
        event_loop.run_until_complete(event_loop.create_task(print_sum(1, 2)));
        assert!(event_loop.take_trace().is_none());
        event_loop.start_trace();
        let trace = event_loop.take_trace().unwrap();
        assert!(trace.is_empty());
        event_loop.run_until_complete(event_loop.create_task(print_sum(1, 2)));
        assert!(event_loop.take_trace().is_none());
    });
}

#[test]
fn a_task_that_finishes_at_once_and_a_foreign_future_are_traced() {
    within(|| {
        #[coroutines::coroutine]
        fn immediate() -> u32 {
            7
        }

        let event_loop = EventLoop::new();
        event_loop.start_trace();
        let first = event_loop.create_task(immediate());
        let second = event_loop.ensure_future(std::future::ready(1));
        event_loop.run_until_complete(sleep(0));
        assert!(first.done() && second.done());
        let trace = event_loop.take_trace().unwrap().to_string();
        let expected = format!(
            "Event loop -> Task immediate: create_task(immediate())
Event loop -> Task Task-{id}: ensure_future(Ready)
Event loop -> Task immediate: step
Task immediate -> immediate(): start
immediate() --> Task immediate: return
Task immediate --> Event loop: done
Event loop -> Task Task-{id}: step
Task Task-{id} -> Ready: start
Ready --> Task Task-{id}: return
Task Task-{id} --> Event loop: done
",
            id = second.id()
        );
        assert_eq!(trace, expected);
    });
}

#[test]
fn a_future_set_by_another_task_wakes_from_that_task() {
    within(|| {
        #[coroutines::coroutine]
        fn waiter(future: coroutines::LoopFuture<u32>) -> u32 {
            yield_from!(future)
        }

        #[coroutines::coroutine]
        fn setter(future: coroutines::LoopFuture<u32>) {
            yield_from!(sleep(0));
            future.set_result(5);
        }

        let event_loop = EventLoop::new();
        let future = event_loop.create_future();
        event_loop.start_trace();
        let waiting = event_loop.create_task(waiter(future.clone()));
        let _setting = event_loop.create_task(setter(future));
        assert_eq!(event_loop.run_until_complete(waiting), 5);
        let trace = event_loop.take_trace().unwrap().to_string();
        assert!(
            trace.contains("Task setter -> Task waiter: wake-up\n"),
            "{trace}"
        );
        assert!(
            trace.contains("waiter() -> LoopFuture: yield_from!(LoopFuture)\n"),
            "{trace}"
        );
    });
}
