//! `LoopFuture`: asyncio's `Future`, a result that a callback provides.

use super::recycle::LocalRc;
use super::task::{cancelling, CancelledError};
use super::waker::{TaskKey, TaskWaker};
use super::{get_event_loop, EventLoop, Inner, LoopId};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::mem;
use std::panic;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

/// A result that some callback will provide: asyncio's `Future` (named so as not to shadow
/// [`std::future::Future`], which it implements).
///
/// Code that produces the result calls [`set_result`](LoopFuture::set_result) (or
/// [`cancel`](LoopFuture::cancel)); code that needs it awaits the future
/// (`yield_from!(future)`) or registers a [done callback](LoopFuture::add_done_callback). A
/// `LoopFuture` is a handle: clones share one result, so one clone can go to the producer and
/// another to the consumer.
///
/// ```
/// use coroutines::{EventLoop, LoopFuture};
///
/// #[coroutines::coroutine]
/// fn wait_for_answer(answer: LoopFuture<u32>) -> u32 {
///     yield_from!(answer) + 1
/// }
///
/// let event_loop = EventLoop::new();
/// let answer = event_loop.create_future();
/// let producer = answer.clone();
/// event_loop.call_later(0.01, move || producer.set_result(41));
/// assert_eq!(event_loop.run_until_complete(wait_for_answer(answer)), 42);
/// ```
///
/// Where asyncio differs from Rust, Rust wins:
///
/// - Awaiting moves the result out to the awaiter (no `Clone` needed). Several handles may await
///   one future; the first one to run after it completes gets the value, and any other then
///   panics with "LoopFuture result was already taken". [`result`](LoopFuture::result) clones
///   the value instead, for `T: Clone`.
/// - There is no `set_exception`: a fallible result is a `LoopFuture<Result<T, E>>`.
/// - Awaiting a cancelled future unwinds with [`CancelledError`], which cancels the awaiting task,
///   as asyncio's `CancelledError` does.
/// - Like asyncio's, it belongs to one loop and is not thread-safe (`!Send`). To complete a
///   result from another thread, await a channel instead (a `futures-channel` oneshot, say):
///   its waker wakes the loop from any thread.
///
/// When a task awaiting a `LoopFuture` is cancelled (or a [`wait_for`](super::wait_for) around it
/// times out), the future is cancelled too, as asyncio cancels the future a task waits on.
/// Dropping a handle in any other situation leaves the future alone.
#[must_use = "futures do nothing unless awaited or polled"]
pub struct LoopFuture<T: 'static> {
    shared: LocalRc<Shared<T>>,
    /// This handle's entry in the waiter list while it awaits.
    waiter: Option<usize>,
}

struct Shared<T: 'static> {
    event_loop: Weak<Inner>,
    /// `event_loop`'s id, to recognise its tasks among awaiters without upgrading the `Weak`.
    loop_id: LoopId,
    state: RefCell<State<T>>,
}

enum State<T: 'static> {
    /// Awaiters and done callbacks, in registration order: the order in which asyncio calls them
    /// (a waiting task's wake-up is one of its done callbacks). An awaiter that stopped waiting
    /// leaves a `None`, so that indices held by other handles stay valid.
    Pending(Waiters<T>),
    /// `None` once an awaiter took the value.
    Done(Option<T>),
    Cancelled,
}

/// A callback registered with `add_done_callback`.
type DoneCallback<T> = Box<dyn FnOnce(&LoopFuture<T>)>;

/// The awaiters and done callbacks of a pending future. Nearly always there is one awaiter: it
/// is kept inline, so that a one-shot handed from task to task allocates nothing but itself.
struct Waiters<T: 'static> {
    /// Entries ever pushed: the index the next one gets.
    len: usize,
    /// Entry 0.
    first: Option<Waiter<T>>,
    /// Entries 1 and on.
    more: Vec<Option<Waiter<T>>>,
}

impl<T: 'static> Waiters<T> {
    const fn new() -> Self {
        Waiters {
            len: 0,
            first: None,
            more: Vec::new(),
        }
    }

    /// Appends `waiter`; returns its index.
    fn push(&mut self, waiter: Waiter<T>) -> usize {
        let index = self.len;
        if index == 0 {
            self.first = Some(waiter);
        } else {
            self.more.push(Some(waiter));
        }
        self.len += 1;
        index
    }

    /// The entry at `index`: `None` once it was taken.
    fn entry(&mut self, index: usize) -> &mut Option<Waiter<T>> {
        match index {
            0 => &mut self.first,
            _ => &mut self.more[index - 1],
        }
    }

    /// Calls `f` on the entries still there, in registration order.
    fn drain(self, mut f: impl FnMut(Waiter<T>)) {
        if let Some(first) = self.first {
            f(first);
        }
        if self.more.capacity() == 0 {
            // Nothing to free: skips the out-of-line drop of an empty `Vec` of droppable
            // entries, which a one-shot handed between two tasks would pay at every hop.
            mem::forget(self.more);
        } else {
            self.more.into_iter().flatten().for_each(f);
        }
    }
}

