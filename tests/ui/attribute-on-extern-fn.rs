#[coroutines::coroutine]
extern "C" fn foreign() {}

fn main() {}
