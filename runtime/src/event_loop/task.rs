//! Tasks: asyncio's `Task`, a future the loop drives on its own, and the cancellation that
//! travels between them.
//!
//! A task is one `Rc` allocation holding its future in place, plus its waker (an `Arc`, because
//! wakers must be `Send`). The loop keeps every pending task in its table; the [`Task`] handle
//! the user gets is another reference to the same cell, typed by the output.

use super::exception::ExceptionContext;
use super::waker::{TaskId, TaskWaker};
use super::{report, Inner};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// How a task or a [`LoopFuture`](super::LoopFuture) reports that it was cancelled: asyncio's
/// `CancelledError`.
///
/// Awaiting a cancelled task or future unwinds with a `CancelledError` payload (through
/// [`std::panic::resume_unwind`], which does not print anything). A task that such an unwind
/// reaches is itself cancelled, not panicked, just as a `CancelledError` propagating out of an
/// asyncio coroutine cancels its task. [`EventLoop::run_until_complete`](super::EventLoop::run_until_complete)
/// turns a cancelled main task into a panic with the message "Task was cancelled".
///
/// ```
/// use coroutines::{CancelledError, TaskError};
///
/// assert_eq!(CancelledError.to_string(), "Task was cancelled");
/// assert!(TaskError::Cancelled.is_cancelled());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CancelledError;

impl fmt::Display for CancelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Task was cancelled")
    }
}

impl Error for CancelledError {}

