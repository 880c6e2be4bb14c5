struct Log { lines: Vec<String> }
impl Log {
    #[coroutines::coroutine]
    fn record(&self, line: String) -> usize {
        yield_from!(std::future::ready(()));
        self.lines.push(line);
        self.lines.len()
    }
}
fn main() {}
