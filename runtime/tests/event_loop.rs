//! The event loop and `sleep`, through the public API only.

use coroutine_runtime::{
    ensure_future, get_event_loop, set_event_loop, sleep, sleep_until, Delay, EventLoop, Sleep,
};
use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// The message of a panic payload (`panic!` with a literal or with a format string).
fn message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "<not a string>"
    }
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    message(&*payload).to_owned()
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Counts how often the inner future is polled.
struct CountPolls<'a, F> {
    polls: &'a AtomicUsize,
    future: Pin<Box<F>>,
}

fn count_polls<F: Future>(polls: &AtomicUsize, future: F) -> CountPolls<'_, F> {
    CountPolls {
        polls,
        future: Box::pin(future),
    }
}

impl<F: Future> Future for CountPolls<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, SeqCst);
        self.future.as_mut().poll(cx)
    }
}

/// A minimal foreign executor: polls on the calling thread, parks between wakes. Gives up after
/// `limit` (returning `None`) so that a lost wakeup fails the test instead of hanging it.
fn block_on<F: Future>(future: F, limit: Duration) -> Option<F::Output> {
    struct Unpark {
        thread: thread::Thread,
        woken: AtomicBool,
    }
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.woken.store(true, SeqCst);
            self.thread.unpark();
        }
    }

    let unpark = Arc::new(Unpark {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&unpark));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let give_up = Instant::now() + limit;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Some(output);
        }
        while !unpark.woken.swap(false, SeqCst) {
            let now = Instant::now();
            if now >= give_up {
                return None;
            }
            thread::park_timeout(give_up - now);
        }
    }
}

const GENEROUS: Duration = Duration::from_secs(10);

/// Runs `test` on a thread of its own (with its own current loop) and fails if it is not done
/// within `GENEROUS`: a lost wakeup then fails the test instead of hanging the suite.
fn within<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    let runner = thread::spawn(move || done.send(test()).unwrap());
    match result.recv_timeout(GENEROUS) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Err(panic) => panic::resume_unwind(panic),
            Ok(()) => unreachable!(),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("still running after {GENEROUS:?}"),
    }
}

#[test]
fn run_until_complete_returns_the_output() {
    within(|| {
        let event_loop = EventLoop::new();
        assert_eq!(event_loop.run_until_complete(async { 40 + 2 }), 42);
        // Anything `IntoFuture`, not only futures.
        assert_eq!(
            event_loop.run_until_complete(std::future::ready("ready")),
            "ready"
        );
        // The future may borrow from the caller and need not be `Send`.
        let mut text = String::from("borrowed");
        let local = std::rc::Rc::new(1);
        event_loop.run_until_complete(async {
            sleep(0).await;
            text.push_str(" and changed");
            assert_eq!(*local, 1);
        });
        assert_eq!(text, "borrowed and changed");
    });
}

#[test]
fn get_event_loop_returns_the_same_loop_every_time() {
    let first = get_event_loop();
    assert_eq!(first, get_event_loop());
    assert_eq!(first, first.clone());
    assert_ne!(first, EventLoop::new());
    assert_ne!(EventLoop::new(), EventLoop::default());
}

#[test]
fn each_thread_has_its_own_loop() {
    let main_loop = get_event_loop();
    thread::spawn(|| {
        let event_loop = get_event_loop();
        assert_eq!(event_loop, get_event_loop());
        event_loop.close();
    })
    .join()
    .unwrap();
    assert_eq!(main_loop, get_event_loop());
    assert!(!get_event_loop().is_closed());
}

#[test]
fn get_event_loop_keeps_returning_a_closed_loop_until_another_is_set() {
    let event_loop = get_event_loop();
    event_loop.close();
    assert_eq!(get_event_loop(), event_loop);
    assert!(get_event_loop().is_closed());

    let fresh = EventLoop::new();
    set_event_loop(&fresh);
    assert_eq!(get_event_loop(), fresh);
    assert_eq!(get_event_loop().run_until_complete(async { 7 }), 7);
}

#[test]
fn get_event_loop_inside_a_coroutine_is_the_running_loop() {
    let event_loop = EventLoop::new();
    assert_ne!(event_loop, get_event_loop());
    let inside = event_loop.run_until_complete(async { get_event_loop() });
    assert_eq!(inside, event_loop);
    assert_ne!(event_loop, get_event_loop());
}

#[test]
fn running_a_closed_loop_panics() {
    let event_loop = EventLoop::new();
    event_loop.close();
    assert_eq!(
        panic_message(|| event_loop.run_until_complete(async {})),
        "Event loop is closed"
    );
}