/// Why a task has no value: it was cancelled, or it panicked.
///
/// What [`Task::result`] and [`Task::join`] return instead of unwinding, like tokio's
/// `JoinError`. Awaiting the [`Task`] itself unwinds instead, as `yield from task` raises in
/// asyncio.
///
/// ```
/// use coroutines::{EventLoop, TaskError};
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(async { panic!("boom") });
/// let outcome: Result<(), TaskError> = event_loop.run_until_complete(task.join());
/// let error = outcome.unwrap_err();
/// assert!(error.is_panic());
/// assert_eq!(error.panic_message(), Some("boom"));
/// ```
pub enum TaskError {
    /// The task was [cancelled](Task::cancel), or was destroyed by [closing](super::EventLoop::close)
    /// its loop.
    Cancelled,
    /// The task panicked; this is the payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl TaskError {
    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked(_))
    }

    /// The panic's message, if the task panicked with a string message.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked(payload) => super::exception::panic_message(&**payload),
            TaskError::Cancelled => None,
        }
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self {
            TaskError::Panicked(payload) => payload,
            TaskError::Cancelled => panic!("the task was cancelled, it did not panic"),
        }
    }

    /// Unwinds as awaiting the task would have: with the task's own panic payload, or with
    /// [`CancelledError`].
    pub fn resume(self) -> ! {
        match self {
            TaskError::Panicked(payload) => panic::resume_unwind(payload),
            TaskError::Cancelled => panic::resume_unwind(Box::new(CancelledError)),
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("Cancelled"),
            TaskError::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("<non-string payload>"))
                .finish(),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => fmt::Display::fmt(&CancelledError, f),
            TaskError::Panicked(_) => match self.panic_message() {
                Some(message) => write!(f, "task panicked: {message}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl Error for TaskError {}

thread_local! {
    /// How many cancellations are dropping futures on this thread right now.
    static CANCELLING: Cell<usize> = const { Cell::new(0) };
}

/// Marks the drops that a cancellation performs.
///
/// asyncio cancels a task by cancelling the future it waits on (`Task._fut_waiter`); `wait_for`'s
/// timeout cancels its inner future the same way. Here cancelling drops the state machine at its
/// suspension point, and the [`Task`]s and [`LoopFuture`](super::LoopFuture)s it was awaiting are
/// dropped with it. Inside this scope, such a handle that is being awaited cancels what it awaits
/// when dropped; outside (a task finishing or panicking normally, a handle the user drops), it
/// just lets go, as dropping a reference does in asyncio.
pub(super) struct CancelScope(());

impl CancelScope {
    pub(super) fn enter() -> Self {
        CANCELLING.with(|depth| depth.set(depth.get() + 1));
        CancelScope(())
    }
}

impl Drop for CancelScope {
    fn drop(&mut self) {
        // `try_with`: the scope may end during thread teardown.
        let _ = CANCELLING.try_with(|depth| depth.set(depth.get() - 1));
    }
}

/// Whether the drop in progress is part of a cancellation.
pub(super) fn cancelling() -> bool {
    CANCELLING.try_with(Cell::get).unwrap_or(0) > 0
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TaskState {
    /// Waiting to be polled (scheduled or not).
    Pending,
    /// Being polled, or its future is being dropped: the future is borrowed.
    Busy,
    /// Finished with a value or a panic.
    Done,
    Cancelled,
}

/// A callback registered with `add_done_callback`.
pub(super) type DoneCallback = Box<dyn FnOnce(&TaskHandle)>;

/// The untyped part of a task, what the loop and [`TaskHandle`] use.
pub(super) struct Header {
    id: TaskId,
    waker: Arc<TaskWaker>,
    state: Cell<TaskState>,
    /// `cancel()` was called while the task was busy; honoured when the poll returns.
    cancel_requested: Cell<bool>,
    /// The waker of whoever awaits the task's [`Task`] handle.
    joiner: Cell<Option<Waker>>,
    done_callbacks: RefCell<Vec<DoneCallback>>,
    event_loop: Weak<Inner>,
}

impl Header {
    pub(super) fn waker(&self) -> &TaskWaker {
        &self.waker
    }

    fn done(&self) -> bool {
        matches!(self.state.get(), TaskState::Done | TaskState::Cancelled)
    }
}

/// A task's cell as the loop sees it.
pub(super) trait AnyTask {
    fn header(&self) -> &Header;
    /// Polls the future. `Ready(cancelled)`: it finished, the outcome is stored and the future
    /// dropped.
    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<bool>;
    /// Drops the future where it stands, if it is still there; the outcome is "cancelled".
    fn drop_future(&self);
}

/// A task's cell as its typed [`Task`] handle sees it.
trait Joinable<T> {
    /// `None` while the task is pending. Takes a value or a panic out; a cancellation stays.
    fn take_outcome(&self) -> Option<Result<T, TaskError>>;
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    /// The outcome was handed out.
    Taken,
}

struct TaskCell<F: Future> {
    header: Header,
    stage: RefCell<Stage<F>>,
}

impl<F: Future> AnyTask for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<bool> {
        let mut stage = self.stage.borrow_mut();
        let Stage::Running(future) = &mut *stage else {
            return Poll::Ready(matches!(*stage, Stage::Finished(Err(TaskError::Cancelled))));
        };
        // SAFETY: the future lives inside the `Rc` allocation of this cell, which never moves,
        // and it is never moved out of it: it leaves `Stage::Running` only by being dropped in
        // place, when the stage is overwritten (here and in `drop_future`), or with the cell.
        let future = unsafe { Pin::new_unchecked(future) };
        // A panic is the task's outcome, like an exception stored in an asyncio `Task`. The
        // future is dropped right after, never polled again, so its state after the unwind is
        // not observed.
        let outcome = match panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            // Cancelled while it ran its last step: asyncio 3.7's `_step` too lets the
            // cancellation win over the result.
            Ok(Poll::Ready(_)) if self.header.cancel_requested.get() => Err(TaskError::Cancelled),
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) if payload.is::<CancelledError>() => Err(TaskError::Cancelled),
            Err(payload) => Err(TaskError::Panicked(payload)),
        };
        let cancelled = matches!(outcome, Err(TaskError::Cancelled));
        *stage = Stage::Finished(outcome);
        Poll::Ready(cancelled)
    }

    fn drop_future(&self) {
        let mut stage = self.stage.borrow_mut();
        if let Stage::Running(_) = *stage {
            *stage = Stage::Finished(Err(TaskError::Cancelled));
        }
    }
}

impl<F: Future> Joinable<F::Output> for TaskCell<F> {
    fn take_outcome(&self) -> Option<Result<F::Output, TaskError>> {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            panic!("a task cannot await its own Task");
        };
        match &*stage {
            Stage::Running(_) => None,
            Stage::Finished(Err(TaskError::Cancelled)) => Some(Err(TaskError::Cancelled)),
            Stage::Finished(_) => match mem::replace(&mut *stage, Stage::Taken) {
                Stage::Finished(outcome) => Some(outcome),
                _ => unreachable!(),
            },
            Stage::Taken => panic!("Task result was already retrieved"),
        }
    }
}

