// An immutable binding given a second value after a suspension point, where the old value is
// never read again: the split puts the two assignments in different states, each binding the
// local on its own. Each is rustc's E0384, at the second assignment, as in the function as
// written.

// Declared with a value.
#[coroutines::coroutine(yield = u32)]
fn initialised() -> u32 {
    let x = 1;
    yield_!(x);
    x = 2;
    x
}

// Declared without one, assigned on both sides of the suspension.
#[coroutines::coroutine(yield = u32)]
fn deferred() -> u32 {
    let n;
    n = 1;
    yield_!(n);
    n = 2;
    n
}

// Assigned in a loop around the suspension: the second turn assigns again.
#[coroutines::coroutine(yield = u32)]
fn in_a_loop() {
    let n;
    loop {
        n = 1;
        yield_!(n);
    }
}

// Assigned twice after the suspension, where the coroutine declares it afresh.
#[coroutines::coroutine(yield = u32)]
fn twice_after(c: bool) -> u8 {
    let n: u8;
    yield_!(0);
    if c {
        n = 1;
    }
    n = 2;
    n
}

// A parameter whose value is never read.
#[coroutines::coroutine(yield = u32)]
fn parameter(c: bool) -> bool {
    yield_!(0);
    c = true;
    c
}

fn main() {}
