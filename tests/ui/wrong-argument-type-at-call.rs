#[coroutines::coroutine]
fn takes_number(n: u32) -> u32 {
    yield_from!(std::future::ready(n))
}

fn main() {
    let _future = takes_number("three");
}