impl<F: Future> Drop for TaskCell<F> {
    fn drop(&mut self) {
        // The last reference is gone: if nobody looked at the panic, nobody ever will. asyncio
        // reports this from `Future.__del__`.
        if let Stage::Finished(Err(TaskError::Panicked(_))) = self.stage.get_mut() {
            let Stage::Finished(Err(TaskError::Panicked(payload))) =
                mem::replace(self.stage.get_mut(), Stage::Taken)
            else {
                unreachable!()
            };
            report(
                &self.header.event_loop,
                ExceptionContext::new("Task exception was never retrieved")
                    .with_panic(payload)
                    .with_task_id(self.header.id.0),
            );
        }
    }
}

/// Creates a task on `event_loop`; the caller puts it in the loop's table and schedules it.
pub(super) fn new_task<F>(
    id: TaskId,
    waker: Arc<TaskWaker>,
    event_loop: Weak<Inner>,
    future: F,
) -> (Task<F::Output>, Rc<dyn AnyTask>)
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cell = Rc::new(TaskCell {
        header: Header {
            id,
            waker,
            state: Cell::new(TaskState::Pending),
            cancel_requested: Cell::new(false),
            joiner: Cell::new(None),
            done_callbacks: RefCell::default(),
            event_loop,
        },
        stage: RefCell::new(Stage::Running(future)),
    });
    let task: Rc<dyn AnyTask> = cell.clone();
    (
        Task {
            join: cell,
            task: Rc::clone(&task),
            awaited: false,
        },
        task,
    )
}

/// Runs one step of `task` (asyncio: `Task._step`). Returns true if the task is finished.
pub(super) fn step(task: &Rc<dyn AnyTask>) -> bool {
    let header = task.header();
    if header.state.get() != TaskState::Pending {
        // A wake that came in after the task finished.
        return header.done();
    }
    header.waker.begin_poll();
    header.state.set(TaskState::Busy);
    let waker = Waker::from(Arc::clone(&header.waker));
    let poll = task.poll_future(&mut Context::from_waker(&waker));
    drop(waker);
    header.state.set(TaskState::Pending);
    match poll {
        Poll::Ready(cancelled) => complete(task, cancelled),
        Poll::Pending if header.cancel_requested.get() => cancel_now(task),
        Poll::Pending => return false,
    }
    true
}

/// asyncio's `Task.cancel()`. See [`Task::cancel`].
fn cancel(task: &Rc<dyn AnyTask>) -> bool {
    let header = task.header();
    match header.state.get() {
        TaskState::Done | TaskState::Cancelled => false,
        // Its future is borrowed (the task cancels itself, or is being dropped): the step that
        // borrows it finishes the job.
        TaskState::Busy => {
            header.cancel_requested.set(true);
            true
        }
        TaskState::Pending => {
            cancel_now(task);
            true
        }
    }
}

fn cancel_now(task: &Rc<dyn AnyTask>) {
    task.header().state.set(TaskState::Busy);
    {
        let _cancelling = CancelScope::enter();
        task.drop_future();
    }
    complete(task, true);
}

