#![deny(warnings)]
//! Semantics of the async flavour, `#[coroutines::coroutine]`.
//!
//! Most coroutines here are *twins* (see `common::async_twins!`): the same tokens are also
//! compiled as a native `async fn` in which `yield_from!(x)` is `x.await`. Every test runs both
//! with a counting `block_on` and checks that they log the same side effects in the same order,
//! return the same value, and suspend the same number of times; the leaf future `pend(v)`
//! returns `Pending` once before `Ready(v)`, so a coroutine that forgot to suspend (or
//! suspended twice) shows up in the poll count. Most tests also pin the expected values down
//! by hand.
//!
//! The runtime's event loop is not used here: `common::block_on` is enough.

#[macro_use]
mod common;
use common::*;

use std::future::{Future, IntoFuture};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

// =============================================================================================
// `let`: annotations, patterns, shadowing, `let ... else`.

mod bindings {
    use super::*;

    pub struct Pt {
        pub x: i32,
        pub y: i32,
    }

    async_twins! { $ #[coroutines::coroutine]
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
            let x = yield_from!(pend(t));
            #[cfg(all())]
            let t = t + x;
            #[cfg(any())]
            let t = 7;
            s += yield_from!(pend(t));
            #[cfg(all())]
            let w = String::from("w");
            #[cfg(any())]
            let w = 5;
            yield_from!(pend(w.len() as i32));
            s + t
        }

        fn deferred_initialisation(n: i32) -> i32 {
            let x;
            let y: u8;
            let mut z;
            z = 250u8;
            let r = yield_from!(pend(n));
            x = r + 1;
            y = 200;
            yield_from!(pend(x + z as i32));
            z = 100;
            yield_from!(pend(0));
            x + y.wrapping_add(100) as i32 + z.wrapping_add(200) as i32
        }

