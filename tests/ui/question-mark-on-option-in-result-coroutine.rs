#[coroutines::coroutine]
fn lookup(values: Vec<u32>) -> Result<u32, String> {
    let first = *values.first()?;
    yield_from!(std::future::ready(()));
    Ok(first)
}

fn main() {}
