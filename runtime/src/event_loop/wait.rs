//! `wait_for` and `wait`: asyncio's timeouts and its first-completed / all-completed wait.

use super::gather::Children;
use super::sleep::{sleep, Delay, Sleep};
use super::task::CancelScope;
use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// What [`wait_for`] returns when the timeout comes first: asyncio's `TimeoutError`.
///
/// ```
/// assert_eq!(coroutines::TimeoutError.to_string(), "timed out");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl Error for TimeoutError {}

/// Waits for `future`, but no longer than `timeout`: asyncio's `wait_for(fut, timeout)`.
///
/// Gives `Ok(output)` if the future finishes in time, and `Err(TimeoutError)` otherwise. On
/// timeout the future is cancelled: dropped at its suspension point, which cancels a
/// [`Task`](super::Task) or [`LoopFuture`](super::LoopFuture) it was awaiting (or that it is),
/// as asyncio cancels the inner future. That happens before `wait_for` returns, so the inner task
/// is already [`cancelled`](super::Task::cancelled) when the caller resumes.
///
/// `timeout` is a [`Delay`]: a `Duration` or seconds. The clock starts at the first poll. The
/// future is always polled at least once, and wins a tie: if it is ready when the timeout
/// expires, its output is returned. A zero timeout gives the future that one poll and no more.
///
/// ```
/// use coroutines::{sleep, wait_for, EventLoop, TimeoutError};
///
/// #[coroutines::coroutine]
/// fn slow_answer(delay: f64) -> u32 {
///     yield_from!(sleep(delay));
///     42
/// }
///
/// let event_loop = EventLoop::new();
/// assert_eq!(event_loop.run_until_complete(wait_for(slow_answer(0.01), 1.0)), Ok(42));
/// assert_eq!(event_loop.run_until_complete(wait_for(slow_answer(3600.0), 0.01)), Err(TimeoutError));
/// ```
pub fn wait_for<F: IntoFuture>(future: F, timeout: impl Into<Delay>) -> WaitFor<F::IntoFuture> {
    WaitFor {
        future: Some(future.into_future()),
        timeout: timeout.into().duration(),
        timer: None,
    }
}

/// The future returned by [`wait_for`].
#[must_use = "futures do nothing unless awaited or polled"]
pub struct WaitFor<F> {
    /// `None` once finished, or dropped by the timeout.
    future: Option<F>,
    timeout: Duration,
    timer: Option<Sleep>,
}

impl<F: Future> Future for WaitFor<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is polled in place and dropped in place
        // (by assigning `None`), never moved. The other fields are not pinned (`Sleep: Unpin`).
        // `WaitFor` has no `Drop` impl and is `Unpin` only when `F` is.
        let this = unsafe { self.get_unchecked_mut() };
        let Some(future) = this.future.as_mut() else {
            panic!("`WaitFor` polled after completion");
        };
        if let Poll::Ready(output) = unsafe { Pin::new_unchecked(future) }.poll(cx) {
            this.future = None;
            return Poll::Ready(Ok(output));
        }
        let expired = this.timeout.is_zero() || {
            let timeout = this.timeout;
            let timer = this.timer.get_or_insert_with(|| sleep(timeout));
            Pin::new(timer).poll(cx).is_ready()
        };
        if !expired {
            return Poll::Pending;
        }
        {
            let _cancelling = CancelScope::enter();
            this.future = None;
        }
        this.timer = None;
        Poll::Ready(Err(TimeoutError))
    }
}

/// A `wait_for` shows the frames of what it waits for (nothing once it finished): the timeout
/// is not a frame of its own.
impl<F: crate::Stack> crate::Stack for WaitFor<F> {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<crate::Frame>) {
        // SAFETY: as in `poll`: `future` is structurally pinned and not moved here.
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(future) = this.future.as_mut() {
            unsafe { Pin::new_unchecked(future) }.push_frames(frames);
        }
    }
}

impl<F> fmt::Debug for WaitFor<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor")
            .field("timeout", &self.timeout)
            .field("finished", &self.future.is_none())
            .finish_non_exhaustive()
    }
}

/// When [`wait`] returns: asyncio's `FIRST_COMPLETED` and `ALL_COMPLETED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as one future finishes.
    FirstCompleted,
    /// When all the futures have finished.
    AllCompleted,
}

