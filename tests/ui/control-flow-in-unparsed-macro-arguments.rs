fn parse(text: &str) -> Result<i32, std::num::ParseIntError> {
    text.parse()
}

#[coroutines::coroutine(yield = i32, resume = i32)]
fn totals(text: String) -> Result<i32, std::num::ParseIntError> {
    let mut total = 0;
    let mut k = 0;
    loop {
        k += 1;
        total += yield_!(k);
        // `vec![x; n]` is not a list of expressions: the macro cannot turn this `break` into a
        // jump out of the loop, which suspends, nor the `?` and `return` below into returns
        // from the coroutine.
        let v = vec![if k > 2 { break } else { k }; 2];
        total += v[0];
        let parsed = vec![parse(&text)?; 2];
        let checked = vec![if parsed[0] < 0 { return Ok(0) } else { 1 }; 2];
        total += checked[0];
        // Inside a loop of its own, a `break` leaves that loop, and inside a closure a `?`
        // returns from it: fine.
        for _ in 0..2 {
            let w = vec![if k > 1 { break } else { k }; 2];
            total += w[1];
        }
        let x = vec![(|| parse(&text).ok()?.checked_add(1))(); 2];
        total += x[0].unwrap_or(0);
    }
    Ok(total)
}

fn main() {}
