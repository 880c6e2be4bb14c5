#[coroutines::coroutine(yield = u32)]
fn redefined() -> u32 {
    macro_rules! step {
        () => {
            1
        };
    }
    yield_!(step!());
    macro_rules! step {
        () => {
            2
        };
    }
    step!()
}

fn main() {}
