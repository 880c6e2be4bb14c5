//! asyncio's event loop, single-threaded, on `std` alone.
//!
//! The loop is asyncio's `BaseEventLoop._run_once` in Rust. One iteration:
//!
//! 1. collect what other threads sent (woken tasks, `call_soon_threadsafe` callbacks) through the
//!    [`waker::Remote`] mailbox;
//! 2. if nothing is ready, block until the earliest timer is due or a message arrives;
//! 3. fire the timers that are due: a task's timer wakes the task (which readies it), a
//!    `call_later` timer readies its callback;
//! 4. run everything that was ready when the run step started (task steps and callbacks, in the
//!    order they were scheduled); what becomes ready meanwhile waits for the next iteration, so
//!    that no task can starve the others by waking itself.
//!
//! The ready queue, the timer queue keyed by `(deadline, sequence)`, and tasks identified by a
//! key (their id and their slot in the loop's task table) that their waker puts back in the queue
//! are the whole machine. Tasks created with
//! `create_task` live in the loop's table; the main task of `run_until_complete` lives on that
//! call's stack, which lets it borrow and be `!Send`.

mod exception;
mod fifo;
mod gather;
mod handle;
mod loop_future;
mod recycle;
mod slab;
mod sleep;
mod table;
mod task;
mod timer;
mod timer_thread;
mod trace;
mod wait;
mod waker;

pub use exception::ExceptionContext;
pub use gather::{gather, Gather, IntoGather};
pub use handle::{EventLoopProxy, Handle, ThreadsafeHandle, TimerHandle};
pub use loop_future::LoopFuture;
pub use sleep::{sleep, sleep_until, Delay, Sleep};
pub use task::{CancelledError, Join, Task, TaskError, TaskHandle};
pub use trace::Trace;

use std::env;
pub use wait::{wait, wait_for, ReturnWhen, TimeoutError, Wait, WaitFor};

use crate::stack::{Frame, FrameState};
use fifo::Fifo;
use handle::{Callback, LoopTimer, ThreadsafeCall};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::ptr;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};
use table::TaskTable;
use task::TaskRef;
use timer::{LoopTimers, SleepKey, Tick};
use waker::{Remote, TaskId, TaskKey, TaskWaker};

/// An asyncio event loop: runs coroutines (any [`Future`]) on the current thread, interleaving
/// them at their suspension points and sleeping while they all wait.
///
/// `EventLoop` is a handle: clones share one loop, and compare equal. Get the thread's loop with
/// [`get_event_loop`] (asyncio's `asyncio.get_event_loop()`), or make a private one with
/// [`EventLoop::new`]. [`run_until_complete`](EventLoop::run_until_complete) runs a coroutine to
/// its end; [`close`](EventLoop::close) ends the loop.
///
/// ```
/// use coroutine_runtime::{get_event_loop, sleep};
///
/// async fn compute(x: i32, y: i32) -> i32 {
///     sleep(0.01).await;
///     x + y
/// }
///
/// let event_loop = get_event_loop();
/// assert_eq!(event_loop.run_until_complete(compute(1, 2)), 3);
/// event_loop.close();
/// ```
///
/// Everything else asyncio's core loop does is here under asyncio's names:
///
/// | asyncio | here |
/// | --- | --- |
/// | `loop.run_forever()`, `loop.stop()` | [`run_forever`](EventLoop::run_forever), [`stop`](EventLoop::stop) |
/// | `loop.call_soon(cb)` → `Handle` | [`call_soon`](EventLoop::call_soon) → [`Handle`] |
/// | `loop.call_later(delay, cb)`, `loop.call_at(when, cb)` → `TimerHandle` | [`call_later`](EventLoop::call_later), [`call_at`](EventLoop::call_at) → [`TimerHandle`] |
/// | `loop.call_soon_threadsafe(cb)` | [`call_soon_threadsafe`](EventLoop::call_soon_threadsafe), or [`EventLoopProxy`] from other threads |
/// | `loop.create_task(coro)` → `Task` | [`create_task`](EventLoop::create_task) → [`Task`] |
/// | `loop.create_future()` → `Future` | [`create_future`](EventLoop::create_future) → [`LoopFuture`] |
/// | `loop.set_exception_handler(h)` | [`set_exception_handler`](EventLoop::set_exception_handler) |
/// | `asyncio.sleep`, `gather`, `wait_for`, `wait` | [`sleep()`], [`gather()`], [`wait_for`], [`wait()`] |
///
/// ```
/// use coroutines::{gather, get_event_loop, sleep, wait_for};
///
/// #[coroutines::coroutine]
/// fn work(seconds: f64) -> f64 {
///     yield_from!(sleep(seconds));
///     seconds
/// }
///
/// #[coroutines::coroutine]
/// fn main_task() -> Vec<f64> {
///     let event_loop = get_event_loop();
///     let tasks = vec![event_loop.create_task(work(0.02)), event_loop.create_task(work(0.01))];
///     let timed_out = yield_from!(wait_for(work(3600.0), 0.01));
///     assert!(timed_out.is_err());
///     yield_from!(gather(tasks))
/// }
///
/// assert_eq!(get_event_loop().run_until_complete(main_task()), [0.02, 0.01]);
/// ```
///
/// A loop belongs to the thread that created it, so `EventLoop` is neither `Send` nor `Sync`.
/// The coroutines it runs need not be either. The [`Waker`]s it gives them are both: a waker
/// called from another thread wakes the loop up, and other threads schedule callbacks through
/// an [`EventLoopProxy`].
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<coroutine_runtime::EventLoop>();
/// ```
///
/// Errors are panics carrying asyncio's messages: running a closed loop or scheduling on it
/// ("Event loop is closed"), running a loop from inside itself ("This event loop is already
/// running"), closing a running loop ("Cannot close a running event loop"). What asyncio logs
/// rather than raises (a panicking callback, a task panic nobody retrieved, a task destroyed while
/// pending) goes to the loop's [exception handler](EventLoop::set_exception_handler).
#[derive(Clone)]
pub struct EventLoop {
    inner: Rc<Inner>,
}

/// A process-wide loop identity: unlike an address, never reused by a later loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct LoopId(u64);

struct Inner {
    id: LoopId,
    state: Cell<State>,
    /// Set when the loop should return at the end of its current iteration.
    stopping: Cell<bool>,
    ready: RefCell<Fifo<Ready>>,
    /// The callbacks of the [`Ready::Call`]s in `ready`, in the same order.
    calls: RefCell<Fifo<Rc<dyn Callback>>>,
    timers: RefCell<LoopTimers>,
    remote: Arc<Remote>,
    next_task: Cell<u64>,
    /// Every task created by `create_task` that has not finished: the loop owns them, so a task
    /// nobody holds a handle to still runs.
    tasks: RefCell<TaskTable>,
    exception_handler: RefCell<Option<Rc<ExceptionHandler>>>,
    /// asyncio's debug mode (`set_debug`).
    debug: Cell<bool>,
    /// In debug mode, steps and callbacks slower than this are reported.
    slow_callback_duration: Cell<Duration>,
    /// The main task of the `run_until_complete` in progress: its id and its future's type.
    main_task: Cell<Option<(TaskId, &'static str)>>,
    /// Whether the main task is being polled.
    main_busy: Cell<bool>,
    /// Whether the main task is in the ready queue, put there on the loop's thread (a task's
    /// own flag is in its header, see `task::Flags::SCHEDULED`).
    main_scheduled: Cell<bool>,
    /// Trace mode: whether `recorder` records (one flag to check when it does not).
    tracing: Cell<bool>,
    recorder: RefCell<Option<trace::Recorder>>,
}

/// What [`EventLoop::set_exception_handler`] installs.
type ExceptionHandler = dyn Fn(&EventLoop, &ExceptionContext);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Idle,
    Running,
    Closed,
}

