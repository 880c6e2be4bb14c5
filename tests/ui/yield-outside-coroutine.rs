fn main() {
    coroutines::yield_!(1);
}
