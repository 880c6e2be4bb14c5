struct Command;

#[coroutines::coroutine(yield = u32, resume = Command)]
fn inner() {
    let _command = yield_!(1);
}

#[coroutines::coroutine(yield = u32, resume = Command)]
fn outer() {
    yield_from!(inner());
}

fn main() {}
