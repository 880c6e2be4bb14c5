// A block whose value is used, split at a suspension point, that ends in a statement which
// does not diverge: rustc's E0308 at that statement, as without the macro (a statement that
// diverges, such as `unreachable!();`, gives the block the type it needs).
fn log(_: i64) {}

#[coroutines::coroutine(yield = i64)]
fn arm_value(n: i64) -> i64 {
    let doubled = match n {
        0 => {
            yield_!(0);
            log(n);
        }
        1 => {
            yield_!(1);
            unreachable!("checked above");
        }
        _ => n * 2,
    };
    doubled
}

#[coroutines::coroutine(yield = i64)]
fn body_value(n: i64) -> i64 {
    yield_!(n);
    log(n);
}

fn main() {}
