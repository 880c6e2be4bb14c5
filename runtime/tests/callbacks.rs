//! Callbacks and timers (`call_soon`, `call_later`, `call_at`, `call_soon_threadsafe`) and the
//! loop's `run_forever`/`stop`.

mod common;

use common::{panic_message, quietly, record_reports, within, Log, Report, EXPECTED, GENEROUS};
use coroutines::{get_event_loop, sleep, EventLoop};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// Runs the loop for one iteration: `call_soon(stop); run_forever()`, asyncio's
/// `test_utils.run_once`.
fn run_once(event_loop: &EventLoop) {
    event_loop.stop();
    event_loop.run_forever();
}

#[test]
fn call_soon_runs_callbacks_in_scheduling_order() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        for i in 0..5 {
            let log = log.clone();
            event_loop.call_soon(move || log.push(i.to_string()));
        }
        assert!(log.entries().is_empty(), "nothing runs before the loop");
        run_once(&event_loop);
        assert_eq!(log.take(), ["0", "1", "2", "3", "4"]);
    });
}

#[test]
fn callbacks_and_task_steps_share_one_fifo() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let first = log.clone();
        event_loop.call_soon(move || first.push("callback 1"));
        let task_log = log.clone();
        let _task = event_loop.ensure_future(async move { task_log.push("task") });
        let last = log.clone();
        event_loop.call_soon(move || last.push("callback 2"));
        run_once(&event_loop);
        assert_eq!(log.take(), ["callback 1", "task", "callback 2"]);
    });
}

#[test]
fn a_callback_scheduled_by_a_callback_runs_in_the_next_iteration() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let outer = log.clone();
        event_loop.call_soon(move || {
            outer.push("outer");
            let inner = outer.clone();
            get_event_loop().call_soon(move || inner.push("inner"));
        });
        run_once(&event_loop);
        assert_eq!(log.take(), ["outer"]);
        run_once(&event_loop);
        assert_eq!(log.take(), ["inner"]);
    });
}

#[test]
fn a_cancelled_handle_does_not_run_and_drops_its_callback() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(false));
        let captured = Rc::new(());
        let (flag, keep) = (ran.clone(), captured.clone());
        let handle = event_loop.call_soon(move || {
            let _keep = keep;
            flag.set(true);
        });
        assert!(!handle.cancelled());
        handle.cancel();
        assert!(handle.cancelled());
        assert_eq!(Rc::strong_count(&captured), 1, "cancel drops the closure");
        handle.cancel();
        run_once(&event_loop);
        assert!(!ran.get());
    });
}

#[test]
fn timers_fire_in_deadline_order_ties_in_scheduling_order() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let now = event_loop.time();
        let schedule = |when: f64, name: &'static str| {
            let log = log.clone();
            event_loop.call_at(now + when, move || log.push(name))
        };
        schedule(0.03, "c1");
        schedule(0.01, "a");
        schedule(0.03, "c2");
        schedule(0.02, "b");
        schedule(0.03, "c3");
        let later = log.clone();
        event_loop.call_later(0.02, move || later.push("b (call_later, scheduled last)"));
        event_loop.run_until_complete(sleep(0.1));
        // `call_later`'s deadline is computed after `now`: at or after "b"'s, and on a tie
        // scheduling order puts "b" first anyway.
        assert_eq!(
            log.take(),
            ["a", "b", "b (call_later, scheduled last)", "c1", "c2", "c3"]
        );
    });
}

#[test]
fn equal_deadlines_fire_in_scheduling_order() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let when = event_loop.time() + 0.02;
        for name in ["first", "second", "third", "fourth"] {
            let log = log.clone();
            event_loop.call_at(when, move || log.push(name));
        }
        event_loop.run_until_complete(sleep(0.05));
        assert_eq!(log.take(), ["first", "second", "third", "fourth"]);
    });
}

#[test]
fn a_timer_never_fires_early() {
    within(|| {
        let event_loop = EventLoop::new();
        let fired = Rc::new(Cell::new(None));
        let sink = fired.clone();
        let start = Instant::now();
        let timer = event_loop.call_later(Duration::from_millis(100), move || {
            sink.set(Some(Instant::now()));
            get_event_loop().stop();
        });
        event_loop.run_forever();
        let fired = fired.get().expect("fired");
        assert!(fired - start >= Duration::from_millis(100));
        assert!(event_loop.time() >= timer.when());
    });
}

