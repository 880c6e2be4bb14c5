#[coroutines::coroutine]
fn outer() -> u32 {
    let f = || yield_from!(std::future::ready(1));
    f()
}

fn main() {}