/// An entry of the ready queue.
enum Ready {
    /// Poll this task (asyncio: `Task._step`). A task that has finished since it was queued is
    /// skipped: its waker may outlive it.
    Step(TaskKey),
    /// Run the next callback of `Inner::calls`, unless it was cancelled. (The callback is kept
    /// beside the queue: as a fat `Rc` here it would make every entry 24 bytes rather than 16.)
    Call,
    /// Run this callback sent from another thread, unless it was cancelled.
    Threadsafe(Arc<ThreadsafeCall>),
    /// Cancel the timer of a `Sleep` dropped (or moved away) on another thread.
    CancelSleep(SleepKey),
}

// The ready queue keeps its segments (see `fifo.rs`): after a crowd of tasks was queued, every
// entry's size is paid as long as the loop lives.
const _: () = assert!(std::mem::size_of::<Ready>() == 16);

/// How late the kernel may end a timed wait (Linux's default timer slack; the kernel lets a
/// sleeping thread's timer fire this much after its deadline, to batch wake-ups). The loop parks
/// only until this much before its next timer, and yields the thread for the rest: its timers
/// fire within microseconds of their deadlines instead of 50–100 µs after, for at most this
/// much CPU time per wait.
const TIMER_SLACK: Duration = Duration::from_micros(50);

thread_local! {
    /// The loop `get_event_loop` returns when none is running.
    static CURRENT: RefCell<Option<EventLoop>> = const { RefCell::new(None) };
    /// The loop running on this thread, if any (at most one: see `RunGuard::enter`): a count of
    /// its `Rc`, held as `Rc::into_raw` by the run's [`RunGuard`] from its start to its end;
    /// null when no loop runs. A bare pointer, not an `Option<Rc>` in a `RefCell`: every wake,
    /// timer and `sleep` asks for it, and a thread-local without a destructor is one load away,
    /// where the `RefCell` cost a registration check and a borrow count each time.
    static RUNNING: Cell<*const Inner> = const { Cell::new(ptr::null()) };
    /// The loops created on this thread that may still exist, so that a wake on this thread
    /// reaches its loop's ready queue even while the loop is not running (see `schedule_here`).
    static LOCAL_LOOPS: RefCell<Vec<(LoopId, Weak<Inner>)>> = const { RefCell::new(Vec::new()) };
}

/// The event loop of the current thread: asyncio's `get_event_loop()`.
///
/// The first call on a thread creates a loop; later calls return that same loop (`==` to it),
/// until [`set_event_loop`] installs another. When that loop has been closed it is still the one
/// returned, closed, as in asyncio: to carry on after closing it, install a fresh loop.
///
/// Called while a loop runs on this thread (typically from inside a coroutine), it returns the
/// running loop, which is what a coroutine asking for "the loop" means (asyncio does the same
/// since Python 3.5.3).
///
/// Unlike asyncio 3.4, which creates a loop on demand only in the main thread, every thread gets
/// its own.
///
/// ```
/// use coroutine_runtime::{get_event_loop, set_event_loop, EventLoop};
///
/// assert_eq!(get_event_loop(), get_event_loop());
///
/// get_event_loop().close();
/// assert!(get_event_loop().is_closed());
///
/// set_event_loop(&EventLoop::new());
/// assert!(!get_event_loop().is_closed());
/// ```
pub fn get_event_loop() -> EventLoop {
    let running = RUNNING.with(Cell::get);
    if !running.is_null() {
        // SAFETY: a non-null `running` is from `Rc::into_raw`, and its count is held until the
        // run's guard ends (see `RUNNING`): a count may be added and owned by a new `Rc`.
        let inner = unsafe {
            Rc::increment_strong_count(running);
            Rc::from_raw(running)
        };
        return EventLoop { inner };
    }
    CURRENT.with(|current| {
        current
            .borrow_mut()
            .get_or_insert_with(EventLoop::new)
            .clone()
    })
}

/// Makes `event_loop` the current thread's loop, the one [`get_event_loop`] returns: asyncio's
/// `set_event_loop(loop)`.
///
/// ```
/// use coroutine_runtime::{get_event_loop, set_event_loop, EventLoop};
///
/// let event_loop = EventLoop::new();
/// set_event_loop(&event_loop);
/// assert_eq!(get_event_loop(), event_loop);
/// ```
pub fn set_event_loop(event_loop: &EventLoop) {
    CURRENT.with(|current| *current.borrow_mut() = Some(event_loop.clone()));
}

/// Runs `f` with the loop running on this thread, if there is one.
fn with_running_loop<R>(f: impl FnOnce(&Inner) -> R) -> Option<R> {
    let running = RUNNING.with(Cell::get);
    // SAFETY: non-null only while a run's guard holds a count of the loop's `Rc` (see
    // `RUNNING`); the guard outlives `f`, which runs inside that run (a run cannot start or end
    // inside `f`: a nested run is refused, and the guard ends only when its run returns).
    (!running.is_null()).then(|| f(unsafe { &*running }))
}

/// Appends a step of `task` to the ready queue of loop `loop_id` if that loop belongs to this
/// thread. Returns false if it does not (the caller then goes through the loop's mailbox).
///
/// The mailbox would be correct on this thread too, but it is read only when the loop next
/// iterates, behind everything queued meanwhile: a task woken between two runs (by a `set_result`
/// in plain code, say) would lose its place to callbacks scheduled after the wake. asyncio keeps
/// them in order, and so does this.
fn schedule_here(loop_id: LoopId, task: TaskKey) -> bool {
    with_local_loop(loop_id, |inner| inner.schedule_step(task)).unwrap_or(false)
}

/// Runs `f` with loop `loop_id` if that loop belongs to this thread and still exists.
fn with_local_loop<R>(loop_id: LoopId, f: impl FnOnce(&Inner) -> R) -> Option<R> {
    let mut f = Some(f);
    // The fast path: the running loop.
    if let Some(result) = with_running_loop(|inner| {
        (inner.id == loop_id).then(|| (f.take().expect("called once"))(inner))
    })
    .flatten()
    {
        return Some(result);
    }
    let f = f?;
    LOCAL_LOOPS
        .try_with(|loops| {
            let inner = loops
                .try_borrow()
                .ok()?
                .iter()
                .find(|(id, _)| *id == loop_id)?
                .1
                .upgrade()?;
            Some(f(&inner))
        })
        .ok()
        .flatten()
}

/// Whether `COROUTINES_DEBUG` asks for debug mode: set and not empty, as asyncio reads
/// `PYTHONASYNCIODEBUG`.
fn debug_from_env() -> bool {
    env::var_os("COROUTINES_DEBUG").is_some_and(|value| !value.is_empty())
}

/// The clock of every loop: seconds since this instant.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Creates a task on the current loop ([`get_event_loop`]) to run the coroutine `coro`:
/// asyncio 3.7's `asyncio.create_task(coro)`, [`EventLoop::create_task`] without naming the loop.
///
/// Like asyncio's, it takes a coroutine (a `#[coroutine]` fn's future, or anything that is a
/// [`Stack`](crate::Stack)), so the task can show where it is; [`ensure_future`] takes any
/// future.
///
/// ```
/// use coroutines::{create_task, EventLoop};
///
/// #[coroutines::coroutine]
/// fn twenty() -> u32 {
///     yield_from!(coroutines::sleep(0));
///     20
/// }
///
/// #[coroutines::coroutine]
/// fn outer() -> u32 {
///     let task = create_task(twenty());
///     yield_from!(task) + 1
/// }
///
/// assert_eq!(EventLoop::new().run_until_complete(outer()), 21);
/// ```
///
/// # Panics
///
/// "Event loop is closed" if the current loop was closed.
#[track_caller]
pub fn create_task<F>(coro: F) -> Task<F::Output>
where
    F: Future + crate::Stack + 'static,
    F::Output: 'static,
{
    get_event_loop().create_task(coro)
}

/// Wraps any future in a task on the current loop: asyncio's `asyncio.ensure_future(obj)`,
/// [`EventLoop::ensure_future`] without naming the loop.
///
/// ```
/// use coroutines::{ensure_future, EventLoop};
///
/// #[coroutines::coroutine]
/// fn outer() -> u32 {
///     let task = ensure_future(async { 20 });
///     yield_from!(task) + 1
/// }
///
/// assert_eq!(EventLoop::new().run_until_complete(outer()), 21);
/// ```
///
/// # Panics
///
/// "Event loop is closed" if the current loop was closed.
#[track_caller]
pub fn ensure_future<F>(future: F) -> Task<F::Output>
where
    F: IntoFuture + 'static,
    F::IntoFuture: 'static,
    F::Output: 'static,
{
    get_event_loop().ensure_future(future)
}

