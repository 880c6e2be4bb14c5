//! State size: five representative functions, each written four ways — our async flavour
//! (`ours_async`) against the compiler's `async fn` (`rustc`), and our generator flavour
//! (`ours_gen`) against diapause's generators (`dia`) — and the `size_of_val` of the state each
//! call returns (sizes are deterministic for a given compiler and target).
//!
//! 1. `three_locals`: three locals live across several suspensions;
//! 2. `branch_buffers`: a 1 KiB buffer live across a suspension in one branch, a `String` in
//!    the other (a good layout overlaps them);
//! 3. `loop_delegation`: a loop with a counter and a delegation to a sub-coroutine;
//! 4. `match_bindings`: a `match` whose arm bindings live across a suspension;
//! 5. `ten_suspensions`: ten sequential suspensions, each with its own local of a different size
//!    (`[u64; 1]` … `[u64; 10]`) live across it and dead after it (a good layout overlaps them),
//!    in three variants that differ only in how the array is used after its suspension: passed
//!    by value (`total(a)`), borrowed (`total_ref(&a)`: rustc then keeps its storage to the end of
//!    the scope), indexed (`a[0] + a[k - 1]`); and `ten_suspensions_scoped`, indexed with each
//!    step in a block of its own, so that no array outlives its step even lexically.
//!
//! In the async flavours a suspension waits on [`Leaf`] (one byte, pending once); in the
//! generator flavours it is a `yield_!`. [`table`] gives every size and [`run_all`] every
//! result, so that the tests can check all four versions compute the same thing.

use std::future::Future;

pub use super::common::Leaf;

/// The argument of `match_bindings`.
pub enum Msg {
    Num(u64),
    Pair(u64, u64),
    Text(String),
}

/// The sum of an array, taken by value.
pub fn total<const N: usize>(a: [u64; N]) -> u64 {
    a.iter().sum()
}

/// The sum of an array, borrowed.
pub fn total_ref(a: &[u64]) -> u64 {
    a.iter().sum()
}

/// This crate's async flavour.
pub mod ours_async {
    use super::{total, total_ref, Leaf, Msg};

    #[coroutines::coroutine]
    pub fn three_locals(x: u64) -> u64 {
        let a = x + 1;
        yield_from!(Leaf::new());
        let b = a * 2;
        yield_from!(Leaf::new());
        let c = a + b;
        yield_from!(Leaf::new());
        a + b + c
    }

    #[coroutines::coroutine]
    pub fn branch_buffers(big: bool, x: usize) -> usize {
        if big {
            let mut buf = [0u8; 1024];
            buf[x % 1024] = 7;
            yield_from!(Leaf::new());
            buf[x % 1024] as usize + buf.len()
        } else {
            let s = x.to_string();
            yield_from!(Leaf::new());
            s.len()
        }
    }

    #[coroutines::coroutine]
    pub fn sub(i: u32) -> u32 {
        yield_from!(Leaf::new());
        i * 2
    }

    #[coroutines::coroutine]
    pub fn loop_delegation(n: u32) -> u32 {
        let mut total = 0;
        let mut i = 0;
        while i < n {
            total += yield_from!(sub(i));
            i += 1;
        }
        total
    }

    #[coroutines::coroutine]
    pub fn match_bindings(m: Msg) -> u64 {
        match m {
            Msg::Num(n) => {
                yield_from!(Leaf::new());
                n
            }
            Msg::Pair(a, b) => {
                yield_from!(Leaf::new());
                a * b
            }
            Msg::Text(s) => {
                yield_from!(Leaf::new());
                s.len() as u64
            }
        }
    }

