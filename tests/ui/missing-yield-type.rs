#[coroutines::coroutine(yield)]
fn incomplete() {}

fn main() {}
