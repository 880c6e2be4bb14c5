//! The runtime under load and faults, as bounded tests (issue 5, part 4).
//!
//! | test | default run (`cargo test`) | full size (`--ignored`) |
//! |---|---|---|
//! | tasks that each `sleep(0)` once and finish | 200,000 | 1,000,000 |
//! | pending timers (`sleep`s of 50..200 ms, gathered 1,000 per task) | 200,000 | 1,000,000 |
//! | tasks cancelled at random suspension points | half of 100,000 | |
//! | panicking tasks among healthy ones (a quarter panic; half detached) | 20,000 | |
//! | wakers fired from other threads after their task finished, while and after the loop closes, after it is dropped | 2 × 2,000 + 20 | |
//!
//! The full sizes take about 10 s each in a debug build, about 5 s in release (on a 2-core
//! machine shared with other work): `cargo test --release -p coroutine-runtime --test load --
//! --ignored --nocapture`. The default run takes about 13 s in debug.
//!
//! # Memory per pending task and per pending timer
//!
//! Measured by the counting allocator (`cargo test -p coroutine-runtime --test load -- memory
//! --nocapture`; the same bytes in debug and release), everything the loop holds divided by
//! the number of items (100,000 of each), so the task table's and queues' share is included:
//!
//! | what | bytes | allocations |
//! |---|---|---|
//! | a pending task (a coroutine with a 32-byte state, waiting on a future with no timer) | 180 | 1 (the task, which its waker points to) |
//! | a pending task in a `sleep` | 264 | 1 |
//! | hence a pending timer (`sleep`) | 84 | 0 (its entry in the timer queue and its slot in the loop's timer slab) |
//! | a pending `call_later` callback | 84 | 1 |
//! | a task waiting in `sleep(0)`, queued again (1,000,000 of them) | 202 | 1 |
//! | a `sleep` gathered with 999 others in a task (1,000,000 of them) | 219 | 1 (its waker in the gather; its timer is in the loop's queue and slab) |
//!
//! Every test counts: a drop counter per task proves that each task's locals are dropped exactly
//! once, whether it finished, was cancelled at a random suspension point or panicked; every
//! task's outcome is checked one by one, so none is lost; a counting global allocator (see
//! `common/meter.rs`: exact per test, whatever runs in parallel) checks that once the loop is
//! closed and dropped, the test holds exactly the bytes and blocks it held before (after a
//! warm-up, which initialises what the runtime and std set up once per thread or process).
//!
//! The randomness is a seeded splitmix64: set `LOAD_SEED=<u64>` to explore other schedules.
//!
//! Under Miri (`cargo +nightly miri test -p coroutine-runtime --test load`, about 25 s of run
//! time) the cancellation, panic and waker tests run at small sizes, with the drop counters but
//! without allocation counts (Miri does its own leak check); the others are ignored.

#[path = "common/meter.rs"]
mod meter;

mod common;

use common::{quiet_expected_panics, EXPECTED};
use coroutines::{gather, sleep, EventLoop, ExceptionContext, Task, TaskError, TaskHandle};
use meter::{Counting, Meter, PerItem, Snapshot};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How long a test may run before the watchdog declares it hung and aborts.
const WATCHDOG: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------------------------
// Sizes.

/// Tasks in the "each yields once" test: the full size, and the default run's (a million take
/// about 10 s in a debug build, 1 s in release: see the module docs).
const MILLION: usize = 1_000_000;
const TASKS: usize = 200_000;
/// Pending timers in the timer test of the default run, and how many tasks share them (the full
/// size is [`MILLION`] timers in 1,000 tasks).
const TIMERS: usize = 200_000;
const TIMER_TASKS: usize = 200;
/// Tasks of the cancellation test (half of them are cancelled).
const CANCEL_TASKS: usize = if cfg!(miri) { 60 } else { 100_000 };
/// Tasks of the panic test (a quarter of them panic).
const PANIC_TASKS: usize = if cfg!(miri) { 40 } else { 20_000 };
/// Tasks whose wakers other threads fire, per phase.
const WAKER_TASKS: usize = if cfg!(miri) { 8 } else { 2_000 };
/// Tasks of the memory measurements.
const MEMORY_TASKS: usize = 100_000;

// ---------------------------------------------------------------------------------------------
// Helpers.

/// splitmix64: a tiny, seeded, good-enough PRNG.
struct Rng(u64);

