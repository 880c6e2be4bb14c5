#[coroutines::coroutine]
fn search(limit: u32) -> u32 {
    let mut n = 0;
    let found = while n < limit {
        yield_from!(std::future::ready(()));
        if n == 3 {
            break n;
        }
        n += 1;
    };
    found
}

fn main() {}
