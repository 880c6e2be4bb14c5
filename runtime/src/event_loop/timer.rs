//! Deadline-ordered timers, shared by the event loop and by the fallback timer thread.

use super::fifo::Fifo;
use super::handle::{Callback, LoopTimer};
use super::slab::Slab;
use super::task::CompactWaker;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::mem;
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

/// A deadline: nanoseconds since the process's clock epoch (see `super::epoch`), negative before
/// it.
///
/// Half the size of an [`Instant`], which a queue of 100,000 timers notices, and one integer
/// compare. It covers 292 years either side of the epoch; a deadline beyond that counts as 292
/// years (a `sleep` never asks for more than [`FOREVER`](super::sleep::FOREVER), thirty years).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) struct Tick(i64);

impl Tick {
    pub(super) fn of(at: Instant) -> Tick {
        let nanos = |span: Duration| i64::try_from(span.as_nanos()).unwrap_or(i64::MAX);
        let epoch = super::epoch();
        match at.checked_duration_since(epoch) {
            Some(after) => Tick(nanos(after)),
            None => Tick(-nanos(epoch.duration_since(at))),
        }
    }

    pub(super) fn now() -> Tick {
        Tick::of(Instant::now())
    }

    /// The instant it stands for (for `Debug`).
    pub(super) fn instant(self) -> Instant {
        let epoch = super::epoch();
        let span = Duration::from_nanos(self.0.unsigned_abs());
        let at = if self.0 >= 0 {
            epoch.checked_add(span)
        } else {
            epoch.checked_sub(span)
        };
        at.unwrap_or(epoch)
    }

    /// How long from `self` until `later` (zero if it is not later).
    pub(super) fn until(self, later: Tick) -> Duration {
        Duration::from_nanos(later.0.saturating_sub(self.0).max(0).unsigned_abs())
    }
}

/// What a timer heap can hold: anything that can tell that it no longer needs to fire.
pub(super) trait Expiry {
    /// What it needs to tell (the loop's [`SleepTimers`] for a `sleep`'s timer).
    type Context: ?Sized;
    /// True once firing the timer would do nothing, so it can be discarded unfired.
    fn is_cancelled(&self, cx: &Self::Context) -> bool;
    /// The heap drops this cancelled timer unfired.
    fn discard(&self, cx: &mut Self::Context) {
        let _ = cx;
    }
    /// False if no timer of the heap can be cancelled now: a sweep would find nothing.
    fn any_cancelled(cx: &Self::Context) -> bool {
        let _ = cx;
        true
    }
}

/// The order of timers with equal deadlines: the order they were scheduled in.
///
/// 32 bits, compared with wrapping arithmetic: right for any two timers scheduled fewer than
/// 2^31 timers apart. Two timers due at the same nanosecond, scheduled further apart than that,
/// may fire in either order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Seq(u32);

impl Seq {
    pub(super) const ZERO: Seq = Seq(0);

    /// The number after this one.
    pub(super) fn next(&mut self) -> Seq {
        self.0 = self.0.wrapping_add(1);
        *self
    }
}

impl Ord for Seq {
    fn cmp(&self, other: &Self) -> Ordering {
        // The sign of the wrapped difference, reinterpreted.
        (self.0.wrapping_sub(other.0) as i32).cmp(&0)
    }
}

