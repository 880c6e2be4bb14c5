//! What `?` and `yield_from!` need of their operands inside a `#[coroutine]` fn, spelled out as
//! traits so that a compile error can say what is missing.
//!
//! The expansion of `#[coroutine]` goes through these traits; they show up in compile errors
//! (`the trait coroutines::ops::FromResidual<..> is not implemented for ..`), which is why they
//! live here rather than among the expansion's private helpers. Each has a blanket
//! implementation for everything that qualifies: there is nothing to implement or call.
//!
//! ```
//! use coroutines::ops::{FromResidual, Try};
//!
//! // `?` inside a coroutine works on what `Try` covers, returning through `FromResidual`.
//! #[coroutines::coroutine]
//! fn parse(text: &'static str) -> Result<u32, std::num::ParseIntError> {
//!     let value: u32 = text.parse()?;
//!     yield_from!(std::future::ready(()));
//!     Ok(value * 2)
//! }
//!
//! fn tries<T: Try>() {}
//! fn returns<T: FromResidual<Option<std::convert::Infallible>>>() {}
//! tries::<Result<u32, String>>();
//! returns::<Option<u8>>();
//! let event_loop = coroutines::get_event_loop();
//! assert_eq!(event_loop.run_until_complete(parse("21")), Ok(42));
//! assert!(event_loop.run_until_complete(parse("x")).is_err());
//! event_loop.close();
//! ```

use crate::__private::unreachable_state;
use crate::coroutine::{Coroutine, CoroutineState};
use core::convert::Infallible;
use core::ops::ControlFlow;
use core::pin::Pin;

/// A stable stand-in for `core::ops::Try`: what `?` applies to inside a `#[coroutine]` fn
/// (`Result` and `Option`).
#[diagnostic::on_unimplemented(
    message = "the `?` operator can only be applied to values that implement `Try`",
    label = "the `?` operator cannot be applied to type `{Self}`",
    note = "inside a `#[coroutine]` fn, `?` works on `Result` and `Option`"
)]
pub trait Try {
    /// The value `?` evaluates to.
    type Output;
    /// What `?` returns early with.
    type Residual;
    /// Splits into continue / return early.
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

/// A stable stand-in for `core::ops::FromResidual`: what a `#[coroutine]` fn that uses `?`
/// must return (`Result` for `?` on a `Result`, `Option` for `?` on an `Option`).
#[diagnostic::on_unimplemented(
    message = "the `?` operator cannot return early from a `#[coroutine]` fn that returns `{Self}`",
    label = "cannot use the `?` operator here: the coroutine returns `{Self}`",
    note = "inside a `#[coroutine]` fn, `?` on a `Result<_, E>` needs the fn to return a `Result<_, F>` where `F: From<E>`, and `?` on an `Option` needs it to return an `Option`"
)]
pub trait FromResidual<R> {
    /// Builds the early return value.
    fn from_residual(residual: R) -> Self;
}

#[diagnostic::do_not_recommend]
impl<T, E> Try for Result<T, E> {
    type Output = T;
    type Residual = Result<Infallible, E>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(value) => ControlFlow::Continue(value),
            Err(error) => ControlFlow::Break(Err(error)),
        }
    }
}

#[diagnostic::do_not_recommend]
impl<T> Try for Option<T> {
    type Output = T;
    type Residual = Option<Infallible>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(value) => ControlFlow::Continue(value),
            None => ControlFlow::Break(None),
        }
    }
}

#[diagnostic::do_not_recommend]
impl<T, E, F: From<E>> FromResidual<Result<Infallible, E>> for Result<T, F> {
    #[inline]
    #[track_caller]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        match residual {
            Err(error) => Err(From::from(error)),
            Ok(never) => match never {},
        }
    }
}

#[diagnostic::do_not_recommend]
impl<T> FromResidual<Option<Infallible>> for Option<T> {
    #[inline]
    fn from_residual(_: Option<Infallible>) -> Self {
        None
    }
}

