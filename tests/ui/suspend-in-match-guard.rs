#[coroutines::coroutine(yield = u32)]
fn guard(x: u32) -> u32 {
    match x {
        n if yield_!(n) == () => 1,
        _ => 2,
    }
}

fn main() {}
