//! Callbacks: what `call_soon`, `call_later`, `call_at` and `call_soon_threadsafe` schedule, and
//! the handles that cancel them (asyncio's `Handle` and `TimerHandle`).

use super::timer::SleepKey;
use super::waker::Remote;
use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Waker;

/// A scheduled callback, as the loop sees it: type-erased, so the ready queue and the timer heap
/// can hold any closure, and one allocation (the `Rc`) per callback.
pub(super) trait Callback {
    /// Runs the callback unless it was cancelled. Runs it at most once.
    fn run(&self);
    /// Makes `run` do nothing; drops the closure (and so what it captured) right away, as
    /// asyncio's `Handle.cancel` drops its callback and arguments.
    fn cancel(&self);
    fn cancelled(&self) -> bool;
    /// Who scheduled it (`#[track_caller]`), for debug mode's slow-callback report.
    fn scheduled_at(&self) -> &'static Location<'static>;
}

struct CallbackCell<F> {
    cancelled: Cell<bool>,
    callback: Cell<Option<F>>,
    scheduled_at: &'static Location<'static>,
}

impl<F: FnOnce()> Callback for CallbackCell<F> {
    fn run(&self) {
        if let Some(callback) = self.callback.take() {
            callback();
        }
    }

    fn cancel(&self) {
        self.cancelled.set(true);
        // Taken out before being dropped: the closure's captures may run code that looks at this
        // handle.
        drop(self.callback.take());
    }

    fn cancelled(&self) -> bool {
        self.cancelled.get()
    }

    fn scheduled_at(&self) -> &'static Location<'static> {
        self.scheduled_at
    }
}

#[track_caller]
pub(super) fn callback(f: impl FnOnce() + 'static) -> Rc<dyn Callback> {
    Rc::new(CallbackCell {
        cancelled: Cell::new(false),
        callback: Cell::new(Some(f)),
        scheduled_at: Location::caller(),
    })
}

/// A callback scheduled with [`EventLoop::call_soon`](super::EventLoop::call_soon): asyncio's
/// `Handle`. Cancelling it before it runs keeps it from running.
///
/// Clones refer to the same callback.
///
/// ```
/// use coroutines::EventLoop;
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let event_loop = EventLoop::new();
/// let ran = Rc::new(Cell::new(0));
/// let (first, second) = (ran.clone(), ran.clone());
/// event_loop.call_soon(move || first.set(first.get() + 1));
/// let handle = event_loop.call_soon(move || second.set(second.get() + 10));
/// handle.cancel();
/// assert!(handle.cancelled());
/// event_loop.run_until_complete(coroutines::sleep(0));
/// assert_eq!(ran.get(), 1);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(super) callback: Rc<dyn Callback>,
}

impl Handle {
    /// Keeps the callback from running, if it has not run yet, and drops it (with whatever it
    /// captured). Cancelling twice, or after the callback ran, does nothing.
    pub fn cancel(&self) {
        self.callback.cancel();
    }

    /// Whether [`cancel`](Handle::cancel) was called.
    pub fn cancelled(&self) -> bool {
        self.callback.cancelled()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("cancelled", &self.cancelled())
            .finish_non_exhaustive()
    }
}

/// A callback scheduled for a time with [`EventLoop::call_later`](super::EventLoop::call_later)
/// or [`EventLoop::call_at`](super::EventLoop::call_at): asyncio's `TimerHandle`.
///
/// ```
/// use coroutines::EventLoop;
///
/// let event_loop = EventLoop::new();
/// let timer = event_loop.call_later(3600.0, || unreachable!("cancelled long before"));
/// assert!(timer.when() >= event_loop.time() + 3599.0);
/// timer.cancel();
/// assert!(timer.cancelled());
/// // The cancelled timer does not keep the loop waiting for it.
/// event_loop.run_until_complete(coroutines::sleep(0.01));
/// ```
#[derive(Clone)]
pub struct TimerHandle {
    pub(super) handle: Handle,
    pub(super) when: f64,
}

impl TimerHandle {
    /// Keeps the callback from running, if it has not run yet, and drops it. The loop forgets the
    /// timer: an idle loop does not wake up for it.
    pub fn cancel(&self) {
        self.handle.cancel();
    }

    /// Whether [`cancel`](TimerHandle::cancel) was called.
    pub fn cancelled(&self) -> bool {
        self.handle.cancelled()
    }

    /// When the callback is due, on the loop's clock ([`EventLoop::time`](super::EventLoop::time)).
    pub fn when(&self) -> f64 {
        self.when
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.when)
            .field("cancelled", &self.cancelled())
            .finish_non_exhaustive()
    }
}

