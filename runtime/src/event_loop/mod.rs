//! asyncio's event loop, single-threaded, on `std` alone.
//!
//! The loop is asyncio's `BaseEventLoop._run_once` in Rust. One iteration:
//!
//! 1. collect the tasks woken from other threads (the [`waker::Remote`] mailbox);
//! 2. if nothing is ready, block until the earliest timer is due or a waker fires;
//! 3. fire the timers that are due (which wakes, and so readies, the tasks waiting on them);
//! 4. run everything that was ready when the run step started; what becomes ready meanwhile waits
//!    for the next iteration, so that no task can starve the others by waking itself.
//!
//! The ready queue, the timer heap keyed by `(deadline, sequence)`, and tasks identified by an id
//! that their waker puts back in the queue are the skeleton the rest of asyncio hangs off:
//! `call_soon` callbacks will be another kind of ready entry, `call_later` handles another kind of
//! timer, `create_task` tasks entries of a task table next to the main task, and
//! `call_soon_threadsafe` another kind of mailbox message.

mod sleep;
mod timer;
mod timer_thread;
mod waker;

pub use sleep::{sleep, Delay, Sleep};

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::panic::{self, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Instant;
use timer::{TimerEntry, TimerHeap};
use waker::{Remote, TaskId, TaskWaker};

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
/// A loop belongs to the thread that created it, so `EventLoop` is neither `Send` nor `Sync`.
/// The coroutines it runs need not be either. The [`Waker`]s it gives them are both: a waker
/// called from another thread wakes the loop up.
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>() {}
/// assert_send::<coroutine_runtime::EventLoop>();
/// ```
///
/// Errors are panics carrying asyncio's messages: running a closed loop ("Event loop is
/// closed"), running a loop from inside itself ("This event loop is already running"), closing a
/// running loop ("Cannot close a running event loop").
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
    ready: RefCell<VecDeque<Ready>>,
    timers: RefCell<TimerHeap<Arc<TimerEntry>>>,
    remote: Arc<Remote>,
    next_task: Cell<u64>,
}

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
    Step(TaskId),
}

