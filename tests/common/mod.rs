//! Helpers shared by the semantics test suites (`semantics_generator`, `semantics_async`,
//! `drops`).
//!
//! The central idea is the *twin*: one function body is expanded twice by a `macro_rules!`
//! macro, once as a `#[coroutines::coroutine]` fn and once as an oracle that runs the very
//! same tokens straight through:
//!
//! - generator flavour ([`gen_twins!`]): the oracle is a plain fn in which `yield_!(v)` logs `v`
//!   and evaluates to the next scripted resume value, and `yield_from!(f(args))` calls the
//!   plain twin of `f` (so PEP 380 delegation is a plain call);
//! - async flavour ([`async_twins!`]): the oracle is a native `async fn` in which
//!   `yield_from!(x)` is `x.await`.
//!
//! Both twins log their side effects into the same thread-local log ([`log`]), so comparing the
//! logs compares evaluation order, and comparing the results compares values.
#![allow(dead_code, unused_macros)]

use coroutines::{Coroutine, CoroutineState};
use std::cell::{Cell, RefCell};
use std::fmt::Debug;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

// ---------------------------------------------------------------------------------------------
// The side-effect log.

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static PENDINGS: Cell<usize> = const { Cell::new(0) };
}

/// Appends an entry to this thread's log.
pub fn log(entry: impl Into<String>) {
    LOG.with(|l| l.borrow_mut().push(entry.into()));
}

