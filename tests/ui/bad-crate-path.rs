#[coroutines::coroutine(crate = 1)]
fn odd() {}

fn main() {}
