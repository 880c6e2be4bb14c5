#[coroutines::coroutine(yield = usize)]
fn lengths() {
    let pair = (String::from("a"), String::from("bb"));
    let (ref first, _) = pair;
    yield_!(first.len());
    yield_!(first.len());
}

fn main() {}
