#[coroutines::coroutine]
fn empty() {
    yield_from!();
}

fn main() {}
