#[coroutines::coroutine(yield = )]
fn f() {}
fn main() {}
