trait Service {
    fn call(&self) -> impl std::future::Future<Output = u32>;
}
struct A;
impl Service for A {
    #[coroutines::coroutine]
    fn call(&self) -> String {
        yield_from!(std::future::ready(()));
        String::new()
    }
}
fn main() {}