    #[coroutines::coroutine]
    pub fn ten_suspensions(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_from!(Leaf::new());
        let r: u64 = total(a1);
        let a2: [u64; 2] = [r; 2];
        yield_from!(Leaf::new());
        let r: u64 = total(a2);
        let a3: [u64; 3] = [r; 3];
        yield_from!(Leaf::new());
        let r: u64 = total(a3);
        let a4: [u64; 4] = [r; 4];
        yield_from!(Leaf::new());
        let r: u64 = total(a4);
        let a5: [u64; 5] = [r; 5];
        yield_from!(Leaf::new());
        let r: u64 = total(a5);
        let a6: [u64; 6] = [r; 6];
        yield_from!(Leaf::new());
        let r: u64 = total(a6);
        let a7: [u64; 7] = [r; 7];
        yield_from!(Leaf::new());
        let r: u64 = total(a7);
        let a8: [u64; 8] = [r; 8];
        yield_from!(Leaf::new());
        let r: u64 = total(a8);
        let a9: [u64; 9] = [r; 9];
        yield_from!(Leaf::new());
        let r: u64 = total(a9);
        let a10: [u64; 10] = [r; 10];
        yield_from!(Leaf::new());
        total(a10)
    }

    #[coroutines::coroutine]
    pub fn ten_suspensions_borrowed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a1);
        let a2: [u64; 2] = [r; 2];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a2);
        let a3: [u64; 3] = [r; 3];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a3);
        let a4: [u64; 4] = [r; 4];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a4);
        let a5: [u64; 5] = [r; 5];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a5);
        let a6: [u64; 6] = [r; 6];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a6);
        let a7: [u64; 7] = [r; 7];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a7);
        let a8: [u64; 8] = [r; 8];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a8);
        let a9: [u64; 9] = [r; 9];
        yield_from!(Leaf::new());
        let r: u64 = total_ref(&a9);
        let a10: [u64; 10] = [r; 10];
        yield_from!(Leaf::new());
        total_ref(&a10)
    }

    #[coroutines::coroutine]
    pub fn ten_suspensions_indexed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_from!(Leaf::new());
        let r: u64 = a1[0] + a1[0];
        let a2: [u64; 2] = [r; 2];
        yield_from!(Leaf::new());
        let r: u64 = a2[0] + a2[1];
        let a3: [u64; 3] = [r; 3];
        yield_from!(Leaf::new());
        let r: u64 = a3[0] + a3[2];
        let a4: [u64; 4] = [r; 4];
        yield_from!(Leaf::new());
        let r: u64 = a4[0] + a4[3];
        let a5: [u64; 5] = [r; 5];
        yield_from!(Leaf::new());
        let r: u64 = a5[0] + a5[4];
        let a6: [u64; 6] = [r; 6];
        yield_from!(Leaf::new());
        let r: u64 = a6[0] + a6[5];
        let a7: [u64; 7] = [r; 7];
        yield_from!(Leaf::new());
        let r: u64 = a7[0] + a7[6];
        let a8: [u64; 8] = [r; 8];
        yield_from!(Leaf::new());
        let r: u64 = a8[0] + a8[7];
        let a9: [u64; 9] = [r; 9];
        yield_from!(Leaf::new());
        let r: u64 = a9[0] + a9[8];
        let a10: [u64; 10] = [r; 10];
        yield_from!(Leaf::new());
        a10[0] + a10[9]
    }

    #[coroutines::coroutine]
    pub fn ten_suspensions_scoped(x: u64) -> u64 {
        let mut r: u64 = x;
        {
            let a1: [u64; 1] = [r; 1];
            yield_from!(Leaf::new());
            r = a1[0] + a1[0];
        }
        {
            let a2: [u64; 2] = [r; 2];
            yield_from!(Leaf::new());
            r = a2[0] + a2[1];
        }
        {
            let a3: [u64; 3] = [r; 3];
            yield_from!(Leaf::new());
            r = a3[0] + a3[2];
        }
        {
            let a4: [u64; 4] = [r; 4];
            yield_from!(Leaf::new());
            r = a4[0] + a4[3];
        }
        {
            let a5: [u64; 5] = [r; 5];
            yield_from!(Leaf::new());
            r = a5[0] + a5[4];
        }
        {
            let a6: [u64; 6] = [r; 6];
            yield_from!(Leaf::new());
            r = a6[0] + a6[5];
        }
        {
            let a7: [u64; 7] = [r; 7];
            yield_from!(Leaf::new());
            r = a7[0] + a7[6];
        }
        {
            let a8: [u64; 8] = [r; 8];
            yield_from!(Leaf::new());
            r = a8[0] + a8[7];
        }
        {
            let a9: [u64; 9] = [r; 9];
            yield_from!(Leaf::new());
            r = a9[0] + a9[8];
        }
        {
            let a10: [u64; 10] = [r; 10];
            yield_from!(Leaf::new());
            r = a10[0] + a10[9];
        }
        r
    }
}