/// Reports `context` to the exception handler of the loop behind `event_loop`, or prints it if
/// that loop is gone.
fn report(event_loop: Option<Rc<Inner>>, context: ExceptionContext) {
    match event_loop {
        Some(inner) => EventLoop { inner }.call_exception_handler(&context),
        None => exception::print_default(&context),
    }
}

impl EventLoop {
    /// Creates a loop, not yet anyone's current loop: asyncio's `new_event_loop()`.
    ///
    /// ```
    /// use coroutine_runtime::{get_event_loop, EventLoop};
    ///
    /// let event_loop = EventLoop::new();
    /// assert_ne!(event_loop, get_event_loop());
    /// assert_eq!(event_loop.run_until_complete(async { "done" }), "done");
    /// ```
    pub fn new() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let id = LoopId(NEXT_ID.fetch_add(1, Ordering::Relaxed));
        let event_loop = EventLoop {
            inner: Rc::new(Inner {
                id,
                state: Cell::new(State::Idle),
                stopping: Cell::new(false),
                ready: RefCell::default(),
                calls: RefCell::default(),
                timers: RefCell::new(LoopTimers::new()),
                remote: Arc::new(Remote::new(id)),
                next_task: Cell::new(0),
                tasks: RefCell::default(),
                exception_handler: RefCell::new(None),
                debug: Cell::new(debug_from_env()),
                slow_callback_duration: Cell::new(Duration::from_millis(100)),
                main_task: Cell::new(None),
                main_scheduled: Cell::new(false),
                main_busy: Cell::new(false),
                tracing: Cell::new(false),
                recorder: RefCell::new(None),
            }),
        };
        event_loop.inner.remote.attach(&event_loop.inner);
        LOCAL_LOOPS.with(|loops| {
            let mut loops = loops.borrow_mut();
            // Forget the loops that are gone, so the list stays as short as the live loops.
            loops.retain(|(_, inner)| inner.strong_count() > 0);
            loops.push((id, Rc::downgrade(&event_loop.inner)));
        });
        event_loop
    }

    /// Runs `future` until it completes and returns its output: asyncio's
    /// `loop.run_until_complete(future)`.
    ///
    /// The future becomes the loop's main task. The loop runs until that task finishes, then
    /// returns at the end of that iteration; whatever else it had scheduled (tasks, callbacks,
    /// timers) stays scheduled for the next run. The future need not be `Send` or `'static`: it
    /// may borrow from the caller. It may be a [`Task`], to run the loop until that task is done.
    ///
    /// ```
    /// use coroutine_runtime::{sleep, EventLoop};
    ///
    /// let event_loop = EventLoop::new();
    /// let mut log = Vec::new();
    /// event_loop.run_until_complete(async {
    ///     log.push("before");
    ///     sleep(0.01).await;
    ///     log.push("after");
    /// });
    /// assert_eq!(log, ["before", "after"]);
    /// ```
    ///
    /// # Panics
    ///
    /// - "Event loop is closed" if the loop was [closed](EventLoop::close);
    /// - "This event loop is already running" if called from inside this loop (from one of its
    ///   coroutines): a coroutine must `yield_from!`/`.await` instead;
    /// - "Cannot run the event loop while another loop is running" if another loop is running on
    ///   this thread (nested loops would starve the outer one);
    /// - "Event loop stopped before Future completed." if [`stop`](EventLoop::stop) ended the run
    ///   first (the future is dropped);
    /// - "Task was cancelled" if the main task was cancelled (it awaited a cancelled [`Task`] or
    ///   [`LoopFuture`]);
    /// - with the future's own panic if it panics. That panic is caught, the loop is left as
    ///   after any run (not running, reusable), and the panic resumes out of this call with its
    ///   original payload.
    #[track_caller]
    pub fn run_until_complete<F: IntoFuture>(&self, future: F) -> F::Output {
        self.inner.check_closed();
        if self.is_running() {
            panic!("This event loop is already running");
        }
        let id = self.inner.new_task_id();
        let key = TaskKey {
            id,
            slot: TaskKey::NO_SLOT,
        };
        let task_waker = Arc::new(TaskWaker::new(key, Arc::clone(&self.inner.remote), 0));
        let mut main = MainTask {
            id,
            waker: TaskWaker::main_waker(&task_waker),
            task_waker,
            future: pin!(future.into_future()),
            outcome: None,
        };
        {
            let _running = RunGuard::enter(&self.inner);
            self.inner.schedule(&main);
            self.inner
                .main_task
                .set(Some((id, std::any::type_name::<F::IntoFuture>())));
            self.inner.run(Some(&mut main));
        }
        match main.outcome {
            Some(Ok(output)) => output,
            Some(Err(payload)) if payload.is::<CancelledError>() => panic!("Task was cancelled"),
            Some(Err(payload)) => panic::resume_unwind(payload),
            // Only `stop()` can end a run before the main task; that is asyncio's message for it.
            None => panic!("Event loop stopped before Future completed."),
        }
    }

    /// Runs the loop until [`stop`](EventLoop::stop) is called: asyncio's `loop.run_forever()`.
    ///
    /// If `stop` was called before, the loop runs one iteration (what is ready now, without
    /// waiting) and returns, as asyncio does.
    ///
    /// ```
    /// use coroutines::{get_event_loop, EventLoop};
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let ticks = Rc::new(Cell::new(0));
    /// let counter = ticks.clone();
    /// event_loop.call_later(0.01, move || counter.set(1));
    /// event_loop.call_later(0.02, || get_event_loop().stop());
    /// event_loop.run_forever();
    /// assert_eq!(ticks.get(), 1);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`run_until_complete`](EventLoop::run_until_complete): "Event loop is closed", "This
    /// event loop is already running", "Cannot run the event loop while another loop is running".
    #[track_caller]
    pub fn run_forever(&self) {
        self.inner.check_closed();
        if self.is_running() {
            panic!("This event loop is already running");
        }
        let _running = RunGuard::enter(&self.inner);
        self.inner.run(None);
    }

    /// Stops the loop: asyncio's `loop.stop()`.
    ///
    /// The loop finishes the iteration it is in (every callback and task step that was ready when
    /// it started) and then returns from [`run_forever`](EventLoop::run_forever) (or from
    /// [`run_until_complete`](EventLoop::run_until_complete), which then panics because its
    /// future has not completed). Called while the loop is not running, it makes the next run
    /// stop after one iteration.
    ///
    /// ```
    /// use coroutines::{get_event_loop, EventLoop};
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let (first, second) = (log.clone(), log.clone());
    /// event_loop.call_soon(move || {
    ///     first.borrow_mut().push("stop requested");
    ///     get_event_loop().stop();
    /// });
    /// // Scheduled before the stop: still runs in the same iteration.
    /// event_loop.call_soon(move || second.borrow_mut().push("same iteration"));
    /// event_loop.run_forever();
    /// assert_eq!(*log.borrow(), ["stop requested", "same iteration"]);
    /// ```
    pub fn stop(&self) {
        self.inner.stopping.set(true);
    }

    /// Closes the loop: asyncio's `loop.close()`.
    ///
    /// Pending callbacks and timers are dropped. Tasks that are still pending are destroyed:
    /// each is reported to the [exception handler](EventLoop::set_exception_handler) as "Task
    /// was destroyed but it is pending!", then its state machine is dropped (its live locals with
    /// it) and it counts as cancelled. The loop can no longer run, and other threads can no longer
    /// send it callbacks. Closing a closed loop does nothing.
    ///
    /// ```
    /// use coroutine_runtime::EventLoop;
    ///
    /// let event_loop = EventLoop::new();
    /// event_loop.close();
    /// event_loop.close();
    /// assert!(event_loop.is_closed());
    /// ```
    ///
    /// # Panics
    ///
    /// "Cannot close a running event loop" if called while the loop is running (from one of its
    /// coroutines).
    #[track_caller]
    pub fn close(&self) {
        match self.inner.state.get() {
            State::Running => panic!("Cannot close a running event loop"),
            State::Closed => {}
            State::Idle => {
                self.inner.state.set(State::Closed);
                self.inner.remote.close();
                // Taken out before being dropped: dropping a callback or a task runs foreign
                // code, which must not find the queues borrowed.
                let ready = (self.inner.ready.take(), self.inner.calls.take());
                let timers = self.inner.timers.replace(LoopTimers::new());
                drop((ready, timers));
                for task in self.inner.take_tasks() {
                    task::destroy(&task, |context| self.call_exception_handler(&context));
                }
            }
        }
    }

    /// Whether [`close`](EventLoop::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state.get() == State::Closed
    }

    /// Whether the loop is running, which is to say whether this is called from inside one of its
    /// coroutines or callbacks.
    ///
    /// ```
    /// use coroutine_runtime::get_event_loop;
    ///
    /// let event_loop = get_event_loop();
    /// assert!(!event_loop.is_running());
    /// assert!(event_loop.run_until_complete(async { get_event_loop().is_running() }));
    /// ```
    pub fn is_running(&self) -> bool {
        self.inner.state.get() == State::Running
    }

    /// The loop's clock: asyncio's `loop.time()`.
    ///
    /// Monotonic seconds since an arbitrary, process-wide epoch, measured with [`Instant`]. It is
    /// the clock timers run on ([`call_at`](EventLoop::call_at) takes a time on it); only
    /// differences between readings mean anything.
    ///
    /// ```
    /// use coroutine_runtime::{sleep, EventLoop};
    ///
    /// let event_loop = EventLoop::new();
    /// let start = event_loop.time();
    /// event_loop.run_until_complete(sleep(0.01));
    /// assert!(event_loop.time() - start >= 0.01);
    /// ```
    pub fn time(&self) -> f64 {
        epoch().elapsed().as_secs_f64()
    }

    /// Schedules `callback` to run in the loop's next iteration: asyncio's
    /// `loop.call_soon(callback)`.
    ///
    /// Callbacks run in the order they were scheduled, interleaved with task steps in the order
    /// those were scheduled. A panic in a callback is caught and reported to the
    /// [exception handler](EventLoop::set_exception_handler) ("Exception in callback"); the loop
    /// carries on. The returned [`Handle`] cancels the callback.
    ///
    /// ```
    /// use coroutines::EventLoop;
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// for i in 0..3 {
    ///     let log = log.clone();
    ///     event_loop.call_soon(move || log.borrow_mut().push(i));
    /// }
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// assert_eq!(*log.borrow(), [0, 1, 2]);
    /// ```
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed.
    #[track_caller]
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) -> Handle {
        self.inner.check_closed();
        let callback = handle::callback(callback);
        self.inner.push_call(Rc::clone(&callback));
        Handle { callback }
    }

    /// Schedules `callback` to run `delay` from now (a [`Delay`]: a `Duration` or seconds):
    /// asyncio's `loop.call_later(delay, callback)`.
    ///
    /// Timers run in deadline order; timers with the same deadline run in the order they were
    /// scheduled. A timer never runs early. The returned [`TimerHandle`] cancels it.
    ///
    /// ```
    /// use coroutines::{sleep, EventLoop};
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// for (delay, name) in [(0.02, "b"), (0.01, "a"), (0.02, "c")] {
    ///     let log = log.clone();
    ///     event_loop.call_later(delay, move || log.borrow_mut().push(name));
    /// }
    /// event_loop.run_until_complete(sleep(0.05));
    /// assert_eq!(*log.borrow(), ["a", "b", "c"]);
    /// ```
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed.
    #[track_caller]
    pub fn call_later(
        &self,
        delay: impl Into<Delay>,
        callback: impl FnOnce() + 'static,
    ) -> TimerHandle {
        self.inner.check_closed();
        let now = Instant::now();
        let delay = delay.into().duration();
        let deadline = now.checked_add(delay).unwrap_or(now + sleep::FOREVER);
        self.inner.call_at(deadline, callback)
    }

    /// Schedules `callback` to run at `when`, a time on the loop's clock
    /// ([`time`](EventLoop::time)): asyncio's `loop.call_at(when, callback)`.
    ///
    /// A time in the past runs the callback in the next iteration. Ordering is as for
    /// [`call_later`](EventLoop::call_later).
    ///
    /// ```
    /// use coroutines::{sleep, EventLoop};
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let fired_at = Rc::new(Cell::new(0.0));
    /// let when = event_loop.time() + 0.02;
    /// let sink = fired_at.clone();
    /// let timer = event_loop.call_at(when, move || sink.set(coroutines::get_event_loop().time()));
    /// assert_eq!(timer.when(), when);
    /// event_loop.run_until_complete(sleep(0.05));
    /// assert!(fired_at.get() >= when);
    /// ```
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed.
    #[track_caller]
    pub fn call_at(&self, when: f64, callback: impl FnOnce() + 'static) -> TimerHandle {
        self.inner.check_closed();
        // `Delay`'s conversion clamps a negative or NaN time to the epoch, and a huge one to
        // "forever".
        let since_epoch = Delay::from(when).duration();
        let deadline = epoch()
            .checked_add(since_epoch)
            .unwrap_or_else(|| epoch() + sleep::FOREVER);
        let mut timer = self.inner.call_at(deadline, callback);
        timer.when = when;
        timer
    }

    /// Schedules `callback` from any thread: asyncio's `loop.call_soon_threadsafe(callback)`.
    ///
    /// An `EventLoop` cannot leave its thread, so other threads use an [`EventLoopProxy`] (from
    /// [`proxy`](EventLoop::proxy)), which has this same method; this one is for code that holds
    /// the loop. It wakes the loop if it is idle.
    ///
    /// ```
    /// use coroutines::EventLoop;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let event_loop = EventLoop::new();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let flag = ran.clone();
    /// event_loop.call_soon_threadsafe(move || flag.store(true, Ordering::SeqCst));
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// assert!(ran.load(Ordering::SeqCst));
    /// ```
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed.
    #[track_caller]
    pub fn call_soon_threadsafe(
        &self,
        callback: impl FnOnce() + Send + 'static,
    ) -> ThreadsafeHandle {
        self.proxy().call_soon_threadsafe(callback)
    }

    /// A handle to this loop that other threads can use: see [`EventLoopProxy`].
    pub fn proxy(&self) -> EventLoopProxy {
        EventLoopProxy {
            remote: Arc::clone(&self.inner.remote),
        }
    }

    /// Wraps the coroutine `coro` in a [`Task`] that the loop runs on its own: asyncio's
    /// `loop.create_task(coro)`.
    ///
    /// The task's first step is scheduled now (it runs in the loop's next iteration, or when the
    /// loop next runs); it then runs whenever it is woken, whether or not anyone awaits it. The
    /// loop owns the task until it finishes; the returned handle awaits, cancels or inspects it.
    ///
    /// As in asyncio, `create_task` takes a coroutine: a `#[coroutine]` fn's future, or any
    /// [`Stack`](crate::Stack) (a [`sleep()`], another [`Task`], a [`LoopFuture`]...), so that the
    /// task can tell where it is ([`Task::get_stack`], `Debug`, [`dump_tasks`](EventLoop::dump_tasks))
    /// and is named after the coroutine's function. Any other future (an `async` block, a
    /// foreign future) goes through [`ensure_future`](EventLoop::ensure_future). The caller's
    /// location is kept ([`Task::created_at`]).
    ///
    /// ```
    /// use coroutines::{sleep, EventLoop};
    /// use std::time::{Duration, Instant};
    ///
    /// let event_loop = EventLoop::new();
    /// let start = Instant::now();
    /// let tasks: Vec<_> = (0..3).map(|_| event_loop.create_task(sleep(0.05))).collect();
    /// for task in tasks {
    ///     event_loop.run_until_complete(task);
    /// }
    /// // The three sleeps overlapped.
    /// assert!(start.elapsed() < Duration::from_millis(150));
    /// ```
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed.
    #[track_caller]
    pub fn create_task<F>(&self, coro: F) -> Task<F::Output>
    where
        F: Future + crate::Stack + 'static,
        F::Output: 'static,
    {
        self.spawn::<F, task::FromStack>(coro, panic::Location::caller())
    }

    /// Wraps any future in a [`Task`] that the loop runs on its own: asyncio's
    /// `asyncio.ensure_future(obj, loop=loop)`.
    ///
    /// The same as [`create_task`](EventLoop::create_task), for futures that are not
    /// coroutines (an `async` block, a tokio or `futures` future): the task cannot see inside
    /// them, so its [stack](Task::get_stack) is one [`Frame::Foreign`]
    /// with the future's type, and its default name is `Task-N`.
    ///
    /// ```
    /// use coroutines::{EventLoop, Frame};
    ///
    /// let event_loop = EventLoop::new();
    /// let task = event_loop.ensure_future(async { 7 });
    /// assert!(matches!(task.get_stack()[..], [Frame::Foreign { .. }]));
    /// assert_eq!(event_loop.run_until_complete(task), 7);
    /// ```
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed.
    #[track_caller]
    pub fn ensure_future<F>(&self, future: F) -> Task<F::Output>
    where
        F: IntoFuture + 'static,
        F::IntoFuture: 'static,
        F::Output: 'static,
    {
        self.spawn::<F::IntoFuture, task::FromTypeName>(
            future.into_future(),
            panic::Location::caller(),
        )
    }

    fn spawn<F, K>(
        &self,
        future: F,
        created_at: &'static panic::Location<'static>,
    ) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
        K: task::FrameSource<F> + 'static,
    {
        self.inner.check_closed();
        let key = TaskKey {
            id: self.inner.new_task_id(),
            slot: self.inner.tasks.borrow_mut().reserve(),
        };
        let id = key.id;
        let (handle, task) =
            task::new_task::<F, K>(key, Arc::clone(&self.inner.remote), future, created_at);
        self.inner.trace(|recorder| {
            let header = task.header();
            recorder.task_created(id, header.name(), header.top(), K::COROUTINE);
        });
        self.inner.tasks.borrow_mut().insert(key, task);
        // A new task is marked scheduled (`new_task`): its first step.
        self.inner.ready.borrow_mut().push_back(Ready::Step(key));
        handle
    }

    /// Turns debug mode on or off: asyncio's `loop.set_debug(enabled)`.
    ///
    /// A loop starts in debug mode when the environment variable `COROUTINES_DEBUG` is set to
    /// anything but the empty string when it is created (asyncio's `PYTHONASYNCIODEBUG`):
    /// `COROUTINES_DEBUG=1 cargo run`. In debug mode:
    ///
    /// - a task step or a callback that holds the loop for
    ///   [`slow_callback_duration`](EventLoop::slow_callback_duration) (100 ms by default) or
    ///   more is reported to the [exception handler](EventLoop::set_exception_handler) as
    ///   asyncio's "Executing <Task ...> took 0.150 seconds", naming the suspension site the
    ///   task was resumed from ([`ExceptionContext::stack`] holds the frames, read before the
    ///   step) and where the task was created (or the callback scheduled);
    /// - a task's `Debug` ends with `created at file.rs:line:column`.
    ///
    /// Reports of tasks destroyed while pending and of task panics never retrieved name where the
    /// task was created in either mode: keeping the location costs nothing. Outside debug mode
    /// the loop reads no clock and no stack around steps.
    ///
    /// ```
    /// use coroutines::EventLoop;
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use std::time::Duration;
    ///
    /// #[coroutines::coroutine]
    /// fn busy() {
    ///     yield_from!(coroutines::sleep(0));
    ///     std::thread::sleep(Duration::from_millis(20)); // blocks the loop
    /// }
    ///
    /// let event_loop = EventLoop::new();
    /// event_loop.set_debug(true);
    /// event_loop.set_slow_callback_duration(Duration::from_millis(10));
    /// let reports = Rc::new(RefCell::new(Vec::new()));
    /// let sink = reports.clone();
    /// event_loop.set_exception_handler(move |_, context| {
    ///     sink.borrow_mut().push(context.message().to_owned());
    /// });
    /// event_loop.run_until_complete(event_loop.create_task(busy()));
    /// let reports = reports.borrow();
    /// assert_eq!(reports.len(), 1, "{reports:?}");
    /// assert!(reports[0].starts_with("Executing <Task finished name='busy'"), "{reports:?}");
    /// assert!(reports[0].contains("(resumed from "), "{reports:?}");
    /// ```
    pub fn set_debug(&self, enabled: bool) {
        self.inner.debug.set(enabled);
    }

    /// Whether the loop is in debug mode: asyncio's `loop.get_debug()`. See
    /// [`set_debug`](EventLoop::set_debug).
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// event_loop.set_debug(true);
    /// assert!(event_loop.get_debug());
    /// ```
    pub fn get_debug(&self) -> bool {
        self.inner.debug.get()
    }

    /// How long a step or callback may hold the loop before debug mode reports it: asyncio's
    /// `loop.slow_callback_duration`, 100 ms by default.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let event_loop = coroutines::EventLoop::new();
    /// assert_eq!(event_loop.slow_callback_duration(), Duration::from_millis(100));
    /// ```
    pub fn slow_callback_duration(&self) -> Duration {
        self.inner.slow_callback_duration.get()
    }

    /// Sets [`slow_callback_duration`](EventLoop::slow_callback_duration).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let event_loop = coroutines::EventLoop::new();
    /// event_loop.set_slow_callback_duration(Duration::from_millis(10));
    /// assert_eq!(event_loop.slow_callback_duration(), Duration::from_millis(10));
    /// ```
    pub fn set_slow_callback_duration(&self, duration: Duration) {
        self.inner.slow_callback_duration.set(duration);
    }

    /// The tasks of this loop that are not done, in creation order: asyncio's
    /// `asyncio.all_tasks(loop)`.
    ///
    /// These are the tasks made by [`create_task`](EventLoop::create_task) and
    /// [`ensure_future`](EventLoop::ensure_future). The future given to
    /// [`run_until_complete`](EventLoop::run_until_complete) is not among them: it lives on that
    /// call's stack, not in the loop (so that it may borrow); [`dump_tasks`](EventLoop::dump_tasks)
    /// shows it all the same.
    ///
    /// ```
    /// use coroutines::EventLoop;
    ///
    /// let event_loop = EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(3600));
    /// assert_eq!(event_loop.all_tasks(), [task.handle()]);
    /// task.cancel();
    /// assert!(event_loop.all_tasks().is_empty());
    /// ```
    pub fn all_tasks(&self) -> Vec<TaskHandle> {
        let tasks = self.inner.tasks.borrow().sorted();
        tasks.iter().map(TaskHandle::from_task).collect()
    }

    /// Writes the stack of every pending task into `out`, polling nothing: the task dump that
    /// answers "where is my task stuck?".
    ///
    /// The main task of a [`run_until_complete`](EventLoop::run_until_complete) in progress
    /// comes first; it can be any future, so it shows as one frame, its type (give it a task,
    /// `run_until_complete(create_task(main()))`, to see its lines; a main future that is a
    /// [`Task`] is not listed twice). Then every task of
    /// [`all_tasks`](EventLoop::all_tasks), as [`Task::print_stack`] prints it:
    ///
    /// ```text
    /// Stack for <Task pending name='worker' coro=<worker() suspended at examples/stuck_task.rs:20:5> wait_for=<coroutine_runtime::event_loop::loop_future::LoopFuture<u32>>> (most recent call last):
    ///   worker() suspended at examples/stuck_task.rs:20:5
    ///   <coroutine_runtime::event_loop::loop_future::LoopFuture<u32>>
    /// ```
    ///
    /// Called from a task, that task shows as running. See the README's "Finding a stuck task".
    ///
    /// ```
    /// use coroutines::EventLoop;
    ///
    /// #[coroutines::coroutine]
    /// fn stuck(never: coroutines::LoopFuture<u32>) -> u32 {
    ///     yield_from!(never)
    /// }
    ///
    /// let event_loop = EventLoop::new();
    /// let _task = event_loop.create_task(stuck(event_loop.create_future()));
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// let mut dump = Vec::new();
    /// event_loop.dump_tasks(&mut dump).unwrap();
    /// let dump = String::from_utf8(dump).unwrap();
    /// assert!(dump.contains(&format!("  stuck() suspended at {}:", file!())), "{dump}");
    /// # event_loop.close();
    /// ```
    pub fn dump_tasks(&self, out: &mut impl io::Write) -> io::Result<()> {
        // A main future that is a task handle adds nothing: its task is listed below.
        let is_task_handle = |type_name: &str| {
            [
                generic_prefix(std::any::type_name::<Task<()>>()),
                generic_prefix(std::any::type_name::<Join<()>>()),
            ]
            .iter()
            .any(|handle| type_name.starts_with(handle))
        };
        if let Some((id, type_name)) = self
            .inner
            .main_task
            .get()
            .filter(|(_, type_name)| !is_task_handle(type_name))
        {
            let frame = Frame::Foreign { type_name };
            writeln!(
                out,
                "Stack for {} (most recent call last):",
                main_repr(id, frame, false)
            )?;
            if self.inner.main_busy.get() {
                writeln!(out, "  {} running", main_name(id, type_name))?;
            } else {
                writeln!(out, "  {frame}")?;
            }
        }
        for task in self.all_tasks() {
            task.write_stack(out)?;
        }
        Ok(())
    }

    /// [`dump_tasks`](EventLoop::dump_tasks) to stderr.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let task = event_loop.create_task(coroutines::sleep(3600));
    /// event_loop.print_tasks();
    /// # task.cancel();
    /// ```
    pub fn print_tasks(&self) {
        let _ = self.dump_tasks(&mut io::stderr().lock());
    }

    /// Starts recording a [`Trace`] of this loop's run: trace mode.
    ///
    /// From now on the loop notes what it does with the tasks created from now on (by
    /// [`create_task`](EventLoop::create_task) or [`ensure_future`](EventLoop::ensure_future)):
    /// each step, the calls and returns seen by comparing the task's frames before and after it,
    /// the timers their `sleep`s register and the loop fires, the wakers that wake them, their
    /// end. [`take_trace`](EventLoop::take_trace) stops and hands the recording over. Starting
    /// again discards what was recorded. When no trace runs, the loop only checks one flag.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// event_loop.start_trace();
    /// event_loop.run_until_complete(event_loop.create_task(coroutines::sleep(0)));
    /// let trace = event_loop.take_trace().unwrap();
    /// assert!(trace.to_string().starts_with("Event loop -> Task Task-0: create_task(sleep())\n"), "{trace}");
    /// ```
    pub fn start_trace(&self) {
        *self.inner.recorder.borrow_mut() = Some(trace::Recorder::default());
        self.inner.tracing.set(true);
    }

    /// Stops recording and returns the [`Trace`], or `None` if no trace was started.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// assert!(event_loop.take_trace().is_none());
    /// ```
    pub fn take_trace(&self) -> Option<Trace> {
        self.inner.tracing.set(false);
        let recorder = self.inner.recorder.borrow_mut().take();
        recorder.map(trace::Recorder::finish)
    }

    /// A pending [`LoopFuture`] of this loop: asyncio's `loop.create_future()`.
    ///
    /// ```
    /// let event_loop = coroutines::EventLoop::new();
    /// let future = event_loop.create_future::<u32>();
    /// assert!(!future.done());
    /// ```
    pub fn create_future<T: 'static>(&self) -> LoopFuture<T> {
        LoopFuture::with_loop(self)
    }

    /// Makes `handler` the loop's exception handler: asyncio's `loop.set_exception_handler`.
    ///
    /// The loop calls it with what it cannot raise anywhere (see [`ExceptionContext`]): panics
    /// in callbacks, task panics nobody retrieved, tasks destroyed while pending. Until one is
    /// set, and after [`reset_exception_handler`](EventLoop::reset_exception_handler), the
    /// [default handler](EventLoop::default_exception_handler) prints to stderr. A panic in the
    /// handler is caught and printed along with the context.
    ///
    /// ```
    /// use coroutines::EventLoop;
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let event_loop = EventLoop::new();
    /// let reports = Rc::new(RefCell::new(Vec::new()));
    /// let sink = reports.clone();
    /// event_loop.set_exception_handler(move |_, context| {
    ///     sink.borrow_mut().push(context.message().to_owned());
    /// });
    /// event_loop.call_soon(|| panic!("oops"));
    /// event_loop.run_until_complete(coroutines::sleep(0));
    /// assert_eq!(*reports.borrow(), ["Exception in callback"]);
    /// ```
    pub fn set_exception_handler(&self, handler: impl Fn(&EventLoop, &ExceptionContext) + 'static) {
        *self.inner.exception_handler.borrow_mut() = Some(Rc::new(handler));
    }

    /// Goes back to the default exception handler: asyncio's `loop.set_exception_handler(None)`.
    pub fn reset_exception_handler(&self) {
        let previous = self.inner.exception_handler.borrow_mut().take();
        drop(previous);
    }

    /// Reports `context` to the loop's exception handler: asyncio's
    /// `loop.call_exception_handler(context)`.
    ///
    /// ```
    /// use coroutines::{EventLoop, ExceptionContext};
    ///
    /// let event_loop = EventLoop::new();
    /// event_loop.set_exception_handler(|_, context| assert_eq!(context.message(), "custom"));
    /// event_loop.call_exception_handler(&ExceptionContext::new("custom"));
    /// ```
    pub fn call_exception_handler(&self, context: &ExceptionContext) {
        // Cloned out of the cell: the handler may replace itself.
        let handler = self.inner.exception_handler.borrow().clone();
        let Some(handler) = handler else {
            self.default_exception_handler(context);
            return;
        };
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| handler(self, context))) {
            exception::print_default(
                &ExceptionContext::new("Unhandled error in exception handler").with_panic(payload),
            );
            exception::print_default(context);
        }
    }

    /// The default exception handler: prints the context to stderr (asyncio logs it).
    /// A custom handler can call it to keep that output.
    pub fn default_exception_handler(&self, context: &ExceptionContext) {
        exception::print_default(context);
    }
}