/// What `yield_from!(g)` delegates to in a generator `#[coroutine(yield = Y, resume = R)]`:
/// a [`Coroutine<R, Yield = Y>`](Coroutine) (PEP 380's `yield from`).
#[diagnostic::on_unimplemented(
    message = "`yield_from!` cannot delegate to `{Self}`: it is not a generator resumed with `{R}` that yields `{Y}`",
    label = "not a `Coroutine<{R}, Yield = {Y}>`",
    note = "in a generator `#[coroutine(yield = ..)]`, `yield_from!` delegates to another generator with the same yield and resume types (PEP 380); to yield every item of an iterator, delegate to `coroutines::from_iter(..)`"
)]
pub trait Delegate<R, Y>: Sized {
    /// The delegated generator's return value: the value of `yield_from!`.
    type Return;

    /// Starts the delegation: the delegated generator, in the slot it is resumed in.
    fn into_delegate(self) -> Option<Self>;

    /// Resumes the delegated generator in its slot; when it completes, drops it in place.
    fn resume_delegate(slot: Pin<&mut Option<Self>>, arg: R) -> CoroutineState<Y, Self::Return>;
}

#[diagnostic::do_not_recommend]
impl<R, Y, C: Coroutine<R, Yield = Y>> Delegate<R, Y> for C {
    type Return = C::Return;

    #[inline]
    fn into_delegate(self) -> Option<Self> {
        Some(self)
    }

    #[inline]
    fn resume_delegate(mut slot: Pin<&mut Option<Self>>, arg: R) -> CoroutineState<Y, C::Return> {
        let Some(coroutine) = slot.as_mut().as_pin_mut() else {
            unreachable_state()
        };
        let state = coroutine.resume(arg);
        if let CoroutineState::Complete(_) = state {
            slot.set(None);
        }
        state
    }
}

/// The resume type of a generator that delegates with `yield_from!`: the first resume of the
/// delegated generator gets `Default::default()` (Python primes it with `send(None)`).
#[diagnostic::on_unimplemented(
    message = "`yield_from!` needs a value of type `{Self}` to start the generator it delegates to",
    label = "`{Self}` does not implement `Default`",
    note = "a delegated generator is started with `Default::default()` of the resume type, as Python primes it with `send(None)`; implement `Default` for `{Self}` or restructure the delegation"
)]
pub trait ResumeDefault: Sized {
    /// The pending resume value, or `Default::default()` for the resume that starts the
    /// delegated generator.
    fn delegate_arg(pending: &mut Option<Self>) -> Self;
}

#[diagnostic::do_not_recommend]
impl<R: Default> ResumeDefault for R {
    #[inline]
    fn delegate_arg(pending: &mut Option<R>) -> R {
        pending.take().unwrap_or_default()
    }
}

/// Lets the `impl Future`/`impl Coroutine` a `#[coroutine]` fn returns capture the lifetimes
/// of its arguments, which edition 2021 does not do by itself: a coroutine taking `&self` or
/// `&'a str` returns `impl Future<Output = T> + Stack + Captures<(&'a (),)>`. Implemented by
/// every type, so it never adds a requirement; it shows up in signatures and compile errors.
///
/// ```
/// use coroutines::ops::Captures;
///
/// #[coroutines::coroutine]
/// fn first_word(text: &str) -> usize {
///     yield_from!(std::future::ready(()));
///     text.split(' ').next().map_or(0, str::len)
/// }
///
/// fn captures<'a, F: Captures<(&'a (),)>>(_: &F) {}
/// let text = String::from("hello world");
/// let future = first_word(&text);
/// captures(&future);
/// assert_eq!(coroutines::get_event_loop().run_until_complete(future), 5);
/// ```
pub trait Captures<T: ?Sized> {}
impl<T: ?Sized, U: ?Sized> Captures<T> for U {}