impl PartialOrd for Seq {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Timers ordered by `(deadline, sequence number)`.
///
/// The sequence number, which the caller hands out in increasing order ([`Seq`]), makes timers
/// with equal deadlines fire in the order they were scheduled. (asyncio does not promise that:
/// its heap is not stable.)
///
/// Two queues: a run of timers in key order (`sorted`), appended to when a timer is due no
/// earlier than the last one there, and a min-heap for the others. Timers are mostly scheduled in
/// deadline order (`sleep`s of one length started one after another, deadlines spread over a
/// period), and those never touch the heap: pushing and popping them is O(1), through memory read
/// in order. A heap alone pops in O(log n) through the whole vector: with 100,000 timers pending
/// that was a cache miss at nearly every level of every pop, much of what made a crowd of timers
/// fire late. The first timer is the earlier of the two fronts.
///
/// Cancelling a timer only marks its payload: removing an arbitrary element is linear. Marked
/// timers are discarded when they come first and, so that a program that keeps scheduling and
/// cancelling long timeouts does not grow the queues without bound, by an occasional sweep that
/// runs when they have doubled since the last one (amortised O(1) per push; they never hold
/// much more than twice the live timers).
pub(super) struct TimerHeap<T> {
    sorted: Fifo<Timer<T>>,
    heap: BinaryHeap<Timer<T>>,
    sweep_at: usize,
}

/// Below this size a sweep is not worth its cost.
const MIN_SWEEP: usize = 64;

/// Where the first timer is.
#[derive(Clone, Copy)]
enum First {
    Sorted,
    Heap,
}

/// The first live timer of a heap, as [`TimerHeap::peek`] found it.
#[derive(Clone, Copy)]
pub(super) struct Peeked {
    pub(super) key: (Tick, Seq),
    at: First,
}

impl<T: Expiry> TimerHeap<T> {
    pub(super) const fn new() -> Self {
        TimerHeap {
            sorted: Fifo::returning(),
            heap: BinaryHeap::new(),
            sweep_at: MIN_SWEEP,
        }
    }

    fn len(&self) -> usize {
        self.sorted.len() + self.heap.len()
    }

    /// Adds a timer, `seq` being after that of every timer added before.
    pub(super) fn push(&mut self, deadline: Tick, seq: Seq, payload: T, cx: &mut T::Context) {
        if self.len() >= self.sweep_at {
            if T::any_cancelled(cx) {
                let mut live = |timer: &Timer<T>| {
                    let cancelled = timer.payload.is_cancelled(cx);
                    if cancelled {
                        timer.payload.discard(cx);
                    }
                    !cancelled
                };
                self.sorted.retain(&mut live);
                self.heap.retain(live);
            }
            self.sweep_at = MIN_SWEEP.max(2 * self.len());
        }
        let timer = Timer {
            deadline,
            seq,
            payload,
        };
        // A later sequence number breaks a tie with the last timer of the run in our favour.
        if self
            .sorted
            .back()
            .is_none_or(|last| last.deadline <= deadline)
        {
            self.sorted.push_back(timer);
        } else {
            self.heap.push(timer);
        }
    }

    /// Whether the timer numbered `seq` is the first to fire, so that a thread sleeping until
    /// the first deadline knows when it must wake up earlier.
    pub(super) fn is_first(&self, seq: Seq) -> bool {
        self.first().is_some_and(|(_, first)| first.seq == seq)
    }

    /// The first timer, if there is one, and where it is (keys are unique: no ties).
    #[inline]
    fn first(&self) -> Option<(First, &Timer<T>)> {
        match (self.sorted.front(), self.heap.peek()) {
            (Some(run), Some(heap)) if heap.key() < run.key() => Some((First::Heap, heap)),
            (Some(run), _) => Some((First::Sorted, run)),
            (None, heap) => heap.map(|heap| (First::Heap, heap)),
        }
    }

    #[inline]
    fn pop_at(&mut self, at: First) -> Option<Timer<T>> {
        match at {
            First::Sorted => self.sorted.pop_front(),
            First::Heap => self.heap.pop(),
        }
    }

    /// The earliest timer that is still live, cancelled ones before it discarded: its key, and
    /// where it is for [`pop`](Self::pop). One look at the two fronts per timer.
    ///
    /// Always inlined: a loop looks at its callbacks' heap, most often empty, on every timer it
    /// fires, and a call to do that cost about 16 instructions per timer.
    #[inline(always)]
    pub(super) fn peek(&mut self, cx: &mut T::Context) -> Option<Peeked> {
        loop {
            let (at, first) = self.first()?;
            if !first.payload.is_cancelled(cx) {
                return Some(Peeked {
                    key: first.key(),
                    at,
                });
            }
            if let Some(timer) = self.pop_at(at) {
                timer.payload.discard(cx);
            }
        }
    }

    /// Removes the timer `peeked`, which [`peek`](Self::peek) just returned.
    #[inline]
    pub(super) fn pop(&mut self, peeked: Peeked) -> Option<T> {
        self.pop_at(peeked.at).map(|timer| timer.payload)
    }

