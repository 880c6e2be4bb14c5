#[coroutines::coroutine]
fn compute(x: u32) -> u32 {
    coroutines::sleep(1.0).await;
    x
}

fn main() {}
