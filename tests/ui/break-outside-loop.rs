#[coroutines::coroutine(yield = u32)]
fn stray_break() {
    yield_!(1);
    if true {
        break;
    }
}

fn main() {}
