#![deny(warnings)]
//! Semantics of the generator flavour, `#[coroutines::coroutine(yield = Y, resume = R)]`.
//!
//! Most coroutines here are *twins* (see `common::gen_twins!`): the same tokens are also
//! compiled as a plain fn in which `yield_!(v)` logs `v` and returns the next scripted resume
//! value, and `yield_from!(f(..))` is a plain call. Every test checks that the generator yields
//! exactly what the plain fn logs, in the same order as its other side effects, and returns
//! the same value; most also pin down the expected values, computed by hand, so that a bug in
//! the oracle cannot hide one in the macro.

#[macro_use]
mod common;
use common::*;

use coroutines::{Coroutine, CoroutineState};
use std::pin::pin;

/// Shorthand: a resume script given as a list (index `i` is the `i`-th resume's argument).
macro_rules! script {
    ($($v:expr),* $(,)?) => {
        |i: usize| -> i32 { [$($v),*][i] }
    };
}

// =============================================================================================
// `let`: annotations, patterns, shadowing, `let ... else`.

mod bindings {
    use super::*;

    pub struct Pt {
        pub x: i32,
        pub y: i32,
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn let_forms(n: i32) -> i32 {
            let a: i32 = n;
            let b = yield_!(a);
            let (c, mut d) = (b + 1, yield_!(b));
            d += 1;
            let Pt { x, y: yy } = Pt { x: yield_!(c), y: d };
            let t: (i32, i32) = (yield_!(x), yy);
            let [p, q]: [i32; 2] = [t.0, yield_!(t.1)];
            a + b + c + d + x + yy + t.0 + t.1 + p + q
        }

        // Locals declared without a value and given one by an assignment statement after a
        // suspension (declared afresh there), their types as written or first assigned.
        // Statements under `#[cfg]` that hold no suspension point are kept as written, and
        // rustc removes the ones it does not compile (one that suspends is a compile error:
        // `tests/ui/suspension-under-cfg.rs`).
        fn statements_under_cfg(n: i32) -> i32 {
            let mut s = n;
            #[cfg(any())]
            let t = 100;
            #[cfg(all())]
            let t = 2;
            #[cfg(any())]
            {
                s += 1000;
            }
            let x = yield_!(t);
            #[cfg(all())]
            let t = t + x;
            #[cfg(any())]
            let t = 7;
            s += yield_!(t);
            #[cfg(all())]
            let w = String::from("w");
            #[cfg(any())]
            let w = 5;
            yield_!(w.len() as i32);
            s + t
        }

        fn deferred_initialisation(n: i32) -> i32 {
            let x;
            let y: u8;
            let mut z;
            z = 250u8;
            let r = yield_!(n);
            x = r + 1;
            y = 200;
            yield_!(x + z as i32);
            z = 100;
            yield_!(0);
            x + y.wrapping_add(100) as i32 + z.wrapping_add(200) as i32
        }

        // The same in a loop, its assignment after a `break` in place.
        fn deferred_initialisation_after_an_exit(n: i32) -> i32 {
            let mut total = 0;
            loop {
                let d;
                let r = yield_!(total);
                if r > n {
                    break;
                }
                d = r + 1;
                total += d;
            }
            total
        }

        // Locals declared without a value given their first value in branches after a
        // suspension point (declared afresh there): in an `if` whose condition suspends, in an
        // `if` and a `match` after one, in an `if` without `else`, in a loop (a `mut` one, given
        // a value in each turn), and one whose type comes from a branch before the suspension
        // (`u8` arithmetic).
        fn deferred_initialisation_in_branches(c: i32) -> i32 {
            let a;
            if yield_!(c) > 150 {
                a = 1;
            } else {
                a = 2;
            }
            let b;
            let s: String;
            let r = yield_!(a);
            if r > 150 {
                b = 10;
                s = String::from("long");
            } else {
                b = 20;
                s = String::from("ab");
            }
            let m;
            match yield_!(b) / 100 {
                3 => m = 100,
                4 => {
                    m = 200;
                }
                _ => return -1,
            }
            let mut once = 0;
            let o;
            if yield_!(m) > 250 {
                o = 5;
                once = o;
            }
            let mut n;
            let mut total = 0;
            loop {
                let v = yield_!(total);
                if v > 550 {
                    n = 3;
                } else {
                    n = 4;
                }
                total += n;
                if total > 6 {
                    break;
                }
            }
            let t;
            let wrapped;
            if c <= 0 {
                t = 1u8;
                wrapped = t.wrapping_add(10);
            } else if yield_!(-7) > 150 {
                t = 250;
                wrapped = t.wrapping_add(10);
            } else {
                wrapped = 0;
            }
            a + b + s.len() as i32 + m + once + total + wrapped as i32
        }

        // `mut` locals declared without a value: one assigned before a suspension point and
        // again after it from its own value, one declared in a loop and given a value after a
        // suspension in each turn, and one given its first value in the branches of an `if`
        // whose condition suspends.
        fn deferred_initialisation_mut(c: i32) -> i32 {
            let mut n;
            n = c;
            let r = yield_!(n);
            n = n.wrapping_add(r);
            let mut total = 0;
            let mut turns = 0;
            loop {
                turns += 1;
                if turns > 2 {
                    break;
                }
                let mut d;
                let v = yield_!(turns);
                d = v + 1;
                d += yield_!(d);
                total += d;
            }
            let mut e;
            if yield_!(total) > 550 {
                e = 1;
            } else {
                e = 2;
            }
            e += 10;
            n + total + e
        }

        // A parameter only borrowed, beside a block's `let` of the same name that is only
        // borrowed too: the parameter is not kept in place by name (the rewriting of its
        // mentions reached the `let`'s pattern: "expected pattern, found `*`").
        fn parameter_and_inner_let_of_one_name(v: Vec<i32>) -> i32 {
            let first = yield_!(1);
            let r = &v;
            let inner = {
                let v: i32 = first + 1;
                let w = &v;
                *w * 2
            };
            yield_!(inner);
            r.len() as i32 + inner + v[0]
        }

        // Destructuring assignments to locals declared without a value (by a tuple pattern,
        // with a tuple type or none), after a suspension point (the value suspending too), into
        // a struct and in branches, and to a `mut` local kept across a suspension.
        fn destructuring_assignments(c: i32) -> i32 {
            let (a, b): (i32, u8);
            yield_!(0);
            (a, b) = (yield_!(1), 250);
            let (x, y);
            Pt { x, y } = Pt { x: a + 10, y: yield_!(2) };
            let e;
            if yield_!(3) > c {
                [e, _] = [x, y];
            } else {
                [_, e] = [x, y];
            }
            let mut m = 0;
            let mut n = 1;
            yield_!(m);
            (m, n) = (n + 5, m + 6);
            yield_!(m);
            a + b.wrapping_add(10) as i32 + x + y + e + m * 10 + n
        }

        // A `mut` local declared without a value, assigned after a `break` in place that
        // leaves before it (no value on that path), then assigned again from its own value.
        fn deferred_initialisation_after_a_break_in_place(a: i32, leave: bool) -> i32 {
            let mut out = 0;
            'b: {
                let mut d: i32;
                yield_!(1);
                if leave {
                    break 'b;
                }
                d = a;
                match yield_!(2) {
                    x if x > 0 => {
                        d = d.wrapping_sub(x);
                    }
                    _ => {}
                }
                out = d;
            }
            out
        }

        // A `mut` local declared without a value in a loop, given its value in both branches of
        // an `if` whose condition suspends and of a `match` on a resumed value, where one branch
        // may `continue` before assigning it: that branch is a block of its own, entered from
        // the block that assigns it in the other branch, but never after that assignment.
        fn deferred_initialisation_mut_beside_a_continue(skip: i32) -> i32 {
            let mut total = 0;
            let mut turn = 0;
            while turn < 6 {
                turn += 1;
                let mut d: i32;
                if yield_!(turn) > 0 && turn % 3 == 0 {
                    d = 1;
                } else {
                    if turn == skip {
                        continue;
                    }
                    d = 2;
                }
                let mut e: i32;
                match yield_!(-turn) > 0 && turn % 2 == 0 {
                    true => e = 10,
                    false => {
                        if turn == skip + 1 && yield_!(turn * 10) > 0 {
                            continue;
                        }
                        if turn == skip + 3 {
                            continue;
                        }
                        e = 20;
                    }
                }
                d += 100;
                e += 1000;
                total += d + e;
            }
            total
        }

        // A `mut` local declared without a value, given its value in every inline branch of a
        // construct that follows a suspension (an `if` whose condition suspends, an `if let`
        // on a resumed value, a `match` on one), then reassigned from itself after another
        // suspension: it certainly holds a value there.
        fn deferred_initialisation_mut_reassigned_after_branches(limit: i32) -> i32 {
            let mut d: i32;
            if yield_!(1) <= limit {
                d = 1;
            } else {
                d = 2;
            }
            let mut e: i32;
            if let Some(x) = Some(yield_!(2)) {
                e = x;
            } else {
                e = 0;
            }
            let mut f: i32;
            match yield_!(3) {
                0 => f = 10,
                n if n < 0 => f = -n,
                _ => f = 30,
            }
            yield_!(d + e + f);
            d = d.wrapping_mul(100);
            e += 1000;
            f = f.wrapping_add(d);
            d + e + f
        }

