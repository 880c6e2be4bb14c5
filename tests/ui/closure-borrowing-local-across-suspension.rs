#[coroutines::coroutine(yield = u64, resume = u64)]
fn scaled(x: u64) -> u64 {
    let factor = 3;
    let scale = |y: u64| y * factor;
    let a = yield_!(scale(x));
    // A `move` closure owns what it captures: fine.
    let shift = move |y: u64| y + factor;
    let b = yield_!(shift(a));
    scale(b)
}

fn main() {}
