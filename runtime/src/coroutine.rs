//! The `Coroutine` trait (a stable mirror of nightly's `core::ops::Coroutine`) and the adapters
//! that turn a coroutine into an iterator.

use core::pin::Pin;

/// The result of resuming a [`Coroutine`]: it either yielded a value and can be resumed again,
/// or it completed with its return value.
///
/// ```
/// use coroutines::CoroutineState;
/// let state: CoroutineState<u32, &str> = CoroutineState::Yielded(1);
/// assert_eq!(state, CoroutineState::Yielded(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CoroutineState<Y, R> {
    /// The coroutine suspended with a value (Python: the value of a `yield`).
    Yielded(Y),
    /// The coroutine finished with a return value (Python: `StopIteration.value`).
    Complete(R),
}

/// A resumable computation: the generator flavour of `#[coroutines::coroutine(yield = Y)]`
/// returns one.
///
/// `resume` runs the coroutine until its next `yield_!` (giving
/// [`CoroutineState::Yielded`]) or until it returns (giving [`CoroutineState::Complete`]). The
/// argument becomes the value of the `yield_!` expression the coroutine is suspended at; the
/// argument of the very first `resume` has no `yield_!` to go to and is dropped, like the
/// `None` of Python's priming `send(None)`.
///
/// Resuming a coroutine that completed, or one whose last resume panicked, panics.
///
/// ```
/// use coroutines::{Coroutine, CoroutineState};
/// use std::pin::pin;
///
/// #[coroutines::coroutine(yield = u32)]
/// fn two() -> &'static str {
///     yield_!(1);
///     yield_!(2);
///     "done"
/// }
///
/// let mut g = pin!(two());
/// assert_eq!(g.as_mut().resume(()), CoroutineState::Yielded(1));
/// assert_eq!(g.as_mut().resume(()), CoroutineState::Yielded(2));
/// assert_eq!(g.as_mut().resume(()), CoroutineState::Complete("done"));
/// ```
pub trait Coroutine<R = ()> {
    /// The type of the values the coroutine yields.
    type Yield;
    /// The type of the value the coroutine returns.
    type Return;
    /// Runs the coroutine to its next suspension point or to its end.
    fn resume(self: Pin<&mut Self>, arg: R) -> CoroutineState<Self::Yield, Self::Return>;
}

impl<R, C: Coroutine<R> + ?Sized + Unpin> Coroutine<R> for &mut C {
    type Yield = C::Yield;
    type Return = C::Return;
    fn resume(mut self: Pin<&mut Self>, arg: R) -> CoroutineState<Self::Yield, Self::Return> {
        Pin::new(&mut **self).resume(arg)
    }
}

impl<R, P> Coroutine<R> for Pin<P>
where
    P: core::ops::DerefMut + Unpin,
    P::Target: Coroutine<R>,
{
    type Yield = <P::Target as Coroutine<R>>::Yield;
    type Return = <P::Target as Coroutine<R>>::Return;
    fn resume(self: Pin<&mut Self>, arg: R) -> CoroutineState<Self::Yield, Self::Return> {
        <P::Target as Coroutine<R>>::resume(Pin::into_inner(self).as_mut(), arg)
    }
}

impl<R, C: Coroutine<R> + ?Sized + Unpin> Coroutine<R> for Box<C> {
    type Yield = C::Yield;
    type Return = C::Return;
    fn resume(mut self: Pin<&mut Self>, arg: R) -> CoroutineState<Self::Yield, Self::Return> {
        Pin::new(&mut **self).resume(arg)
    }
}

/// Turns a generator that takes `()` and returns `()` into an [`Iterator`] over its yields
/// (Python: iterating a generator).
///
/// The iterator holds the generator inline (no allocation), so the generator must be [`Unpin`];
/// every `#[coroutine]` generator is, unless it delegates to a `!Unpin` one. Pin such a
/// generator first: `coroutines::iter(Box::pin(g))`.
///
/// ```
/// #[coroutines::coroutine(yield = u64)]
/// fn fibonacci(limit: u64) {
///     let (mut a, mut b) = (0, 1);
///     while a < limit {
///         yield_!(a);
///         (a, b) = (b, a + b);
///     }
/// }
///
/// let v: Vec<u64> = coroutines::iter(fibonacci(20)).collect();
/// assert_eq!(v, [0, 1, 1, 2, 3, 5, 8, 13]);
/// ```
pub fn iter<C>(coroutine: C) -> Iter<C>
where
    C: Coroutine<(), Return = ()> + Unpin,
{
    Iter {
        coroutine,
        done: false,
    }
}

/// The iterator returned by [`iter`].
///
/// It stops at the generator's return and keeps returning `None` afterwards (it is fused).
pub struct Iter<C> {
    coroutine: C,
    done: bool,
}

impl<C: Coroutine<(), Return = ()> + Unpin> Iterator for Iter<C> {
    type Item = C::Yield;
    fn next(&mut self) -> Option<C::Yield> {
        if self.done {
            return None;
        }
        match Pin::new(&mut self.coroutine).resume(()) {
            CoroutineState::Yielded(value) => Some(value),
            CoroutineState::Complete(()) => {
                self.done = true;
                None
            }
        }
    }
}

impl<C: Coroutine<(), Return = ()> + Unpin> core::iter::FusedIterator for Iter<C> {}

impl<C> core::fmt::Debug for Iter<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iter")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Turns an iterator into a generator that yields its items and returns `()`, ignoring resume
/// values: Python's `yield from iterable`, for `yield_from!`.
///
/// ```
/// #[coroutines::coroutine(yield = u32)]
/// fn countdown() -> &'static str {
///     yield_from!(coroutines::from_iter([3, 2, 1]));
///     "liftoff"
/// }
///
/// let mut items = Vec::new();
/// let mut generator = std::pin::pin!(countdown());
/// let end = loop {
///     match coroutines::Coroutine::resume(generator.as_mut(), ()) {
///         coroutines::CoroutineState::Yielded(item) => items.push(item),
///         coroutines::CoroutineState::Complete(end) => break end,
///     }
/// };
/// assert_eq!((items, end), (vec![3, 2, 1], "liftoff"));
/// ```
pub fn from_iter<I: IntoIterator>(iterable: I) -> FromIter<I::IntoIter> {
    FromIter {
        iter: iterable.into_iter(),
    }
}

/// The generator returned by [`from_iter`].
#[derive(Clone, Debug)]
pub struct FromIter<I> {
    iter: I,
}

impl<R, I: Iterator> Coroutine<R> for FromIter<I> {
    type Yield = I::Item;
    type Return = ();
    fn resume(self: Pin<&mut Self>, _: R) -> CoroutineState<I::Item, ()> {
        // SAFETY: the iterator is never moved out of the pinned adapter; calling `next` through
        // `&mut` does not move it.
        let iter = unsafe { &mut self.get_unchecked_mut().iter };
        match iter.next() {
            Some(item) => CoroutineState::Yielded(item),
            None => CoroutineState::Complete(()),
        }
    }
}
