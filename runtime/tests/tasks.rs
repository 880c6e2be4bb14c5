//! Tasks: `create_task`, awaiting, cancellation, panics at the task boundary, and what the loop
//! reports about tasks nobody looks after.

mod common;

use common::{
    panic_message, panic_payload, quiet_expected_panics, record_reports, within, DropGuard, Log,
    Report, EXPECTED,
};
use coroutines::{
    create_task, get_event_loop, sleep, CancelledError, EventLoop, LoopFuture, Task, TaskError,
};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Yields to the loop once: asyncio's `sleep(0)`.
fn yield_now() -> coroutines::Sleep {
    sleep(0)
}

/// Runs the loop for one iteration of whatever is ready: asyncio's `test_utils.run_briefly`.
fn run_briefly(event_loop: &EventLoop) {
    event_loop.run_until_complete(yield_now());
}

#[coroutines::coroutine]
fn add_later(x: u32, y: u32) -> u32 {
    yield_from!(sleep(0.01));
    x + y
}

#[test]
fn a_task_runs_without_being_awaited_and_its_result_is_awaitable() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        let task = event_loop.ensure_future(async move {
            flag.set(true);
            add_later(1, 2).await
        });
        assert!(!ran.get(), "a task starts in the loop, not in create_task");
        assert!(!task.done());
        assert_eq!(event_loop.run_until_complete(task), 3);
        assert!(ran.get());
    });
}

#[test]
fn tasks_run_concurrently() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let worker = |name: &'static str, delay: f64| {
            let log = log.clone();
            async move {
                log.push(format!("start {name}"));
                sleep(delay).await;
                log.push(format!("end {name}"));
            }
        };
        let slow = event_loop.ensure_future(worker("slow", 0.05));
        let fast = event_loop.ensure_future(worker("fast", 0.01));
        event_loop.run_until_complete(slow);
        assert!(fast.done());
        assert_eq!(
            log.take(),
            ["start slow", "start fast", "end fast", "end slow"]
        );
    });
}

#[test]
fn a_task_awaits_another_with_yield_from() {
    #[coroutines::coroutine]
    fn outer() -> u32 {
        let inner = create_task(add_later(20, 1));
        let other = create_task(add_later(1, 1));
        let a = yield_from!(inner);
        let b = yield_from!(other);
        a * b
    }
    within(|| {
        let event_loop = EventLoop::new();
        assert_eq!(event_loop.run_until_complete(outer()), 42);
        // By `&mut`, the handle stays usable.
        let mut task = event_loop.create_task(add_later(2, 2));
        assert_eq!(event_loop.run_until_complete(&mut task), 4);
        assert!(task.done() && !task.cancelled());
    });
}

#[test]
fn a_task_created_before_the_loop_runs_runs_in_the_next_run() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(0));
        let counter = ran.clone();
        let _task = event_loop.ensure_future(async move { counter.set(counter.get() + 1) });
        assert_eq!(ran.get(), 0);
        run_briefly(&event_loop);
        assert_eq!(ran.get(), 1);
    });
}

#[test]
fn a_dropped_task_handle_detaches_the_task() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        drop(event_loop.ensure_future(async move {
            sleep(0.01).await;
            flag.set(true);
        }));
        event_loop.run_until_complete(sleep(0.05));
        assert!(ran.get());
    });
}

#[test]
fn task_result_and_join() {
    within(|| {
        quiet_expected_panics();
        let event_loop = EventLoop::new();
        let mut task = event_loop.create_task(add_later(2, 3));
        assert_eq!(
            panic_message(|| task.result()),
            "Result is not ready.",
            "asyncio's InvalidStateError"
        );
        event_loop.run_until_complete(sleep(0.05));
        assert!(task.done());
        assert_eq!(task.result().unwrap(), 5);
        assert_eq!(
            panic_message(|| task.result()),
            "Task result was already retrieved"
        );

        let panicking = event_loop.ensure_future(async { panic!("{EXPECTED}: in join") });
        let outcome = event_loop.run_until_complete(panicking.join());
        match outcome {
            Err(TaskError::Panicked(payload)) => {
                assert_eq!(common::message(&*payload), "expected panic: in join");
            }
            other => panic!("unexpected {other:?}"),
        }

        let cancelled = event_loop.create_task(sleep(10));
        assert!(cancelled.cancel());
        assert!(matches!(
            event_loop.run_until_complete(cancelled.join()),
            Err(TaskError::Cancelled)
        ));
    });
}

