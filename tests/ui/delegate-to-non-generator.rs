#[coroutines::coroutine(yield = u32)]
fn numbers() {
    yield_from!(vec![1_u32, 2, 3]);
}

fn main() {}