        // The same in a loop, its assignment after a `break` in place.
        fn deferred_initialisation_after_an_exit(n: i32) -> i32 {
            let mut total = 0;
            loop {
                let d;
                let r = yield_from!(pend(total + 100));
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
            if yield_from!(pend(c)) > 0 {
                a = 1;
            } else {
                a = 2;
            }
            let b;
            let s: String;
            let r = yield_from!(pend(a * 100));
            if r > 150 {
                b = 10;
                s = String::from("long");
            } else {
                b = 20;
                s = String::from("ab");
            }
            let m;
            match yield_from!(pend(b)) / 10 {
                1 => m = 100,
                2 => {
                    m = 200;
                }
                _ => return -1,
            }
            let mut once = 0;
            let o;
            if yield_from!(pend(m)) > 150 {
                o = 5;
                once = o;
            }
            let mut n;
            let mut total = 0;
            loop {
                let v = yield_from!(pend(total));
                if v > 3 {
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
            } else if yield_from!(pend(c * 100)) > 150 {
                t = 250;
                wrapped = t.wrapping_add(10);
            } else {
                wrapped = 0;
            }
            a + b + s.len() as i32 + m + once + total + wrapped as i32
        }

        // A `mut` local declared without a value in a loop, given its value in both branches of
        // an `if` whose condition suspends and of a `match` on an awaited value, where one
        // branch may `continue` before assigning it: that branch is a block of its own, entered
        // from the block that assigns it in the other branch, but never after that assignment.
        fn deferred_initialisation_mut_beside_a_continue(skip: i32) -> i32 {
            let mut total = 0;
            let mut turn = 0;
            while turn < 6 {
                turn += 1;
                let mut d: i32;
                if yield_from!(pend(turn)) > 0 && turn % 3 == 0 {
                    d = 1;
                } else {
                    if turn == skip {
                        continue;
                    }
                    d = 2;
                }
                let mut e: i32;
                match yield_from!(pend(turn)) > 0 && turn % 2 == 0 {
                    true => e = 10,
                    false => {
                        if turn == skip + 1 && yield_from!(pend(turn * 10)) > 0 {
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
        // on an awaited value, a `match` on one), then reassigned from itself after another
        // suspension: it certainly holds a value there.
        fn deferred_initialisation_mut_reassigned_after_branches(limit: i32) -> i32 {
            let mut d: i32;
            if yield_from!(pend(5)) <= limit {
                d = 1;
            } else {
                d = 2;
            }
            let mut e: i32;
            if let Some(x) = Some(yield_from!(pend(7))) {
                e = x;
            } else {
                e = 0;
            }
            let mut f: i32;
            match yield_from!(pend(-4)) {
                0 => f = 10,
                n if n < 0 => f = -n,
                _ => f = 30,
            }
            yield_from!(pend(d + e + f));
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
            let mut turn = 0;
            loop {
                turn += 1;
                if yield_from!(pend(turn * 3)) > a {
                    d = 7;
                    break;
                }
            }
            let mut e: i32;
            let v = 'b: {
                if yield_from!(pend(turn)) > a {
                    e = 5;
                    break 'b 1;
                }
                e = 6;
                2
            };
            let mut total = 0;
            for turn in 0..3 {
                let mut f: i32;
                match yield_from!(pend([0, 9, 1][turn as usize])) {
                    0 => {
                        f = 10;
                    }
                    x if x > a => {
                        total += x;
                        continue;
                    }
                    _ => f = 20 + turn,
                }
                yield_from!(pend(f));
                f += 1;
                total += f;
            }
            yield_from!(pend(d + e));
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
                match yield_from!(pend(a)) - turns {
                    0 => {
                        d = 1;
                        return d;
                    }
                    2 => break,
                    _ => {}
                }
            }
            yield_from!(pend(2));
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
                    yield_from!(pend(5));
                    return 9;
                }
                2 => yield_from!(pend(6)),
                3 => {
                    yield_from!(pend(7));
                    unreachable!("3 is never passed");
                }
                4 => {
                    yield_from!(pend(8));
                    std::process::abort();
                }
                _ => a,
            };
            let e = if d > 100 {
                yield_from!(pend(d));
                return d + 1;
            } else {
                d * 2
            };
            yield_from!(pend(e));
            if e > 0 {
                return e;
            }
            yield_from!(pend(-1));
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
                let v = yield_from!(pend(total));
                if v > limit {
                    break;
                }
                x = v * 2;
                yield_from!(pend(x));
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
                yield_from!(pend(turn));
                e = 'value: {
                    if turn == 2 {
                        break 'value 1;
                    }
                    if total > limit * 10 {
                        break 'outer;
                    }
                    total
                };
                yield_from!(pend(e));
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
                let c = yield_from!(pend(total));
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
                let c = yield_from!(pend(m));
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
                yield_from!(pend(turn));
                if yield_from!(pend(turn * 10)) < limit {
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
                    e = yield_from!(pend(total));
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
                if yield_from!(pend(x * 100)) > limit {
                    break
                } else {
                    d = x * 2
                }
                total += d;
            }
            let mut turn = 0;
            loop {
                turn += 1;
                match yield_from!(pend(turn)) % 3 {
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
                let c = yield_from!(pend(total));
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
                yield_from!(pend(u.len() as i32));
                return 100;
            } else {
                t = s.clone() + "d";
            }
            yield_from!(pend(t.len() as i32));
            (t.len() + s.len()) as i32
        }

        // A `mut` local declared without a value, given its value in the `else` of an `if`
        // whose other branch suspends and returns, then kept across a suspension and updated:
        // the jump written after that `return` (which never runs) carried the local into the
        // returning branch's state, and from there back to where it has no value yet (rustc:
        // "cannot find value `d`").
        fn deferred_initialisation_beside_a_branch_that_suspends_and_returns(c: bool) -> i32 {
            let mut d;
            let r = yield_from!(pend(1));
            if c {
                yield_from!(pend(0));
                return 5;
            } else {
                d = r + 1;
            }
            yield_from!(pend(d));
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
                let r = yield_from!(pend(turn));
                if r > 6 {
                    d = yield_from!(pend(-1));
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
                yield_from!(pend(d));
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
            d = yield_from!(pend(a));
            yield_from!(pend(d));
            d += 1;
            d
        }

        // `mut` locals declared without a value: one assigned before a suspension point and
        // again after it from its own value, one declared in a loop and given a value after a
        // suspension in each turn, and one given its first value in the branches of an `if`
        // whose condition suspends.
        fn deferred_initialisation_mut(c: i32) -> i32 {
            let mut n;
            n = c;
            let r = yield_from!(pend(n * 10));
            n = n.wrapping_add(r);
            let mut total = 0;
            let mut turns = 0;
            loop {
                turns += 1;
                if turns > 2 {
                    break;
                }
                let mut d;
                let v = yield_from!(pend(turns * 100));
                d = v + 1;
                d += yield_from!(pend(d));
                total += d;
            }
            let mut e;
            if yield_from!(pend(total + c)) > 605 {
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
            let first = yield_from!(pend(1));
            let r = &v;
            let inner = {
                let v: i32 = first + 1;
                let w = &v;
                *w * 2
            };
            yield_from!(pend(inner));
            r.len() as i32 + inner + v[0]
        }

        // Destructuring assignments to locals declared without a value (by a tuple pattern,
        // with a tuple type or none), after a suspension point (the value suspending too), into
        // a struct and in branches, and to a `mut` local kept across a suspension.
        fn destructuring_assignments(c: i32) -> i32 {
            let (a, b): (i32, u8);
            yield_from!(pend(0));
            (a, b) = (yield_from!(pend(1)), 250);
            let (x, y);
            Pt { x, y } = Pt { x: a + 10, y: yield_from!(pend(2)) };
            let e;
            if yield_from!(pend(3)) > c {
                [e, _] = [x, y];
            } else {
                [_, e] = [x, y];
            }
            let mut m = 0;
            let mut n = 1;
            yield_from!(pend(m));
            (m, n) = (n + 5, m + 6);
            yield_from!(pend(m));
            a + b.wrapping_add(10) as i32 + x + y + e + m * 10 + n
        }

        // A `mut` local declared without a value, assigned after a `break` in place that
        // leaves before it (no value on that path), then assigned again from its own value.
        fn deferred_initialisation_after_a_break_in_place(a: i32, leave: bool) -> i32 {
            let mut out = 0;
            'b: {
                let mut d: i32;
                yield_from!(pend(1));
                if leave {
                    break 'b;
                }
                d = a;
                match yield_from!(pend(2)) {
                    x if x > 0 => {
                        d = d.wrapping_sub(x);
                    }
                    _ => {}
                }
                out = d;
            }
            out
        }

        // A `let` declared without a value that hides a local of an enclosing block still used
        // after it (the hidden one is kept under another name, as for `let x = ..;`), in a loop
        // and in a block.
        fn deferred_initialisation_hiding_a_local() -> i32 {
            let x = 1;
            let z = {
                let x;
                yield_from!(pend(0));
                x = 2;
                x * 10
            };
            let mut total = 0;
            for i in 0..2 {
                let x: u8;
                if yield_from!(pend(i * 200)) > 150 {
                    x = 250;
                } else {
                    x = 5;
                }
                total += x.wrapping_add(10) as i32;
            }
            let y = {
                let mut x;
                x = yield_from!(pend(7 * 200));
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
            yield_from!(pend(1));
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
                        total += yield_from!(pend(x * 10));
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
                total += yield_from!(pend(t.len() as i32 + n));
            }
            if let Some(o) = &o {
                let o = o.len() as i32 + 1;
                total += yield_from!(pend(o * 10));
            }
            match o.as_deref() {
                Some(o) if o.len() > 2 => {
                    let m = o.len() as i32 + total;
                    total += yield_from!(pend(m));
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
                total += yield_from!(pend(len + n));
            }
            match (n, &text) {
                (k, t) if !t.is_empty() => {
                    let len = t.len() as i32 + k;
                    total += yield_from!(pend(len * 10));
                }
                _ => {}
            }
            let (count, first) = (text.len() as i32, &text[..1]);
            let first = first.len() as i32;
            total += yield_from!(pend(count + first));
            total + text.len() as i32
        }

        // So are bindings of an item that a borrowing iterator gives back, behind adapters
        // that pass its items on (`v.iter().rev().max()`), and of a slice's borrowed parts.
        fn borrows_of_items_and_parts(v: Vec<i32>) -> i32 {
            let words = vec![String::from("ab"), String::from("c")];
            let mut total = 0;
            if let Some(m) = v.iter().rev().max() {
                let m = *m;
                total += yield_from!(pend(m));
            }
            if let Some(w) = words.iter().find(|w| w.len() == 1) {
                let len = w.len() as i32;
                total += yield_from!(pend(len));
            }
            if let Some((head, rest)) = v.split_first() {
                let sum = *head + rest.len() as i32;
                total += yield_from!(pend(sum));
            }
            let last = words.iter().next_back();
            let len = last.map_or(0, |w| w.len() as i32);
            total += yield_from!(pend(len));
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
                    total += yield_from!(pend(len * 10));
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
                    total += yield_from!(pend(x * 10));
                } else {
                    total += yield_from!(pend(x * 10));
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
                    total += yield_from!(pend((*r + x) * 10));
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
                    total += yield_from!(pend((v + point.a) * 10));
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
            let r = yield_from!(pend(n));
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
                yield_from!(pend(v));
            }
            a + b + c
        }

        fn let_forms(n: i32) -> i32 {
            let a: i32 = n;
            let b = yield_from!(pend(a + 1));
            let (c, mut d) = (b + 1, yield_from!(pend(b * 2)));
            d += 1;
            let Pt { x, y: yy } = Pt { x: yield_from!(pend(c)), y: d };
            let t: (i32, i32) = (yield_from!(pend(x + 1)), yy);
            let [p, q]: [i32; 2] = [t.0, yield_from!(pend(t.1 + 1))];
            log(format!("{a} {b} {c} {d} {x} {yy} {t:?} {p} {q}"));
            a + b + c + d + x + yy + t.0 + t.1 + p + q
        }

        fn shadow(x: i32) -> i32 {
            let x = x + 1;
            yield_from!(pend(()));
            let x = x + yield_from!(pend(1));
            let x = x * 10;
            yield_from!(pend(()));
            x
        }

        fn shadow_in_block(x: i32) -> i32 {
            let v = x;
            {
                let v = v * 2;
                yield_from!(pend(()));
                log(format!("inner {v}"));
            }
            yield_from!(pend(()));
            log(format!("outer {v}"));
            v
        }

        fn many_suspensions(n: i32) -> i32 {
            let first = n;
            let second = yield_from!(pend(first + 1));
            yield_from!(pend(()));
            yield_from!(pend(()));
            let third = yield_from!(pend(second + first));
            first + second + third
        }

        fn let_else(o: Option<i32>) -> i32 {
            let Some(v) = o else {
                return -100;
            };
            let Some(w) = yield_from!(pend(Some(v + 1).filter(|w| *w > 3))) else {
                return -200;
            };
            yield_from!(pend(()));
            w
        }

        fn let_else_suspending_else(o: Option<i32>) -> i32 {
            let Some(v) = o else {
                let z = yield_from!(pend(-100));
                log("in else");
                return z;
            };
            v
        }

        // A method is called on each awaited value where it is produced, so its type must be
        // known there (also on the loop's second turn, entered from further down the body).
        fn methods_on_awaited_values(words: Vec<&'static str>) -> usize {
            let mut total = yield_from!(pend(String::from("ab"))).len();
            for word in words {
                let upper = yield_from!(pend(word.to_string())).to_uppercase();
                total += upper.len();
                log(upper);
            }
            total
        }
    }

    #[test]
    fn statements_under_cfg_without_suspensions() {
        let (_, r, polls) = check_async(statements_under_cfg(1), native::statements_under_cfg(1));
        // t = 2, then 2 + 2; s = 1 + 4
        assert_eq!((r, polls), (5 + 4, 4));
    }

    #[test]
    fn locals_declared_without_a_value_and_assigned_after_a_suspension() {
        let (_, r, _) = check_async(
            deferred_initialisation(7),
            native::deferred_initialisation(7),
        );
        // u8 arithmetic: 200 + 100 and 100 + 200 both wrap to 44.
        assert_eq!(r, 8 + 44 + 44);
        let (_, r, _) = check_async(
            deferred_initialisation_after_an_exit(250),
            native::deferred_initialisation_after_an_exit(250),
        );
        assert_eq!(r, 101 + 202);
        for given in [true, false] {
            let (_, r, _) = check_async(
                conditionally_initialised(given),
                native::conditionally_initialised(given),
            );
            assert_eq!(r, 7);
        }
    }

    #[test]
    fn locals_declared_without_a_value_and_assigned_in_branches_after_a_suspension() {
        let (_, r, _) = check_async(
            deferred_initialisation_in_branches(7),
            native::deferred_initialisation_in_branches(7),
        );
        // a = 1, b = 20 and s = "ab" (100), m = 200 (20 / 10), once = 5 (200), n = 4 then 3:
        // total 7; t = 250 (700), and 250 + 10 wraps to 4 in `u8`.
        assert_eq!(r, 1 + 20 + 2 + 200 + 5 + 7 + 4);
        let (_, r, _) = check_async(
            deferred_initialisation_in_branches(-1),
            native::deferred_initialisation_in_branches(-1),
        );
        // a = 2, b = 10 and s = "long" (200), m = 100, once = 0 (100), total 7, t = 1 + 10.
        assert_eq!(r, 2 + 10 + 4 + 100 + 7 + 11);
    }

    #[test]
    fn mut_locals_declared_without_a_value_reassigned_after_branches() {
        let (_, r, _) = check_async(
            deferred_initialisation_mut_reassigned_after_branches(9),
            native::deferred_initialisation_mut_reassigned_after_branches(9),
        );
        // d = 1 (5 <= 9), e = 7, f = 4; then d = 100, e = 1007, f = 104.
        assert_eq!(r, 100 + 1007 + 104);
    }

    #[test]
    fn mut_locals_declared_without_a_value_assigned_before_a_break() {
        let (_, r, _) = check_async(
            deferred_initialisation_mut_assigned_before_a_break(4),
            native::deferred_initialisation_mut_assigned_before_a_break(4),
        );
        // d = 7 on the second turn (6 > 4), e = 6 and v = 2 (2 > 4 is false); f = 10, then 9
        // is skipped, then f = 22.
        assert_eq!(r, 6 + 62 + (11 + 9 + 23));
    }

    #[test]
    fn mut_local_declared_without_a_value_assigned_in_a_loop_after_a_jump_out() {
        // `pend(total)` gives `total`: the first loop runs until `total` passes the limit.
        for (limit, expected) in [(0, 2), (5, 63), (40, 495)] {
            let (_, r, _) = check_async(
                deferred_mut_assigned_in_a_loop_after_a_jump_out(limit),
                native::deferred_mut_assigned_in_a_loop_after_a_jump_out(limit),
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_locals_declared_without_a_value_assigned_or_leaving_the_loop() {
        for (limit, expected) in [(0, 2), (3, 23), (20, 95)] {
            let (_, r, _) = check_async(
                deferred_mut_assigned_or_leaving_the_loop(limit),
                native::deferred_mut_assigned_or_leaving_the_loop(limit),
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_locals_declared_without_a_value_in_branches_of_a_suspending_condition() {
        for (limit, expected) in [(15, 22), (35, 55), (1000, 169)] {
            let (_, r, _) = check_async(
                deferred_mut_in_branches_of_a_suspending_condition(limit),
                native::deferred_mut_in_branches_of_a_suspending_condition(limit),
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_local_declared_without_a_value_beside_a_then_branch_that_breaks() {
        for (limit, expected) in [(150, 3), (1000, 303)] {
            let (_, r, _) = check_async(
                deferred_mut_beside_a_then_branch_that_breaks(limit),
                native::deferred_mut_beside_a_then_branch_that_breaks(limit),
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn mut_local_declared_without_a_value_assigned_by_a_labelled_block() {
        for (limit, expected) in [(3, 35), (7, 71)] {
            let (_, r, _) = check_async(
                deferred_mut_assigned_by_a_labelled_block(limit),
                native::deferred_mut_assigned_by_a_labelled_block(limit),
            );
            assert_eq!(r, expected);
        }
    }

    #[test]
    fn local_declared_without_a_value_beside_a_returning_branch() {
        let (_, r, _) = check_async(
            declared_without_a_value_beside_a_returning_branch(1),
            native::declared_without_a_value_beside_a_returning_branch(1),
        );
        assert_eq!(r, 4 + 3);
        let (_, r, _) = check_async(
            declared_without_a_value_beside_a_returning_branch(3),
            native::declared_without_a_value_beside_a_returning_branch(3),
        );
        assert_eq!(r, 100);
    }

    #[test]
    fn value_blocks_that_end_by_diverging() {
        // The arm returns 9 after its suspension.
        let (_, r, _) = check_async(
            value_blocks_that_diverge(1),
            native::value_blocks_that_diverge(1),
        );
        assert_eq!(r, 9);
        // The arm's value is 6, doubled.
        let (_, r, _) = check_async(
            value_blocks_that_diverge(2),
            native::value_blocks_that_diverge(2),
        );
        assert_eq!(r, 12);
        let (_, r, _) = check_async(
            value_blocks_that_diverge(70),
            native::value_blocks_that_diverge(70),
        );
        assert_eq!(r, 140);
    }

    #[test]
    fn mut_local_declared_without_a_value_beside_a_branch_that_suspends_and_returns() {
        let (_, r, _) = check_async(
            deferred_initialisation_beside_a_branch_that_suspends_and_returns(false),
            native::deferred_initialisation_beside_a_branch_that_suspends_and_returns(false),
        );
        assert_eq!(r, 1 + 1 + 1);
        let (_, r, _) = check_async(
            deferred_initialisation_beside_a_branch_that_suspends_and_returns(true),
            native::deferred_initialisation_beside_a_branch_that_suspends_and_returns(true),
        );
        assert_eq!(r, 5);
    }

    #[test]
    fn mut_local_declared_without_a_value_after_a_returning_branch_by_a_value_that_breaks() {
        // Turns 1 to 4 assign 10, 100, 30 and 40 (each then plus 1); turn 5 is the `stop`: the value breaks out.
        let (_, r, _) = check_async(
            deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(5),
            native::deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(5),
        );
        assert_eq!(r, 184 + 5);
        // No stop: turn 7 takes the branch that returns (-1 plus the total of turns 1 to 6).
        let (_, r, _) = check_async(
            deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(0),
            native::deferred_initialisation_after_a_returning_branch_by_a_value_that_breaks(0),
        );
        assert_eq!(r, -1 + 296);
    }

    #[test]
    fn mut_locals_declared_without_a_value_assigned_in_an_arm_that_returns() {
        // a - turns: 4 - 1 = 3 (on), 4 - 2 = 2 (break): d = 5 + 2.
        let (_, r, _) = check_async(
            deferred_initialisation_mut_assigned_in_an_arm_that_returns(4),
            native::deferred_initialisation_mut_assigned_in_an_arm_that_returns(4),
        );
        assert_eq!(r, 5 + 2);
        // 1 - 1 = 0: the arm returns 1.
        let (_, r, _) = check_async(
            deferred_initialisation_mut_assigned_in_an_arm_that_returns(1),
            native::deferred_initialisation_mut_assigned_in_an_arm_that_returns(1),
        );
        assert_eq!(r, 1);
    }

    #[test]
    fn untyped_mut_local_assigned_by_its_declaring_block_only_in_a_returning_branch() {
        let (_, r, _) = check_async(
            deferred_initialisation_untyped_assigned_in_a_returning_branch(3),
            native::deferred_initialisation_untyped_assigned_in_a_returning_branch(3),
        );
        assert_eq!(r, 4);
        let (_, r, _) = check_async(
            deferred_initialisation_untyped_assigned_in_a_returning_branch(-3),
            native::deferred_initialisation_untyped_assigned_in_a_returning_branch(-3),
        );
        assert_eq!(r, 7);
    }

    #[test]
    fn mut_locals_declared_without_a_value_and_assigned_beside_a_continue() {
        let (_, r, _) = check_async(
            deferred_initialisation_mut_beside_a_continue(2),
            native::deferred_initialisation_mut_beside_a_continue(2),
        );
        // Turn 1: d = 2, e = 20; turn 2 continues before `d`; turn 3: d = 1, continues after
        // a suspension before `e`; turn 4: d = 2, e = 10; turn 5: d = 2, continues before `e`;
        // turn 6: d = 1, e = 10.
        assert_eq!(r, (102 + 1020) + (102 + 1010) + (101 + 1010));
    }

    #[test]
    fn mut_locals_declared_without_a_value_and_assigned_after_a_suspension() {
        let (_, r, _) = check_async(
            deferred_initialisation_mut(7),
            native::deferred_initialisation_mut(7),
        );
        // n = 7 + 70; d = 101 + 101, then 201 + 201; e = 1 (611) + 10.
        assert_eq!(r, 77 + 604 + 11);
        let (_, r, _) = check_async(
            deferred_initialisation_mut(-1),
            native::deferred_initialisation_mut(-1),
        );
        // n = -1 - 10; e = 2 (603) + 10.
        assert_eq!(r, -11 + 604 + 12);
    }

    #[test]
    fn a_parameter_and_an_inner_let_of_one_name() {
        let (_, r, _) = check_async(
            parameter_and_inner_let_of_one_name(vec![5, 6]),
            native::parameter_and_inner_let_of_one_name(vec![5, 6]),
        );
        assert_eq!(r, 2 + 4 + 5);
    }

    #[test]
    fn destructuring_assignments_after_a_suspension() {
        let (_, r, _) = check_async(
            destructuring_assignments(0),
            native::destructuring_assignments(0),
        );
        // a = 1, b = 250 (u8: + 10 wraps to 4), x = 11, y = 2, e = x (3 > 0), (m, n) = (6, 6).
        assert_eq!(r, 1 + 4 + 11 + 2 + 11 + 66);
        let (_, r, _) = check_async(
            destructuring_assignments(5),
            native::destructuring_assignments(5),
        );
        assert_eq!(r, 1 + 4 + 11 + 2 + 2 + 66);
    }

    #[test]
    fn a_mut_local_assigned_after_a_break_in_place() {
        for leave in [false, true] {
            let (_, r, _) = check_async(
                deferred_initialisation_after_a_break_in_place(1000, leave),
                native::deferred_initialisation_after_a_break_in_place(1000, leave),
            );
            assert_eq!(r, if leave { 0 } else { 1000 - 2 });
        }
    }

    #[test]
    fn a_local_declared_without_a_value_may_hide_one_still_used() {
        let (_, r, _) = check_async(
            deferred_initialisation_hiding_a_local(),
            native::deferred_initialisation_hiding_a_local(),
        );
        // x = 5 (0), then 250 (200; + 10 wraps to 4 in `u8`); y = 1400 + 1.
        assert_eq!(r, 1 + 15 + 4 + 1401 + 20);
    }

    #[test]
    fn a_guarded_arm_binding_may_hide_a_local_used_after_it() {
        let values = || vec![Some(1), None, Some(3), Some(9), Some(4)];
        let (_, r, _) = check_async(
            guard_binding_hiding_a_local(5, values()),
            native::guard_binding_hiding_a_local(5, values()),
        );
        assert_eq!(r, 10 + 40 + 5);
    }

    #[test]
    fn arm_bindings_may_borrow_a_local_kept_after_the_arm() {
        let (_, r, _) = check_async(
            arm_bindings_borrowing_a_kept_local(3),
            native::arm_bindings_borrowing_a_kept_local(3),
        );
        // 7, then 50, then 4 + 57.
        assert_eq!(r, 7 + 50 + 61 + 4);
    }

    #[test]
    fn bindings_matched_against_borrows_inside_values_are_borrows() {
        let (_, r, _) = check_async(
            borrows_matched_inside_values(2),
            native::borrows_matched_inside_values(2),
        );
        assert_eq!(r, 5 + 50 + 4 + 3);
    }

    #[test]
    fn bindings_of_borrowed_items_and_parts_are_borrows() {
        let (_, r, _) = check_async(
            borrows_of_items_and_parts(vec![4, 9, 1]),
            native::borrows_of_items_and_parts(vec![4, 9, 1]),
        );
        assert_eq!(r, 9 + 1 + 6 + 1 + 3 + 2);
    }

    #[test]
    fn a_borrowing_arm_runs_in_place_beside_a_local_maybe_moved() {
        let items = || vec![String::from("x"), String::from("yy")];
        let (_, r, _) = check_async(
            borrowing_arm_beside_a_local_maybe_moved(items()),
            native::borrowing_arm_beside_a_local_maybe_moved(items()),
        );
        assert_eq!(r, 30 + 30 + 3);
    }

    #[test]
    fn a_borrowing_arm_runs_in_place_where_its_binding_hides_a_local_left_behind() {
        let (_, r, _) = check_async(
            borrowing_arm_hiding_a_local_left_behind(5, vec![1]),
            native::borrowing_arm_hiding_a_local_left_behind(5, vec![1]),
        );
        assert_eq!(r, 60 + 60 + 1);
        let (_, r, _) = check_async(
            borrowing_arm_hiding_a_local_left_behind(5, vec![]),
            native::borrowing_arm_hiding_a_local_left_behind(5, vec![]),
        );
        assert_eq!(r, 50 + 60);
    }

    #[test]
    fn a_borrowing_arm_may_read_a_borrow_of_what_it_hides() {
        let (_, r, _) = check_async(
            borrowing_arm_reading_a_borrow_of_what_it_hides(2, vec![5]),
            native::borrowing_arm_reading_a_borrow_of_what_it_hides(2, vec![5]),
        );
        assert_eq!(r, 50 + 1 + 60 + 1);
    }

    #[test]
    fn a_borrowing_arm_may_follow_code_that_spells_a_kept_name() {
        let (_, r, _) = check_async(
            borrowing_arm_after_code_spelling_a_kept_name(7, vec![3]),
            native::borrowing_arm_after_code_spelling_a_kept_name(7, vec![3]),
        );
        assert_eq!(r, 30 + 40 + 7 + 1);
    }

    #[test]
    fn names_reused_after_a_move_are_not_uses_of_the_moved_local() {
        let (_, r, _) = check_async(
            names_reused_after_a_move(vec![7], Some(4)),
            native::names_reused_after_a_move(vec![7], Some(4)),
        );
        // r = 1, a = 5, b = 11, c = 12 + 1 (4 > 1).
        assert_eq!(r, 29);
    }

    #[test]
    fn let_with_and_without_annotation_and_patterns() {
        let (log, r, polls) = check_async(let_forms(1), native::let_forms(1));
        // a = 1, b = 2, c = 3, d = 5, x = 3, yy = 5, t = (4, 5), p = 4, q = 6
        assert_eq!(log, ["1 2 3 5 3 5 (4, 5) 4 6"]);
        assert_eq!(r, 1 + 2 + 3 + 5 + 3 + 5 + 4 + 5 + 4 + 6);
        assert_eq!(polls, 6);
    }

    #[test]
    fn shadowing() {
        let (_, r, polls) = check_async(shadow(1), native::shadow(1));
        assert_eq!((r, polls), (30, 4));
        let (log, r, polls) = check_async(shadow_in_block(3), native::shadow_in_block(3));
        assert_eq!(
            (log, r, polls),
            (vec!["inner 6".to_string(), "outer 3".to_string()], 3, 3)
        );
    }

    #[test]
    fn locals_live_across_several_suspensions() {
        let (_, r, polls) = check_async(many_suspensions(7), native::many_suspensions(7));
        assert_eq!((r, polls), (7 + 8 + 15, 5));
    }

    #[test]
    fn let_else_all_paths() {
        let (_, r, polls) = check_async(let_else(None), native::let_else(None));
        assert_eq!((r, polls), (-100, 1));
        let (_, r, polls) = check_async(let_else(Some(1)), native::let_else(Some(1)));
        assert_eq!((r, polls), (-200, 2));
        let (_, r, polls) = check_async(let_else(Some(5)), native::let_else(Some(5)));
        assert_eq!((r, polls), (6, 3));
    }

    #[test]
    fn methods_called_on_awaited_values() {
        let (log, r, polls) = check_async(
            methods_on_awaited_values(vec!["x", "yz"]),
            native::methods_on_awaited_values(vec!["x", "yz"]),
        );
        assert_eq!(
            (log, r, polls),
            (vec!["X".to_string(), "YZ".to_string()], 5, 4)
        );
    }

    #[test]
    fn let_else_with_a_suspending_else_block() {
        let (log, r, polls) = check_async(
            let_else_suspending_else(None),
            native::let_else_suspending_else(None),
        );
        assert_eq!((log, r, polls), (vec!["in else".to_string()], -100, 2));
        let (_, r, polls) = check_async(
            let_else_suspending_else(Some(3)),
            native::let_else_suspending_else(Some(3)),
        );
        assert_eq!((r, polls), (3, 1));
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

    async_twins! { $ #[coroutines::coroutine]
        fn ifs(a: i32, b: i32) -> i32 {
            let mut acc = 0;
            if yield_from!(pend(a)) > 0 {
                acc += yield_from!(pend(1));
            } else if yield_from!(pend(b)) > 0 {
                acc += yield_from!(pend(2));
            } else {
                acc += 1000;
                yield_from!(pend(()));
            }
            if acc > 1 {
                log("acc > 1");
                yield_from!(pend(()));
            }
            acc
        }

        fn if_lets(o: Option<i32>, p: Option<i32>) -> i32 {
            if let Some(x) = o {
                let r = yield_from!(pend(x));
                x + r
            } else if let Some(y) = yield_from!(pend(p)) {
                yield_from!(pend(()));
                y
            } else {
                0
            }
        }

        // The scrutinee suspends, the guarded code does not: the temporary the pattern
        // borrows lives through that code, as in Rust.
        fn lets_borrowing_their_scrutinee(n: i32) -> i32 {
            let mut acc = 0;
            if let Some(v) = &mut Some(yield_from!(pend(n))) {
                *v += 1;
                acc += *v;
            }
            let mut k = 0;
            while let Some(v) = &mut Some(yield_from!(pend(k))).filter(|v| *v < 3) {
                *v += 10;
                acc += *v;
                k += 1;
            }
            acc
        }

        // Branches that run in place (they do not suspend) whose patterns bind the name of a
        // local the code after them still needs: that local is the outer one there.
        fn bindings_hiding_locals(n: i32) -> i32 {
            let sum = n;
            let mut out = 0;
            match (yield_from!(pend(sum + 100)), sum * 10) {
                (r, sum) if r > 150 => out += r + sum,
                (_, sum) => out -= sum,
            }
            if let (Some(sum), _) = (Some(yield_from!(pend(out)) + 1), sum) {
                out += sum;
            }
            let total = match yield_from!(pend(sum)) {
                sum => sum + 1,
            };
            sum + out + total
        }

        // A `let … else` whose binding borrows a local, and whose `else` leaves the loop
        // around it, which suspends.
        fn let_else_borrowing_in_a_loop(keys: i32) -> i32 {
            let mut counts = std::collections::BTreeMap::new();
            counts.insert(2, 10);
            let mut total = 0;
            for key in 0..keys {
                yield_from!(pend(()));
                let Some(count) = counts.get_mut(&key) else {
                    total += 1000;
                    continue;
                };
                *count += 1;
                total += *count;
            }
            total + counts.values().sum::<i32>()
        }

        fn matches(n: i32) -> i32 {
            let mut acc = 0;
            match yield_from!(pend(n)) {
                1 => {
                    acc += yield_from!(pend(10));
                }
                v if v > 1000 => acc += v,
                v => {
                    acc += yield_from!(pend(v));
                    acc += v;
                }
            }
            let opt = Some((n, String::from("s")));
            match opt {
                Some((a, s)) if a > 0 => {
                    let r = yield_from!(pend(a));
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
                    let k = yield_from!(pend(10));
                    r * k
                }
                Shape::Rect(w, h) => {
                    yield_from!(pend(()));
                    let k = yield_from!(pend(100));
                    w * h + k
                }
                Shape::Empty => yield_from!(pend(-1)),
            }
        }

        fn as_values(c: bool) -> i32 {
            let v = if c {
                yield_from!(pend(()));
                2
            } else {
                3
            };
            let w = match v {
                2 => yield_from!(pend(20)) + 1,
                other => other * 10,
            };
            let z = {
                let t = yield_from!(pend(v + w));
                t - 1
            };
            let u = if yield_from!(pend(c)) { yield_from!(pend(7)) } else { 8 };
            v + w + z + u
        }
    }

    #[test]
    fn if_else_if_else() {
        assert_eq!(check_async(ifs(1, 0), native::ifs(1, 0)).1, 1);
        let (log, r, polls) = check_async(ifs(0, 1), native::ifs(0, 1));
        assert_eq!((log, r, polls), (vec!["acc > 1".to_string()], 2, 5));
        let (log, r, polls) = check_async(ifs(0, 0), native::ifs(0, 0));
        assert_eq!((log, r, polls), (vec!["acc > 1".to_string()], 1000, 5));
    }

    #[test]
    fn let_else_borrowing_a_local_with_an_else_that_continues() {
        let (_, r, _) = check_async(
            let_else_borrowing_in_a_loop(4),
            native::let_else_borrowing_in_a_loop(4),
        );
        assert_eq!(r, 3000 + 11 + 11);
    }

    #[test]
    fn bindings_in_branches_run_in_place_do_not_hide_the_locals_after_them() {
        let (_, r, _) = check_async(bindings_hiding_locals(7), native::bindings_hiding_locals(7));
        // out = -70 (107 is not over 150), then -70 + (-69) = -139; total = 8.
        assert_eq!(r, 7 - 139 + 8);
    }

    #[test]
    fn if_let_and_while_let_borrow_a_suspending_scrutinee() {
        let (_, r, _) = check_async(
            lets_borrowing_their_scrutinee(5),
            native::lets_borrowing_their_scrutinee(5),
        );
        assert_eq!(r, 6 + 10 + 11 + 12);
    }

    #[test]
    fn if_let() {
        assert_eq!(
            check_async(if_lets(Some(4), None), native::if_lets(Some(4), None)).1,
            8
        );
        let (_, r, polls) = check_async(if_lets(None, Some(3)), native::if_lets(None, Some(3)));
        assert_eq!((r, polls), (3, 3));
        let (_, r, polls) = check_async(if_lets(None, None), native::if_lets(None, None));
        assert_eq!((r, polls), (0, 2));
    }

    #[test]
    fn match_scrutinee_arms_guards_bindings() {
        assert_eq!(check_async(matches(1), native::matches(1)).1, 10 + 1 + 1);
        assert_eq!(
            check_async(matches(2000), native::matches(2000)).1,
            2000 + 2000 + 1
        );
        assert_eq!(check_async(matches(-3), native::matches(-3)).1, -3 - 3 + 3);
    }

    #[test]
    fn match_on_enum_with_bindings_live_across_suspensions() {
        for which in 0..3 {
            let (_, r, _) = check_async(match_shapes(which), native::match_shapes(which));
            assert_eq!(r, [20, 106, -1][which as usize]);
        }
    }

    #[test]
    fn if_and_match_as_values() {
        let (_, r, polls) = check_async(as_values(true), native::as_values(true));
        assert_eq!((r, polls), (2 + 21 + 22 + 7, 6));
        let (_, r, polls) = check_async(as_values(false), native::as_values(false));
        assert_eq!((r, polls), (3 + 30 + 32 + 8, 3));
    }
}

// =============================================================================================
// Loops, labels, `break` with a value, labelled blocks.

mod loops {
    use super::*;

    async_twins! { $ #[coroutines::coroutine]
        // `break`/`continue` in code that does not suspend are jumps in place, inside that
        // code: a borrow of a local may be held across them, as in Rust.
        fn borrow_across_a_loop_exit(limit: i32) -> i32 {
            let mut next = Some(1);
            let mut total = 0;
            loop {
                total += yield_from!(pend(1));
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
                yield_from!(pend(()));
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
            let mut k = 0;
            while let Some(value) = &mut Some(yield_from!(pend(k))) {
                if *value > 3 {
                    break;
                }
                *value += 10;
                total += *value;
                k += 1;
            }
            total
        }

        // Exits inside a macro's arguments, a native loop, and the value of another exit.
        fn exits_nested_in_place(n: i32) -> i32 {
            let mut i = 0;
            'outer: loop {
                i += 1;
                let x = yield_from!(pend(i * 100));
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
                total += yield_from!(pend(k * 100));
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
                k += yield_from!(pend(k + 100));
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
                match yield_from!(pend(i * 100)) {
                    v if v > n => break,
                    200 => continue,
                    v => total += v,
                }
                total += 1;
            }
            total
        }

        fn all_loops(n: i32) -> i32 {
            let mut i = 0;
            let mut total = 0;
            loop {
                if i == n {
                    break;
                }
                total += yield_from!(pend(i));
                i += 1;
            }
            while i > 0 {
                i -= 1;
                if i % 2 == 0 {
                    continue;
                }
                total += yield_from!(pend(i * 10));
            }
            let mut stack = vec![1, 2, 3];
            while let Some(top) = stack.pop() {
                log(format!("top {top}"));
                yield_from!(pend(()));
            }
            while yield_from!(pend(i)) < 2 {
                i += 1;
            }
            total + i
        }

        fn fors(v: Vec<i32>) -> i32 {
            let mut s = 0;
            for x in v {
                s += yield_from!(pend(x));
            }
            for i in 0..3 {
                s += yield_from!(pend(i * 100));
            }
            for (i, x) in (10..20).step_by(3).enumerate().filter(|(i, _)| i % 2 == 0) {
                log(format!("{i}: {x}"));
                yield_from!(pend(()));
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
                    out += yield_from!(pend(i * 10 + j));
                    log(format!("{i}{j}"));
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
                out += yield_from!(pend(i));
                log(format!("i {i}"));
            }
            out
        }

        fn break_values(n: i32) -> i32 {
            let mut k = 0;
            let a = loop {
                k += 1;
                if yield_from!(pend(k)) > 2 {
                    break k * 10;
                }
            };
            let b = 'l: loop {
                loop {
                    if yield_from!(pend(n)) > 0 {
                        break 'l a + 1;
                    }
                    break;
                }
                k += 100;
                if k > 1000 {
                    break -1;
                }
            };
            let c = 'blk: {
                if yield_from!(pend(b)) > 0 {
                    break 'blk 7;
                }
                8
            };
            let d = 'blk2: {
                if k > 100 {
                    break 'blk2 1;
                }
                yield_from!(pend(c));
                2
            };
            a + b + c + d
        }
    }

    #[test]
    fn loop_while_while_let() {
        let (log, r, polls) = check_async(all_loops(4), native::all_loops(4));
        assert_eq!(log, ["top 3", "top 2", "top 1"]);
        assert_eq!(r, 1 + 2 + 3 + 30 + 10 + 2);
        assert_eq!(polls, 4 + 2 + 3 + 3 + 1);
    }

    #[test]
    fn for_over_vec_range_and_adapters() {
        let (log, r, polls) = check_async(fors(vec![5, 6]), native::fors(vec![5, 6]));
        assert_eq!(log, ["0: 10", "2: 16"]);
        assert_eq!((r, polls), (311, 8));
    }

    #[test]
    fn labelled_break_and_continue() {
        let (log, r, _) = check_async(labelled(4), native::labelled(4));
        assert_eq!(log, ["00", "10", "20", "22", "30"]);
        assert_eq!(r, 10 + 20 + 22 + 30);
    }

    #[test]
    fn break_and_continue_from_a_non_suspending_inner_loop() {
        let (log, r, polls) =
            check_async(jumps_from_native_code(6), native::jumps_from_native_code(6));
        assert_eq!((log, r, polls), (vec!["i 0".to_string()], 0, 2));
    }

    #[test]
    fn loop_exits_in_code_that_does_not_suspend() {
        // v: 1, 11, 21, 31 (> 30: break); total: 1 + 11 + 1 + 21 + 1 + 31 + 1.
        let r = check_async(
            borrow_across_a_loop_exit(30),
            native::borrow_across_a_loop_exit(30),
        )
        .1;
        assert_eq!(r, 67);
        let r = check_async(entry_then_continue(7), native::entry_then_continue(7)).1;
        assert_eq!(r, (1 + 2 + 3) + (1 + 2) + (11 + 12) + (3 + 2 + 12));
        let r = check_async(
            scrutinee_temporary_across_a_break(5),
            native::scrutinee_temporary_across_a_break(5),
        )
        .1;
        assert_eq!(r, 5 + 10 + 11 + 12 + 13);
        let r = check_async(
            exits_nested_in_place(150),
            native::exits_nested_in_place(150),
        )
        .1;
        assert_eq!(r, 300);
        let r = check_async(
            exit_in_a_for_loops_iterator(),
            native::exit_in_a_for_loops_iterator(),
        )
        .1;
        assert_eq!(r, 100 + (1 + 10) + 200 + (2 + 10) + 300);
        let r = check_async(
            exit_beside_a_hiding_binding(7),
            native::exit_beside_a_hiding_binding(7),
        )
        .1;
        assert_eq!(r, 7 + 300 + 600);
        let r = check_async(
            arms_leaving_the_loop(350),
            native::arms_leaving_the_loop(350),
        )
        .1;
        assert_eq!(r, 100 + 1 + 300 + 1);
    }

    #[test]
    fn break_with_value_and_labelled_blocks() {
        let (_, r, _) = check_async(break_values(1), native::break_values(1));
        assert_eq!(r, 30 + 31 + 7 + 2);
        let (_, r, _) = check_async(break_values(0), native::break_values(0));
        assert_eq!(r, 30 - 1 + 8 + 1);
    }
}

// A `for` over an `Option` built from a borrow of a local: `map` on an `Option` is no iterator
// adapter, so the loop keeps no borrow of the local across its suspension (it was refused as one,
// as `v.iter().map(..)` is). Written out rather than as twins: inside `async_twins!` the same
// function was accepted even before the fix, so a twin would not test it.
#[allow(for_loops_over_fallibles)]
mod loop_over_a_mapped_option {
    use super::*;

    #[coroutines::coroutine]
    fn mapped_first(v: Vec<i32>) -> i32 {
        let mut total = 0;
        for n in v.first().map(|x| *x + 1) {
            total += yield_from!(pend(n * 10));
        }
        total + v.len() as i32
    }

    async fn native(v: Vec<i32>) -> i32 {
        let mut total = 0;
        for n in v.first().map(|x| *x + 1) {
            total += pend(n * 10).await;
        }
        total + v.len() as i32
    }

    #[test]
    fn a_loop_over_an_option_keeps_no_borrow() {
        let (_, r, _) = check_async(mapped_first(vec![4, 5]), native(vec![4, 5]));
        assert_eq!(r, 50 + 2);
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

    async_twins! { $ #[coroutines::coroutine]
        fn return_in_loop(n: i32) -> i32 {
            let mut i = 0;
            loop {
                let r = yield_from!(pend(i * 10));
                if r >= n {
                    return r + i;
                }
                i += 1;
            }
        }

        fn return_in_match(x: Option<i32>) -> i32 {
            let w = match x {
                Some(v) => {
                    let r = yield_from!(pend(v));
                    if r > 5 {
                        return r * 100;
                    }
                    v
                }
                None => return yield_from!(pend(-1)) * 2,
            };
            yield_from!(pend(()));
            w
        }

        fn tries(a: &'static str, b: &'static str, c: i32) -> Result<i32, MyErr> {
            let x: i32 = a.parse()?;
            yield_from!(pend(()));
            let y: i32 = b.parse::<i32>()? + yield_from!(pend(x + 1));
            let z = checked(yield_from!(pend(c)))?;
            let w = yield_from!(pend(checked(z + 1)))?;
            Ok(x + y + z + w)
        }

        fn options(v: Vec<i32>) -> Option<i32> {
            let mut it = v.into_iter();
            let a = it.next()?;
            let b = yield_from!(pend(a));
            let c = it.next()?;
            let d = yield_from!(pend(Some(c).filter(|c| *c < 10)))?;
            Some(a + b + c + d + it.next()?)
        }
    }

    #[test]
    fn early_return_from_loops_and_match_arms() {
        let (_, r, polls) = check_async(return_in_loop(25), native::return_in_loop(25));
        assert_eq!((r, polls), (33, 5));
        assert_eq!(
            check_async(return_in_match(Some(4)), native::return_in_match(Some(4))).1,
            4
        );
        assert_eq!(
            check_async(return_in_match(Some(9)), native::return_in_match(Some(9))).1,
            900
        );
        assert_eq!(
            check_async(return_in_match(None), native::return_in_match(None)).1,
            -2
        );
    }

    #[test]
    fn question_mark_on_result_with_from() {
        let (_, r, polls) = check_async(tries("1", "2", 3), native::tries("1", "2", 3));
        assert_eq!((r, polls), (Ok(1 + 4 + 3 + 4), 5));
        let (_, r, polls) = check_async(tries("1", "2", 300), native::tries("1", "2", 300));
        assert_eq!((r, polls), (Err(MyErr("too big: 300".into())), 4));
        let (_, r, polls) = check_async(tries("1", "2", 250), native::tries("1", "2", 250));
        assert_eq!((r, polls), (Err(MyErr("too big: 251".into())), 5));
        let (_, r, polls) = check_async(tries("x", "2", 3), native::tries("x", "2", 3));
        assert_eq!(
            (r, polls),
            (Err(MyErr("parse: invalid digit found in string".into())), 1)
        );
        let (_, r, polls) = check_async(tries("1", "y", 3), native::tries("1", "y", 3));
        assert_eq!(
            (r, polls),
            (Err(MyErr("parse: invalid digit found in string".into())), 2)
        );
    }

    #[test]
    fn question_mark_on_option() {
        assert_eq!(
            check_async(options(vec![]), native::options(vec![])).1,
            None
        );
        assert_eq!(check_async(options(vec![1]), native::options(vec![1])).2, 2);
        assert_eq!(
            check_async(options(vec![1, 20, 3]), native::options(vec![1, 20, 3])).1,
            None
        );
        assert_eq!(
            check_async(options(vec![1, 2]), native::options(vec![1, 2])).1,
            None
        );
        let (_, r, polls) = check_async(options(vec![1, 2, 3]), native::options(vec![1, 2, 3]));
        assert_eq!((r, polls), (Some(1 + 1 + 2 + 2 + 3), 3));
    }
}

// =============================================================================================
// Suspensions inside larger expressions: Rust's left-to-right order, observed through a log.

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

    async_twins! { $ #[coroutines::coroutine]
        fn sub(n: i32) -> i32 {
            log(format!("sub {n} start"));
            let r = yield_from!(pend(n));
            log(format!("sub {n} end"));
            r + 100
        }

        fn logged(name: &'static str, v: i32) -> i32 {
            log(format!("{name} start"));
            yield_from!(pend(()));
            log(format!("{name} end"));
            v
        }

        // Statement forms (`out.push(..)`); the `let x = ..;` forms are in `mod let_forms` below.
        fn arithmetic_and_calls() -> i32 {
            let mut out = Vec::new();
            out.push(note("a", 1) + yield_from!(sub(2)));
            out.push(f2(note("x", 3), yield_from!(sub(4))));
            out.push(note("c0", 1) * yield_from!(logged("c1", 5)) - note("c2", 2));
            out.push(yield_from!(logged("d0", 6)) - note("d1", 1) * yield_from!(logged("d2", 7)));
            out.iter().sum()
        }

        fn methods() -> usize {
            let mut v = vec![note("v0", 0)];
            v.push(yield_from!(sub(5)));
            v.push(yield_from!(logged("p", 6)) + note("in push", 1));
            let len = yield_from!(sub(6)).to_string().len();
            v.push(vec![note("c0", 1), 2].into_iter().map(|x| x * 2).sum::<i32>() + yield_from!(logged("c1", 7)));
            log(format!("{v:?}"));
            v.len() + len
        }

        fn literals() -> i32 {
            let mut out = Vec::new();
            out.push(S { a: note("s.a", 1), b: yield_from!(sub(7)), c: note("s.c", 3) }.sum());
            out.push(tuple_sum((note("t0", 1), yield_from!(sub(8)), note("t2", 3))));
            out.push(array_sum([note("arr0", 1), yield_from!(sub(9)), note("arr2", 3)]));
            let rep = [yield_from!(logged("rep", 10)); 2];
            out.iter().sum::<i32>() + rep[0] + rep[1]
        }

        fn scrutinees() -> i32 {
            let m = match yield_from!(sub(10)) {
                110 => note("m arm 110", 1),
                _ => note("m arm _", 2),
            };
            let i = if yield_from!(sub(11)) > 150 { note("if then", 10) } else { note("if else", 20) };
            let j = if note("cond", true) && yield_from!(logged("rhs", 12)) > 0 { 1 } else { 2 };
            m + i + j
        }

        fn short_circuit(a: bool, b: bool) -> i32 {
            let and = flag("and lhs", a) && yield_from!(logged("and rhs", 1)) > 0 && flag("and rhs2", true);
            let or = flag("or lhs", b) || yield_from!(logged("or rhs", 0)) > 0 || flag("or rhs2", false);
            let nested = (flag("n1", a) || yield_from!(logged("n1 rhs", 1)) > 0)
                && (flag("n2", b) && yield_from!(logged("n2 rhs", 1)) > 0);
            if flag("if lhs", a) && yield_from!(sub(5)) > 0 {
                log("if body");
            }
            (and as i32) + 10 * (or as i32) + 100 * (nested as i32)
        }

        fn in_macros() -> String {
            println!("{} {}", note("p0", 1), yield_from!(logged("p1", 1)));
            let mut parts = Vec::new();
            parts.push(format!("{}-{}-{x}", note("f0", 1), yield_from!(sub(2)), x = note("f2", 3)));
            parts.push(format!("{:?}", vec![note("v0", 0), yield_from!(logged("v1", 3)), note("v2", 2)]));
            assert_eq!(note("ae0", 4), yield_from!(logged("ae1", 4)));
            assert!(yield_from!(logged("a", 5)) > 0, "{}", note("never", 1));
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
            let t = format!("{}-{}", s, yield_from!(logged("t", s.len() as i32 + n)));
            println!("{} {}", s, yield_from!(logged("p", 2)));
            write!(out, "{}{}", s, yield_from!(logged("w", 3))).unwrap();
            assert_eq!(s, format!("a{}", if yield_from!(logged("a", 4)) > 0 { "b" } else { "c" }));
            let named = format!("{x}/{y}", x = s, y = yield_from!(logged("n", 5)));
            // Through a reference kept across suspension points: read there, not moved out.
            let r = &s;
            let through = format!("{}{}", *r, yield_from!(logged("r", 6)));
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
                buf[i * 3 + 1] += yield_from!(logged("c1", 1)) + n;
                grid[r + i][c - i].0 -= yield_from!(logged("c2", 2));
            }
            buf.iter().sum::<i32>() + grid[0][2].0 + grid[1][1].0 + grid[1][1].1
        }

        // A place indexed by a local that a later operand changes before it suspends: the
        // index is read where the operand stands, as Rust reads it (`v[i]` is the element at
        // the old `i`), whether the place is an argument, a receiver or a formatted argument.
        // (Not the base of another index, `m[j][{ j += 1; f().await }]`: rustc 1.95's own
        // `async fn` reads uninitialised memory there in a debug build, so it cannot be the
        // oracle; the generator flavour's test covers that shape.)
        fn indices_read_before_a_later_operand(start: usize) -> String {
            let v = [10, 20, 30, 40];
            let names = vec![String::from("a"), String::from("bb"), String::from("ccc")];
            let (mut i, mut k) = (start, start);
            let call = f2(v[i], { i += 1; yield_from!(logged("i1", 1)) });
            let receiver = v[i].wrapping_add({ i += 1; yield_from!(logged("i2", 2)) });
            let formatted = format!("{}/{}", names[k], { k += 1; yield_from!(logged("i4", 4)) });
            format!("{call} {receiver} {formatted} {i}{k}")
        }

        fn compound_assignment(n: i32) -> i32 {
            let mut total = n;
            total += yield_from!(logged("t1", 1));
            total -= yield_from!(sub(2));
            total *= if yield_from!(logged("t3", 3)) > 0 { 2 } else { 3 };
            let mut arr = [0, 0];
            arr[1] += yield_from!(logged("arr", 4));
            let mut s = S { a: 1, b: 2, c: 3 };
            s.b += yield_from!(logged("s.b", 5));
            total + arr[0] + arr[1] + s.a + s.b + s.c
        }
    }

    #[test]
    fn binary_operators_and_call_arguments() {
        let (log, r, polls) = check_async(arithmetic_and_calls(), native::arithmetic_and_calls());
        assert_eq!(
            log,
            [
                "a",
                "sub 2 start",
                "sub 2 end", //
                "x",
                "sub 4 start",
                "sub 4 end",
                "call f2", //
                "c0",
                "c1 start",
                "c1 end",
                "c2", //
                "d0 start",
                "d0 end",
                "d1",
                "d2 start",
                "d2 end",
            ]
        );
        assert_eq!(r, 103 + 3104 + 3 + (6 - 7));
        assert_eq!(polls, 6);
    }

    #[test]
    fn method_calls_on_and_with_suspensions() {
        let (log, r, _) = check_async(methods(), native::methods());
        assert_eq!(
            log,
            [
                "v0",
                "sub 5 start",
                "sub 5 end",
                "p start",
                "p end",
                "in push",
                "sub 6 start",
                "sub 6 end",
                "c0",
                "c1 start",
                "c1 end",
                "[0, 105, 7, 13]"
            ]
        );
        assert_eq!(r, 4 + 3);
    }

    #[test]
    fn struct_tuple_and_array_literals() {
        let (log, r, _) = check_async(literals(), native::literals());
        assert_eq!(
            log,
            [
                "s.a",
                "sub 7 start",
                "sub 7 end",
                "s.c", //
                "t0",
                "sub 8 start",
                "sub 8 end",
                "t2", //
                "arr0",
                "sub 9 start",
                "sub 9 end",
                "arr2", //
                "rep start",
                "rep end",
            ]
        );
        assert_eq!(r, (1 + 107 + 3) + (1 + 108 + 3) + (1 + 109 + 3) + 20);
    }

    #[test]
    fn match_and_if_on_a_suspension() {
        let (log, r, _) = check_async(scrutinees(), native::scrutinees());
        assert_eq!(
            log,
            [
                "sub 10 start",
                "sub 10 end",
                "m arm 110",
                "sub 11 start",
                "sub 11 end",
                "if else",
                "cond",
                "rhs start",
                "rhs end"
            ]
        );
        assert_eq!(r, 1 + 20 + 1);
    }

    #[test]
    fn short_circuit_skips_the_suspending_side() {
        let (log, r, polls) = check_async(
            short_circuit(false, true),
            native::short_circuit(false, true),
        );
        assert_eq!(
            log,
            [
                "and lhs",
                "or lhs",
                "n1",
                "n1 rhs start",
                "n1 rhs end",
                "n2",
                "n2 rhs start",
                "n2 rhs end",
                "if lhs"
            ]
        );
        assert_eq!((r, polls), (10 + 100, 3));
        let (log, r, polls) = check_async(
            short_circuit(true, false),
            native::short_circuit(true, false),
        );
        assert_eq!(
            log,
            [
                "and lhs",
                "and rhs start",
                "and rhs end",
                "and rhs2",
                "or lhs",
                "or rhs start",
                "or rhs end",
                "or rhs2",
                "n1",
                "n2",
                "if lhs",
                "sub 5 start",
                "sub 5 end",
                "if body"
            ]
        );
        assert_eq!((r, polls), (1, 4));
    }

    #[test]
    fn formatting_macros_borrow_their_arguments() {
        let (log, r, _) = check_async(
            formatted_locals_stay_usable(1),
            native::formatted_locals_stay_usable(1),
        );
        let steps = ["t", "p", "w", "a", "n", "r"];
        let expected: Vec<String> = steps
            .iter()
            .flat_map(|step| [format!("{step} start"), format!("{step} end")])
            .collect();
        assert_eq!(log, expected);
        assert_eq!(r, "ab-3 ab3 ab/5 ab6 2");
    }

    #[test]
    fn compound_assignments_to_computed_places() {
        let (log, r, _) = check_async(
            compound_assignment_to_computed_places(1),
            native::compound_assignment_to_computed_places(1),
        );
        assert_eq!(log.len(), 8);
        // buf[1] = buf[4] = 1 + 1; grid[0][2].0 = grid[1][1].0 = -2
        assert_eq!(r, 2 + 2 - 2 - 2);
    }

    #[test]
    fn indices_are_read_before_later_operands_change_them() {
        let (log, r, _) = check_async(
            indices_read_before_a_later_operand(0),
            native::indices_read_before_a_later_operand(0),
        );
        assert_eq!(
            log,
            ["i1 start", "i1 end", "call f2", "i2 start", "i2 end", "i4 start", "i4 end"]
        );
        assert_eq!(r, "10001 22 a/4 21");
    }

    #[test]
    fn suspensions_inside_std_macros() {
        let (log, r, _) = check_async(in_macros(), native::in_macros());
        assert_eq!(
            log,
            [
                "p0",
                "p1 start",
                "p1 end",
                "f0",
                "sub 2 start",
                "sub 2 end",
                "f2",
                "v0",
                "v1 start",
                "v1 end",
                "v2",
                "ae0",
                "ae1 start",
                "ae1 end",
                "a start",
                "a end",
            ]
        );
        assert_eq!(r, "1-102-3 [0, 3, 2]");
    }

    #[test]
    fn compound_assignment_with_suspending_right_side() {
        let (_, r, polls) = check_async(compound_assignment(1), native::compound_assignment(1));
        // total = 1 + 1 - 102 = -100, * 2 = -200; arr[1] = 4; s.b = 7
        assert_eq!((r, polls), (-200 + 4 + 1 + 7 + 3, 6));
    }

    /// The same code with `let` bindings: a `let` whose initializer spills operands before a
    /// suspension (once BUG A: E0425 "cannot find value `__tempN`").
    mod let_forms {
        use super::*;

        async_twins! { $ #[coroutines::coroutine]
            fn sub(n: i32) -> i32 {
                log(format!("sub {n} start"));
                let r = yield_from!(pend(n));
                log(format!("sub {n} end"));
                r + 100
            }

            fn logged(name: &'static str, v: i32) -> i32 {
                log(format!("{name} start"));
                yield_from!(pend(()));
                log(format!("{name} end"));
                v
            }

            fn arithmetic_and_calls() -> i32 {
                let a = note("a", 1) + yield_from!(sub(2));
                let b = f2(note("x", 3), yield_from!(sub(4)));
                let c = note("c0", 1) * yield_from!(logged("c1", 5)) - note("c2", 2);
                let d = yield_from!(logged("d0", 6)) - note("d1", 1) * yield_from!(logged("d2", 7));
                a + b + c + d
            }

            fn methods() -> usize {
                let mut v = vec![note("v0", 0)];
                v.push(yield_from!(sub(5)));
                v.push(yield_from!(logged("p", 6)) + note("in push", 1));
                let len = yield_from!(sub(6)).to_string().len();
                let chained = vec![note("c0", 1), 2].into_iter().map(|x| x * 2).sum::<i32>() + yield_from!(logged("c1", 7));
                v.push(chained);
                log(format!("{v:?}"));
                v.len() + len
            }

            fn literals() -> i32 {
                let s = S { a: note("s.a", 1), b: yield_from!(sub(7)), c: note("s.c", 3) };
                let t = (note("t0", 1), yield_from!(sub(8)), note("t2", 3));
                let arr = [note("arr0", 1), yield_from!(sub(9)), note("arr2", 3)];
                let rep = [yield_from!(logged("rep", 10)); 2];
                s.sum() + tuple_sum(t) + array_sum(arr) + rep[0] + rep[1]
            }

            fn in_macros() -> String {
                println!("{} {}", note("p0", 1), yield_from!(logged("p1", 1)));
                let s = format!("{}-{}-{x}", note("f0", 1), yield_from!(sub(2)), x = note("f2", 3));
                let v = vec![note("v0", 0), yield_from!(logged("v1", 3)), note("v2", 2)];
                assert_eq!(note("ae0", 4), yield_from!(logged("ae1", 4)));
                assert!(yield_from!(logged("a", 5)) > 0, "{}", note("never", 1));
                format!("{s} {v:?}")
            }
        }

        #[test]
        fn same_as_the_statement_forms() {
            let a = check_async(arithmetic_and_calls(), native::arithmetic_and_calls());
            let b = check_async(
                super::arithmetic_and_calls(),
                super::native::arithmetic_and_calls(),
            );
            assert_eq!(a, b);
            let a = check_async(methods(), native::methods());
            let b = check_async(super::methods(), super::native::methods());
            assert_eq!(a, b);
            let a = check_async(literals(), native::literals());
            let b = check_async(super::literals(), super::native::literals());
            assert_eq!(a, b);
            let a = check_async(in_macros(), native::in_macros());
            let b = check_async(super::in_macros(), super::native::in_macros());
            assert_eq!(a, b);
        }
    }
}

// =============================================================================================
// Blocks and `unsafe`.

mod blocks {
    use super::*;

    async_twins! { $ #[coroutines::coroutine]
        fn nested(n: i32) -> i32 {
            let a = {
                let b = {
                    let c = yield_from!(pend(n));
                    c + 1
                };
                yield_from!(pend(()));
                b * 2
            };
            {
                {
                    yield_from!(pend(()));
                }
                let d = a + 1;
                {
                    log(format!("d {}", yield_from!(pend(d))));
                }
            }
            a
        }

        fn items_and_borrowed_values(n: i32) -> String {
            use std::fmt::Write;
            #[derive(Debug)]
            struct Tagged(i32);
            const BASE: i32 = 1000;
            fn tag(v: i32) -> Tagged {
                Tagged(v + BASE)
            }
            let mut out = String::new();
            let kept = &yield_from!(pend(tag(n)));
            let counted = &mut vec![yield_from!(pend(n + 1))];
            counted.push(yield_from!(pend(kept.0)));
            write!(out, "{kept:?} {counted:?}").unwrap();
            out
        }

        fn operands_changed_after_suspending(n: i32) -> i32 {
            let mut x = n;
            let sum = x + { yield_from!(pend(())); x = 10; 1 };
            let by_value = x.wrapping_mul({ x = yield_from!(pend(20)); 2 });
            let pair = (n, n + 1);
            let (ref a, _) = pair;
            let through_ref = *a + yield_from!(pend(3));
            let swapped = x - { std::mem::swap(&mut x, &mut yield_from!(pend(30))); 0 };
            log(format!("{sum} {by_value} {through_ref} {swapped} {x}"));
            sum + by_value + through_ref + swapped + x
        }

        fn unsafe_blocks(v: Vec<i32>) -> i32 {
            let x = unsafe {
                let first = *v.get_unchecked(0);
                let r = yield_from!(pend(first));
                first + r + *v.get_unchecked(1)
            };
            let y = unsafe { *v.get_unchecked(yield_from!(pend(1usize))) };
            x + y
        }
    }

    #[test]
    fn nested_blocks() {
        let (log, r, polls) = check_async(nested(3), native::nested(3));
        assert_eq!((log, r, polls), (vec!["d 9".to_string()], 8, 5));
    }

    /// Items are seen after a suspension point; `let r = &value` of a value that suspends lives
    /// across later ones, for `&` and `&mut`.
    #[test]
    fn items_and_borrows_of_suspended_values() {
        let (_, r, polls) = check_async(
            items_and_borrowed_values(4),
            native::items_and_borrowed_values(4),
        );
        assert_eq!((r.as_str(), polls), ("Tagged(1004) [5, 1004]", 4));
    }

    /// Operands are read left to right, as the native `async fn` reads them, even when a later
    /// operand changes them after suspending.
    #[test]
    fn operands_read_before_later_operands_change_them() {
        let (log, r, polls) = check_async(
            operands_changed_after_suspending(4),
            native::operands_changed_after_suspending(4),
        );
        // sum 4 + 1; by_value 10 * 2, x = 20; through_ref 4 + 3; swapped 20 - 0, x = 30
        assert_eq!(log, ["5 20 7 20 30"]);
        assert_eq!((r, polls), (5 + 20 + 7 + 20 + 30, 5));
    }

    #[test]
    fn unsafe_block_containing_a_suspension() {
        let (_, r, polls) =
            check_async(unsafe_blocks(vec![5, 6]), native::unsafe_blocks(vec![5, 6]));
        assert_eq!((r, polls), (5 + 5 + 6 + 6, 3));
    }
}

// =============================================================================================
// Delegation: awaiting other coroutines (depth 3), `IntoFuture`, `async` blocks, std futures.

mod delegation {
    use super::*;

    /// A future made from a borrow that it does not keep.
    pub fn counted(items: &[i32]) -> impl Future<Output = i32> + 'static {
        let n = items.len() as i32;
        pend(n)
    }

    async_twins! { $ #[coroutines::coroutine]
        fn leaf(tag: i32) -> i32 {
            log(format!("leaf {tag} start"));
            let a = yield_from!(pend(tag));
            let b = yield_from!(pend(a + 1));
            log(format!("leaf {tag} end"));
            a + b
        }

        fn mid(tag: i32) -> i32 {
            let x = yield_from!(pend(tag * 10));
            let r = yield_from!(leaf(x));
            let r2 = yield_from!(leaf(r));
            x + r + r2
        }

        // What the macro refuses in the awaitee itself (a non-`move` `async` block naming a
        // local, a call lent a local the body owns: see `tests/ui/awaitee-borrows-a-local.rs`)
        // has these two spellings, which work.
        fn awaitees_that_keep_no_borrow(seed: i32) -> i32 {
            let items = vec![seed, seed + 1];
            let counting = counted(&items);
            let n = yield_from!(counting);
            let shown = items.clone();
            let m = yield_from!(async move { shown.iter().sum::<i32>() + seed });
            n + m + items.len() as i32
        }

        fn top() -> i32 {
            let r = yield_from!(mid(1));
            let s = yield_from!(async { 5 });
            let t = yield_from!(std::future::ready(6));
            r + s + t + yield_from!(mid(2))
        }
    }

    #[test]
    fn delegation_chain_of_depth_three() {
        let (log, r, polls) = check_async(top(), native::top());
        assert_eq!(
            log,
            [
                "leaf 10 start",
                "leaf 10 end",
                "leaf 21 start",
                "leaf 21 end",
                "leaf 20 start",
                "leaf 20 end",
                "leaf 41 start",
                "leaf 41 end"
            ]
        );
        // mid(1): x = 10, r = 21, r2 = 43: 74; mid(2): 20 + 41 + 83 = 144
        assert_eq!(r, 74 + 5 + 6 + 144);
        assert_eq!(polls, 11);
    }

    #[test]
    fn awaitees_made_from_borrows_they_do_not_keep() {
        let (_, r, polls) = check_async(
            awaitees_that_keep_no_borrow(4),
            native::awaitees_that_keep_no_borrow(4),
        );
        // n = 2; m = 4 + 5 + 4 = 13; 2 items
        assert_eq!((r, polls), (2 + 13 + 2, 2));
    }

    /// A type that is not a future but `IntoFuture`.
    pub struct Later(pub u32);
    impl IntoFuture for Later {
        type Output = u32;
        type IntoFuture = Pend<u32>;
        fn into_future(self) -> Pend<u32> {
            pend(self.0 * 2)
        }
    }

    /// A `!Unpin` hand-written future that checks it is not moved between polls.
    pub struct AddressCheck {
        addr: usize,
        _pin: std::marker::PhantomPinned,
    }
    impl Future for AddressCheck {
        type Output = &'static str;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
            // SAFETY: only reading and writing a plain field; nothing is moved out.
            let this = unsafe { self.get_unchecked_mut() };
            let here = this as *const Self as usize;
            if this.addr == 0 {
                this.addr = here;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            assert_eq!(this.addr, here, "a pinned future was moved between polls");
            Poll::Ready("stayed")
        }
    }

    #[coroutines::coroutine]
    fn awaits_into_future_and_not_unpin() -> (u32, &'static str, u32) {
        let a = yield_from!(Later(21));
        let local = String::from("moves");
        let b = yield_from!(AddressCheck {
            addr: 0,
            _pin: std::marker::PhantomPinned
        });
        let c = yield_from!(async { yield_from_helper().await });
        (a, b, c + local.len() as u32)
    }

    async fn yield_from_helper() -> u32 {
        pend(1).await
    }

    #[test]
    fn into_future_async_blocks_and_pinned_futures() {
        let (r, polls) = block_on(awaits_into_future_and_not_unpin());
        assert_eq!(r, (42, "stayed", 6));
        assert_eq!(polls, 4);
    }

    #[coroutines::coroutine]
    fn no_suspension(x: u32) -> u32 {
        x + 1
    }

    #[coroutines::coroutine]
    fn awaits_only_ready() -> u32 {
        yield_from!(no_suspension(1)) + yield_from!(std::future::ready(10))
    }

    #[test]
    fn completes_in_one_poll_when_nothing_is_pending() {
        assert_eq!(block_on(awaits_only_ready()), (12, 1));
    }

    #[test]
    fn works_with_the_futures_style_poll_loop_and_nested_native_async() {
        // A native async fn awaiting our coroutine, and our coroutine awaiting a native one.
        async fn native_outer() -> i32 {
            top().await + 1
        }
        let (r, polls) = block_on(native_outer());
        assert_eq!((r, polls), (74 + 5 + 6 + 144 + 1, 11));
    }
}

// =============================================================================================
// Generic fns, `impl Trait` and reference arguments, methods, trait impls, closures.

mod signatures {
    use super::*;
    use std::fmt::Debug;

    #[coroutines::coroutine]
    fn generic<'a, T, U>(items: &'a [T], extra: U) -> Vec<T>
    where
        T: Clone + Debug + 'a,
        U: IntoIterator<Item = T>,
    {
        let mut out = Vec::new();
        for item in items {
            out.push(yield_from!(pend(item.clone())));
        }
        for e in extra {
            out.push(yield_from!(pend(e)));
        }
        out
    }

    #[test]
    fn generic_fn_with_lifetimes_and_where_clause() {
        let items = ["a".to_string(), "b".to_string()];
        let (r, polls) = block_on(generic(&items, vec!["c".to_string()]));
        assert_eq!(
            (r, polls),
            (vec!["a".to_string(), "b".to_string(), "c".to_string()], 4)
        );
        assert_eq!(block_on(generic(&[1u8], 2..4)), (vec![1, 2, 3], 4));
    }

    #[coroutines::coroutine]
    fn impl_trait_arg(
        it: impl Iterator<Item = i32>,
        f: impl Fn(i32) -> i32,
        fut: impl Future<Output = i32>,
    ) -> i32 {
        let mut sum = yield_from!(fut);
        for x in it {
            sum += yield_from!(pend(f(x)));
        }
        sum
    }

    #[test]
    fn impl_trait_arguments() {
        let (r, polls) = block_on(impl_trait_arg(
            [1, 2, 3].into_iter(),
            |x| x * 10,
            pend(1000),
        ));
        assert_eq!((r, polls), (1060, 5));
    }

    #[coroutines::coroutine]
    fn reference_args(s: &str, out: &mut Vec<String>) -> usize {
        out.push(s.to_uppercase());
        yield_from!(pend(()));
        for word in s.split(' ') {
            out.push(yield_from!(pend(word.to_string())));
        }
        out.retain(|w| w != "b");
        out.len()
    }

    #[test]
    fn reference_arguments_mutated_across_suspensions() {
        let mut out = vec!["start".to_string()];
        let text = String::from("a b c");
        let (r, polls) = block_on(reference_args(&text, &mut out));
        assert_eq!((r, polls), (4, 5));
        assert_eq!(out, ["start", "A B C", "a", "c"]);
    }

    pub struct Acc {
        pub total: u32,
        pub name: String,
    }

    impl Acc {
        #[coroutines::coroutine]
        fn by_value(self, times: u32) -> String {
            let mut name = self.name;
            for i in 0..times {
                name.push_str(&yield_from!(pend(i)).to_string());
            }
            name
        }

        #[coroutines::coroutine]
        fn by_ref(&self) -> usize {
            yield_from!(pend(()));
            self.name.len() + self.total as usize
        }

        #[coroutines::coroutine]
        fn by_mut(&mut self, adds: Vec<u32>) -> u32 {
            for add in adds {
                self.total += yield_from!(pend(add));
            }
            self.name.push('!');
            self.total
        }

        #[coroutines::coroutine]
        fn generic_method<T: Into<u32> + Copy>(&self, xs: Vec<T>) -> u32 {
            let mut s = self.total;
            for x in xs {
                s += yield_from!(pend(x.into()));
            }
            s
        }
    }

    #[test]
    fn inherent_methods_self_ref_mut() {
        let mut acc = Acc {
            total: 10,
            name: "acc".into(),
        };
        assert_eq!(block_on(acc.by_ref()), (13, 2));
        assert_eq!(block_on(acc.generic_method(vec![1u8, 2])), (13, 3));
        assert_eq!(block_on(acc.by_mut(vec![5, 7])), (22, 3));
        assert_eq!((acc.total, acc.name.as_str()), (22, "acc!"));
        assert_eq!(block_on(acc.by_value(2)), ("acc!01".to_string(), 3));
    }

    pub trait Fetch {
        fn fetch(&self) -> impl Future<Output = u32>;
        fn fetch_mut(&mut self, by: u32) -> impl Future<Output = ()>;
        fn into_fetch(self) -> impl Future<Output = String>;
    }

    impl Fetch for Acc {
        #[coroutines::coroutine]
        fn fetch(&self) -> u32 {
            yield_from!(pend(self.total)) + 1
        }

        #[coroutines::coroutine]
        fn fetch_mut(&mut self, by: u32) {
            self.total += yield_from!(pend(by));
        }

        #[coroutines::coroutine]
        fn into_fetch(self) -> String {
            yield_from!(pend(()));
            self.name
        }
    }

    #[test]
    fn trait_methods_returning_impl_future() {
        let mut acc = Acc {
            total: 1,
            name: "n".into(),
        };
        assert_eq!(block_on(acc.fetch()), (2, 2));
        assert_eq!(block_on(acc.fetch_mut(41)), ((), 2));
        assert_eq!(acc.total, 42);
        assert_eq!(block_on(acc.into_fetch()), ("n".to_string(), 2));
    }

    async_twins! { $ #[coroutines::coroutine]
        fn closures(n: i32) -> i32 {
            let base = yield_from!(pend(n));
            let add = |x: i32| x + base;
            let a = add(1);
            yield_from!(pend(()));
            let owned = String::from("abc");
            let f = move || owned.len() as i32;
            let g = yield_from!(pend(f()));
            let parse = |s: &str| -> Result<i32, std::num::ParseIntError> { Ok(s.parse::<i32>()? + 1) };
            let p = parse("41").unwrap_or(0) + parse("x").unwrap_or(-1000);
            yield_from!(pend(()));
            f() + a + p + g
        }
    }

    #[test]
    fn closure_capturing_locals() {
        let (_, r, polls) = check_async(closures(1), native::closures(1));
        assert_eq!((r, polls), (3 + 2 - 958 + 3, 5));
    }
}

// =============================================================================================
// Panics: polling after completion and after a panic.

mod panics {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::task::Waker;

    fn panic_message(e: Box<dyn std::any::Any + Send>) -> String {
        if let Some(s) = e.downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = e.downcast_ref::<String>() {
            s.clone()
        } else {
            "<non-string panic>".into()
        }
    }

    #[coroutines::coroutine]
    fn may_panic(n: u32) -> u32 {
        let a = yield_from!(pend(n));
        if a == 13 {
            panic!("unlucky {a}");
        }
        a
    }

    #[test]
    fn poll_after_completion_panics() {
        let mut f = pin!(may_panic(5));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Ready(5));
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after completion");
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after completion");
    }

    #[test]
    fn poll_after_panic_panics() {
        let mut f = pin!(may_panic(13));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Pending);
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "unlucky 13");
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
    }

    #[coroutines::coroutine]
    fn awaits_may_panic() -> u32 {
        yield_from!(pend(()));
        yield_from!(may_panic(13)) + 1
    }

    #[test]
    fn panic_in_an_awaited_coroutine_poisons_the_awaiter() {
        let mut f = pin!(awaits_may_panic());
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Pending);
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "unlucky 13");
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "`#[coroutine]` resumed after panicking");
    }

    #[test]
    fn panic_on_the_first_poll_poisons() {
        let mut f = pin!(may_panic(0));
        let mut cx = Context::from_waker(Waker::noop());
        // make the leaf panic on its first poll: a `Pend` whose value was taken
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Ready(0));
        #[coroutines::coroutine]
        fn first_poll_panics(x: u32) -> u32 {
            assert!(x > 0, "zero");
            yield_from!(pend(x))
        }
        let mut f = pin!(first_poll_panics(0));
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
        assert_eq!(panic_message(e), "zero");
        let e = catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))).unwrap_err();
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

    /// Compiles only if the expression's type is not `Send` (when it is, `A` is ambiguous).
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

    #[coroutines::coroutine]
    fn send_only(n: usize) -> Vec<String> {
        let mut v = Vec::new();
        for i in 0..n {
            let s = yield_from!(pend(i.to_string()));
            v.push(s);
        }
        v
    }

    #[coroutines::coroutine]
    fn holds_rc_across_await() -> i32 {
        let rc = Rc::new(5);
        yield_from!(pend(()));
        *rc
    }

    #[coroutines::coroutine]
    fn rc_dropped_before_await() -> i32 {
        {
            let rc = Rc::new(5);
            let _ = *rc;
        }
        yield_from!(pend(2))
    }

    #[coroutines::coroutine]
    fn awaits_an_async_block() -> u32 {
        yield_from!(async { 1 })
    }

    #[test]
    fn send_when_the_state_is_send() {
        let f = send_only(2);
        assert_send(&f);
        assert_unpin(&f);
        assert_send(&rc_dropped_before_await());
        assert_send(&awaits_an_async_block());
        let out = std::thread::spawn(move || block_on(f)).join().unwrap();
        assert_eq!(out, (vec!["0".to_string(), "1".to_string()], 3));
    }

    #[test]
    fn not_send_when_an_rc_is_live_across_a_suspension() {
        assert_not_send!(holds_rc_across_await());
        assert_eq!(block_on(holds_rc_across_await()), (5, 2));
    }

    #[test]
    fn not_unpin_when_awaiting_an_async_block() {
        assert_not_unpin!(awaits_an_async_block());
        assert_unpin(&holds_rc_across_await());
    }
}

// =============================================================================================
// Regression tests for bugs this suite found (the letters are the report's).

mod regressions {
    use super::*;

