#![deny(warnings)]
use coroutines::{Coroutine, CoroutineState};
use std::pin::pin;

fn run<Y, T>(g: impl Coroutine<(), Yield = Y, Return = T>) -> (Vec<Y>, T) {
    let mut g = pin!(g);
    let mut ys = Vec::new();
    loop {
        match g.as_mut().resume(()) {
            CoroutineState::Yielded(y) => ys.push(y),
            CoroutineState::Complete(r) => return (ys, r),
        }
    }
}

#[coroutines::coroutine(yield = i32)]
fn sub(n: i32) -> i32 {
    yield_!(n);
    n * 10
}

struct P {
    a: i32,
    b: i32,
}

#[coroutines::coroutine(yield = i32)]
fn exprs(x: i32) -> Vec<i32> {
    let (a, b) = (x, x + 1);
    let x = a + yield_from!(sub(b));
    let mut v = vec![x];
    v.push(yield_from!(sub(3)));
    let p = P {
        a: yield_from!(sub(4)),
        b: 5,
    };
    let t = (p.a, yield_from!(sub(6)), p.b);
    let arr = [t.0, yield_from!(sub(7))];
    v.extend(arr);
    let m = match yield_from!(sub(8)) {
        80 => 1,
        _ => 2,
    };
    if yield_from!(sub(9)) == 90 {
        v.push(m)
    }
    let len = yield_from!(sub(1)).to_string().len();
    v.push(len as i32);
    println!("{} {}", v.len(), yield_from!(sub(2)));
    v
}

#[test]
fn expressions() {
    let (ys, r) = run(exprs(1));
    assert_eq!(ys, [2, 3, 4, 6, 7, 8, 9, 1, 2]);
    assert_eq!(r, vec![21, 30, 40, 70, 1, 2]);
}

#[coroutines::coroutine(yield = i32)]
fn control(n: i32) -> Result<i32, String> {
    let mut total = 0;
    'outer: for i in 0..n {
        let mut j = 0;
        while j < i {
            if j == 3 {
                continue 'outer;
            }
            total += yield_from!(sub(j));
            j += 1;
        }
        if i == 5 {
            break;
        }
    }
    let mut it = vec![1, 2].into_iter();
    while let Some(k) = it.next() {
        yield_!(k * 100);
    }
    let r = loop {
        let z = yield_from!(sub(total));
        if z > 0 {
            break z;
        }
        break -1;
    };
    let opt: Option<i32> = Some(r);
    let Some(val) = opt else {
        return Err("none".into());
    };
    if let Some(q) = Some(val) {
        yield_!(q);
    } else {
        yield_!(0);
    }
    let parsed: i32 = "12".parse().map_err(|_| String::from("bad"))?;
    match parsed {
        12 => {
            yield_!(12);
        }
        x => return Ok(x),
    }
    Ok(total + parsed)
}

#[test]
fn control_flow() {
    let (ys, r) = run(control(7));
    assert_eq!(r, Ok(142));
    assert_eq!(ys[..3], [0, 0, 1]);
    assert!(ys.contains(&100) && ys.contains(&200));
}

struct Counter {
    n: u32,
}
impl Counter {
    #[coroutines::coroutine(yield = u32)]
    fn count(&mut self, by: &u32) -> u32 {
        for _ in 0..3 {
            self.n += *by;
            yield_!(self.n);
        }
        self.n
    }
    #[coroutines::coroutine]
    fn get(&self) -> u32 {
        let extra = yield_from!(std::future::ready(1));
        self.n + extra
    }
}

#[coroutines::coroutine(yield = T)]
fn generic<T>(items: &[T], extra: impl IntoIterator<Item = T>)
where
    T: Clone + PartialEq + std::fmt::Debug,
{
    for item in items {
        yield_!(item.clone());
    }
    for e in extra {
        yield_!(e);
    }
}

