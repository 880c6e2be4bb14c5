#[coroutines::coroutine(yield = u32)]
fn first_then_yield() {
    let numbers = vec![1, 2];
    let first = &numbers[0];
    yield_!(1);
    println!("{first}");
}

fn main() {}
