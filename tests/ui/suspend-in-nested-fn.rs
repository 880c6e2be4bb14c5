#[coroutines::coroutine(yield = u32)]
fn outer() {
    fn inner() {
        yield_!(1);
    }
    inner();
}

fn main() {}
