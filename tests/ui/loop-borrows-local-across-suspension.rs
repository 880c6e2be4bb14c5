#[coroutines::coroutine(yield = u32)]
fn iterate() {
    let numbers = vec![1, 2];
    for number in &numbers {
        yield_!(*number);
    }
}

fn main() {}
