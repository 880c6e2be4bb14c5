#[coroutines::coroutine]
fn returns_text() -> u32 {
    let value = yield_from!(std::future::ready(1_u32));
    format!("{value}")
}

fn main() {}
