//! `sleep`: asyncio's `asyncio.sleep(delay)`.

use super::timer::{SleepKey, Tick, TimerEntry};
use super::waker::Remote;
use super::{timer_thread, with_local_loop, with_running_loop, LoopId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How long to [`sleep`]: a [`Duration`], or seconds as a float (`sleep(0.5)`, as in Python) or an
/// integer (`sleep(1)`).
///
/// The conversions never fail: negative and NaN delays become zero (asyncio treats a negative
/// delay as zero too), and delays too long to represent become [`Duration::MAX`], which sleeps
/// for as good as ever.
///
/// ```
/// use coroutine_runtime::Delay;
/// use std::time::Duration;
///
/// assert_eq!(Delay::from(1.5).duration(), Duration::from_millis(1500));
/// assert_eq!(Delay::from(2).duration(), Duration::from_secs(2));
/// assert_eq!(Delay::from(-1.0).duration(), Duration::ZERO);
/// assert_eq!(Delay::from(f64::NAN).duration(), Duration::ZERO);
/// assert_eq!(Delay::from(f64::INFINITY).duration(), Duration::MAX);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Delay(Duration);

impl Delay {
    /// The delay as a [`Duration`].
    pub const fn duration(self) -> Duration {
        self.0
    }
}

impl From<Duration> for Delay {
    fn from(delay: Duration) -> Self {
        Delay(delay)
    }
}

impl From<Delay> for Duration {
    fn from(delay: Delay) -> Self {
        delay.0
    }
}

/// Seconds.
impl From<f64> for Delay {
    fn from(seconds: f64) -> Self {
        Delay(match Duration::try_from_secs_f64(seconds) {
            Ok(delay) => delay,
            Err(_) if seconds > 0.0 => Duration::MAX,
            Err(_) => Duration::ZERO,
        })
    }
}

/// Seconds.
impl From<f32> for Delay {
    fn from(seconds: f32) -> Self {
        Delay::from(f64::from(seconds))
    }
}

/// Seconds.
impl From<u64> for Delay {
    fn from(seconds: u64) -> Self {
        Delay(Duration::from_secs(seconds))
    }
}

/// Seconds.
impl From<u32> for Delay {
    fn from(seconds: u32) -> Self {
        Delay::from(u64::from(seconds))
    }
}

/// Seconds; negative values mean zero.
impl From<i64> for Delay {
    fn from(seconds: i64) -> Self {
        Delay::from(u64::try_from(seconds).unwrap_or(0))
    }
}

/// Seconds; negative values mean zero. (An unsuffixed integer literal is an `i32`, so this is
/// the conversion `sleep(1)` uses.)
impl From<i32> for Delay {
    fn from(seconds: i32) -> Self {
        Delay::from(i64::from(seconds))
    }
}

/// Suspends the calling coroutine for `delay`: asyncio's `sleep(delay)`.
///
/// `delay` is a [`Duration`] or a number of seconds (see [`Delay`]). The clock starts when the
/// returned [`Sleep`] is first polled, not when `sleep` is called (in Python too, the coroutine
/// `asyncio.sleep(1)` does nothing until it is awaited). It finishes no earlier than `delay`
/// later, as measured by [`Instant`].
///
/// A zero delay does not finish at once: the first poll returns `Pending` after waking its own
/// waker, so the coroutine yields to the loop exactly once, letting everything else that is
/// ready run first. That is `asyncio.sleep(0)`, the idiom for "let others run".
///
/// `Sleep` is not tied to the coroutines event loop. Polled by a running
/// [`EventLoop`](crate::EventLoop) on its own thread, it is a timer of that loop. Polled anywhere
/// else (tokio, `futures::executor::block_on`, another thread), it is woken by a single timer
/// thread that the process starts the first time it needs it. It is `Send`, `Sync` and `Unpin`.
/// Where it waits is decided anew at every poll, so a `Sleep` started on a loop and finished
/// elsewhere (or the other way round) takes its timer along.
///
/// The one way to get this wrong is to block on a `Sleep` with another executor from inside a
/// coroutine of a running loop (say, `futures::executor::block_on(sleep(1))` in a coroutine). It
/// becomes a timer of the loop, which cannot fire it while it is blocked: the thread hangs. That
/// code would stall every other coroutine of the loop anyway: await it (`yield_from!`) instead.
///
/// ```
/// use coroutine_runtime::{sleep, EventLoop};
/// use std::time::{Duration, Instant};
///
/// let event_loop = EventLoop::new();
/// let start = Instant::now();
/// event_loop.run_until_complete(async {
///     sleep(0.01).await;
///     sleep(Duration::from_millis(10)).await;
/// });
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// ```
pub fn sleep(delay: impl Into<Delay>) -> Sleep {
    Sleep {
        state: SleepState::New(delay.into().0),
    }
}

/// Suspends the calling coroutine until `deadline`: [`sleep`] given its end rather than its
/// length, as asyncio's `loop.call_at` is `call_later` given one (tokio's `sleep_until`).
///
/// A deadline is exact where `sleep(deadline - Instant::now())` is not (the clock moves between
/// the subtraction and the first poll), and it costs no clock read: the loop compares it with the
/// time it reads once per iteration. Like `sleep(0)`, a deadline already past still yields to the
/// loop once: the timer fires at the loop's next look at its timers. Everything else is
/// [`sleep`]'s: the same [`Sleep`], cancelled by dropping it, and usable outside a loop.
///
/// ```
/// use coroutine_runtime::{sleep_until, EventLoop};
/// use std::time::{Duration, Instant};
///
/// let event_loop = EventLoop::new();
/// let deadline = Instant::now() + Duration::from_millis(20);
/// event_loop.run_until_complete(async move {
///     sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
///     // Past: yields once, then finishes.
///     sleep_until(deadline).await;
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        state: SleepState::Until(Tick::of(deadline)),
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// Dropping it before it finishes cancels its timer.
#[must_use = "futures do nothing unless awaited or polled"]
pub struct Sleep {
    state: SleepState,
}

/// Where a `Sleep` is in its life.
///
/// One enum, rather than the delay, an optional deadline and an optional timer side by side: a
/// sleeping task's block holds its `Sleep`, so every byte here is paid once per sleeping task
/// (32 bytes; the three fields took 56).
enum SleepState {
    /// Not polled yet: the clock starts at the first poll.
    New(Duration),
    /// Not polled yet, with its deadline ([`sleep_until`]).
    Until(Tick),
    /// A zero delay polled once: the next poll finishes it.
    Yielded,
    /// A timer of a loop, which owns it (see [`SleepTimers`](super::timer::SleepTimers)): the
    /// `Sleep` reaches it on the loop's thread, and cancels it from any other through the loop's
    /// mailbox.
    OnLoop {
        deadline: Tick,
        key: SleepKey,
        remote: Arc<Remote>,
    },
    /// A timer of the fallback timer thread, shared with it.
    OnTimerThread {
        deadline: Tick,
        entry: Arc<TimerEntry>,
    },
    /// Finished; polled again, it stays finished.
    Done,
}

/// Who owns a `Sleep`'s timer (for `Debug`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Owner {
    Loop(LoopId),
    TimerThread,
}