        // A `mut` local declared without a value, given its value by an inline branch that
        // then leaves (a `break` out of a loop that suspends, a `break` with a value out of a
        // labelled block that suspends, a `match` arm that `continue`s), and reassigned from
        // itself after a later suspension: the branch's jump follows its assignment, and the
        // code after the branch's construct is not reached from it.
        fn deferred_initialisation_mut_assigned_before_a_break(a: i32) -> i32 {
            let mut d: i32;
            loop {
                if yield_!(1) > a {
                    d = 7;
                    break;
                }
            }
            let mut e: i32;
            let v = 'b: {
                if yield_!(2) > a {
                    e = 5;
                    break 'b 1;
                }
                e = 6;
                2
            };
            let mut total = 0;
            for turn in 0..3 {
                let mut f: i32;
                match yield_!(3) {
                    0 => {
                        f = 10;
                    }
                    x if x > a => {
                        total += x;
                        continue;
                    }
                    _ => f = 20 + turn,
                }
                yield_!(f);
                f += 1;
                total += f;
            }
            yield_!(d + e);
            d -= 1;
            e = e * 10 + v;
            d + e + total
        }

        // A `mut` local declared without a value, assigned in an inline `match` arm that then
        // returns, in a loop that suspends: the code after the `match` is not reached from that
        // arm, so the assignment after the loop gives the local its first value.
        fn deferred_initialisation_mut_assigned_in_an_arm_that_returns(a: i32) -> i32 {
            let mut d: i32;
            let mut turns = 0;
            loop {
                turns += 1;
                match yield_!(a) - turns {
                    0 => {
                        d = 1;
                        return d;
                    }
                    2 => break,
                    _ => {}
                }
            }
            yield_!(2);
            d = 5;
            d += turns;
            d
        }

        // Blocks whose value is used, split at a suspension point, that end without a tail:
        // by a `return` (the jump that would carry their value never runs), by
        // `unreachable!();` and by a call that returns `!` (the block then has the type the
        // `match` needs, as in Rust), and a body that ends by panicking.
        fn value_blocks_that_diverge(a: i32) -> i32 {
            let d = match a {
                1 => {
                    yield_!(5);
                    return 9;
                }
                2 => yield_!(6),
                3 => {
                    yield_!(7);
                    unreachable!("3 is never passed");
                }
                4 => {
                    yield_!(8);
                    std::process::abort();
                }
                _ => a,
            };
            let e = if d > 100 {
                yield_!(d);
                return d + 1;
            } else {
                d * 2
            };
            yield_!(e);
            if e > 0 {
                return e;
            }
            yield_!(-1);
            panic!("{e} is not positive");
        }

        // A `mut` local declared without a value before a loop and assigned in each turn after
        // a suspension: once after a `break` that comes first in its block, once by a labelled
        // block that may leave the loop before giving it its value. Neither jump needs the
        // value of an earlier turn, which the macro took for one that might ("may hold a value
        // already").
        fn deferred_mut_assigned_in_a_loop_after_a_jump_out(limit: i32) -> i32 {
            let mut x;
            let mut total = 0;
            loop {
                let v = yield_!(total);
                if v > limit {
                    break;
                }
                x = v * 2;
                yield_!(x);
                x += 1;
                total += x;
            }
            let mut e;
            let mut turn = 0;
            'outer: loop {
                turn += 1;
                if turn > 4 {
                    break;
                }
                yield_!(turn);
                e = 'value: {
                    if turn == 2 {
                        break 'value 1;
                    }
                    if total > limit * 10 {
                        break 'outer;
                    }
                    total
                };
                yield_!(e);
                e += 1;
                total += e;
            }
            total + turn
        }

        // `mut` locals declared without a value before a loop, given their value after a
        // suspension by an `if` that otherwise leaves the loop: `n` is not read after the loop
        // (each turn gives it a value afresh; the macro used to refuse it), `m` is (it keeps
        // its value across, as any local).
        fn deferred_mut_assigned_or_leaving_the_loop(limit: i32) -> i32 {
            let mut n;
            let mut total = 0;
            loop {
                let c = yield_!(total);
                if c > limit {
                    break;
                } else {
                    n = c;
                }
                total += n + 1;
            }
            let mut m;
            m = 1;
            let mut turns = 0;
            loop {
                turns += 1;
                let c = yield_!(m);
                if c < limit * 3 {
                    m += c;
                } else if turns % 2 == 0 {
                    continue;
                } else {
                    break;
                }
            }
            total + m
        }

        // `mut` locals declared without a value before a loop, given their value in each turn
        // after a suspension, by an `if` whose condition suspends: `d` in its `then` branch,
        // the `else` leaving the loop (the macro said it "may hold a value already"); `e` in a
        // `then` that suspends, beside an `else { break }` kept as written, whose jump on to
        // the code after the `if` never runs (it carried `e` back to where it was never
        // declared: rustc E0425).
        fn deferred_mut_in_branches_of_a_suspending_condition(limit: i32) -> i32 {
            let mut d;
            let mut total = 0;
            let mut turn = 0;
            loop {
                turn += 1;
                if turn > 4 {
                    break;
                }
                yield_!(turn);
                if yield_!(turn * 10) < limit {
                    d = turn * 2;
                } else {
                    break;
                }
                total += d;
            }
            let mut e;
            loop {
                turn += 1;
                if turn > 8 {
                    break;
                }
                if total < limit {
                    e = yield_!(total);
                } else {
                    break;
                }
                total += e;
            }
            total + turn
        }

        // An `if` whose condition suspends, its `then` branch only a `break` kept as written:
        // the jump after the `if` never runs, and carried `d`, declared without a value before
        // the loop, back to where it was never declared (rustc E0425). Then a `match` on a
        // resumed value whose arms kept as written all leave the loop.
        fn deferred_mut_beside_a_then_branch_that_breaks(limit: i32) -> i32 {
            let mut v: Vec<i32> = (0..6).collect();
            let mut d;
            let mut total = 0;
            while let Some(x) = v.pop() {
                if yield_!(x * 100) > limit {
                    break
                } else {
                    d = x * 2
                }
                total += d;
            }
            let mut turn = 0;
            loop {
                turn += 1;
                match yield_!(turn) % 3 {
                    0 => break,
                    1 if turn > 3 => break,
                    _ => continue,
                }
            }
            total * 10 + turn
        }

        // A `mut` local declared without a value before a loop, given its value in each turn
        // after a suspension by a labelled block that assigns it on every path, one of them
        // leaving the block by `break` (the macro said it "may hold a value already").
        fn deferred_mut_assigned_by_a_labelled_block(limit: i32) -> i32 {
            let mut n;
            let mut total = 0;
            loop {
                let c = yield_!(total);
                'given: {
                    if c > limit {
                        n = c - limit;
                        break 'given;
                    }
                    n = 1;
                }
                total += n;
                if total > 10 * limit {
                    break;
                }
            }
            total
        }

        // A local declared without a value, given it in the `else` of an `if` whose other
        // branch suspends and returns, beside a `String` the branch clones: the `if`'s join
        // (entered only by the jump written after that `return`, which never runs) was laid
        // out as a state that named the local where it has no binding (rustc E0425).
        fn declared_without_a_value_beside_a_returning_branch(a: i32) -> i32 {
            let s = String::from("abc");
            let t;
            if a > 2 {
                let u = s.clone();
                yield_!(u.len() as i32);
                return 100;
            } else {
                t = s.clone() + "d";
            }
            yield_!(t.len() as i32);
            (t.len() + s.len()) as i32
        }

        // A `mut` local declared without a value, given its value in the `else` of an `if`
        // whose other branch suspends and returns, then kept across a suspension and updated:
        // the jump written after that `return` (which never runs) carried the local into the
        // returning branch's state, and from there back to where it has no value yet (rustc:
        // "cannot find value `d`").
        fn deferred_initialisation_beside_a_branch_that_suspends_and_returns(c: bool) -> i32 {
            let mut d;
            let r = yield_!(1);
            if c {
                yield_!(0);
                return 5;
            } else {
                d = r + 1;
            }
            yield_!(d);
            d += 1;
            d
        }

        // A `mut` local declared without a value in a loop, assigned after a suspension in a
        // branch that then returns, and later by a labelled block that may leave the loop
        // first (`break 'outer` before the assignment): no value from the returning branch
        // reaches the later assignment, which gives the local its first value (the macro said
        // it "may hold a value already": it followed the jump written after the `return`).
        fn deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(
            stop: i32,
        ) -> i32 {
            let mut total = 0;
            let mut turn = 0;
            'outer: loop {
                turn += 1;
                let mut d;
                let r = yield_!(turn);
                if r > 6 {
                    d = yield_!(-1);
                    return d + total;
                }
                d = 'value: {
                    if turn == 2 {
                        break 'value 100;
                    }
                    if turn == stop {
                        break 'outer;
                    }
                    r * 10
                };
                yield_!(d);
                d += 1;
                total += d;
            }
            total + turn
        }

        // A `mut` local declared without a value or a type, assigned by its declaring block
        // only in a branch that returns, then given its value after a suspension and
        // reassigned after another: the declaring block's value never reaches the later code.
        fn deferred_initialisation_untyped_assigned_in_a_returning_branch(a: i32) -> i32 {
            let mut d;
            if a < 0 {
                d = a;
                return 10 + d;
            }
            d = yield_!(a);
            yield_!(d);
            d += 1;
            d
        }

        // A `let` declared without a value that hides a local of an enclosing block still used
        // after it (the hidden one is kept under another name, as for `let x = ..;`), in a loop
        // and in a block.
        fn deferred_initialisation_hiding_a_local() -> i32 {
            let x = 1;
            let z = {
                let x;
                yield_!(0);
                x = 2;
                x * 10
            };
            let mut total = 0;
            for i in 0..2 {
                let x: u8;
                if yield_!(i) > 150 {
                    x = 250;
                } else {
                    x = 5;
                }
                total += x.wrapping_add(10) as i32;
            }
            let y = {
                let mut x;
                x = yield_!(7);
                x += 1;
                x
            };
            x + total + y + z
        }

        // A local declared without a value, given one on some paths only and not used after
        // a suspension: no state keeps it (it may have no value there).
        fn conditionally_initialised(given: bool) -> i32 {
            let x: String;
            if given {
                x = String::from("ab");
                assert_eq!(x.len(), 2);
            }
            yield_!(1);
            7
        }

        // A guarded arm that suspends, whose binding hides a local still used after it (the
        // binding is renamed, in the guard too).
        fn guard_binding_hiding_a_local(x: i32, values: Vec<Option<i32>>) -> i32 {
            let mut total = 0;
            for value in values {
                match (value, x) {
                    // The guard's closure binds a name of its own, and reads `x`.
                    (Some(x), limit) if x < limit && Some(x).map(|q: i32| q.abs() + x - x) != Some(3) => {
                        total += yield_!(x);
                    }
                    _ => {}
                }
            }
            total + x
        }

        // Arm bindings that borrow a local kept after the arm, read before the arm suspends,
        // also where the arm's binding or a `let` in it hides the local's name: the local
        // stays where it is bound until a jump moves it, so the borrows end where Rust ends
        // them.
        fn arm_bindings_borrowing_a_kept_local(n: i32) -> i32 {
            let o = Some(String::from("abcd"));
            let mut total = 0;
            if let Some(t) = &o {
                let t = t.clone();
                total += yield_!(t.len() as i32 + n);
            }
            if let Some(o) = &o {
                let o = o.len() as i32 + 1;
                total += yield_!(o);
            }
            match o.as_deref() {
                Some(o) if o.len() > 2 => {
                    let m = o.len() as i32 + total;
                    total += yield_!(m);
                }
                _ => {}
            }
            total + o.map_or(0, |o| o.len() as i32)
        }

        // Bindings matched against a borrow inside a tuple or a constructor are borrows, as
        // against a borrow: dead before the suspension, they are not kept to the end of their
        // scope (which would keep the borrowed local borrowed while it is stored).
        fn borrows_matched_inside_values(n: i32) -> i32 {
            let text = String::from("abc");
            let mut total = 0;
            if let Some(t) = Some(&text) {
                let len = t.len() as i32;
                total += yield_!(len + n);
            }
            match (n, &text) {
                (k, t) if !t.is_empty() => {
                    let len = t.len() as i32 + k;
                    total += yield_!(len);
                }
                _ => {}
            }
            let (count, first) = (text.len() as i32, &text[..1]);
            let first = first.len() as i32;
            total += yield_!(count + first);
            total + text.len() as i32
        }

        // So are bindings of an item that a borrowing iterator gives back, behind adapters
        // that pass its items on (`v.iter().rev().max()`), and of a slice's borrowed parts.
        fn borrows_of_items_and_parts(v: Vec<i32>) -> i32 {
            let words = vec![String::from("ab"), String::from("c")];
            let mut total = 0;
            if let Some(m) = v.iter().rev().max() {
                let m = *m;
                total += yield_!(m);
            }
            if let Some(w) = words.iter().find(|w| w.len() == 1) {
                let len = w.len() as i32;
                total += yield_!(len);
            }
            if let Some((head, rest)) = v.split_first() {
                let sum = *head + rest.len() as i32;
                total += yield_!(sum);
            }
            let last = words.iter().next_back();
            let len = last.map_or(0, |w| w.len() as i32);
            total += yield_!(len);
            total + v.len() as i32 + words.len() as i32
        }

        // The arm of an `if let` that binds a borrow runs in place of the jump into it, also
        // where a local left behind there (`item`, which the other arm may move) cannot be
        // dropped by name: through the state, the borrow would sit beside what it borrows.
        fn borrowing_arm_beside_a_local_maybe_moved(items: Vec<String>) -> i32 {
            let text = String::from("abc");
            let mut total = 0;
            for item in items {
                let mut kept = String::new();
                if let Some(t) = Some(&text) {
                    let len = t.len() as i32;
                    total += yield_!(len);
                } else {
                    kept = item;
                }
                total += kept.len() as i32;
            }
            total + text.len() as i32
        }

        // Also where the arm's binding hides a local left behind (`x`, read by the `else`),
        // and where the arm reads a whole-local borrow (`r`), which it borrows again.
        fn borrowing_arm_hiding_a_local_left_behind(a: i32, v: Vec<i32>) -> i32 {
            let mut total = 0;
            let r = &a;
            for x in [a, a + 1] {
                if let [x, ..] = &v[..] {
                    let x = *x + *r;
                    total += yield_!(x);
                } else {
                    total += yield_!(x);
                }
            }
            total + v.len() as i32
        }

        // And where the code after the arm's first statement, run in place too, reads the
        // whole-local borrow `r` of the loop's `x`, which the arm's `x` hides.
        fn borrowing_arm_reading_a_borrow_of_what_it_hides(n: i32, v: Vec<i32>) -> i32 {
            let mut total = 0;
            for x in 0..n {
                let r = &x;
                let len = if let Some(x) = v.first() {
                    let x = *x;
                    total += yield_!(*r + x);
                    v.len()
                } else {
                    (*r) as usize
                };
                total += len as i32;
            }
            total
        }

        // And where the code before the arm spells the name of a local the arm keeps (`a`, a
        // field here), so that it goes by another name there, and the arm's binding hides the
        // local it borrows (`v`).
        fn borrowing_arm_after_code_spelling_a_kept_name(a: i32, v: Vec<i32>) -> i32 {
            struct Point {
                a: i32,
                b: i32,
            }
            let mut total = 0;
            for k in 0..2 {
                let point = Point { a: k, b: 0 };
                if let Some(v) = v.first() {
                    let v = *v;
                    total += yield_!(v + point.a);
                }
                total += point.b;
            }
            total + a + v.len() as i32
        }

        // A local moved out, whose name bindings made later take again (a `match` arm's, an
        // inner `let`'s, a closure's parameter, a `matches!` pattern's, an `if let`'s): those
        // mentions are not uses of it, so no state keeps it (that would be a use after the
        // move).
        fn names_reused_after_a_move(v: Vec<i32>, opt: Option<i32>) -> i32 {
            let n = v.len() as i32;
            drop(v);
            let r = yield_!(n);
            let a = match opt {
                Some(v) => v + r,
                None => 0,
            };
            let b = {
                let v = a * 2;
                v + 1
            };
            let c = opt.map(|v| v * 3).unwrap_or(0) + matches!(opt, Some(v) if v > r) as i32;
            if let Some(v) = opt {
                yield_!(v);
            }
            yield_!(a + b + c);
            a + b + c
        }

        fn shadow(x: i32) -> i32 {
            let x = x + 1;
            yield_!(x);
            let x = x + 1;
            let r = yield_!(x);
            let x = x * 10 + r;
            yield_!(x);
            let x = x + 1;
            x
        }

        fn many_suspensions(n: i32) -> i32 {
            let first = n;
            let second = yield_!(first);
            yield_!(first + second);
            yield_!(first * 2);
            let third = yield_!(second);
            first + second + third
        }

        fn let_else(o: Option<i32>) -> i32 {
            let Some(v) = o else {
                return -100;
            };
            let Some(w) = (if yield_!(v) > 150 { Some(v + 1) } else { None }) else {
                return -200;
            };
            yield_!(w);
            w
        }

        fn borrow_of_a_suspension(n: i32) -> i32 {
            let r = &yield_!(n);
            let w = &mut vec![yield_!(*r)];
            w.push(yield_!(*r + 1));
            let s: &str = &format!("{}-{}", yield_!(w.len() as i32), r);
            *r + w.iter().sum::<i32>() + s.len() as i32
        }

        fn reassigned_after_suspending(n: u8) -> i32 {
            let mut x = n;
            yield_!(i32::from(x));
            x = 100;
            let copies = [x; 3];
            let (wrapped, size) = (x.wrapping_mul(3), std::mem::size_of_val(&copies[0]));
            i32::from(wrapped) * 10 + size as i32
        }

        fn rebound_after_suspending(n: u8) -> i32 {
            let mut total = 0;
            for mut i in 0..n {
                yield_!(i32::from(i));
                i = 200;
                total += i32::from(i.wrapping_mul(2));
            }
            match Some(n) {
                Some(mut v) => {
                    yield_!(i32::from(v));
                    v = 250;
                    total + i32::from(v.wrapping_add(10))
                }
                None => total,
            }
        }

        fn read_through_a_borrow(n: i32) -> i32 {
            let pair = (n, n + 1);
            let (ref a, ref b) = pair;
            *a + yield_!(*b) * 1000
        }

        // The `else` leaves a loop that suspends; the binding borrows a local and is used
        // after the `let` (before the next suspension).
        fn let_else_borrowing_in_a_loop(keys: i32) -> i32 {
            let mut counts = std::collections::BTreeMap::new();
            counts.insert(2, 10);
            counts.insert(4, 20);
            let mut total = 0;
            for _ in 0..keys {
                let key = yield_!(total);
                let Some(count) = counts.get_mut(&(key / 100 % 5)) else {
                    total += 1000;
                    continue;
                };
                *count += 1;
                total += *count;
            }
            total + counts.values().sum::<i32>()
        }

        fn let_else_suspending_else(o: Option<i32>) -> i32 {
            let Some(v) = o else {
                yield_!(-1);
                return -100;
            };
            let Some(w) = (if yield_!(v) > 150 { Some(v + 1) } else { None }) else {
                let z = yield_!(-2);
                return z;
            };
            yield_!(w);
            w
        }
    }

    #[test]
    fn statements_under_cfg_without_suspensions() {
        let (log, r) = check_gen(
            statements_under_cfg(1),
            |y| plain::statements_under_cfg(y, 1),
            hundreds,
        );
        // t = 2, then 2 + 100; s = 1 + 200
        assert_eq!(log, ["yield 2", "yield 102", "yield 1"]);
        assert_eq!(r, 201 + 102);
    }

    #[test]
    fn locals_declared_without_a_value_and_assigned_after_a_suspension() {
        let (log, r) = check_gen(
            deferred_initialisation(7),
            |y| plain::deferred_initialisation(y, 7),
            hundreds,
        );
        assert_eq!(log, ["yield 7", "yield 351", "yield 0"]);
        // u8 arithmetic: 200 + 100 and 100 + 200 both wrap to 44.
        assert_eq!(r, 101 + 44 + 44);
        let (log, r) = check_gen(
            deferred_initialisation_after_an_exit(250),
            |y| plain::deferred_initialisation_after_an_exit(y, 250),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 101", "yield 302"]);
        assert_eq!(r, 302);
        for given in [true, false] {
            let (log, r) = check_gen(
                conditionally_initialised(given),
                |y| plain::conditionally_initialised(y, given),
                hundreds,
            );
            assert_eq!((log, r), (vec!["yield 1".to_string()], 7));
        }
    }

    #[test]
    fn locals_declared_without_a_value_and_assigned_in_branches_after_a_suspension() {
        let (log, r) = check_gen(
            deferred_initialisation_in_branches(7),
            |y| plain::deferred_initialisation_in_branches(y, 7),
            hundreds,
        );
        // a = 2 (100), b = 10 and s = "long" (200), m = 100 (300 / 100), once = 5 (400),
        // n = 4 then 3 (500, 600): total 7; t = 250 (800), and 250 + 10 wraps to 4 in `u8`.
        assert_eq!(
            log,
            [
                "yield 7",
                "yield 2",
                "yield 10",
                "yield 100",
                "yield 0",
                "yield 4",
                "yield -7"
            ]
        );
        assert_eq!(r, 2 + 10 + 4 + 100 + 5 + 7 + 4);
        let (_, r) = check_gen(
            deferred_initialisation_in_branches(-1),
            |y| plain::deferred_initialisation_in_branches(y, -1),
            hundreds,
        );
        assert_eq!(r, 2 + 10 + 4 + 100 + 5 + 7 + 11);
    }

    #[test]
    fn mut_locals_declared_without_a_value_and_assigned_after_a_suspension() {
        let (log, r) = check_gen(
            deferred_initialisation_mut(7),
            |y| plain::deferred_initialisation_mut(y, 7),
            hundreds,
        );
        // n = 7 + 100; d = 201 + 300, then 401 + 500; e = 1 (600) + 10.
        assert_eq!(
            log,
            [
                "yield 7",
                "yield 1",
                "yield 201",
                "yield 2",
                "yield 401",
                "yield 1402"
            ]
        );
        assert_eq!(r, 107 + 1402 + 11);
    }

    #[test]
    fn mut_locals_declared_without_a_value_reassigned_after_branches() {
        // The yields give 5 (d = 1, as 5 <= 9), 7 (e = 7) and -4 (f = 4).
        let (log, r) = check_gen(
            deferred_initialisation_mut_reassigned_after_branches(9),
            |y| plain::deferred_initialisation_mut_reassigned_after_branches(y, 9),
            |n| [0, 5, 7, -4].get(n).copied().unwrap_or(0),
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 3", "yield 12"]);
        assert_eq!(r, 100 + 1007 + 104);
    }

    #[test]
    fn mut_locals_declared_without_a_value_assigned_before_a_break() {
        // Resumed with 0 and 9 (d = 7 on the second turn), 0 (e = 6, v = 2), then 0 (f = 10),
        // 9 (skipped) and 1 (f = 22).
        let (log, r) = check_gen(
            deferred_initialisation_mut_assigned_before_a_break(4),
            |y| plain::deferred_initialisation_mut_assigned_before_a_break(y, 4),
            |n| [0, 0, 9, 0, 0, 0, 9, 1].get(n).copied().unwrap_or(0),
        );
        let yielded = [1, 1, 2, 3, 10, 3, 3, 22, 13];
        let yielded: Vec<String> = yielded.iter().map(|v| format!("yield {v}")).collect();
        assert_eq!(log, yielded);
        assert_eq!(r, 6 + 62 + (11 + 9 + 23));
    }

    #[test]
    fn mut_local_declared_without_a_value_assigned_in_a_loop_after_a_jump_out() {
        // Resumed with 100, 200, ..: the first loop ends when a resume value passes the limit.
        for (limit, expected) in [(50, 20), (250, 1628), (5000, 125_026)] {
            let (_, r) = check_gen(
                deferred_mut_assigned_in_a_loop_after_a_jump_out(limit),
                |y| plain::deferred_mut_assigned_in_a_loop_after_a_jump_out(y, limit),
                hundreds,
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_locals_declared_without_a_value_assigned_or_leaving_the_loop() {
        for (limit, expected) in [(50, 1), (250, 2503), (1000, 42_411)] {
            let (_, r) = check_gen(
                deferred_mut_assigned_or_leaving_the_loop(limit),
                |y| plain::deferred_mut_assigned_or_leaving_the_loop(y, limit),
                hundreds,
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_locals_declared_without_a_value_in_branches_of_a_suspending_condition() {
        for (limit, expected) in [(150, 303), (450, 711), (5000, 3029)] {
            let (_, r) = check_gen(
                deferred_mut_in_branches_of_a_suspending_condition(limit),
                |y| plain::deferred_mut_in_branches_of_a_suspending_condition(y, limit),
                hundreds,
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_local_declared_without_a_value_beside_a_then_branch_that_breaks() {
        for (limit, expected) in [(150, 101), (450, 281), (5000, 303)] {
            let (_, r) = check_gen(
                deferred_mut_beside_a_then_branch_that_breaks(limit),
                |y| plain::deferred_mut_beside_a_then_branch_that_breaks(y, limit),
                hundreds,
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_local_declared_without_a_value_assigned_by_a_labelled_block() {
        for (limit, expected) in [(150, 1801), (1000, 10_510)] {
            let (_, r) = check_gen(
                deferred_mut_assigned_by_a_labelled_block(limit),
                |y| plain::deferred_mut_assigned_by_a_labelled_block(y, limit),
                hundreds,
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn local_declared_without_a_value_beside_a_returning_branch() {
        let (log, r) = check_gen(
            declared_without_a_value_beside_a_returning_branch(1),
            |y| plain::declared_without_a_value_beside_a_returning_branch(y, 1),
            hundreds,
        );
        assert_eq!((log.len(), r), (1, 4 + 3));
        let (log, r) = check_gen(
            declared_without_a_value_beside_a_returning_branch(3),
            |y| plain::declared_without_a_value_beside_a_returning_branch(y, 3),
            hundreds,
        );
        assert_eq!((log.len(), r), (1, 100));
    }

    #[test]
    fn value_blocks_that_end_by_diverging() {
        // The arm returns 9 after its suspension.
        let (_, r) = check_gen(
            value_blocks_that_diverge(1),
            |y| plain::value_blocks_that_diverge(y, 1),
            hundreds,
        );
        assert_eq!(r, 9);
        // The arm's value is the resume value 100, doubled.
        let (_, r) = check_gen(
            value_blocks_that_diverge(2),
            |y| plain::value_blocks_that_diverge(y, 2),
            hundreds,
        );
        assert_eq!(r, 200);
        // Resumed with 300: the `if` returns it plus 1.
        let (_, r) = check_gen(
            value_blocks_that_diverge(2),
            |y| plain::value_blocks_that_diverge(y, 2),
            |n| 300 * n as i32,
        );
        assert_eq!(r, 301);
        let (_, r) = check_gen(
            value_blocks_that_diverge(7),
            |y| plain::value_blocks_that_diverge(y, 7),
            hundreds,
        );
        assert_eq!(r, 14);
    }

    #[test]
    fn mut_local_declared_without_a_value_beside_a_branch_that_suspends_and_returns() {
        let (_, r) = check_gen(
            deferred_initialisation_beside_a_branch_that_suspends_and_returns(false),
            |y| plain::deferred_initialisation_beside_a_branch_that_suspends_and_returns(y, false),
            hundreds,
        );
        assert_eq!(r, 100 + 1 + 1);
        let (_, r) = check_gen(
            deferred_initialisation_beside_a_branch_that_suspends_and_returns(true),
            |y| plain::deferred_initialisation_beside_a_branch_that_suspends_and_returns(y, true),
            hundreds,
        );
        assert_eq!(r, 5);
    }

    #[test]
    fn mut_local_declared_without_a_value_after_a_returning_branch_by_a_value_that_breaks() {
        // Turns 1 and 2 assign 10 and 100 (each then plus 1); turn 3 is resumed with 9: the branch returns the
        // value its suspension is resumed with (5) plus the total.
        let script = |n| [0, 1, 0, 2, 0, 9, 5].get(n).copied().unwrap_or(0);
        let (_, r) = check_gen(
            deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(4),
            |y| {
                plain::deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(y, 4)
            },
            script,
        );
        assert_eq!(r, 5 + 112);
        // Turn 3 is resumed with 3 and is the `stop`: the value breaks out of the loop.
        let script = |n| [0, 1, 0, 2, 0, 3].get(n).copied().unwrap_or(0);
        let (_, r) = check_gen(
            deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(3),
            |y| {
                plain::deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(y, 3)
            },
            script,
        );
        assert_eq!(r, 112 + 3);
    }

    #[test]
    fn mut_locals_declared_without_a_value_assigned_in_an_arm_that_returns() {
        // Resumed with 7 (7 - 1 = 6: on), 5 (5 - 2 = 3: on), 5 (5 - 3 = 2: break).
        let (_, r) = check_gen(
            deferred_initialisation_mut_assigned_in_an_arm_that_returns(0),
            |y| plain::deferred_initialisation_mut_assigned_in_an_arm_that_returns(y, 0),
            |n| [0, 7, 5, 5].get(n).copied().unwrap_or(0),
        );
        assert_eq!(r, 5 + 3);
        // Resumed with 1 at once (1 - 1 = 0): the arm returns 1.
        let (_, r) = check_gen(
            deferred_initialisation_mut_assigned_in_an_arm_that_returns(0),
            |y| plain::deferred_initialisation_mut_assigned_in_an_arm_that_returns(y, 0),
            |n| [0, 1].get(n).copied().unwrap_or(0),
        );
        assert_eq!(r, 1);
    }

    #[test]
    fn untyped_mut_local_assigned_by_its_declaring_block_only_in_a_returning_branch() {
        let (log, r) = check_gen(
            deferred_initialisation_untyped_assigned_in_a_returning_branch(3),
            |y| plain::deferred_initialisation_untyped_assigned_in_a_returning_branch(y, 3),
            hundreds,
        );
        assert_eq!(log, ["yield 3", "yield 100"]);
        assert_eq!(r, 101);
        let (log, r) = check_gen(
            deferred_initialisation_untyped_assigned_in_a_returning_branch(-3),
            |y| plain::deferred_initialisation_untyped_assigned_in_a_returning_branch(y, -3),
            hundreds,
        );
        assert!(log.is_empty());
        assert_eq!(r, 7);
    }

    #[test]
    fn mut_locals_declared_without_a_value_and_assigned_beside_a_continue() {
        let (log, r) = check_gen(
            deferred_initialisation_mut_beside_a_continue(2),
            |y| plain::deferred_initialisation_mut_beside_a_continue(y, 2),
            hundreds,
        );
        // Turn 1: d = 2, e = 20; turn 2 continues before `d`; turn 3: d = 1, continues after
        // a suspension before `e`; turn 4: d = 2, e = 10; turn 5: d = 2, continues before `e`;
        // turn 6: d = 1, e = 10.
        let yielded: Vec<String> = [1, -1, 2, 3, -3, 30, 4, -4, 5, -5, 6, -6]
            .iter()
            .map(|v| format!("yield {v}"))
            .collect();
        assert_eq!(log, yielded);
        assert_eq!(r, (102 + 1020) + (102 + 1010) + (101 + 1010));
    }

    #[test]
    fn a_parameter_and_an_inner_let_of_one_name() {
        let (log, r) = check_gen(
            parameter_and_inner_let_of_one_name(vec![5, 6]),
            |y| plain::parameter_and_inner_let_of_one_name(y, vec![5, 6]),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 202"]);
        assert_eq!(r, 2 + 202 + 5);
    }

    #[test]
    fn destructuring_assignments_after_a_suspension() {
        let (log, r) = check_gen(
            destructuring_assignments(250),
            |y| plain::destructuring_assignments(y, 250),
            hundreds,
        );
        // a = 200, b = 250 (u8: + 10 wraps to 4), x = 210, y = 300, e = x (400 > 250),
        // (m, n) = (1 + 5, 0 + 6).
        assert_eq!(
            log,
            ["yield 0", "yield 1", "yield 2", "yield 3", "yield 0", "yield 6"]
        );
        assert_eq!(r, 200 + 4 + 210 + 300 + 210 + 66);
        let (_, r) = check_gen(
            destructuring_assignments(450),
            |y| plain::destructuring_assignments(y, 450),
            hundreds,
        );
        assert_eq!(r, 200 + 4 + 210 + 300 + 300 + 66);
    }

    #[test]
    fn a_mut_local_assigned_after_a_break_in_place() {
        for leave in [false, true] {
            let (_, r) = check_gen(
                deferred_initialisation_after_a_break_in_place(1000, leave),
                |y| plain::deferred_initialisation_after_a_break_in_place(y, 1000, leave),
                hundreds,
            );
            assert_eq!(r, if leave { 0 } else { 1000 - 200 });
        }
    }

    #[test]
    fn a_local_declared_without_a_value_may_hide_one_still_used() {
        let (log, r) = check_gen(
            deferred_initialisation_hiding_a_local(),
            plain::deferred_initialisation_hiding_a_local,
            hundreds,
        );
        // z = 20 (its resume value, 100, unread); x = 250 (200, then 300; + 10 wraps to 4 in
        // `u8`); y = 400 + 1.
        assert_eq!(log, ["yield 0", "yield 0", "yield 1", "yield 7"]);
        assert_eq!(r, 1 + 4 + 4 + 401 + 20);
    }

    #[test]
    fn a_guarded_arm_binding_may_hide_a_local_used_after_it() {
        let values = || vec![Some(1), None, Some(3), Some(9), Some(4)];
        let (log, r) = check_gen(
            guard_binding_hiding_a_local(5, values()),
            |y| plain::guard_binding_hiding_a_local(y, 5, values()),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 4"]);
        assert_eq!(r, 100 + 200 + 5);
    }

    #[test]
    fn arm_bindings_may_borrow_a_local_kept_after_the_arm() {
        let (log, r) = check_gen(
            arm_bindings_borrowing_a_kept_local(3),
            |y| plain::arm_bindings_borrowing_a_kept_local(y, 3),
            hundreds,
        );
        assert_eq!(log, ["yield 7", "yield 5", "yield 304"]);
        assert_eq!(r, 100 + 200 + 300 + 4);
    }

    #[test]
    fn bindings_matched_against_borrows_inside_values_are_borrows() {
        let (log, r) = check_gen(
            borrows_matched_inside_values(2),
            |y| plain::borrows_matched_inside_values(y, 2),
            hundreds,
        );
        assert_eq!(log, ["yield 5", "yield 5", "yield 4"]);
        assert_eq!(r, 100 + 200 + 300 + 3);
    }

    #[test]
    fn bindings_of_borrowed_items_and_parts_are_borrows() {
        let (log, r) = check_gen(
            borrows_of_items_and_parts(vec![4, 9, 1]),
            |y| plain::borrows_of_items_and_parts(y, vec![4, 9, 1]),
            hundreds,
        );
        assert_eq!(log, ["yield 9", "yield 1", "yield 6", "yield 1"]);
        assert_eq!(r, 100 + 200 + 300 + 400 + 3 + 2);
    }

    #[test]
    fn a_borrowing_arm_runs_in_place_beside_a_local_maybe_moved() {
        let items = || vec![String::from("x"), String::from("yy")];
        let (log, r) = check_gen(
            borrowing_arm_beside_a_local_maybe_moved(items()),
            |y| plain::borrowing_arm_beside_a_local_maybe_moved(y, items()),
            hundreds,
        );
        assert_eq!(log, ["yield 3", "yield 3"]);
        assert_eq!(r, 100 + 200 + 3);
    }

    #[test]
    fn a_borrowing_arm_runs_in_place_where_its_binding_hides_a_local_left_behind() {
        let (log, r) = check_gen(
            borrowing_arm_hiding_a_local_left_behind(5, vec![1]),
            |y| plain::borrowing_arm_hiding_a_local_left_behind(y, 5, vec![1]),
            hundreds,
        );
        assert_eq!(log, ["yield 6", "yield 6"]);
        assert_eq!(r, 100 + 200 + 1);
        let (log, r) = check_gen(
            borrowing_arm_hiding_a_local_left_behind(5, vec![]),
            |y| plain::borrowing_arm_hiding_a_local_left_behind(y, 5, vec![]),
            hundreds,
        );
        assert_eq!(log, ["yield 5", "yield 6"]);
        assert_eq!(r, 100 + 200);
    }

    #[test]
    fn a_borrowing_arm_may_read_a_borrow_of_what_it_hides() {
        let (log, r) = check_gen(
            borrowing_arm_reading_a_borrow_of_what_it_hides(2, vec![5]),
            |y| plain::borrowing_arm_reading_a_borrow_of_what_it_hides(y, 2, vec![5]),
            hundreds,
        );
        assert_eq!(log, ["yield 5", "yield 6"]);
        assert_eq!(r, 100 + 1 + 200 + 1);
    }

    #[test]
    fn a_borrowing_arm_may_follow_code_that_spells_a_kept_name() {
        let (log, r) = check_gen(
            borrowing_arm_after_code_spelling_a_kept_name(7, vec![3]),
            |y| plain::borrowing_arm_after_code_spelling_a_kept_name(y, 7, vec![3]),
            hundreds,
        );
        assert_eq!(log, ["yield 3", "yield 4"]);
        assert_eq!(r, 100 + 200 + 7 + 1);
    }

    #[test]
    fn names_reused_after_a_move_are_not_uses_of_the_moved_local() {
        let (log, r) = check_gen(
            names_reused_after_a_move(vec![7], Some(4)),
            |y| plain::names_reused_after_a_move(y, vec![7], Some(4)),
            hundreds,
        );
        // r = 100, a = 104, b = 209, c = 12 + 0 (4 is not over 100).
        assert_eq!(log, ["yield 1", "yield 4", "yield 325"]);
        assert_eq!(r, 325);
    }

    #[test]
    fn let_with_and_without_annotation_and_patterns() {
        let (log, r) = check_gen(let_forms(1), |y| plain::let_forms(y, 1), hundreds);
        // a = 1; yield 1 -> b = 100; yield 100 -> d = 200 (+1 = 201), c = 101;
        // yield 101 -> x = 300; yield 300 -> t = (400, 201); yield 201 -> [p, q] = [400, 500].
        assert_eq!(
            log,
            [
                "yield 1",
                "yield 100",
                "yield 101",
                "yield 300",
                "yield 201"
            ]
        );
        assert_eq!(r, 1 + 100 + 101 + 201 + 300 + 201 + 400 + 201 + 400 + 500);
    }

    #[test]
    fn shadowing_across_suspensions() {
        let (log, r) = check_gen(shadow(1), |y| plain::shadow(y, 1), hundreds);
        assert_eq!(log, ["yield 2", "yield 3", "yield 230"]);
        assert_eq!(r, 231);
    }

    #[test]
    fn locals_live_across_several_suspensions() {
        let (log, r) = check_gen(
            many_suspensions(7),
            |y| plain::many_suspensions(y, 7),
            hundreds,
        );
        assert_eq!(log, ["yield 7", "yield 107", "yield 14", "yield 100"]);
        assert_eq!(r, 7 + 100 + 400);
    }

    #[test]
    fn let_else_all_paths() {
        let (log, r) = check_gen(let_else(None), |y| plain::let_else(y, None), hundreds);
        assert_eq!((log.len(), r), (0, -100));
        let (log, r) = check_gen(
            let_else(Some(5)),
            |y| plain::let_else(y, Some(5)),
            |i| 200 * i as i32,
        );
        assert_eq!(
            (log, r),
            (vec!["yield 5".to_string(), "yield 6".to_string()], 6)
        );
        let (log, r) = check_gen(
            let_else(Some(5)),
            |y| plain::let_else(y, Some(5)),
            script![0, 10, 20],
        );
        assert_eq!((log, r), (vec!["yield 5".to_string()], -200));
    }

    /// `let r = &value;` keeps the value alive to the end of the block, across suspension points
    /// as anywhere else (Rust's temporary lifetime extension).
    #[test]
    fn a_borrow_of_a_suspensions_value_lives_across_later_ones() {
        let (log, r) = check_gen(
            borrow_of_a_suspension(4),
            |y| plain::borrow_of_a_suspension(y, 4),
            hundreds,
        );
        assert_eq!(log, ["yield 4", "yield 100", "yield 101", "yield 2"]);
        // r = 100, w = [200, 300], s = "400-100"
        assert_eq!(r, 100 + 500 + 7);
    }

    /// A local assigned first thing after a suspension is declared again in the next state; it
    /// keeps its type there (`x = 100` is a `u8`, as `x` was), not one inferred from the new
    /// value alone (`i32`, which changed `wrapping_mul` and the size, or did not compile).
    #[test]
    fn a_local_reassigned_after_suspending_keeps_its_type() {
        let (log, r) = check_gen(
            reassigned_after_suspending(7),
            |y| plain::reassigned_after_suspending(y, 7),
            hundreds,
        );
        assert_eq!(log, ["yield 7"]);
        // 100 * 3 wraps to 44 in a `u8`, one byte each
        assert_eq!(r, 44 * 10 + 1);
        // The same for a loop's binding and a match arm's.
        let (log, r) = check_gen(
            rebound_after_suspending(2),
            |y| plain::rebound_after_suspending(y, 2),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 1", "yield 2"]);
        // 200 * 2 wraps to 144 twice, 250 + 10 to 4
        assert_eq!(r, 144 * 2 + 4);
    }

    /// `*a + yield_!(..)` reads `*a` first, as Rust does, so the borrow `a` (into a local) is
    /// not needed after the suspension.
    #[test]
    fn an_operand_read_through_a_borrow_is_read_before_suspending() {
        let (log, r) = check_gen(
            read_through_a_borrow(4),
            |y| plain::read_through_a_borrow(y, 4),
            hundreds,
        );
        assert_eq!(log, ["yield 5"]);
        assert_eq!(r, 4 + 100 * 1000);
    }

    #[test]
    fn let_else_borrowing_a_local_with_an_else_that_continues() {
        let (log, r) = check_gen(
            let_else_borrowing_in_a_loop(5),
            |y| plain::let_else_borrowing_in_a_loop(y, 5),
            hundreds,
        );
        // Keys 1, 2, 3, 4, 5 (the k-th yield gets 100 * k): 2 and 4 count, 1, 3 and 0 do not.
        assert_eq!(
            log,
            [
                "yield 0",
                "yield 1000",
                "yield 1011",
                "yield 2011",
                "yield 2032"
            ]
        );
        assert_eq!(r, 3032 + 11 + 21);
    }

    #[test]
    fn let_else_with_a_suspending_else_block() {
        let (log, r) = check_gen(
            let_else_suspending_else(None),
            |y| plain::let_else_suspending_else(y, None),
            hundreds,
        );
        assert_eq!((log, r), (vec!["yield -1".to_string()], -100));
        let (log, r) = check_gen(
            let_else_suspending_else(Some(5)),
            |y| plain::let_else_suspending_else(y, Some(5)),
            script![0, 10, 20],
        );
        assert_eq!(
            (log, r),
            (vec!["yield 5".to_string(), "yield -2".to_string()], 20)
        );
    }
}

// An inner block shadowing an outer variable that is used again after the block.
mod shadow_in_block {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn shadow_block(x: i32) -> i32 {
            let v = x;
            {
                let v = v * 2;
                yield_!(v);
                yield_!(v + 1);
            }
            yield_!(v);
            v
        }
    }

    #[test]
    fn inner_block_shadows_outer_variable() {
        let (log, r) = check_gen(shadow_block(3), |y| plain::shadow_block(y, 3), hundreds);
        assert_eq!(log, ["yield 6", "yield 7", "yield 3"]);
        assert_eq!(r, 3);
    }
}

// =============================================================================================
// A block with one way in is run inside the arm that jumps to it: the locals that arm leaves
// behind must not change what the block's names mean.

mod inlined_blocks {
    use super::*;

    fn label() -> i32 {
        1000
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        // At the `break`, the loop's `label` (no destructor) is still bound in the arm; the
        // code after the loop calls the fn `label`.
        fn leftover_named_like_a_fn(n: i32) -> i32 {
            let mut k = 0;
            loop {
                let label: i32 = k * 10;
                if label >= n {
                    break;
                }
                yield_!(label);
                k += 1;
            }
            label() + k
        }

        // At the `break`, the loop's `text` hides the outer one, which the code after the loop
        // captures in a format string.
        fn leftover_hides_an_outer_local(n: i32) -> String {
            let text = "outer";
            let mut i = 0;
            loop {
                let text: i32 = i;
                if text == n {
                    break;
                }
                yield_!(text);
                i += 1;
            }
            format!("<{text}>")
        }
    }

    #[test]
    fn code_after_the_loop_calls_the_fn() {
        let (log, r) = check_gen(
            leftover_named_like_a_fn(25),
            |y| plain::leftover_named_like_a_fn(y, 25),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 10", "yield 20"]);
        assert_eq!(r, 1003);
    }

    #[test]
    fn code_after_the_loop_formats_the_outer_local() {
        let (log, r) = check_gen(
            leftover_hides_an_outer_local(2),
            |y| plain::leftover_hides_an_outer_local(y, 2),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 1"]);
        assert_eq!(r, "<outer>");
    }
}

// =============================================================================================
// `if`, `if let`, `match`, and both as values.

mod branches {
    use super::*;

    pub enum Shape {
        Circle { r: i32 },
        Rect(i32, i32),
        Empty,
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn ifs(n: i32) -> i32 {
            let mut acc = 0;
            if yield_!(n) > 150 {
                acc += yield_!(1);
            } else if yield_!(2) > 250 {
                acc += yield_!(3);
            } else {
                acc += 1000;
                yield_!(4);
            }
            if acc > 0 {
                yield_!(5);
            }
            acc
        }

        fn if_lets(o: Option<i32>) -> i32 {
            if let Some(x) = o {
                let r = yield_!(x);
                x + r
            } else if let Some(y) = Some(yield_!(-1)).filter(|v| *v > 150) {
                yield_!(y);
                y
            } else {
                0
            }
        }

        // The scrutinee suspends, the guarded code does not: the temporary the pattern
        // borrows lives through that code, as in Rust.
        fn lets_borrowing_their_scrutinee(n: i32) -> i32 {
            let mut acc = 0;
            if let Some(v) = &mut Some(yield_!(n)) {
                *v += 1;
                acc += *v;
            }
            while let Some(v) = &mut Some(yield_!(acc)).filter(|v| *v < 600) {
                *v *= 2;
                acc += *v;
            }
            acc
        }

        // Branches that run in place (they do not suspend) whose patterns bind the name of a
        // local the code after them still needs: that local is the outer one there.
        fn bindings_hiding_locals(n: i32) -> i32 {
            let sum = n;
            let mut out = 0;
            match (yield_!(sum), sum * 10) {
                (r, sum) if r > 150 => out += r + sum,
                (_, sum) => out -= sum,
            }
            if let (Some(sum), _) = (Some(yield_!(out) + 1), sum) {
                out += sum;
            }
            let total = match yield_!(sum) {
                sum => sum + 1,
            };
            sum + out + total
        }

        fn matches(n: i32) -> i32 {
            let mut acc = 0;
            match yield_!(n) {
                100 => {
                    acc += yield_!(1);
                }
                v if v > 1000 => acc += v,
                v => {
                    acc += yield_!(v);
                    acc += v;
                }
            }
            let opt = Some((n, String::from("s")));
            match opt {
                Some((a, s)) if a > 0 => {
                    let r = yield_!(a);
                    acc += r + s.len() as i32;
                }
                Some((a, _)) => {
                    acc -= a;
                }
                None => {}
            }
            acc
        }

        fn match_shapes(which: i32) -> i32 {
            let shape = match which {
                0 => Shape::Circle { r: 2 },
                1 => Shape::Rect(2, 3),
                _ => Shape::Empty,
            };
            match shape {
                Shape::Circle { r } if r > 5 => r,
                Shape::Circle { r } => {
                    let k = yield_!(r);
                    r * k
                }
                Shape::Rect(w, h) => {
                    yield_!(w);
                    let k = yield_!(h);
                    w * h + k
                }
                Shape::Empty => yield_!(-1),
            }
        }

        fn as_values(c: bool) -> i32 {
            let v = if c {
                yield_!(1);
                2
            } else {
                3
            };
            let w = match v {
                2 => yield_!(20) + 1,
                other => other * 10,
            };
            let z = {
                let t = yield_!(v + w);
                t - 1
            };
            let u = if yield_!(0) > 250 { yield_!(7) } else { 8 };
            v + w + z + u
        }
    }

    #[test]
    fn if_else_if_else() {
        // else branch
        let (log, r) = check_gen(ifs(9), |y| plain::ifs(y, 9), hundreds);
        assert_eq!(log, ["yield 9", "yield 2", "yield 4", "yield 5"]);
        assert_eq!(r, 1000);
        // first branch
        let (log, r) = check_gen(ifs(9), |y| plain::ifs(y, 9), |i| 200 * i as i32);
        assert_eq!(log, ["yield 9", "yield 1", "yield 5"]);
        assert_eq!(r, 400);
        // else-if branch
        let (log, r) = check_gen(ifs(9), |y| plain::ifs(y, 9), script![0, 100, 300, 500, 700]);
        assert_eq!(log, ["yield 9", "yield 2", "yield 3", "yield 5"]);
        assert_eq!(r, 500);
        // no branch adds: acc stays 0, no final yield
        let (log, r) = check_gen(ifs(9), |y| plain::ifs(y, 9), script![0, 200, -5]);
        assert_eq!(log, ["yield 9", "yield 1"]);
        assert_eq!(r, -5);
    }

    #[test]
    fn if_let() {
        let (log, r) = check_gen(if_lets(Some(4)), |y| plain::if_lets(y, Some(4)), hundreds);
        assert_eq!((log, r), (vec!["yield 4".to_string()], 104));
        let (log, r) = check_gen(
            if_lets(None),
            |y| plain::if_lets(y, None),
            |i| 200 * i as i32,
        );
        assert_eq!(
            (log, r),
            (vec!["yield -1".to_string(), "yield 200".to_string()], 200)
        );
        let (log, r) = check_gen(if_lets(None), |y| plain::if_lets(y, None), hundreds);
        assert_eq!((log, r), (vec!["yield -1".to_string()], 0));
    }

    #[test]
    fn bindings_in_branches_run_in_place_do_not_hide_the_locals_after_them() {
        let (log, r) = check_gen(
            bindings_hiding_locals(7),
            |y| plain::bindings_hiding_locals(y, 7),
            hundreds,
        );
        // out = -70 (100 is not over 150), then -70 + 201 = 131; total = 301.
        assert_eq!(log, ["yield 7", "yield -70", "yield 7"]);
        assert_eq!(r, 7 + 131 + 301);
    }

    #[test]
    fn if_let_and_while_let_borrow_a_suspending_scrutinee() {
        let (log, r) = check_gen(
            lets_borrowing_their_scrutinee(7),
            |y| plain::lets_borrowing_their_scrutinee(y, 7),
            hundreds,
        );
        // 100 + 1 = 101; then 200 to 500 are doubled and added; 600 ends the loop.
        assert_eq!(
            log,
            [
                "yield 7",
                "yield 101",
                "yield 501",
                "yield 1101",
                "yield 1901",
                "yield 2901"
            ]
        );
        assert_eq!(r, 101 + 400 + 600 + 800 + 1000);
    }

    #[test]
    fn match_scrutinee_arms_guards_bindings() {
        // scrutinee 100 -> first arm
        let (log, r) = check_gen(matches(3), |y| plain::matches(y, 3), hundreds);
        assert_eq!(log, ["yield 3", "yield 1", "yield 3"]);
        assert_eq!(r, 200 + 300 + 1);
        // scrutinee 2000 -> guard arm
        let (log, r) = check_gen(matches(3), |y| plain::matches(y, 3), script![0, 2000, 7]);
        assert_eq!(log, ["yield 3", "yield 3"]);
        assert_eq!(r, 2000 + 7 + 1);
        // scrutinee 5 -> binding arm, binding used after a suspension
        let (log, r) = check_gen(matches(-3), |y| plain::matches(y, -3), script![0, 5, 10]);
        assert_eq!(log, ["yield -3", "yield 5"]);
        assert_eq!(r, 10 + 5 + 3);
    }

    #[test]
    fn match_on_enum_with_bindings_live_across_suspensions() {
        for which in 0..3 {
            let (_, r) = check_gen(
                match_shapes(which),
                |y| plain::match_shapes(y, which),
                hundreds,
            );
            assert_eq!(r, [200, 6 + 200, 100][which as usize]);
        }
    }

    #[test]
    fn if_and_match_as_values() {
        let (log, r) = check_gen(as_values(true), |y| plain::as_values(y, true), hundreds);
        // v = 2; w = 201; z = 299; yield 0 -> 400 > 250 -> u = yield 7 -> 500
        assert_eq!(
            log,
            ["yield 1", "yield 20", "yield 203", "yield 0", "yield 7"]
        );
        assert_eq!(r, 2 + 201 + 299 + 500);
        let (log, r) = check_gen(as_values(false), |y| plain::as_values(y, false), hundreds);
        assert_eq!(log, ["yield 33", "yield 0"]);
        assert_eq!(r, 3 + 30 + 99 + 8);
    }
}

// =============================================================================================
// Loops, labels, `break` with a value, labelled blocks.

mod loops {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        // `break`/`continue` in code that does not suspend are jumps in place, inside that
        // code: a borrow of a local may be held across them, as in Rust.
        fn borrow_across_a_loop_exit(limit: i32) -> i32 {
            let mut next = Some(1);
            let mut total = 0;
            loop {
                total += yield_!(total);
                let Some(v) = &mut next else { break };
                if *v > limit {
                    break;
                }
                *v += 10;
                total += *v;
            }
            total
        }

        fn entry_then_continue(keys: i32) -> i32 {
            let mut counts = std::collections::BTreeMap::new();
            counts.insert(2, 10);
            let mut total = 0;
            for key in 0..keys {
                yield_!(key);
                let count = counts.entry(key % 3).or_insert(0);
                if *count > 11 {
                    continue;
                }
                *count += 1;
                total += *count;
            }
            total + counts.values().sum::<i32>()
        }

        fn scrutinee_temporary_across_a_break(n: i32) -> i32 {
            let mut total = n;
            while let Some(value) = &mut Some(yield_!(total)) {
                if *value > 300 {
                    break;
                }
                *value += 1;
                total += *value;
            }
            total
        }

        // Exits inside a macro's arguments, a native loop, and the value of another exit.
        fn exits_nested_in_place(n: i32) -> i32 {
            let mut i = 0;
            'outer: loop {
                i += 1;
                let x = yield_!(i);
                assert_ne!(if x < 200 { continue 'outer } else { x }, i);
                for j in 0..3 {
                    if j * 100 + x > n {
                        break 'outer if x == 200 { continue 'outer } else { x + j };
                    }
                }
            }
        }

        // A native `for` whose iterator leaves the loop around it: that `break` is not the
        // `for`'s own.
        fn exit_in_a_for_loops_iterator() -> i32 {
            let mut total = 0;
            let mut k = 0;
            loop {
                k += 1;
                total += yield_!(k);
                for x in if k > 2 { break } else { vec![k, 10] } {
                    total += x;
                }
            }
            total
        }

        // A binding of the branch hides a local the exit carries: the branch is split into
        // states instead, and after the loop the local is the outer one.
        fn exit_beside_a_hiding_binding(n: i32) -> i32 {
            let total = n;
            let mut k = 0;
            while k < 1000 {
                k += yield_!(k);
                if k > 250 {
                    let total = k * 2;
                    k += total;
                    break;
                }
            }
            total + k
        }

        // The arms of a `match` lowered for its suspending scrutinee leave the loop in place.
        fn arms_leaving_the_loop(n: i32) -> i32 {
            let mut total = 0;
            let mut i = 0;
            loop {
                i += 1;
                match yield_!(i) {
                    v if v > n => break,
                    200 => continue,
                    v => total += v,
                }
                total += 1;
            }
            total
        }

        fn plain_loops(n: i32) -> i32 {
            let mut i = 0;
            let mut total = 0;
            loop {
                if i == n {
                    break;
                }
                total += yield_!(i);
                i += 1;
            }
            while i > 0 {
                i -= 1;
                if i % 2 == 0 {
                    continue;
                }
                total += yield_!(i * 10);
            }
            let mut stack = vec![1, 2, 3];
            while let Some(top) = stack.pop() {
                let r = yield_!(top * 100);
                if r > 10_000 {
                    stack.push(0);
                }
            }
            total
        }

        fn fors(v: Vec<i32>) -> i32 {
            let mut s = 0;
            for x in v {
                s += yield_!(x);
            }
            for i in 0..3 {
                yield_!(i);
            }
            for (i, x) in (10..20).step_by(3).enumerate().filter(|(i, _)| i % 2 == 0) {
                yield_!(x + i as i32);
            }
            for c in "ab".chars().map(|c| c as i32) {
                yield_!(c);
            }
            for _ in 0..2 {
                yield_!(-1);
            }
            s
        }

        fn labelled(n: i32) -> i32 {
            let mut out = 0;
            'outer: for i in 0..n {
                'inner: for j in 0..n {
                    if j > i {
                        continue 'outer;
                    }
                    if i + j == 5 {
                        break 'outer;
                    }
                    if j == 1 {
                        continue 'inner;
                    }
                    out += yield_!(i * 10 + j);
                }
            }
            out
        }

        fn jumps_from_native_code(n: i32) -> i32 {
            let mut out = 0;
            'outer: for i in 0..n {
                let mut j = 0;
                loop {
                    j += 1;
                    if j > i {
                        break;
                    }
                    if i == 2 {
                        continue 'outer;
                    }
                    if i == 4 && j == 2 {
                        break 'outer;
                    }
                }
                for k in 0..i {
                    if k == 1 && i == 3 {
                        continue 'outer;
                    }
                }
                if i == 1 {
                    continue;
                }
                out += yield_!(i);
            }
            out
        }

        fn break_values(n: i32) -> i32 {
            let mut k = 0;
            let a = loop {
                k += 1;
                if yield_!(k) > 200 {
                    break k * 10;
                }
            };
            let b = 'l: loop {
                loop {
                    if yield_!(a) > 0 {
                        break 'l a + 1;
                    }
                    break;
                }
                k += 100;
            };
            let c = 'blk: {
                if yield_!(b) > n {
                    break 'blk 7;
                }
                8
            };
            let d = 'blk2: {
                if k > 100 {
                    break 'blk2 1;
                }
                yield_!(c);
                2
            };
            let e = 'blk3: {
                let inner = yield_!(d);
                if inner > 0 {
                    break 'blk3 inner;
                }
                0
            };
            a + b + c + d + e
        }

        fn while_with_suspending_condition(n: i32) -> i32 {
            let mut count = 0;
            while yield_!(count) < n {
                count += 1;
            }
            let mut v = vec![1, 2];
            while let Some(x) = if yield_!(-1) > 0 { v.pop() } else { None } {
                count += x;
            }
            count
        }
    }

    #[test]
    fn loop_while_while_let() {
        let (log, r) = check_gen(plain_loops(4), |y| plain::plain_loops(y, 4), hundreds);
        assert_eq!(
            log,
            [
                "yield 0",
                "yield 1",
                "yield 2",
                "yield 3",
                "yield 30",
                "yield 10",
                "yield 300",
                "yield 200",
                "yield 100"
            ]
        );
        assert_eq!(r, 100 + 200 + 300 + 400 + 500 + 600);
    }

    #[test]
    fn for_over_vec_range_and_adapters() {
        let (log, r) = check_gen(fors(vec![5, 6]), |y| plain::fors(y, vec![5, 6]), hundreds);
        assert_eq!(
            log,
            [
                "yield 5", "yield 6", "yield 0", "yield 1", "yield 2", "yield 10", "yield 18",
                "yield 97", "yield 98", "yield -1", "yield -1"
            ]
        );
        assert_eq!(r, 300);
    }

    #[test]
    fn labelled_break_and_continue() {
        let (log, r) = check_gen(labelled(4), |y| plain::labelled(y, 4), hundreds);
        // i=0: j=0 -> 0, j=1 > i: continue 'outer; i=1: j=0 -> 10, j=1 continue 'inner, j=2:
        // continue 'outer; i=2: 20, skip, 22, j=3: continue 'outer; i=3: 30, skip, j=2: 3 + 2 == 5:
        // break 'outer.
        assert_eq!(
            log,
            ["yield 0", "yield 10", "yield 20", "yield 22", "yield 30"]
        );
        assert_eq!(r, 100 + 200 + 300 + 400 + 500);
    }

    #[test]
    fn break_and_continue_from_a_non_suspending_inner_loop() {
        let (log, r) = check_gen(
            jumps_from_native_code(6),
            |y| plain::jumps_from_native_code(y, 6),
            hundreds,
        );
        // i=0 -> yield 0; i=1 -> continue; i=2 -> continue 'outer from native loop;
        // i=3 -> continue 'outer from a native for; i=4 -> break 'outer from native loop.
        assert_eq!(log, ["yield 0"]);
        assert_eq!(r, 100);
    }

    #[test]
    fn loop_exits_in_code_that_does_not_suspend() {
        let (log, r) = check_gen(
            borrow_across_a_loop_exit(30),
            |y| plain::borrow_across_a_loop_exit(y, 30),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 111", "yield 332", "yield 663"]);
        assert_eq!(r, 1063);
        let (log, r) = check_gen(
            entry_then_continue(7),
            |y| plain::entry_then_continue(y, 7),
            hundreds,
        );
        assert_eq!(log.len(), 7);
        // Counts 3 / 2 / 12 (key 2 starts at 10 and stops at 12); totals 1+2+3, 1+2, 11+12.
        assert_eq!(r, (1 + 2 + 3) + (1 + 2) + (11 + 12) + (3 + 2 + 12));
        let (log, r) = check_gen(
            scrutinee_temporary_across_a_break(5),
            |y| plain::scrutinee_temporary_across_a_break(y, 5),
            hundreds,
        );
        assert_eq!(log, ["yield 5", "yield 106", "yield 307", "yield 608"]);
        assert_eq!(r, 608);
        let (log, r) = check_gen(
            exits_nested_in_place(150),
            |y| plain::exits_nested_in_place(y, 150),
            hundreds,
        );
        // 100: `continue` in `assert_ne!`; 200: `continue` in the `break`'s value; 300: `break 300`.
        assert_eq!(log, ["yield 1", "yield 2", "yield 3"]);
        assert_eq!(r, 300);
        let (log, r) = check_gen(
            exit_in_a_for_loops_iterator(),
            plain::exit_in_a_for_loops_iterator,
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 3"]);
        assert_eq!(r, 100 + (1 + 10) + 200 + (2 + 10) + 300);
        let (log, r) = check_gen(
            exit_beside_a_hiding_binding(7),
            |y| plain::exit_beside_a_hiding_binding(y, 7),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 100"]);
        assert_eq!(r, 7 + 300 + 600);
        let (log, r) = check_gen(
            arms_leaving_the_loop(350),
            |y| plain::arms_leaving_the_loop(y, 350),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 3", "yield 4"]);
        assert_eq!(r, 100 + 1 + 300 + 1);
    }

    #[test]
    fn break_with_value_and_labelled_blocks() {
        let (log, r) = check_gen(break_values(150), |y| plain::break_values(y, 150), hundreds);
        // yield 1 -> 100; yield 2 -> 200; yield 3 -> 300 > 200: a = 30; yield 30 -> 400: b = 31;
        // yield 31 -> 500 > 150: c = 7; k = 3: yield 7, d = 2; yield 2 -> 700: e = 700
        assert_eq!(
            log,
            ["yield 1", "yield 2", "yield 3", "yield 30", "yield 31", "yield 7", "yield 2"]
        );
        assert_eq!(r, 30 + 31 + 7 + 2 + 700);
        check_gen(
            break_values(150),
            |y| plain::break_values(y, 150),
            script![0, 300, 0, 0, 5, 0, 0, 0, 0],
        );
    }

    #[test]
    fn while_condition_suspends() {
        let (log, r) = check_gen(
            while_with_suspending_condition(3),
            |y| plain::while_with_suspending_condition(y, 3),
            script![0, 0, 1, 5, 1, 1, 0],
        );
        assert_eq!(
            log,
            ["yield 0", "yield 1", "yield 2", "yield -1", "yield -1", "yield -1"]
        );
        assert_eq!(r, 2 + 2 + 1);
    }
}

// A `for` over an `Option` built from a borrow of a local: `map` on an `Option` is no iterator
// adapter, so the loop keeps no borrow of the local across its suspension (it was refused as one,
// as `v.iter().map(..)` is). Written out rather than as twins: inside `gen_twins!` the same
// function was accepted even before the fix, so a twin would not test it.
#[allow(for_loops_over_fallibles)]
mod loop_over_a_mapped_option {
    use super::*;

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn mapped_first(v: Vec<i32>) -> i32 {
        let mut total = 0;
        for n in v.first().map(|x| *x + 1) {
            total += yield_!(n);
        }
        total + v.len() as i32
    }

    #[test]
    fn a_loop_over_an_option_keeps_no_borrow() {
        let plain = |y: &mut Yielder<i32>| {
            let v = [4, 5];
            let mut total = 0;
            for n in v.first().map(|x| *x + 1) {
                total += y.yield_::<i32>(n);
            }
            total + v.len() as i32
        };
        let (log, r) = check_gen(mapped_first(vec![4, 5]), plain, hundreds);
        assert_eq!(log, ["yield 5"]);
        assert_eq!(r, 100 + 2);
    }
}

// =============================================================================================
// Early `return`, `?` on `Result` (with `From`) and on `Option`.

mod early_exit {
    use super::*;

    #[derive(Debug, PartialEq)]
    pub struct MyErr(pub String);

    impl From<std::num::ParseIntError> for MyErr {
        fn from(e: std::num::ParseIntError) -> Self {
            MyErr(format!("parse: {e}"))
        }
    }

    pub fn checked(v: i32) -> Result<i32, MyErr> {
        if v > 250 {
            Err(MyErr(format!("too big: {v}")))
        } else {
            Ok(v)
        }
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn return_in_loop(n: i32) -> i32 {
            let mut i = 0;
            loop {
                let r = yield_!(i);
                if r >= n {
                    return r + i;
                }
                i += 1;
            }
        }

        fn return_in_match(x: Option<i32>) -> i32 {
            let w = match x {
                Some(v) => {
                    let r = yield_!(v);
                    if r > 150 {
                        return r;
                    }
                    v
                }
                None => return yield_!(-1) * 2,
            };
            yield_!(w);
            w
        }

        fn return_in_for(v: Vec<i32>) -> i32 {
            for x in v {
                for y in 0..x {
                    if y == 2 {
                        return yield_!(x * 10);
                    }
                    yield_!(y);
                }
            }
            -1
        }

        fn tries(a: &'static str, b: &'static str) -> Result<i32, MyErr> {
            let x: i32 = a.parse()?;
            yield_!(x);
            let y: i32 = b.parse::<i32>()? + yield_!(x + 1);
            let z = checked(yield_!(y))?;
            let w = checked(yield_!(z) + 1).map_err(|e| MyErr(format!("w {}", e.0)))?;
            Ok(x + y + z + w)
        }

        fn options(v: Vec<i32>) -> Option<i32> {
            let mut it = v.into_iter();
            let a = it.next()?;
            let b = yield_!(a);
            let c = it.next()?;
            yield_!(c);
            let d = Some(yield_!(b)).filter(|d| *d < 350)?;
            Some(a + b + c + d + it.next()?)
        }
    }

    #[test]
    fn early_return_from_loops_and_match_arms() {
        let (log, r) = check_gen(
            return_in_loop(300),
            |y| plain::return_in_loop(y, 300),
            hundreds,
        );
        assert_eq!(
            (log, r),
            (
                vec!["yield 0".into(), "yield 1".into(), "yield 2".into()],
                302
            )
        );

        let (log, r) = check_gen(
            return_in_match(Some(4)),
            |y| plain::return_in_match(y, Some(4)),
            hundreds,
        );
        assert_eq!(
            (log, r),
            (vec!["yield 4".to_string(), "yield 4".to_string()], 4)
        );
        let (log, r) = check_gen(
            return_in_match(Some(4)),
            |y| plain::return_in_match(y, Some(4)),
            |i| 200 * i as i32,
        );
        assert_eq!((log, r), (vec!["yield 4".to_string()], 200));
        let (log, r) = check_gen(
            return_in_match(None),
            |y| plain::return_in_match(y, None),
            hundreds,
        );
        assert_eq!((log, r), (vec!["yield -1".to_string()], 200));

        let (log, r) = check_gen(
            return_in_for(vec![1, 3]),
            |y| plain::return_in_for(y, vec![1, 3]),
            hundreds,
        );
        assert_eq!(log, ["yield 0", "yield 0", "yield 1", "yield 30"]);
        assert_eq!(r, 400);
    }

    #[test]
    fn question_mark_on_result_with_from() {
        let (log, r) = check_gen(tries("1", "2"), |y| plain::tries(y, "1", "2"), hundreds);
        // x = 1; yield 1; yield 2 -> 200: y = 202; yield 202 -> 300 > 250: Err
        assert_eq!(log, ["yield 1", "yield 2", "yield 202"]);
        assert_eq!(r, Err(MyErr("too big: 300".into())));

        let (log, r) = check_gen(
            tries("1", "2"),
            |y| plain::tries(y, "1", "2"),
            script![0, 0, 10, 20, 30],
        );
        // y = 12; z = 20; yield 20 -> 30 + 1 = 31
        assert_eq!(log, ["yield 1", "yield 2", "yield 12", "yield 20"]);
        assert_eq!(r, Ok(1 + 12 + 20 + 31));

        let (log, r) = check_gen(
            tries("1", "2"),
            |y| plain::tries(y, "1", "2"),
            script![0, 0, 10, 20, 300],
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 12", "yield 20"]);
        assert_eq!(r, Err(MyErr("w too big: 301".into())));

        let (log, r) = check_gen(tries("x", "2"), |y| plain::tries(y, "x", "2"), hundreds);
        assert!(log.is_empty());
        assert_eq!(r, Err(MyErr("parse: invalid digit found in string".into())));

        let (log, r) = check_gen(tries("1", "y"), |y| plain::tries(y, "1", "y"), hundreds);
        assert_eq!(log, ["yield 1"]);
        assert_eq!(r, Err(MyErr("parse: invalid digit found in string".into())));
    }

    #[test]
    fn question_mark_on_option() {
        let (log, r) = check_gen(options(vec![]), |y| plain::options(y, vec![]), hundreds);
        assert_eq!((log.len(), r), (0, None));
        let (log, r) = check_gen(options(vec![1]), |y| plain::options(y, vec![1]), hundreds);
        assert_eq!((log.len(), r), (1, None));
        let (log, r) = check_gen(
            options(vec![1, 2]),
            |y| plain::options(y, vec![1, 2]),
            hundreds,
        );
        assert_eq!((log.len(), r), (3, None));
        let (log, r) = check_gen(
            options(vec![1, 2, 3]),
            |y| plain::options(y, vec![1, 2, 3]),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 100"]);
        assert_eq!(r, Some(1 + 100 + 2 + 300 + 3));
        let (_, r) = check_gen(
            options(vec![1, 2, 3]),
            |y| plain::options(y, vec![1, 2, 3]),
            |i| 200 * i as i32,
        );
        assert_eq!(r, None);
    }
}

// =============================================================================================
// Suspensions inside larger expressions: Rust's left-to-right order. The log interleaves
// side effects (`note`) and yields.

mod evaluation_order {
    use super::*;

    pub struct S {
        pub a: i32,
        pub b: i32,
        pub c: i32,
    }

    impl S {
        pub fn sum(&self) -> i32 {
            self.a + self.b + self.c
        }
    }

    pub fn tuple_sum(t: (i32, i32, i32)) -> i32 {
        t.0 + t.1 + t.2
    }

    pub fn array_sum(a: [i32; 3]) -> i32 {
        a.iter().sum()
    }

    pub fn f2(a: i32, b: i32) -> i32 {
        log("call f2");
        a * 1000 + b
    }

    pub fn flag(name: &str, v: bool) -> bool {
        note(name, v)
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn sub(n: i32) -> i32 {
            log(format!("sub {n} start"));
            let r = yield_!(n);
            log(format!("sub {n} end"));
            r + n
        }

        // Statement forms (`out.push(..)`); the `let x = ..;` forms are in `mod let_forms` below.
        fn arithmetic_and_calls() -> i32 {
            let mut out = Vec::new();
            out.push(note("a", 1) + yield_from!(sub(2)));
            out.push(f2(note("x", 3), yield_from!(sub(4))));
            out.push(note("c0", 1) * yield_!(5) - note("c2", 2));
            out.push(yield_!(6) - note("d1", 1) * yield_!(7));
            out.iter().sum()
        }

        fn methods() -> usize {
            let mut v = vec![note("v0", 0)];
            v.push(yield_from!(sub(5)));
            v.push(yield_!(6) + note("in push", 1));
            let len = yield_from!(sub(6)).to_string().len();
            v.push(vec![note("c0", 1), 2].into_iter().map(|x| x * 2).sum::<i32>() + yield_!(-7));
            v.len() + len
        }

        fn literals() -> i32 {
            let mut out = Vec::new();
            out.push(S { a: note("s.a", 1), b: yield_from!(sub(7)), c: note("s.c", 3) }.sum());
            out.push(tuple_sum((note("t0", 1), yield_from!(sub(8)), note("t2", 3))));
            out.push(array_sum([note("arr0", 1), yield_from!(sub(9)), note("arr2", 3)]));
            let rep = [yield_!(10); 2];
            out.iter().sum::<i32>() + rep[0] + rep[1]
        }

        fn scrutinees() -> i32 {
            let m = match yield_from!(sub(10)) {
                110 => note("m arm 110", 1),
                _ => note("m arm _", 2),
            };
            let i = if yield_from!(sub(11)) > 150 { note("if then", 10) } else { note("if else", 20) };
            let j = if note("cond", true) && yield_!(12) > 0 { 1 } else { 2 };
            m + i + j
        }

        fn short_circuit(a: bool, b: bool) -> i32 {
            let and = flag("and lhs", a) && yield_!(1) > 0 && flag("and rhs2", true);
            let or = flag("or lhs", b) || yield_!(2) > 0 || flag("or rhs2", false);
            let nested = (flag("n1", a) || yield_!(3) > 0) && (flag("n2", b) && yield_!(4) > 0);
            if flag("if lhs", a) && yield_from!(sub(5)) > 0 {
                log("if body");
            }
            (and as i32) + 10 * (or as i32) + 100 * (nested as i32)
        }

        fn in_macros() -> String {
            println!("{} {}", note("p0", 1), yield_!(1));
            let mut parts = Vec::new();
            parts.push(format!("{}-{}-{x}", note("f0", 1), yield_from!(sub(2)), x = note("f2", 3)));
            parts.push(format!("{:?}", vec![note("v0", 0), yield_!(3), note("v2", 2)]));
            assert_eq!(note("ae0", 400), yield_!(4));
            assert!(yield_!(5) > 0, "{}", note("never", 1));
            parts.join(" ")
        }

        // The formatting macros borrow their arguments where they stand: a local formatted
        // before a suspension point is neither moved nor copied there, even when a later
        // argument calls a method on it, and a named argument may come before one that
        // suspends.
        fn formatted_locals_stay_usable(n: i32) -> String {
            use std::fmt::Write as _;
            let s = String::from("ab");
            let mut out = String::new();
            let t = format!("{}-{}", s, yield_!(s.len() as i32 + n));
            println!("{} {}", s, yield_!(2));
            write!(out, "{}{}", s, yield_!(3)).unwrap();
            assert_eq!(s, format!("a{}", if yield_!(4) > 0 { "b" } else { "c" }));
            let named = format!("{x}/{y}", x = s, y = yield_!(5));
            // Through a reference kept across suspension points: read there, not moved out.
            let r = &s;
            let through = format!("{}{}", *r, yield_!(6));
            format!("{t} {out} {named} {through} {}", s.len())
        }

        // A compound assignment whose right side suspends, to a place computed from locals
        // (`buf[i * 3]`, `grid[r + 1][c].0`): the place is the same before and after the
        // suspension, as the right side does not assign those locals. (`buf` borrows a
        // temporary array mutably: Rust keeps it to the end of the block, as the macro does.)
        fn compound_assignment_to_computed_places(n: i32) -> i32 {
            let buf = &mut [0; 8];
            let mut grid = [[(0, 0); 3]; 3];
            let (r, c) = (0usize, 2usize);
            for i in 0..2usize {
                buf[i * 3 + 1] += yield_!(1) + n;
                grid[r + i][c - i].0 -= yield_!(2);
            }
            buf.iter().sum::<i32>() + grid[0][2].0 + grid[1][1].0 + grid[1][1].1
        }

        // A place indexed by a local that a later operand changes before it suspends: the
        // index is read where the operand stands, as Rust reads it (`v[i]` is the element at
        // the old `i`), whether the place is an argument, a receiver, the base of another
        // index or a formatted argument.
        fn indices_read_before_a_later_operand(start: usize) -> String {
            let v = [10, 20, 30, 40];
            let m = [[1, 2], [3, 4], [5, 6]];
            let names = vec![String::from("a"), String::from("bb"), String::from("ccc")];
            let (mut i, mut j, mut k) = (start, start, start);
            let call = f2(v[i], { i += 1; yield_!(1) });
            let receiver = v[i].wrapping_add({ i += 1; yield_!(2) });
            let nested = m[j][{ j += 1; (yield_!(3) / 100 % 2) as usize }];
            let formatted = format!("{}/{}", names[k], { k += 1; yield_!(4) });
            format!("{call} {receiver} {nested} {formatted} {i}{j}{k}")
        }

        fn compound_assignment(n: i32) -> i32 {
            let mut total = n;
            total += yield_!(1);
            total -= yield_from!(sub(2));
            total *= if yield_!(3) > 0 { 2 } else { 3 };
            let mut arr = [0, 0];
            arr[1] += yield_!(4);
            let mut s = S { a: 1, b: 2, c: 3 };
            s.b += yield_!(5);
            total + arr[0] + arr[1] + s.a + s.b + s.c
        }
    }

    #[test]
    fn binary_operators_and_call_arguments() {
        let (log, r) = check_gen(
            arithmetic_and_calls(),
            plain::arithmetic_and_calls,
            hundreds,
        );
        assert_eq!(
            log,
            [
                "a",
                "sub 2 start",
                "yield 2",
                "sub 2 end", //
                "x",
                "sub 4 start",
                "yield 4",
                "sub 4 end",
                "call f2", //
                "c0",
                "yield 5",
                "c2", //
                "yield 6",
                "d1",
                "yield 7",
            ]
        );
        // a = 1 + 102; b = 3 * 1000 + 204; c = 300 - 2; d = 400 - 500
        assert_eq!(r, 103 + 3204 + 298 - 100);
    }

    #[test]
    fn formatting_macros_borrow_their_arguments() {
        let (log, r) = check_gen(
            formatted_locals_stay_usable(1),
            |y| plain::formatted_locals_stay_usable(y, 1),
            hundreds,
        );
        assert_eq!(
            log,
            ["yield 3", "yield 2", "yield 3", "yield 4", "yield 5", "yield 6"]
        );
        assert_eq!(r, "ab-100 ab300 ab/500 ab600 2");
    }

    #[test]
    fn compound_assignments_to_computed_places() {
        let (log, r) = check_gen(
            compound_assignment_to_computed_places(1),
            |y| plain::compound_assignment_to_computed_places(y, 1),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 1", "yield 2"]);
        // buf[1] = 101, buf[4] = 301; grid[0][2].0 = -200, grid[1][1].0 = -400
        assert_eq!(r, 101 + 301 - 200 - 400);
    }

    #[test]
    fn indices_are_read_before_later_operands_change_them() {
        // Resumed with 100, 200, 300 (column 1) and 400.
        let (log, r) = check_gen(
            indices_read_before_a_later_operand(0),
            |y| plain::indices_read_before_a_later_operand(y, 0),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "call f2", "yield 2", "yield 3", "yield 4"]);
        assert_eq!(r, "10100 220 2 a/400 211");
    }

    #[test]
    fn method_calls_on_and_with_suspensions() {
        let (log, r) = check_gen(methods(), plain::methods, hundreds);
        assert_eq!(
            log,
            [
                "v0",
                "sub 5 start",
                "yield 5",
                "sub 5 end",
                "yield 6",
                "in push",
                "sub 6 start",
                "yield 6",
                "sub 6 end",
                "c0",
                "yield -7"
            ]
        );
        assert_eq!(r, 4 + 3);
    }

    #[test]
    fn struct_tuple_and_array_literals() {
        let (log, r) = check_gen(literals(), plain::literals, hundreds);
        assert_eq!(
            log,
            [
                "s.a",
                "sub 7 start",
                "yield 7",
                "sub 7 end",
                "s.c", //
                "t0",
                "sub 8 start",
                "yield 8",
                "sub 8 end",
                "t2", //
                "arr0",
                "sub 9 start",
                "yield 9",
                "sub 9 end",
                "arr2", //
                "yield 10",
            ]
        );
        assert_eq!(r, (1 + 107 + 3) + (1 + 208 + 3) + (1 + 309 + 3) + 800);
    }

    #[test]
    fn match_and_if_on_a_suspension() {
        let (log, r) = check_gen(scrutinees(), plain::scrutinees, hundreds);
        assert_eq!(
            log,
            [
                "sub 10 start",
                "yield 10",
                "sub 10 end",
                "m arm 110",
                "sub 11 start",
                "yield 11",
                "sub 11 end",
                "if then",
                "cond",
                "yield 12"
            ]
        );
        assert_eq!(r, 1 + 10 + 1);
    }

    #[test]
    fn short_circuit_skips_the_suspending_side() {
        let (log, r) = check_gen(
            short_circuit(false, true),
            |y| plain::short_circuit(y, false, true),
            hundreds,
        );
        assert_eq!(
            log,
            ["and lhs", "or lhs", "n1", "yield 3", "n2", "yield 4", "if lhs"]
        );
        assert_eq!(r, 10 + 100);
        let (log, r) = check_gen(
            short_circuit(true, false),
            |y| plain::short_circuit(y, true, false),
            hundreds,
        );
        assert_eq!(
            log,
            [
                "and lhs",
                "yield 1",
                "and rhs2",
                "or lhs",
                "yield 2",
                "n1",
                "n2",
                "if lhs",
                "sub 5 start",
                "yield 5",
                "sub 5 end",
                "if body"
            ]
        );
        assert_eq!(r, 1 + 10);
        let (_, r) = check_gen(
            short_circuit(true, true),
            |y| plain::short_circuit(y, true, true),
            |_| -1,
        );
        assert_eq!(r, 10);
    }

    #[test]
    fn suspensions_inside_std_macros() {
        let (log, r) = check_gen(in_macros(), plain::in_macros, hundreds);
        assert_eq!(
            log,
            [
                "p0",
                "yield 1",
                "f0",
                "sub 2 start",
                "yield 2",
                "sub 2 end",
                "f2",
                "v0",
                "yield 3",
                "v2",
                "ae0",
                "yield 4",
                "yield 5"
            ]
        );
        assert_eq!(r, "1-202-3 [0, 300, 2]");
    }

    #[test]
    fn compound_assignment_with_suspending_right_side() {
        let (log, r) = check_gen(
            compound_assignment(1),
            |y| plain::compound_assignment(y, 1),
            hundreds,
        );
        assert_eq!(
            log,
            [
                "yield 1",
                "sub 2 start",
                "yield 2",
                "sub 2 end",
                "yield 3",
                "yield 4",
                "yield 5"
            ]
        );
        // total = 1 + 100 - 202 = -101, * 2 = -202; arr[1] = 400; s.b = 2 + 500
        assert_eq!(r, -202 + 400 + 1 + 502 + 3);
    }

    /// The same code with `let` bindings: a `let` whose initializer spills operands before a
    /// suspension (once BUG A: E0425 "cannot find value `__tempN`").
    mod let_forms {
        use super::*;

        gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
            fn sub(n: i32) -> i32 {
                log(format!("sub {n} start"));
                let r = yield_!(n);
                log(format!("sub {n} end"));
                r + n
            }

            fn arithmetic_and_calls() -> i32 {
                let a = note("a", 1) + yield_from!(sub(2));
                let b = f2(note("x", 3), yield_from!(sub(4)));
                let c = note("c0", 1) * yield_!(5) - note("c2", 2);
                let d = yield_!(6) - note("d1", 1) * yield_!(7);
                a + b + c + d
            }

            fn methods() -> usize {
                let mut v = vec![note("v0", 0)];
                v.push(yield_from!(sub(5)));
                v.push(yield_!(6) + note("in push", 1));
                let len = yield_from!(sub(6)).to_string().len();
                let chained = vec![note("c0", 1), 2].into_iter().map(|x| x * 2).sum::<i32>() + yield_!(-7);
                v.extend([chained]);
                v.len() + len
            }

            fn literals() -> i32 {
                let s = S { a: note("s.a", 1), b: yield_from!(sub(7)), c: note("s.c", 3) };
                let t = (note("t0", 1), yield_from!(sub(8)), note("t2", 3));
                let arr = [note("arr0", 1), yield_from!(sub(9)), note("arr2", 3)];
                let rep = [yield_!(10); 2];
                s.a + s.b + s.c + t.0 + t.1 + t.2 + arr.iter().sum::<i32>() + rep[0] + rep[1]
            }

            fn in_macros() -> String {
                println!("{} {}", note("p0", 1), yield_!(1));
                let s = format!("{}-{}-{x}", note("f0", 1), yield_from!(sub(2)), x = note("f2", 3));
                let v = vec![note("v0", 0), yield_!(3), note("v2", 2)];
                assert_eq!(note("ae0", 400), yield_!(4));
                assert!(yield_!(5) > 0, "{}", note("never", 1));
                format!("{s} {v:?}")
            }
        }

        #[test]
        fn same_as_the_statement_forms() {
            let (log, r) = check_gen(
                arithmetic_and_calls(),
                plain::arithmetic_and_calls,
                hundreds,
            );
            let (log2, r2) = check_gen(
                super::arithmetic_and_calls(),
                super::plain::arithmetic_and_calls,
                hundreds,
            );
            assert_eq!((log, r), (log2, r2));
            let (log, r) = check_gen(methods(), plain::methods, hundreds);
            let (log2, r2) = check_gen(super::methods(), super::plain::methods, hundreds);
            assert_eq!((log, r), (log2, r2));
            let (log, r) = check_gen(literals(), plain::literals, hundreds);
            let (log2, r2) = check_gen(super::literals(), super::plain::literals, hundreds);
            assert_eq!((log, r), (log2, r2));
            let (log, r) = check_gen(in_macros(), plain::in_macros, hundreds);
            let (log2, r2) = check_gen(super::in_macros(), super::plain::in_macros, hundreds);
            assert_eq!((log, r), (log2, r2));
        }
    }
}

// =============================================================================================
// Blocks and `unsafe`.

mod blocks {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn nested(n: i32) -> i32 {
            let a = {
                let b = {
                    let c = yield_!(n);
                    c + 1
                };
                yield_!(b);
                b * 2
            };
            {
                {
                    yield_!(a);
                }
                let d = a + 1;
                {
                    yield_!(d);
                }
            }
            a
        }

        fn items_in_blocks(n: i32) -> i32 {
            use std::fmt::Write;
            struct Pair {
                a: i32,
                b: i32,
            }
            impl Pair {
                fn sum(&self) -> i32 {
                    self.a + self.b
                }
            }
            fn twice(v: i32) -> i32 {
                v * 2
            }
            const STEP: i32 = 7;
            macro_rules! bump {
                ($e:expr) => {
                    $e + STEP
                };
            }
            let mut text = String::new();
            let p = Pair { a: n, b: yield_!(n) };
            if p.a > 0 {
                use std::collections::BTreeMap;
                let got = yield_!(p.sum());
                let mut m = BTreeMap::new();
                m.insert(got, twice(got));
                write!(text, "{}", m.len()).unwrap();
            } else {
                use std::collections::BTreeMap;
                let m: BTreeMap<i32, i32> = BTreeMap::new();
                write!(text, "{}", m.len() + yield_!(0) as usize).unwrap();
            }
            bump!(twice(p.sum())) + text.len() as i32
        }

        fn unsafe_blocks(v: Vec<i32>) -> i32 {
            let x = unsafe {
                let first = *v.get_unchecked(0);
                let r = yield_!(first);
                first + r + *v.get_unchecked(1)
            };
            let y = unsafe { *v.get_unchecked(yield_!(x) as usize / 2000) };
            x + y
        }
    }

    #[test]
    fn nested_blocks() {
        let (log, r) = check_gen(nested(3), |y| plain::nested(y, 3), hundreds);
        assert_eq!(log, ["yield 3", "yield 101", "yield 202", "yield 203"]);
        assert_eq!(r, 202);
    }

    /// Items are visible in their whole block in Rust, on both sides of a suspension point: a
    /// type, an impl, a fn, a const, a local macro and imports (the same one in two branches).
    #[test]
    fn items_declared_in_the_body_are_seen_after_suspending() {
        let (log, r) = check_gen(
            items_in_blocks(3),
            |y| plain::items_in_blocks(y, 3),
            hundreds,
        );
        assert_eq!(log, ["yield 3", "yield 103"]);
        // twice(3 + 100) + 7, plus the length of "1"
        assert_eq!(r, 214);
        let (log, r) = check_gen(
            items_in_blocks(-3),
            |y| plain::items_in_blocks(y, -3),
            hundreds,
        );
        assert_eq!(log, ["yield -3", "yield 0"]);
        // twice(-3 + 100) + 7, plus the length of "200"
        assert_eq!(r, 204);
    }

    #[test]
    fn unsafe_block_containing_a_suspension() {
        let (log, r) = check_gen(
            unsafe_blocks(vec![5, 6]),
            |y| plain::unsafe_blocks(y, vec![5, 6]),
            |i| 1000 * i as i32,
        );
        assert_eq!(log, ["yield 5", "yield 1011"]);
        // x = 5 + 1000 + 6; index 2000 / 2000 = 1: v[1] = 6
        assert_eq!(r, 1011 + 6);
    }
}

// =============================================================================================
// Generic fns, `impl Trait` and reference arguments, methods, trait impls, closures.

mod signatures {
    use super::*;
    use std::fmt::Debug;

    #[coroutines::coroutine(yield = T)]
    fn generic<'a, T, U>(items: &'a [T], extra: U) -> usize
    where
        T: Clone + Debug + 'a,
        U: IntoIterator<Item = T>,
    {
        let mut n = 0;
        for item in items {
            yield_!(item.clone());
            n += 1;
        }
        for e in extra {
            yield_!(e);
            n += 1;
        }
        n
    }

    #[test]
    fn generic_fn_with_lifetimes_and_where_clause() {
        let items = ["a".to_string(), "b".to_string()];
        let (ys, n) = run(generic(&items, vec!["c".to_string()]));
        assert_eq!(ys, ["a", "b", "c"]);
        assert_eq!(n, 3);
        let (ys, n) = run(generic(&[1u8], 2..4));
        assert_eq!((ys, n), (vec![1, 2, 3], 3));
    }

    #[coroutines::coroutine(yield = i32)]
    fn impl_trait_arg(it: impl Iterator<Item = i32>, f: impl Fn(i32) -> i32) -> i32 {
        let mut sum = 0;
        for x in it {
            sum += f(x);
            yield_!(sum);
        }
        sum
    }

    #[test]
    fn impl_trait_arguments() {
        let (ys, r) = run(impl_trait_arg([1, 2, 3].into_iter(), |x| x * 10));
        assert_eq!((ys, r), (vec![10, 30, 60], 60));
    }

    #[coroutines::coroutine(yield = usize)]
    fn reference_args(s: &str, out: &mut Vec<String>) -> usize {
        out.push(s.to_uppercase());
        yield_!(out.len());
        for word in s.split(' ') {
            out.push(word.to_string());
            yield_!(out.len());
        }
        out.retain(|w| w != "b");
        out.len()
    }

    #[test]
    fn reference_arguments_mutated_across_suspensions() {
        let mut out = vec!["start".to_string()];
        let text = String::from("a b c");
        let (ys, r) = run(reference_args(&text, &mut out));
        assert_eq!(ys, [2, 3, 4, 5]);
        assert_eq!(r, 4);
        assert_eq!(out, ["start", "A B C", "a", "c"]);
    }

    pub struct Acc {
        pub total: i32,
        pub name: String,
    }

    impl Acc {
        #[coroutines::coroutine(yield = i32)]
        fn by_value(self, times: i32) -> String {
            for i in 0..times {
                yield_!(self.total + i);
            }
            self.name
        }

        #[coroutines::coroutine(yield = i32)]
        fn by_ref(&self) -> usize {
            yield_!(self.total);
            yield_!(self.total * 2);
            self.name.len()
        }

        #[coroutines::coroutine(yield = i32, resume = i32)]
        fn by_mut(&mut self) -> i32 {
            loop {
                let add = yield_!(self.total);
                if add == 0 {
                    break;
                }
                self.total += add;
            }
            self.name.push('!');
            self.total
        }

        #[coroutines::coroutine(yield = i32)]
        fn generic_method<T: Into<i32> + Copy>(&self, xs: Vec<T>) -> i32 {
            let mut s = self.total;
            for x in xs {
                s += x.into();
                yield_!(s);
            }
            s
        }
    }

    #[test]
    fn inherent_methods_self_ref_mut() {
        let acc = Acc {
            total: 10,
            name: "acc".into(),
        };
        let (ys, n) = run(acc.by_ref());
        assert_eq!((ys, n), (vec![10, 20], 3));
        let (ys, s) = run(acc.generic_method(vec![1u8, 2]));
        assert_eq!((ys, s), (vec![11, 13], 13));
        let mut acc = acc;
        let (ys, t) = run_with(acc.by_mut(), [99, 5, 7, 0]);
        assert_eq!((ys, t), (vec![10, 15, 22], 22));
        assert_eq!((acc.total, acc.name.as_str()), (22, "acc!"));
        let (ys, name) = run(acc.by_value(2));
        assert_eq!((ys, name), (vec![22, 23], "acc!".to_string()));
    }

    pub trait Counting {
        fn count_up(&self, n: i32) -> impl Coroutine<(), Yield = i32, Return = i32>;
        fn count_mut(&mut self) -> impl Coroutine<i32, Yield = i32, Return = ()>;
        fn into_count(self) -> impl Coroutine<(), Yield = i32, Return = String>;
    }

    impl Counting for Acc {
        #[coroutines::coroutine(yield = i32)]
        fn count_up(&self, n: i32) -> i32 {
            for i in 0..n {
                yield_!(self.total + i);
            }
            n
        }

        #[coroutines::coroutine(yield = i32, resume = i32)]
        fn count_mut(&mut self) {
            let r = yield_!(self.total);
            self.total += r;
        }

        #[coroutines::coroutine(yield = i32)]
        fn into_count(self) -> String {
            yield_!(self.total);
            self.name
        }
    }

    #[test]
    fn trait_methods_returning_impl_coroutine() {
        let mut acc = Acc {
            total: 1,
            name: "n".into(),
        };
        assert_eq!(run(acc.count_up(3)), (vec![1, 2, 3], 3));
        assert_eq!(run_with(acc.count_mut(), [0, 41]), (vec![1], ()));
        assert_eq!(acc.total, 42);
        assert_eq!(run(acc.into_count()), (vec![42], "n".to_string()));
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn closures(n: i32) -> i32 {
            let base = yield_!(n);
            let add = |x: i32| x + base;
            let a = add(1);
            yield_!(a);
            let owned = String::from("abc");
            let f = move || owned.len() as i32;
            yield_!(f());
            let parse = |s: &str| -> Result<i32, std::num::ParseIntError> { Ok(s.parse::<i32>()? + 1) };
            let p = parse("41").unwrap_or(0) + parse("x").unwrap_or(-1000);
            yield_!(p);
            f() + a + p
        }

        fn closure_with_mut_capture(n: i32) -> i32 {
            let mut count = yield_!(n);
            let mut inc = |by: i32| count += by;
            inc(1);
            inc(2);
            yield_!(count);
            count
        }
    }

    #[test]
    fn closure_capturing_locals() {
        let (log, r) = check_gen(closures(1), |y| plain::closures(y, 1), hundreds);
        assert_eq!(log, ["yield 1", "yield 101", "yield 3", "yield -958"]);
        assert_eq!(r, 3 + 101 - 958);
        let (log, r) = check_gen(
            closure_with_mut_capture(1),
            |y| plain::closure_with_mut_capture(y, 1),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 103"]);
        assert_eq!(r, 103);
    }
}

// =============================================================================================
// Resume values, PEP 380 delegation, `coroutines::iter`.

mod resume_and_delegation {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn running_total() -> i32 {
        let mut total = 0;
        loop {
            let v = yield_!(total);
            if v < 0 {
                return total;
            }
            total += v;
        }
    }

    #[test]
    fn running_total_drops_the_first_resume_value() {
        let mut g = pin!(running_total());
        assert_eq!(g.as_mut().resume(999), CoroutineState::Yielded(0));
        assert_eq!(g.as_mut().resume(5), CoroutineState::Yielded(5));
        assert_eq!(g.as_mut().resume(7), CoroutineState::Yielded(12));
        assert_eq!(g.as_mut().resume(-1), CoroutineState::Complete(12));
    }

    #[coroutines::coroutine(yield = String, resume = String)]
    fn echo(prefix: &'static str) -> String {
        let mut all = String::new();
        loop {
            let got = yield_!(format!("{prefix}{all}"));
            if got.is_empty() {
                return all;
            }
            all.push_str(&got);
        }
    }

    #[test]
    fn non_copy_resume_type() {
        let (ys, r) = run_with(echo(">"), ["dropped", "a", "bc", ""].map(String::from));
        assert_eq!(ys, [">", ">a", ">abc"]);
        assert_eq!(r, "abc");
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        fn leaf3(tag: i32) -> i32 {
            log(format!("leaf {tag} start"));
            let a = yield_!(tag);
            let b = yield_!(tag + a);
            log(format!("leaf {tag} end"));
            a + b
        }

        fn mid3(tag: i32) -> i32 {
            let x = yield_!(tag * 10);
            let r = yield_from!(leaf3(tag + x));
            let r2 = yield_from!(leaf3(r));
            x + r + r2
        }

        fn top3() -> i32 {
            let r = yield_from!(mid3(1));
            let s = yield_!(r);
            r + s + yield_from!(mid3(2))
        }
    }

    #[test]
    fn delegation_chain_of_depth_three() {
        let (log, r) = check_gen(top3(), plain::top3, hundreds);
        // resumes: 0 (dropped), 100, 200, ...
        // mid3(1): yield 10 -> x = 100; leaf3(101): yield 101 -> a = 200; yield 301 -> b = 300:
        // r = 500; leaf3(500): yield 500 -> 400; yield 900 -> 500: r2 = 900; mid = 100 + 500 + 900
        // = 1500; yield 1500 -> s = 600; mid3(2): yield 20 -> x = 700; leaf3(702): yield 702 ->
        // 800; yield 1502 -> 900: r = 1700; leaf3(1700): yield 1700 -> 1000; yield 2700 -> 1100:
        // r2 = 2100; mid = 700 + 1700 + 2100 = 4500.
        let yields: Vec<&str> = log
            .iter()
            .filter(|l| l.starts_with("yield"))
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            yields,
            [
                "yield 10",
                "yield 101",
                "yield 301",
                "yield 500",
                "yield 900",
                "yield 1500",
                "yield 20",
                "yield 702",
                "yield 1502",
                "yield 1700",
                "yield 2700",
            ]
        );
        assert_eq!(r, 1500 + 600 + 4500);
        assert_eq!(log[1], "leaf 101 start");
    }

    /// A handwritten generator that records the arguments of its resumes.
    pub struct Recorder {
        pub args: Rc<RefCell<Vec<String>>>,
        pub left: u32,
    }

    impl Coroutine<String> for Recorder {
        type Yield = u32;
        type Return = &'static str;
        fn resume(
            mut self: std::pin::Pin<&mut Self>,
            arg: String,
        ) -> CoroutineState<u32, &'static str> {
            self.args.borrow_mut().push(arg);
            if self.left == 0 {
                return CoroutineState::Complete("recorder done");
            }
            self.left -= 1;
            CoroutineState::Yielded(self.left)
        }
    }

    #[coroutines::coroutine(yield = u32, resume = String)]
    fn delegate_to_recorder(rec: Recorder) -> String {
        let before = yield_!(100);
        let r = yield_from!(rec);
        let after = yield_!(200);
        format!("{before}|{r}|{after}")
    }

    #[test]
    fn delegated_generator_is_started_with_default_and_gets_the_resume_values() {
        let args = Rc::new(RefCell::new(Vec::new()));
        let g = delegate_to_recorder(Recorder {
            args: args.clone(),
            left: 2,
        });
        let (ys, r) = run_with(g, ["first", "b", "r1", "r2", "c"].map(String::from));
        assert_eq!(ys, [100, 1, 0, 200]);
        assert_eq!(r, "b|recorder done|c");
        // started with `String::default()` in the resume that received "b" (which went to
        // `before`), then given the following resume values.
        assert_eq!(*args.borrow(), ["", "r1", "r2"]);
    }

    #[coroutines::coroutine(yield = i32)]
    fn empty_sub() -> i32 {
        7
    }

    #[coroutines::coroutine(yield = i32)]
    fn delegate_to_empty() -> i32 {
        let a = yield_from!(empty_sub());
        yield_!(a);
        let b = yield_from!(empty_sub()) + yield_from!(empty_sub());
        a + b
    }

    #[test]
    fn delegating_to_a_generator_that_never_yields() {
        assert_eq!(run(delegate_to_empty()), (vec![7], 21));
    }

    #[coroutines::coroutine(yield = u64)]
    fn fibonacci() {
        let (mut a, mut b) = (0u64, 1u64);
        loop {
            yield_!(a);
            (a, b) = (b, a + b);
        }
    }

    #[coroutines::coroutine(yield = u64)]
    fn fibonacci_below(limit: u64) {
        let mut it = coroutines::iter(fibonacci());
        while let Some(x) = it.next() {
            if x >= limit {
                return;
            }
            yield_!(x);
        }
    }

    #[test]
    fn iter_over_fibonacci() {
        let v: Vec<u64> = coroutines::iter(fibonacci()).take(10).collect();
        assert_eq!(v, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
        let v: Vec<u64> = coroutines::iter(fibonacci_below(30)).collect();
        assert_eq!(v, [0, 1, 1, 2, 3, 5, 8, 13, 21]);
        let mut it = coroutines::iter(fibonacci_below(2));
        assert_eq!(it.by_ref().count(), 3);
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
    }
}

// =============================================================================================
// Panics: resuming after completion and after a panic.

mod panics {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    pub fn panic_message(e: Box<dyn std::any::Any + Send>) -> String {
        if let Some(s) = e.downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = e.downcast_ref::<String>() {
            s.clone()
        } else {
            "<non-string panic>".into()
        }
    }

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn may_panic() -> i32 {
        let a = yield_!(1);
        if a == 13 {
            panic!("unlucky {a}");
        }
        a
    }

    #[test]
    fn resume_after_completion_panics() {
        let mut g = pin!(may_panic());
        assert_eq!(g.as_mut().resume(0), CoroutineState::Yielded(1));
        assert_eq!(g.as_mut().resume(5), CoroutineState::Complete(5));
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(0))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after completion");
        // and again: still the same message
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(0))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after completion");
    }

    #[test]
    fn resume_after_panic_panics() {
        let mut g = pin!(may_panic());
        assert_eq!(g.as_mut().resume(0), CoroutineState::Yielded(1));
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(13))).unwrap_err();
        assert_eq!(panic_message(e), "unlucky 13");
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(0))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(0))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
    }

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn delegating_to_may_panic() -> i32 {
        yield_!(0);
        yield_from!(may_panic())
    }

    #[test]
    fn panic_in_a_delegated_generator_poisons_the_delegator() {
        let mut g = pin!(delegating_to_may_panic());
        assert_eq!(g.as_mut().resume(0), CoroutineState::Yielded(0));
        assert_eq!(g.as_mut().resume(0), CoroutineState::Yielded(1));
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(13))).unwrap_err();
        assert_eq!(panic_message(e), "unlucky 13");
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(0))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
    }

    // A body that only diverges (once BUG F: an `unreachable_code` warning on user code).
    #[coroutines::coroutine(yield = i32)]
    fn panics_on_first_resume() {
        panic!("at once");
    }

    #[test]
    fn panic_on_the_first_resume_poisons() {
        let mut g = pin!(panics_on_first_resume());
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(()))).unwrap_err();
        assert_eq!(panic_message(e), "at once");
        let e = catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(()))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
    }
}

// =============================================================================================
// Send and Unpin, checked at compile time.

mod auto_traits {
    use super::*;
    use std::rc::Rc;

    pub fn assert_send<T: Send>(_: &T) {}
    pub fn assert_unpin<T: Unpin>(_: &T) {}

    /// `Impl<A>` has two impls when `T: Send` (so `check_not_send` cannot infer `A` and fails
    /// to compile) and one when it is not.
    pub trait AmbiguousIfSend<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSend<()> for T {}
    pub struct IsSend;
    impl<T: ?Sized + Send> AmbiguousIfSend<IsSend> for T {}

    pub trait AmbiguousIfUnpin<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    pub struct IsUnpin;
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<IsUnpin> for T {}

    /// Compiles only if the expression's type is not `Send`.
    macro_rules! assert_not_send {
        ($e:expr) => {{
            fn type_of<T>(_: &T) -> std::marker::PhantomData<T> {
                std::marker::PhantomData
            }
            fn check<T: ?Sized + AmbiguousIfSend<A>, A>(_: std::marker::PhantomData<T>) {
                <T as AmbiguousIfSend<A>>::some_item()
            }
            let value = $e;
            check(type_of(&value));
        }};
    }

    /// Compiles only if the expression's type is not `Unpin`.
    macro_rules! assert_not_unpin {
        ($e:expr) => {{
            fn type_of<T>(_: &T) -> std::marker::PhantomData<T> {
                std::marker::PhantomData
            }
            fn check<T: ?Sized + AmbiguousIfUnpin<A>, A>(_: std::marker::PhantomData<T>) {
                <T as AmbiguousIfUnpin<A>>::some_item()
            }
            let value = $e;
            check(type_of(&value));
        }};
    }

    #[coroutines::coroutine(yield = String)]
    fn send_only(n: usize) -> Vec<String> {
        let mut v = Vec::new();
        for i in 0..n {
            let s = i.to_string();
            yield_!(s.clone());
            v.push(s);
        }
        v
    }

    #[coroutines::coroutine(yield = i32)]
    fn holds_rc_across_yield() -> i32 {
        let rc = Rc::new(5);
        yield_!(*rc);
        *rc
    }

    #[coroutines::coroutine(yield = i32)]
    fn rc_not_live_across_yield() -> i32 {
        {
            let rc = Rc::new(5);
            let _ = *rc;
        }
        yield_!(1);
        2
    }

    #[test]
    fn send_when_the_state_is_send() {
        let g = send_only(2);
        assert_send(&g);
        assert_unpin(&g);
        assert_send(&rc_not_live_across_yield());
        // and it does work on another thread
        let out = std::thread::spawn(move || run(g)).join().unwrap();
        assert_eq!(
            out,
            (
                vec!["0".to_string(), "1".to_string()],
                vec!["0".to_string(), "1".to_string()]
            )
        );
    }

    #[test]
    fn not_send_when_an_rc_is_live_across_a_suspension() {
        assert_not_send!(holds_rc_across_yield());
        assert_unpin(&holds_rc_across_yield());
        assert_eq!(run(holds_rc_across_yield()), (vec![5], 5));
    }

    #[coroutines::coroutine]
    fn awaits_an_async_block() -> u32 {
        yield_from!(async { 1 })
    }

    #[coroutines::coroutine]
    fn awaits_unpin_only() -> u32 {
        yield_from!(std::future::ready(1))
    }

    #[test]
    fn unpin_unless_it_holds_a_not_unpin_future() {
        assert_not_unpin!(awaits_an_async_block());
        assert_unpin(&awaits_unpin_only());
        assert_send(&awaits_an_async_block());
    }
}

// =============================================================================================
// Nested suspensions.

mod nested_suspensions {
    use super::*;

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn sub(n: i32) -> i32 {
        let r = yield_!(n);
        r + 1
    }

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn nested() -> i32 {
        let a = yield_!(yield_!(1) + 1) * 2;
        let b = yield_from!(sub(yield_!(a)));
        let c = yield_!(yield_from!(sub(b)));
        a + b + c
    }

    #[test]
    fn suspension_inside_a_suspension_operand() {
        let (ys, r) = run_with(nested(), [0, 10, 20, 30, 40, 50, 60]);
        // yield 1 -> 10; yield 11 -> 20: a = 40; yield 40 -> 30: sub(30) yields 30 -> 40: b =
        // 41; sub(41) yields 41 -> 50: 51; yield 51 -> 60: c = 60
        assert_eq!(ys, [1, 11, 40, 30, 41, 51]);
        assert_eq!(r, 40 + 41 + 60);
    }
}

// =============================================================================================
// Regression tests for bugs this suite found (the letters are the report's).

mod regressions {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        // BUG G: the parentheses around a suspending receiver were dropped, computing
        // `r - 5i32.abs()`.
        fn paren_receiver() -> i32 {
            (yield_!(1) - 5i32).abs() + (yield_!(2) + 1).pow(2)
        }

        // BUG C: E0382 "borrow of moved value: `v`".
        fn if_value_uses_outer_vec(c: bool) -> usize {
            let v = vec![1, 2];
            if c {
                yield_!(1);
                v.len()
            } else {
                0
            }
        }

        // BUG C: E0382 "borrow of moved value: `v`".
        fn block_value_uses_outer_vec(v: Vec<i32>) -> i32 {
            let x = {
                let r = yield_!(1);
                r + v[0]
            };
            x + v[1]
        }

        // BUG E: E0521 "borrowed data escapes outside of closure".
        fn borrowing_closure(n: i32) -> i32 {
            let base = n;
            let add = |x: i32| x + base;
            let a = add(1);
            yield_!(a);
            a + base
        }

        // BUG J: DESIGN.md allows a whole-local borrow across a suspension; it failed with E0521.
        fn whole_local_borrows(n: i32) -> usize {
            let mut v = vec![n, 2];
            let r = &v;
            yield_!(r.len() as i32);
            let k = r.len();
            let m = &mut v;
            m.push(3);
            yield_!(m.len() as i32);
            m.push(4);
            k + v.len()
        }

        // The other spellings of a borrow kept across a suspension: `let ref mut m = v;` is
        // `let m = &mut v;`, and a borrow of a value built where it stands (a call, `vec!`, a
        // tuple, a constructor or an operator applied to locals or to calls) borrows a
        // temporary that Rust keeps to the end of the block, as a hidden local does; a constant
        // (`&Some(7)`) is promoted to a `'static` borrow and stays one.
        fn borrows_of_ref_bindings_and_temporaries(n: i32) -> i32 {
            let mut v = vec![n];
            let ref mut m = v;
            m.push(yield_!(1));
            let ref len = m.len();
            let buffer = &mut vec![n];
            let text = &format!("{n}");
            let ref mut copy = v.clone();
            let pair = &(n, n + 1);
            let wrapped = &Some(n);
            let negated = &-n;
            let built = &[i32::abs(-2), 5];
            let converted = &(i32::abs(-7) as u8);
            let constant: &'static Option<i32> = &Some(7);
            buffer.push(yield_!(2));
            copy.push(*len as i32);
            yield_!(3);
            buffer.iter().sum::<i32>()
                + text.len() as i32
                + copy.iter().sum::<i32>()
                + pair.1
                + wrapped.unwrap()
                + *negated
                + built[0]
                + *converted as i32
                + constant.unwrap()
                + v.len() as i32
        }

        // BUG N: a diverging last statement without a tail: E0308 "expected `i32`, found `()`".
        fn diverging_last_statement(fail: bool) -> i32 {
            let r = yield_!(1);
            if !fail {
                return r;
            }
            panic_quietly();
        }

        // BUG V (a regression in 9f9e216): a name shadowed inside a block that uses a
        // non-`Copy` outer local failed with E0382 "borrow of moved value: `log`".
        fn shadow_inside_block(log: Vec<i32>) -> usize {
            let _a = 1;
            yield_!(2);
            {
                let _a = log.len();
                yield_!(3);
            }
            log.len()
        }

        // BUG S: a whole-local borrow not used before the suspension it crosses got a spurious
        // `unused_variables` warning (an error under `deny(warnings)`).
        fn borrow_first_used_after_the_suspension() -> usize {
            let mut v = vec![1];
            let r = &v;
            yield_!(0);
            let n = r.len();
            let m = &mut v;
            m.push(yield_!(1));
            n + v.len()
        }

        // BUG I: parentheses around an operand spilled before a suspension got an
        // `unused_parens` warning ("unnecessary parentheses around assigned value").
        fn parenthesized_operand(b: i32) -> i32 {
            let mut v = 0;
            v += (b + 1) * yield_!(b);
            v
        }

        // BUG M: `let mut s = yield_!(..);` then `s += yield_!(..);` got a spurious `unused_mut`
        // warning.
        fn mut_initialized_by_a_suspension() -> i32 {
            let mut s = yield_!(1);
            s += yield_!(2);
            s
        }
    }

    // A deferred initialisation (`let n;` assigned after a suspension, once BUG H) is supported
    // (`bindings::deferred_initialisation*`), in branches too; the shapes that stay compile
    // errors: `tests/ui/deferred-initialisation-across-suspension.rs`.

    // BUG L: the attribute written inside a `macro_rules!` body, on a body that comes from the
    // caller, failed with E0425 "cannot find value `__arg`" at every `yield_from!`. (The twin
    // macros write their attribute this way too.)
    macro_rules! coroutine_with_body {
        ($name:ident $body:block) => {
            #[coroutines::coroutine(yield = i32)]
            fn $name() -> i32 $body
        };
    }

    #[coroutines::coroutine(yield = i32)]
    fn one() -> i32 {
        yield_!(1);
        2
    }

    coroutine_with_body!(delegates_in_macro {
        let r = yield_from!(one());
        yield_!(r + 1);
        r + yield_from!(one())
    });

    pub fn panic_quietly() -> ! {
        std::panic::resume_unwind(Box::new("quiet"))
    }

    #[test]
    fn parenthesized_receiver_keeps_its_parentheses() {
        // (0 - 5).abs() + (0 + 1).pow(2); the bug computed 0 - 5.abs() + 0 + 1.pow(2) == -4.
        let (_, r) = check_gen(paren_receiver(), plain::paren_receiver, |_| 0);
        assert_eq!(r, 6);
    }

    #[test]
    fn if_and_block_values_using_outer_locals() {
        let (log, r) = check_gen(
            if_value_uses_outer_vec(true),
            |y| plain::if_value_uses_outer_vec(y, true),
            hundreds,
        );
        assert_eq!((log.len(), r), (1, 2));
        let (log, r) = check_gen(
            block_value_uses_outer_vec(vec![5, 6]),
            |y| plain::block_value_uses_outer_vec(y, vec![5, 6]),
            hundreds,
        );
        assert_eq!((log.len(), r), (1, 111));
    }

    #[test]
    fn closure_borrowing_a_local_before_a_suspension() {
        let (log, r) = check_gen(
            borrowing_closure(1),
            |y| plain::borrowing_closure(y, 1),
            hundreds,
        );
        assert_eq!((log, r), (vec!["yield 2".to_string()], 3));
    }

    #[test]
    fn borrow_of_a_whole_local_across_a_suspension() {
        let (log, r) = check_gen(
            whole_local_borrows(1),
            |y| plain::whole_local_borrows(y, 1),
            hundreds,
        );
        assert_eq!(log, ["yield 2", "yield 3"]);
        assert_eq!(r, 6);
    }

    #[test]
    fn borrows_of_ref_bindings_and_temporaries_across_a_suspension() {
        let (log, r) = check_gen(
            borrows_of_ref_bindings_and_temporaries(5),
            |y| plain::borrows_of_ref_bindings_and_temporaries(y, 5),
            hundreds,
        );
        assert_eq!(log, ["yield 1", "yield 2", "yield 3"]);
        // buffer 5 + 200, text 1, copy 5 + 100 + 2, pair 6, wrapped 5, -5, 7, v.len() 2, built 2,
        // converted 7
        assert_eq!(r, 205 + 1 + 107 + 6 + 5 - 5 + 7 + 2 + 2 + 7);
    }

    #[test]
    fn shadowing_inside_a_block() {
        let (log, r) = check_gen(
            shadow_inside_block(vec![1, 2]),
            |y| plain::shadow_inside_block(y, vec![1, 2]),
            hundreds,
        );
        assert_eq!(
            (log, r),
            (vec!["yield 2".to_string(), "yield 3".to_string()], 2)
        );
    }

    #[test]
    fn whole_local_borrow_first_used_after_the_suspension() {
        let (log, r) = check_gen(
            borrow_first_used_after_the_suspension(),
            plain::borrow_first_used_after_the_suspension,
            hundreds,
        );
        assert_eq!(
            (log, r),
            (vec!["yield 0".to_string(), "yield 1".to_string()], 3)
        );
    }

    #[test]
    fn parenthesized_operand_before_a_suspension() {
        let (_, r) = check_gen(
            parenthesized_operand(1),
            |y| plain::parenthesized_operand(y, 1),
            hundreds,
        );
        assert_eq!(r, 200);
        assert_eq!(run_with(parenthesized_operand(1), [0, 10]), (vec![1], 20));
    }

    #[test]
    fn mutable_local_initialized_by_a_suspension() {
        let (_, r) = check_gen(
            mut_initialized_by_a_suspension(),
            plain::mut_initialized_by_a_suspension,
            hundreds,
        );
        assert_eq!(r, 300);
    }

    #[test]
    fn attribute_inside_macro_rules() {
        assert_eq!(run(delegates_in_macro()), (vec![1, 3, 1], 4));
    }

    /// Writes a generator with 300 yields after a delegation (step `k` adds `k`): a state enum
    /// that holds a delegatee has a tag of its own, and with more than 256 states that tag is
    /// wider than a byte.
    macro_rules! three_hundred_yields {
        ($($step:literal)*) => {
            #[coroutines::coroutine(yield = i32)]
            fn three_hundred_yields(start: i32) -> i32 {
                let mut total = start + yield_from!(one());
                $( yield_!(total); total += $step; )*
                total
            }
        };
    }

    three_hundred_yields! {
        1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20
        21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40
        41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
        61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80
        81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100
        101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120
        121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140
        141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160
        161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180
        181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200
        201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220
        221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240
        241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 259 260
        261 262 263 264 265 266 267 268 269 270 271 272 273 274 275 276 277 278 279 280
        281 282 283 284 285 286 287 288 289 290 291 292 293 294 295 296 297 298 299 300
    }

    #[test]
    fn more_states_than_a_byte_tags() {
        let (yields, r) = run(three_hundred_yields(10));
        // `one()` yields 1 and returns 2; then each step `k` (1 to 300) yields and adds `k`.
        let mut want = vec![1];
        let mut total = 12;
        for k in 1..=300 {
            want.push(total);
            total += k;
        }
        assert_eq!(yields, want);
        assert_eq!(r, total);
        assert_eq!(r, 12 + 300 * 301 / 2);
    }

    #[test]
    fn diverging_tail_statement() {
        let (_, r) = check_gen(
            diverging_last_statement(false),
            |y| plain::diverging_last_statement(y, false),
            hundreds,
        );
        assert_eq!(r, 100);
        let mut g = pin!(diverging_last_statement(true));
        assert_eq!(g.as_mut().resume(0), CoroutineState::Yielded(1));
        assert!(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.as_mut().resume(0)))
                .is_err()
        );
    }
}