#[test]
fn call_at_in_the_past_runs_in_the_next_iteration() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        let timer = event_loop.call_at(event_loop.time() - 10.0, move || flag.set(true));
        assert!(timer.when() < event_loop.time());
        run_once(&event_loop);
        assert!(ran.get());
    });
}

#[test]
fn timer_handles_report_when_and_cancel() {
    within(|| {
        let event_loop = EventLoop::new();
        let before = event_loop.time();
        let timer = event_loop.call_later(0.02, || unreachable!("cancelled"));
        let after = event_loop.time();
        assert!(timer.when() >= before + 0.02 && timer.when() <= after + 0.02);
        assert!(!timer.cancelled());
        let copy = timer.clone();
        copy.cancel();
        assert!(timer.cancelled());
        // Past its deadline: it does not run.
        event_loop.run_until_complete(sleep(0.05));
        assert!(format!("{timer:?}").contains("cancelled: true"));
    });
}

#[test]
fn a_panicking_callback_is_reported_and_the_loop_carries_on() {
    within(|| {
        let event_loop = EventLoop::new();
        let reports = record_reports(&event_loop);
        let log = Log::default();
        event_loop.call_soon(|| panic!("{EXPECTED}: in callback"));
        let after = log.clone();
        event_loop.call_soon(move || after.push("next callback ran"));
        quietly(|| run_once(&event_loop));
        assert_eq!(log.take(), ["next callback ran"]);
        assert_eq!(
            *reports.borrow(),
            [Report {
                message: "Exception in callback".into(),
                panic: Some("expected panic: in callback".into()),
                task_id: None,
            }]
        );
    });
}

#[test]
fn a_panicking_exception_handler_falls_back_to_printing() {
    within(|| {
        let event_loop = EventLoop::new();
        event_loop.set_exception_handler(|_, _| panic!("{EXPECTED}: in handler"));
        event_loop.call_soon(|| panic!("{EXPECTED}: in callback"));
        quietly(|| run_once(&event_loop));
        // Still usable, and back to the default.
        event_loop.reset_exception_handler();
        assert_eq!(event_loop.run_until_complete(async { 1 }), 1);
    });
}

#[test]
fn run_forever_runs_until_stop() {
    within(|| {
        let event_loop = EventLoop::new();
        let count = Rc::new(Cell::new(0));
        fn tick(count: Rc<Cell<u32>>) {
            count.set(count.get() + 1);
            if count.get() == 5 {
                get_event_loop().stop();
            } else {
                get_event_loop().call_soon(move || tick(count));
            }
        }
        let counter = count.clone();
        event_loop.call_soon(move || tick(counter));
        event_loop.run_forever();
        assert_eq!(count.get(), 5);
        assert!(!event_loop.is_running());
        // Reusable.
        event_loop.call_soon(|| get_event_loop().stop());
        event_loop.run_forever();
    });
}

#[test]
fn stop_finishes_the_current_iteration() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let first = log.clone();
        event_loop.call_soon(move || {
            first.push("1");
            get_event_loop().stop();
            let next = first.clone();
            // Scheduled now: the next iteration's, which does not happen.
            get_event_loop().call_soon(move || next.push("3"));
        });
        let second = log.clone();
        event_loop.call_soon(move || second.push("2"));
        event_loop.run_forever();
        assert_eq!(log.take(), ["1", "2"]);
        // The leftover callback runs in the next run.
        run_once(&event_loop);
        assert_eq!(log.take(), ["3"]);
    });
}

#[test]
fn stop_before_run_forever_runs_one_iteration_without_waiting() {
    within(|| {
        let event_loop = EventLoop::new();
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        event_loop.call_soon(move || flag.set(true));
        event_loop.call_later(3600, || unreachable!());
        event_loop.stop();
        // Returns after one iteration, without waiting for the timer (the watchdog would fail a
        // loop that waits).
        event_loop.run_forever();
        assert!(ran.get());
        // The pre-stop was used up.
        let stopper = event_loop.call_later(0.02, || get_event_loop().stop());
        event_loop.run_forever();
        assert!(!stopper.cancelled());
    });
}

#[test]
fn stop_inside_run_until_complete_is_an_error() {
    within(|| {
        let event_loop = EventLoop::new();
        let message = panic_message(|| {
            event_loop.run_until_complete(async {
                get_event_loop().stop();
                sleep(0.1).await;
            })
        });
        assert_eq!(message, "Event loop stopped before Future completed.");
        assert!(!event_loop.is_running());
        assert_eq!(event_loop.run_until_complete(async { 1 }), 1);
    });
}

