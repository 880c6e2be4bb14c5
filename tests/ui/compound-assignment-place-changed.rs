// A compound assignment whose right side suspends evaluates its place after the right side,
// as Rust does for numbers (for a type with its own `AddAssign`, Rust evaluates the place
// first): a place the right side could change is refused.
#[coroutines::coroutine(yield = i64)]
fn bump(mut i: usize) -> i64 {
    let mut v = vec![0i64; 8];
    v[i + 1] += {
        i += 1;
        yield_!(1)
    };
    v[next(&mut i)] += yield_!(2);
    v[i * 2] += yield_!(3);
    v[i]
}

fn next(i: &mut usize) -> usize {
    *i += 1;
    *i
}

fn main() {}