#[test]
fn cancel_before_the_first_step_never_runs_the_body() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        let task = event_loop.ensure_future(async move { flag.set(true) });
        assert!(task.cancel());
        assert!(task.done() && task.cancelled());
        assert!(!task.cancel(), "cancelling a done task returns false");
        run_briefly(&event_loop);
        assert!(!ran.get());
    });
}

#[test]
fn cancel_drops_the_state_machine_at_its_suspension_point() {
    #[coroutines::coroutine]
    fn guarded(log: Log) -> u32 {
        let _outer = DropGuard {
            log: log.clone(),
            name: "outer",
        };
        log.push("started");
        yield_from!(sleep(0.01));
        let _inner = DropGuard {
            log: log.clone(),
            name: "inner",
        };
        log.push("suspended");
        yield_from!(sleep(3600));
        log.push("unreachable");
        1
    }
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let task = event_loop.create_task(guarded(log.clone()));
        event_loop.run_until_complete(sleep(0.05));
        assert_eq!(log.take(), ["started", "suspended"]);
        assert!(task.cancel());
        // Dropped right away, newest local first, as Rust drops a scope.
        assert_eq!(log.take(), ["drop inner", "drop outer"]);
        assert!(task.cancelled() && task.done());
        // The cancelled sleep no longer holds the loop: this returns at once.
        run_briefly(&event_loop);
        assert!(log.take().is_empty());
    });
}

#[test]
fn awaiting_a_cancelled_task_cancels_the_awaiter() {
    within(|| {
        let event_loop = EventLoop::new();
        let inner = event_loop.create_task(sleep(3600));
        let inner_handle = inner.handle();
        let outer = event_loop.ensure_future(async move {
            inner.await;
            unreachable!("the inner task was cancelled");
        });
        let outer_handle = outer.handle();
        run_briefly(&event_loop);
        event_loop.call_soon(move || {
            inner_handle.cancel();
        });
        // asyncio: `with assertRaises(CancelledError): loop.run_until_complete(t)`.
        let message = panic_message(|| event_loop.run_until_complete(outer));
        assert_eq!(message, "Task was cancelled");
        assert!(outer_handle.cancelled());
        assert!(!event_loop.is_running());
        assert_eq!(event_loop.run_until_complete(async { 1 }), 1);
    });
}

#[test]
fn run_until_complete_of_a_cancelled_task_panics() {
    within(|| {
        let event_loop = EventLoop::new();
        let task = event_loop.create_task(sleep(10));
        let handle = task.handle();
        event_loop.call_soon(move || {
            handle.cancel();
        });
        assert_eq!(
            panic_message(|| event_loop.run_until_complete(task)),
            "Task was cancelled"
        );
    });
}

#[test]
fn awaiting_a_cancelled_task_unwinds_with_cancelled_error() {
    within(|| {
        let event_loop = EventLoop::new();
        let mut task = event_loop.create_task(sleep(10));
        task.cancel();
        // Outside the loop the typed payload is visible.
        let waker = std::task::Waker::noop();
        let payload = panic_payload(|| Pin::new(&mut task).poll(&mut Context::from_waker(waker)));
        assert!(payload.is::<CancelledError>());
    });
}

#[test]
fn cancelling_a_task_cancels_the_task_it_awaits() {
    within(|| {
        let event_loop = EventLoop::new();
        let inner = event_loop.create_task(sleep(3600));
        let inner_handle = inner.handle();
        // A task of its own that awaits the inner one (not the inner task itself).
        let outer = event_loop.ensure_future(async move {
            inner.await;
        });
        run_briefly(&event_loop);
        assert!(!inner_handle.done());
        assert!(outer.cancel());
        assert!(inner_handle.cancelled(), "asyncio cancels _fut_waiter");
    });
}

#[test]
fn cancelling_a_task_leaves_tasks_it_holds_but_does_not_await() {
    within(|| {
        let event_loop = EventLoop::new();
        let held = Rc::new(Cell::new(None));
        let sink = held.clone();
        let outer = event_loop.ensure_future(async move {
            let side = create_task(sleep(3600));
            sink.set(Some(side.handle()));
            let _keep = side;
            sleep(3600).await;
        });
        run_briefly(&event_loop);
        outer.cancel();
        let side = held.take().unwrap();
        assert!(!side.done(), "not awaited, so not cancelled");
        side.cancel();
    });
}