impl Default for EventLoop {
    /// [`EventLoop::new`].
    fn default() -> Self {
        EventLoop::new()
    }
}

/// Two handles are equal when they are the same loop.
impl PartialEq for EventLoop {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for EventLoop {}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("id", &self.inner.id.0)
            .field("running", &self.is_running())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn id(&self) -> LoopId {
        self.id
    }

    /// Wakes `waker` at `deadline`, from this loop.
    fn add_sleep(&self, deadline: Tick, waker: Waker) -> SleepKey {
        let key = self.timers.borrow_mut().add_sleep(deadline, waker);
        self.trace(|recorder| {
            recorder.timer_added(key.trace_id(), Tick::now().until(deadline));
        });
        key
    }

    /// Makes the pending `sleep` timer `key` wake `waker`; false if it is not pending.
    fn set_sleep_waker(&self, key: SleepKey, waker: &Waker) -> bool {
        let replaced = self.timers.borrow_mut().set_sleep_waker(key, waker);
        // Dropped once the timers are no longer borrowed: a waker's drop is foreign code.
        replaced.is_ok()
    }

    /// Cancels the `sleep` timer `key`, if it is pending.
    fn cancel_sleep(&self, key: SleepKey) {
        let waker = self.timers.borrow_mut().cancel_sleep(key);
        // Outside the borrow: a waker's drop is foreign code.
        drop(waker);
    }

