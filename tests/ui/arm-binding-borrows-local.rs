// A binding of a `match` arm or an `if let` into a local the coroutine owns (matched through
// a reference, also one inside a tuple or given back by an iterator, or bound `ref`), still
// used after a suspension point in the arm.
#[coroutines::coroutine(yield = i64, resume = i64)]
fn first(a: i64) -> i64 {
    let v = vec![a, 2];
    match &v[..] {
        [x, ..] => yield_!(*x) + *x,
        [] => 0,
    }
}

#[coroutines::coroutine(yield = i64, resume = i64)]
fn through_a_borrow(a: i64) -> i64 {
    let v = vec![a, 2];
    let r = &v;
    if let Some(x) = r.first() {
        yield_!(1) + *x
    } else {
        0
    }
}

#[coroutines::coroutine(yield = i64, resume = i64)]
fn by_ref(a: i64) -> i64 {
    let t = (a, String::from("s"));
    match t {
        (n, ref s) => yield_!(n) + s.len() as i64,
    }
}

// A binding matched against a borrow inside a tuple or a constructor.
#[coroutines::coroutine(yield = i64, resume = i64)]
fn inside_a_tuple(a: i64) -> i64 {
    let v = vec![a, 2];
    match (a, &v) {
        (n, w) => yield_!(n) + w.len() as i64,
    }
}

// A binding of an item that a borrowing iterator gives back.
#[coroutines::coroutine(yield = i64, resume = i64)]
fn an_item_of_an_iterator(a: i64) -> i64 {
    let v = vec![a, 2];
    if let Some(m) = v.iter().rev().max() {
        yield_!(1) + *m
    } else {
        0
    }
}

// Fine: a copy (`&x`), a reference parameter's contents, a binding dead before the suspension.
#[coroutines::coroutine(yield = i64, resume = i64)]
fn fine(a: i64, p: &[i64]) -> i64 {
    let v = vec![a, 2];
    let b = match v.first() {
        Some(&x) => yield_!(x) + x,
        None => 0,
    };
    let d = match p {
        [x, ..] => yield_!(*x) + *x,
        [] => 0,
    };
    b + d + v.len() as i64
}

fn main() {}
