//! Deadline-ordered timers, shared by the event loop and by the fallback timer thread.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::mem;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::Instant;

/// What a timer heap can hold: anything that can tell that it no longer needs to fire.
pub(super) trait Expiry {
    /// True once firing the timer would do nothing, so it can be discarded unfired.
    fn is_cancelled(&self) -> bool;
}

/// A min-heap of timers keyed by `(deadline, sequence number)`.
///
/// The sequence number makes timers with equal deadlines fire in the order they were scheduled,
/// as asyncio's `call_at` does; a bare `BinaryHeap` would pop them in an unspecified order.
///
/// Cancelling a timer only marks its payload: removing an arbitrary element from a binary heap is
/// linear. Marked timers are dropped when they reach the top and, so that a program that keeps
/// scheduling and cancelling long timeouts does not grow the heap without bound, by an occasional
/// sweep that runs when the heap has doubled since the last one (amortised O(1) per push; the heap
/// never holds much more than twice its live timers).
pub(super) struct TimerHeap<T> {
    heap: BinaryHeap<Timer<T>>,
    next_seq: u64,
    sweep_at: usize,
}

/// Below this size a sweep is not worth its cost.
const MIN_SWEEP: usize = 64;

impl<T: Expiry> TimerHeap<T> {
    pub(super) const fn new() -> Self {
        TimerHeap {
            heap: BinaryHeap::new(),
            next_seq: 0,
            sweep_at: MIN_SWEEP,
        }
    }

    /// Adds a timer; returns true if it is now the first to fire, so that a thread sleeping
    /// until the previous first deadline knows it must wake up earlier.
    pub(super) fn push(&mut self, deadline: Instant, payload: T) -> bool {
        if self.heap.len() >= self.sweep_at {
            self.heap.retain(|timer| !timer.payload.is_cancelled());
            self.sweep_at = MIN_SWEEP.max(2 * self.heap.len());
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Timer {
            deadline,
            seq,
            payload,
        });
        self.heap.peek().is_some_and(|first| first.seq == seq)
    }

    /// The earliest deadline of a timer that is still live.
    pub(super) fn next_deadline(&mut self) -> Option<Instant> {
        // Dropping cancelled timers first keeps an idle loop from waking up for nothing.
        while self.heap.peek()?.payload.is_cancelled() {
            self.heap.pop();
        }
        self.heap.peek().map(|timer| timer.deadline)
    }

    /// Removes and returns the earliest live timer whose deadline is at or before `now`.
    pub(super) fn pop_expired(&mut self, now: Instant) -> Option<T> {
        while self.heap.peek()?.deadline <= now {
            let timer = self.heap.pop()?;
            if !timer.payload.is_cancelled() {
                return Some(timer.payload);
            }
        }
        None
    }

    /// Whether no timer, live or cancelled, is left.
    pub(super) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len()
    }
}

struct Timer<T> {
    deadline: Instant,
    seq: u64,
    payload: T,
}

impl<T> Timer<T> {
    fn key(&self) -> (Instant, u64) {
        (self.deadline, self.seq)
    }
}

impl<T> PartialEq for Timer<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Timer<T> {}

impl<T> PartialOrd for Timer<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Timer<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap and the earliest timer must be on top.
        other.key().cmp(&self.key())
    }
}

/// The timer behind one pending [`Sleep`](super::Sleep): the waker to wake at the deadline.
///
/// It is shared (`Arc`) between the `Sleep` and whichever timer heap holds it, and is `Sync`
/// because that heap may be on the fallback timer thread and because a `Sleep` may be dropped or
/// polled on another thread than the one it was first polled on.
pub(super) struct TimerEntry {
    state: Mutex<EntryState>,
}

enum EntryState {
    Armed(Waker),
    Fired,
    Cancelled,
}