// BUG U: a return type `()` that reaches the attribute as a `macro_rules!` `$t:ty` fragment
// (an invisible group) was taken for a value-returning type: a body ending in a statement
// panicked at its end instead of completing with `()`.
mod unit_return_type_from_a_macro_fragment {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = ())]
        fn unit_tail() -> () {
            yield_!(1);
        }
    }

    #[test]
    fn completes_with_unit() {
        let (log, ()) = check_gen(unit_tail(), plain::unit_tail, unit);
        assert_eq!(log, ["yield 1"]);
    }
}

// =============================================================================================
// Parameters whose values are never read.

/// Parameters given new values after a suspension point, their first values never read: no
/// state keeps them, and each new value keeps its parameter's type (`x` stays a `u8`).
#[coroutines::coroutine(yield = i32, resume = i32)]
fn parameters_replaced_after_a_suspension(mut x: u8, mut label: String) -> i32 {
    let first = yield_!(1);
    x = 200;
    label = String::from("new");
    x.wrapping_add(first as u8) as i32 + label.len() as i32
}

#[test]
fn parameters_replaced_after_a_suspension_keep_their_types() {
    let mut g = pin!(parameters_replaced_after_a_suspension(
        3,
        String::from("old")
    ));
    assert!(matches!(g.as_mut().resume(0), CoroutineState::Yielded(1)));
    // 200 + 100 wraps to 44 in `u8` (it would be 303 in an `i32`), plus 3 for "new".
    assert!(matches!(
        g.as_mut().resume(100),
        CoroutineState::Complete(47)
    ));
}

