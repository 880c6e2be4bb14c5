//! The seed's second program: "Example: Chain coroutines" from the Python 3.4 asyncio docs.
//!
//! ```python
//! import asyncio
//!
//! @asyncio.coroutine
//! def compute(x, y):
//!     print("Compute %s + %s ..." % (x, y))
//!     yield from asyncio.sleep(1.0)
//!     return x + y
//!
//! @asyncio.coroutine
//! def print_sum(x, y):
//!     result = yield from compute(x, y)
//!     print("%s + %s = %s" % (x, y, result))
//!
//! loop = asyncio.get_event_loop()
//! loop.run_until_complete(print_sum(1, 2))
//! loop.close()
//! ```

#[coroutines::coroutine]
pub fn compute(x: i32, y: i32) -> i32 {
    println!("Compute {x} + {y} ...");
    yield_from!(coroutines::sleep(1.0));
    x + y
}

#[coroutines::coroutine]
pub fn print_sum(x: i32, y: i32) {
    let result = yield_from!(compute(x, y));
    println!("{x} + {y} = {result}");
}

fn main() {
    let event_loop = coroutines::get_event_loop();
    event_loop.run_until_complete(print_sum(1, 2));
    event_loop.close();
}
