#[coroutines::coroutine(yield = i32, resume = i32)]
fn late() -> i32 {
    let n;
    if yield_!(1) > 0 {
        n = 1;
    } else {
        n = 2;
    }
    n
}

fn main() {}