// =============================================================================================
// Immutable locals given their one value on different paths around suspensions.

mod assigned_once {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        // One path assigns before suspending and returns, or leaves the loop, where it is;
        // the other assigns after suspending. The ways out are statements kept as written,
        // after which the split has edges that never run: they must not count as a path on
        // which the local is assigned twice.
        fn after_a_return_or_break(c: bool) -> i32 {
            let n: i32;
            if c {
                n = 1;
                yield_!(n);
                return 7;
            }
            yield_!(2);
            n = 6;
            let m: i32;
            loop {
                if !c {
                    m = 10;
                    yield_!(m);
                    break;
                }
                yield_!(3);
                m = 20;
                break;
            }
            n + m
        }
    }

    #[test]
    fn immutable_locals_assigned_once_on_each_path() {
        let (log, r) = check_gen(
            after_a_return_or_break(true),
            |y| plain::after_a_return_or_break(y, true),
            hundreds,
        );
        assert_eq!((log, r), (vec!["yield 1".to_string()], 7));
        let (log, r) = check_gen(
            after_a_return_or_break(false),
            |y| plain::after_a_return_or_break(y, false),
            hundreds,
        );
        assert_eq!(log, ["yield 2", "yield 10"]);
        assert_eq!(r, 16);
    }
}