#[test]
fn a_task_that_cancels_itself_is_cancelled_at_its_next_suspension() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let slot: Rc<Cell<Option<coroutines::TaskHandle>>> = Rc::default();
        let me = slot.clone();
        let task_log = log.clone();
        let task = event_loop.ensure_future(async move {
            let handle = me.take().unwrap();
            assert!(handle.cancel(), "cancelling a running task succeeds");
            assert!(!handle.done(), "it is still running");
            task_log.push("after cancel");
            sleep(3600).await;
            task_log.push("unreachable");
        });
        slot.set(Some(task.handle()));
        let start = std::time::Instant::now();
        assert_eq!(
            panic_message(|| event_loop.run_until_complete(task)),
            "Task was cancelled"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(3600));
        assert_eq!(log.take(), ["after cancel"]);
    });
}

#[test]
fn a_task_cancelled_as_it_returns_counts_as_cancelled() {
    within(|| {
        let event_loop = EventLoop::new();
        let slot: Rc<Cell<Option<coroutines::TaskHandle>>> = Rc::default();
        let me = slot.clone();
        let task = event_loop.ensure_future(async move {
            me.take().unwrap().cancel();
            5
        });
        slot.set(Some(task.handle()));
        assert!(matches!(
            event_loop.run_until_complete(task.join()),
            Err(TaskError::Cancelled)
        ));
    });
}

#[test]
fn a_panicking_task_does_not_stop_the_loop_or_other_tasks() {
    within(|| {
        quiet_expected_panics();
        let event_loop = EventLoop::new();
        let reports = record_reports(&event_loop);
        let bad = event_loop.ensure_future(async {
            sleep(0.01).await;
            panic!("{EXPECTED}: task boom");
        });
        let good = event_loop.ensure_future(async {
            sleep(0.03).await;
            "good"
        });
        assert_eq!(event_loop.run_until_complete(good), "good");
        assert!(bad.done() && !bad.cancelled());
        // Awaiting the task re-raises its panic, payload intact.
        let payload = panic_payload(|| event_loop.run_until_complete(bad));
        assert_eq!(common::message(&*payload), "expected panic: task boom");
        // It was retrieved: nothing to report.
        assert!(reports.borrow().is_empty());
        assert_eq!(event_loop.run_until_complete(async { 9 }), 9);
    });
}

#[test]
fn a_panic_propagates_through_an_awaiting_task() {
    within(|| {
        quiet_expected_panics();
        let event_loop = EventLoop::new();
        let inner = event_loop.ensure_future(async { boom("deep") });
        let outer = event_loop.ensure_future(async move { inner.await + 1 });
        let payload = panic_payload(|| event_loop.run_until_complete(outer));
        assert_eq!(common::message(&*payload), "expected panic: deep");
    });
}

#[test]
fn an_unretrieved_panic_is_reported_when_the_last_handle_goes() {
    within(|| {
        quiet_expected_panics();
        let event_loop = EventLoop::new();
        let reports = record_reports(&event_loop);

        // Detached: reported when it finishes, nobody can retrieve it.
        let detached = event_loop.ensure_future(async { panic!("{EXPECTED}: detached") });
        let detached_id = detached.id();
        drop(detached);
        run_briefly(&event_loop);
        assert_eq!(
            *reports.borrow(),
            [Report {
                message: "Task exception was never retrieved".into(),
                panic: Some("expected panic: detached".into()),
                task_id: Some(detached_id),
            }]
        );
        reports.borrow_mut().clear();

        // Held: reported when the handle is dropped without a look.
        let held = event_loop.ensure_future(async { panic!("{EXPECTED}: held") });
        let other_handle = held.handle();
        run_briefly(&event_loop);
        assert!(reports.borrow().is_empty());
        drop(held);
        assert!(
            reports.borrow().is_empty(),
            "a TaskHandle still refers to it"
        );
        drop(other_handle);
        assert_eq!(reports.borrow().len(), 1);
        assert_eq!(
            reports.borrow()[0].message,
            "Task exception was never retrieved"
        );
    });
}

#[test]
fn close_destroys_pending_tasks_and_reports_them() {
    within(|| {
        let event_loop = EventLoop::new();
        let reports = record_reports(&event_loop);
        let log = Log::default();
        let guard_log = log.clone();
        let pending = event_loop.ensure_future(async move {
            let _guard = DropGuard {
                log: guard_log,
                name: "local",
            };
            sleep(3600).await;
        });
        let finished = event_loop.ensure_future(async { 1 });
        run_briefly(&event_loop);
        assert!(finished.done());
        event_loop.close();
        assert_eq!(log.take(), ["drop local"]);
        assert_eq!(
            *reports.borrow(),
            [Report {
                message: "Task was destroyed but it is pending!".into(),
                panic: None,
                task_id: Some(pending.id()),
            }]
        );
        assert!(pending.done() && pending.cancelled());
        event_loop.close();
        assert_eq!(reports.borrow().len(), 1, "close is idempotent");
    });
}

