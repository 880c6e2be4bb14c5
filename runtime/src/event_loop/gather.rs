//! `gather`: asyncio's `gather(*aws)`, for a `Vec` (or array) of futures of one type and for a
//! tuple of futures of different types.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// Runs several futures concurrently and gives all their outputs, in argument order whatever
/// order they finish in: asyncio's `gather(*aws)`.
///
/// One function covers asyncio's varargs with three shapes of argument:
///
/// - a `Vec` of futures of one type gives a `Vec` of their outputs (any number of them, computed
///   at run time);
/// - an array `[F; N]` gives an array `[F::Output; N]`;
/// - a tuple of up to 12 futures of different types gives the tuple of their outputs.
///
/// Anything `IntoFuture` goes: coroutines, [`Task`](super::Task)s, [`LoopFuture`](super::LoopFuture)s,
/// `async` blocks, other executors' futures. The futures are polled inside the gathering task, not
/// turned into tasks: they may borrow from it and need not be `'static`, and gathering allocates
/// once per gather (never per suspension). A `Vec` or array gather gives each future its own
/// waker, so that a wake-up polls only the future it concerns.
///
/// ```
/// use coroutines::{gather, sleep, EventLoop};
///
/// #[coroutines::coroutine]
/// fn after(seconds: f64, name: &'static str) -> &'static str {
///     yield_from!(sleep(seconds));
///     name
/// }
///
/// #[coroutines::coroutine]
/// fn main_task() -> Vec<&'static str> {
///     // Different types: a tuple.
///     let (number, text) = yield_from!(gather((async { 1 }, after(0.01, "text"))));
///     assert_eq!((number, text), (1, "text"));
///     // One type: a Vec, in argument order although "slow" finishes last.
///     yield_from!(gather(vec![after(0.03, "slow"), after(0.01, "fast")]))
/// }
///
/// assert_eq!(EventLoop::new().run_until_complete(main_task()), ["slow", "fast"]);
/// ```
///
/// A panic in one of the futures unwinds out of the gather at once, and the other futures are
/// dropped. asyncio lets the other awaitables run on when one raises, and so does this for
/// [`Task`](super::Task)s (a dropped `Task` runs on, detached); other futures are not tasks and
/// simply stop. To collect panics and cancellations instead, gather
/// [`Task::join`](super::Task::join)s: asyncio's `return_exceptions=True`. Cancelling the task
/// that awaits a gather cancels the tasks it gathers, as in asyncio.
pub fn gather<G: IntoGather>(futures: G) -> Gather<G> {
    Gather {
        state: futures.into_state(),
    }
}

mod sealed {
    pub trait Sealed {}
}

/// What [`gather`] accepts: a `Vec` or an array of `IntoFuture`s of one type, or a tuple of up to
/// 12 `IntoFuture`s. Implemented for those only.
pub trait IntoGather: sealed::Sealed + Sized {
    /// What the gather gives: the outputs, in the same shape as the argument.
    type Output;
    #[doc(hidden)]
    type State;
    #[doc(hidden)]
    fn into_state(self) -> Self::State;
    #[doc(hidden)]
    fn poll_state(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output>;
}

/// The future returned by [`gather`].
#[must_use = "futures do nothing unless awaited or polled"]
pub struct Gather<G: IntoGather> {
    state: G::State,
}

impl<G: IntoGather> Future for Gather<G> {
    type Output = G::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G::Output> {
        // SAFETY: `state` is structurally pinned: `Gather` never moves it and has no `Drop`
        // impl, and is `Unpin` only when the state is.
        let state = unsafe { self.map_unchecked_mut(|gather| &mut gather.state) };
        G::poll_state(state, cx)
    }
}

impl<G: IntoGather> fmt::Debug for Gather<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather").finish_non_exhaustive()
    }
}

/// A future and then its output, polled in place.
#[doc(hidden)]
pub enum MaybeDone<F: Future> {
    Pending(F),
    Done(F::Output),
    Taken,
}

