#[coroutines::coroutine]
fn first<'a>(values: &'a [u32]) -> &'a u32 {
    yield_from!(std::future::ready(()));
    &values[0]
}

#[coroutines::coroutine]
fn dangling() -> &'static u32 {
    let x = 5u32;
    yield_from!(std::future::ready(()));
    &x
}

#[coroutines::coroutine]
fn name(id: u32) -> &'static str {
    let text = format!("user-{id}");
    if id == 0 {
        return text.as_str();
    }
    yield_from!(std::future::ready(()));
    "other"
}

fn main() {
    let _ = first(&[1]);
}
