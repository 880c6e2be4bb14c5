//! `gather`, `wait_for` and `wait`.

mod common;

use common::{panic_message, panic_payload, quietly, within, DropGuard, Log, EXPECTED};
use coroutines::{
    ensure_future, gather, get_event_loop, sleep, wait, wait_for, EventLoop, LoopFuture,
    ReturnWhen, TaskError, TimeoutError,
};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

#[coroutines::coroutine]
fn after(log: Log, seconds: f64, name: &'static str) -> &'static str {
    log.push(format!("start {name}"));
    yield_from!(sleep(seconds));
    log.push(format!("end {name}"));
    name
}

#[test]
fn gather_a_vec_returns_results_in_argument_order() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let start = Instant::now();
        let results = event_loop.run_until_complete(gather(vec![
            after(log.clone(), 0.06, "slow"),
            after(log.clone(), 0.02, "fast"),
            after(log.clone(), 0.04, "medium"),
        ]));
        assert_eq!(results, ["slow", "fast", "medium"]);
        // All started before any finished: they ran concurrently, finishing in delay order.
        assert_eq!(
            log.take(),
            [
                "start slow",
                "start fast",
                "start medium",
                "end fast",
                "end medium",
                "end slow"
            ]
        );
        assert!(start.elapsed() >= Duration::from_millis(60));
    });
}

#[test]
fn gather_of_tasks_and_of_an_array() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let tasks: Vec<_> = [(0.03, "a"), (0.01, "b")]
            .into_iter()
            .map(|(delay, name)| event_loop.create_task(after(log.clone(), delay, name)))
            .collect();
        assert_eq!(event_loop.run_until_complete(gather(tasks)), ["a", "b"]);

        let array = event_loop.run_until_complete(gather([
            after(log.clone(), 0.02, "x"),
            after(log.clone(), 0.01, "y"),
        ]));
        assert_eq!(array, ["x", "y"]);
    });
}

#[test]
fn gather_a_tuple_of_different_types() {
    #[coroutines::coroutine]
    fn number() -> u32 {
        yield_from!(sleep(0.02));
        7
    }
    #[coroutines::coroutine]
    fn text() -> String {
        yield_from!(sleep(0.01));
        "seven".to_owned()
    }
    #[coroutines::coroutine]
    fn all() -> (u32, String, bool, char) {
        let flag = ensure_future(async { true });
        yield_from!(gather((number(), text(), flag, async { 'x' })))
    }
    within(|| {
        let event_loop = EventLoop::new();
        assert_eq!(
            event_loop.run_until_complete(all()),
            (7, "seven".to_owned(), true, 'x')
        );
        assert_eq!(event_loop.run_until_complete(gather((async { 1 },))), (1,));
    });
}

#[test]
fn gather_of_nothing_is_ready_at_once() {
    within(|| {
        let event_loop = EventLoop::new();
        let empty: Vec<std::future::Ready<u8>> = Vec::new();
        assert!(event_loop.run_until_complete(gather(empty)).is_empty());
    });
}

#[test]
fn gather_polls_only_the_children_that_were_woken() {
    /// Counts its polls; ready after its sleep.
    struct Counted {
        polls: Rc<Cell<u32>>,
        sleep: coroutines::Sleep,
    }
    impl Future for Counted {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            Pin::new(&mut self.sleep).poll(cx)
        }
    }
    within(|| {
        let event_loop = EventLoop::new();
        let polls = Rc::new(Cell::new(0));
        let children: Vec<_> = (0..50)
            .map(|i| Counted {
                polls: polls.clone(),
                sleep: sleep(0.001 * f64::from(i)),
            })
            .collect();
        event_loop.run_until_complete(gather(children));
        // Each child: a first poll plus the one its timer causes (a zero sleep wakes itself once).
        // Polling every child at every wake-up would be about 50 * 50.
        assert!(polls.get() <= 2 * 50, "{} polls", polls.get());
    });
}

#[test]
fn a_panicking_child_unwinds_out_of_gather() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let guard_log = log.clone();
        let sibling = async move {
            let _guard = DropGuard {
                log: guard_log,
                name: "sibling",
            };
            sleep(3600).await;
            0
        };
        let failing = async {
            sleep(0.01).await;
            panic!("{EXPECTED}: child");
        };
        let payload = panic_payload(|| {
            event_loop.run_until_complete(gather((sibling, failing)));
        });
        assert_eq!(common::message(&*payload), "expected panic: child");
        assert_eq!(log.take(), ["drop sibling"]);
    });
}

