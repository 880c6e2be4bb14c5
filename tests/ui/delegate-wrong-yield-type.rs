#[coroutines::coroutine(yield = &'static str)]
fn words() {
    yield_!("a");
}

#[coroutines::coroutine(yield = u32)]
fn numbers() {
    yield_from!(words());
}

fn main() {}
