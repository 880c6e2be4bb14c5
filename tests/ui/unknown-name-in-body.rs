#[coroutines::coroutine]
fn typo() -> u32 {
    let value = yield_from!(std::future::ready(1_u32));
    valeu + 1
}

fn main() {}
