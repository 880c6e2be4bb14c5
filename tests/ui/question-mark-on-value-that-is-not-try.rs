#[coroutines::coroutine]
fn parse(value: u32) -> Result<u32, String> {
    yield_from!(std::future::ready(()));
    let doubled = (value * 2)?;
    Ok(doubled)
}

fn main() {}
