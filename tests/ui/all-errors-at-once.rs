#[coroutines::coroutine(yeild = u32)]
fn many() {
    let _f = || yield_from!(std::future::ready(1));
    yield_!(2);
}

fn main() {}
