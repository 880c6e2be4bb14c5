#![deny(warnings)]

#[coroutines::coroutine]
fn compute(x: u32, y: u32) -> u32 {
    yield_from!(coroutines::sleep(1.0));
    x + y
}

#[coroutines::coroutine(yield = u32)]
fn numbers() {
    yield_!(1);
}

fn main() {
    compute(1, 2);
    numbers();
}
