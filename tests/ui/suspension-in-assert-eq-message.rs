// `assert_eq!` evaluates its message only if the assertion fails; a suspension point there
// would run before the comparison, so it is an error that says what to write instead.
#[coroutines::coroutine(yield = u32)]
fn f(a: u32) {
    assert_eq!(a, 1, "a is {}", yield_!(a));
}

fn main() {}
