#[coroutines::coroutine(yeild = u32)]
fn typo() {}

fn main() {}
