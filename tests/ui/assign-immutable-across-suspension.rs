#[coroutines::coroutine]
fn f() -> u32 {
    let x = 1;
    yield_from!(std::future::ready(()));
    x += 1;
    x
}
fn main() {}
