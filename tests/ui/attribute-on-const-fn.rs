#[coroutines::coroutine]
const fn constant() {}

fn main() {}
