use std::future::Future;
use std::pin::Pin;

#[coroutines::coroutine]
fn factorial(n: u64) -> u64 {
    if n == 0 {
        1
    } else {
        n * yield_from!(Box::pin(factorial(n - 1)))
    }
}

// The way that works: the recursive call's type is erased.
#[coroutines::coroutine]
fn factorial_boxed(n: u64) -> u64 {
    if n == 0 {
        1
    } else {
        let inner: Pin<Box<dyn Future<Output = u64>>> = Box::pin(factorial_boxed(n - 1));
        n * yield_from!(inner)
    }
}

fn main() {}