/// Waits for some or all of `futures` to finish, without cancelling the others: asyncio's
/// `wait(fs, return_when=...)`.
///
/// Gives `(done, pending)`: the outputs of the futures that finished, in the order they finished,
/// and the futures still pending, in argument order, to wait for again or drop (dropping a
/// pending [`Task`](super::Task) lets it run on). With [`ReturnWhen::FirstCompleted`], `done`
/// holds at least one output (more if several finished in the same step); with
/// [`ReturnWhen::AllCompleted`], all of them. [`Wait::timeout`] adds asyncio's `timeout`: when it
/// expires, `wait` returns what it has (possibly nothing done), without raising.
///
/// The futures are moved in and pending ones handed back, so they must be `Unpin`:
/// [`Task`](super::Task)s, [`LoopFuture`](super::LoopFuture)s, `&mut` references to either, and
/// most coroutines are; box the others (`Box::pin(f)`). Pass `&mut task` to keep the task
/// handles. There is no `FIRST_EXCEPTION`: a panicking future unwinds out of `wait`; wait on
/// [`Task::join`](super::Task::join)s to get panics as values.
///
/// ```
/// use coroutines::{sleep, wait, EventLoop, ReturnWhen};
///
/// #[coroutines::coroutine]
/// fn main_task() -> usize {
///     let event_loop = coroutines::get_event_loop();
///     let fast = event_loop.ensure_future(async {
///         sleep(0.01).await;
///         "fast"
///     });
///     let slow = event_loop.ensure_future(async {
///         sleep(3600).await;
///         "slow"
///     });
///     let (done, pending) = yield_from!(wait(vec![slow, fast], ReturnWhen::FirstCompleted));
///     assert_eq!(done, ["fast"]);
///     assert!(!pending[0].done());
///     pending[0].cancel();
///     pending.len()
/// }
///
/// assert_eq!(EventLoop::new().run_until_complete(main_task()), 1);
/// ```
///
/// # Panics
///
/// When awaited with no futures: "Set of coroutines/Futures is empty." (asyncio's `ValueError`).
pub fn wait<I>(futures: I, return_when: ReturnWhen) -> Wait<I::Item>
where
    I: IntoIterator,
    I::Item: Future + Unpin,
{
    let futures: Vec<_> = futures.into_iter().map(Some).collect();
    Wait {
        pending: futures.len(),
        futures,
        children: None,
        done: Vec::new(),
        return_when,
        timeout: None,
    }
}

/// The future returned by [`wait`].
#[must_use = "futures do nothing unless awaited or polled"]
pub struct Wait<F: Future> {
    futures: Vec<Option<F>>,
    children: Option<Children>,
    done: Vec<F::Output>,
    pending: usize,
    return_when: ReturnWhen,
    timeout: Option<Sleep>,
}

impl<F: Future + Unpin> Wait<F> {
    /// Returns when `timeout` expires if the futures have not finished by then, with whatever
    /// finished: asyncio's `wait(fs, timeout=...)`. The clock starts at the first poll.
    ///
    /// ```
    /// use coroutines::{sleep, wait, EventLoop, ReturnWhen};
    ///
    /// let event_loop = EventLoop::new();
    /// let (done, pending) = event_loop
    ///     .run_until_complete(wait([Box::pin(sleep(3600))], ReturnWhen::AllCompleted).timeout(0.01));
    /// assert!(done.is_empty());
    /// assert_eq!(pending.len(), 1);
    /// ```
    pub fn timeout(mut self, timeout: impl Into<Delay>) -> Self {
        self.timeout = Some(sleep(timeout));
        self
    }
}

impl<F: Future + Unpin> Future for Wait<F> {
    type Output = (Vec<F::Output>, Vec<F>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.futures.is_empty() {
            panic!("Set of coroutines/Futures is empty.");
        }
        let (futures, done, pending) = (&mut this.futures, &mut this.done, &mut this.pending);
        let children = this
            .children
            .get_or_insert_with(|| Children::new(futures.len()));
        children.poll_woken(cx, |index, cx| {
            if let Some(future) = &mut futures[index] {
                if let Poll::Ready(output) = Pin::new(future).poll(cx) {
                    futures[index] = None;
                    done.push(output);
                    *pending -= 1;
                }
            }
        });
        let finished = match this.return_when {
            ReturnWhen::FirstCompleted => !this.done.is_empty() || this.pending == 0,
            ReturnWhen::AllCompleted => this.pending == 0,
        };
        if !finished {
            let timed_out = this
                .timeout
                .as_mut()
                .is_some_and(|timeout| Pin::new(timeout).poll(cx).is_ready());
            if !timed_out {
                return Poll::Pending;
            }
        }
        let pending = this.futures.drain(..).flatten().collect();
        Poll::Ready((mem::take(&mut this.done), pending))
    }
}

// Nothing in a `Wait` is pinned: its futures are `Unpin` (the `Future` impl requires it) and are
// polled through `Pin::new`.
impl<F: Future> Unpin for Wait<F> {}

impl<F: Future> fmt::Debug for Wait<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("return_when", &self.return_when)
            .field("done", &self.done.len())
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}