thread_local! {
    /// The loop `get_event_loop` returns when none is running.
    static CURRENT: RefCell<Option<EventLoop>> = const { RefCell::new(None) };
    /// The loop running on this thread, if any (at most one: see `RunGuard::enter`).
    static RUNNING: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
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
    if let Some(inner) = RUNNING.with(|running| running.borrow().clone()) {
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
    // `try_with`: a future may be polled or dropped while thread-locals are being destroyed;
    // then no loop is running.
    RUNNING
        .try_with(|running| running.borrow().as_deref().map(f))
        .ok()
        .flatten()
}

/// Appends a step of `task` to the ready queue if `loop_id` is the loop running on this thread.
/// Returns false if it is not (the caller then goes through the loop's mailbox).
fn schedule_on_running_loop(loop_id: LoopId, task: TaskId) -> bool {
    with_running_loop(|inner| {
        // `try_borrow_mut`: a waker can be called from anywhere, even from code running while the
        // queue is borrowed; the mailbox is always a correct fallback.
        let mut ready = match inner.ready.try_borrow_mut() {
            Ok(ready) if inner.id == loop_id => ready,
            _ => return false,
        };
        ready.push_back(Ready::Step(task));
        true
    })
    .unwrap_or(false)
}

/// The clock of every loop: seconds since this instant.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
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
        EventLoop {
            inner: Rc::new(Inner {
                id,
                state: Cell::new(State::Idle),
                stopping: Cell::new(false),
                ready: RefCell::default(),
                timers: RefCell::new(TimerHeap::new()),
                remote: Arc::new(Remote::new(id)),
                next_task: Cell::new(0),
            }),
        }
    }

    /// Runs `future` until it completes and returns its output: asyncio's
    /// `loop.run_until_complete(future)`.
    ///
    /// The future becomes the loop's main task. The loop runs until that task finishes, then
    /// returns; whatever else it had scheduled stays scheduled for the next run. The future need
    /// not be `Send` or `'static`: it may borrow from the caller.
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
        let task_waker = Arc::new(TaskWaker::new(id, Arc::clone(&self.inner.remote)));
        let mut main = MainTask {
            id,
            waker: Waker::from(Arc::clone(&task_waker)),
            task_waker,
            future: pin!(future.into_future()),
            outcome: None,
        };
        {
            let _running = RunGuard::enter(&self.inner);
            self.inner.schedule(&main);
            self.inner.run(&mut main);
        }
        match main.outcome {
            Some(Ok(output)) => output,
            Some(Err(panic)) => panic::resume_unwind(panic),
            // Only `stop()` can end a run before the main task; that is asyncio's message for it.
            None => panic!("Event loop stopped before Future completed."),
        }
    }

    /// Closes the loop: asyncio's `loop.close()`.
    ///
    /// Everything still scheduled is dropped, and the loop can no longer run. Closing a closed
    /// loop does nothing.
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
                // Taken out before being dropped: dropping a waker or a timer runs foreign code,
                // which must not find the queues borrowed.
                let ready = self.inner.ready.take();
                let timers = self.inner.timers.replace(TimerHeap::new());
                self.inner.remote.clear();
                drop((ready, timers));
            }
        }
    }

    /// Whether [`close`](EventLoop::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state.get() == State::Closed
    }

    /// Whether the loop is running, which is to say whether this is called from inside one of its
    /// coroutines.
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
    /// the clock timers run on; only differences between readings mean anything.
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

    /// Wakes `entry` at `deadline`, from this loop.
    fn add_timer(&self, deadline: Instant, entry: Arc<TimerEntry>) {
        // The returned "now first" flag is for threads that sleep on their heap; this loop
        // recomputes its timeout every iteration, and it is not sleeping while a task polls.
        self.timers.borrow_mut().push(deadline, entry);
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

    /// Queues the first step of a new task (asyncio: `Task.__init__` does `call_soon(self._step)`).
    fn schedule(&self, task: &dyn Step) {
        if task.waker().mark_scheduled() {
            self.ready.borrow_mut().push_back(Ready::Step(task.id()));
        }
    }

    /// asyncio's `run_forever`: iterates until `stopping` is set. For now the only thing that sets
    /// it is the main task finishing.
    fn run(&self, main: &mut dyn Step) {
        while !self.stopping.get() {
            self.run_once(main);
        }
    }

    fn run_once(&self, main: &mut dyn Step) {
        self.take_mail(self.remote.take());

        if self.ready.borrow().is_empty() && !self.stopping.get() {
            let deadline = self.timers.borrow_mut().next_deadline();
            // `None`: nothing is ready and no timer is pending. Only a waker can end the wait;
            // if none ever fires, the program is deadlocked, and blocking (rather than spinning)
            // is the right way to be deadlocked.
            let timeout =
                deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            if timeout.is_none_or(|timeout| !timeout.is_zero()) {
                self.take_mail(self.remote.wait(timeout));
            }
        }

        let now = Instant::now();
        loop {
            // One at a time, so that the heap is not borrowed while a waker runs.
            let Some(entry) = self.timers.borrow_mut().pop_expired(now) else {
                break;
            };
            entry.fire();
        }
        // Wakes from timers fired just now came in through the mailbox if their waker was not
        // ours (it might, say, be a combinator's waker that forwards to ours from another thread).
        self.take_mail(self.remote.take());

        let ntodo = self.ready.borrow().len();
        for _ in 0..ntodo {
            let Some(entry) = self.ready.borrow_mut().pop_front() else {
                break;
            };
            match entry {
                Ready::Step(task) if task == main.id() => {
                    if main.step() {
                        self.stopping.set(true);
                    }
                }
                Ready::Step(_) => {}
            }
        }
    }

    fn take_mail(&self, woken: Vec<TaskId>) {
        if !woken.is_empty() {
            self.ready
                .borrow_mut()
                .extend(woken.into_iter().map(Ready::Step));
        }
    }
}

/// A task the loop can poll.
trait Step {
    fn id(&self) -> TaskId;
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
            let mut running = running.borrow_mut();
            // A loop run from inside another's coroutine would block the outer loop, and its
            // own timers would be confused with the outer's; asyncio forbids it since 3.7.
            if running.is_some() {
                panic!("Cannot run the event loop while another loop is running");
            }
            *running = Some(Rc::clone(inner));
        });
        inner.state.set(State::Running);
        inner.stopping.set(false);
        RunGuard { inner }
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.inner.state.set(State::Idle);
        self.inner.stopping.set(false);
        // `try_with`: the guard may be dropped during thread teardown (a loop run from a
        // thread-local's destructor); there is nothing left to reset then.
        let _ = RUNNING.try_with(|running| running.borrow_mut().take());
    }
}