    /// The earliest deadline of a timer that is still live.
    pub(super) fn next_deadline(&mut self, cx: &mut T::Context) -> Option<Tick> {
        Some(self.peek(cx)?.key.0)
    }

    /// Removes and returns the earliest live timer whose deadline is at or before `now`.
    pub(super) fn pop_expired(&mut self, now: Tick, cx: &mut T::Context) -> Option<T> {
        let first = self.peek(cx)?;
        if first.key.0 > now {
            return None;
        }
        self.pop(first)
    }

    /// Whether no timer, live or cancelled, is left.
    pub(super) fn is_empty(&self) -> bool {
        self.sorted.is_empty() && self.heap.is_empty()
    }
}

/// 16 bytes for a `sleep`'s timer (a slot of [`SleepTimers`]): the queues of a loop with 100,000
/// sleeping tasks hold that many of them.
struct Timer<T> {
    deadline: Tick,
    seq: Seq,
    payload: T,
}

impl<T> Timer<T> {
    fn key(&self) -> (Tick, Seq) {
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

/// A loop's timers: `sleep`s' and callbacks' (`call_later`, `call_at`), in one order, and the
/// wakers of the `sleep`s.
///
/// Two heaps rather than one of an enum: a `sleep`'s timer is a slot of `wakers`, 4 bytes, and a
/// callback an `Rc<dyn Callback>`, 16; in one heap every timer would take the larger size and a
/// tag. The sequence numbers are shared, so the two merge back into the order the timers were
/// scheduled in.
pub(super) struct LoopTimers {
    sleeps: TimerHeap<SleepSlot>,
    wakers: SleepTimers,
    calls: TimerHeap<Rc<dyn Callback>>,
    last_seq: Seq,
}

impl LoopTimers {
    pub(super) const fn new() -> Self {
        LoopTimers {
            sleeps: TimerHeap::new(),
            wakers: SleepTimers {
                slab: Slab::new(),
                cancelled: 0,
            },
            calls: TimerHeap::new(),
            last_seq: Seq::ZERO,
        }
    }

    /// Wakes `waker` at `deadline` (unless the timer is cancelled first).
    pub(super) fn add_sleep(&mut self, deadline: Tick, waker: Waker) -> SleepKey {
        let key = self.wakers.insert(waker);
        let seq = self.last_seq.next();
        self.sleeps
            .push(deadline, seq, SleepSlot(key.slot), &mut self.wakers);
        key
    }

    /// Whether the `sleep` timer `key` is pending (neither fired nor cancelled).
    pub(super) fn sleep_pending(&self, key: SleepKey) -> bool {
        self.wakers.is_pending(key)
    }

    /// Makes the pending `sleep` timer `key` wake `waker`. Returns false if it is not pending;
    /// otherwise the waker it replaced, if any, to drop once the timers are no longer borrowed.
    pub(super) fn set_sleep_waker(
        &mut self,
        key: SleepKey,
        waker: &Waker,
    ) -> Result<Option<Waker>, ()> {
        self.wakers.set_waker(key, waker)
    }

    /// Cancels the `sleep` timer `key`, if it is pending: returns its waker, to drop once the
    /// timers are no longer borrowed (a waker's drop is foreign code).
    pub(super) fn cancel_sleep(&mut self, key: SleepKey) -> Option<Waker> {
        self.wakers.cancel(key)
    }

    /// Runs `callback` at `deadline` (unless it is cancelled first).
    pub(super) fn push_call(&mut self, deadline: Tick, callback: Rc<dyn Callback>) {
        let seq = self.last_seq.next();
        self.calls.push(deadline, seq, callback, &mut ());
    }

    /// The earliest deadline of a timer that is still live.
    pub(super) fn next_deadline(&mut self) -> Option<Tick> {
        let sleep = self.sleeps.next_deadline(&mut self.wakers);
        let call = self.calls.next_deadline(&mut ());
        sleep.into_iter().chain(call).min()
    }

    /// Removes the earliest live timer whose deadline is at or before `now`, and says what it
    /// does: wake a `sleep`'s waker (taken out: waking runs foreign code, which must not find
    /// the timers borrowed), or run a callback.
    pub(super) fn pop_expired(&mut self, now: Tick) -> Option<LoopTimer> {
        let sleep = self.sleeps.peek(&mut self.wakers);
        let call = self.calls.peek(&mut ());
        match (sleep, call) {
            (Some(sleep), call) if call.is_none_or(|call| sleep.key < call.key) => {
                if sleep.key.0 > now {
                    return None;
                }
                let slot = self.sleeps.pop(sleep)?;
                let (key, waker) = self.wakers.fire(slot.0)?;
                Some(LoopTimer::Wake(key, waker))
            }
            (_, Some(call)) if call.key.0 <= now => self.calls.pop(call).map(LoopTimer::Call),
            _ => None,
        }
    }

    /// Whether no timer, live or cancelled, is left.
    pub(super) fn is_empty(&self) -> bool {
        self.sleeps.is_empty() && self.calls.is_empty()
    }
}

impl Expiry for Rc<dyn Callback> {
    type Context = ();

    fn is_cancelled(&self, (): &()) -> bool {
        self.cancelled()
    }
}

/// The wakers of the [`Sleep`](super::Sleep)s that a loop's thread registered, each woken at its
/// deadline: owned by the loop, in a slab whose slots the timer queue's entries name, and which
/// the `Sleep`s name by [`SleepKey`].
///
/// The loop owns them rather than sharing each with its `Sleep` (as [`TimerEntry`] is shared with
/// the fallback timer thread): no allocation, reference count or lock per timer. A `Sleep` reaches
/// its timer only on the loop's thread; from another thread it cancels it through the loop's
/// mailbox (see `sleep.rs`).
///
/// A slot stays out of reuse while a queue entry names it: cancelling a timer takes its waker
/// out and leaves the slot empty, and the slot is freed when its entry leaves the queue (fired,
/// discarded at the front or swept). So an entry needs no generation of its own to know its slot
/// still holds its timer: 16 bytes rather than 24.
pub(super) struct SleepTimers {
    /// Stamped with a generation, new for every timer a slot holds, so that a `Sleep`'s key
    /// names one timer. A slot is 16 bytes: the generation and a one-word waker.
    slab: Slab<CompactWaker>,
    /// Slots emptied by a cancellation whose queue entry has not gone yet: while there is none,
    /// a sweep of the queue would find nothing to drop.
    cancelled: usize,
}

/// A timer queue's entry for a `sleep`: the slot of its waker in [`SleepTimers`].
#[derive(Clone, Copy)]
struct SleepSlot(u32);

impl Expiry for SleepSlot {
    type Context = SleepTimers;

    fn is_cancelled(&self, sleeps: &SleepTimers) -> bool {
        !sleeps.slab.is_filled(self.0)
    }

    fn discard(&self, sleeps: &mut SleepTimers) {
        sleeps.discard(self.0);
    }

    fn any_cancelled(sleeps: &SleepTimers) -> bool {
        sleeps.cancelled > 0
    }
}

/// Names one timer of [`SleepTimers`]: a slot and its generation.
///
/// The generation is 32 bits: a `Sleep` that keeps the key of a timer that fired, without being
/// polled or dropped while its slot is reused four billion times, would then cancel another's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct SleepKey {
    slot: u32,
    generation: u32,
}

impl SleepKey {
    /// An identity for the loop's trace.
    pub(super) fn trace_id(self) -> usize {
        (u64::from(self.generation) << 32 | u64::from(self.slot)) as usize
    }
}

impl SleepTimers {
    /// Adds a pending timer that will wake `waker`.
    fn insert(&mut self, waker: Waker) -> SleepKey {
        let (slot, generation) = self.slab.insert(|last| {
            let generation = (last as u32).wrapping_add(1);
            (u64::from(generation), CompactWaker::new(waker))
        });
        SleepKey {
            slot,
            generation: generation as u32,
        }
    }

