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

async fn count(items: &[u32]) -> u32 {
    items.len() as u32
}

#[coroutines::coroutine]
fn lends(seed: u32) -> u32 {
    let items = vec![seed];
    // Lent to an `async fn`, whose future keeps the borrow.
    let n = yield_from!(count(&items));
    // An `async` block that is not `move` borrows what it names.
    let m = yield_from!(async { seed + 1 });
    // Moved in: fine.
    let k = yield_from!(async move { items.len() as u32 });
    n + m + k
}

fn main() {}
