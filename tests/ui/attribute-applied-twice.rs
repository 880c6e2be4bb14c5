#[coroutines::coroutine]
#[coroutines::coroutine]
fn twice() -> u32 {
    yield_from!(std::future::ready(1))
}
fn main() {}