#[test]
fn dropping_an_unclosed_loop_drops_its_pending_tasks() {
    within(|| {
        let log = Log::default();
        let guard_log = log.clone();
        {
            let event_loop = EventLoop::new();
            let _task = event_loop.ensure_future(async move {
                let _guard = DropGuard {
                    log: guard_log,
                    name: "local",
                };
                sleep(3600).await;
            });
            run_briefly(&event_loop);
            assert!(log.entries().is_empty());
        }
        // (Reported on stderr: the loop's own handler went with it.)
        assert_eq!(log.take(), ["drop local"]);
    });
}

#[test]
fn create_task_on_a_closed_loop_panics() {
    let event_loop = EventLoop::new();
    event_loop.close();
    assert_eq!(
        panic_message(|| event_loop.ensure_future(async {})),
        "Event loop is closed"
    );
}

#[test]
fn done_callbacks_run_in_order_through_the_loop() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let task = event_loop.ensure_future(async { 1 });
        for name in ["first", "second"] {
            let log = log.clone();
            task.add_done_callback(move |task| {
                assert!(task.done());
                log.push(name);
            });
        }
        run_briefly(&event_loop);
        // The task finished in that iteration; its callbacks are scheduled for the next.
        assert!(task.done());
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["first", "second"]);

        // Added to a done task: scheduled at once.
        let late = log.clone();
        task.handle().add_done_callback(move |_| late.push("late"));
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["late"]);

        // Cancellation runs them too.
        let cancelled = event_loop.create_task(sleep(10));
        let cancelled_log = log.clone();
        cancelled.add_done_callback(move |task| {
            cancelled_log.push(format!("cancelled: {}", task.cancelled()));
        });
        cancelled.cancel();
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["cancelled: true"]);
    });
}

#[test]
fn a_task_can_await_a_loop_future_set_by_a_callback() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<&str> = event_loop.create_future();
        let setter = future.clone();
        event_loop.call_later(0.01, move || setter.set_result("set"));
        let task = event_loop.create_task(future);
        assert_eq!(event_loop.run_until_complete(task), "set");
    });
}

#[test]
fn task_handles_compare_and_describe_their_task() {
    let event_loop = EventLoop::new();
    let a = event_loop.ensure_future(async {});
    let b = event_loop.ensure_future(async {});
    assert_eq!(a.handle(), a.handle());
    assert_ne!(a.handle(), b.handle());
    assert_ne!(a.id(), b.id());
    let name = format!("Task-{}", a.id());
    let repr = format!("{:?}", a.handle());
    assert!(
        repr.starts_with(&format!("<Task pending name='{name}' coro=<tasks::"))
            && repr.ends_with(">>"),
        "{repr}"
    );
    a.cancel();
    assert!(format!("{a:?}").starts_with(&format!("<Task cancelled name='{name}' coro=<")));
    b.cancel();
}

#[test]
fn get_event_loop_inside_a_task_is_its_loop() {
    within(|| {
        let event_loop = EventLoop::new();
        let task = event_loop.ensure_future(async { get_event_loop() });
        assert_eq!(event_loop.run_until_complete(task), event_loop);
    });
}

#[test]
fn a_task_awaiting_its_own_handle_panics_instead_of_hanging() {
    within(|| {
        quiet_expected_panics();
        let event_loop = EventLoop::new();
        let slot: Rc<Cell<Option<Task<()>>>> = Rc::default();
        let me = slot.clone();
        let task = event_loop.ensure_future(async move {
            if let Some(own) = me.take() {
                own.await;
            }
        });
        let handle = task.handle();
        slot.set(Some(task));
        let reports = record_reports(&event_loop);
        common::quietly(|| run_briefly(&event_loop));
        assert!(handle.done() && !handle.cancelled());
        drop(handle);
        assert_eq!(
            reports.borrow()[0].panic.as_deref(),
            Some("a task cannot await its own Task")
        );
    });
}

fn boom(what: &str) -> u32 {
    panic!("{EXPECTED}: {what}")
}

/// A future that is ready after `n` polls, waking itself each time.
struct Countdown(u32);

impl Future for Countdown {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn tasks_that_wake_themselves_take_turns() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                event_loop.ensure_future(async move {
                    for _ in 0..3 {
                        log.push(name);
                        Countdown(1).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            event_loop.run_until_complete(task);
        }
        assert_eq!(log.take().concat(), "abcabcabc");
    });
}

