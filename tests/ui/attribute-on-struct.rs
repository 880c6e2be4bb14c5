#[coroutines::coroutine]
struct NotAFunction;

fn main() {}
