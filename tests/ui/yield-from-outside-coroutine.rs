fn main() {
    let _ = coroutines::yield_from!(std::future::ready(1));
}