/// A timer of the loop that is due: a task's wake-up (from [`sleep`](super::sleep())) or a
/// callback.
pub(super) enum LoopTimer {
    /// Wake this waker, taken out of the timer `SleepKey`, which has fired.
    Wake(SleepKey, Waker),
    Call(Rc<dyn Callback>),
}

/// A callback sent from another thread: `Send`, behind a mutex because the handle that can cancel
/// it may be on any thread.
pub(super) struct ThreadsafeCall {
    cancelled: AtomicBool,
    callback: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl ThreadsafeCall {
    fn take(&self) -> Option<Box<dyn FnOnce() + Send>> {
        // The lock is only held to move the box in or out: never poisoned in a way that matters.
        self.callback
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(super) fn run(&self) {
        if let Some(callback) = self.take() {
            callback();
        }
    }
}

/// A callback scheduled with
/// [`EventLoopProxy::call_soon_threadsafe`]: like [`Handle`], but `Send` and `Sync`, so the thread
/// that scheduled it can cancel it.
///
/// ```
/// use coroutines::EventLoop;
///
/// let event_loop = EventLoop::new();
/// let proxy = event_loop.proxy();
/// let handle = std::thread::spawn(move || {
///     let handle = proxy.call_soon_threadsafe(|| unreachable!("cancelled before the loop ran"));
///     handle.cancel();
///     handle
/// })
/// .join()
/// .unwrap();
/// assert!(handle.cancelled());
/// event_loop.run_until_complete(coroutines::sleep(0));
/// ```
#[derive(Clone)]
pub struct ThreadsafeHandle {
    call: Arc<ThreadsafeCall>,
}

impl ThreadsafeHandle {
    /// Keeps the callback from running, if it has not started yet, and drops it.
    pub fn cancel(&self) {
        self.call.cancelled.store(true, Ordering::Release);
        drop(self.call.take());
    }

    /// Whether [`cancel`](ThreadsafeHandle::cancel) was called.
    pub fn cancelled(&self) -> bool {
        self.call.cancelled.load(Ordering::Acquire)
    }
}

impl fmt::Debug for ThreadsafeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadsafeHandle")
            .field("cancelled", &self.cancelled())
            .finish_non_exhaustive()
    }
}

/// The part of an [`EventLoop`](super::EventLoop) that other threads may use: `Send`, `Sync` and
/// `Clone`, from [`EventLoop::proxy`](super::EventLoop::proxy).
///
/// An `EventLoop` is tied to its thread; asyncio lets any thread call
/// `loop.call_soon_threadsafe(...)`, and this is the object that makes that possible in Rust. The
/// callbacks it sends run on the loop's thread, inside the loop, so they can use
/// [`get_event_loop`](super::get_event_loop) to reach it (to [`stop`](super::EventLoop::stop) it,
/// say).
///
/// ```
/// use coroutines::{get_event_loop, EventLoop};
///
/// let event_loop = EventLoop::new();
/// let proxy = event_loop.proxy();
/// let worker = std::thread::spawn(move || {
///     proxy.call_soon_threadsafe(|| get_event_loop().stop());
/// });
/// event_loop.run_forever(); // until the worker's callback stops it
/// worker.join().unwrap();
/// ```
#[derive(Clone)]
pub struct EventLoopProxy {
    pub(super) remote: Arc<Remote>,
}

impl EventLoopProxy {
    /// Schedules `callback` to run on the loop's thread, in its next iteration, waking the loop if
    /// it is idle: asyncio's `loop.call_soon_threadsafe(callback)`.
    ///
    /// Callbacks sent from one thread run in the order they were sent. A panic in the callback is
    /// caught and reported to the loop's exception handler, as asyncio does with exceptions.
    ///
    /// # Panics
    ///
    /// "Event loop is closed" if the loop was closed (or dropped).
    #[track_caller]
    pub fn call_soon_threadsafe(
        &self,
        callback: impl FnOnce() + Send + 'static,
    ) -> ThreadsafeHandle {
        let call = Arc::new(ThreadsafeCall {
            cancelled: AtomicBool::new(false),
            callback: Mutex::new(Some(Box::new(callback))),
        });
        if self.remote.call(Arc::clone(&call)).is_err() {
            panic!("Event loop is closed");
        }
        ThreadsafeHandle { call }
    }

    /// Whether the loop was closed or dropped: [`call_soon_threadsafe`](Self::call_soon_threadsafe)
    /// would panic.
    pub fn is_closed(&self) -> bool {
        self.remote.is_closed()
    }
}

impl fmt::Debug for EventLoopProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoopProxy")
            .field("loop", &self.remote.loop_id.0)
            .field("closed", &self.is_closed())
            .finish()
    }
}
