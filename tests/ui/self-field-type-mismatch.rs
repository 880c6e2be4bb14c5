struct Counter(u32);

impl Counter {
    #[coroutines::coroutine(yield = u32)]
    fn count(&mut self) -> String {
        yield_!(self.0);
        self.0
    }
}

fn main() {}
