#[coroutines::coroutine(yield = u32)]
fn constant() {
    let _ = const { yield_!(1) };
}

fn main() {}