impl Rng {
    fn from_env(salt: u64) -> Rng {
        let seed = std::env::var("LOAD_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(0x5eed_c0de_2026_0005);
        Rng(seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Where a task can be suspended in [`worker`] and [`flaky`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    /// `sleep(0)` in the task's own body.
    Yield = 0,
    /// A timed `sleep` in the task's own body.
    Timer = 1,
    /// The first `sleep(0)` of the delegated [`nested`] coroutine.
    NestedFirst = 2,
    /// Its second one, with one more of its locals alive.
    NestedSecond = 3,
}

/// Per-task bookkeeping shared by the tasks of one test: drop counters, progress, and a plan of
/// which task to cancel at which suspension point.
#[derive(Clone)]
struct Probe(Rc<ProbeState>);

struct ProbeState {
    /// Guards created and dropped, per task.
    created: Box<[Cell<u32>]>,
    dropped: Box<[Cell<u32>]>,
    /// Suspension points reached, per task.
    marks: Box<[Cell<u32>]>,
    /// The task returned (reached its last line).
    finished: Box<[Cell<bool>]>,
    /// Cancel the task once it is suspended at this mark (0: never). Empty: no plan.
    cancel_at: Box<[u32]>,
    /// The tasks' handles, for the plan's cancellations.
    handles: RefCell<Vec<Option<TaskHandle>>>,
    /// How many planned cancellations hit each kind of [`Point`].
    cancelled_at: [Cell<usize>; 4],
}

/// A local of a task, counted when created and when dropped.
struct Guard {
    probe: Probe,
    task: u32,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let dropped = &self.probe.0.dropped[self.task as usize];
        dropped.set(dropped.get() + 1);
    }
}

impl Probe {
    fn new(tasks: usize) -> Probe {
        Probe::with_plan(tasks, Vec::new())
    }

    fn with_plan(tasks: usize, cancel_at: Vec<u32>) -> Probe {
        let cells = |n| (0..n).map(|_| Cell::new(0)).collect();
        Probe(Rc::new(ProbeState {
            created: cells(tasks),
            dropped: cells(tasks),
            marks: cells(tasks),
            finished: (0..tasks).map(|_| Cell::new(false)).collect(),
            cancel_at: cancel_at.into_boxed_slice(),
            handles: RefCell::new(Vec::new()),
            cancelled_at: Default::default(),
        }))
    }

    fn guard(&self, task: u32) -> Guard {
        let created = &self.0.created[task as usize];
        created.set(created.get() + 1);
        Guard {
            probe: self.clone(),
            task,
        }
    }

    /// The task is about to suspend at `point`. If the plan says so, a callback cancels it there:
    /// it runs before the task's next step, whatever the task waits for (a callback scheduled now
    /// is ahead of the task's own wake in the ready queue, and of any timer that fires later).
    fn mark(&self, task: u32, point: Point) {
        let marks = &self.0.marks[task as usize];
        marks.set(marks.get() + 1);
        if self.0.cancel_at.get(task as usize) == Some(&marks.get()) {
            let handle = self.0.handles.borrow()[task as usize]
                .clone()
                .expect("every task's handle is registered before the loop runs");
            let probe = self.clone();
            coroutines::get_event_loop().call_soon(move || {
                assert!(
                    !handle.done(),
                    "task {task} finished before its cancellation"
                );
                assert!(handle.cancel());
                assert!(handle.cancelled());
                let count = &probe.0.cancelled_at[point as usize];
                count.set(count.get() + 1);
            });
        }
    }

    fn finish(&self, task: u32) {
        self.0.finished[task as usize].set(true);
    }

    fn finished(&self, task: u32) -> bool {
        self.0.finished[task as usize].get()
    }

    fn finished_count(&self) -> usize {
        self.0.finished.iter().filter(|cell| cell.get()).count()
    }

    fn register(&self, handles: Vec<Option<TaskHandle>>) {
        *self.0.handles.borrow_mut() = handles;
    }

    fn cancelled_at(&self, point: Point) -> usize {
        self.0.cancelled_at[point as usize].get()
    }

    /// Every guard of every task was dropped exactly once, and each task made at least
    /// `at_least` of them.
    fn assert_each_dropped_once(&self, at_least: u32) {
        for (task, (created, dropped)) in self.0.created.iter().zip(&*self.0.dropped).enumerate() {
            assert!(
                created.get() >= at_least,
                "task {task} made {} guards, expected at least {at_least}",
                created.get()
            );
            assert_eq!(
                created.get(),
                dropped.get(),
                "task {task}: {} locals created, {} drops",
                created.get(),
                dropped.get()
            );
        }
    }
}

/// What a loop's exception handler was told: `(message, task id, panic message)`.
type Reports = Rc<RefCell<Vec<(String, Option<u64>, Option<String>)>>>;

fn record_reports(event_loop: &EventLoop) -> Reports {
    let reports = Reports::default();
    let sink = Rc::clone(&reports);
    event_loop.set_exception_handler(move |_, context: &ExceptionContext| {
        sink.borrow_mut().push((
            context.message().to_owned(),
            context.task_id(),
            context.panic_message().map(str::to_owned),
        ));
    });
    reports
}

/// Lets the runtime forget the loops of this thread that are gone.
///
/// The runtime keeps a weak reference to every loop created on a thread (so that a wake on that
/// thread finds its loop's ready queue), and forgets the dead ones when the next loop is created
/// there. Until then, each dead loop keeps its `Rc` block (a couple of hundred bytes; what the
/// loop held is freed when it is dropped). Creating a loop prunes them, and leaves one block, as
/// the warm-up did before the baseline was taken. A loop that is really leaked (still referenced)
/// is not pruned: the baseline check still catches it.
fn settle_loop_registry() {
    drop(EventLoop::new());
}

/// Awaits every task in turn and gives their outcomes, in order.
#[coroutines::coroutine]
fn join_all<T: 'static>(tasks: Vec<Task<T>>) -> Vec<Result<T, TaskError>> {
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(yield_from!(task.join()));
    }
    outcomes
}

/// A future that is never ready and never wakes anyone: a task awaiting it is pending for good,
/// at the cost of its own state only.
struct Never;

impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Keeps a clone of the waker of whoever polls it, in a list other threads can reach. Unless
/// `forever`, it wakes itself at once and is ready at its next poll.
struct Stash {
    wakers: Arc<Mutex<Vec<Waker>>>,
    forever: bool,
    polled: bool,
}

impl Future for Stash {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            return if self.forever {
                Poll::Pending
            } else {
                Poll::Ready(())
            };
        }
        self.polled = true;
        self.wakers.lock().unwrap().push(cx.waker().clone());
        if !self.forever {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// Runs a bit of everything the tests do, so that what is set up once per thread or process
/// (the loop's thread-local registry, the panic hook, std's lazily built state) is in place
/// before a baseline is taken.
fn warm_up(meter: &Meter) {
    quiet_expected_panics();
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let probe = Probe::with_plan(4, vec![0, 2, 0, 0]);
    let tasks: Vec<Task<u64>> = (0..4)
        .map(|id| {
            if id == 3 {
                event_loop.create_task(flaky(id, 3, 1, probe.clone()))
            } else {
                event_loop.create_task(worker(id, 3, probe.clone()))
            }
        })
        .collect();
    probe.register(tasks.iter().map(|task| Some(task.handle())).collect());
    let outcomes = event_loop.run_until_complete(join_all(tasks));
    assert_eq!(outcomes.len(), 4);
    let gathered = event_loop.run_until_complete(ticks(0, 4, 4, Probe::new(4)));
    assert_eq!(gathered, [0, 1, 2, 3]);
    event_loop.call_later(3600, || ());
    let wakers = Arc::new(Mutex::new(Vec::new()));
    let pending = event_loop.create_task(stash_and_finish(
        0,
        Stash {
            wakers: Arc::clone(&wakers),
            forever: true,
            polled: false,
        },
        Probe::new(1),
    ));
    event_loop.run_until_complete(sleep(0));
    let waker_thread = meter.spawn(move || {
        for waker in wakers.lock().unwrap().drain(..) {
            waker.wake();
        }
    });
    waker_thread.join().unwrap();
    event_loop.close();
    drop((pending, event_loop, reports));
}

// ---------------------------------------------------------------------------------------------
// The coroutines under test.

/// Yields to the loop once, then finishes.
#[coroutines::coroutine]
fn yield_once(id: u32, probe: Probe) -> u64 {
    let _guard = probe.guard(id);
    yield_from!(sleep(0));
    u64::from(id) * 3 + 1
}

/// Sleeps until `delay` from its first poll, checks that it did not wake early, and gives its
/// index.
#[coroutines::coroutine]
fn tick(index: u32, delay: Duration, probe: Probe) -> u32 {
    let _guard = probe.guard(index);
    let start = Instant::now();
    yield_from!(sleep(delay));
    assert!(start.elapsed() >= delay, "timer {index} fired early");
    probe.finish(index);
    index
}

/// The delay of timer `index` of `total`: spread over 50..200 ms, in an order unrelated to the
/// order the timers are created in.
fn delay_of(index: u32, total: u32) -> Duration {
    let slot = u64::from(index) * 7919 % u64::from(total);
    Duration::from_millis(50) + Duration::from_micros(slot * 150_000 / u64::from(total))
}

/// Timers `first..first + count`, gathered in one task.
#[coroutines::coroutine]
fn ticks(first: u32, count: u32, total: u32, probe: Probe) -> Vec<u32> {
    let ticks: Vec<_> = (first..first + count)
        .map(|index| tick(index, delay_of(index, total), probe.clone()))
        .collect();
    yield_from!(gather(ticks))
}

/// A task with several kinds of suspension points, each with locals alive across it: [`flaky`]
/// that never panics.
fn worker(id: u32, steps: u32, probe: Probe) -> impl Future<Output = u64> + coroutines::Stack {
    flaky(id, steps, u32::MAX, probe)
}

/// Delegated to by [`worker`] and [`flaky`]: two suspension points, a local alive across each,
/// and, if `panic`, a panic between them.
#[coroutines::coroutine]
fn nested(id: u32, step: u32, panic: bool, probe: Probe) -> u64 {
    let _frame = probe.guard(id);
    probe.mark(id, Point::NestedFirst);
    yield_from!(sleep(0));
    if panic {
        panic!("{}", panic_text(id, step));
    }
    let _second = probe.guard(id);
    probe.mark(id, Point::NestedSecond);
    yield_from!(sleep(0));
    u64::from(step) * 7 + 1
}

/// What [`worker`] returns, computed straight.
fn worker_result(id: u32, steps: u32) -> u64 {
    let mut acc = u64::from(id);
    for step in 0..steps {
        if (id + step) % 3 == 1 {
            acc += u64::from(step) * 7 + 1;
        }
        acc = acc.wrapping_mul(31).wrapping_add(u64::from(step));
    }
    acc
}

/// How many suspension points [`worker`] passes.
fn worker_marks(id: u32, steps: u32) -> u32 {
    (0..steps)
        .map(|step| if (id + step) % 3 == 1 { 2 } else { 1 })
        .sum()
}

/// Runs `steps` steps, each through one kind of suspension (a `sleep(0)`, a delegation to
/// [`nested`], a timer) with locals alive across it, and panics at step `panic_at` (if that is
/// below `steps`): in its own body right after a suspension, or inside [`nested`] between its
/// two suspensions.
#[coroutines::coroutine]
fn flaky(id: u32, steps: u32, panic_at: u32, probe: Probe) -> u64 {
    let _whole = probe.guard(id);
    let mut acc = u64::from(id);
    for step in 0..steps {
        let _step = probe.guard(id);
        match (id + step) % 3 {
            0 => {
                probe.mark(id, Point::Yield);
                yield_from!(sleep(0));
            }
            1 => {
                acc += yield_from!(nested(id, step, step == panic_at, probe.clone()));
            }
            _ => {
                probe.mark(id, Point::Timer);
                yield_from!(sleep(Duration::from_micros(200)));
            }
        }
        if step == panic_at {
            panic!("{}", panic_text(id, step));
        }
        acc = acc.wrapping_mul(31).wrapping_add(u64::from(step));
    }
    probe.finish(id);
    acc
}

fn panic_text(id: u32, step: u32) -> String {
    format!("{EXPECTED}: task {id} gives up at step {step}")
}

/// Awaits `stash` (which keeps the task's waker), then returns `id`.
#[coroutines::coroutine]
fn stash_and_finish(id: u32, stash: Stash, probe: Probe) -> u32 {
    let _guard = probe.guard(id);
    yield_from!(stash);
    probe.finish(id);
    id
}

/// Waits for good, either on [`Never`] or in an hour-long `sleep`. One function for both, so
/// that the two kinds of task have the same state and differ by the timer only.
#[coroutines::coroutine]
fn wait_long(timed: bool) {
    if timed {
        yield_from!(sleep(3600));
    } else {
        yield_from!(Never);
    }
}

// ---------------------------------------------------------------------------------------------
// 1,000,000 tasks.

/// Main task of [`million_tasks`]: notes what the loop holds once every task is suspended, then
/// awaits them all.
#[coroutines::coroutine]
fn await_all(
    tasks: Vec<Task<u64>>,
    meter: &Meter,
    pending: &Cell<Option<Snapshot>>,
    probe: Probe,
) -> Vec<u64> {
    // The tasks were queued before this main task: the loop's first iteration ran each of them
    // to its `sleep(0)`, then this.
    pending.set(Some(meter.snapshot()));
    assert_eq!(probe.finished_count(), 0);
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(yield_from!(task));
    }
    results
}

fn million_tasks(count: usize) {
    let meter = Meter::start("million_tasks", WATCHDOG);
    warm_up(&meter);
    let probe = Probe::new(count);
    let base = meter.snapshot();

    let started = Instant::now();
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let mut tasks = Vec::with_capacity(count);
    let created = meter.snapshot();
    for id in 0..count as u32 {
        tasks.push(event_loop.create_task(yield_once(id, probe.clone())));
    }
    let queued = meter.snapshot();
    let pending = Cell::new(None);
    let results = event_loop.run_until_complete(await_all(tasks, &meter, &pending, probe.clone()));
    let elapsed = started.elapsed();

    assert_eq!(results.len(), count, "a task was lost");
    for (id, result) in results.iter().enumerate() {
        assert_eq!(*result, id as u64 * 3 + 1, "task {id}");
    }
    probe.assert_each_dropped_once(1);
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow()[0]);