/// The same functions as `async fn`.
pub mod rustc {
    use super::{total, total_ref, Leaf, Msg};

    pub async fn three_locals(x: u64) -> u64 {
        let a = x + 1;
        Leaf::new().await;
        let b = a * 2;
        Leaf::new().await;
        let c = a + b;
        Leaf::new().await;
        a + b + c
    }

    pub async fn branch_buffers(big: bool, x: usize) -> usize {
        if big {
            let mut buf = [0u8; 1024];
            buf[x % 1024] = 7;
            Leaf::new().await;
            buf[x % 1024] as usize + buf.len()
        } else {
            let s = x.to_string();
            Leaf::new().await;
            s.len()
        }
    }

    pub async fn sub(i: u32) -> u32 {
        Leaf::new().await;
        i * 2
    }

    pub async fn loop_delegation(n: u32) -> u32 {
        let mut total = 0;
        let mut i = 0;
        while i < n {
            total += sub(i).await;
            i += 1;
        }
        total
    }

    pub async fn match_bindings(m: Msg) -> u64 {
        match m {
            Msg::Num(n) => {
                Leaf::new().await;
                n
            }
            Msg::Pair(a, b) => {
                Leaf::new().await;
                a * b
            }
            Msg::Text(s) => {
                Leaf::new().await;
                s.len() as u64
            }
        }
    }

    pub async fn ten_suspensions(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        Leaf::new().await;
        let r: u64 = total(a1);
        let a2: [u64; 2] = [r; 2];
        Leaf::new().await;
        let r: u64 = total(a2);
        let a3: [u64; 3] = [r; 3];
        Leaf::new().await;
        let r: u64 = total(a3);
        let a4: [u64; 4] = [r; 4];
        Leaf::new().await;
        let r: u64 = total(a4);
        let a5: [u64; 5] = [r; 5];
        Leaf::new().await;
        let r: u64 = total(a5);
        let a6: [u64; 6] = [r; 6];
        Leaf::new().await;
        let r: u64 = total(a6);
        let a7: [u64; 7] = [r; 7];
        Leaf::new().await;
        let r: u64 = total(a7);
        let a8: [u64; 8] = [r; 8];
        Leaf::new().await;
        let r: u64 = total(a8);
        let a9: [u64; 9] = [r; 9];
        Leaf::new().await;
        let r: u64 = total(a9);
        let a10: [u64; 10] = [r; 10];
        Leaf::new().await;
        total(a10)
    }

