#[coroutines::coroutine(yield = u32)]
fn numbers() {
    yield_!();
}

fn main() {}
