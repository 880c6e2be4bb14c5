//! The timer that wakes a [`Sleep`](super::Sleep) polled outside a coroutines event loop.
//!
//! A coroutine must run unchanged under tokio, `futures::executor::block_on` or any other
//! executor, and those know nothing about our timers. So a `Sleep` polled there hands its waker to
//! one process-wide thread, started on first use, that sleeps until the earliest deadline and
//! wakes the waker then. It is the simplest timer that works everywhere `std::thread` does; a
//! program that sleeps a lot under tokio is better served by `tokio::time::sleep`.

use super::timer::{Seq, Tick, TimerEntry, TimerHeap};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

struct State {
    timers: TimerHeap<Arc<TimerEntry>>,
    /// The sequence number of the last timer added.
    last_seq: Seq,
    started: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    timers: TimerHeap::new(),
    last_seq: Seq::ZERO,
    started: false,
});
/// Signalled when a timer is added in front of the one the thread is waiting for.
static EARLIER: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, State> {
    // The critical sections do not panic (firing happens outside them), so a poisoned state is
    // still consistent.
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Wakes `entry` at `deadline` (unless it is cancelled first).
pub(super) fn add(deadline: Tick, entry: Arc<TimerEntry>) {
    let mut state = lock();
    if !state.started {
        thread::Builder::new()
            .name("coroutines-timer".into())
            .spawn(run)
            .expect("coroutines: cannot start the timer thread that `sleep` needs outside an event loop");
        state.started = true;
    }
    let seq = state.last_seq.next();
    state.timers.push(deadline, seq, entry, &mut ());
    if state.timers.is_first(seq) {
        EARLIER.notify_one();
    }
}

fn run() {
    let mut due = Vec::new();
    let mut state = lock();
    loop {
        let now = Tick::now();
        while let Some(entry) = state.timers.pop_expired(now, &mut ()) {
            due.push(entry);
        }
        if !due.is_empty() {
            // Wakers run foreign code: never under our lock, which `add` (maybe called from such
            // a waker, polling right away) needs.
            drop(state);
            for entry in due.drain(..) {
                // A panicking waker is a bug in someone's executor; it must not take down the
                // thread every other `Sleep` in the process relies on. The panic hook has
                // already reported it.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| entry.fire()));
            }
            state = lock();
            continue;
        }
        state = match state.timers.next_deadline(&mut ()) {
            Some(deadline) => {
                let timeout = now.until(deadline);
                EARLIER
                    .wait_timeout(state, timeout)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => EARLIER.wait(state).unwrap_or_else(PoisonError::into_inner),
        };
    }
}
