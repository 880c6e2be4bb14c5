//! The seed's first program: "Example: Hello World coroutine" from the Python 3.4 asyncio docs.
//!
//! ```python
//! import asyncio
//!
//! @asyncio.coroutine
//! def hello_world():
//!     print("Hello World!")
//!
//! loop = asyncio.get_event_loop()
//! # Blocking call which returns when the hello_world() coroutine is done
//! loop.run_until_complete(hello_world())
//! loop.close()
//! ```

#[coroutines::coroutine]
pub fn hello_world() {
    println!("Hello World!");
}

fn main() {
    let event_loop = coroutines::get_event_loop();
    // Blocking call which returns when the hello_world() coroutine is done
    event_loop.run_until_complete(hello_world());
    event_loop.close();
}
