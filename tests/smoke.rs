use coroutines::{Coroutine, CoroutineState};
use std::pin::pin;

#[coroutines::coroutine(yield = u32)]
fn counter(n: u32) -> &'static str {
    let mut i = 0;
    while i < n {
        yield_!(i);
        i += 1;
    }
    "done"
}

#[test]
fn counter_yields() {
    let mut g = pin!(counter(3));
    assert_eq!(g.as_mut().resume(()), CoroutineState::Yielded(0));
    assert_eq!(g.as_mut().resume(()), CoroutineState::Yielded(1));
    assert_eq!(g.as_mut().resume(()), CoroutineState::Yielded(2));
    assert_eq!(g.as_mut().resume(()), CoroutineState::Complete("done"));
}
