use std::future::Future;
use std::pin::Pin;

struct Holder {
    inner: Pin<Box<dyn Future<Output = u32>>>,
}

#[coroutines::coroutine]
fn leaf() -> u32 {
    1
}

#[coroutines::coroutine]
fn waits(outer: &mut Pin<Box<dyn Future<Output = u32>>>) -> u32 {
    let mut fut = Box::pin(leaf());
    let a = yield_from!(&mut fut);
    let mut holder = Holder { inner: Box::pin(leaf()) };
    let b = yield_from!(&mut holder.inner);
    // Through a reference parameter: borrows what it points to, not the state.
    let c = yield_from!(&mut *outer);
    a + b + c
}

fn main() {}