    // The loop is still usable.
    assert_eq!(
        event_loop.run_until_complete(event_loop.create_task(yield_once(0, Probe::new(1)))),
        1
    );
    event_loop.close();
    drop((event_loop, results, reports));
    settle_loop_registry();
    assert_eq!(
        meter.snapshot(),
        base,
        "allocations left after the loop is gone"
    );

    let queued = (queued - created).per(count);
    let pending = (pending.get().unwrap() - created).per(count);
    eprintln!(
        "{count} tasks in {elapsed:.2?}: {queued} per queued task, {pending} per task pending in \
         sleep(0) (queued again)"
    );
    // Loose: a leak or a blow-up of the per-task cost is an order of magnitude above these.
    assert!(pending.bytes < 1024.0 && pending.blocks < 3.1, "{pending}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "200,000 tasks: days under Miri (the cancel, panic and waker tests run small there)"
)]
fn many_tasks_each_yield_once_and_finish() {
    million_tasks(TASKS);
}

#[test]
#[ignore = "full size, slow in debug: cargo test --release -p coroutine-runtime --test load -- --ignored"]
fn a_million_tasks_each_yield_once_and_finish() {
    million_tasks(MILLION);
}

// ---------------------------------------------------------------------------------------------
// 1,000,000 pending timers.

