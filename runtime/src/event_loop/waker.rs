//! The wakers an event loop hands to its tasks, and the mailbox through which they reach it.
//!
//! A `Waker` must be `Send + Sync`: a future may give it to another thread, or to the fallback
//! timer thread, and that thread must be able to wake the loop. So a task's waker cannot touch the
//! loop's `Rc`-owned state; it holds an `Arc<Remote>` instead: a mutex-protected list of woken
//! tasks plus a condition variable the idle loop blocks on.
//!
//! A wake on the loop's own thread while the loop is running (a timer firing, a future waking
//! itself, a task waking another) bypasses the mutex and appends to the ready queue directly
//! (see [`super::schedule_on_running_loop`]). That is both the fast path and what keeps
//! same-thread wakes in FIFO order with everything else the loop schedules, as in asyncio where
//! waking a task is a `call_soon` of its next step.

use super::{schedule_on_running_loop, LoopId};
use std::mem;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Wake;
use std::time::Duration;

/// Identifies a task within its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct TaskId(pub(super) u64);

/// The part of a loop that other threads can reach.
pub(super) struct Remote {
    pub(super) loop_id: LoopId,
    mailbox: Mutex<Mailbox>,
    wakeup: Condvar,
}

#[derive(Default)]
struct Mailbox {
    // `call_soon_threadsafe` callbacks will be delivered the same way.
    woken: Vec<TaskId>,
    /// The loop is blocked on `wakeup`; a sender must signal it.
    parked: bool,
}

impl Remote {
    pub(super) fn new(loop_id: LoopId) -> Self {
        Remote {
            loop_id,
            mailbox: Mutex::default(),
            wakeup: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Mailbox> {
        // Nothing panics while the lock is held; a poisoned mailbox is still a valid one.
        self.mailbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn send(&self, task: TaskId) {
        let mut mailbox = self.lock();
        mailbox.woken.push(task);
        // Checked under the lock, so the loop cannot decide to park between our push and our
        // signal; and skipped when it is not parked, which spares a syscall per wake.
        if mailbox.parked {
            self.wakeup.notify_one();
        }
    }

    /// Takes the tasks woken from elsewhere since the last call.
    pub(super) fn take(&self) -> Vec<TaskId> {
        mem::take(&mut self.lock().woken)
    }

    /// Blocks until a task is woken or `timeout` (`None`: forever) elapses; returns the woken
    /// tasks. May return early and empty-handed (spurious wakeup): the caller just goes round.
    pub(super) fn wait(&self, timeout: Option<Duration>) -> Vec<TaskId> {
        let mut mailbox = self.lock();
        if mailbox.woken.is_empty() {
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
        mem::take(&mut mailbox.woken)
    }

    /// Forgets pending wakes (the loop is closing).
    pub(super) fn clear(&self) {
        self.lock().woken = Vec::new();
    }
}

/// The waker of one task.
pub(super) struct TaskWaker {
    task: TaskId,
    /// The task is in the ready queue or the mailbox already. Wakes in between are redundant,
    /// and deduplicating them bounds both queues by the number of tasks, however often (and from
    /// however many threads) a waker is called.
    scheduled: AtomicBool,
    remote: Arc<Remote>,
}

impl TaskWaker {
    pub(super) fn new(task: TaskId, remote: Arc<Remote>) -> Self {
        TaskWaker {
            task,
            scheduled: AtomicBool::new(false),
            remote,
        }
    }

    /// Marks the task scheduled; returns false if it already was.
    pub(super) fn mark_scheduled(&self) -> bool {
        // AcqRel pairs with `begin_poll`: whatever the waking thread did before waking is visible
        // to the poll that the wake leads to.
        !self.scheduled.swap(true, Ordering::AcqRel)
    }

    /// Called right before the task is polled: wakes from now on need another poll.
    pub(super) fn begin_poll(&self) {
        // A read-modify-write, not a store, so that it synchronises with the `swap` of a wake that
        // came in after the task was queued (and was deduplicated away).
        self.scheduled.swap(false, Ordering::AcqRel);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.mark_scheduled() && !schedule_on_running_loop(self.remote.loop_id, self.task) {
            self.remote.send(self.task);
        }
    }
}
