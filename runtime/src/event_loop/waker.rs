//! The wakers an event loop hands to its tasks, and the mailbox through which other threads reach
//! it.
//!
//! A `Waker` must be `Send + Sync`: a future may give it to another thread, or to the fallback
//! timer thread, and that thread must be able to wake the loop. So a task's waker cannot touch the
//! loop's `Rc`-owned state; it holds an `Arc<Remote>` instead: a mutex-protected list of messages
//! (woken tasks, `call_soon_threadsafe` callbacks) plus a condition variable the idle loop blocks
//! on.
//!
//! A wake on the loop's own thread (a timer firing, a future waking itself, a task waking
//! another, a `set_result` between two runs) bypasses the mutex and appends to the ready queue
//! directly (see [`super::schedule_here`]). That is both the fast path and what keeps
//! same-thread wakes in FIFO order with everything else the loop schedules, as in asyncio where
//! waking a task is a `call_soon` of its next step.

use super::fifo::Fifo;
use super::handle::ThreadsafeCall;
use super::timer::SleepKey;
use super::{schedule_here, Inner, LoopId, Ready};
use std::cell::RefCell;
use std::mem;
use std::process;
use std::ptr;
use std::rc::Rc;
use std::sync::atomic::{self as atomic, AtomicBool, AtomicPtr, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

/// Identifies a task within its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct TaskId(pub(super) u64);

/// What a task's waker names: the task and its slot in the loop's [task table](super::table).
///
/// The main task of `run_until_complete` is in no table; its slot is [`TaskKey::NO_SLOT`].
///
/// Packed to 12 bytes (4-byte aligned), so that a ready queue entry naming a task is 16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(Rust, packed(4))]
pub(super) struct TaskKey {
    pub(super) id: TaskId,
    pub(super) slot: u32,
}

impl TaskKey {
    /// The slot of a task that is not in the table (the main task).
    pub(super) const NO_SLOT: u32 = u32::MAX;
}

/// The part of a loop that other threads can reach.
pub(super) struct Remote {
    pub(super) loop_id: LoopId,
    mailbox: Mutex<Mailbox>,
    /// Whether `mailbox.messages` may be non-empty: set under the lock by a sender, cleared
    /// under the lock by `drain_into`. Lets the loop skip the lock (three times an iteration)
    /// when nothing came from another thread, which is nearly always.
    has_mail: AtomicBool,
    wakeup: Condvar,
    /// The loop itself, for its own thread (see [`Remote::event_loop`]): set when the loop is
    /// made, cleared as it is dropped. Every task holds this `Remote`, so this is how a task
    /// finds its loop without a pointer of its own (a word less in each task).
    event_loop: AtomicPtr<Inner>,
}

#[derive(Default)]
struct Mailbox {
    /// In arrival order, which is the order the loop runs them in.
    messages: Vec<Message>,
    /// The loop is blocked on `wakeup`; a sender must signal it.
    parked: bool,
    /// The loop is closed (or gone): messages would never be read, so none are accepted.
    closed: bool,
}

enum Message {
    Wake(TaskKey),
    Call(Arc<ThreadsafeCall>),
    /// A `Sleep` registered on the loop was dropped or moved on another thread.
    CancelSleep(SleepKey),
}

impl Remote {
    pub(super) fn new(loop_id: LoopId) -> Self {
        Remote {
            loop_id,
            mailbox: Mutex::default(),
            has_mail: AtomicBool::new(false),
            wakeup: Condvar::new(),
            event_loop: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Records the loop this is the remote part of; [`Inner`]'s `Drop` calls [`Remote::detach`].
    pub(super) fn attach(&self, event_loop: &Rc<Inner>) {
        self.event_loop
            .store(Rc::as_ptr(event_loop).cast_mut(), Ordering::Relaxed);
    }

    /// Forgets the loop: it is being dropped.
    pub(super) fn detach(&self) {
        self.event_loop.store(ptr::null_mut(), Ordering::Relaxed);
    }

    /// The loop, while it is alive (what upgrading a `Weak<Inner>` gives).
    ///
    /// # Safety
    ///
    /// Only on the loop's own thread, where its `Rc`s live. (The pointer is only written there
    /// too, so `Relaxed` is enough: the atomic only makes the field `Sync` for the mailbox's
    /// users on other threads, who never read it.)
    pub(super) unsafe fn event_loop(&self) -> Option<Rc<Inner>> {
        let event_loop = self.event_loop.load(Ordering::Relaxed);
        if event_loop.is_null() {
            return None;
        }
        // SAFETY: non-null, the pointer is that of a live `Rc<Inner>`: it is cleared first thing
        // in `Inner`'s `Drop`, which runs once the last strong count is gone, before the value
        // or its block is freed. We are on the loop's thread (our caller's promise), so taking a
        // count of our own is `Rc::clone`.
        unsafe {
            Rc::increment_strong_count(event_loop);
            Some(Rc::from_raw(event_loop))
        }
    }

    fn lock(&self) -> MutexGuard<'_, Mailbox> {
        // Nothing panics while the lock is held; a poisoned mailbox is still a valid one.
        self.mailbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn send(&self, message: Message) -> Result<(), Message> {
        let mut mailbox = self.lock();
        if mailbox.closed {
            return Err(message);
        }
        mailbox.messages.push(message);
        // Release: whoever sees the flag and then takes the lock sees the message (the lock
        // orders that already; the flag only needs to not be missed, see `drain_into`).
        self.has_mail.store(true, Ordering::Release);
        // Checked under the lock, so the loop cannot decide to park between our push and our
        // signal; and skipped when it is not parked, which spares a syscall per wake.
        if mailbox.parked {
            self.wakeup.notify_one();
        }
        Ok(())
    }

    /// Queues a `call_soon_threadsafe` callback; gives it back if the loop is closed.
    pub(super) fn call(&self, call: Arc<ThreadsafeCall>) -> Result<(), Arc<ThreadsafeCall>> {
        self.send(Message::Call(call))
            .map_err(|message| match message {
                Message::Call(call) => call,
                _ => unreachable!("send gives back what it was given"),
            })
    }

    /// Moves the messages received since the last call to the end of `ready`.
    ///
    /// Drained rather than swapped out, so that the mailbox keeps its capacity: a loop woken from
    /// another thread over and over does not allocate for it.
    ///
    /// Called three times an iteration, nearly always with nothing to do: that check is inlined
    /// into the loop, the draining is not.
    #[inline]
    pub(super) fn drain_into(&self, ready: &RefCell<Fifo<Ready>>) {
        // A message sent after this load is not lost: it is drained by the next call, and the
        // loop makes one before it blocks (`wait` checks the mailbox under the lock).
        if self.has_mail.load(Ordering::Acquire) {
            self.drain_mail_into(ready);
        }
    }

    #[cold]
    #[inline(never)]
    fn drain_mail_into(&self, ready: &RefCell<Fifo<Ready>>) {
        let mut ready = ready.borrow_mut();
        let mut mailbox = self.lock();
        self.has_mail.store(false, Ordering::Relaxed);
        ready.extend(mailbox.messages.drain(..).map(|message| match message {
            Message::Wake(task) => Ready::Step(task),
            Message::Call(call) => Ready::Threadsafe(call),
            Message::CancelSleep(key) => Ready::CancelSleep(key),
        }));
    }

    /// Queues a step of `task` through the mailbox. A closed loop refuses it: nothing will ever
    /// poll the task again anyway.
    pub(super) fn wake_by_mail(&self, task: TaskKey) {
        let _ = self.send(Message::Wake(task));
    }

    /// Asks the loop to cancel the timer of a `Sleep` (from a thread that cannot reach its
    /// timers). A closed loop has no timers left: then nothing needs doing.
    pub(super) fn cancel_sleep(&self, key: SleepKey) {
        let _ = self.send(Message::CancelSleep(key));
    }

    /// Blocks until a message arrives or `timeout` (`None`: forever) elapses. May return early
    /// (spurious wakeup): the caller just goes round.
    pub(super) fn wait(&self, timeout: Option<Duration>) {
        let mut mailbox = self.lock();
        if mailbox.messages.is_empty() {
            mailbox.parked = true;
            mailbox = match timeout {
                Some(timeout) => {
                    self.wakeup
                        .wait_timeout(mailbox, timeout)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .wakeup
                    .wait(mailbox)
                    .unwrap_or_else(PoisonError::into_inner),
            };
            mailbox.parked = false;
        }
    }

    /// Refuses messages from now on and drops the pending ones (the loop is closing).
    pub(super) fn close(&self) {
        let messages = {
            let mut mailbox = self.lock();
            mailbox.closed = true;
            mem::take(&mut mailbox.messages)
        };
        // Outside the lock: a dropped callback runs its captures' destructors, foreign code.
        drop(messages);
    }

    pub(super) fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

/// The waker of one task.
pub(super) struct TaskWaker {
    /// The task's key, as two fields rather than a `TaskKey` (which is padded to 16 bytes): the
    /// word below fits in the padding, and every task carries one of these.
    id: TaskId,
    slot: u32,
    /// [`SCHEDULED`], and below it the count of the block this waker lives in.
    ///
    /// `SCHEDULED`: a wake from another thread put the task in the mailbox, and the task has not
    /// been polled since. Later wakes from other threads are redundant, and deduplicating them
    /// bounds the mailbox by the number of tasks, however often (and from however many threads) a
    /// waker is called. Wakes on the loop's own thread have a flag of their own, which the loop
    /// keeps ([`Inner::schedule_step`]): no atomic operation on that path, the one every hop
    /// between two tasks of the loop takes.
    ///
    /// The count: in a task's block (see `task.rs`), one per waker plus one for all the task's
    /// `TaskRef`s together while there is any; whoever takes it to zero frees the block. The
    /// main task's waker, which an `Arc` holds, counts nothing here. One word for both keeps a
    /// task's header at 56 bytes.
    state: AtomicU32,
    remote: Arc<Remote>,
}

/// The bit of [`TaskWaker::state`] that says the task is scheduled.
const SCHEDULED: u32 = 1 << 31;

impl TaskWaker {
    /// A waker for `task`, whose block starts with `count` counts (none for the main task).
    pub(super) fn new(task: TaskKey, remote: Arc<Remote>, count: u32) -> Self {
        TaskWaker {
            id: task.id,
            slot: task.slot,
            state: AtomicU32::new(count),
            remote,
        }
    }

    /// Marks the task scheduled through the mailbox; returns false if it already was.
    fn mark_scheduled_remotely(&self) -> bool {
        // AcqRel pairs with `begin_poll`: whatever the waking thread did before waking is visible
        // to the poll that the wake leads to.
        self.state.fetch_or(SCHEDULED, Ordering::AcqRel) & SCHEDULED == 0
    }

    /// Called right before the task is polled: wakes from other threads from now on need another
    /// poll.
    pub(super) fn begin_poll(&self) {
        // Nearly always clear (only wakes from other threads set it), and a plain load is much
        // cheaper than a read-modify-write. A set flag missed by this load belongs to a message
        // that is still to be drained, or was drained after this load: either way another poll
        // follows, and its `begin_poll` sees the flag (the mailbox's lock orders the drain after
        // the `fetch_or`).
        if self.state.load(Ordering::Relaxed) & SCHEDULED != 0 {
            // A read-modify-write, not a store, so that it synchronises with the `fetch_or` of a
            // wake that came in after the task was queued (and was deduplicated away).
            self.state.fetch_and(!SCHEDULED, Ordering::AcqRel);
        }
    }

    /// Takes one more count of the block (a waker's clone). The caller holds one already.
    pub(super) fn acquire(&self) {
        // Relaxed, as `Arc::clone`: a new count is taken from one already held.
        let before = self.state.fetch_add(1, Ordering::Relaxed) & !SCHEDULED;
        if before >= SCHEDULED / 2 {
            // As `Arc`: a count this high means leaked wakers, and carrying into the flag (or
            // wrapping) would free a live block.
            process::abort();
        }
    }

    /// Gives up one count of the block; true if it was the last, and the caller frees it.
    pub(super) fn release(&self) -> bool {
        // Release, then Acquire by the last one, as `Arc`'s drop: every use of the block by
        // another holder happens before it is freed.
        if self.state.fetch_sub(1, Ordering::Release) & !SCHEDULED == 1 {
            atomic::fence(Ordering::Acquire);
            true
        } else {
            false
        }
    }

    /// The part of the task's loop that other threads can reach.
    pub(super) fn remote(&self) -> &Remote {
        &self.remote
    }

    /// The task this wakes.
    pub(super) fn key(&self) -> TaskKey {
        TaskKey {
            id: self.id,
            slot: self.slot,
        }
    }

    /// Schedules the task, on whichever thread this is called: straight into the ready queue on
    /// the loop's own thread, through the mailbox from any other.
    pub(super) fn wake(&self) {
        if !schedule_here(self.remote.loop_id, self.key()) && self.mark_scheduled_remotely() {
            self.remote.wake_by_mail(self.key());
        }
    }
}

/// Our wakers, told apart from foreign ones.
impl TaskWaker {
    /// A waker for the main task, which keeps `this` (a task made by `create_task` has its waker
    /// in its own block, see `task.rs`).
    pub(super) fn main_waker(this: &Arc<TaskWaker>) -> Waker {
        let data = Arc::into_raw(Arc::clone(this)).cast::<()>();
        // SAFETY: `data` is an `Arc<TaskWaker>` with a count of its own, as the vtable's
        // functions take it.
        unsafe { Waker::from_raw(RawWaker::new(data, &MAIN_WAKER_VTABLE)) }
    }

    /// What `waker` wakes, if it is the waker of a task of this crate (made by `create_task`, or
    /// a main task): code on the loop's thread can then wake the task by its key, without
    /// keeping a clone of the waker (a count taken and given back atomically).
    pub(super) fn of(waker: &Waker) -> Option<&TaskWaker> {
        if ptr::eq(waker.vtable(), &MAIN_WAKER_VTABLE) {
            // SAFETY: a main task's waker's data is an `Arc<TaskWaker>`, which the waker holds a
            // count of while the borrow lasts.
            Some(unsafe { &*waker.data().cast::<TaskWaker>() })
        } else {
            super::task::waker_of(waker)
        }
    }
}

/// The main task's wakers: each is an `Arc<TaskWaker>`. Our own vtable rather than the one
/// `Waker::from` makes for an `Arc<impl Wake>`, whose address is not guaranteed to be the same
/// everywhere: [`TaskWaker::of`] recognises a main task's waker by this one's.
static MAIN_WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(main_clone, main_wake, main_wake_by_ref, main_drop);

/// # Safety
///
/// As for every `RawWakerVTable` function: `data` comes from a waker of this vtable, an
/// `Arc<TaskWaker>` with a count that the waker owns.
unsafe fn main_clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker's count keeps the `Arc` alive; the clone gets a count of its own.
    unsafe { Arc::increment_strong_count(data.cast::<TaskWaker>()) };
    RawWaker::new(data, &MAIN_WAKER_VTABLE)
}

/// # Safety
///
/// As for [`main_clone`]; consumes the waker's count.
unsafe fn main_wake(data: *const ()) {
    // SAFETY: the waker's count, handed over to this `Arc`, which gives it back when dropped.
    let waker = unsafe { Arc::from_raw(data.cast::<TaskWaker>()) };
    waker.wake();
}

/// # Safety
///
/// As for [`main_clone`].
unsafe fn main_wake_by_ref(data: *const ()) {
    // SAFETY: the waker's count keeps the `Arc` alive.
    unsafe { &*data.cast::<TaskWaker>() }.wake();
}

/// # Safety
///
/// As for [`main_clone`]; consumes the waker's count.
unsafe fn main_drop(data: *const ()) {
    // SAFETY: the waker's count, given back.
    drop(unsafe { Arc::from_raw(data.cast::<TaskWaker>()) });
}