    /// Whether the `sleep` timer `key` fired (or is otherwise no longer pending). A closed loop
    /// has let go of its timers without firing them: it cannot tell, and says no (the `Sleep`
    /// then reads the clock).
    fn sleep_done(&self, key: SleepKey) -> bool {
        self.state.get() != State::Closed && !self.timers.borrow().sleep_pending(key)
    }

    #[track_caller]
    fn call_at(&self, deadline: Instant, callback: impl FnOnce() + 'static) -> TimerHandle {
        let callback = handle::callback(callback);
        self.timers
            .borrow_mut()
            .push_call(Tick::of(deadline), Rc::clone(&callback));
        TimerHandle {
            handle: Handle { callback },
            when: deadline.saturating_duration_since(epoch()).as_secs_f64(),
        }
    }

    /// Schedules a callback the loop itself owes someone (a done callback). Unlike the public
    /// `call_soon`, a closed loop drops it silently: this is called from drops and completions,
    /// which must not panic.
    fn call_soon_internal(&self, callback: Rc<dyn Callback>) {
        if self.state.get() == State::Closed {
            drop(callback);
            return;
        }
        self.push_call(callback);
    }

    /// Queues `callback` behind what is ready.
    fn push_call(&self, callback: Rc<dyn Callback>) {
        // Both borrowed before either is pushed: the two queues never disagree.
        let mut ready = self.ready.borrow_mut();
        self.calls.borrow_mut().push_back(callback);
        ready.push_back(Ready::Call);
    }