impl<F: Future> MaybeDone<F> {
    /// Polls the future if it is still pending; returns whether it is done (now or before).
    fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: the future is structurally pinned: it is polled where it is, and leaves
        // `Pending` only by being dropped in place by `Pin::set` below.
        let output = match unsafe { self.as_mut().get_unchecked_mut() } {
            MaybeDone::Pending(future) => match unsafe { Pin::new_unchecked(future) }.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return false,
            },
            MaybeDone::Done(_) | MaybeDone::Taken => return true,
        };
        self.set(MaybeDone::Done(output));
        true
    }

    fn take_output(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only a `Done` value is moved out, and it holds no future.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(
            matches!(this, MaybeDone::Done(_)),
            "gather: output taken twice"
        );
        match mem::replace(this, MaybeDone::Taken) {
            MaybeDone::Done(output) => output,
            _ => unreachable!(),
        }
    }
}

/// The state of a `Vec` or array gather.
#[doc(hidden)]
pub struct AllState<F: Future> {
    slots: Pin<Box<[MaybeDone<F>]>>,
    /// Created at the first poll: a gather that is never polled costs no wakers.
    children: Option<Children>,
    pending: usize,
}

impl<F: Future> AllState<F> {
    fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let slots: Box<[MaybeDone<F>]> = futures.into_iter().map(MaybeDone::Pending).collect();
        AllState {
            pending: slots.len(),
            slots: Box::into_pin(slots),
            children: None,
        }
    }

    fn poll_all(&mut self, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let slots = &mut self.slots;
        let pending = &mut self.pending;
        if *pending > 0 {
            let children = self
                .children
                .get_or_insert_with(|| Children::new(slots.len()));
            children.poll_woken(cx, |index, cx| {
                // SAFETY: projecting a pinned slice to one of its elements; the elements are
                // never moved (the boxed slice is never reallocated).
                let slot = unsafe { slots.as_mut().map_unchecked_mut(|slots| &mut slots[index]) };
                let was_pending = matches!(*slot, MaybeDone::Pending(_));
                if slot.poll_done(cx) && was_pending {
                    *pending -= 1;
                }
            });
            if *pending > 0 {
                return Poll::Pending;
            }
        }
        let mut outputs = Vec::with_capacity(slots.len());
        for index in 0..slots.len() {
            // SAFETY: as above.
            let slot = unsafe { slots.as_mut().map_unchecked_mut(|slots| &mut slots[index]) };
            outputs.push(slot.take_output());
        }
        Poll::Ready(outputs)
    }
}

impl<F: IntoFuture> sealed::Sealed for Vec<F> {}

impl<F: IntoFuture> IntoGather for Vec<F> {
    type Output = Vec<F::Output>;
    type State = AllState<F::IntoFuture>;

    fn into_state(self) -> Self::State {
        AllState::new(self.into_iter().map(IntoFuture::into_future))
    }

    fn poll_state(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `AllState` is `Unpin`: its futures are behind the pinned box.
        state.get_mut().poll_all(cx)
    }
}

impl<F: IntoFuture, const N: usize> sealed::Sealed for [F; N] {}

impl<F: IntoFuture, const N: usize> IntoGather for [F; N] {
    type Output = [F::Output; N];
    type State = AllState<F::IntoFuture>;

    fn into_state(self) -> Self::State {
        AllState::new(self.into_iter().map(IntoFuture::into_future))
    }

    fn poll_state(state: Pin<&mut Self::State>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        state
            .get_mut()
            .poll_all(cx)
            .map(|outputs| match outputs.try_into() {
                Ok(array) => array,
                Err(_) => unreachable!("one output per future"),
            })
    }
}

