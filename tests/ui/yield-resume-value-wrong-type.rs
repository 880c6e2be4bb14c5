#[coroutines::coroutine(yield = u32, resume = String)]
fn f() {
    let s: u32 = yield_!(1);
    let _ = s;
}
fn main() {}
