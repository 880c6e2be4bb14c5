#![deny(unused_variables, unused_mut)]

#[coroutines::coroutine(yield = u32)]
fn forgets(count: u32) {
    let forgotten = String::from("never read");
    let mut total = 0;
    yield_!(total);
    total += 1;
    yield_!(total);
}

fn main() {}