    async_twins! { $ #[coroutines::coroutine]
        // BUG G: the parentheses around a suspending receiver were dropped.
        fn paren_receiver() -> i32 {
            (yield_from!(pend(0)) - 5i32).abs() + (yield_from!(pend(0i32)) + 1).pow(2)
        }

        // BUG C: E0382 "borrow of moved value: `v`".
        fn if_value_uses_outer_vec(c: bool) -> usize {
            let v = vec![1, 2];
            if c {
                yield_from!(pend(()));
                v.len()
            } else {
                0
            }
        }

        // BUG J: a whole-local borrow across a suspension failed with E0521.
        fn whole_local_borrows(n: i32) -> usize {
            let mut v = vec![n, 2];
            let r = &v;
            let k0 = r.len();
            yield_from!(pend(()));
            let k = r.len() + k0;
            let m = &mut v;
            m.push(3);
            yield_from!(pend(()));
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
            m.push(yield_from!(pend(1)));
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
            buffer.push(yield_from!(pend(2)));
            copy.push(*len as i32);
            yield_from!(pend(3));
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

        // BUG N: a diverging last statement without a tail: E0308.
        fn diverging_last_statement(fail: bool) -> i32 {
            let r = yield_from!(pend(7));
            if !fail {
                return r;
            }
            panic_quietly();
        }

        // BUG V (a regression in 9f9e216): a name shadowed inside a block that uses a
        // non-`Copy` outer local failed with E0382 "borrow of moved value: `log`".
        fn shadow_inside_block(log: Vec<i32>) -> usize {
            let _a = 1;
            yield_from!(pend(()));
            {
                let _a = log.len();
                yield_from!(pend(()));
            }
            log.len()
        }

        // BUG S: a whole-local borrow not used before the suspension it crosses got a spurious
        // `unused_variables` warning (an error under `deny(warnings)`).
        fn borrow_first_used_after_the_suspension() -> usize {
            let mut v = vec![1];
            let r = &v;
            yield_from!(pend(()));
            let n = r.len();
            let m = &mut v;
            m.push(yield_from!(pend(2)));
            n + v.len()
        }

        // BUG I: parentheses around an operand spilled before a suspension got an
        // `unused_parens` warning.
        fn parenthesized_operand(b: i32) -> i32 {
            let mut v = 0;
            v += (b + 1) * yield_from!(pend(b));
            v
        }

        // BUG M: `let mut sum = yield_from!(..);` then `sum += yield_from!(..);` got a spurious
        // `unused_mut` warning.
        fn mut_initialized_by_a_suspension() -> i32 {
            let mut sum = yield_from!(pend(1));
            sum += yield_from!(pend(2));
            sum
        }
    }

    // A deferred initialisation (`let n;` assigned after a suspension, once BUG H) is supported
    // where each assignment after the suspension is a statement of its own (`bindings::
    // deferred_initialisation`), a compile error elsewhere:
    // `tests/ui/deferred-initialisation-across-suspension.rs`.

    // BUG L: the attribute written inside a `macro_rules!` body, on a body that comes from the
    // caller, failed with E0425 "cannot find value `__cx`" at every `yield_from!`. (The twin
    // macros write their attribute this way too.)
    macro_rules! coroutine_with_body {
        ($name:ident $body:block) => {
            #[coroutines::coroutine]
            fn $name() -> i32 $body
        };
    }

    coroutine_with_body!(awaits_in_macro {
        let a = yield_from!(pend(1));
        a + yield_from!(if_value_uses_outer_vec(true)) as i32
    });

    pub fn panic_quietly() -> ! {
        std::panic::resume_unwind(Box::new("quiet"))
    }

    #[test]
    fn parenthesized_receiver_keeps_its_parentheses() {
        let (_, r, polls) = check_async(paren_receiver(), native::paren_receiver());
        assert_eq!((r, polls), (6, 3));
    }

    #[test]
    fn if_value_using_an_outer_local() {
        let (_, r, polls) = check_async(
            if_value_uses_outer_vec(true),
            native::if_value_uses_outer_vec(true),
        );
        assert_eq!((r, polls), (2, 2));
    }

    #[test]
    fn borrow_of_a_whole_local_across_a_suspension() {
        let (_, r, polls) = check_async(whole_local_borrows(1), native::whole_local_borrows(1));
        assert_eq!((r, polls), (8, 3));
    }

    #[test]
    fn borrows_of_ref_bindings_and_temporaries_across_a_suspension() {
        let (_, r, polls) = check_async(
            borrows_of_ref_bindings_and_temporaries(5),
            native::borrows_of_ref_bindings_and_temporaries(5),
        );
        // buffer 5 + 2, text 1, copy 5 + 1 + 2, pair 6, wrapped 5, -5, 7, v.len() 2
        assert_eq!((r, polls), (7 + 1 + 8 + 6 + 5 - 5 + 7 + 2 + 2 + 7, 4));
    }

    #[test]
    fn shadowing_inside_a_block() {
        let (_, r, polls) = check_async(
            shadow_inside_block(vec![1, 2]),
            native::shadow_inside_block(vec![1, 2]),
        );
        assert_eq!((r, polls), (2, 3));
    }

    #[test]
    fn whole_local_borrow_first_used_after_the_suspension() {
        let (_, r, polls) = check_async(
            borrow_first_used_after_the_suspension(),
            native::borrow_first_used_after_the_suspension(),
        );
        assert_eq!((r, polls), (3, 3));
    }

    #[test]
    fn parenthesized_operand_before_a_suspension() {
        let (_, r, polls) = check_async(parenthesized_operand(1), native::parenthesized_operand(1));
        assert_eq!((r, polls), (2, 2));
    }

    #[test]
    fn mutable_local_initialized_by_a_suspension() {
        let (_, r, polls) = check_async(
            mut_initialized_by_a_suspension(),
            native::mut_initialized_by_a_suspension(),
        );
        assert_eq!((r, polls), (3, 3));
    }

    #[test]
    fn attribute_inside_macro_rules() {
        assert_eq!(block_on(awaits_in_macro()), (3, 3));
    }

    #[test]
    fn diverging_tail_statement() {
        let (_, r, _) = check_async(
            diverging_last_statement(false),
            native::diverging_last_statement(false),
        );
        assert_eq!(r, 7);
        let f = diverging_last_statement(true);
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| block_on(f))).is_err());
    }
}

