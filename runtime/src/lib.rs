//! The runtime of [`coroutines`](https://docs.rs/coroutines): the [`Coroutine`] trait, the
//! helpers the `#[coroutine]` expansion calls, and an asyncio-style event loop.
//!
//! Use it through the `coroutines` facade crate, which re-exports everything here.
#![warn(missing_docs)]

#[doc(hidden)]
pub mod __private;
mod coroutine;
mod event_loop;
mod machine;
pub mod ops;
mod stack;

pub use coroutine::{from_iter, iter, Coroutine, CoroutineState, FromIter, Iter};
pub use event_loop::*;
pub use machine::{CoroutineFuture, CoroutineGenerator};
pub use stack::{Diagram, Frame, FrameState, Location, Stack};