/// Takes (and clears) this thread's log.
pub fn take_log() -> Vec<String> {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

/// Logs `name` and returns `value`: an operand with an observable side effect.
pub fn note<T>(name: &str, value: T) -> T {
    log(name);
    value
}

// ---------------------------------------------------------------------------------------------
// Generator drivers.

/// Resumes `g` with `()` until it completes; gives its yields and its return value.
pub fn run<Y, T>(g: impl Coroutine<(), Yield = Y, Return = T>) -> (Vec<Y>, T) {
    let mut g = pin!(g);
    let mut ys = Vec::new();
    loop {
        match g.as_mut().resume(()) {
            CoroutineState::Yielded(y) => ys.push(y),
            CoroutineState::Complete(r) => return (ys, r),
        }
    }
}

/// Resumes `g` with the given arguments, in order, until it completes (panics if they run out).
pub fn run_with<R, Y, T>(
    g: impl Coroutine<R, Yield = Y, Return = T>,
    resumes: impl IntoIterator<Item = R>,
) -> (Vec<Y>, T) {
    let mut g = pin!(g);
    let mut ys = Vec::new();
    let mut resumes = resumes.into_iter();
    loop {
        let arg = resumes
            .next()
            .expect("the generator wants more resume values");
        match g.as_mut().resume(arg) {
            CoroutineState::Yielded(y) => ys.push(y),
            CoroutineState::Complete(r) => return (ys, r),
        }
    }
}

/// What the oracle of a generator twin calls for `yield_!(v)`: logs `yield {v:?}` and returns
/// the next scripted resume value. The `i`-th resume (counting from 0) gets `script(i)`; the
/// first one is dropped by the generator, so the `k`-th yield (from 0) evaluates to
/// `script(k + 1)`.
pub struct Yielder<R> {
    resumes: usize,
    script: fn(usize) -> R,
    /// Unwind (without running the panic hook) at this yield, counting from 1: the oracle of
    /// "drop the generator while it is suspended there".
    stop_at: Option<usize>,
    /// Called just before unwinding at `stop_at`.
    on_stop: Option<Box<dyn FnMut()>>,
}

/// The payload of the oracle's unwinding at `stop_at`.
pub struct Stop;

impl<R> Yielder<R> {
    pub fn new(script: fn(usize) -> R) -> Self {
        Yielder {
            resumes: 0,
            script,
            stop_at: None,
            on_stop: None,
        }
    }
    pub fn stopping_at(
        script: fn(usize) -> R,
        yield_number: usize,
        on_stop: impl FnMut() + 'static,
    ) -> Self {
        Yielder {
            resumes: 0,
            script,
            stop_at: Some(yield_number),
            on_stop: Some(Box::new(on_stop)),
        }
    }
    pub fn yield_<Y: Debug>(&mut self, value: Y) -> R {
        log(format!("yield {value:?}"));
        self.resumes += 1;
        if self.stop_at == Some(self.resumes) {
            drop(value);
            if let Some(on_stop) = &mut self.on_stop {
                on_stop();
            }
            std::panic::resume_unwind(Box::new(Stop));
        }
        (self.script)(self.resumes)
    }
}

/// Runs a generator the way [`Yielder`] scripts it, logging `yield {v:?}` for every yield into
/// the thread's log; gives the return value.
pub fn drive<R, Y: Debug, T>(
    g: impl Coroutine<R, Yield = Y, Return = T>,
    script: fn(usize) -> R,
) -> T {
    let mut g = pin!(g);
    let mut i = 0;
    loop {
        let arg = script(i);
        i += 1;
        match g.as_mut().resume(arg) {
            CoroutineState::Yielded(y) => log(format!("yield {y:?}")),
            CoroutineState::Complete(r) => return r,
        }
    }
}

/// Runs a generator twin and its oracle under the same resume script and asserts that they
/// log the same things (yields and side effects, in order) and return the same value. Gives
/// the log and the return value for further checks.
pub fn check_gen<R, Y: Debug, T: Debug + PartialEq>(
    g: impl Coroutine<R, Yield = Y, Return = T>,
    oracle: impl FnOnce(&mut Yielder<R>) -> T,
    script: fn(usize) -> R,
) -> (Vec<String>, T) {
    take_log();
    let got = drive(g, script);
    let got_log = take_log();
    let want = oracle(&mut Yielder::new(script));
    let want_log = take_log();
    assert_eq!(
        got_log, want_log,
        "log of the generator (left) vs the same code run straight through (right)"
    );
    assert_eq!(
        got, want,
        "return value of the generator (left) vs the same code run straight through (right)"
    );
    (got_log, got)
}

/// The resume script of generators resumed with `()`.
pub fn unit(_: usize) {}

/// A resume script for `resume = i32`: the `i`-th resume gets `100 * i`, so the first
/// (dropped) one is `0` and the `k`-th yield evaluates to `100 * (k + 1)`.
pub fn hundreds(i: usize) -> i32 {
    100 * i as i32
}

/// Expands each fn twice: as a generator `#[coroutines::coroutine(yield = Y, resume = R)]` fn,
/// and as a plain fn of the same name in `mod plain` that takes a `&mut Yielder<R>` first.
/// `yield_from!` operands must be direct calls of other twins of the same invocation.
///
/// Write `$` first (for the oracle's own `macro_rules!`), then the attribute (exactly
/// `yield = Y, resume = R`):
/// `gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = ())] fn f() -> i32 { .. } }`.
///
/// The generator fns get their attribute from this macro (with the caller's types), on bodies
/// that come from the caller.
macro_rules! gen_twins {
    ($d:tt #[coroutines::coroutine(yield = $Y:ty, resume = $R:ty)]
     $( $(#[$fattr:meta])* fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)? $body:block )*) => {
        $(
            $(#[$fattr])*
            #[coroutines::coroutine(yield = $Y, resume = $R)]
            fn $name($($arg: $ty),*) $(-> $ret)? $body
        )*
        #[allow(unused_imports, clippy::all)]
        mod plain {
            use super::*;
            $(
                $(#[$fattr])*
                pub fn $name(__yielder: &mut $crate::common::Yielder<$R>, $($arg: $ty),*) $(-> $ret)? {
                    #[allow(unused_macros)]
                    macro_rules! yield_ {
                        ($d v:expr) => { __yielder.yield_::<$Y>($d v) };
                    }
                    #[allow(unused_macros)]
                    macro_rules! yield_from {
                        ($d f:ident ( $d ($d a:expr),* $d (,)? )) => { $d f(&mut *__yielder, $d ($d a),*) };
                    }
                    $body
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Async drivers.

/// A waker that counts its wakes.
pub struct CountingWaker(pub AtomicUsize);
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `f` to completion on this thread; gives its output and how many polls it took.
/// Panics if it returns `Pending` without having woken the waker (it would hang on a real
/// executor).
pub fn block_on<F: Future>(f: F) -> (F::Output, usize) {
    let mut f = pin!(f);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut polls = 0;
    loop {
        polls += 1;
        let before = counter.0.load(Ordering::SeqCst);
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return (v, polls);
        }
        assert!(
            counter.0.load(Ordering::SeqCst) > before,
            "the future returned Pending without waking its waker"
        );
        assert!(polls < 100_000, "the future never completes");
    }
}

/// How many times a [`Pend`] leaf returned `Pending` on this thread so far.
pub fn pendings() -> usize {
    PENDINGS.with(Cell::get)
}

/// A leaf future: `Pending` once (waking the waker), then `Ready(value)`. Counts its polls and
/// its `Pending`s.
pub struct Pend<T> {
    value: Option<T>,
    pub polls: usize,
}

/// A leaf future that suspends once and then gives `value`.
pub fn pend<T>(value: T) -> Pend<T> {
    Pend {
        value: Some(value),
        polls: 0,
    }
}

impl<T> Unpin for Pend<T> {}
impl<T> Future for Pend<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.polls += 1;
        if self.polls == 1 {
            PENDINGS.with(|p| p.set(p.get() + 1));
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.value.take().expect("Pend polled after completion"))
    }
}

/// Runs an async twin and its native `async fn` oracle and asserts that they log the same
/// things, return the same value, take the same number of polls and the same number of leaf
/// suspensions. Gives the log, the value and the number of polls.
pub fn check_async<T: Debug + PartialEq>(
    ours: impl Future<Output = T>,
    native: impl Future<Output = T>,
) -> (Vec<String>, T, usize) {
    take_log();
    let p0 = pendings();
    let (got, got_polls) = block_on(ours);
    let got_pendings = pendings() - p0;
    let got_log = take_log();
    let p1 = pendings();
    let (want, want_polls) = block_on(native);
    let want_pendings = pendings() - p1;
    let want_log = take_log();
    assert_eq!(
        got_log, want_log,
        "log of the #[coroutine] (left) vs the native async fn (right)"
    );
    assert_eq!(
        got, want,
        "output of the #[coroutine] (left) vs the native async fn (right)"
    );
    assert_eq!(
        got_pendings, want_pendings,
        "leaf suspensions: #[coroutine] (left) vs native (right)"
    );
    assert_eq!(
        got_polls, want_polls,
        "polls: #[coroutine] (left) vs native (right)"
    );
    assert_eq!(
        got_polls,
        got_pendings + 1,
        "every leaf suspension must suspend the whole coroutine once"
    );
    (got_log, got, got_polls)
}

/// Expands each fn twice: as an async `#[coroutines::coroutine]` fn, and as a native
/// `async fn` of the same name in `mod native` in which `yield_from!(x)` is `x.await`.
///
/// Write `$` first, then the attribute: `async_twins! { $ #[coroutines::coroutine] fn .. }`
/// (written again by this macro, see [`gen_twins!`]).
macro_rules! async_twins {
    ($d:tt #[coroutines::coroutine] $( $(#[$fattr:meta])* fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)? $body:block )*) => {
        $(
            $(#[$fattr])*
            #[coroutines::coroutine]
            fn $name($($arg: $ty),*) $(-> $ret)? $body
        )*
        #[allow(unused_imports, clippy::all)]
        mod native {
            use super::*;
            $(
                $(#[$fattr])*
                pub async fn $name($($arg: $ty),*) $(-> $ret)? {
                    #[allow(unused_macros)]
                    macro_rules! yield_from {
                        ($d ($d t:tt)*) => { ($d ($d t)*).await };
                    }
                    $body
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Drops.

/// A shared drop log.
pub type DropLog = Rc<RefCell<Vec<&'static str>>>;

/// A new, empty drop log.
pub fn drop_log() -> DropLog {
    Rc::new(RefCell::new(Vec::new()))
}

/// A value that logs its name when dropped.
#[derive(Debug)]
pub struct Droppy(pub &'static str, pub DropLog);

impl Droppy {
    pub fn name(&self) -> &'static str {
        self.0
    }
    /// A method that borrows its receiver and takes any argument (`v.with(yield_!(..))`).
    pub fn with<T>(&self, _arg: T) -> &'static str {
        self.0
    }
}

impl Drop for Droppy {
    fn drop(&mut self) {
        self.1.borrow_mut().push(self.0);
    }
}

/// Asserts that no name appears twice in a drop log.
pub fn assert_each_once(log: &[&'static str]) {
    for (i, a) in log.iter().enumerate() {
        if !a.starts_with('<') {
            assert!(!log[i + 1..].contains(a), "`{a}` dropped twice: {log:?}");
        }
    }
}