#[test]
fn gather_of_joins_collects_panics_and_cancellations() {
    within(|| {
        let event_loop = EventLoop::new();
        let ok = event_loop.ensure_future(async { 1 });
        let bad = event_loop.ensure_future(async {
            sleep(0.01).await;
            if true {
                panic!("{EXPECTED}: collected");
            }
            2
        });
        let cancelled = event_loop.ensure_future(async {
            sleep(3600).await;
            3
        });
        let handle = cancelled.handle();
        event_loop.call_later(0.02, move || {
            handle.cancel();
        });
        let results = quietly(|| {
            event_loop.run_until_complete(gather(vec![ok.join(), bad.join(), cancelled.join()]))
        });
        assert_eq!(*results[0].as_ref().unwrap(), 1);
        assert_eq!(
            results[1].as_ref().unwrap_err().panic_message(),
            Some("expected panic: collected")
        );
        assert!(matches!(results[2], Err(TaskError::Cancelled)));
    });
}

#[test]
fn cancelling_a_gathering_task_cancels_the_gathered_tasks() {
    within(|| {
        let event_loop = EventLoop::new();
        let children: Vec<_> = (0..3)
            .map(|_| event_loop.create_task(sleep(3600)))
            .collect();
        let handles: Vec<_> = children.iter().map(|child| child.handle()).collect();
        let gathering = event_loop.ensure_future(gather(children));
        event_loop.run_until_complete(sleep(0.01));
        assert!(handles.iter().all(|handle| !handle.done()));
        gathering.cancel();
        assert!(handles.iter().all(|handle| handle.cancelled()));
    });
}

#[test]
fn wait_for_returns_the_output_in_time() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        assert_eq!(
            event_loop.run_until_complete(wait_for(after(log.clone(), 0.01, "quick"), 1.0)),
            Ok("quick")
        );
        // Ready at once, with a zero timeout: the future gets its poll.
        assert_eq!(
            event_loop.run_until_complete(wait_for(async { 5 }, 0)),
            Ok(5)
        );
    });
}

#[test]
fn wait_for_times_out_and_drops_the_inner_future() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let guard_log = log.clone();
        let start = Instant::now();
        let outcome = event_loop.run_until_complete(wait_for(
            async move {
                let _guard = DropGuard {
                    log: guard_log,
                    name: "inner",
                };
                sleep(3600).await;
            },
            Duration::from_millis(50),
        ));
        assert_eq!(outcome, Err(TimeoutError));
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(log.take(), ["drop inner"]);
        assert_eq!(TimeoutError.to_string(), "timed out");
    });
}

#[test]
fn wait_for_cancels_a_task_on_timeout() {
    // asyncio's test_wait_for: the task is cancelled by the time wait_for returns.
    within(|| {
        let event_loop = EventLoop::new();
        let running = Rc::new(Cell::new(false));
        let flag = running.clone();
        let task = event_loop.ensure_future(async move {
            struct Reset(Rc<Cell<bool>>);
            impl Drop for Reset {
                fn drop(&mut self) {
                    self.0.set(false);
                }
            }
            flag.set(true);
            let _reset = Reset(flag.clone());
            sleep(0.2).await;
            "done"
        });
        let handle = task.handle();
        let start = event_loop.time();
        let outcome = event_loop.run_until_complete(wait_for(task, 0.05));
        assert_eq!(outcome, Err(TimeoutError));
        assert!(handle.done() && handle.cancelled());
        assert!(!running.get(), "its finally ran");
        assert!(event_loop.time() - start >= 0.05);
    });
}

#[test]
fn wait_for_inside_a_cancelled_task_cancels_its_inner_task() {
    within(|| {
        let event_loop = EventLoop::new();
        let inner = event_loop.create_task(sleep(3600));
        let inner_handle = inner.handle();
        let outer = event_loop.create_task(wait_for(inner, 3600));
        event_loop.run_until_complete(sleep(0.01));
        outer.cancel();
        assert!(inner_handle.cancelled());
    });
}