enum Waiter<T: 'static> {
    /// A task of the future's own loop, awaiting it: woken by its key, which needs no clone of
    /// its waker (a count taken and given back atomically, twice per hop of a ping-pong).
    Task(TaskKey),
    Wake(Waker),
    Callback(DoneCallback<T>),
}

impl<T: 'static> Waiter<T> {
    /// The waiter for an awaiter polling with `waker`, which wakes `task` if it is one of the
    /// future's loop (see [`local_task`]).
    fn awaiter(task: Option<TaskKey>, waker: &Waker) -> Self {
        match task {
            Some(task) => Waiter::Task(task),
            None => Waiter::Wake(waker.clone()),
        }
    }
}

/// The task `waker` wakes, if it is a task of the loop `loop_id`. (Whether that loop still
/// exists is checked when the task is woken.)
fn local_task(waker: &Waker, loop_id: LoopId) -> Option<TaskKey> {
    let task = TaskWaker::of(waker)?;
    (task.remote().loop_id == loop_id).then(|| task.key())
}

impl<T: 'static> LoopFuture<T> {
    /// A pending future of the current loop ([`get_event_loop`]).
    pub fn new() -> Self {
        get_event_loop().create_future()
    }

    pub(super) fn with_loop(event_loop: &EventLoop) -> Self {
        LoopFuture {
            shared: LocalRc::new(Shared {
                event_loop: Rc::downgrade(&event_loop.inner),
                loop_id: event_loop.inner.id,
                state: RefCell::new(State::Pending(Waiters::new())),
            }),
            waiter: None,
        }
    }

    /// Completes the future with `value`: asyncio's `set_result`. Its awaiters are woken and its
    /// done callbacks scheduled, in the order they were registered.
    ///
    /// # Panics
    ///
    /// "invalid state: the LoopFuture is already done" if it has a result or was cancelled
    /// (asyncio's `InvalidStateError`). [`try_set_result`](LoopFuture::try_set_result) does not
    /// panic.
    #[track_caller]
    pub fn set_result(&self, value: T) {
        if self.try_set_result(value).is_err() {
            panic!("invalid state: the LoopFuture is already done");
        }
    }

    /// Completes the future with `value`, unless it is already done, in which case `value` is
    /// given back.
    ///
    /// ```
    /// use coroutines::LoopFuture;
    ///
    /// let future = LoopFuture::new();
    /// assert_eq!(future.try_set_result(1), Ok(()));
    /// assert_eq!(future.try_set_result(2), Err(2));
    /// assert_eq!(future.result(), 1);
    /// ```
    pub fn try_set_result(&self, value: T) -> Result<(), T> {
        if self.done() {
            return Err(value);
        }
        self.complete(State::Done(Some(value)));
        Ok(())
    }

    /// Cancels the future: asyncio's `future.cancel()`. Returns false if it was already done.
    /// Its awaiters are woken (and unwind with [`CancelledError`]), its done callbacks scheduled.
    ///
    /// ```
    /// use coroutines::LoopFuture;
    ///
    /// let future = LoopFuture::<u32>::new();
    /// assert!(future.cancel());
    /// assert!(future.cancelled() && future.done());
    /// assert!(!future.cancel());
    /// assert_eq!(future.try_set_result(1), Err(1));
    /// ```
    pub fn cancel(&self) -> bool {
        if self.done() {
            return false;
        }
        self.complete(State::Cancelled);
        true
    }

    /// Whether the future has a result or was cancelled.
    pub fn done(&self) -> bool {
        !matches!(*self.shared.state.borrow(), State::Pending(_))
    }

    /// Whether the future was cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(*self.shared.state.borrow(), State::Cancelled)
    }

    /// A clone of the result: asyncio's `future.result()`.
    ///
    /// # Panics
    ///
    /// "Result is not ready." if the future is pending, "LoopFuture result was already taken" if
    /// an awaiter took it; unwinds with [`CancelledError`] if the future was cancelled.
    #[track_caller]
    pub fn result(&self) -> T
    where
        T: Clone,
    {
        match &*self.shared.state.borrow() {
            State::Done(Some(value)) => value.clone(),
            State::Done(None) => panic!("LoopFuture result was already taken"),
            State::Pending(_) => panic!("Result is not ready."),
            State::Cancelled => panic::resume_unwind(Box::new(CancelledError)),
        }
    }

    /// Schedules `callback` to run (with a handle to this future) once the future is done, or
    /// soon if it is done already: asyncio's `add_done_callback`. Callbacks run through the
    /// loop, in registration order, never right inside `set_result`.
    ///
    /// ```
    /// use coroutines::{EventLoop, LoopFuture};
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let future: LoopFuture<&str> = event_loop.create_future();
    /// let seen = Rc::new(Cell::new(""));
    /// let sink = seen.clone();
    /// future.add_done_callback(move |future| sink.set(future.result()));
    /// future.set_result("done");
    /// assert_eq!(seen.get(), ""); // not yet: callbacks run in the loop
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// assert_eq!(seen.get(), "done");
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(&LoopFuture<T>) + 'static) {
        let callback: DoneCallback<T> = Box::new(callback);
        let callback = match &mut *self.shared.state.borrow_mut() {
            State::Pending(waiters) => {
                waiters.push(Waiter::Callback(callback));
                return;
            }
            _ => callback,
        };
        self.schedule(callback);
    }

    fn schedule(&self, callback: DoneCallback<T>) {
        // A future whose loop is gone or closed has nobody left to run its callbacks.
        if let Some(inner) = self.shared.event_loop.upgrade() {
            let future = self.clone();
            inner.call_soon_internal(super::handle::callback(move || callback(&future)));
        }
    }

    fn complete(&self, state: State<T>) {
        let previous = mem::replace(&mut *self.shared.state.borrow_mut(), state);
        let State::Pending(waiters) = previous else {
            unreachable!("checked by the callers")
        };
        waiters.drain(|waiter| match waiter {
            Waiter::Task(task) => {
                // A loop that is gone has no task left to wake.
                if self.shared.event_loop.strong_count() > 0 {
                    // SAFETY: the loop is alive, and stays so through `wake_task`, which runs
                    // none of the code that could drop its last handle (no task, callback or
                    // waker of the user's): it queues a step, or mails it. Not `upgrade`: that
                    // takes a count and gives it back at every hop of a ping-pong.
                    let inner = unsafe { &*self.shared.event_loop.as_ptr() };
                    inner.wake_task(task);
                }
            }
            Waiter::Wake(waker) => waker.wake(),
            Waiter::Callback(callback) => self.schedule(callback),
        });
    }
}

