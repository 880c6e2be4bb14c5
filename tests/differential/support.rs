//! Runtime support of the differential suite (`tests/differential_*.rs`).
//!
//! Every generated program is a *twin*: the same tokens are compiled once as a
//! `#[coroutines::coroutine]` fn and once as a plain fn (see [`gen_twins!`], [`async_twins!`]).
//! In the plain twin a suspension is a function call that logs what would have been yielded
//! (`y <value>`) and returns the next value of a deterministic resume script; the coroutine
//! twin is driven with the same script, and its yields are logged the same way. Both twins log
//! into the same thread-local log (together with the side effects of [`note`]), so comparing
//! the logs compares the order of every observable event, and comparing results compares
//! values.
//!
//! The `difftest` tool (`tools/difftest`) embeds this file into its scratch crates, so the
//! checked-in programs and the ones it generates run on exactly the same support code.
#![allow(dead_code, unused_macros, unused_imports, clippy::all)]

use coroutines::{Coroutine, CoroutineState};
use std::cell::{Cell, RefCell};
use std::fmt::Debug;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static SEED: Cell<u64> = const { Cell::new(0) };
    static RESUMES: Cell<usize> = const { Cell::new(0) };
}

/// Appends an entry to this thread's log.
pub fn log(entry: String) {
    LOG.with(|l| l.borrow_mut().push(entry));
}

/// Takes (and clears) this thread's log.
pub fn take_log() -> Vec<String> {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

/// The `i`-th resume value of the script of `seed` (a small number in `-4..=8`).
pub fn script(seed: u64, i: usize) -> i64 {
    (seed.wrapping_mul(31).wrapping_add(i as u64 * 7) % 13) as i64 - 4
}

/// Starts a run: clears the log and rewinds the resume script.
pub fn reset(seed: u64) {
    take_log();
    SEED.with(|s| s.set(seed));
    RESUMES.with(|r| r.set(0));
}

/// The value the next resume brings (the first resume's value is dropped by a generator, so
/// the `k`-th suspension, counting from 0, gets `script(seed, k + 1)`).
pub fn next_resume() -> i64 {
    let i = RESUMES.with(|r| {
        r.set(r.get() + 1);
        r.get()
    });
    assert!(i < 100_000, "runaway program: too many suspensions");
    script(SEED.with(Cell::get), i)
}

/// What a suspension is in a plain twin: log the value, return the next resume value.
pub fn plain_yield(value: i64) -> i64 {
    log(format!("y {value}"));
    next_resume()
}

/// An operand with an observable side effect: logs `tag value`, gives `value`.
pub fn note<T: Debug>(tag: &str, value: T) -> T {
    log(format!("{tag} {value:?}"));
    value
}

// ---------------------------------------------------------------------------------------------
// Plain helpers the programs call.

pub fn f1(a: i64) -> i64 {
    a.wrapping_mul(3).wrapping_sub(1)
}
pub fn f2(a: i64, b: i64) -> i64 {
    a.wrapping_mul(7).wrapping_add(b)
}
pub fn f3(a: i64, b: i64, c: i64) -> i64 {
    a.wrapping_sub(b).wrapping_mul(5).wrapping_add(c)
}
/// `None` for multiples of 3.
pub fn opt(a: i64) -> Option<i64> {
    if a % 3 == 0 {
        None
    } else {
        Some(a.wrapping_add(1))
    }
}
/// `Err` for multiples of 4.
pub fn res(a: i64) -> Result<i64, String> {
    if a % 4 == 0 {
        Err(format!("bad {a}"))
    } else {
        Ok(a.wrapping_sub(2))
    }
}
/// Consumes a `String`.
pub fn take_s(s: String) -> i64 {
    s.len() as i64
}
/// Consumes a `Vec`.
pub fn take_v(v: Vec<i64>) -> i64 {
    v.iter().fold(0i64, |a, b| a.wrapping_add(*b))
}
/// A string with a number in it.
pub fn st(a: i64) -> String {
    format!("s{a}")
}

/// A struct with named fields.
#[derive(Debug, Clone, PartialEq)]
pub struct P {
    pub a: i64,
    pub b: i64,
}

impl P {
    pub fn sum(&self) -> i64 {
        self.a.wrapping_add(self.b)
    }
    pub fn with(self, c: i64) -> P {
        P { a: self.b, b: c }
    }
}

// ---------------------------------------------------------------------------------------------
// Generator flavour.

/// Runs the plain twin first: a program whose plain twin panics is not a valid test (the
/// generator made a mistake), which the message says so that `difftest` can tell.
fn run_plain<T>(seed: u64, plain: impl FnOnce() -> T) -> (T, Vec<String>) {
    reset(seed);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(plain)) {
        Ok(v) => (v, take_log()),
        Err(_) => panic!("INVALID PROGRAM: the plain twin panicked"),
    }
}

/// Drives a generator with the resume script of `seed` and its plain twin with the same script;
/// asserts identical logs (yields and side effects, in order) and return values.
pub fn check_gen<T, G>(seed: u64, generator: impl FnOnce() -> G, plain: impl FnOnce() -> T)
where
    T: Debug + PartialEq,
    G: Coroutine<i64, Yield = i64, Return = T>,
{
    let (want, want_log) = run_plain(seed, plain);
    reset(seed);
    let mut g = pin!(generator());
    let mut i = 0;
    let got = loop {
        let arg = script(seed, i);
        i += 1;
        assert!(i < 100_000, "runaway generator: too many yields");
        match g.as_mut().resume(arg) {
            CoroutineState::Yielded(y) => log(format!("y {y}")),
            CoroutineState::Complete(r) => break r,
        }
    };
    let got_log = take_log();
    assert_eq!(
        got_log, want_log,
        "log of the generator (left) vs its plain twin (right)"
    );
    assert_eq!(
        got, want,
        "return value of the generator (left) vs its plain twin (right)"
    );
}

