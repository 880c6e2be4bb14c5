// A macro other than std's call-like ones (`println!`, `vec!`, `assert_eq!`, ...) may evaluate
// its arguments later, more than once or not at all: a suspension point in them is an error.
macro_rules! twice {
    ($e:expr) => {
        ($e, $e)
    };
}

#[coroutines::coroutine(yield = u32)]
fn f() -> u32 {
    let pair = twice!(yield_!(1));
    let text = stringify!(yield_!(2));
    pair.0 + text.len() as u32
}

fn main() {}
