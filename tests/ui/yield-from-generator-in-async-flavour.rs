#[coroutines::coroutine(yield = u32)]
fn numbers() {
    yield_!(1);
}

#[coroutines::coroutine]
fn waits() {
    yield_from!(numbers());
}

fn main() {}
