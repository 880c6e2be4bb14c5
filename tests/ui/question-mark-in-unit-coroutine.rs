#[coroutines::coroutine]
fn no_result() {
    let value: u32 = "1".parse()?;
    yield_from!(std::future::ready(value));
}

fn main() {}
