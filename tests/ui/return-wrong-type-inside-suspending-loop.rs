#[coroutines::coroutine]
fn first_even(values: Vec<u32>) -> u32 {
    for value in values {
        yield_from!(std::future::ready(()));
        if value % 2 == 0 {
            return "even";
        }
    }
    0
}

fn main() {}
