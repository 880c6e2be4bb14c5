fn last_of(items: &mut Vec<u32>) -> &mut u32 { items.last_mut().unwrap() }
#[coroutines::coroutine]
fn push_after_wait(id: u32) -> usize {
    let mut items = vec![id];
    let last = last_of(&mut items);
    yield_from!(std::future::ready(()));
    *last += 1;
    items.len()
}
fn main() {}