    pub async fn ten_suspensions_borrowed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        Leaf::new().await;
        let r: u64 = total_ref(&a1);
        let a2: [u64; 2] = [r; 2];
        Leaf::new().await;
        let r: u64 = total_ref(&a2);
        let a3: [u64; 3] = [r; 3];
        Leaf::new().await;
        let r: u64 = total_ref(&a3);
        let a4: [u64; 4] = [r; 4];
        Leaf::new().await;
        let r: u64 = total_ref(&a4);
        let a5: [u64; 5] = [r; 5];
        Leaf::new().await;
        let r: u64 = total_ref(&a5);
        let a6: [u64; 6] = [r; 6];
        Leaf::new().await;
        let r: u64 = total_ref(&a6);
        let a7: [u64; 7] = [r; 7];
        Leaf::new().await;
        let r: u64 = total_ref(&a7);
        let a8: [u64; 8] = [r; 8];
        Leaf::new().await;
        let r: u64 = total_ref(&a8);
        let a9: [u64; 9] = [r; 9];
        Leaf::new().await;
        let r: u64 = total_ref(&a9);
        let a10: [u64; 10] = [r; 10];
        Leaf::new().await;
        total_ref(&a10)
    }

    pub async fn ten_suspensions_indexed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        Leaf::new().await;
        let r: u64 = a1[0] + a1[0];
        let a2: [u64; 2] = [r; 2];
        Leaf::new().await;
        let r: u64 = a2[0] + a2[1];
        let a3: [u64; 3] = [r; 3];
        Leaf::new().await;
        let r: u64 = a3[0] + a3[2];
        let a4: [u64; 4] = [r; 4];
        Leaf::new().await;
        let r: u64 = a4[0] + a4[3];
        let a5: [u64; 5] = [r; 5];
        Leaf::new().await;
        let r: u64 = a5[0] + a5[4];
        let a6: [u64; 6] = [r; 6];
        Leaf::new().await;
        let r: u64 = a6[0] + a6[5];
        let a7: [u64; 7] = [r; 7];
        Leaf::new().await;
        let r: u64 = a7[0] + a7[6];
        let a8: [u64; 8] = [r; 8];
        Leaf::new().await;
        let r: u64 = a8[0] + a8[7];
        let a9: [u64; 9] = [r; 9];
        Leaf::new().await;
        let r: u64 = a9[0] + a9[8];
        let a10: [u64; 10] = [r; 10];
        Leaf::new().await;
        a10[0] + a10[9]
    }

    pub async fn ten_suspensions_scoped(x: u64) -> u64 {
        let mut r: u64 = x;
        {
            let a1: [u64; 1] = [r; 1];
            Leaf::new().await;
            r = a1[0] + a1[0];
        }
        {
            let a2: [u64; 2] = [r; 2];
            Leaf::new().await;
            r = a2[0] + a2[1];
        }
        {
            let a3: [u64; 3] = [r; 3];
            Leaf::new().await;
            r = a3[0] + a3[2];
        }
        {
            let a4: [u64; 4] = [r; 4];
            Leaf::new().await;
            r = a4[0] + a4[3];
        }
        {
            let a5: [u64; 5] = [r; 5];
            Leaf::new().await;
            r = a5[0] + a5[4];
        }
        {
            let a6: [u64; 6] = [r; 6];
            Leaf::new().await;
            r = a6[0] + a6[5];
        }
        {
            let a7: [u64; 7] = [r; 7];
            Leaf::new().await;
            r = a7[0] + a7[6];
        }
        {
            let a8: [u64; 8] = [r; 8];
            Leaf::new().await;
            r = a8[0] + a8[7];
        }
        {
            let a9: [u64; 9] = [r; 9];
            Leaf::new().await;
            r = a9[0] + a9[8];
        }
        {
            let a10: [u64; 10] = [r; 10];
            Leaf::new().await;
            r = a10[0] + a10[9];
        }
        r
    }
}

/// This crate's generator flavour (each suspension yields `0`).
pub mod ours_gen {
    use super::{total, total_ref, Msg};

