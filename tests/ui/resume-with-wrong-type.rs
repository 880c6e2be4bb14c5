use coroutines::Coroutine;
use std::pin::pin;

#[coroutines::coroutine(yield = u32, resume = u32)]
fn running_total() {
    let mut total = 0;
    loop {
        total += yield_!(total);
    }
}

fn main() {
    let mut generator = pin!(running_total());
    generator.as_mut().resume("one");
}