#[test]
fn running_a_loop_from_inside_itself_panics() {
    let event_loop = EventLoop::new();
    let message = panic_message(|| {
        event_loop.run_until_complete(async { get_event_loop().run_until_complete(async {}) })
    });
    assert_eq!(message, "This event loop is already running");
    // The panic went through the outer run, which left the loop usable.
    assert!(!event_loop.is_running());
    assert_eq!(event_loop.run_until_complete(async { 1 }), 1);
}

#[test]
fn running_another_loop_from_inside_a_loop_panics() {
    let outer = EventLoop::new();
    let inner = EventLoop::new();
    let message =
        panic_message(|| outer.run_until_complete(async { inner.run_until_complete(async {}) }));
    assert_eq!(
        message,
        "Cannot run the event loop while another loop is running"
    );
    assert!(!outer.is_running() && !inner.is_running());
    assert_eq!(inner.run_until_complete(async { 2 }), 2);
    assert_eq!(outer.run_until_complete(async { 3 }), 3);
}

#[test]
fn closing_a_running_loop_panics() {
    let event_loop = EventLoop::new();
    let message =
        panic_message(|| event_loop.run_until_complete(async { get_event_loop().close() }));
    assert_eq!(message, "Cannot close a running event loop");
    assert!(!event_loop.is_closed());
    assert_eq!(event_loop.run_until_complete(async { 4 }), 4);
}

#[test]
fn close_is_idempotent() {
    let event_loop = EventLoop::new();
    assert!(!event_loop.is_closed());
    event_loop.close();
    assert!(event_loop.is_closed());
    event_loop.close();
    assert!(event_loop.is_closed());
}

#[test]
fn is_running_only_while_running() {
    let event_loop = EventLoop::new();
    assert!(!event_loop.is_running());
    let handle = event_loop.clone();
    assert!(event_loop.run_until_complete(async move { handle.is_running() }));
    assert!(!event_loop.is_running());
}

#[test]
fn a_panic_in_the_main_task_propagates_and_leaves_the_loop_reusable() {
    within(|| {
        let event_loop = EventLoop::new();
        let payload = panic::catch_unwind(AssertUnwindSafe(|| {
            event_loop.run_until_complete(async {
                sleep(0.01).await;
                panic::panic_any(1234_i32);
            })
        }))
        .expect_err("the panic must come out of run_until_complete");
        // The original payload, not a wrapper.
        assert_eq!(payload.downcast_ref::<i32>(), Some(&1234));
        assert!(!event_loop.is_running());
        assert!(!event_loop.is_closed());
        assert_eq!(event_loop.run_until_complete(async { 5 }), 5);
        event_loop.close();
    });
}

#[test]
fn time_is_monotonic_and_follows_sleep() {
    within(|| {
        let event_loop = EventLoop::new();
        let start = event_loop.time();
        assert!(start >= 0.0);
        event_loop.run_until_complete(sleep(0.05));
        let end = event_loop.time();
        assert!(end - start >= 0.05, "{start} -> {end}");
        assert!(event_loop.time() >= end);
    });
}