/// Drops a task that is still pending when its loop closes, reporting it as asyncio does when it
/// garbage-collects a pending task.
pub(super) fn destroy(task: &Rc<dyn AnyTask>, report: impl FnOnce(ExceptionContext)) {
    let header = task.header();
    if header.state.get() != TaskState::Pending {
        return;
    }
    report(
        ExceptionContext::new("Task was destroyed but it is pending!").with_task_id(header.id.0),
    );
    header.state.set(TaskState::Busy);
    // Not a cancellation: the tasks it awaits are being destroyed too, each reported on its own.
    task.drop_future();
    complete(task, true);
}

/// The task has its outcome: wake its awaiter, schedule its done callbacks, leave the loop.
fn complete(task: &Rc<dyn AnyTask>, cancelled: bool) {
    let header = task.header();
    header.state.set(if cancelled {
        TaskState::Cancelled
    } else {
        TaskState::Done
    });
    if let Some(joiner) = header.joiner.take() {
        joiner.wake();
    }
    let callbacks = mem::take(&mut *header.done_callbacks.borrow_mut());
    if let Some(inner) = header.event_loop.upgrade() {
        for callback in callbacks {
            inner.schedule_done_callback(task, callback);
        }
        // Dropped after the table's borrow ends: it may be the last reference, whose drop may
        // report an unretrieved panic through user code.
        let removed = inner.tasks.borrow_mut().remove(&header.id);
        drop(removed);
    }
}

fn add_done_callback(task: &Rc<dyn AnyTask>, callback: DoneCallback) {
    let header = task.header();
    if header.done() {
        // asyncio: a callback added to a done future is scheduled at once.
        if let Some(inner) = header.event_loop.upgrade() {
            inner.schedule_done_callback(task, callback);
        }
    } else {
        header.done_callbacks.borrow_mut().push(callback);
    }
}

/// A coroutine scheduled to run on its own: asyncio's `Task`, from
/// [`EventLoop::create_task`](super::EventLoop::create_task) or [`create_task`](super::create_task).
///
/// The loop owns the task: it runs whether or not anyone awaits it, and dropping the `Task`
/// handle detaches it (it runs on, as in asyncio and tokio) — except during a cancellation, see
/// below. The handle can:
///
/// - be awaited (`yield_from!(task)`, or `yield_from!(&mut task)` to keep the handle), from any
///   coroutine of the loop, including the main one: that gives the task's output. If the task
///   panicked, awaiting it resumes that panic in the awaiter (asyncio re-raises the task's
///   exception); if it was cancelled, awaiting it unwinds with [`CancelledError`], which cancels
///   the awaiting task in turn. [`join`](Task::join) gives a `Result` instead of unwinding.
/// - [`cancel`](Task::cancel) the task: its state machine is dropped at its current suspension
///   point (its live locals are dropped, newest first), and whatever it was awaiting is cancelled
///   in turn.
/// - tell whether it is [`done`](Task::done) or [`cancelled`](Task::cancelled), and hand out its
///   [`result`](Task::result) once done.
/// - give a [`TaskHandle`], a clonable, untyped handle that can cancel the task from anywhere on
///   the loop's thread (a callback, another task).
///
/// A panic in a task is caught at the task boundary: the loop and the other tasks carry on. If
/// nobody retrieves it (by awaiting the task or asking for its result) before the last handle is
/// dropped, the loop's exception handler gets "Task exception was never retrieved".
///
/// ```
/// use coroutines::{sleep, EventLoop};
///
/// #[coroutines::coroutine]
/// fn double_later(x: u32) -> u32 {
///     yield_from!(sleep(0.01));
///     2 * x
/// }
///
/// #[coroutines::coroutine]
/// fn main_task() -> u32 {
///     let event_loop = coroutines::get_event_loop();
///     let task = event_loop.create_task(double_later(21));
///     let forever = event_loop.create_task(sleep(3600));
///     assert!(!task.done());
///     assert!(forever.cancel());
///     let result = yield_from!(task);
///     assert!(forever.done() && forever.cancelled());
///     result
/// }
///
/// assert_eq!(EventLoop::new().run_until_complete(main_task()), 42);
/// ```
///
/// When a task is cancelled, or a [`wait_for`](super::wait_for) times out, a `Task` handle that
/// the dropped code was awaiting cancels its task too: cancellation travels down a chain of
/// awaits, as in asyncio.
///
/// ```
/// use coroutines::{sleep, wait_for, EventLoop};
///
/// let event_loop = EventLoop::new();
/// let slow = event_loop.create_task(sleep(3600));
/// let handle = slow.handle();
/// assert!(event_loop.run_until_complete(wait_for(slow, 0.01)).is_err());
/// assert!(handle.cancelled());
/// ```
#[must_use = "a dropped `Task` runs on, detached; bind it (`let _task = ...`) to say so"]
pub struct Task<T> {
    join: Rc<dyn Joinable<T>>,
    task: Rc<dyn AnyTask>,
    /// Polled and pending: someone awaits this handle, so a cancellation that drops it cancels
    /// the task.
    awaited: bool,
}

