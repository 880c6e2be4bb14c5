struct Counter { n: u32 }
impl Counter {
    #[coroutines::coroutine]
    fn bump(&self) -> u32 {
        yield_from!(std::future::ready(()));
        self.n += 1;
        self.n
    }
}
fn main() {}
