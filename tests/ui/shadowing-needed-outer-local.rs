#[coroutines::coroutine(yield = i32)]
fn guarded(x: i32, values: Vec<Option<i32>>) -> i32 {
    for value in values {
        match (value, x) {
            (Some(x), limit) if x < limit => {
                yield_!(x);
            }
            _ => {}
        }
    }
    x
}

fn main() {}
