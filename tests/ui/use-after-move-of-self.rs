struct S { v: Vec<u32> }
impl S {
    #[coroutines::coroutine]
    fn consume(self) -> usize {
        drop(self);
        yield_from!(std::future::ready(()));
        self.v.len()
    }
}
fn main() {}