#[test]
fn a_thread_that_exits_with_pending_tasks_on_its_loop_drops_them() {
    // The thread's current loop is dropped with its thread-locals: reporting and dropping tasks
    // from there must neither panic nor abort.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        struct Guard(std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>);
        impl Drop for Guard {
            fn drop(&mut self) {
                self.0.lock().unwrap().push("dropped");
            }
        }
        let guard = Guard(sink);
        let event_loop = get_event_loop();
        let _task = event_loop.ensure_future(async move {
            let _guard = guard;
            sleep(3600).await;
        });
        run_briefly(&event_loop);
    })
    .join()
    .unwrap();
    assert_eq!(*log.lock().unwrap(), ["dropped"]);
}

/// A waker that counts its wakes, and whose clones the test can count (`Arc::strong_count`).
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A task handle polled with a waker that is not one of the loop's (another executor's, a
/// combinator's) keeps that waker, once however often it is polled with it, replaces it with a
/// new one, and wakes the one it has when the task finishes.
#[test]
fn a_task_awaited_with_a_foreign_waker_wakes_it_when_done() {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::task::Waker;

    let event_loop = EventLoop::new();
    let gate: LoopFuture<u32> = event_loop.create_future();
    let mut task = event_loop.ensure_future({
        let gate = gate.clone();
        async move { gate.await + 1 }
    });
    let first = Arc::new(CountingWaker(0.into()));
    let second = Arc::new(CountingWaker(0.into()));
    let poll = |task: &mut Task<u32>, waker: &Arc<CountingWaker>| {
        let waker = Waker::from(Arc::clone(waker));
        Pin::new(task).poll(&mut Context::from_waker(&waker))
    };
    assert!(poll(&mut task, &first).is_pending());
    assert!(poll(&mut task, &first).is_pending());
    // The test's `Arc` and the one clone the task keeps.
    assert_eq!(Arc::strong_count(&first), 2);
    assert!(poll(&mut task, &second).is_pending());
    assert_eq!(Arc::strong_count(&first), 1, "the replaced waker is let go");
    assert_eq!(Arc::strong_count(&second), 2);

    gate.set_result(41);
    run_briefly(&event_loop);
    run_briefly(&event_loop);
    assert!(task.done());
    assert_eq!(first.0.load(Ordering::SeqCst), 0);
    assert_eq!(second.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        Arc::strong_count(&second),
        1,
        "the waker is used up by the wake"
    );
    assert_eq!(poll(&mut task, &second), Poll::Ready(42));
}

/// A pending task whose handle was polled with a foreign waker, destroyed with its loop, gives
/// that waker back (it is dropped, not leaked, and not woken).
#[test]
fn a_foreign_waker_kept_by_a_destroyed_task_is_dropped() {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::task::Waker;

    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let never: LoopFuture<()> = event_loop.create_future();
    let mut task = event_loop.ensure_future(never);
    let waker = Arc::new(CountingWaker(0.into()));
    let foreign = Waker::from(Arc::clone(&waker));
    assert!(Pin::new(&mut task)
        .poll(&mut Context::from_waker(&foreign))
        .is_pending());
    drop(foreign);
    assert_eq!(Arc::strong_count(&waker), 2);
    run_briefly(&event_loop);
    event_loop.close();
    drop(task);
    drop(event_loop);
    assert_eq!(Arc::strong_count(&waker), 1);
    assert_eq!(
        waker.0.load(Ordering::SeqCst),
        1,
        "the destroyed task woke its awaiter"
    );
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].message, "Task was destroyed but it is pending!");
}

/// Where a task was created is still known once it has extras (a name, done callbacks), which
/// share that word.
#[test]
fn the_creation_site_survives_the_extras() {
    let event_loop = EventLoop::new();
    let line = line!() + 1;
    let task = event_loop.ensure_future(async { 5 });
    assert_eq!(task.created_at().line(), line);
    task.set_name("five");
    task.add_done_callback(|_| {});
    assert_eq!(task.created_at().line(), line);
    assert_eq!(task.created_at().file(), file!());
    assert_eq!(task.get_name(), "five");
    assert_eq!(event_loop.run_until_complete(task), 5);
}

/// A task that outlives its loop finds no loop (its handle's methods still work).
#[test]
fn a_task_outliving_its_loop_finds_it_gone() {
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let never: LoopFuture<()> = event_loop.create_future();
    let task = event_loop.ensure_future(never);
    event_loop.close();
    drop(event_loop);
    assert_eq!(reports.borrow().len(), 1);
    assert!(task.done(), "closing a loop destroys its pending tasks");
    assert!(task.cancelled());
    assert!(!task.cancel());
    assert!(format!("{task:?}").contains("cancelled"), "{task:?}");
}