#[test]
fn methods_and_generics() {
    let mut c = Counter { n: 0 };
    let (ys, r) = run(c.count(&2));
    assert_eq!(ys, [2, 4, 6]);
    assert_eq!(r, 6);
    let (ys, ()) = run(generic(&["a".to_string()], vec!["b".to_string()]));
    assert_eq!(ys, ["a", "b"]);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

struct YieldOnce(bool);
impl std::future::Future for YieldOnce {
    type Output = u32;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u32> {
        if self.0 {
            return std::task::Poll::Ready(7);
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[coroutines::coroutine]
fn leaf(x: u32) -> u32 {
    let a = yield_from!(YieldOnce(false));
    x + a
}

#[coroutines::coroutine]
fn chain(x: u32) -> Result<u32, std::num::ParseIntError> {
    let mut sum = 0;
    for i in 0..x {
        sum += yield_from!(leaf(i));
    }
    let parsed: u32 = "5".parse()?;
    let tokio_like = async { 1 };
    sum += yield_from!(tokio_like);
    Ok(sum + parsed + yield_from!(std::future::ready(100)))
}

#[test]
fn async_chain() {
    assert_eq!(block_on(chain(3)), Ok(1 + 2 + 21 + 1 + 5 + 100));
    assert_eq!(block_on(Counter { n: 4 }.get()), 5);
}

trait Source {
    #[coroutines::coroutine]
    fn fetch(&self, key: &str) -> usize;

    #[coroutines::coroutine(yield = u8)]
    fn bytes(&self) -> usize;
}

struct Table(Vec<u8>);

impl Source for Table {
    #[coroutines::coroutine]
    fn fetch(&self, key: &str) -> usize {
        let len = yield_from!(std::future::ready(key.len()));
        len + self.0.len()
    }

    #[coroutines::coroutine(yield = u8)]
    fn bytes(&self) -> usize {
        for byte in &self.0 {
            yield_!(*byte);
        }
        self.0.len()
    }
}

#[test]
fn trait_declarations_and_impls() {
    let table = Table(vec![7, 8]);
    assert_eq!(block_on(table.fetch("abc")), 5);
    let (ys, n) = run(table.bytes());
    assert_eq!((ys, n), (vec![7, 8], 2));
}

enum Shape {
    Circle(i32),
    Square(i32),
    Empty,
}

#[coroutines::coroutine(yield = i32)]
fn or_patterns(shapes: Vec<Shape>) -> i32 {
    let mut total = 0;
    for shape in shapes {
        match shape {
            Shape::Circle(size) | Shape::Square(size) => {
                total += size;
                yield_!(size);
            }
            Shape::Empty => {}
        }
    }
    total
}

#[test]
fn or_pattern_bindings_cross_a_suspension() {
    let (ys, total) = run(or_patterns(vec![
        Shape::Circle(2),
        Shape::Empty,
        Shape::Square(3),
    ]));
    assert_eq!((ys, total), (vec![2, 3], 5));
}

#[coroutines::coroutine(yield = usize)]
fn reborrows() -> Vec<u32> {
    let mut v = vec![1_u32];
    let r = &mut v;
    r.push(2);
    yield_!(r.len());
    r.push(3);
    let shared = &v;
    yield_!(shared.len());
    let again = shared.iter().sum::<u32>() as usize;
    yield_!(again);
    v
}

#[test]
fn whole_local_borrows_live_across_suspensions() {
    let (ys, v) = run(reborrows());
    assert_eq!(ys, [2, 3, 6]);
    assert_eq!(v, [1, 2, 3]);
}

#[coroutines::coroutine(yield = i32, resume = i32)]
fn precedence() -> Result<i32, String> {
    let a = (yield_!(1) - 5).abs();
    let b = (-yield_!(2)).abs();
    let parsed: Result<i32, String> = Ok(3);
    let c = parsed?.pow(2);
    let len = Some(String::from("ab")).ok_or(String::new())?.len() as i32;
    let d = yield_!(3) * 2 + 1;
    Ok(a * 1000 + b * 100 + c * 10 + len + d)
}

#[test]
fn parentheses_and_question_marks_keep_their_meaning() {
    let mut g = pin!(precedence());
    assert_eq!(g.as_mut().resume(0), CoroutineState::Yielded(1));
    assert_eq!(g.as_mut().resume(2), CoroutineState::Yielded(2)); // a = |2 - 5| = 3
                                                                  // b = 4, then d = 5 * 2 + 1 = 11
    assert_eq!(g.as_mut().resume(4), CoroutineState::Yielded(3));
    assert_eq!(
        g.as_mut().resume(5),
        CoroutineState::Complete(Ok(3000 + 400 + 90 + 2 + 11))
    );
}

#[coroutines::coroutine(yield = i32)]
fn guard_binding_shadows_outer(x: i32, values: Vec<Option<i32>>) -> i32 {
    for value in values {
        match value {
            Some(x) if x > 0 => {
                yield_!(x);
            }
            _ => {}
        }
    }
    x
}

#[test]
fn a_guarded_arm_binding_may_shadow_a_local_used_later() {
    let (ys, r) = run(guard_binding_shadows_outer(
        100,
        vec![Some(1), None, Some(-2), Some(3)],
    ));
    assert_eq!((ys, r), (vec![1, 3], 100));
}

struct Receivers {
    items: Vec<u32>,
}

impl Receivers {
    #[coroutines::coroutine(yield = u32)]
    fn owned(mut self) -> usize {
        self.items.push(9);
        for item in self.items.clone() {
            yield_!(item);
        }
        self.items.len()
    }

    #[coroutines::coroutine(yield = u32)]
    fn boxed(self: Box<Self>) -> usize {
        yield_!(self.items[0]);
        self.items.len()
    }

    #[coroutines::coroutine(yield = u32)]
    fn pinned(self: std::pin::Pin<&mut Self>) -> usize {
        let this = std::pin::Pin::into_inner(self);
        let () = yield_!(1);
        this.items.push(1);
        this.items.len()
    }
}

#[test]
fn every_receiver_form() {
    assert_eq!(run(Receivers { items: vec![1] }.owned()), (vec![1, 9], 2));
    assert_eq!(
        run(Box::new(Receivers { items: vec![4] }).boxed()),
        (vec![4], 1)
    );
    let mut value = Receivers { items: vec![] };
    assert_eq!(run(std::pin::Pin::new(&mut value).pinned()), (vec![1], 1));
    assert_eq!(value.items, [1]);
}
