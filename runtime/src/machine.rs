//! The types behind the `impl Future` and `impl Coroutine` that a `#[coroutine]` fn returns.
//!
//! The expansion is a `move` closure that owns the state enum; these adapters put that closure
//! behind `Future` or `Coroutine`, and ask it for its frames (for [`Stack`]) through the same
//! call. Keeping the state inside the closure (rather than beside it, passed by reference)
//! matters for compile time: a closure's type names its signature, so a state passed as an
//! argument would appear in the adapter's type twice, and in a chain of coroutines each
//! delegating to the next, rustc expands each level's hidden type once per appearance:
//! exponentially in the depth of the chain.
//!
//! Delegated sub-futures live in the state enum as `Option<F>` and are polled in place: once the
//! adapter is pinned the closure (and so its captured state) never moves, which is what makes
//! `Pin::new_unchecked` in the generated code sound.
//!
//! The types are public, and named at the crate root, because rustc names them in its notes
//! (for a coroutine that is not `Send`, "required because it appears within the type
//! `CoroutineFuture<{closure@..}>`"); they have no public constructor. The closure's answer
//! carries the coroutine's diagram type, so that it does not need a parameter of its own here.

use crate::__private::{unreachable_state, Answer, DiagramSource, Request};
use crate::coroutine::{Coroutine, CoroutineState};
use crate::stack::{Diagram, Frame, Stack};
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The future an async-flavour `#[coroutine]` fn returns: its state machine (the closure `F`
/// built by the macro) behind [`Future`] and [`Stack`]. You never name or build one: the fn's
/// signature says `impl Future<Output = T> + Stack`. The type shows in compiler notes and in
/// `type_name`.
///
/// ```
/// #[coroutines::coroutine]
/// fn answer() -> u32 {
///     42
/// }
///
/// let future = answer();
/// assert!(std::any::type_name_of_val(&future).contains("CoroutineFuture<"));
/// assert_eq!(coroutines::get_event_loop().run_until_complete(future), 42);
/// ```
#[must_use = "coroutines do nothing unless awaited, run on an event loop, or polled"]
pub struct CoroutineFuture<F> {
    pub(crate) step: F,
}

impl<T, F, D> Future for CoroutineFuture<F>
where
    F: for<'f, 'c, 'w> FnMut(Request<'f, &'c mut Context<'w>>) -> Answer<Poll<T>, D>,
{
    type Output = T;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: the closure (and the state it owns) is never moved out of the pinned adapter;
        // it is only called through a unique reference. It therefore stays at one address for
        // as long as the adapter is pinned, which the generated code relies on to pin
        // sub-futures that live inside its state.
        let this = unsafe { self.get_unchecked_mut() };
        match (this.step)(Request::Resume(cx)) {
            Answer::Resumed(poll) => poll,
            Answer::Frames(_) => unreachable_state(),
        }
    }
}

impl<T, F, D: DiagramSource> Stack for CoroutineFuture<F>
where
    F: for<'f, 'c, 'w> FnMut(Request<'f, &'c mut Context<'w>>) -> Answer<Poll<T>, D>,
{
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        // SAFETY: as in `poll`; reading the frames moves nothing.
        let this = unsafe { self.get_unchecked_mut() };
        (this.step)(Request::Frames(frames));
    }

    fn diagram(&self) -> Option<Diagram> {
        Self::type_diagram()
    }

    fn type_diagram() -> Option<Diagram> {
        Some(D::DIAGRAM)
    }
}

/// The coroutine a generator-flavour `#[coroutine(yield = Y, resume = R)]` fn returns: its
/// state machine (the closure `F` built by the macro) behind [`Coroutine<R>`] and [`Stack`], as
/// [`CoroutineFuture`] is for the async flavour. You never name or build one.
///
/// ```
/// #[coroutines::coroutine(yield = u32)]
/// fn count() {
///     yield_!(1);
///     yield_!(2);
/// }
///
/// let generator = count();
/// assert!(std::any::type_name_of_val(&generator).contains("CoroutineGenerator<"));
/// assert_eq!(coroutines::iter(generator).collect::<Vec<_>>(), [1, 2]);
/// ```
#[must_use = "coroutines do nothing unless resumed"]
pub struct CoroutineGenerator<F, R> {
    pub(crate) step: F,
    pub(crate) resume: PhantomData<fn(R)>,
}

impl<R, Y, T, F, D> Coroutine<R> for CoroutineGenerator<F, R>
where
    F: for<'f> FnMut(Request<'f, R>) -> Answer<CoroutineState<Y, T>, D>,
{
    type Yield = Y;
    type Return = T;
    #[inline]
    fn resume(self: Pin<&mut Self>, arg: R) -> CoroutineState<Y, T> {
        // SAFETY: as in `CoroutineFuture::poll`: the state never moves while pinned.
        let this = unsafe { self.get_unchecked_mut() };
        match (this.step)(Request::Resume(arg)) {
            Answer::Resumed(state) => state,
            Answer::Frames(_) => unreachable_state(),
        }
    }
}

impl<R, Y, T, F, D: DiagramSource> Stack for CoroutineGenerator<F, R>
where
    F: for<'f> FnMut(Request<'f, R>) -> Answer<CoroutineState<Y, T>, D>,
{
    fn push_frames(self: Pin<&mut Self>, frames: &mut Vec<Frame>) {
        // SAFETY: as in `resume`; reading the frames moves nothing.
        let this = unsafe { self.get_unchecked_mut() };
        (this.step)(Request::Frames(frames));
    }

    fn diagram(&self) -> Option<Diagram> {
        Self::type_diagram()
    }

    fn type_diagram() -> Option<Diagram> {
        Some(D::DIAGRAM)
    }
}
