#[coroutines::coroutine(yield = u32)]
fn iterate() {
    let numbers = vec![1, 2];
    for number in &numbers {
        yield_!(*number);
    }
}

// Through iterator adapters: the iterator the loop keeps still borrows `numbers`.
#[coroutines::coroutine(yield = u32)]
fn iterate_adapted() {
    let numbers = vec![1, 2];
    for (index, number) in numbers.iter().enumerate().skip(1) {
        yield_!(*number + index as u32);
    }
}

fn main() {}
