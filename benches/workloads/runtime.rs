//! Single-threaded runtime workloads, each run on every contender's executor:
//!
//! - [`spawn`]: spawn `n` tasks that each yield to the loop once and finish (`sleep(0)` on our
//!   loop, the executor's own "yield now" elsewhere), and wait for all of them. Result: the
//!   sum of the task indices, added up by the tasks themselves.
//! - [`ping_pong`]: `n` round trips between two tasks. Each message carries the sender of the
//!   one-shot channel its answer must come back on, so every hop is one one-shot future
//!   completed by the other task: a round trip is two one-shots, two wake-ups, two task polls.
//!   On our loop the one-shot is the loop's own [`coroutines::LoopFuture`]; elsewhere it is the
//!   executor's own one-shot (tokio's) or `futures::channel::oneshot`. Result: the last value.
//! - [`timers`]: `n` tasks, task `i` sleeping until `start + i * spread / n` (with each
//!   runtime's sleep to a deadline: our `sleep_until`, tokio's `sleep_until`, async-io's
//!   `Timer::at`). Result: how late
//!   the last one finishes after the last deadline, and the peak heap over the baseline
//!   (measured by the bench's counting allocator).
//!
//! Contenders: `ours` (this crate's `EventLoop`), `tokio` (`current_thread` runtime and a
//! `LocalSet`), `async_executor` (`async_executor::LocalExecutor`, timers from `async-io`),
//! `local_pool` (`futures::executor::LocalPool`; timers from `async-io`).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Tasks spawned by [`spawn`].
pub const SPAWN_TASKS: u64 = 100_000;
/// Round trips of [`ping_pong`].
pub const ROUND_TRIPS: u64 = 1_000_000;
/// Concurrent timers of [`timers`].
pub const TIMERS: u64 = 100_000;
/// The timers' deadlines are spread evenly over this.
pub const TIMER_SPREAD: Duration = Duration::from_millis(50);

/// Pending once (waking itself at once), then ready: the executor-neutral "yield now"
/// (`futures_lite::future::yield_now`, `asyncio.sleep(0)`).
pub struct YieldNow(bool);

/// Yields to the executor once.
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// What [`timers`] reports.
#[derive(Clone, Copy, Debug)]
pub struct TimerRun {
    /// From the last deadline to the moment every timer task had finished.
    pub late_after_last_deadline: Duration,
    /// The largest lateness of a single timer (its wake-up time minus its deadline).
    pub worst_single_lateness: Duration,
    /// Wall time of the whole run.
    pub total: Duration,
}

/// The deadline of timer `i` of `n`.
pub fn deadline(start: Instant, i: u64, n: u64) -> Instant {
    start + TIMER_SPREAD.mul_f64(i as f64 / n as f64)
}

fn finish_timers(start: Instant, n: u64, worst: Duration) -> TimerRun {
    let end = Instant::now();
    let last = deadline(start, n.saturating_sub(1), n);
    TimerRun {
        late_after_last_deadline: end.saturating_duration_since(last),
        worst_single_lateness: worst,
        total: end - start,
    }
}

/// Records a timer's lateness in `worst`.
fn note_lateness(worst: &Cell<Duration>, deadline: Instant) {
    let late = Instant::now().saturating_duration_since(deadline);
    if late > worst.get() {
        worst.set(late);
    }
}

/// This crate: `EventLoop::create_task` of `#[coroutines::coroutine]` functions, `sleep`, and
/// the loop's own one-shot, [`coroutines::LoopFuture`].
pub mod ours {
    use super::*;
    use coroutines::{sleep, sleep_until, EventLoop, LoopFuture, Task};

    #[coroutines::coroutine]
    fn tick(sum: Rc<Cell<u64>>, i: u64) {
        yield_from!(sleep(0));
        sum.set(sum.get() + i);
    }

    #[coroutines::coroutine]
    fn spawn_all(event_loop: EventLoop, n: u64, sum: Rc<Cell<u64>>) {
        let mut tasks = Vec::with_capacity(n as usize);
        for i in 0..n {
            tasks.push(event_loop.create_task(tick(sum.clone(), i)));
        }
        for task in tasks {
            yield_from!(task);
        }
    }

    pub fn spawn(n: u64) -> u64 {
        let event_loop = EventLoop::new();
        let sum = Rc::new(Cell::new(0u64));
        event_loop.run_until_complete(spawn_all(event_loop.clone(), n, sum.clone()));
        event_loop.close();
        sum.get()
    }

    /// A ping or a pong, and the future its answer must be set on; `None` ends the game.
    struct Msg(u64, LoopFuture<Option<Msg>>);

    #[coroutines::coroutine]
    fn pong(event_loop: EventLoop, first: LoopFuture<Option<Msg>>) {
        let mut inbox = first;
        loop {
            let Some(Msg(v, reply)) = yield_from!(inbox) else {
                return;
            };
            let next = event_loop.create_future();
            reply.set_result(Some(Msg(v + 1, next.clone())));
            inbox = next;
        }
    }

