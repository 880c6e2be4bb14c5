#[coroutines::coroutine]
fn two_operands() {
    yield_from!(std::future::ready(1), std::future::ready(2));
}

fn main() {}