/// Main task of [`million_timers`]: notes what the loop holds once every timer is pending, then
/// awaits the tasks that gather them.
#[coroutines::coroutine]
fn await_timers(
    tasks: Vec<Task<Vec<u32>>>,
    meter: &Meter,
    pending: &Cell<Option<Snapshot>>,
    probe: Probe,
) -> Vec<Vec<u32>> {
    // The gathering tasks were queued first: each has started all its timers by now, and none
    // has fired (timers fire at the start of an iteration, and this is still the first one).
    pending.set(Some(meter.snapshot()));
    assert_eq!(
        probe.finished_count(),
        0,
        "a timer fired in the iteration that set it"
    );
    let mut all = Vec::with_capacity(tasks.len());
    for task in tasks {
        all.push(yield_from!(task));
    }
    all
}

fn million_timers(timers: usize, tasks: usize) {
    assert_eq!(timers % tasks, 0);
    let per_task = (timers / tasks) as u32;
    let meter = Meter::start("million_timers", WATCHDOG);
    warm_up(&meter);
    let probe = Probe::new(timers);
    let base = meter.snapshot();

    let started = Instant::now();
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let handles: Vec<_> = (0..tasks as u32)
        .map(|task| {
            event_loop.create_task(ticks(
                task * per_task,
                per_task,
                timers as u32,
                probe.clone(),
            ))
        })
        .collect();
    let created = meter.snapshot();
    let pending = Cell::new(None);
    let all = event_loop.run_until_complete(await_timers(handles, &meter, &pending, probe.clone()));
    let elapsed = started.elapsed();

    assert_eq!(all.len(), tasks);
    for (task, indices) in all.iter().enumerate() {
        let first = task as u32 * per_task;
        assert!(
            indices.iter().copied().eq(first..first + per_task),
            "task {task} gave the wrong timers"
        );
    }
    assert_eq!(probe.finished_count(), timers, "a timer was lost");
    probe.assert_each_dropped_once(1);
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow()[0]);
    assert_eq!(
        event_loop.run_until_complete(ticks(0, 1, 1, Probe::new(1))),
        [0]
    );
    event_loop.close();
    drop((event_loop, all, reports));
    settle_loop_registry();
    assert_eq!(
        meter.snapshot(),
        base,
        "allocations left after the loop is gone"
    );

    let pending = (pending.get().unwrap() - created).per(timers);
    eprintln!(
        "{timers} timers in {tasks} tasks, done in {elapsed:.2?}: {pending} per pending timer \
         (a `sleep` in a coroutine, gathered)"
    );
    assert!(pending.bytes < 1024.0 && pending.blocks < 3.1, "{pending}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "200,000 timers: days under Miri (the cancel, panic and waker tests run small there)"
)]
fn many_pending_timers_fire_and_free_everything() {
    million_timers(TIMERS, TIMER_TASKS);
}