// ---------------------------------------------------------------------------------------------
// Async flavour.

/// The leaf future of the async programs: logs `y <value>` and returns `Pending` (waking the
/// waker) on its first poll, then `Ready` with the next resume value.
pub struct Leaf {
    value: i64,
    polled: bool,
}

/// In an async program, `yield_from!(leaf(v))` is the suspension point.
pub fn leaf(value: i64) -> Leaf {
    Leaf {
        value,
        polled: false,
    }
}

impl Future for Leaf {
    type Output = i64;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<i64> {
        if !self.polled {
            self.polled = true;
            log(format!("y {}", self.value));
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(next_resume())
        }
    }
}

struct CountingWaker(AtomicUsize);
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `f` to completion; gives its output and the number of polls. Panics if `f` returns
/// `Pending` without waking its waker.
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
        assert!(polls < 100_000, "runaway future: too many polls");
    }
}

/// Runs an async coroutine under [`block_on`] and its plain twin with the same resume script;
/// asserts identical logs and results, and that every leaf suspension suspended the whole
/// coroutine exactly once.
pub fn check_async<T, F>(seed: u64, future: impl FnOnce() -> F, plain: impl FnOnce() -> T)
where
    T: Debug + PartialEq,
    F: Future<Output = T>,
{
    let (want, want_log) = run_plain(seed, plain);
    reset(seed);
    let (got, polls) = block_on(future());
    let got_log = take_log();
    assert_eq!(
        got_log, want_log,
        "log of the async coroutine (left) vs its plain twin (right)"
    );
    assert_eq!(
        got, want,
        "output of the async coroutine (left) vs its plain twin (right)"
    );
    let leaves = want_log.iter().filter(|e| e.starts_with("y ")).count();
    assert_eq!(
        polls,
        leaves + 1,
        "polls of the async coroutine vs leaf suspensions + 1"
    );
}

// ---------------------------------------------------------------------------------------------
// The twin macros.

/// The plain half of [`gen_twins!`]: a `mod plain` holding every fn with `yield_!(v)` turned
/// into [`plain_yield`]`(v)` and `yield_from!(f(args))` into the call `f(args)` of the plain
/// twin of `f`.
macro_rules! gen_plain {
    ($d:tt $( fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty $body:block )*) => {
        pub mod plain {
            #[allow(unused_imports)]
            use super::*;
            $(
                pub fn $name($($arg: $ty),*) -> $ret {
                    #[allow(unused_macros)]
                    macro_rules! yield_ {
                        ($d v:expr) => { $crate::support::plain_yield($d v) };
                    }
                    #[allow(unused_macros)]
                    macro_rules! yield_from {
                        ($d f:ident ( $d ($d a:expr),* $d (,)? )) => { $d f($d ($d a),*) };
                    }
                    $body
                }
            )*
        }
    };
}

/// Expands each fn twice: as written, under the caller's generator attribute (write `$` and the
/// attribute first: `gen_twins! { $ #[coroutines::coroutine(yield = i64, resume = i64)] fn .. }`;
/// the attribute must come from the caller, see BUG L in `semantics_generator.rs`), and as a
/// plain twin in `mod plain` (see [`gen_plain!`]).
macro_rules! gen_twins {
    ($d:tt $h:tt $attr:tt $( fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty $body:block )*) => {
        $(
            $h $attr
            pub fn $name($($arg: $ty),*) -> $ret $body
        )*
        gen_plain! { $d $( fn $name ( $($arg : $ty),* ) -> $ret $body )* }
    };
}

/// The plain half of [`async_twins!`]: like [`gen_plain!`], with `yield_from!(leaf(v))` (the
/// async programs' suspension) turned into [`plain_yield`]`(v)`.
macro_rules! async_plain {
    ($d:tt $( fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty $body:block )*) => {
        pub mod plain {
            #[allow(unused_imports)]
            use super::*;
            /// The plain twin of the leaf future.
            pub fn leaf(v: i64) -> i64 {
                $crate::support::plain_yield(v)
            }
            $(
                pub fn $name($($arg: $ty),*) -> $ret {
                    #[allow(unused_macros)]
                    macro_rules! yield_from {
                        ($d f:ident ( $d ($d a:expr),* $d (,)? )) => { $d f($d ($d a),*) };
                    }
                    $body
                }
            )*
        }
    };
}

/// Expands each fn twice: as an async `#[coroutines::coroutine]` fn (attribute from the caller,
/// as in [`gen_twins!`]) and as a plain twin in `mod plain` (see [`async_plain!`]).
macro_rules! async_twins {
    ($d:tt $h:tt $attr:tt $( fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty $body:block )*) => {
        $(
            $h $attr
            pub fn $name($($arg: $ty),*) -> $ret $body
        )*
        async_plain! { $d $( fn $name ( $($arg : $ty),* ) -> $ret $body )* }
    };
}
