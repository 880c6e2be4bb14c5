#[coroutines::coroutine(resume = u32)]
fn no_yield() {}

fn main() {}
