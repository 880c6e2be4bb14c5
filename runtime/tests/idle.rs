//! Nothing busy-waits: a loop with nothing to do blocks, whatever it waits for (a timer, a wake
//! from another thread, a callback from another thread), and uses next to no CPU meanwhile. The
//! exception is the last 50 µs before a timer is due (the kernel's timer slack), which the loop
//! spends yielding the thread.
//!
//! CPU time is the waiting thread's own, read from Linux's `/proc/thread-self` (nanoseconds from
//! `schedstat`, or clock ticks from `stat` where that is missing). Elsewhere the tests only check
//! that the loop wakes up.

mod common;

use common::within;
use coroutines::{get_event_loop, sleep, EventLoop};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

const IDLE: Duration = Duration::from_millis(300);
/// A tenth of the idle time: a loop that polled, spun or woke up every millisecond would use
/// several times this; one that blocks uses microseconds.
const BUDGET: Duration = Duration::from_millis(30);

/// CPU time used by the calling thread so far, if the platform tells.
fn thread_cpu_time() -> Option<Duration> {
    if let Ok(schedstat) = std::fs::read_to_string("/proc/thread-self/schedstat") {
        let nanos: u64 = schedstat.split_whitespace().next()?.parse().ok()?;
        if nanos > 0 {
            return Some(Duration::from_nanos(nanos));
        }
    }
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which may contain spaces): utime and stime are the 12th
    // and 13th, in clock ticks (100 per second on Linux).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Runs `wait` (which must take at least `IDLE`) and checks the CPU it used.
fn assert_idle(what: &str, wait: impl FnOnce()) {
    let start = Instant::now();
    let before = thread_cpu_time();
    wait();
    let after = thread_cpu_time();
    let elapsed = start.elapsed();
    assert!(elapsed >= IDLE, "{what}: returned after {elapsed:?}");
    if let (Some(before), Some(after)) = (before, after) {
        let used = after - before;
        assert!(
            used < BUDGET,
            "{what}: used {used:?} of CPU while idle for {elapsed:?}"
        );
    }
}

#[test]
fn a_loop_sleeping_on_a_timer_uses_no_cpu() {
    within(|| {
        let event_loop = EventLoop::new();
        // Warm up (first-use allocations, page faults) outside the measurement.
        event_loop.run_until_complete(sleep(0.001));
        assert_idle("sleep", || event_loop.run_until_complete(sleep(IDLE)));
    });
}

/// The one wait that does not block: a timer due sooner than the kernel can end a timed wait
/// (its timer slack, 50 µs on Linux) is waited for by yielding the thread, as a blocking wait
/// would end 50–100 µs after the deadline. A longer wait blocks, as above.
#[test]
#[cfg_attr(miri, ignore = "timer delays read 0 s under Miri")]
fn a_timer_due_within_the_timer_slack_is_waited_for_without_blocking() {
    #[coroutines::coroutine]
    fn sleep_times(times: u32, delay: Duration) {
        for _ in 0..times {
            let start = Instant::now();
            yield_from!(sleep(delay));
            assert!(start.elapsed() >= delay, "{delay:?}: woke early");
        }
    }

    within(|| {
        let event_loop = EventLoop::new();
        let idle_waits = |times: u32, delay: Duration| {
            event_loop.start_trace();
            event_loop.run_until_complete(event_loop.create_task(sleep_times(times, delay)));
            let trace = event_loop.take_trace().unwrap().to_string();
            trace.matches("idle until the next timer is due").count()
        };
        assert_eq!(idle_waits(20, Duration::from_micros(50)), 0);
        assert!(idle_waits(2, Duration::from_millis(10)) >= 2);
    });
}

#[test]
fn a_loop_waiting_for_a_callback_timer_uses_no_cpu() {
    within(|| {
        let event_loop = EventLoop::new();
        event_loop.run_until_complete(sleep(0.001));
        event_loop.call_later(IDLE, || get_event_loop().stop());
        assert_idle("call_later", || event_loop.run_forever());
    });
}

#[test]
fn a_loop_waiting_for_another_thread_uses_no_cpu() {
    struct WokenLater {
        done: Arc<AtomicBool>,
        started: bool,
    }
    impl Future for WokenLater {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.done.load(SeqCst) {
                return Poll::Ready(());
            }
            if !self.started {
                self.started = true;
                let (done, waker) = (self.done.clone(), cx.waker().clone());
                thread::spawn(move || {
                    thread::sleep(IDLE);
                    done.store(true, SeqCst);
                    waker.wake();
                });
            }
            Poll::Pending
        }
    }
    within(|| {
        let event_loop = EventLoop::new();
        event_loop.run_until_complete(sleep(0.001));
        // No timer at all: the loop blocks until the wake arrives.
        assert_idle("foreign wake", || {
            event_loop.run_until_complete(WokenLater {
                done: Arc::default(),
                started: false,
            });
        });
        let proxy = event_loop.proxy();
        let sender = thread::spawn(move || {
            thread::sleep(IDLE);
            proxy.call_soon_threadsafe(|| get_event_loop().stop());
        });
        assert_idle("call_soon_threadsafe", || event_loop.run_forever());
        sender.join().unwrap();
    });
}

#[test]
fn many_idle_tasks_cost_nothing_while_they_wait() {
    within(|| {
        let event_loop = EventLoop::new();
        let tasks: Vec<_> = (0..1000)
            .map(|_| event_loop.create_task(sleep(3600)))
            .collect();
        event_loop.run_until_complete(sleep(0.001));
        assert_idle("1000 sleeping tasks", || {
            event_loop.run_until_complete(sleep(IDLE));
        });
        for task in &tasks {
            task.cancel();
        }
    });
}