    #[coroutines::coroutine]
    fn ping(
        event_loop: EventLoop,
        n: u64,
        pong_task: Task<()>,
        first: LoopFuture<Option<Msg>>,
    ) -> u64 {
        let mut to_pong = first;
        let mut last = 0;
        for i in 0..n {
            let reply = event_loop.create_future();
            to_pong.set_result(Some(Msg(i, reply.clone())));
            let Some(Msg(v, next)) = yield_from!(reply) else {
                unreachable!("pong ended early");
            };
            last = v;
            to_pong = next;
        }
        to_pong.set_result(None);
        yield_from!(pong_task);
        last
    }

    pub fn ping_pong(n: u64) -> u64 {
        let event_loop = EventLoop::new();
        let first = event_loop.create_future();
        let pong_task = event_loop.create_task(pong(event_loop.clone(), first.clone()));
        let last = event_loop.run_until_complete(ping(event_loop.clone(), n, pong_task, first));
        event_loop.close();
        last
    }

    #[coroutines::coroutine]
    fn timer(d: Instant, worst: Rc<Cell<Duration>>) {
        yield_from!(sleep_until(d));
        note_lateness(&worst, d);
    }

    #[coroutines::coroutine]
    fn all_timers(event_loop: EventLoop, start: Instant, n: u64, worst: Rc<Cell<Duration>>) {
        let mut tasks = Vec::with_capacity(n as usize);
        for i in 0..n {
            tasks.push(event_loop.create_task(timer(deadline(start, i, n), worst.clone())));
        }
        for task in tasks {
            yield_from!(task);
        }
    }

    pub fn timers(n: u64) -> TimerRun {
        let event_loop = EventLoop::new();
        let worst = Rc::new(Cell::new(Duration::ZERO));
        let start = Instant::now();
        event_loop.run_until_complete(all_timers(event_loop.clone(), start, n, worst.clone()));
        let run = finish_timers(start, n, worst.get());
        event_loop.close();
        run
    }
}

/// tokio: `current_thread` runtime, tasks on a `LocalSet`.
pub mod tokio_rt {
    use super::*;
    use tokio::sync::oneshot;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime")
    }

    pub fn spawn(n: u64) -> u64 {
        let rt = runtime();
        let local = tokio::task::LocalSet::new();
        let sum = Rc::new(Cell::new(0u64));
        local.block_on(&rt, async {
            let mut handles = Vec::with_capacity(n as usize);
            for i in 0..n {
                let sum = sum.clone();
                handles.push(tokio::task::spawn_local(async move {
                    tokio::task::yield_now().await;
                    sum.set(sum.get() + i);
                }));
            }
            for h in handles {
                h.await.expect("task");
            }
        });
        sum.get()
    }

    struct Msg(u64, oneshot::Sender<Msg>);

    pub fn ping_pong(n: u64) -> u64 {
        let rt = runtime();
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async move {
            let (to_pong, mut pong_rx) = oneshot::channel::<Msg>();
            let pong = tokio::task::spawn_local(async move {
                loop {
                    let Ok(Msg(v, reply)) = pong_rx.await else {
                        return;
                    };
                    let (tx, rx) = oneshot::channel();
                    if reply.send(Msg(v + 1, tx)).is_err() {
                        return;
                    }
                    pong_rx = rx;
                }
            });
            let mut to_pong = to_pong;
            let mut last = 0;
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                let _ = to_pong.send(Msg(i, tx));
                let Msg(v, next) = rx.await.expect("pong");
                last = v;
                to_pong = next;
            }
            drop(to_pong);
            pong.await.expect("pong task");
            last
        })
    }

    pub fn timers(n: u64) -> TimerRun {
        let rt = runtime();
        let local = tokio::task::LocalSet::new();
        let worst = Rc::new(Cell::new(Duration::ZERO));
        let start = Instant::now();
        local.block_on(&rt, async {
            let mut handles = Vec::with_capacity(n as usize);
            for i in 0..n {
                let worst = worst.clone();
                let d = deadline(start, i, n);
                handles.push(tokio::task::spawn_local(async move {
                    tokio::time::sleep_until(d.into()).await;
                    note_lateness(&worst, d);
                }));
            }
            for h in handles {
                h.await.expect("task");
            }
        });
        finish_timers(start, n, worst.get())
    }
}

/// async-executor's `LocalExecutor`, driven by `futures::executor::block_on`; timers from
/// `async-io`.
pub mod async_executor_rt {
    use super::*;
    use async_executor::LocalExecutor;
    use futures::channel::oneshot;

    pub fn spawn(n: u64) -> u64 {
        let ex = LocalExecutor::new();
        let sum = Rc::new(Cell::new(0u64));
        futures::executor::block_on(ex.run(async {
            let mut tasks = Vec::with_capacity(n as usize);
            for i in 0..n {
                let sum = sum.clone();
                tasks.push(ex.spawn(async move {
                    yield_now().await;
                    sum.set(sum.get() + i);
                }));
            }
            for t in tasks {
                t.await;
            }
        }));
        sum.get()
    }