impl<T> Task<T> {
    /// The task's id, unique within its loop (what [`ExceptionContext::task_id`] reports).
    pub fn id(&self) -> u64 {
        self.task.header().id.0
    }

    /// Whether the task has finished: returned, panicked, or was cancelled.
    pub fn done(&self) -> bool {
        self.task.header().done()
    }

    /// Whether the task was cancelled (or destroyed by closing its loop).
    pub fn cancelled(&self) -> bool {
        self.task.header().state.get() == TaskState::Cancelled
    }

    /// Cancels the task: asyncio's `task.cancel()`. Returns false if the task was already done.
    ///
    /// Unlike asyncio, which throws `CancelledError` into the coroutine at its next step, the
    /// task's state machine is dropped right away, at its current suspension point, so the task
    /// is [`cancelled`](Task::cancelled) when this returns. (A Rust future cannot catch a
    /// cancellation: cleanup goes in `Drop` impls, which run now.) The exception is a task that
    /// cancels itself while it runs: it is dropped as soon as its current step returns.
    ///
    /// Whatever the task was awaiting is cancelled too: a [`Task`] or
    /// [`LoopFuture`](super::LoopFuture) it awaited, a [`wait_for`](super::wait_for) it was in.
    ///
    /// ```
    /// use coroutines::{sleep, EventLoop};
    ///
    /// let event_loop = EventLoop::new();
    /// let task = event_loop.create_task(sleep(3600));
    /// assert!(task.cancel());
    /// assert!(task.cancelled());
    /// assert!(!task.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        cancel(&self.task)
    }

    /// An untyped handle to this task, to cancel it or check on it from elsewhere.
    pub fn handle(&self) -> TaskHandle {
        TaskHandle {
            task: Rc::clone(&self.task),
        }
    }

    /// The task's outcome, once it is done: asyncio's `task.result()`, with the exception
    /// returned rather than raised.
    ///
    /// ```
    /// use coroutines::EventLoop;
    ///
    /// let event_loop = EventLoop::new();
    /// let mut task = event_loop.create_task(async { 7 });
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// assert_eq!(task.result().unwrap(), 7);
    /// ```
    ///
    /// # Panics
    ///
    /// "Result is not ready." if the task is not done (asyncio's `InvalidStateError`), and "Task
    /// result was already retrieved" if its value or panic was handed out already (by this, or by
    /// awaiting the task).
    #[track_caller]
    pub fn result(&mut self) -> Result<T, TaskError> {
        match self.join.take_outcome() {
            Some(outcome) => outcome,
            None => panic!("Result is not ready."),
        }
    }

    /// A future of the task's outcome as a `Result`, never unwinding: what awaiting the task
    /// gives, with panics and cancellation as [`TaskError`]s. [`gather`](super::gather) over
    /// joins is asyncio's `gather(..., return_exceptions=True)`.
    pub fn join(self) -> Join<T> {
        Join { task: self }
    }

    /// Schedules `callback` to run (with a handle to this task) once the task is done, or soon if
    /// it is done already: asyncio's `add_done_callback`. Callbacks run in the order added.
    pub fn add_done_callback(&self, callback: impl FnOnce(&TaskHandle) + 'static) {
        add_done_callback(&self.task, Box::new(callback));
    }

    fn poll_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>> {
        match self.join.take_outcome() {
            Some(outcome) => {
                self.awaited = false;
                Poll::Ready(outcome)
            }
            None => {
                let header = self.task.header();
                let joiner = match header.joiner.take() {
                    Some(joiner) if joiner.will_wake(cx.waker()) => joiner,
                    _ => cx.waker().clone(),
                };
                header.joiner.set(Some(joiner));
                self.awaited = true;
                Poll::Pending
            }
        }
    }
}

