#[coroutines::coroutine]
fn outer() {
    let _ = async { yield_from!(std::future::ready(1)) };
}

fn main() {}
