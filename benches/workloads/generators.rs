//! diapause's four generator workloads, so that our figures line up with its published suite:
//!
//! | workload | shape | yields |
//! |---|---|---|
//! | `counter(n)` | one `for` loop, yields `i` | `n` |
//! | `nested(n)` | two nested `for` loops (`j < i < n`), yields `i ^ j` | `n(n-1)/2` |
//! | `running_total(n)` | yields a running sum, folds each resume value back in, returns the sum | `n` |
//! | `large_state(n)` | a `[u64; 32]` live across every yield, one slot updated per iteration | `n` |
//!
//! Every contender is measured the way diapause measures: build the generator, then drive it to
//! completion, summing the yielded values (and, for `running_total`, resuming with `v & 7` and
//! adding the return value). Each yielded value goes through [`black_box`] before it is added:
//! without it LLVM turns `counter` driven by our macro or by hand into the closed form
//! `n(n-1)/2` (a few ns for 1024 yields), which measures the optimiser, not the yields. The `*_sum` functions do both and return that sum; the test
//! `tests/bench_workloads.rs` checks that all contenders agree.
//!
//! Contenders:
//! - `ours`: `#[coroutines::coroutine(yield = u64)]` functions;
//! - `hand`: handwritten state structs implementing [`coroutines::Coroutine`] — the limit. They
//!   keep the one piece of bookkeeping our contract requires (resuming a finished generator
//!   panics), and their `resume` is `#[inline]` (without it, the bench profile's 16 codegen
//!   units can leave it out of line: a call per yield);
//! - `dia`: `#[diapause::coroutine]` (crates.io `diapause` 0.2);
//! - `ga_rc` / `ga_stack`: genawaiter 0.99's `rc::Gen` (allocates the future) and
//!   `stack::let_gen_using!` (no allocation; a stack generator cannot be returned, so its
//!   functions build and drive in one go);
//! - `cs`: corosensei 0.3 (stackful: every construction allocates and frees a stack).

use coroutines::{Coroutine, CoroutineState};
pub use std::hint::black_box;
use std::pin::pin;

/// Outer bound of `counter`, `running_total` and `large_state`.
pub const N: u64 = 1024;
/// Outer bound of `nested`: `64 * 63 / 2 = 2016` yields.
pub const NESTED_N: u64 = 64;

/// Drives a `()`-resumed generator to completion; the wrapping sum of its yields.
#[inline]
pub fn drive<C: Coroutine<(), Yield = u64, Return = ()>>(c: C) -> u64 {
    let mut c = pin!(c);
    let mut acc = 0u64;
    while let CoroutineState::Yielded(v) = c.as_mut().resume(()) {
        acc = acc.wrapping_add(black_box(v));
    }
    acc
}

/// Drives a `u64`-resumed generator: resumes with `v & 7` after each yield `v`; the wrapping sum
/// of the yields and the return value. The first resume value (`0`) primes it.
#[inline]
pub fn drive_total<C: Coroutine<u64, Yield = u64, Return = u64>>(c: C) -> u64 {
    let mut c = pin!(c);
    let mut acc = 0u64;
    let mut st = c.as_mut().resume(0);
    loop {
        match st {
            CoroutineState::Yielded(v) => {
                acc = acc.wrapping_add(black_box(v));
                st = c.as_mut().resume(v & 7);
            }
            CoroutineState::Complete(r) => return acc.wrapping_add(r),
        }
    }
}

/// This crate's generator flavour.
pub mod ours {
    use super::{drive, drive_total};

