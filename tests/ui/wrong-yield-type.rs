#[coroutines::coroutine(yield = u32)]
fn yields_text() {
    yield_!("text");
}

fn main() {}