impl<T: 'static> Default for LoopFuture<T> {
    /// [`LoopFuture::new`].
    fn default() -> Self {
        LoopFuture::new()
    }
}

impl<T: 'static> Clone for LoopFuture<T> {
    /// Another handle to the same future (not awaiting, whatever this one does).
    fn clone(&self) -> Self {
        LoopFuture {
            shared: LocalRc::clone(&self.shared),
            waiter: None,
        }
    }
}

/// Awaiting gives the result, moved out; see [`LoopFuture`].
impl<T: 'static> Future for LoopFuture<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        let mut state = this.shared.state.borrow_mut();
        match &mut *state {
            State::Pending(waiters) => {
                let waker = cx.waker();
                let task = local_task(waker, this.shared.loop_id);
                match this.waiter.and_then(|index| waiters.entry(index).as_mut()) {
                    Some(Waiter::Task(kept)) if Some(*kept) == task => {}
                    Some(Waiter::Wake(kept)) if task.is_none() => kept.clone_from(waker),
                    // Polled again by another task (or through a combinator's waker).
                    Some(waiter) => *waiter = Waiter::awaiter(task, waker),
                    None => this.waiter = Some(waiters.push(Waiter::awaiter(task, waker))),
                }
                Poll::Pending
            }
            State::Done(value) => {
                this.waiter = None;
                match value.take() {
                    Some(value) => Poll::Ready(value),
                    None => panic!("LoopFuture result was already taken"),
                }
            }
            State::Cancelled => {
                this.waiter = None;
                drop(state);
                panic::resume_unwind(Box::new(CancelledError))
            }
        }
    }
}

impl<T: 'static> Drop for LoopFuture<T> {
    fn drop(&mut self) {
        let Some(index) = self.waiter.take() else {
            return;
        };
        if cancelling() {
            // Dropped by a cancellation while awaited: asyncio cancels the future that a
            // cancelled task waits on.
            self.cancel();
            return;
        }
        // Stop waiting; the future stays as it is.
        let waker = match &mut *self.shared.state.borrow_mut() {
            State::Pending(waiters) => waiters.entry(index).take(),
            _ => None,
        };
        drop(waker);
    }
}

/// A `LoopFuture` is one frame, its type, as any foreign future: implemented so that a task can
/// be made of one with [`create_task`](super::create_task).
impl<T: 'static> crate::Stack for LoopFuture<T> {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<crate::Frame>) {
        frames.push(crate::Frame::Foreign {
            type_name: std::any::type_name::<LoopFuture<T>>(),
        });
    }
}

impl<T: 'static> fmt::Debug for LoopFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.shared.state.try_borrow().as_deref() {
            Ok(State::Pending(_)) => "pending",
            Ok(State::Done(_)) => "done",
            Ok(State::Cancelled) => "cancelled",
            Err(_) => "busy",
        };
        f.debug_struct("LoopFuture").field("state", &state).finish()
    }
}
