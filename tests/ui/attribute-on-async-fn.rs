#[coroutines::coroutine]
async fn already_async() {}

fn main() {}