macro_rules! gather_tuple {
    ($($F:ident $index:tt),+) => {
        impl<$($F: IntoFuture),+> sealed::Sealed for ($($F,)+) {}

        impl<$($F: IntoFuture),+> IntoGather for ($($F,)+) {
            type Output = ($($F::Output,)+);
            type State = ($(MaybeDone<$F::IntoFuture>,)+);

            fn into_state(self) -> Self::State {
                ($(MaybeDone::Pending(self.$index.into_future()),)+)
            }

            fn poll_state(
                mut state: Pin<&mut Self::State>,
                cx: &mut Context<'_>,
            ) -> Poll<Self::Output> {
                // A handful of futures: polling each pending one at every wake-up is cheaper
                // than a waker each.
                let mut all_done = true;
                $(
                    // SAFETY: projecting a pinned tuple to a field, which is never moved.
                    let field = unsafe { state.as_mut().map_unchecked_mut(|state| &mut state.$index) };
                    all_done &= field.poll_done(cx);
                )+
                if !all_done {
                    return Poll::Pending;
                }
                Poll::Ready(($(
                    // SAFETY: as above.
                    unsafe { state.as_mut().map_unchecked_mut(|state| &mut state.$index) }.take_output(),
                )+))
            }
        }
    };
}

gather_tuple!(A 0);
gather_tuple!(A 0, B 1);
gather_tuple!(A 0, B 1, C 2);
gather_tuple!(A 0, B 1, C 2, D 3);
gather_tuple!(A 0, B 1, C 2, D 3, E 4);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
gather_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// One waker per child future of a combinator, so that a wake-up re-polls only the child that was
/// woken: polling every child at every wake-up would make a gather of n sleeps cost n² polls.
///
/// The wakers are allocated once, when the combinator is first polled. Woken children are queued
/// (each at most once) in a shared list that the combinator drains at its next poll, in wake-up
/// order.
pub(super) struct Children {
    shared: Arc<ChildShared>,
    wakers: Vec<Arc<ChildWaker>>,
    /// The drained list, kept to reuse its allocation.
    scratch: Vec<usize>,
}

struct ChildShared {
    state: Mutex<ChildState>,
}

struct ChildState {
    woken: Vec<usize>,
    /// The waker of the task polling the combinator.
    parent: Option<Waker>,
}

struct ChildWaker {
    index: usize,
    /// In `woken` already: later wakes are redundant until the child is polled.
    queued: AtomicBool,
    shared: Arc<ChildShared>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let parent = {
            let mut state = self.shared.lock();
            state.woken.push(self.index);
            state.parent.clone()
        };
        // Outside the lock: the parent's waker is foreign code, which may poll us right away.
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl ChildShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, ChildState> {
        // Nothing panics under this lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Children {
    /// `count` children, all due for a first poll.
    pub(super) fn new(count: usize) -> Self {
        let shared = Arc::new(ChildShared {
            state: Mutex::new(ChildState {
                woken: (0..count).collect(),
                parent: None,
            }),
        });
        let wakers = (0..count)
            .map(|index| {
                Arc::new(ChildWaker {
                    index,
                    queued: AtomicBool::new(true),
                    shared: Arc::clone(&shared),
                })
            })
            .collect();
        Children {
            shared,
            wakers,
            scratch: Vec::new(),
        }
    }

    /// Calls `poll` with each child woken since the last call (in wake-up order) and a context
    /// carrying that child's waker; remembers `cx`'s waker as the one to wake next time.
    pub(super) fn poll_woken(
        &mut self,
        cx: &Context<'_>,
        mut poll: impl FnMut(usize, &mut Context<'_>),
    ) {
        {
            let mut state = self.shared.lock();
            match &state.parent {
                Some(parent) if parent.will_wake(cx.waker()) => {}
                _ => state.parent = Some(cx.waker().clone()),
            }
            mem::swap(&mut state.woken, &mut self.scratch);
        }
        for index in self.scratch.drain(..) {
            let child = &self.wakers[index];
            // Before the poll: a wake during or after it must queue the child again.
            child.queued.store(false, Ordering::Release);
            let waker = Waker::from(Arc::clone(child));
            poll(index, &mut Context::from_waker(&waker));
        }
    }
}