    fn schedule_done_callback(&self, task: &TaskRef, callback: task::DoneCallback) {
        let task = TaskHandle::from_task(task);
        self.call_soon_internal(handle::callback(move || callback(&task)));
    }

    /// Empties the task table, in creation order.
    fn take_tasks(&self) -> Vec<TaskRef> {
        self.tasks.borrow_mut().take_sorted()
    }

    #[track_caller]
    fn check_closed(&self) {
        if self.state.get() == State::Closed {
            panic!("Event loop is closed");
        }
    }

    fn new_task_id(&self) -> TaskId {
        let id = self.next_task.get();
        self.next_task.set(id + 1);
        TaskId(id)
    }

    /// Queues the first step of the main task (asyncio: `Task.__init__` does
    /// `call_soon(self._step)`).
    fn schedule(&self, task: &dyn Step) {
        self.main_scheduled.set(true);
        self.ready
            .borrow_mut()
            .push_back(Ready::Step(task.waker().key()));
    }

    /// Wakes `task`, one of this loop's, from the loop's thread: [`TaskWaker::wake`] for code
    /// that knows the task by its key rather than by its waker.
    fn wake_task(&self, task: TaskKey) {
        if !self.schedule_step(task) {
            self.remote.wake_by_mail(task);
        }
    }