#[test]
#[ignore = "full size, slow in debug: cargo test --release -p coroutine-runtime --test load -- --ignored"]
fn a_million_pending_timers_fire_and_free_everything() {
    million_timers(MILLION, 1_000);
}

// ---------------------------------------------------------------------------------------------
// Cancelling half of 100,000 tasks at random suspension points.

#[test]
fn cancelling_half_of_the_tasks_at_random_suspension_points() {
    let count = CANCEL_TASKS;
    let meter = Meter::start("cancel", WATCHDOG);
    warm_up(&meter);
    let mut rng = Rng::from_env(1);
    let steps: Vec<u32> = (0..count).map(|_| 2 + rng.below(7)).collect();
    let mut order: Vec<u32> = (0..count as u32).collect();
    rng.shuffle(&mut order);
    let mut cancel_at = vec![0; count];
    for &id in &order[..count / 2] {
        let marks = worker_marks(id, steps[id as usize]);
        cancel_at[id as usize] = 1 + rng.below(marks);
    }
    let probe = Probe::with_plan(count, cancel_at.clone());
    let base = meter.snapshot();

    let started = Instant::now();
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let tasks: Vec<Task<u64>> = (0..count as u32)
        .map(|id| event_loop.create_task(worker(id, steps[id as usize], probe.clone())))
        .collect();
    probe.register(tasks.iter().map(|task| Some(task.handle())).collect());
    let outcomes = event_loop.run_until_complete(join_all(tasks));
    let elapsed = started.elapsed();

    assert_eq!(outcomes.len(), count);
    let mut cancelled = 0;
    for (id, outcome) in outcomes.iter().enumerate() {
        let task = id as u32;
        let marks = probe.0.marks[id].get();
        if cancel_at[id] == 0 {
            match outcome {
                Ok(result) => assert_eq!(*result, worker_result(task, steps[id]), "task {id}"),
                Err(error) => panic!("task {id} was not to be cancelled, but: {error:?}"),
            }
            assert!(probe.finished(task));
            assert_eq!(marks, worker_marks(task, steps[id]));
        } else {
            assert!(
                matches!(outcome, Err(TaskError::Cancelled)),
                "task {id} was to be cancelled at suspension point {}, but: {outcome:?}",
                cancel_at[id]
            );
            // It never got past the point where it was cancelled.
            assert!(!probe.finished(task));
            assert_eq!(marks, cancel_at[id], "task {id}");
            cancelled += 1;
        }
    }
    assert_eq!(cancelled, count / 2);
    let points = [
        Point::Yield,
        Point::Timer,
        Point::NestedFirst,
        Point::NestedSecond,
    ];
    if count >= 1_000 {
        // Random points, and enough of them to hit every kind.
        for point in points {
            assert!(
                probe.cancelled_at(point) > 0,
                "no task was cancelled at {point:?}"
            );
        }
    }
    let by_point = points.map(|point| probe.cancelled_at(point));
    assert_eq!(by_point.iter().sum::<usize>(), count / 2);
    // Each task made one guard, one per step begun, and one or two per `nested` begun: all of
    // them were dropped exactly once, by the task's end or by its cancellation.
    probe.assert_each_dropped_once(2);
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow()[0]);

    // The loop is still usable.
    let again = event_loop.create_task(worker(0, 4, Probe::new(1)));
    assert_eq!(event_loop.run_until_complete(again), worker_result(0, 4));
    probe.register(Vec::new());
    event_loop.close();
    drop((event_loop, outcomes, reports));
    settle_loop_registry();
    assert_eq!(
        meter.snapshot(),
        base,
        "allocations left after the loop is gone"
    );
    eprintln!(
        "{count} tasks, {cancelled} cancelled (at a sleep(0): {}, a timer: {}, in a delegated \
         coroutine: {} + {}), in {elapsed:.2?}",
        by_point[0], by_point[1], by_point[2], by_point[3]
    );
}