    /// Whether `key`'s timer is pending (neither fired nor cancelled).
    fn is_pending(&self, key: SleepKey) -> bool {
        self.slab.get(key.slot, u64::from(key.generation)).is_some()
    }

    /// Cancels `key`'s timer, if it is pending: takes its waker out, to drop once the slab is no
    /// longer borrowed (foreign code). The slot stays taken until the timer's queue entry goes.
    fn cancel(&mut self, key: SleepKey) -> Option<Waker> {
        let waker = self.slab.take(key.slot, u64::from(key.generation))?;
        self.cancelled += 1;
        Some(waker.into_waker())
    }

    /// The cancelled timer in `slot` has left its queue: frees the slot.
    fn discard(&mut self, slot: u32) {
        self.slab.release(slot);
        self.cancelled -= 1;
    }

    /// The timer in `slot` is due, its queue entry gone: frees the slot; returns its key and
    /// waker, unless it was cancelled.
    fn fire(&mut self, slot: u32) -> Option<(SleepKey, Waker)> {
        let (generation, waker) = self.slab.release(slot)?;
        let key = SleepKey {
            slot,
            generation: generation as u32,
        };
        Some((key, waker.into_waker()))
    }

    /// Makes `key`'s timer wake `waker`, as a future must when polled with a new one. Returns
    /// false if the timer is not pending; otherwise the waker it replaced, if any, to drop once
    /// the slab is no longer borrowed.
    fn set_waker(&mut self, key: SleepKey, waker: &Waker) -> Result<Option<Waker>, ()> {
        let current = self
            .slab
            .get_mut(key.slot, u64::from(key.generation))
            .ok_or(())?;
        if current.will_wake(waker) {
            return Ok(None);
        }
        let replaced = mem::replace(current, CompactWaker::new(waker.clone()));
        Ok(Some(replaced.into_waker()))
    }
}

/// The timer behind one pending [`Sleep`](super::Sleep) polled outside a loop: the waker to wake
/// at the deadline.
///
/// It is shared (`Arc`) between the `Sleep` and the fallback timer thread's heap, and is `Sync`
/// because that heap is on the timer thread and because a `Sleep` may be dropped or polled on
/// another thread than the one it was first polled on.
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
    type Context = ();

