#[coroutines::coroutine(yield = u32, resume = String)]
fn echo() {
    let _line = yield_!(1);
}

#[coroutines::coroutine(yield = u32, resume = u32)]
fn outer() {
    yield_from!(echo());
}

fn main() {}
