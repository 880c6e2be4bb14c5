//! Python 3.4's generator-based coroutines on stable Rust.
//!
//! `#[coroutines::coroutine]` is `@asyncio.coroutine`: it rewrites a plain function into a
//! state machine (no `async`, no nightly, no allocation) whose suspension points are written
//! `yield_from!(x)` (PEP 380's `yield from`) and, in generators, `yield_!(v)`. The event loop
//! is asyncio's: [`get_event_loop`], [`EventLoop::run_until_complete`], [`sleep`],
//! [`EventLoop::close`].
//!
//! ```no_run
//! use std::time::Duration;
//!
//! #[coroutines::coroutine]
//! fn compute(x: i32, y: i32) -> i32 {
//!     println!("Compute {x} + {y} ...");
//!     yield_from!(coroutines::sleep(Duration::from_secs(1)));
//!     x + y
//! }
//!
//! #[coroutines::coroutine]
//! fn print_sum(x: i32, y: i32) {
//!     let result = yield_from!(compute(x, y));
//!     println!("{x} + {y} = {result}");
//! }
//!
//! let event_loop = coroutines::get_event_loop();
//! event_loop.run_until_complete(print_sum(1, 2));
//! event_loop.close();
//! ```
//!
//! See the README for the two flavours, the semantics rules and the limitations.

/// Turns a function into a coroutine: Python's `@asyncio.coroutine`.
///
/// Without arguments, `fn f(..) -> T` becomes `fn f(..) -> impl Future<Output = T>` and
/// `yield_from!(x)` waits for anything `IntoFuture`:
///
/// ```
/// #[coroutines::coroutine]
/// fn add_later(x: u32, y: u32) -> u32 {
///     yield_from!(coroutines::sleep(0));
///     x + y
/// }
///
/// assert_eq!(coroutines::EventLoop::new().run_until_complete(add_later(1, 2)), 3);
/// ```
///
/// With `yield = Y` (and optionally `resume = R`), it becomes
/// `fn f(..) -> impl Coroutine<R, Yield = Y, Return = T>`; `yield_!(v)` yields and evaluates to
/// the next resume value, `yield_from!(g)` delegates to another generator (PEP 380):
///
/// ```
/// use coroutines::{Coroutine, CoroutineState};
/// use std::pin::pin;
///
/// #[coroutines::coroutine(yield = u32, resume = u32)]
/// fn running_total() -> u32 {
///     let mut total = 0;
///     while total < 10 {
///         total += yield_!(total);
///     }
///     total
/// }
///
/// let mut generator = pin!(running_total());
/// assert_eq!(generator.as_mut().resume(0), CoroutineState::Yielded(0)); // priming
/// assert_eq!(generator.as_mut().resume(4), CoroutineState::Yielded(4));
/// assert_eq!(generator.as_mut().resume(7), CoroutineState::Complete(11));
/// ```
///
/// `crate = path` names this crate when it is re-exported elsewhere
/// (`#[coroutines::coroutine(crate = my::coroutines)]`).
#[doc(inline)]
pub use coroutine_macros::coroutine;
pub use coroutine_runtime::*;

#[doc(hidden)]
pub use coroutine_runtime::__private;

/// Suspends the enclosing `#[coroutines::coroutine]` fn until the operand completes, and
/// evaluates to its result: Python's `yield from`.
///
/// In an async coroutine the operand is anything `IntoFuture`; in a generator
/// (`#[coroutine(yield = Y)]`) it is another generator with the same yield type, whose yields
/// pass through (PEP 380). Only usable inside a `#[coroutines::coroutine]` fn, where the
/// attribute rewrites it; anywhere else it is a compile error.
///
/// ```
/// #[coroutines::coroutine]
/// fn double(x: u32) -> u32 {
///     2 * yield_from!(std::future::ready(x))
/// }
/// assert_eq!(coroutines::EventLoop::new().run_until_complete(double(21)), 42);
/// ```
#[macro_export]
macro_rules! yield_from {
    ($($operand:tt)*) => {
        ::core::compile_error!(
            "`yield_from!` can only be used inside a `#[coroutines::coroutine]` fn (and not inside a closure, `async` block or nested fn there)"
        )
    };
}

/// Suspends the enclosing generator `#[coroutines::coroutine(yield = Y)]` fn, handing `value`
/// to whoever resumes it, and evaluates to the value of that next resume: Python's
/// `x = yield value`.
///
/// Only usable inside a generator `#[coroutines::coroutine(yield = ..)]` fn, where the
/// attribute rewrites it; anywhere else it is a compile error.
///
/// ```
/// #[coroutines::coroutine(yield = &'static str)]
/// fn greetings() {
///     yield_!("hello");
///     yield_!("world");
/// }
/// assert_eq!(coroutines::iter(greetings()).collect::<Vec<_>>(), ["hello", "world"]);
/// ```
#[macro_export]
macro_rules! yield_ {
    ($($value:tt)*) => {
        ::core::compile_error!(
            "`yield_!` can only be used inside a generator `#[coroutines::coroutine(yield = ..)]` fn (and not inside a closure, `async` block or nested fn there)"
        )
    };
}