/// About thirty years: what "forever" means for a deadline, since `Instant` cannot represent
/// `now + Duration::MAX`. Far enough that no program notices, near enough that every platform's
/// `Instant` can add it.
pub(super) const FOREVER: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let deadline = match this.state {
            SleepState::New(delay) => {
                if delay.is_zero() {
                    // asyncio's `sleep(0)` is a bare `yield`: the task is rescheduled at once,
                    // behind whatever else is ready. No timer needed, and no clock (reading it
                    // was most of the cost of a yield): the next poll finishes it.
                    this.state = SleepState::Yielded;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                let now = Instant::now();
                Tick::of(now.checked_add(delay).unwrap_or_else(|| now + FOREVER))
            }
            SleepState::Until(deadline) => deadline,
            SleepState::Yielded | SleepState::Done => {
                this.state = SleepState::Done;
                return Poll::Ready(());
            }
            SleepState::OnLoop { deadline, .. } | SleepState::OnTimerThread { deadline, .. } => {
                // The clock is read only when the timer has not fired (a spurious poll, or one
                // from a new executor): a timer that fired is past its deadline.
                if this.timer_fired() {
                    // Nothing left to cancel.
                    this.state = SleepState::Done;
                    return Poll::Ready(());
                }
                if Tick::now() >= deadline {
                    this.cancel_timer();
                    return Poll::Ready(());
                }
                deadline
            }
        };
        this.register(deadline, cx.waker());
        Poll::Pending
    }
}