    fn is_cancelled(&self, (): &()) -> bool {
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
        type Context = ();

        fn is_cancelled(&self, (): &()) -> bool {
            LOOKS.with(|looks| looks.set(looks.get() + 1));
            self.1
        }
    }

    thread_local! {
        /// How many times a `Tag` was asked whether it is cancelled.
        static LOOKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// A heap that numbers its timers itself, as its users do.
    struct Numbered {
        heap: TimerHeap<Tag>,
        seq: Seq,
    }

    impl Numbered {
        fn new() -> Self {
            Numbered {
                heap: TimerHeap::new(),
                seq: Seq::ZERO,
            }
        }

        fn push(&mut self, deadline: Instant, tag: Tag) -> bool {
            let seq = self.seq.next();
            self.heap.push(Tick::of(deadline), seq, tag, &mut ());
            self.heap.is_first(seq)
        }

        fn pop_expired(&mut self, now: Instant) -> Option<Tag> {
            self.heap.pop_expired(Tick::of(now), &mut ())
        }

        fn next_deadline(&mut self) -> Option<Tick> {
            self.heap.next_deadline(&mut ())
        }
    }

    #[test]
    fn fires_in_deadline_order_then_scheduling_order() {
        let t0 = Instant::now();
        let mut heap = Numbered::new();
        // Whether each is now the first to fire (what the timer thread needs to know).
        assert!(heap.push(t0 + Duration::from_secs(2), Tag(0, false)));
        assert!(heap.push(t0 + Duration::from_secs(1), Tag(1, false)));
        for i in 2..=5 {
            assert!(!heap.push(t0 + Duration::from_secs(1), Tag(i, false)));
        }
        assert!(heap.push(t0, Tag(6, false)));
        assert_eq!(heap.next_deadline(), Some(Tick::of(t0)));
        let fired: Vec<u32> = std::iter::from_fn(|| heap.pop_expired(t0 + Duration::from_secs(2)))
            .map(|t| t.0)
            .collect();
        assert_eq!(fired, [6, 1, 2, 3, 4, 5, 0]);
    }

    #[test]
    fn out_of_order_timers_interleave_with_the_run() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut heap = Numbered::new();
        // 10, 30, 50 form the run; 20, 40 and the second 30 go to the heap.
        for (i, ms) in [10, 30, 20, 50, 40, 30].into_iter().enumerate() {
            heap.push(at(ms), Tag(i as u32, false));
        }
        let fired: Vec<u32> = std::iter::from_fn(|| heap.pop_expired(at(60)))
            .map(|t| t.0)
            .collect();
        // Deadline order; the two 30s in scheduling order although they sit in different queues.
        assert_eq!(fired, [0, 2, 1, 5, 4, 3]);
        assert!(heap.heap.is_empty());
    }