    #[coroutines::coroutine(yield = u64)]
    pub fn three_locals(x: u64) -> u64 {
        let a = x + 1;
        yield_!(0);
        let b = a * 2;
        yield_!(0);
        let c = a + b;
        yield_!(0);
        a + b + c
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn branch_buffers(big: bool, x: usize) -> usize {
        if big {
            let mut buf = [0u8; 1024];
            buf[x % 1024] = 7;
            yield_!(0);
            buf[x % 1024] as usize + buf.len()
        } else {
            let s = x.to_string();
            yield_!(0);
            s.len()
        }
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn sub(i: u32) -> u32 {
        yield_!(0);
        i * 2
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn loop_delegation(n: u32) -> u32 {
        let mut total = 0;
        let mut i = 0;
        while i < n {
            total += yield_from!(sub(i));
            i += 1;
        }
        total
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn match_bindings(m: Msg) -> u64 {
        match m {
            Msg::Num(n) => {
                yield_!(0);
                n
            }
            Msg::Pair(a, b) => {
                yield_!(0);
                a * b
            }
            Msg::Text(s) => {
                yield_!(0);
                s.len() as u64
            }
        }
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn ten_suspensions(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_!(0);
        let r: u64 = total(a1);
        let a2: [u64; 2] = [r; 2];
        yield_!(0);
        let r: u64 = total(a2);
        let a3: [u64; 3] = [r; 3];
        yield_!(0);
        let r: u64 = total(a3);
        let a4: [u64; 4] = [r; 4];
        yield_!(0);
        let r: u64 = total(a4);
        let a5: [u64; 5] = [r; 5];
        yield_!(0);
        let r: u64 = total(a5);
        let a6: [u64; 6] = [r; 6];
        yield_!(0);
        let r: u64 = total(a6);
        let a7: [u64; 7] = [r; 7];
        yield_!(0);
        let r: u64 = total(a7);
        let a8: [u64; 8] = [r; 8];
        yield_!(0);
        let r: u64 = total(a8);
        let a9: [u64; 9] = [r; 9];
        yield_!(0);
        let r: u64 = total(a9);
        let a10: [u64; 10] = [r; 10];
        yield_!(0);
        total(a10)
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn ten_suspensions_borrowed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_!(0);
        let r: u64 = total_ref(&a1);
        let a2: [u64; 2] = [r; 2];
        yield_!(0);
        let r: u64 = total_ref(&a2);
        let a3: [u64; 3] = [r; 3];
        yield_!(0);
        let r: u64 = total_ref(&a3);
        let a4: [u64; 4] = [r; 4];
        yield_!(0);
        let r: u64 = total_ref(&a4);
        let a5: [u64; 5] = [r; 5];
        yield_!(0);
        let r: u64 = total_ref(&a5);
        let a6: [u64; 6] = [r; 6];
        yield_!(0);
        let r: u64 = total_ref(&a6);
        let a7: [u64; 7] = [r; 7];
        yield_!(0);
        let r: u64 = total_ref(&a7);
        let a8: [u64; 8] = [r; 8];
        yield_!(0);
        let r: u64 = total_ref(&a8);
        let a9: [u64; 9] = [r; 9];
        yield_!(0);
        let r: u64 = total_ref(&a9);
        let a10: [u64; 10] = [r; 10];
        yield_!(0);
        total_ref(&a10)
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn ten_suspensions_indexed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_!(0);
        let r: u64 = a1[0] + a1[0];
        let a2: [u64; 2] = [r; 2];
        yield_!(0);
        let r: u64 = a2[0] + a2[1];
        let a3: [u64; 3] = [r; 3];
        yield_!(0);
        let r: u64 = a3[0] + a3[2];
        let a4: [u64; 4] = [r; 4];
        yield_!(0);
        let r: u64 = a4[0] + a4[3];
        let a5: [u64; 5] = [r; 5];
        yield_!(0);
        let r: u64 = a5[0] + a5[4];
        let a6: [u64; 6] = [r; 6];
        yield_!(0);
        let r: u64 = a6[0] + a6[5];
        let a7: [u64; 7] = [r; 7];
        yield_!(0);
        let r: u64 = a7[0] + a7[6];
        let a8: [u64; 8] = [r; 8];
        yield_!(0);
        let r: u64 = a8[0] + a8[7];
        let a9: [u64; 9] = [r; 9];
        yield_!(0);
        let r: u64 = a9[0] + a9[8];
        let a10: [u64; 10] = [r; 10];
        yield_!(0);
        a10[0] + a10[9]
    }

    #[coroutines::coroutine(yield = u64)]
    pub fn ten_suspensions_scoped(x: u64) -> u64 {
        let mut r: u64 = x;
        {
            let a1: [u64; 1] = [r; 1];
            yield_!(0);
            r = a1[0] + a1[0];
        }
        {
            let a2: [u64; 2] = [r; 2];
            yield_!(0);
            r = a2[0] + a2[1];
        }
        {
            let a3: [u64; 3] = [r; 3];
            yield_!(0);
            r = a3[0] + a3[2];
        }
        {
            let a4: [u64; 4] = [r; 4];
            yield_!(0);
            r = a4[0] + a4[3];
        }
        {
            let a5: [u64; 5] = [r; 5];
            yield_!(0);
            r = a5[0] + a5[4];
        }
        {
            let a6: [u64; 6] = [r; 6];
            yield_!(0);
            r = a6[0] + a6[5];
        }
        {
            let a7: [u64; 7] = [r; 7];
            yield_!(0);
            r = a7[0] + a7[6];
        }
        {
            let a8: [u64; 8] = [r; 8];
            yield_!(0);
            r = a8[0] + a8[7];
        }
        {
            let a9: [u64; 9] = [r; 9];
            yield_!(0);
            r = a9[0] + a9[8];
        }
        {
            let a10: [u64; 10] = [r; 10];
            yield_!(0);
            r = a10[0] + a10[9];
        }
        r
    }
}

/// diapause 0.2's generators. Its rules need type annotations on locals that cross a yield and
/// a rebinding of pattern bindings that do.
pub mod dia {
    use super::{total, total_ref, Msg};

    #[diapause::coroutine(yield = u64)]
    pub fn three_locals(x: u64) -> u64 {
        let a: u64 = x + 1;
        yield_!(0);
        let b: u64 = a * 2;
        yield_!(0);
        let c: u64 = a + b;
        yield_!(0);
        a + b + c
    }

    #[diapause::coroutine(yield = u64)]
    pub fn branch_buffers(big: bool, x: usize) -> usize {
        if big {
            let mut buf: [u8; 1024] = [0u8; 1024];
            buf[x % 1024] = 7;
            yield_!(0);
            buf[x % 1024] as usize + buf.len()
        } else {
            let s: String = x.to_string();
            yield_!(0);
            s.len()
        }
    }

    #[diapause::coroutine(yield = u64)]
    pub fn sub(i: u32) -> u32 {
        yield_!(0);
        i * 2
    }

    #[diapause::coroutine(yield = u64)]
    pub fn loop_delegation(n: u32) -> u32 {
        let mut total: u32 = 0;
        let mut i: u32 = 0;
        while i < n {
            let r = yield_all!(sub(i));
            total += r;
            i += 1;
        }
        total
    }

    #[diapause::coroutine(yield = u64)]
    pub fn match_bindings(m: Msg) -> u64 {
        match m {
            Msg::Num(n) => {
                let n2: u64 = n;
                yield_!(0);
                n2
            }
            Msg::Pair(a, b) => {
                let a2: u64 = a;
                let b2: u64 = b;
                yield_!(0);
                a2 * b2
            }
            Msg::Text(s) => {
                let s2: String = s;
                yield_!(0);
                s2.len() as u64
            }
        }
    }

    #[diapause::coroutine(yield = u64)]
    pub fn ten_suspensions(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_!(0);
        let r: u64 = total(a1);
        let a2: [u64; 2] = [r; 2];
        yield_!(0);
        let r: u64 = total(a2);
        let a3: [u64; 3] = [r; 3];
        yield_!(0);
        let r: u64 = total(a3);
        let a4: [u64; 4] = [r; 4];
        yield_!(0);
        let r: u64 = total(a4);
        let a5: [u64; 5] = [r; 5];
        yield_!(0);
        let r: u64 = total(a5);
        let a6: [u64; 6] = [r; 6];
        yield_!(0);
        let r: u64 = total(a6);
        let a7: [u64; 7] = [r; 7];
        yield_!(0);
        let r: u64 = total(a7);
        let a8: [u64; 8] = [r; 8];
        yield_!(0);
        let r: u64 = total(a8);
        let a9: [u64; 9] = [r; 9];
        yield_!(0);
        let r: u64 = total(a9);
        let a10: [u64; 10] = [r; 10];
        yield_!(0);
        total(a10)
    }

    #[diapause::coroutine(yield = u64)]
    pub fn ten_suspensions_borrowed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_!(0);
        let r: u64 = total_ref(&a1);
        let a2: [u64; 2] = [r; 2];
        yield_!(0);
        let r: u64 = total_ref(&a2);
        let a3: [u64; 3] = [r; 3];
        yield_!(0);
        let r: u64 = total_ref(&a3);
        let a4: [u64; 4] = [r; 4];
        yield_!(0);
        let r: u64 = total_ref(&a4);
        let a5: [u64; 5] = [r; 5];
        yield_!(0);
        let r: u64 = total_ref(&a5);
        let a6: [u64; 6] = [r; 6];
        yield_!(0);
        let r: u64 = total_ref(&a6);
        let a7: [u64; 7] = [r; 7];
        yield_!(0);
        let r: u64 = total_ref(&a7);
        let a8: [u64; 8] = [r; 8];
        yield_!(0);
        let r: u64 = total_ref(&a8);
        let a9: [u64; 9] = [r; 9];
        yield_!(0);
        let r: u64 = total_ref(&a9);
        let a10: [u64; 10] = [r; 10];
        yield_!(0);
        total_ref(&a10)
    }

    #[diapause::coroutine(yield = u64)]
    pub fn ten_suspensions_indexed(x: u64) -> u64 {
        let r: u64 = x;
        let a1: [u64; 1] = [r; 1];
        yield_!(0);
        let r: u64 = a1[0] + a1[0];
        let a2: [u64; 2] = [r; 2];
        yield_!(0);
        let r: u64 = a2[0] + a2[1];
        let a3: [u64; 3] = [r; 3];
        yield_!(0);
        let r: u64 = a3[0] + a3[2];
        let a4: [u64; 4] = [r; 4];
        yield_!(0);
        let r: u64 = a4[0] + a4[3];
        let a5: [u64; 5] = [r; 5];
        yield_!(0);
        let r: u64 = a5[0] + a5[4];
        let a6: [u64; 6] = [r; 6];
        yield_!(0);
        let r: u64 = a6[0] + a6[5];
        let a7: [u64; 7] = [r; 7];
        yield_!(0);
        let r: u64 = a7[0] + a7[6];
        let a8: [u64; 8] = [r; 8];
        yield_!(0);
        let r: u64 = a8[0] + a8[7];
        let a9: [u64; 9] = [r; 9];
        yield_!(0);
        let r: u64 = a9[0] + a9[8];
        let a10: [u64; 10] = [r; 10];
        yield_!(0);
        a10[0] + a10[9]
    }

    #[diapause::coroutine(yield = u64)]
    pub fn ten_suspensions_scoped(x: u64) -> u64 {
        let mut r: u64 = x;
        {
            let a1: [u64; 1] = [r; 1];
            yield_!(0);
            r = a1[0] + a1[0];
        }
        {
            let a2: [u64; 2] = [r; 2];
            yield_!(0);
            r = a2[0] + a2[1];
        }
        {
            let a3: [u64; 3] = [r; 3];
            yield_!(0);
            r = a3[0] + a3[2];
        }
        {
            let a4: [u64; 4] = [r; 4];
            yield_!(0);
            r = a4[0] + a4[3];
        }
        {
            let a5: [u64; 5] = [r; 5];
            yield_!(0);
            r = a5[0] + a5[4];
        }
        {
            let a6: [u64; 6] = [r; 6];
            yield_!(0);
            r = a6[0] + a6[5];
        }
        {
            let a7: [u64; 7] = [r; 7];
            yield_!(0);
            r = a7[0] + a7[6];
        }
        {
            let a8: [u64; 8] = [r; 8];
            yield_!(0);
            r = a8[0] + a8[7];
        }
        {
            let a9: [u64; 9] = [r; 9];
            yield_!(0);
            r = a9[0] + a9[8];
        }
        {
            let a10: [u64; 10] = [r; 10];
            yield_!(0);
            r = a10[0] + a10[9];
        }
        r
    }
}

/// One row of the size table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub name: &'static str,
    /// Our async flavour.
    pub ours_async: usize,
    /// The compiler's `async fn`.
    pub rustc: usize,
    /// Our generator flavour.
    pub ours_gen: usize,
    /// diapause's generator.
    pub dia: usize,
}

/// The names of the five functions, in table order.
pub const NAMES: [&str; 8] = [
    "three_locals",
    "branch_buffers",
    "loop_delegation",
    "match_bindings",
    "ten_suspensions",
    "ten_suspensions_borrowed",
    "ten_suspensions_indexed",
    "ten_suspensions_scoped",
];

fn msg() -> Msg {
    Msg::Pair(6, 7)
}

/// Every size, one row per function.
pub fn table() -> [Sizes; 8] {
    macro_rules! row {
        ($name:ident ($($arg:expr),*)) => {
            Sizes {
                name: stringify!($name),
                ours_async: size_of_val(&ours_async::$name($($arg),*)),
                rustc: size_of_val(&rustc::$name($($arg),*)),
                ours_gen: size_of_val(&ours_gen::$name($($arg),*)),
                dia: size_of_val(&dia::$name($($arg),*)),
            }
        };
    }
    [
        row!(three_locals(1)),
        row!(branch_buffers(true, 3)),
        row!(loop_delegation(4)),
        row!(match_bindings(msg())),
        row!(ten_suspensions(1)),
        row!(ten_suspensions_borrowed(1)),
        row!(ten_suspensions_indexed(1)),
        row!(ten_suspensions_scoped(1)),
    ]
}

/// Runs a generator of ours to completion: `(yields, return value)`.
fn run_ours<T>(g: impl coroutines::Coroutine<Yield = u64, Return = T>) -> (usize, T) {
    use coroutines::CoroutineState;
    let mut g = std::pin::pin!(g);
    let mut yields = 0;
    loop {
        match g.as_mut().resume(()) {
            CoroutineState::Yielded(_) => yields += 1,
            CoroutineState::Complete(r) => return (yields, r),
        }
    }
}

/// Runs a diapause generator to completion: `(yields, return value)`.
fn run_dia<T>(mut g: impl diapause::Coroutine<Yield = u64, Return = T>) -> (usize, T) {
    use diapause::CoroutineState;
    let mut yields = 0;
    let mut st = g.start();
    loop {
        match st {
            CoroutineState::Yielded(_) => {
                yields += 1;
                st = g.resume(());
            }
            CoroutineState::Complete(r) => return (yields, r),
        }
    }
}

/// Polls a future to ready with the noop-waker executor: `(polls, output)`.
fn run_fut<F: Future>(f: F) -> (usize, F::Output) {
    let (v, polls) = super::common::block_on_counting(f);
    (polls, v)
}

/// Every function's result under the four versions, as `(suspensions, result)` with the
/// result widened to `u64`: `[ours_async, rustc, ours_gen, dia]` per case. Cases cover both
/// branches of `branch_buffers` and every arm of `match_bindings`.
#[allow(clippy::unnecessary_cast)]
pub fn run_all() -> Vec<(String, [(usize, u64); 4])> {
    let mut out = Vec::new();
    macro_rules! case {
        ($label:expr, $name:ident ($($arg:expr),*)) => {
            out.push((
                $label.to_string(),
                [
                    {
                        let (p, v) = run_fut(ours_async::$name($($arg),*));
                        (p - 1, v as u64)
                    },
                    {
                        let (p, v) = run_fut(rustc::$name($($arg),*));
                        (p - 1, v as u64)
                    },
                    {
                        let (y, v) = run_ours(ours_gen::$name($($arg),*));
                        (y, v as u64)
                    },
                    {
                        let (y, v) = run_dia(dia::$name($($arg),*));
                        (y, v as u64)
                    },
                ],
            ));
        };
    }
    case!("three_locals(5)", three_locals(5));
    case!("branch_buffers(true, 1500)", branch_buffers(true, 1500));
    case!("branch_buffers(false, 1500)", branch_buffers(false, 1500));
    case!("loop_delegation(6)", loop_delegation(6));
    case!("match_bindings(Num)", match_bindings(Msg::Num(9)));
    case!("match_bindings(Pair)", match_bindings(Msg::Pair(6, 7)));
    case!(
        "match_bindings(Text)",
        match_bindings(Msg::Text("hello".into()))
    );
    case!("ten_suspensions(1)", ten_suspensions(1));
    case!("ten_suspensions(2)", ten_suspensions(2));
    case!("ten_suspensions_borrowed(3)", ten_suspensions_borrowed(3));
    case!("ten_suspensions_indexed(3)", ten_suspensions_indexed(3));
    case!("ten_suspensions_scoped(3)", ten_suspensions_scoped(3));
    out
}