/// Awaiting a task gives its output; see [`Task`] for panics and cancellation.
impl<T> Future for Task<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut().poll_outcome(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(output)) => Poll::Ready(output),
            Poll::Ready(Err(error)) => error.resume(),
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if self.awaited && cancelling() {
            cancel(&self.task);
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_task(&*self.task, "Task", f)
    }
}

fn fmt_task(task: &dyn AnyTask, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let header = task.header();
    f.debug_struct(name)
        .field("id", &header.id.0)
        .field(
            "state",
            &match header.state.get() {
                TaskState::Pending | TaskState::Busy => "pending",
                TaskState::Done => "done",
                TaskState::Cancelled => "cancelled",
            },
        )
        .finish()
}

/// The future returned by [`Task::join`]: the task's outcome as a `Result`.
///
/// Dropping it during a cancellation while it is awaited cancels the task, as dropping the
/// [`Task`] would.
///
/// ```
/// use coroutines::{EventLoop, TaskError};
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(coroutines::sleep(3600));
/// task.cancel();
/// let outcome = event_loop.run_until_complete(task.join());
/// assert!(matches!(outcome, Err(TaskError::Cancelled)));
/// ```
#[must_use = "futures do nothing unless awaited or polled"]
#[derive(Debug)]
pub struct Join<T> {
    task: Task<T>,
}

impl<T> Future for Join<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().task.poll_outcome(cx)
    }
}

/// A clonable, untyped handle to a task: cancel it and check on it, but not its output.
///
/// ```
/// use coroutines::{sleep, EventLoop};
///
/// let event_loop = EventLoop::new();
/// let task = event_loop.create_task(sleep(3600));
/// let handle = task.handle();
/// event_loop.call_later(0.01, move || {
///     handle.cancel();
/// });
/// let outcome = event_loop.run_until_complete(task.join());
/// assert!(outcome.unwrap_err().is_cancelled());
/// ```
#[derive(Clone)]
pub struct TaskHandle {
    task: Rc<dyn AnyTask>,
}

impl TaskHandle {
    /// The task's id, unique within its loop.
    pub fn id(&self) -> u64 {
        self.task.header().id.0
    }

    /// Whether the task has finished: returned, panicked, or was cancelled.
    pub fn done(&self) -> bool {
        self.task.header().done()
    }

    /// Whether the task was cancelled (or destroyed by closing its loop).
    pub fn cancelled(&self) -> bool {
        self.task.header().state.get() == TaskState::Cancelled
    }

    /// Cancels the task, as [`Task::cancel`] does. Returns false if it was already done.
    pub fn cancel(&self) -> bool {
        cancel(&self.task)
    }

    /// Schedules `callback` to run once the task is done, as [`Task::add_done_callback`] does.
    pub fn add_done_callback(&self, callback: impl FnOnce(&TaskHandle) + 'static) {
        add_done_callback(&self.task, Box::new(callback));
    }

    pub(super) fn from_task(task: &Rc<dyn AnyTask>) -> Self {
        TaskHandle {
            task: Rc::clone(task),
        }
    }
}

/// Handles are equal when they refer to the same task.
impl PartialEq for TaskHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.task, &other.task)
    }
}

impl Eq for TaskHandle {}

impl fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_task(&*self.task, "TaskHandle", f)
    }
}
