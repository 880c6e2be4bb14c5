#[coroutines::coroutine(yield = u64, resume = u64)]
fn sum_small(first: u64) -> u64 {
    let mut total = 0;
    // The arm suspends.
    match &Some(yield_!(first)) {
        Some(value) => {
            yield_!(*value);
        }
        None => {}
    }
    // The branch neither suspends nor leaves a loop: the temporary lives through it.
    if let Some(value) = &mut Some(yield_!(total)) {
        *value += 1;
        total += *value;
    }
    total
}

fn main() {}
