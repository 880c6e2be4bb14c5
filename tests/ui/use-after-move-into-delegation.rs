#[coroutines::coroutine]
fn moved_into(text: String) -> usize {
    let owned = text;
    let taken = yield_from!(consume(owned));
    taken + owned.len()
}
#[coroutines::coroutine]
fn consume(text: String) -> usize { text.len() }
fn main() {}