#[test]
fn run_forever_errors() {
    within(|| {
        let event_loop = EventLoop::new();
        let message = panic_message(|| {
            event_loop.run_until_complete(async { get_event_loop().run_forever() })
        });
        assert_eq!(message, "This event loop is already running");
        event_loop.close();
        assert_eq!(
            panic_message(|| event_loop.run_forever()),
            "Event loop is closed"
        );
    });
}

#[test]
fn scheduling_on_a_closed_loop_panics() {
    let event_loop = EventLoop::new();
    event_loop.close();
    assert_eq!(
        panic_message(|| event_loop.call_soon(|| {})),
        "Event loop is closed"
    );
    assert_eq!(
        panic_message(|| event_loop.call_later(1, || {})),
        "Event loop is closed"
    );
    assert_eq!(
        panic_message(|| event_loop.call_at(0.0, || {})),
        "Event loop is closed"
    );
    assert_eq!(
        panic_message(|| event_loop.call_soon_threadsafe(|| {})),
        "Event loop is closed"
    );
    assert!(event_loop.proxy().is_closed());
}

#[test]
fn close_drops_pending_callbacks_and_timers() {
    let event_loop = EventLoop::new();
    let captured = Rc::new(());
    let (soon, later) = (captured.clone(), captured.clone());
    event_loop.call_soon(move || drop(soon));
    event_loop.call_later(10, move || drop(later));
    assert_eq!(Rc::strong_count(&captured), 3);
    event_loop.close();
    assert_eq!(Rc::strong_count(&captured), 1);
}

#[test]
fn call_soon_threadsafe_wakes_an_idle_loop() {
    within(|| {
        let event_loop = EventLoop::new();
        let proxy = event_loop.proxy();
        let ran_on = Arc::new(std::sync::Mutex::new(None));
        let sink = ran_on.clone();
        let start = Instant::now();
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            proxy.call_soon_threadsafe(move || {
                *sink.lock().unwrap() = Some(thread::current().id());
                get_event_loop().stop();
            });
        });
        // Nothing is scheduled: without the threadsafe callback this would block forever (the
        // watchdog would fail the test).
        event_loop.run_forever();
        sender.join().unwrap();
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(*ran_on.lock().unwrap(), Some(thread::current().id()));
    });
}

#[test]
fn call_soon_threadsafe_keeps_order_and_can_be_cancelled() {
    within(|| {
        let event_loop = EventLoop::new();
        let proxy = event_loop.proxy();
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = order.clone();
        thread::spawn(move || {
            for i in 0..10 {
                let sink = sink.clone();
                let handle = proxy.call_soon_threadsafe(move || sink.lock().unwrap().push(i));
                if i % 3 == 0 {
                    handle.cancel();
                    assert!(handle.cancelled());
                }
            }
            proxy.call_soon_threadsafe(|| get_event_loop().stop());
        })
        .join()
        .unwrap();
        event_loop.run_forever();
        assert_eq!(*order.lock().unwrap(), [1, 2, 4, 5, 7, 8]);
    });
}

#[test]
fn a_panicking_threadsafe_callback_is_reported() {
    within(|| {
        let event_loop = EventLoop::new();
        let reports = record_reports(&event_loop);
        event_loop.call_soon_threadsafe(|| panic!("{EXPECTED}: threadsafe"));
        quietly(|| run_once(&event_loop));
        assert_eq!(reports.borrow()[0].message, "Exception in callback");
    });
}

#[test]
fn many_threads_can_send_at_once() {
    within(|| {
        let event_loop = EventLoop::new();
        let count = Arc::new(AtomicUsize::new(0));
        let (done_tx, done_rx) = mpsc::channel();
        let senders: Vec<_> = (0..4)
            .map(|_| {
                let proxy = event_loop.proxy();
                let count = count.clone();
                let done_tx = done_tx.clone();
                thread::spawn(move || {
                    for _ in 0..250 {
                        let count = count.clone();
                        proxy.call_soon_threadsafe(move || {
                            count.fetch_add(1, SeqCst);
                        });
                    }
                    done_tx.send(()).unwrap();
                })
            })
            .collect();
        for _ in 0..4 {
            done_rx.recv_timeout(GENEROUS).unwrap();
        }
        for sender in senders {
            sender.join().unwrap();
        }
        event_loop.call_soon_threadsafe(|| get_event_loop().stop());
        event_loop.run_forever();
        assert_eq!(count.load(SeqCst), 1000);
    });
}

#[test]
fn the_proxy_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<coroutines::EventLoopProxy>();
    assert_traits::<coroutines::ThreadsafeHandle>();
}
