#[coroutines::coroutine(yield = u32, yield = u64)]
fn twice() {}

fn main() {}
