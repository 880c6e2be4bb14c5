// A local declared without a value may be assigned after a suspension point, in branches too
// (`tests/semantics_*.rs`, `deferred_initialisation*`). Three shapes stay errors, each saying
// what to write.

// Assigned, in the block that declares it, by code that does not give it a value on every
// path (where the macro would tie its type), and after a suspension point in another block:
// the new binding after the suspension needs the declaration's type.
// (Where that code returns right after, its value never reaches the new binding, and the
// same function is fine: `tests/semantics_*.rs`, `..._in_a_returning_branch`.)
#[coroutines::coroutine(yield = i32, resume = i32)]
fn untyped(c: bool) -> i32 {
    let n;
    if c {
        loop {
            n = 1;
            break;
        }
    } else {
        yield_!(0);
        n = 2;
    }
    n
}

// A mutable one, which may hold a value from an earlier turn of the loop where the code after
// the suspension gives it its value in a shape the macro does not follow (an inner `loop` that
// assigns it, then breaks). (An `if` that assigns it or leaves the loop, and a labelled block
// that assigns it on every path, are fine: `tests/semantics_*.rs`, `deferred_mut_*`.)
#[coroutines::coroutine(yield = i32, resume = i32)]
fn in_a_loop() -> i32 {
    let mut n;
    let mut total = 0;
    loop {
        let c = yield_!(total);
        loop {
            n = c;
            break;
        }
        total += n;
        if total > 10 {
            break;
        }
    }
    total
}

// Names declared together in a pattern whose type is not written as a tuple: the coroutine
// cannot give each its own `let` (`let (a, b);` and `let (a, b): (i32, i32);` it can).
type Pair = (i32, i32);

#[coroutines::coroutine(yield = i32, resume = i32)]
fn in_a_pattern() -> i32 {
    let (a, b): Pair;
    let r = yield_!(0);
    (a, b) = (r, 2);
    a + b
}

fn main() {}
