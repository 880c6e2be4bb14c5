//! A generator: `#[coroutine(yield = Y)]` and `yield_!`, iterated with `coroutines::iter`.
//!
//! ```python
//! def fibonacci(limit):
//!     a, b = 0, 1
//!     while a < limit:
//!         yield a
//!         a, b = b, a + b
//! ```

#[coroutines::coroutine(yield = u64)]
pub fn fibonacci(limit: u64) {
    let (mut a, mut b) = (0, 1);
    while a < limit {
        yield_!(a);
        (a, b) = (b, a + b);
    }
}

fn main() {
    let numbers: Vec<u64> = coroutines::iter(fibonacci(100)).collect();
    println!("{numbers:?}");
}