// =============================================================================================
// Assertion macros with suspension points in them.

mod assertions {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = i32)]
        // Each evaluates what std's evaluates, when std's does: `assert!`'s message only if
        // the assertion fails, a debug assertion nothing unless debug assertions are on (the
        // plain twin is std's own macros: the test holds in either profile).
        fn passing_assertions(n: i32) -> i32 {
            assert!(yield_!(n) >= 0, "negative: {}", yield_!(-1));
            debug_assert!(yield_!(n + 1) > 0, "{}", yield_!(-2));
            debug_assert_eq!(yield_!(n + 2) % 100, 0, "{}", n);
            debug_assert_ne!(yield_!(n + 3), -1);
            assert!(yield_!(n + 4) > 0);
            assert_eq!(yield_!(n + 5) % 100, 0);
            n
        }
    }

    #[test]
    fn assertions_evaluate_what_std_evaluates() {
        let (log, r) = check_gen(
            passing_assertions(7),
            |y| plain::passing_assertions(y, 7),
            hundreds,
        );
        let expected: &[&str] = if cfg!(debug_assertions) {
            &[
                "yield 7", "yield 8", "yield 9", "yield 10", "yield 11", "yield 12",
            ]
        } else {
            &["yield 7", "yield 11", "yield 12"]
        };
        assert_eq!(
            (log, r),
            (expected.iter().map(|s| s.to_string()).collect(), 7)
        );
    }

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn failing_assertion() {
        assert!(yield_!(1) < 0, "message {}", yield_!(2));
    }

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn failing_assertion_without_message() {
        assert!(yield_!(1) < 0);
    }

    fn less<A: Into<i64>, B: Into<i64>>(a: A, b: B) -> bool {
        a.into() < b.into()
    }

    #[coroutines::coroutine(yield = i32, resume = i32)]
    fn failing_assertion_with_a_turbofish() {
        assert!(less::<i32, i32>(yield_!(1), 0),);
    }

    /// A failing `assert!` evaluates its message, then panics with it, at the `assert!`.
    #[test]
    fn a_failing_assertion_evaluates_its_message() {
        let mut g = Box::pin(failing_assertion());
        assert!(matches!(g.as_mut().resume(0), CoroutineState::Yielded(1)));
        assert!(matches!(g.as_mut().resume(5), CoroutineState::Yielded(2)));
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = g.as_mut().resume(6);
        }))
        .expect_err("the assertion fails");
        assert_eq!(
            panic.downcast_ref::<String>().map(String::as_str),
            Some("message 6")
        );

        let mut g = Box::pin(failing_assertion_without_message());
        assert!(matches!(g.as_mut().resume(0), CoroutineState::Yielded(1)));
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = g.as_mut().resume(5);
        }))
        .expect_err("the assertion fails");
        // Named as written (the tokens' spacing is the proc-macro printer's).
        let message = panic.downcast_ref::<String>().expect("a formatted message");
        assert!(
            message.starts_with("assertion failed: yield_!"),
            "{message}"
        );
        assert!(message.ends_with("(1) < 0"), "{message}");

        // The condition's commas (a turbofish's, an argument list's) are part of it.
        let mut g = Box::pin(failing_assertion_with_a_turbofish());
        assert!(matches!(g.as_mut().resume(0), CoroutineState::Yielded(1)));
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = g.as_mut().resume(5);
        }))
        .expect_err("the assertion fails");
        let message = panic.downcast_ref::<String>().expect("a formatted message");
        assert!(message.starts_with("assertion failed: less"), "{message}");
        assert!(message.ends_with(", 0)"), "{message}");
        assert!(message.contains("i32, i32"), "{message}");
    }
}