    /// Queues a step of `task` for a wake on the loop's thread, unless one is queued already.
    /// Returns false if it cannot (the ready queue or the table is borrowed, or the loop is
    /// closed): the caller then goes through the mailbox.
    fn schedule_step(&self, task: TaskKey) -> bool {
        // `try_borrow`: a waker can be called from anywhere, even from code running while the
        // queue is borrowed; the mailbox is always a correct fallback.
        let Ok(mut ready) = self.ready.try_borrow_mut() else {
            return false;
        };
        if self.state.get() == State::Closed {
            return false;
        }
        let task_id = task.id;
        let fresh = if task.slot == TaskKey::NO_SLOT {
            // A main task's waker may outlive its run: only the current one is stepped.
            match self.main_task.get() {
                Some((main_id, _)) if main_id == task_id => !self.main_scheduled.replace(true),
                _ => return true,
            }
        } else {
            let Ok(tasks) = self.tasks.try_borrow() else {
                return false;
            };
            match tasks.get(task) {
                Some(found) => found.header().mark_scheduled_here(),
                // Finished: nothing left to step.
                None => return true,
            }
        };
        if fresh {
            ready.push_back(Ready::Step(task));
            drop(ready);
            self.trace(|recorder| recorder.woken(task_id));
        }
        true
    }

    /// asyncio's `run_forever`: iterates until `stopping` is set, at least once (a loop stopped
    /// before it starts runs one iteration). The main task finishing sets it too.
    fn run<'m>(self: &Rc<Self>, mut main: Option<&mut (dyn Step + 'm)>) {
        loop {
            self.run_once(main.as_deref_mut());
            if self.stopping.get() {
                break;
            }
        }
    }

    fn run_once<'m>(self: &Rc<Self>, mut main: Option<&mut (dyn Step + 'm)>) {
        self.remote.drain_into(&self.ready);

        if self.ready.borrow().is_empty() && !self.stopping.get() {
            let deadline = self.timers.borrow_mut().next_deadline();
            // `None`: nothing is ready and no timer is pending. Only a waker (or another thread's
            // callback) can end the wait; if none ever comes, the program is deadlocked, and
            // blocking (rather than spinning) is the right way to be deadlocked.
            let timeout = deadline.map(|deadline| Tick::now().until(deadline));
            match timeout {
                Some(timeout) if timeout.is_zero() => {}
                // Too close to park: a wait this short would end a whole timer slack late.
                Some(timeout) if timeout <= TIMER_SLACK => thread::yield_now(),
                _ => {
                    self.trace(|recorder| recorder.idle(timeout.is_some()));
                    // Asked to end one slack early, the wait ends when the timer is due (the
                    // kernel fires it at the end of its slack), or early, and the loop then
                    // yields until it is due, as above.
                    self.remote
                        .wait(timeout.map(|timeout| timeout - TIMER_SLACK));
                    self.remote.drain_into(&self.ready);
                }
            }
        }

        // No timers, no clock: a loop that only passes tasks around reads none.
        let now = (!self.timers.borrow().is_empty()).then(Tick::now);
        while let Some(now) = now {
            // One at a time, so that the heap is not borrowed while a waker runs.
            let Some(timer) = self.timers.borrow_mut().pop_expired(now) else {
                break;
            };
            match timer {
                // Woken with the timers no longer borrowed: `wake` runs foreign code, which may
                // poll the `Sleep` right away.
                LoopTimer::Wake(key, waker) => {
                    if self.tracing.get() {
                        self.trace(|recorder| recorder.timer_fires(key.trace_id()));
                        waker.wake();
                        self.trace(trace::Recorder::timer_fired_end);
                    } else {
                        waker.wake();
                    }
                }
                LoopTimer::Call(callback) => {
                    self.push_call(callback);
                }
            }
        }
        // Wakes from timers fired just now came in through the mailbox if their waker was not
        // ours (it might, say, be a combinator's waker that forwards to ours from another thread).
        self.remote.drain_into(&self.ready);

        let ntodo = self.ready.borrow().len();
        // Read once, not through the trait object at every step.
        let main_id = main.as_deref().map(Step::id);
        for _ in 0..ntodo {
            let Some(entry) = self.ready.borrow_mut().pop_front() else {
                break;
            };
            match entry {
                Ready::Step(key) => match main.as_deref_mut() {
                    Some(main) if main_id == Some(key.id) => {
                        let id = key.id;
                        self.main_scheduled.set(false);
                        self.main_busy.set(true);
                        let start = self.debug.get().then(Instant::now);
                        let finished = main.step();
                        self.main_busy.set(false);
                        if let Some(start) = start {
                            let took = start.elapsed();
                            if took >= self.slow_callback_duration.get() {
                                let frame = Frame::Foreign {
                                    type_name: main.type_name(),
                                };
                                let what = main_repr(id, frame, finished);
                                self.report_slow(&what, took, vec![frame], None);
                            }
                        }
                        if finished {
                            self.stopping.set(true);
                        }
                    }
                    _ => self.step_task(key),
                },
                Ready::Call => {
                    let callback = self.calls.borrow_mut().pop_front();
                    let callback = callback.expect("a queued call has its callback");
                    let scheduled_at = callback.scheduled_at();
                    self.run_callback(Some(scheduled_at), || callback.run());
                }
                Ready::Threadsafe(call) => self.run_callback(None, || call.run()),
                Ready::CancelSleep(key) => self.cancel_sleep(key),
            }
        }
    }

    fn step_task(self: &Rc<Self>, key: TaskKey) {
        // Cloned out of the table: the step runs user code, which may create or cancel tasks.
        let task = self.tasks.borrow().get(key).cloned();
        let Some(task) = task else {
            return;
        };
        let id = key.id;
        let tracing = self.tracing.get();
        if tracing {
            self.trace(|recorder| recorder.step_begins(id));
        }
        if self.debug.get() {
            self.step_task_debug(&task);
        } else {
            task::step(&task);
        }
        if tracing {
            let after = (!task.header().done()).then(|| task::stack_of(&*task));
            self.trace(|recorder| recorder.step_ends(id, after));
        }
    }

    fn step_task_debug(self: &Rc<Self>, task: &TaskRef) {
        // Where the step starts from, read before it runs (it is gone after).
        let resumed_from = task::stack_of(&**task);
        let start = Instant::now();
        task::step(task);
        let took = start.elapsed();
        if took >= self.slow_callback_duration.get() {
            let header = task.header();
            self.report_slow(
                &task::repr(&**task),
                took,
                resumed_from,
                Some(header.created_at()),
            );
        }
    }

    /// Runs `f` on the trace recorder, if a trace is being recorded.
    fn trace(&self, f: impl FnOnce(&mut trace::Recorder)) {
        if !self.tracing.get() {
            return;
        }
        if let Ok(mut recorder) = self.recorder.try_borrow_mut() {
            if let Some(recorder) = recorder.as_mut() {
                f(recorder);
            }
        }
    }

    /// Debug mode's report of a step or callback that held the loop too long: asyncio's
    /// "Executing <Task ...> took 0.150 seconds" warning, through the exception handler.
    fn report_slow(
        self: &Rc<Self>,
        what: &str,
        took: Duration,
        resumed_from: Vec<Frame>,
        created_at: Option<&'static panic::Location<'static>>,
    ) {
        let mut message = format!("Executing {what} took {:.3} seconds", took.as_secs_f64());
        if let Some(Frame::Coroutine { .. }) = resumed_from.first() {
            let site = resumed_from.iter().rev().find_map(|frame| match frame {
                Frame::Coroutine {
                    state: FrameState::Suspended(location),
                    ..
                } => Some(location.to_string()),
                _ => None,
            });
            if let Some(site) = site {
                message.push_str(&format!(" (resumed from {site})"));
            }
        }
        let mut context = ExceptionContext::new(message).with_stack(resumed_from);
        if let Some(at) = created_at {
            context = context.with_created_at(at);
        }
        EventLoop {
            inner: Rc::clone(self),
        }
        .call_exception_handler(&context);
    }

    /// Runs a callback; a panic is reported, as asyncio logs an exception raised by a callback,
    /// and the loop carries on.
    fn run_callback(
        self: &Rc<Self>,
        scheduled_at: Option<&'static panic::Location<'static>>,
        callback: impl FnOnce(),
    ) {
        let start = self.debug.get().then(Instant::now);
        let outcome = panic::catch_unwind(AssertUnwindSafe(callback));
        if let Some(start) = start {
            let took = start.elapsed();
            if took >= self.slow_callback_duration.get() {
                let what = match scheduled_at {
                    Some(at) => format!("<Handle scheduled at {at}>"),
                    None => "<Handle from another thread>".to_owned(),
                };
                self.report_slow(&what, took, Vec::new(), scheduled_at);
            }
        }
        if let Err(payload) = outcome {
            let event_loop = EventLoop {
                inner: Rc::clone(self),
            };
            event_loop.call_exception_handler(
                &ExceptionContext::new("Exception in callback").with_panic(payload),
            );
        }
    }
}