    #[test]
    fn does_not_fire_early() {
        let t0 = Instant::now();
        let mut heap = Numbered::new();
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
        let mut heap = Numbered::new();
        heap.push(t0, Tag(0, true));
        heap.push(t0 + Duration::from_secs(1), Tag(1, false));
        assert_eq!(
            heap.next_deadline(),
            Some(Tick::of(t0 + Duration::from_secs(1)))
        );
        assert_eq!(
            heap.pop_expired(t0 + Duration::from_secs(1)),
            Some(Tag(1, false))
        );
        assert_eq!(heap.next_deadline(), None);
    }

    #[test]
    fn cancelled_timers_do_not_accumulate() {
        let far = Instant::now() + Duration::from_secs(3600);
        let mut heap = Numbered::new();
        heap.push(far, Tag(0, false));
        for i in 1..10_000 {
            heap.push(far, Tag(i, true));
        }
        assert!(
            heap.heap.len() <= 2 * MIN_SWEEP,
            "{} timers kept",
            heap.heap.len()
        );
    }

    /// A sweep that leaves the queue just under the size that triggers one must still push the
    /// next sweep away: each push sweeping the whole queue would be quadratic.
    #[test]
    fn sweeps_stay_amortised_when_a_sweep_frees_little() {
        let far = Instant::now() + Duration::from_secs(3600);
        let mut heap = Numbered::new();
        for i in 0..(2 * MIN_SWEEP as u32 - 1) {
            heap.push(far, Tag(i, false));
        }
        let pushes = 10_000;
        let before = LOOKS.with(|looks| looks.get());
        for i in 0..pushes {
            heap.push(far, Tag(i, true));
        }
        let looks = LOOKS.with(|looks| looks.get()) - before;
        assert!(
            looks <= 4 * pushes as usize,
            "{looks} looks for {pushes} pushes"
        );
    }

    struct Nop;

    impl std::task::Wake for Nop {
        fn wake(self: std::sync::Arc<Self>) {}
    }

    #[test]
    fn a_loop_fires_sleeps_and_callbacks_in_one_order() {
        use std::sync::Arc;

        let t0 = Instant::now();
        let at = |ms| Tick::of(t0 + Duration::from_millis(ms));
        let mut timers = LoopTimers::new();
        let sleep =
            |timers: &mut LoopTimers, ms| timers.add_sleep(at(ms), Waker::from(Arc::new(Nop)));
        let call = |timers: &mut LoopTimers, ms| {
            let callback = super::super::handle::callback(|| {});
            timers.push_call(at(ms), Rc::clone(&callback));
            callback
        };
        // Equal deadlines, alternating kinds: scheduling order across the two heaps.
        let a = sleep(&mut timers, 10);
        let b = call(&mut timers, 10);
        let c = sleep(&mut timers, 10);
        let d = call(&mut timers, 10);
        // Earlier deadlines, scheduled later, come first.
        let e = call(&mut timers, 5);
        let cancelled = call(&mut timers, 1);
        cancelled.cancel();
        let f = sleep(&mut timers, 7);
        let cancelled = sleep(&mut timers, 2);
        assert!(timers.cancel_sleep(cancelled).is_some());

        assert_eq!(timers.next_deadline(), Some(at(5)));
        assert!(timers.pop_expired(at(4)).is_none());
        let mut fired = Vec::new();
        while let Some(timer) = timers.pop_expired(at(10)) {
            fired.push(match timer {
                LoopTimer::Wake(key, _) => {
                    ["a", "c", "f"][[a, c, f].iter().position(|k| *k == key).unwrap()]
                }
                LoopTimer::Call(callback) => ["b", "d", "e"][[&b, &d, &e]
                    .iter()
                    .position(|k| Rc::ptr_eq(k, &callback))
                    .unwrap()],
            });
        }
        assert_eq!(fired, ["e", "f", "a", "b", "c", "d"]);
        assert!(timers.is_empty());
    }