    struct Msg(u64, oneshot::Sender<Msg>);

    pub fn ping_pong(n: u64) -> u64 {
        let ex = LocalExecutor::new();
        futures::executor::block_on(ex.run(async {
            let (to_pong, mut pong_rx) = oneshot::channel::<Msg>();
            let pong = ex.spawn(async move {
                loop {
                    let Ok(Msg(v, reply)) = pong_rx.await else {
                        return;
                    };
                    let (tx, rx) = oneshot::channel();
                    if reply.send(Msg(v + 1, tx)).is_err() {
                        return;
                    }
                    pong_rx = rx;
                }
            });
            let mut to_pong = to_pong;
            let mut last = 0;
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                let _ = to_pong.send(Msg(i, tx));
                let Msg(v, next) = rx.await.expect("pong");
                last = v;
                to_pong = next;
            }
            drop(to_pong);
            pong.await;
            last
        }))
    }

    pub fn timers(n: u64) -> TimerRun {
        let ex = LocalExecutor::new();
        let worst = Rc::new(Cell::new(Duration::ZERO));
        let start = Instant::now();
        futures::executor::block_on(ex.run(async {
            let mut tasks = Vec::with_capacity(n as usize);
            for i in 0..n {
                let worst = worst.clone();
                let d = deadline(start, i, n);
                tasks.push(ex.spawn(async move {
                    async_io::Timer::at(d).await;
                    note_lateness(&worst, d);
                }));
            }
            for t in tasks {
                t.await;
            }
        }));
        finish_timers(start, n, worst.get())
    }
}

/// `futures::executor::LocalPool`: tasks spawned with `spawn_local`, `run()` until all are done;
/// one-shots from `futures::channel`, timers from `async-io`.
pub mod local_pool_rt {
    use super::*;
    use futures::channel::oneshot;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    pub fn spawn(n: u64) -> u64 {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let sum = Rc::new(Cell::new(0u64));
        for i in 0..n {
            let sum = sum.clone();
            spawner
                .spawn_local(async move {
                    yield_now().await;
                    sum.set(sum.get() + i);
                })
                .expect("spawn");
        }
        pool.run();
        sum.get()
    }

    struct Msg(u64, oneshot::Sender<Msg>);

    pub fn ping_pong(n: u64) -> u64 {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let (to_pong, mut pong_rx) = oneshot::channel::<Msg>();
        spawner
            .spawn_local(async move {
                loop {
                    let Ok(Msg(v, reply)) = pong_rx.await else {
                        return;
                    };
                    let (tx, rx) = oneshot::channel();
                    if reply.send(Msg(v + 1, tx)).is_err() {
                        return;
                    }
                    pong_rx = rx;
                }
            })
            .expect("spawn");
        pool.run_until(async move {
            let mut to_pong = to_pong;
            let mut last = 0;
            for i in 0..n {
                let (tx, rx) = oneshot::channel();
                let _ = to_pong.send(Msg(i, tx));
                let Msg(v, next) = rx.await.expect("pong");
                last = v;
                to_pong = next;
            }
            last
        })
    }

    pub fn timers(n: u64) -> TimerRun {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let worst = Rc::new(Cell::new(Duration::ZERO));
        let start = Instant::now();
        for i in 0..n {
            let worst = worst.clone();
            let d = deadline(start, i, n);
            spawner
                .spawn_local(async move {
                    async_io::Timer::at(d).await;
                    note_lateness(&worst, d);
                })
                .expect("spawn");
        }
        pool.run();
        finish_timers(start, n, worst.get())
    }
}

/// Expected result of [`spawn`] with `n` tasks.
pub fn spawn_expected(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// A contender: its name and its run of a workload of size `n`.
pub type Contender<T> = (&'static str, fn(u64) -> T);

/// Every contender of the spawn workload.
pub const SPAWN: &[Contender<u64>] = &[
    ("ours", ours::spawn),
    ("tokio", tokio_rt::spawn),
    ("async_executor", async_executor_rt::spawn),
    ("local_pool", local_pool_rt::spawn),
];

/// Every contender of the ping-pong workload.
pub const PING_PONG: &[Contender<u64>] = &[
    ("ours", ours::ping_pong),
    ("tokio", tokio_rt::ping_pong),
    ("async_executor", async_executor_rt::ping_pong),
    ("local_pool", local_pool_rt::ping_pong),
];

/// Every contender of the timers workload.
pub const TIMER_CONTENDERS: &[Contender<TimerRun>] = &[
    ("ours", ours::timers),
    ("tokio", tokio_rt::timers),
    ("async_executor", async_executor_rt::timers),
    ("local_pool", local_pool_rt::timers),
];