#[test]
fn wait_for_with_zero_timeout_gives_up_after_one_poll() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u8> = event_loop.create_future();
        assert_eq!(
            event_loop.run_until_complete(wait_for(future.clone(), 0.0)),
            Err(TimeoutError)
        );
        assert!(future.cancelled());
    });
}

#[test]
fn wait_first_completed_returns_without_cancelling_the_rest() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let slow = event_loop.create_task(after(log.clone(), 3600.0, "slow"));
        let fast = event_loop.create_task(after(log.clone(), 0.01, "fast"));
        let (done, mut pending) =
            event_loop.run_until_complete(wait(vec![slow, fast], ReturnWhen::FirstCompleted));
        assert_eq!(done, ["fast"]);
        assert_eq!(pending.len(), 1);
        let slow = pending.pop().unwrap();
        assert!(!slow.done());
        let slow_handle = slow.handle();
        // Dropping a pending task that `wait` handed back lets it run on.
        drop(slow);
        event_loop.run_until_complete(sleep(0.01));
        assert!(!slow_handle.done());
        slow_handle.cancel();
    });
}

#[test]
fn wait_all_completed_gives_outputs_in_completion_order() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let mut tasks: Vec<_> = [(0.03, "c"), (0.01, "a"), (0.02, "b")]
            .into_iter()
            .map(|(delay, name)| event_loop.create_task(after(log.clone(), delay, name)))
            .collect();
        // By `&mut`: the caller keeps the handles.
        let (done, pending) =
            event_loop.run_until_complete(wait(tasks.iter_mut(), ReturnWhen::AllCompleted));
        assert_eq!(done, ["a", "b", "c"]);
        assert!(pending.is_empty());
        assert!(tasks.iter().all(|task| task.done()));
    });
}

#[test]
fn wait_with_a_timeout_returns_what_finished() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let quick = event_loop.create_task(after(log.clone(), 0.01, "quick"));
        let slow = event_loop.create_task(after(log.clone(), 3600.0, "slow"));
        let start = Instant::now();
        let (done, pending) = event_loop
            .run_until_complete(wait(vec![quick, slow], ReturnWhen::AllCompleted).timeout(0.05));
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(done, ["quick"]);
        assert_eq!(pending.len(), 1);
        pending[0].cancel();
    });
}

#[test]
fn wait_on_nothing_is_an_error() {
    within(|| {
        let event_loop = EventLoop::new();
        let nothing: Vec<std::future::Ready<()>> = Vec::new();
        assert_eq!(
            panic_message(|| event_loop.run_until_complete(wait(nothing, ReturnWhen::AllCompleted))),
            "Set of coroutines/Futures is empty."
        );
    });
}

#[test]
fn combinators_nest_inside_coroutines() {
    #[coroutines::coroutine]
    fn pipeline() -> Vec<u32> {
        let event_loop = get_event_loop();
        let first = yield_from!(wait_for(
            gather(vec![std::future::ready(1), std::future::ready(2)]),
            1.0
        ));
        let tasks = vec![
            event_loop.ensure_future(async { 3 }),
            event_loop.ensure_future(async { 4 }),
        ];
        let (mut done, _) = yield_from!(wait(tasks, ReturnWhen::AllCompleted));
        done.sort_unstable();
        let mut all = first.unwrap();
        all.extend(done);
        all
    }
    within(|| {
        assert_eq!(
            EventLoop::new().run_until_complete(pipeline()),
            [1, 2, 3, 4]
        );
    });
}

#[test]
fn when_a_gathered_task_panics_its_sibling_tasks_run_on() {
    // asyncio: "other awaitables in the sequence won't be cancelled and will continue to run".
    within(|| {
        let event_loop = EventLoop::new();
        let failing = event_loop.ensure_future(async {
            sleep(0.01).await;
            if true {
                panic!("{EXPECTED}: gathered task");
            }
            0
        });
        let sibling = event_loop.ensure_future(async {
            sleep(0.05).await;
            1
        });
        let sibling_handle = sibling.handle();
        let payload =
            panic_payload(|| event_loop.run_until_complete(gather(vec![failing, sibling])));
        assert_eq!(common::message(&*payload), "expected panic: gathered task");
        assert!(!sibling_handle.done());
        event_loop.run_until_complete(sleep(0.1));
        assert!(sibling_handle.done() && !sibling_handle.cancelled());
    });
}