// ---------------------------------------------------------------------------------------------
// Panicking tasks mixed with healthy ones.

/// Waits (yielding) until every one of `tasks` is done.
#[coroutines::coroutine]
fn until_done(tasks: &[TaskHandle]) {
    while !tasks.iter().all(TaskHandle::done) {
        yield_from!(sleep(0));
    }
}

#[test]
fn panicking_tasks_mixed_with_healthy_ones() {
    let count = PANIC_TASKS;
    let meter = Meter::start("panics", WATCHDOG);
    warm_up(&meter);
    let mut rng = Rng::from_env(2);
    let steps: Vec<u32> = (0..count).map(|_| 2 + rng.below(7)).collect();
    // A quarter panic, at a random step; half of all tasks are detached (their handle dropped
    // at once), healthy or not.
    let panic_at: Vec<u32> = steps
        .iter()
        .map(|&steps| {
            if rng.below(4) == 0 {
                rng.below(steps)
            } else {
                u32::MAX
            }
        })
        .collect();
    let detached: Vec<bool> = (0..count).map(|_| rng.below(2) == 0).collect();
    let probe = Probe::new(count);
    let base = meter.snapshot();

    let started = Instant::now();
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let mut kept = Vec::new();
    let mut kept_ids = Vec::new();
    let mut detached_handles = Vec::new();
    let mut task_ids = Vec::with_capacity(count);
    for id in 0..count as u32 {
        let i = id as usize;
        let task = event_loop.create_task(flaky(id, steps[i], panic_at[i], probe.clone()));
        task_ids.push(task.id());
        if detached[i] {
            detached_handles.push(task.handle());
        } else {
            kept.push(task);
            kept_ids.push(id);
        }
    }
    let outcomes = event_loop.run_until_complete(join_all(kept));
    event_loop.run_until_complete(until_done(&detached_handles));
    let elapsed = started.elapsed();

    let mut panicked = 0;
    for (&id, outcome) in kept_ids.iter().zip(&outcomes) {
        let i = id as usize;
        match (panic_at[i] < steps[i], outcome) {
            (false, Ok(result)) => assert_eq!(*result, worker_result(id, steps[i]), "task {id}"),
            (true, Err(error)) => {
                assert!(error.is_panic(), "task {id}: {error:?}");
                assert_eq!(error.panic_message(), Some(&*panic_text(id, panic_at[i])));
                panicked += 1;
            }
            (should_panic, outcome) => {
                panic!("task {id}: should panic: {should_panic}, outcome: {outcome:?}")
            }
        }
    }
    // Retrieved panics are not reported.
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow()[0]);
    // The last handles of the detached tasks go: each panic nobody retrieved is reported once.
    drop(detached_handles);
    let mut expected_reports = Vec::new();
    for id in 0..count as u32 {
        let i = id as usize;
        if detached[i] && panic_at[i] < steps[i] {
            expected_reports.push((
                "Task exception was never retrieved".to_owned(),
                Some(task_ids[i]),
                Some(panic_text(id, panic_at[i])),
            ));
            panicked += 1;
        } else if detached[i] {
            assert!(probe.finished(id), "detached task {id} did not finish");
        }
    }
    reports.borrow_mut().sort_by_key(|report| report.1);
    assert_eq!(*reports.borrow(), expected_reports);
    let expected_panics = (0..count).filter(|&i| panic_at[i] < steps[i]).count();
    assert_eq!(panicked, expected_panics);
    assert_eq!(probe.finished_count(), count - expected_panics);
    // Every local of every task was dropped once: at its end, or while its panic unwound and
    // its state machine was dropped.
    probe.assert_each_dropped_once(2);

    // The loop is still usable, for tasks and for a main task that panics.
    let again = event_loop.create_task(worker(0, 4, Probe::new(1)));
    assert_eq!(event_loop.run_until_complete(again), worker_result(0, 4));
    let main_panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        event_loop.run_until_complete(flaky(0, 3, 1, Probe::new(1)))
    }))
    .unwrap_err();
    assert_eq!(common::message(&*main_panic), panic_text(0, 1));
    drop(main_panic);
    assert_eq!(
        event_loop.run_until_complete(worker(1, 3, Probe::new(2))),
        worker_result(1, 3)
    );
    event_loop.close();
    drop((
        event_loop,
        outcomes,
        reports,
        expected_reports,
        task_ids,
        kept_ids,
    ));
    settle_loop_registry();
    assert_eq!(
        meter.snapshot(),
        base,
        "allocations left after the loop is gone"
    );
    eprintln!("{count} tasks, {panicked} panicked, in {elapsed:.2?}");
}

