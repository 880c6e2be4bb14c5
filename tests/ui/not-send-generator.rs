use std::cell::RefCell;
use std::rc::Rc;

#[coroutines::coroutine(yield = u32)]
fn counts_shared(start: u32) {
    let shared = Rc::new(RefCell::new(start));
    yield_!(*shared.borrow());
    *shared.borrow_mut() += 1;
    yield_!(*shared.borrow());
}

fn require_send<T: Send>(_: T) {}

fn main() {
    require_send(counts_shared(1));
}
