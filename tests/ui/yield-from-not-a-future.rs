#[coroutines::coroutine]
fn waits_for_a_number() -> u32 {
    yield_from!(42_u32)
}

fn main() {}
