#[coroutines::coroutine]
fn push_after_wait(id: u32) -> usize {
    let mut items = vec![id];
    let last = items.last_mut().unwrap();
    yield_from!(std::future::ready(()));
    *last += 1;
    items.len()
}
fn main() {}