// =============================================================================================
// Parameters whose values are never read.

/// Parameters given new values after a suspension point, their first values never read: no
/// state keeps them, and each new value keeps its parameter's type (`x` stays a `u8`).
#[coroutines::coroutine]
fn parameters_replaced_after_a_suspension(mut x: u8, mut label: String) -> i32 {
    let first = yield_from!(pend(100u8));
    x = 200;
    label = String::from("new");
    x.wrapping_add(first) as i32 + label.len() as i32
}

#[test]
fn parameters_replaced_after_a_suspension_keep_their_types() {
    // 200 + 100 wraps to 44 in `u8` (it would be 300 in an `i32`), plus 3 for "new".
    assert_eq!(
        block_on(parameters_replaced_after_a_suspension(
            3,
            String::from("old")
        )),
        (47, 2)
    );
}

// =============================================================================================
// Immutable locals given their one value on different paths around suspensions.

mod assigned_once {
    use super::*;

    async_twins! { $ #[coroutines::coroutine]
        // One path assigns before suspending and returns, or leaves the loop, where it is;
        // the other assigns after suspending. The ways out are statements kept as written,
        // after which the split has edges that never run: they must not count as a path on
        // which the local is assigned twice.
        fn after_a_return_or_break(c: bool) -> i32 {
            let n: i32;
            if c {
                n = 1;
                yield_from!(pend(n));
                return 7;
            }
            yield_from!(pend(2));
            n = 6;
            let m: i32;
            loop {
                if !c {
                    m = 10;
                    yield_from!(pend(m));
                    break;
                }
                yield_from!(pend(3));
                m = 20;
                break;
            }
            n + m
        }
    }

