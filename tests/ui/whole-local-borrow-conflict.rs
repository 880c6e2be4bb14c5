#[coroutines::coroutine]
fn f() -> u32 {
    let mut v = vec![1u32];
    let r = &mut v;
    yield_from!(std::future::ready(()));
    let n = v.len();
    r.push(2);
    n as u32
}
fn main() {}
