#[coroutines::coroutine]
fn moved_then_used(text: String) -> usize {
    let owned = text;
    yield_from!(std::future::ready(()));
    drop(owned);
    yield_from!(std::future::ready(()));
    owned.len()
}
fn main() {}