    #[test]
    fn a_cancelled_sleep_keeps_its_slot_until_its_entry_goes() {
        use std::sync::Arc;

        let nop = Arc::new(Nop);
        let waker = || Waker::from(Arc::clone(&nop));
        let t0 = Instant::now();
        let mut timers = LoopTimers::new();
        let a = timers.add_sleep(Tick::of(t0), waker());
        let b = timers.add_sleep(Tick::of(t0), waker());
        assert!(timers.sleep_pending(a) && timers.sleep_pending(b));
        assert!(timers.cancel_sleep(a).is_some());
        assert!(!timers.sleep_pending(a));
        // Cancelled once only, and no longer there to be given a waker.
        assert!(timers.cancel_sleep(a).is_none());
        assert!(timers.set_sleep_waker(a, &waker()).is_err());
        // Its queue entry still names the slot: a new timer does not get it.
        let c = timers.add_sleep(Tick::of(t0), waker());
        assert_ne!(c.slot, a.slot);
        let fired: Vec<SleepKey> = std::iter::from_fn(|| timers.pop_expired(Tick::of(t0)))
            .map(|timer| match timer {
                LoopTimer::Wake(key, _) => key,
                LoopTimer::Call(_) => unreachable!(),
            })
            .collect();
        assert_eq!(fired, [b, c]);
        // The entry is gone: the slot comes back, under another generation, which the old key
        // does not name.
        let reused = std::iter::repeat_with(|| timers.add_sleep(Tick::of(t0), waker()))
            .take(3)
            .find(|key| key.slot == a.slot)
            .expect("the cancelled timer's slot is free again");
        assert_ne!(reused, a);
        assert!(!timers.sleep_pending(a) && timers.sleep_pending(reused));
        assert!(timers.cancel_sleep(a).is_none() && timers.sleep_pending(reused));
        drop(timers);
        assert_eq!(Arc::strong_count(&nop), 1);
    }

    #[test]
    fn cancelled_sleeps_do_not_accumulate() {
        use std::sync::Arc;

        let nop = Arc::new(Nop);
        let far = Tick::of(Instant::now() + Duration::from_secs(3600));
        let mut timers = LoopTimers::new();
        let kept = timers.add_sleep(far, Waker::from(Arc::clone(&nop)));
        for _ in 0..10_000 {
            let key = timers.add_sleep(far, Waker::from(Arc::clone(&nop)));
            assert!(timers.cancel_sleep(key).is_some());
        }
        // Swept as the queue grew: their entries and their slots went.
        assert!(
            timers.sleeps.len() <= 2 * MIN_SWEEP,
            "{} timers kept",
            timers.sleeps.len()
        );
        assert!(timers.wakers.cancelled <= 2 * MIN_SWEEP);
        assert!(timers.sleep_pending(kept));
        assert_eq!(Arc::strong_count(&nop), 2);
    }

    #[test]
    fn sequence_numbers_order_across_the_wrap() {
        let mut seq = Seq(u32::MAX - 1);
        let before = seq.next();
        let after = seq.next();
        assert_eq!(after, Seq(0));
        assert!(before < after && Seq(u32::MAX - 1) < before);
        assert!(Seq(5) < Seq(6) && Seq(6) > Seq(5));
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
        assert!(!entry.is_cancelled(&()));
        entry.fire();
        entry.fire();
        assert!(entry.has_fired() && entry.is_cancelled(&()));
        assert_eq!(count.0.load(SeqCst), 1);

        let entry = Arc::new(TimerEntry::new(Waker::from(count.clone())));
        entry.cancel();
        entry.fire();
        assert!(!entry.has_fired() && entry.is_cancelled(&()));
        assert_eq!(count.0.load(SeqCst), 1);
        // The cancelled entry let go of its waker.
        assert_eq!(Arc::strong_count(&count), 1);
    }
}