// ---------------------------------------------------------------------------------------------
// Wakers fired from other threads after their task finished, or after the loop closed.

/// The main task of the waker test: keeps its own waker too, then awaits the tasks.
#[coroutines::coroutine]
fn stash_then_join(stash: Stash, tasks: Vec<Task<u32>>) -> Vec<Result<u32, TaskError>> {
    yield_from!(stash);
    yield_from!(join_all(tasks))
}

/// One `sleep(0)`: a loop iteration or two.
#[coroutines::coroutine]
fn pause() {
    yield_from!(sleep(0));
}

/// Spawns `threads` threads (in `meter`'s group) that fire each of `wakers` by reference until
/// `closed` is set and they have gone through them all twice more, then by value.
fn hammer(
    meter: &Meter,
    threads: usize,
    wakers: &[Waker],
    closed: &Arc<AtomicBool>,
    passes: &Arc<AtomicUsize>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..threads)
        .map(|_| {
            let wakers = wakers.to_vec();
            let closed = Arc::clone(closed);
            let passes = Arc::clone(passes);
            meter.spawn(move || {
                let mut after_close = 0;
                while after_close < 2 {
                    let was_closed = closed.load(Ordering::Acquire);
                    for waker in &wakers {
                        waker.wake_by_ref();
                    }
                    passes.fetch_add(1, Ordering::Relaxed);
                    if was_closed {
                        after_close += 1;
                    }
                    std::thread::yield_now();
                }
                for waker in wakers {
                    waker.wake();
                }
            })
        })
        .collect()
}

#[test]
fn wakers_fired_from_other_threads_after_their_task_finished_or_the_loop_closed() {
    let count = WAKER_TASKS;
    let meter = Meter::start("wakers", WATCHDOG);
    warm_up(&meter);
    let probe = Probe::new(3 * count + 1);
    let base = meter.snapshot();

    // 1. Tasks that finish; their wakers (and the main task's) are fired from other threads
    //    afterwards, while the loop is idle, and the loop runs again.
    let event_loop = EventLoop::new();
    let reports = record_reports(&event_loop);
    let stash = Arc::new(Mutex::new(Vec::new()));
    let new_stash = |forever| Stash {
        wakers: Arc::clone(&stash),
        forever,
        polled: false,
    };
    let tasks: Vec<Task<u32>> = (0..count as u32)
        .map(|id| event_loop.create_task(stash_and_finish(id, new_stash(false), probe.clone())))
        .collect();
    let outcomes = event_loop.run_until_complete(stash_then_join(new_stash(false), tasks));
    for (id, outcome) in outcomes.into_iter().enumerate() {
        assert_eq!(outcome.unwrap(), id as u32);
    }
    let wakers = std::mem::take(&mut *stash.lock().unwrap());
    assert_eq!(wakers.len(), count + 1);
    let closed = Arc::new(AtomicBool::new(true));
    let passes = Arc::new(AtomicUsize::new(0));
    for thread in hammer(&meter, 2, &wakers, &closed, &passes) {
        thread.join().unwrap();
    }
    drop(wakers);
    // The stale wakes are in the loop's mailbox: it skips them, and runs new work as usual.
    let fresh = event_loop.create_task(stash_and_finish(
        3 * count as u32,
        new_stash(false),
        probe.clone(),
    ));
    assert_eq!(event_loop.run_until_complete(fresh), 3 * count as u32);
    stash.lock().unwrap().clear();
    event_loop.run_until_complete(pause());
    assert_eq!(probe.finished_count(), count + 1);
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow()[0]);

    // 2. Tasks that never finish; threads fire their wakers while the loop runs, while it
    //    closes (destroying the tasks), and after it is dropped.
    let first = count as u32;
    let forever: Vec<Task<u32>> = (first..first + count as u32)
        .map(|id| event_loop.create_task(stash_and_finish(id, new_stash(true), probe.clone())))
        .collect();
    event_loop.run_until_complete(pause());
    let wakers = std::mem::take(&mut *stash.lock().unwrap());
    assert_eq!(wakers.len(), count);
    closed.store(false, Ordering::Release);
    let threads = hammer(&meter, 2, &wakers, &closed, &passes);
    drop(wakers);
    let passes_before = passes.load(Ordering::Relaxed);
    let start = Instant::now();
    // Run while the wakes come in (they poll the tasks again: still pending), until the threads
    // have gone through the wakers a few times, or a second has passed.
    while passes.load(Ordering::Relaxed) < passes_before + 4
        && start.elapsed() < Duration::from_secs(1)
    {
        event_loop.run_until_complete(pause());
    }
    assert!(forever.iter().all(|task| !task.done()));
    event_loop.close();
    closed.store(true, Ordering::Release);
    assert!(forever.iter().all(Task::cancelled));
    {
        let reports = reports.borrow();
        assert_eq!(reports.len(), count);
        assert!(reports
            .iter()
            .all(|report| report.0 == "Task was destroyed but it is pending!"));
    }
    drop((forever, event_loop, reports));
    for thread in threads {
        thread.join().unwrap();
    }

    // 3. The same with a loop dropped without being closed (its pending tasks are destroyed
    //    then, and reported to stderr, which the test harness captures: a few of them).
    let event_loop = EventLoop::new();
    let first = 2 * count as u32;
    let few = if cfg!(miri) { 3 } else { 20 };
    for id in first..first + few {
        drop(event_loop.create_task(stash_and_finish(id, new_stash(true), probe.clone())));
    }
    event_loop.run_until_complete(pause());
    let wakers = std::mem::take(&mut *stash.lock().unwrap());
    closed.store(false, Ordering::Release);
    let threads = hammer(&meter, 2, &wakers, &closed, &passes);
    drop(wakers);
    event_loop.run_until_complete(pause());
    drop(event_loop);
    closed.store(true, Ordering::Release);
    for thread in threads {
        thread.join().unwrap();
    }

    // Every task's local dropped once: those that finished, and those destroyed with the loop.
    for id in 0..3 * count + 1 {
        let made = probe.0.created[id].get();
        assert_eq!(
            made,
            u32::from(id < 2 * count + few as usize || id == 3 * count)
        );
        assert_eq!(probe.0.dropped[id].get(), made, "task {id}");
    }
    drop((stash, closed, passes));
    settle_loop_registry();
    assert_eq!(
        meter.snapshot(),
        base,
        "allocations left after the loop and the wakers are gone"
    );
}

