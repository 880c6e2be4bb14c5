#[coroutines::coroutine]
fn compute() -> u32 { 1 }
#[coroutines::coroutine]
fn f() -> u32 {
    let x: String = yield_from!(compute());
    x.len() as u32
}
fn main() {}
