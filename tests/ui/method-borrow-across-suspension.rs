#[coroutines::coroutine]
fn name_after_wait(id: u32) -> usize {
    let text = format!("user-{id}");
    let name = text.as_str();
    yield_from!(std::future::ready(()));
    name.len()
}

fn main() {}
