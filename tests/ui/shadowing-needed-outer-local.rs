#[coroutines::coroutine(yield = i32)]
fn guarded(x: i32, values: Vec<Option<i32>>) -> i32 {
    for value in values {
        match (value, x) {
            // The guard names the binding inside a macro: it cannot be renamed.
            (Some(x), limit) if matches!(x.cmp(&limit), std::cmp::Ordering::Less) => {
                yield_!(x);
            }
            _ => {}
        }
    }
    x
}

fn main() {}