    #[test]
    fn immutable_locals_assigned_once_on_each_path() {
        let (_, r, polls) = check_async(
            after_a_return_or_break(true),
            native::after_a_return_or_break(true),
        );
        assert_eq!((r, polls), (7, 2));
        let (_, r, polls) = check_async(
            after_a_return_or_break(false),
            native::after_a_return_or_break(false),
        );
        assert_eq!((r, polls), (16, 3));
    }
}

// =============================================================================================
// Assertion macros with suspension points in them.

mod assertions {
    use super::*;

    async_twins! { $ #[coroutines::coroutine]
        // Each evaluates what std's evaluates, when std's does: `assert!`'s message only if
        // the assertion fails, a debug assertion nothing unless debug assertions are on (the
        // native twin is std's own macros: the test holds in either profile).
        fn passing_assertions(n: i32) -> i32 {
            assert!(yield_from!(pend(n)) >= 0, "negative: {}", yield_from!(pend(-1)));
            debug_assert!(yield_from!(pend(n + 1)) > 0, "{}", yield_from!(pend(-2)));
            debug_assert_eq!(yield_from!(pend(n + 2)), n + 2, "{}", n);
            assert!(yield_from!(pend(n + 3)) > 0);
            n
        }
    }

    #[test]
    fn assertions_evaluate_what_std_evaluates() {
        let (_, r, polls) = check_async(passing_assertions(7), native::passing_assertions(7));
        let suspensions = if cfg!(debug_assertions) { 4 } else { 2 };
        assert_eq!((r, polls), (7, suspensions + 1));
    }
}
