#[coroutines::coroutine]
fn parse(text: String) -> Result<u32, std::fmt::Error> {
    yield_from!(std::future::ready(()));
    let value: u32 = text.parse()?;
    Ok(value)
}

fn main() {}
