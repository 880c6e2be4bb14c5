struct Pair {
    a: i64,
    b: i64,
}

// An attribute macro reads the body before rustc evaluates `#[cfg]`: a suspension point under
// one might not exist, and the macro cannot tell.
#[coroutines::coroutine(yield = i64)]
fn gated(a: i64) -> i64 {
    let mut s = a;
    #[cfg(feature = "trace")]
    {
        s += yield_!(1);
    }
    #[cfg(debug_assertions)]
    let t = yield_!(2);
    #[cfg(not(debug_assertions))]
    let t = 0;
    #[cfg(any())]
    s += yield_!(3);
    let p = Pair {
        #[cfg(all())]
        a: yield_!(4),
        b: 1,
    };
    #[cfg_attr(test, cfg(test))]
    yield_!(5);
    // Not gated: fine.
    #[cfg_attr(test, allow(unused_mut))]
    let mut u = yield_!(6);
    s + t + u + p.a + p.b
}

fn main() {}