// ---------------------------------------------------------------------------------------------
// Memory per pending task and per pending timer.

#[test]
#[cfg_attr(
    miri,
    ignore = "measures 100,000 tasks with the counting allocator, which Miri replaces by System"
)]
fn memory_per_pending_task_and_per_pending_timer() {
    let count = MEMORY_TASKS;
    let meter = Meter::start("memory", WATCHDOG);
    warm_up(&meter);
    let base = meter.snapshot();

    // Tasks waiting on nothing but themselves, then in an hour-long `sleep`: the same coroutine,
    // so the difference is the timer.
    let mut per_kind = [(PerItem::default(), PerItem::default()); 2];
    let mut loops = Vec::new();
    for (kind, timed) in [false, true].into_iter().enumerate() {
        let event_loop = EventLoop::new();
        let reports = record_reports(&event_loop);
        let mut tasks = Vec::with_capacity(count);
        let before = meter.snapshot();
        for _ in 0..count {
            tasks.push(event_loop.create_task(wait_long(timed)));
        }
        let queued = meter.snapshot() - before;
        event_loop.run_until_complete(pause());
        let pending = meter.snapshot() - before;
        assert!(tasks.iter().all(|task| !task.done()));
        per_kind[kind] = (queued.per(count), pending.per(count));
        loops.push((event_loop, reports, tasks));
    }
    // Callbacks waiting in the timer heap.
    let event_loop = EventLoop::new();
    let mut handles = Vec::with_capacity(count);
    let before = meter.snapshot();
    for _ in 0..count {
        handles.push(event_loop.call_later(3600, || ()));
    }
    let call_later = (meter.snapshot() - before).per(count);

    for (event_loop, reports, tasks) in loops {
        event_loop.close();
        assert!(tasks.iter().all(Task::cancelled));
        assert_eq!(reports.borrow().len(), count);
    }
    event_loop.close();
    assert!(handles.iter().all(|handle| !handle.cancelled()));
    drop((event_loop, handles));
    settle_loop_registry();
    assert_eq!(
        meter.snapshot(),
        base,
        "allocations left after the loops are gone"
    );

    let state = std::mem::size_of_val(&wait_long(false));
    let [(queued, untimed), (_, timed)] = per_kind;
    let timer = PerItem {
        bytes: timed.bytes - untimed.bytes,
        blocks: timed.blocks - untimed.blocks,
    };
    eprintln!("memory, {count} of each ({state}-byte coroutine state):");
    eprintln!("  queued task (created, not run yet):   {queued}");
    eprintln!("  pending task (waiting, no timer):     {untimed}");
    eprintln!("  pending task in a sleep:              {timed}");
    eprintln!("  so a pending timer costs:             {timer}");
    eprintln!("  pending call_later callback:          {call_later}");
    // Loose bounds: a leak or a blow-up of the per-task cost is an order of magnitude above.
    // (The blocks are per item plus a few per loop: its task table, its queue, its heap.)
    // One block per task (its waker is in it) and none per timer (the loop owns its timers).
    assert!(untimed.bytes < 512.0 && untimed.blocks < 1.1, "{untimed}");
    assert!(
        timer.bytes > 0.0 && timer.bytes < 256.0 && timer.blocks < 0.1,
        "{timer}"
    );
    assert!(
        call_later.bytes < 256.0 && call_later.blocks < 1.1,
        "{call_later}"
    );
}
