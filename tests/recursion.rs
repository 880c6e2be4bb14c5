//! A coroutine that waits for (or delegates to) a new instance of itself: its type would
//! contain itself, so the inner instance goes behind a `Pin<Box<dyn ..>>` (a direct
//! `yield_from!(f(..))` is a compile error that says so: `tests/ui/recursion-without-a-box.rs`).

mod common;

use common::run;
use coroutines::{Coroutine, EventLoop};
use std::future::Future;
use std::pin::Pin;

#[coroutines::coroutine]
fn factorial(n: u64) -> u64 {
    if n == 0 {
        yield_from!(coroutines::sleep(0.0));
        1
    } else {
        let inner: Pin<Box<dyn Future<Output = u64>>> = Box::pin(factorial(n - 1));
        n * yield_from!(inner)
    }
}

#[test]
fn an_async_coroutine_awaits_itself_through_a_box() {
    assert_eq!(
        EventLoop::new().run_until_complete(factorial(10)),
        3_628_800
    );
}

#[coroutines::coroutine(yield = u32)]
fn countdown(n: u32) {
    if n > 0 {
        yield_!(n);
        let rest: Pin<Box<dyn Coroutine<(), Yield = u32, Return = ()>>> =
            Box::pin(countdown(n - 1));
        yield_from!(rest);
    }
}

#[test]
fn a_generator_delegates_to_itself_through_a_box() {
    let (yields, ()) = run(countdown(4));
    assert_eq!(yields, [4, 3, 2, 1]);
}