impl TimerEntry {
    pub(super) fn new(waker: Waker) -> Self {
        TimerEntry {
            state: Mutex::new(EntryState::Armed(waker)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, EntryState> {
        // Nothing panics while the lock is held, so a poisoned state is still a valid one.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the waker, unless the timer was cancelled or already fired.
    pub(super) fn fire(&self) {
        let waker = {
            let mut state = self.lock();
            match mem::replace(&mut *state, EntryState::Fired) {
                EntryState::Armed(waker) => waker,
                other => {
                    *state = other;
                    return;
                }
            }
        };
        // Outside the lock: `wake` runs foreign code, which may poll the `Sleep` right away.
        waker.wake();
    }

    /// Makes a later `fire` do nothing, and lets go of the waker.
    pub(super) fn cancel(&self) {
        let waker = {
            let mut state = self.lock();
            match mem::replace(&mut *state, EntryState::Cancelled) {
                EntryState::Armed(waker) => waker,
                other => {
                    *state = other;
                    return;
                }
            }
        };
        // Dropping a waker runs foreign code too; keep it out of the critical section.
        drop(waker);
    }

    /// Replaces the waker to wake, as a future must when it is polled with a new one.
    pub(super) fn set_waker(&self, waker: &Waker) {
        let old = {
            let mut state = self.lock();
            match &mut *state {
                EntryState::Armed(current) if !current.will_wake(waker) => {
                    mem::replace(current, waker.clone())
                }
                _ => return,
            }
        };
        drop(old);
    }

    pub(super) fn has_fired(&self) -> bool {
        matches!(*self.lock(), EntryState::Fired)
    }
}

impl Expiry for std::sync::Arc<TimerEntry> {
    fn is_cancelled(&self) -> bool {
        !matches!(*self.lock(), EntryState::Armed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[derive(PartialEq, Debug)]
    struct Tag(u32, bool);

    impl Expiry for Tag {
        fn is_cancelled(&self) -> bool {
            self.1
        }
    }

    #[test]
    fn fires_in_deadline_order_then_scheduling_order() {
        let t0 = Instant::now();
        let mut heap = TimerHeap::new();
        heap.push(t0 + Duration::from_secs(2), Tag(0, false));
        for i in 1..=5 {
            heap.push(t0 + Duration::from_secs(1), Tag(i, false));
        }
        heap.push(t0, Tag(6, false));
        assert_eq!(heap.next_deadline(), Some(t0));
        let fired: Vec<u32> = std::iter::from_fn(|| heap.pop_expired(t0 + Duration::from_secs(2)))
            .map(|t| t.0)
            .collect();
        assert_eq!(fired, [6, 1, 2, 3, 4, 5, 0]);
    }

    #[test]
    fn does_not_fire_early() {
        let t0 = Instant::now();
        let mut heap = TimerHeap::new();
        heap.push(t0 + Duration::from_millis(1), Tag(0, false));
        assert_eq!(heap.pop_expired(t0), None);
        assert_eq!(
            heap.pop_expired(t0 + Duration::from_millis(1)),
            Some(Tag(0, false))
        );
    }

    #[test]
    fn skips_cancelled_timers() {
        let t0 = Instant::now();
        let mut heap = TimerHeap::new();
        heap.push(t0, Tag(0, true));
        heap.push(t0 + Duration::from_secs(1), Tag(1, false));
        assert_eq!(heap.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(
            heap.pop_expired(t0 + Duration::from_secs(1)),
            Some(Tag(1, false))
        );
        assert_eq!(heap.next_deadline(), None);
    }

    #[test]
    fn cancelled_timers_do_not_accumulate() {
        let far = Instant::now() + Duration::from_secs(3600);
        let mut heap = TimerHeap::new();
        heap.push(far, Tag(0, false));
        for i in 1..10_000 {
            heap.push(far, Tag(i, true));
        }
        assert!(heap.len() <= 2 * MIN_SWEEP, "{} timers kept", heap.len());
    }

    #[test]
    fn entry_fires_once_and_not_after_cancel() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use std::sync::Arc;
        use std::task::Wake;

        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, SeqCst);
            }
        }

        let count = Arc::new(Count(AtomicUsize::new(0)));
        let entry = Arc::new(TimerEntry::new(Waker::from(count.clone())));
        assert!(!entry.is_cancelled());
        entry.fire();
        entry.fire();
        assert!(entry.has_fired() && entry.is_cancelled());
        assert_eq!(count.0.load(SeqCst), 1);

        let entry = Arc::new(TimerEntry::new(Waker::from(count.clone())));
        entry.cancel();
        entry.fire();
        assert!(!entry.has_fired() && entry.is_cancelled());
        assert_eq!(count.0.load(SeqCst), 1);
        // The cancelled entry let go of its waker.
        assert_eq!(Arc::strong_count(&count), 1);
    }
}
