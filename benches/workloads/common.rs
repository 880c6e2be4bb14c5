//! What the async workloads share: the leaf future and the trivial executor.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

/// A future that is pending on its first poll (waking itself) and ready on the second.
pub struct Leaf {
    polled: bool,
}

impl Leaf {
    #[inline]
    pub fn new() -> Self {
        Leaf { polled: false }
    }
}

impl Default for Leaf {
    fn default() -> Self {
        Self::new()
    }
}

impl Future for Leaf {
    type Output = ();
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled {
            Poll::Ready(())
        } else {
            self.polled = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// The trivial executor: polls with a noop waker until the future is ready.
#[inline]
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Like [`block_on`], also counting the polls.
pub fn block_on_counting<F: Future>(f: F) -> (F::Output, usize) {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return (v, polls);
        }
    }
}
