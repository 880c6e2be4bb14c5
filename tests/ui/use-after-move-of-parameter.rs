#[coroutines::coroutine]
fn moved_param(text: String) -> usize {
    drop(text);
    yield_from!(std::future::ready(()));
    text.len()
}
fn main() {}
