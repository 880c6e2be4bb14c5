use std::rc::Rc;

#[coroutines::coroutine]
fn holds_rc() -> usize {
    let shared = Rc::new(5);
    yield_from!(std::future::ready(()));
    *shared
}

fn require_send<T: Send>(_: T) {}

fn main() {
    require_send(holds_rc());
}