#[test]
fn sleep_waits_at_least_its_delay() {
    within(|| {
        let event_loop = EventLoop::new();
        let start = Instant::now();
        event_loop.run_until_complete(sleep(Duration::from_millis(200)));
        assert!(
            start.elapsed() >= Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    });
}

#[test]
fn sequential_sleeps_add_up() {
    within(|| {
        let event_loop = EventLoop::new();
        let polls = AtomicUsize::new(0);
        let start = Instant::now();
        event_loop.run_until_complete(count_polls(&polls, async {
            sleep(0.1).await;
            sleep(Duration::from_millis(100)).await;
            sleep(0).await;
        }));
        assert!(
            start.elapsed() >= Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
        // One poll to start, one per timer, one after `sleep(0)` yields: the loop does not poll
        // tasks that nobody woke.
        assert_eq!(polls.load(SeqCst), 4);
    });
}

#[test]
fn float_and_integer_delays() {
    within(|| {
        let event_loop = EventLoop::new();
        let start = Instant::now();
        event_loop.run_until_complete(sleep(0.15));
        assert!(start.elapsed() >= Duration::from_millis(150));

        // Integer seconds (`sleep(1)`) type-check; a negative one does not wait.
        let start = Instant::now();
        event_loop.run_until_complete(sleep(-1));
        assert!(start.elapsed() < Duration::from_secs(1));

        assert_eq!(Delay::from(0.25).duration(), Duration::from_millis(250));
        assert_eq!(Delay::from(0.25_f32).duration(), Duration::from_millis(250));
        assert_eq!(Delay::from(3).duration(), Duration::from_secs(3));
        assert_eq!(Delay::from(3_u64).duration(), Duration::from_secs(3));
        assert_eq!(Delay::from(-3_i64).duration(), Duration::ZERO);
        assert_eq!(Delay::from(-0.5).duration(), Duration::ZERO);
        assert_eq!(Delay::from(f64::NAN).duration(), Duration::ZERO);
        assert_eq!(Delay::from(f64::INFINITY).duration(), Duration::MAX);
        assert_eq!(Delay::from(1e300).duration(), Duration::MAX);
        assert_eq!(
            Duration::from(Delay::from(Duration::from_nanos(7))),
            Duration::from_nanos(7)
        );
    });
}

#[test]
fn zero_sleep_is_pending_exactly_once() {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut sleep = sleep(Duration::ZERO);
    assert_eq!(Pin::new(&mut sleep).poll(&mut cx), Poll::Pending);
    // It rescheduled itself: no timer will do it.
    assert_eq!(counter.0.load(SeqCst), 1);
    assert_eq!(Pin::new(&mut sleep).poll(&mut cx), Poll::Ready(()));
    assert_eq!(counter.0.load(SeqCst), 1);
}

#[test]
fn zero_sleep_yields_to_the_loop_once() {
    within(|| {
        let event_loop = EventLoop::new();
        let polls = AtomicUsize::new(0);
        event_loop.run_until_complete(count_polls(&polls, sleep(0)));
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn sleep_until_waits_for_its_deadline() {
    within(|| {
        let event_loop = EventLoop::new();
        let deadline = Instant::now() + Duration::from_millis(100);
        let polls = AtomicUsize::new(0);
        event_loop.run_until_complete(count_polls(&polls, sleep_until(deadline)));
        assert!(Instant::now() >= deadline);
        // Started, then woken by its timer: no polling in between.
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn sleep_until_a_past_deadline_yields_to_the_loop_once() {
    within(|| {
        let event_loop = EventLoop::new();
        let order = Rc::new(RefCell::new(Vec::new()));
        let (late, other) = (Rc::clone(&order), Rc::clone(&order));
        let polls = AtomicUsize::new(0);
        let past = Instant::now();
        event_loop.run_until_complete(count_polls(&polls, async move {
            let task = ensure_future(async move { other.borrow_mut().push("other") });
            sleep_until(past).await;
            late.borrow_mut().push("late");
            task.await;
        }));
        // The task queued before the sleep ran while it waited for the loop's next look at its
        // timers.
        assert_eq!(*order.borrow(), ["other", "late"]);
        assert_eq!(polls.load(SeqCst), 2);
    });
}

#[test]
fn sleep_until_works_under_a_foreign_executor() {
    let deadline = Instant::now() + Duration::from_millis(50);
    let output = block_on(sleep_until(deadline), GENEROUS);
    assert_eq!(output, Some(()));
    assert!(Instant::now() >= deadline);
    let shown = format!("{:?}", sleep_until(deadline));
    assert!(shown.starts_with("Sleep { deadline: "), "{shown}");
}

#[test]
fn a_wake_from_another_thread_wakes_the_idle_loop() {
    within(|| {
        struct WokenElsewhere {
            started: bool,
            done: Arc<AtomicBool>,
        }
        impl Future for WokenElsewhere {
            type Output = ();
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                if self.done.load(SeqCst) {
                    return Poll::Ready(());
                }
                if !self.started {
                    self.started = true;
                    let (done, waker) = (Arc::clone(&self.done), cx.waker().clone());
                    thread::spawn(move || {
                        thread::sleep(Duration::from_millis(50));
                        done.store(true, SeqCst);
                        waker.wake();
                    });
                }
                Poll::Pending
            }
        }

        let event_loop = EventLoop::new();
        let polls = AtomicUsize::new(0);
        let start = Instant::now();
        let future = WokenElsewhere {
            started: false,
            done: Arc::default(),
        };
        event_loop.run_until_complete(count_polls(&polls, future));
        assert!(start.elapsed() >= Duration::from_millis(50));
        // Polled to start and once more when woken: the loop slept in between rather than polling.
        assert!(
            polls.load(SeqCst) <= 3,
            "polled {} times",
            polls.load(SeqCst)
        );
    });
}

#[test]
fn sleep_is_send_sync_and_unpin() {
    fn assert_traits<T: Send + Sync + Unpin + 'static>() {}
    assert_traits::<Sleep>();
    assert_traits::<Delay>();
}

#[test]
fn sleep_works_under_a_foreign_executor() {
    let start = Instant::now();
    let output = block_on(
        async {
            sleep(0.05).await;
            sleep(Duration::from_millis(50)).await;
            sleep(0).await;
            "slept"
        },
        GENEROUS,
    );
    assert_eq!(output, Some("slept"));
    assert!(start.elapsed() >= Duration::from_millis(100));
}

#[test]
fn sleep_works_on_another_thread_while_a_loop_runs_here() {
    within(|| {
        let event_loop = EventLoop::new();
        let elsewhere = thread::spawn(|| block_on(sleep(0.05), GENEROUS));
        event_loop.run_until_complete(sleep(0.1));
        assert_eq!(elsewhere.join().unwrap(), Some(()));
    });
}

#[test]
fn a_sleep_left_pending_by_the_loop_finishes_elsewhere() {
    within(|| {
        // Polled once by the loop (so its timer belongs to the loop), then handed to a foreign
        // executor after the loop stopped: it must move its timer rather than wait for a loop that
        // no longer runs.
        let event_loop = EventLoop::new();
        let mut pending = Some(sleep(0.05));
        let started = event_loop.run_until_complete(std::future::poll_fn(|cx| {
            let sleep = pending.as_mut().unwrap();
            Poll::Ready(Pin::new(sleep).poll(cx).is_pending())
        }));
        assert!(started);
        assert_eq!(block_on(pending.take().unwrap(), GENEROUS), Some(()));

        // And the other way round: started by a foreign executor, finished by the loop.
        let mut sleep = sleep(0.05);
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(Arc::clone(&counter));
        assert!(Pin::new(&mut sleep)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let start = Instant::now();
        event_loop.run_until_complete(sleep);
        assert!(start.elapsed() < GENEROUS);
    });
}

#[test]
fn a_dropped_sleep_never_wakes() {
    within(|| {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(Arc::clone(&counter));

        // On the fallback timer thread (a deadline far enough that a stalled test thread still
        // drops the `Sleep` before it).
        let mut pending = sleep(0.2);
        assert!(Pin::new(&mut pending)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        drop(pending);

        // On a loop.
        let event_loop = EventLoop::new();
        event_loop.run_until_complete(async {
            let mut pending = sleep(0.01);
            assert!(Pin::new(&mut pending)
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            drop(pending);
            sleep(0.05).await;
        });

        // Past both deadlines.
        thread::sleep(Duration::from_millis(250));
        assert_eq!(counter.0.load(SeqCst), 0);
        // Both timers let go of the waker: the loop's at once, the fallback thread's when it
        // next runs (on a loaded machine that may take a while; wait up to 5 s for it).
        drop(waker);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&counter) > 1 && std::time::Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(Arc::strong_count(&counter), 1);
        assert_eq!(counter.0.load(SeqCst), 0, "a dropped sleep woke its waker");
    });
}

#[test]
fn a_sleep_of_a_loop_dropped_on_another_thread_lets_go_of_its_waker() {
    // The loop owns the timers of the `Sleep`s polled on it; one dropped on another thread
    // cancels its timer through the loop's mailbox, which the loop reads on its next run.
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(Arc::clone(&counter));
    let event_loop = EventLoop::new();
    let pending = event_loop.run_until_complete(async {
        let mut pending = sleep(3600);
        assert!(Pin::new(&mut pending)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        // In an `Option`: an async block that returns a future reads like a missing `.await`.
        Some(pending)
    });
    thread::spawn(move || drop(pending)).join().unwrap();
    event_loop.run_until_complete(async {});
    drop(waker);
    assert_eq!(Arc::strong_count(&counter), 1);
    assert_eq!(counter.0.load(SeqCst), 0);
}

#[test]
fn a_sleep_repolled_with_a_new_waker_wakes_the_new_one() {
    let first = Arc::new(CountingWaker::default());
    let second = Arc::new(CountingWaker::default());
    let mut pending = sleep(0.02);
    let waker = Waker::from(Arc::clone(&first));
    assert!(Pin::new(&mut pending)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let waker = Waker::from(Arc::clone(&second));
    assert!(Pin::new(&mut pending)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let give_up = Instant::now() + GENEROUS;
    while second.0.load(SeqCst) == 0 && Instant::now() < give_up {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (0, 1));
    assert_eq!(
        Pin::new(&mut pending).poll(&mut Context::from_waker(&waker)),
        Poll::Ready(())
    );
}

#[test]
fn a_sleep_pending_on_a_closed_loop_finishes_elsewhere() {
    within(|| {
        let event_loop = EventLoop::new();
        let mut pending = Some(sleep(0.05));
        event_loop.run_until_complete(std::future::poll_fn(|cx| {
            assert!(Pin::new(pending.as_mut().unwrap()).poll(cx).is_pending());
            Poll::Ready(())
        }));
        event_loop.close();
        assert_eq!(block_on(pending.take().unwrap(), GENEROUS), Some(()));
    });
}

#[test]
fn a_sleep_pending_on_a_closed_loop_does_not_finish_early() {
    within(|| {
        let event_loop = EventLoop::new();
        let mut pending = sleep(3600);
        event_loop.run_until_complete(std::future::poll_fn(|cx| {
            assert!(Pin::new(&mut pending).poll(cx).is_pending());
            Poll::Ready(())
        }));
        // The closed loop no longer holds the timer: that is not the timer having fired.
        event_loop.close();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(Pin::new(&mut pending).poll(&mut cx).is_pending());
    });
}

/// Wakes its task 101 times in its first poll (100 by reference, once by value), then sleeps
/// 20 ms: three polls if the redundant wakes are deduplicated.
fn woken_101_times_then_sleeps() -> impl Future<Output = ()> {
    let mut woken = false;
    let mut pending = sleep(0.02);
    std::future::poll_fn(move |cx| {
        if !woken {
            woken = true;
            for _ in 0..100 {
                cx.waker().wake_by_ref();
            }
            // And once through the by-value `wake`.
            let owned = cx.waker().clone();
            owned.wake();
            return Poll::Pending;
        }
        Pin::new(&mut pending).poll(cx)
    })
}

#[test]
fn redundant_wakes_cost_one_poll() {
    within(|| {
        let event_loop = EventLoop::new();
        let polls = AtomicUsize::new(0);
        event_loop.run_until_complete(count_polls(&polls, woken_101_times_then_sleeps()));
        // Woken 101 times, polled once for all of them; then once to start the sleep and once
        // when it is over.
        assert_eq!(polls.load(SeqCst), 3);
    });
}

#[test]
fn redundant_wakes_of_a_spawned_task_cost_one_poll() {
    within(|| {
        let event_loop = EventLoop::new();
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&polls);
        let task = event_loop.ensure_future(async move {
            let mut inner = pin!(woken_101_times_then_sleeps());
            std::future::poll_fn(|cx| {
                counted.fetch_add(1, SeqCst);
                inner.as_mut().poll(cx)
            })
            .await;
            7
        });
        assert_eq!(event_loop.run_until_complete(task), 7);
        // Woken 101 times, polled once for all of them; then once to start the sleep and once
        // when it is over.
        assert_eq!(polls.load(SeqCst), 3);
    });
}

#[test]
fn a_main_tasks_waker_woken_after_its_run_steps_nothing() {
    within(|| {
        let event_loop = EventLoop::new();
        let polls = AtomicUsize::new(0);
        let mut kept = None;
        event_loop.run_until_complete(count_polls(
            &polls,
            std::future::poll_fn(|cx| {
                kept = Some(cx.waker().clone());
                Poll::Ready(())
            }),
        ));
        assert_eq!(polls.load(SeqCst), 1);
        // The first run's main task is gone; its waker must not make the next run's main task
        // (or anything else) take a step it was not woken for.
        let waker = kept.expect("polled once");
        waker.wake_by_ref();
        let next_polls = AtomicUsize::new(0);
        let mut once = false;
        let answer = event_loop.run_until_complete(count_polls(
            &next_polls,
            std::future::poll_fn(|cx| {
                // Woken by the old waker during this run, too.
                waker.wake_by_ref();
                if once {
                    return Poll::Ready(42);
                }
                once = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }),
        ));
        assert_eq!(answer, 42);
        assert_eq!(next_polls.load(SeqCst), 2);
        assert_eq!(polls.load(SeqCst), 1);
    });
}

#[test]
fn wakes_from_another_thread_mixed_with_the_loops_own_are_never_lost() {
    // The loop's own wakes and other threads' are deduplicated by two different flags; a wake
    // from the thread must lead to a poll that sees what the thread did before waking, however
    // the two interleave.
    within(|| {
        const ITEMS: usize = 20_000;
        let event_loop = EventLoop::new();
        let queue = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (waker_tx, waker_rx) = mpsc::channel::<Waker>();
        let producer = {
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                let waker = waker_rx.recv().expect("the task sends its waker");
                for item in 0..ITEMS {
                    queue.lock().unwrap().push(item);
                    waker.wake_by_ref();
                    if item % 64 == 0 {
                        thread::yield_now();
                    }
                }
            })
        };
        let mut received = Vec::new();
        let mut sent_waker = false;
        let mut local_wakes = 0u32;
        let total = event_loop.run_until_complete(count_polls(
            &AtomicUsize::new(0),
            std::future::poll_fn(|cx| {
                if !sent_waker {
                    sent_waker = true;
                    waker_tx.send(cx.waker().clone()).unwrap();
                }
                received.append(&mut queue.lock().unwrap());
                if received.len() == ITEMS {
                    return Poll::Ready(received.iter().sum::<usize>());
                }
                // Every other poll, a wake on the loop's own thread as well.
                local_wakes += 1;
                if local_wakes % 2 == 0 {
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }),
        ));
        producer.join().unwrap();
        assert_eq!(total, ITEMS * (ITEMS - 1) / 2);
    });
}

#[test]
fn sleeps_polled_together_in_one_task_overlap() {
    within(|| {
        let event_loop = EventLoop::new();
        let polls = AtomicUsize::new(0);
        let (mut long, mut short) = (Some(sleep(0.1)), Some(sleep(0.05)));
        let start = Instant::now();
        event_loop.run_until_complete(count_polls(
            &polls,
            std::future::poll_fn(|cx| {
                for slot in [&mut long, &mut short] {
                    if slot
                        .as_mut()
                        .is_some_and(|sleep| Pin::new(sleep).poll(cx).is_ready())
                    {
                        *slot = None;
                    }
                }
                if long.is_none() && short.is_none() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }),
        ));
        assert!(start.elapsed() >= Duration::from_millis(100));
        // Started together, woken once by each timer: not one after the other.
        assert_eq!(polls.load(SeqCst), 3);
    });
}

/// Records the thread that wakes it, then passes the wake on.
struct RecordingWaker {
    woken_on: std::sync::Mutex<Option<thread::ThreadId>>,
    then: Waker,
}

impl Wake for RecordingWaker {
    fn wake(self: Arc<Self>) {
        *self.woken_on.lock().unwrap() = Some(thread::current().id());
        self.then.wake_by_ref();
    }
}

fn poll_recording(sleep: &mut Sleep, cx: &mut Context<'_>) -> (Poll<()>, Arc<RecordingWaker>) {
    let recorder = Arc::new(RecordingWaker {
        woken_on: Default::default(),
        then: cx.waker().clone(),
    });
    let waker = Waker::from(Arc::clone(&recorder));
    (
        Pin::new(sleep).poll(&mut Context::from_waker(&waker)),
        recorder,
    )
}

#[test]
fn on_a_running_loop_sleep_is_a_timer_of_that_loop() {
    within(|| {
        let event_loop = EventLoop::new();
        let mut pending = sleep(0.05);
        // Started elsewhere first: the loop must take the timer over, not leave it with the
        // timer thread.
        let elsewhere = Waker::from(Arc::new(CountingWaker::default()));
        assert!(Pin::new(&mut pending)
            .poll(&mut Context::from_waker(&elsewhere))
            .is_pending());
        let mut recorder = None;
        event_loop.run_until_complete(std::future::poll_fn(|cx| {
            let (poll, record) = poll_recording(&mut pending, cx);
            recorder.get_or_insert(record);
            poll
        }));
        let woken_on = *recorder.unwrap().woken_on.lock().unwrap();
        assert_eq!(woken_on, Some(thread::current().id()));
    });
}

#[test]
fn elsewhere_sleep_is_woken_by_the_timer_thread() {
    within(|| {
        let mut pending = sleep(0.02);
        let mut recorder = None;
        let output = block_on(
            std::future::poll_fn(|cx| {
                let (poll, record) = poll_recording(&mut pending, cx);
                recorder.get_or_insert(record);
                poll
            }),
            GENEROUS,
        );
        assert_eq!(output, Some(()));
        let woken_on = recorder.unwrap().woken_on.lock().unwrap().expect("woken");
        assert_ne!(woken_on, thread::current().id());
    });
}
