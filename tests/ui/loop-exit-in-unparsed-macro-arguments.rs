#[coroutines::coroutine(yield = i32, resume = i32)]
fn totals() -> i32 {
    let mut total = 0;
    let mut k = 0;
    loop {
        k += 1;
        total += yield_!(k);
        // `vec![x; n]` is not a list of expressions: the macro cannot turn this `break` into a
        // jump out of the loop, which suspends.
        let v = vec![if k > 2 { break } else { k }; 2];
        total += v[0];
        // Inside a loop of its own, a `break` leaves that loop: fine.
        for _ in 0..2 {
            let w = vec![if k > 1 { break } else { k }; 2];
            total += w[1];
        }
    }
    total
}

fn main() {}