impl Sleep {
    /// Makes sure that the timer of whoever is polling us now will wake `waker` at `deadline`.
    ///
    /// Re-decided on every poll, not just the first: a `Sleep` can be polled by the loop once and
    /// then, after the loop stopped, by another executor (or on another thread), and a timer left
    /// with a loop that no longer runs would never fire.
    fn register(&mut self, deadline: Tick, waker: &Waker) {
        // `with_running_loop` lends us the loop only while we add the timer; firing, even of an
        // already-due timer, happens later, from the loop.
        let registered = with_running_loop(|event_loop| {
            if let SleepState::OnLoop { key, remote, .. } = &self.state {
                if remote.loop_id == event_loop.id() && event_loop.set_sleep_waker(*key, waker) {
                    return;
                }
            }
            let key = event_loop.add_sleep(deadline, waker.clone());
            let remote = Arc::clone(&event_loop.remote);
            self.replace_timer(SleepState::OnLoop {
                deadline,
                key,
                remote,
            });
        });
        if registered.is_some() {
            return;
        }
        if let SleepState::OnTimerThread { entry, .. } = &self.state {
            entry.set_waker(waker);
            return;
        }
        let entry = Arc::new(TimerEntry::new(waker.clone()));
        timer_thread::add(deadline, Arc::clone(&entry));
        self.replace_timer(SleepState::OnTimerThread { deadline, entry });
    }

    /// Whether the timer fired. Off its loop's thread, a loop's timer cannot be asked: false,
    /// and the caller reads the clock.
    fn timer_fired(&self) -> bool {
        match &self.state {
            SleepState::OnLoop { key, remote, .. } => {
                with_local_loop(remote.loop_id, |event_loop| event_loop.sleep_done(*key))
                    .unwrap_or(false)
            }
            SleepState::OnTimerThread { entry, .. } => entry.has_fired(),
            SleepState::New(_) | SleepState::Until(_) | SleepState::Yielded | SleepState::Done => {
                false
            }
        }
    }

    fn replace_timer(&mut self, waiting: SleepState) {
        self.cancel_timer();
        self.state = waiting;
    }

    /// Cancels the timer and finishes, if there is a timer (nothing happens if it fired
    /// already).
    #[inline]
    fn cancel_timer(&mut self) {
        // Most often there is none (a first registration, a `Sleep` dropped done): no call then.
        if matches!(
            self.state,
            SleepState::OnLoop { .. } | SleepState::OnTimerThread { .. }
        ) {
            self.cancel_registered_timer();
        }
    }

    fn cancel_registered_timer(&mut self) {
        match std::mem::replace(&mut self.state, SleepState::Done) {
            SleepState::OnLoop { key, remote, .. } => {
                if with_local_loop(remote.loop_id, |event_loop| event_loop.cancel_sleep(key))
                    .is_none()
                {
                    // Another thread's loop (or one that is gone, whose mailbox refuses it).
                    remote.cancel_sleep(key);
                }
            }
            SleepState::OnTimerThread { entry, .. } => entry.cancel(),
            SleepState::New(_) | SleepState::Until(_) | SleepState::Yielded | SleepState::Done => {}
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}

/// A sleep is one frame, its type, as any foreign future: implemented so that
/// `create_task(sleep(..))` is allowed, as `asyncio.sleep(..)` is a coroutine.
impl crate::Stack for Sleep {
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<crate::Frame>) {
        frames.push(crate::Frame::Foreign {
            type_name: std::any::type_name::<Sleep>(),
        });
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("Sleep");
        match &self.state {
            SleepState::New(delay) => f.field("delay", delay),
            SleepState::Until(deadline) => f.field("deadline", &deadline.instant()),
            SleepState::Yielded => f.field("delay", &Duration::ZERO),
            SleepState::OnLoop {
                deadline, remote, ..
            } => f
                .field("deadline", &deadline.instant())
                .field("timer", &Owner::Loop(remote.loop_id)),
            SleepState::OnTimerThread { deadline, .. } => f
                .field("deadline", &deadline.instant())
                .field("timer", &Owner::TimerThread),
            SleepState::Done => f.field("done", &true),
        }
        .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sleeping task's block holds its `Sleep`: this guards against growing it by accident.
    #[test]
    fn sleep_size() {
        assert_eq!(std::mem::size_of::<Sleep>(), 32);
    }
}