    #[coroutines::coroutine(yield = u64)]
    pub fn counter(n: u64) {
        for i in 0..n {
            yield_!(i);
        }
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn nested(n: u64) {
        for i in 0..n {
            for j in 0..i {
                yield_!(i ^ j);
            }
        }
    }

    #[coroutines::coroutine(yield = u64, resume = u64)]
    pub fn running_total(n: u64) -> u64 {
        let mut sum = 0u64;
        for i in 0..n {
            let bonus = yield_!(sum);
            sum = sum.wrapping_add(i).wrapping_add(bonus);
        }
        sum
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn large_state(n: u64) {
        let mut buf = [0u64; 32];
        for i in 0..n {
            let idx = (i & 31) as usize;
            buf[idx] = buf[idx].wrapping_add(i);
            yield_!(buf[idx]);
        }
    }

    pub fn counter_sum(n: u64) -> u64 {
        drive(counter(n))
    }
    pub fn nested_sum(n: u64) -> u64 {
        drive(nested(n))
    }
    pub fn running_total_sum(n: u64) -> u64 {
        drive_total(running_total(n))
    }
    pub fn large_state_sum(n: u64) -> u64 {
        drive(large_state(n))
    }
}

/// Handwritten state structs: what a careful person writes without a macro.
pub mod hand {
    use super::{drive, drive_total};
    use coroutines::{Coroutine, CoroutineState};
    use std::pin::Pin;

    #[cold]
    #[inline(never)]
    fn finished() -> ! {
        panic!("generator resumed after completion")
    }

    pub struct Counter {
        n: u64,
        next: u64,
        done: bool,
    }

    pub fn counter(n: u64) -> Counter {
        Counter {
            n,
            next: 0,
            done: false,
        }
    }

    impl Coroutine for Counter {
        type Yield = u64;
        type Return = ();
        #[inline]
        fn resume(self: Pin<&mut Self>, (): ()) -> CoroutineState<u64, ()> {
            let s = self.get_mut();
            if s.next < s.n {
                let v = s.next;
                s.next += 1;
                CoroutineState::Yielded(v)
            } else if !s.done {
                s.done = true;
                CoroutineState::Complete(())
            } else {
                finished()
            }
        }
    }

    pub struct Nested {
        n: u64,
        i: u64,
        j: u64,
        done: bool,
    }

    pub fn nested(n: u64) -> Nested {
        Nested {
            n,
            i: 0,
            j: 0,
            done: false,
        }
    }

    impl Coroutine for Nested {
        type Yield = u64;
        type Return = ();
        #[inline]
        fn resume(self: Pin<&mut Self>, (): ()) -> CoroutineState<u64, ()> {
            let s = self.get_mut();
            while s.i < s.n {
                if s.j < s.i {
                    let v = s.i ^ s.j;
                    s.j += 1;
                    return CoroutineState::Yielded(v);
                }
                s.i += 1;
                s.j = 0;
            }
            if s.done {
                finished()
            }
            s.done = true;
            CoroutineState::Complete(())
        }
    }

    pub struct RunningTotal {
        n: u64,
        i: u64,
        sum: u64,
        /// 0: not started, 1: suspended at the yield, 2: done.
        state: u8,
    }

    pub fn running_total(n: u64) -> RunningTotal {
        RunningTotal {
            n,
            i: 0,
            sum: 0,
            state: 0,
        }
    }

    impl Coroutine<u64> for RunningTotal {
        type Yield = u64;
        type Return = u64;
        #[inline]
        fn resume(self: Pin<&mut Self>, bonus: u64) -> CoroutineState<u64, u64> {
            let s = self.get_mut();
            match s.state {
                0 => {}
                1 => {
                    s.sum = s.sum.wrapping_add(s.i).wrapping_add(bonus);
                    s.i += 1;
                }
                _ => finished(),
            }
            if s.i < s.n {
                s.state = 1;
                CoroutineState::Yielded(s.sum)
            } else {
                s.state = 2;
                CoroutineState::Complete(s.sum)
            }
        }
    }

    pub struct LargeState {
        n: u64,
        i: u64,
        buf: [u64; 32],
        done: bool,
    }

    pub fn large_state(n: u64) -> LargeState {
        LargeState {
            n,
            i: 0,
            buf: [0; 32],
            done: false,
        }
    }

    impl Coroutine for LargeState {
        type Yield = u64;
        type Return = ();
        #[inline]
        fn resume(self: Pin<&mut Self>, (): ()) -> CoroutineState<u64, ()> {
            let s = self.get_mut();
            if s.i < s.n {
                let idx = (s.i & 31) as usize;
                s.buf[idx] = s.buf[idx].wrapping_add(s.i);
                s.i += 1;
                CoroutineState::Yielded(s.buf[idx])
            } else if !s.done {
                s.done = true;
                CoroutineState::Complete(())
            } else {
                finished()
            }
        }
    }

    pub fn counter_sum(n: u64) -> u64 {
        drive(counter(n))
    }
    pub fn nested_sum(n: u64) -> u64 {
        drive(nested(n))
    }
    pub fn running_total_sum(n: u64) -> u64 {
        drive_total(running_total(n))
    }
    pub fn large_state_sum(n: u64) -> u64 {
        drive(large_state(n))
    }
}

/// diapause 0.2 (`start()` runs to the first yield, then `resume(v)`).
pub mod dia {
    use super::black_box;
    use diapause::{Coroutine, CoroutineState};

    #[diapause::coroutine(yield = u64)]
    pub fn counter(n: u64) {
        for i in 0..n {
            yield_!(i);
        }
    }

    #[diapause::coroutine(yield = u64)]
    pub fn nested(n: u64) {
        for i in 0..n {
            for j in 0..i {
                yield_!(i ^ j);
            }
        }
    }

    #[diapause::coroutine(yield = u64, resume = u64)]
    pub fn running_total(n: u64) -> u64 {
        let mut sum: u64 = 0;
        for i in 0..n {
            let bonus = yield_!(sum);
            sum = sum.wrapping_add(i).wrapping_add(bonus);
        }
        sum
    }

    #[diapause::coroutine(yield = u64)]
    pub fn large_state(n: u64) {
        let mut buf: [u64; 32] = [0; 32];
        for i in 0..n {
            let idx = (i & 31) as usize;
            buf[idx] = buf[idx].wrapping_add(i);
            yield_!(buf[idx]);
        }
    }

    #[inline]
    pub fn drive<C: Coroutine<(), Yield = u64, Return = ()>>(mut c: C) -> u64 {
        let mut acc = 0u64;
        let mut st = c.start();
        while let CoroutineState::Yielded(v) = st {
            acc = acc.wrapping_add(black_box(v));
            st = c.resume(());
        }
        acc
    }

    #[inline]
    pub fn drive_total<C: Coroutine<u64, Yield = u64, Return = u64>>(mut c: C) -> u64 {
        let mut acc = 0u64;
        let mut st = c.start();
        loop {
            match st {
                CoroutineState::Yielded(v) => {
                    acc = acc.wrapping_add(black_box(v));
                    st = c.resume(v & 7);
                }
                CoroutineState::Complete(r) => return acc.wrapping_add(r),
            }
        }
    }

    pub fn counter_sum(n: u64) -> u64 {
        drive(counter(n))
    }
    pub fn nested_sum(n: u64) -> u64 {
        drive(nested(n))
    }
    pub fn running_total_sum(n: u64) -> u64 {
        drive_total(running_total(n))
    }
    pub fn large_state_sum(n: u64) -> u64 {
        drive(large_state(n))
    }
}

/// genawaiter 0.99, `rc` flavour (the future is boxed once per construction).
pub mod ga_rc {
    use super::black_box;
    use genawaiter::rc::Gen;
    use genawaiter::GeneratorState;
    use std::future::Future;

    pub fn counter(n: u64) -> Gen<u64, (), impl Future<Output = ()>> {
        Gen::new(move |co| async move {
            for i in 0..n {
                co.yield_(i).await;
            }
        })
    }

    pub fn nested(n: u64) -> Gen<u64, (), impl Future<Output = ()>> {
        Gen::new(move |co| async move {
            for i in 0..n {
                for j in 0..i {
                    co.yield_(i ^ j).await;
                }
            }
        })
    }

    pub fn running_total(n: u64) -> Gen<u64, u64, impl Future<Output = u64>> {
        Gen::new(move |co| async move {
            let mut sum = 0u64;
            for i in 0..n {
                let bonus = co.yield_(sum).await;
                sum = sum.wrapping_add(i).wrapping_add(bonus);
            }
            sum
        })
    }

    pub fn large_state(n: u64) -> Gen<u64, (), impl Future<Output = ()>> {
        Gen::new(move |co| async move {
            let mut buf = [0u64; 32];
            for i in 0..n {
                let idx = (i & 31) as usize;
                buf[idx] = buf[idx].wrapping_add(i);
                co.yield_(buf[idx]).await;
            }
        })
    }

    #[inline]
    pub fn drive<F: Future<Output = ()>>(mut g: Gen<u64, (), F>) -> u64 {
        let mut acc = 0u64;
        while let GeneratorState::Yielded(v) = g.resume_with(()) {
            acc = acc.wrapping_add(black_box(v));
        }
        acc
    }

    #[inline]
    pub fn drive_total<F: Future<Output = u64>>(mut g: Gen<u64, u64, F>) -> u64 {
        let mut acc = 0u64;
        let mut st = g.resume_with(0);
        loop {
            match st {
                GeneratorState::Yielded(v) => {
                    acc = acc.wrapping_add(black_box(v));
                    st = g.resume_with(v & 7);
                }
                GeneratorState::Complete(r) => return acc.wrapping_add(r),
            }
        }
    }

    pub fn counter_sum(n: u64) -> u64 {
        drive(counter(n))
    }
    pub fn nested_sum(n: u64) -> u64 {
        drive(nested(n))
    }
    pub fn running_total_sum(n: u64) -> u64 {
        drive_total(running_total(n))
    }
    pub fn large_state_sum(n: u64) -> u64 {
        drive(large_state(n))
    }
}

/// genawaiter 0.99, `stack` flavour: no allocation; the generator lives in the caller's frame, so
/// each function builds it and drives it.
pub mod ga_stack {
    use super::black_box;
    use genawaiter::GeneratorState;

    /// Drives the stack generator `$g` (resumed with `()`), summing its yields.
    macro_rules! drive_unit {
        ($g:ident) => {{
            let mut acc = 0u64;
            while let GeneratorState::Yielded(v) = $g.resume_with(()) {
                acc = acc.wrapping_add(black_box(v));
            }
            acc
        }};
    }

    pub fn counter_sum(n: u64) -> u64 {
        genawaiter::stack::let_gen_using!(g, |co| async move {
            for i in 0..n {
                co.yield_(i).await;
            }
        });
        drive_unit!(g)
    }

    pub fn nested_sum(n: u64) -> u64 {
        genawaiter::stack::let_gen_using!(g, |co| async move {
            for i in 0..n {
                for j in 0..i {
                    co.yield_(i ^ j).await;
                }
            }
        });
        drive_unit!(g)
    }

    pub fn running_total_sum(n: u64) -> u64 {
        genawaiter::stack::let_gen_using!(g, |co| async move {
            let mut sum = 0u64;
            for i in 0..n {
                let bonus = co.yield_(sum).await;
                sum = sum.wrapping_add(i).wrapping_add(bonus);
            }
            sum
        });
        let mut acc = 0u64;
        let mut st = g.resume_with(0);
        loop {
            match st {
                GeneratorState::Yielded(v) => {
                    acc = acc.wrapping_add(black_box(v));
                    st = g.resume_with(v & 7);
                }
                GeneratorState::Complete(r) => return acc.wrapping_add(r),
            }
        }
    }

    pub fn large_state_sum(n: u64) -> u64 {
        genawaiter::stack::let_gen_using!(g, |co| async move {
            let mut buf = [0u64; 32];
            for i in 0..n {
                let idx = (i & 31) as usize;
                buf[idx] = buf[idx].wrapping_add(i);
                co.yield_(buf[idx]).await;
            }
        });
        drive_unit!(g)
    }
}

/// corosensei 0.3: stackful coroutines; `Coroutine::new` allocates a fresh stack each time.
pub mod cs {
    use super::black_box;
    use corosensei::{Coroutine, CoroutineResult};

    pub fn counter(n: u64) -> Coroutine<(), u64, ()> {
        Coroutine::new(move |y, ()| {
            for i in 0..n {
                y.suspend(i);
            }
        })
    }

    pub fn nested(n: u64) -> Coroutine<(), u64, ()> {
        Coroutine::new(move |y, ()| {
            for i in 0..n {
                for j in 0..i {
                    y.suspend(i ^ j);
                }
            }
        })
    }

    pub fn running_total(n: u64) -> Coroutine<u64, u64, u64> {
        Coroutine::new(move |y, _first: u64| {
            let mut sum = 0u64;
            for i in 0..n {
                let bonus = y.suspend(sum);
                sum = sum.wrapping_add(i).wrapping_add(bonus);
            }
            sum
        })
    }

    pub fn large_state(n: u64) -> Coroutine<(), u64, ()> {
        Coroutine::new(move |y, ()| {
            let mut buf = [0u64; 32];
            for i in 0..n {
                let idx = (i & 31) as usize;
                buf[idx] = buf[idx].wrapping_add(i);
                y.suspend(buf[idx]);
            }
        })
    }

    #[inline]
    pub fn drive(mut c: Coroutine<(), u64, ()>) -> u64 {
        let mut acc = 0u64;
        while let CoroutineResult::Yield(v) = c.resume(()) {
            acc = acc.wrapping_add(black_box(v));
        }
        acc
    }

    #[inline]
    pub fn drive_total(mut c: Coroutine<u64, u64, u64>) -> u64 {
        let mut acc = 0u64;
        let mut st = c.resume(0);
        loop {
            match st {
                CoroutineResult::Yield(v) => {
                    acc = acc.wrapping_add(black_box(v));
                    st = c.resume(v & 7);
                }
                CoroutineResult::Return(r) => return acc.wrapping_add(r),
            }
        }
    }

    pub fn counter_sum(n: u64) -> u64 {
        drive(counter(n))
    }
    pub fn nested_sum(n: u64) -> u64 {
        drive(nested(n))
    }
    pub fn running_total_sum(n: u64) -> u64 {
        drive_total(running_total(n))
    }
    pub fn large_state_sum(n: u64) -> u64 {
        drive(large_state(n))
    }
}

/// One workload, every contender: `(contender name, build-and-drive function)`.
pub type Contenders = [(&'static str, fn(u64) -> u64); 6];

/// The four workloads: `(name, n, contenders)`.
pub fn workloads() -> [(&'static str, u64, Contenders); 4] {
    [
        (
            "counter",
            N,
            [
                ("ours", ours::counter_sum),
                ("handwritten", hand::counter_sum),
                ("diapause", dia::counter_sum),
                ("genawaiter_rc", ga_rc::counter_sum),
                ("genawaiter_stack", ga_stack::counter_sum),
                ("corosensei", cs::counter_sum),
            ],
        ),
        (
            "nested",
            NESTED_N,
            [
                ("ours", ours::nested_sum),
                ("handwritten", hand::nested_sum),
                ("diapause", dia::nested_sum),
                ("genawaiter_rc", ga_rc::nested_sum),
                ("genawaiter_stack", ga_stack::nested_sum),
                ("corosensei", cs::nested_sum),
            ],
        ),
        (
            "running_total",
            N,
            [
                ("ours", ours::running_total_sum),
                ("handwritten", hand::running_total_sum),
                ("diapause", dia::running_total_sum),
                ("genawaiter_rc", ga_rc::running_total_sum),
                ("genawaiter_stack", ga_stack::running_total_sum),
                ("corosensei", cs::running_total_sum),
            ],
        ),
        (
            "large_state",
            N,
            [
                ("ours", ours::large_state_sum),
                ("handwritten", hand::large_state_sum),
                ("diapause", dia::large_state_sum),
                ("genawaiter_rc", ga_rc::large_state_sum),
                ("genawaiter_stack", ga_stack::large_state_sum),
                ("corosensei", cs::large_state_sum),
            ],
        ),
    ]
}

/// Yields per drive of each workload (for per-yield figures).
pub fn yields(workload: &str, n: u64) -> u64 {
    match workload {
        "nested" => n * n.saturating_sub(1) / 2,
        _ => n,
    }
}
