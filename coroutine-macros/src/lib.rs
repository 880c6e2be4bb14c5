//! `#[coroutine]`: rewrites a plain function into a state machine, Python 3.4's
//! `@asyncio.coroutine` on stable Rust. Use it through the `coroutines` crate.
//!
//! The crate is a small compiler, one module per stage:
//!
//! - `args` parses the attribute's arguments (`yield = Y`, `resume = R`, `crate = path`);
//! - `signature` checks the function's shape and builds the outer signature;
//! - `scan` answers syntactic questions about the body (where the suspension points are,
//!   which names a piece of code mentions or may move, what a pattern binds);
//! - `resident` finds the locals the body only uses in place (indexed, borrowed), which can stay
//!   where they are across suspensions instead of moving in and out of the state;
//! - `lower` turns the body into basic blocks split at suspension points (`cfg` holds that
//!   representation and decides, by liveness, which locals each state stores);
//! - `emit` writes the state enum, the resume closure and the outer function; `diagram` draws
//!   the states and their moves (DOT and Mermaid) for `Stack::diagram`.
//!
//! `expand` chains them; the `#[proc_macro_attribute]` below is a thin shell around it, so that
//! the whole pipeline works on `proc_macro2` types and can be tested as a library.

mod args;
mod cfg;
mod diagram;
mod emit;
mod expand;
mod lower;
#[cfg(test)]
mod never_panics;
mod resident;
mod scan;
mod signature;

use proc_macro::TokenStream;

/// Turns a function into a coroutine: Python's `@asyncio.coroutine`.
///
/// Write it path-qualified, `#[coroutines::coroutine]` (a bare `#[coroutine]` is ambiguous with
/// rustc's builtin attribute). Without arguments the function becomes
/// `fn(..) -> impl Future<Output = T>` and `yield_from!(x)` awaits anything `IntoFuture`. With
/// `yield = Y` (and optionally `resume = R`) it becomes
/// `fn(..) -> impl Coroutine<R, Yield = Y, Return = T>`, where `yield_!(v)` yields and
/// `yield_from!(g)` delegates to another generator (PEP 380). `crate = path` names the
/// `coroutines` crate when it is re-exported under another path.
///
/// The `coroutines` crate documents this attribute with examples (`coroutines::coroutine`).
#[proc_macro_attribute]
pub fn coroutine(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::coroutine(args.into(), item.into()).into()
}