impl Drop for Inner {
    /// The last handle to a loop that was never closed: its pending tasks are destroyed as
    /// `close` would, reported with the default handler (the loop's own handler needs the loop,
    /// which is gone).
    fn drop(&mut self) {
        // First: from here on the tasks' `Header::event_loop` gives `None`, as upgrading a
        // `Weak` would.
        self.remote.detach();
        self.remote.close();
        let tasks = self.tasks.get_mut().take_sorted();
        for task in tasks {
            task::destroy(&task, |context| exception::print_default(&context));
        }
    }
}

/// The name the main task of `run_until_complete` goes by: its coroutine's function when the
/// type name shows one (a `#[coroutine]` fn's future is a closure inside that fn), else `Task-N`.
/// Only for display: type names are not a stable format.
fn main_name(id: TaskId, type_name: &str) -> String {
    let coroutine = generic_prefix(std::any::type_name::<crate::CoroutineFuture<()>>());
    type_name
        .strip_prefix(coroutine)
        .and_then(|rest| rest.find("::{{closure}}").map(|end| &rest[..end]))
        .and_then(|path| path.rsplit("::").next())
        .filter(|name| !name.is_empty() && !name.contains(['<', '>', '{']))
        .map_or_else(|| format!("Task-{}", id.0), str::to_owned)
}

/// How the type name of every instance of a generic type starts, from the name of its instance
/// for `()`: `a::B<` from `a::B<()>`.
fn generic_prefix(instance: &'static str) -> &'static str {
    instance.strip_suffix("()>").unwrap_or(instance)
}

/// asyncio's repr of the main task of `run_until_complete`, which has one foreign frame.
fn main_repr(id: TaskId, frame: Frame, finished: bool) -> String {
    let Frame::Foreign { type_name } = frame else {
        unreachable!("the main task is any future")
    };
    let state = if finished { "finished" } else { "pending" };
    format!(
        "<Task {state} name='{}' coro={}>",
        main_name(id, type_name),
        task::ReprFrame(frame)
    )
}

/// A task the loop can poll.
trait Step {
    fn id(&self) -> TaskId;
    /// The future's type, its one (foreign) frame: `run_until_complete` takes any future.
    fn type_name(&self) -> &'static str;
    fn waker(&self) -> &TaskWaker;
    /// Polls the task once; returns true if that finished it.
    fn step(&mut self) -> bool;
}

/// The future given to `run_until_complete`. It lives on that call's stack rather than in the
/// loop, which is what lets it borrow from the caller and be `!Send`.
struct MainTask<'a, F: Future> {
    id: TaskId,
    waker: Waker,
    /// What `waker` wakes, kept for its scheduling flag.
    task_waker: Arc<TaskWaker>,
    future: Pin<&'a mut F>,
    outcome: Option<thread::Result<F::Output>>,
}

impl<F: Future> Step for MainTask<'_, F> {
    fn id(&self) -> TaskId {
        self.id
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<F>()
    }

    fn waker(&self) -> &TaskWaker {
        &self.task_waker
    }

    fn step(&mut self) -> bool {
        if self.outcome.is_some() {
            // A wake that came in after the task finished.
            return false;
        }
        self.task_waker.begin_poll();
        let mut cx = Context::from_waker(&self.waker);
        // A panic is the task's outcome, like an exception stored in an asyncio `Task`: the loop
        // finishes its iteration and stops cleanly, then `run_until_complete` re-raises it. The
        // future is never polled again, so observing it after the unwind is not a concern.
        let poll = panic::catch_unwind(AssertUnwindSafe(|| self.future.as_mut().poll(&mut cx)));
        self.outcome = match poll {
            Ok(Poll::Pending) => return false,
            Ok(Poll::Ready(output)) => Some(Ok(output)),
            Err(panic) => Some(Err(panic)),
        };
        true
    }
}

/// Marks the loop running on this thread for the duration of a run, and undoes that however the
/// run ends, unwinding included.
struct RunGuard<'a> {
    inner: &'a Rc<Inner>,
}

impl<'a> RunGuard<'a> {
    #[track_caller]
    fn enter(inner: &'a Rc<Inner>) -> Self {
        RUNNING.with(|running| {
            // A loop run from inside another's coroutine would block the outer loop, and its
            // own timers would be confused with the outer's; asyncio forbids it since 3.7.
            if !running.get().is_null() {
                panic!("Cannot run the event loop while another loop is running");
            }
            running.set(Rc::into_raw(Rc::clone(inner)));
        });
        // `stopping` is left as it is: a `stop()` before the run makes it a single iteration.
        inner.state.set(State::Running);
        RunGuard { inner }
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.inner.state.set(State::Idle);
        self.inner.stopping.set(false);
        self.inner.main_task.set(None);
        self.inner.main_busy.set(false);
        self.inner.main_scheduled.set(false);
        let running = RUNNING.with(|running| running.replace(ptr::null()));
        // SAFETY: set by `enter` from `Rc::into_raw`; this gives its count back, once.
        drop(unsafe { Rc::from_raw(running) });
    }
}
