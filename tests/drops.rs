#![deny(warnings)]
//! Drop semantics: dropping a suspended coroutine drops every live local exactly once, newest
//! first, as Rust drops locals at the end of a scope; a panic inside a resume drops exactly
//! the live locals.
//!
//! Every coroutine here is dropped at *every* suspension point (resumed `k` times, then
//! dropped, for each `k`) and its drop log is compared with an oracle that runs the same code:
//!
//! - generators (`gen_twins!`): the plain-fn twin, unwound (without the panic hook) at its
//!   `k`-th yield — unwinding drops exactly the live locals and temporaries, newest first,
//!   which is what dropping a suspended coroutine must do;
//! - async (`async_twins!`): the native `async fn` twin, polled `k` times and dropped, which is
//!   the compiler's own answer.
//!
//! The marker `<drop>` in a log is where the coroutine is dropped (or the oracle unwinds);
//! `<end>` ends a run to completion; `<caught>` is where a panic was caught.

#[macro_use]
mod common;
use common::*;

use coroutines::{Coroutine, CoroutineState};
use std::fmt::Debug;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn take(log: &DropLog) -> Vec<&'static str> {
    std::mem::take(&mut *log.borrow_mut())
}

fn mark(log: &DropLog, marker: &'static str) {
    log.borrow_mut().push(marker);
}

/// Drops `d` now (a move out of a local into a function).
fn consume(d: Droppy) {
    drop(d);
}

/// Sorted copy of a drop log without markers: what was dropped, ignoring when.
fn dropped_set(log: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<_> = log
        .iter()
        .copied()
        .filter(|s| !s.starts_with('<'))
        .collect();
    v.sort();
    v
}

/// Takes a value evaluated before a suspension and the suspension's value.
fn take2<T>(d: Droppy, _: T) {
    drop(d);
}

/// Panics without running the panic hook (keeps the test output quiet).
fn boom() -> ! {
    std::panic::resume_unwind(Box::new("boom"))
}

/// Runs a generator twin to completion and drops it after every number of resumes, comparing
/// each drop log with the plain twin's. Gives the logs: index `k` is the log of the generator
/// dropped after `k` resumes (`k = 0` is never resumed); the last one is the run to completion.
fn check_gen_drops<G, T>(
    make: impl Fn(DropLog) -> G,
    oracle: impl Fn(&mut Yielder<()>, DropLog) -> T,
) -> Vec<Vec<&'static str>>
where
    G: Coroutine<(), Yield = i32, Return = T>,
    T: Debug + PartialEq,
{
    // To completion.
    let log = drop_log();
    let (ys, r) = run(make(log.clone()));
    mark(&log, "<end>");
    let full = take(&log);
    let olog = drop_log();
    let or = oracle(&mut Yielder::new(unit), olog.clone());
    mark(&olog, "<end>");
    assert_eq!(r, or, "return value: generator (left) vs plain (right)");
    assert_eq!(
        full,
        take(&olog),
        "drops of a run to completion: generator (left) vs plain (right)"
    );
    assert_each_once(&full);
    take_log();

    let mut logs = Vec::new();
    for k in 0..=ys.len() {
        let log = drop_log();
        {
            let mut g = Box::pin(make(log.clone()));
            for i in 0..k {
                assert!(
                    matches!(g.as_mut().resume(()), CoroutineState::Yielded(_)),
                    "resume {i} did not yield"
                );
            }
            mark(&log, "<drop>");
        }
        let got = take(&log);
        assert_each_once(&got);
        if k > 0 {
            let olog = drop_log();
            let marker = olog.clone();
            let unwound = catch_unwind(AssertUnwindSafe(|| {
                oracle(
                    &mut Yielder::stopping_at(unit, k, move || mark(&marker, "<drop>")),
                    olog.clone(),
                )
            }));
            assert!(unwound.is_err());
            assert_eq!(
                got,
                take(&olog),
                "dropped after {k} resumes: generator (left) vs plain (right)"
            );
        }
        take_log();
        logs.push(got);
    }
    logs.push(full);
    logs
}

/// Polls `f` `k` times (each must be `Pending`), then drops it after logging `<drop>`.
fn poll_then_drop<F: Future>(f: F, k: usize, log: &DropLog) {
    let mut f = Box::pin(f);
    let mut cx = Context::from_waker(Waker::noop());
    for i in 0..k {
        assert!(f.as_mut().poll(&mut cx).is_pending(), "poll {i} completed");
    }
    mark(log, "<drop>");
}

/// Runs an async twin and its native twin to completion and drops both after every number of
/// polls, comparing the drop logs. Gives the logs (index `k`: dropped after `k` polls; last:
/// the run to completion).
fn check_async_drops<F, N>(
    make: impl Fn(DropLog) -> F,
    native: impl Fn(DropLog) -> N,
) -> Vec<Vec<&'static str>>
where
    F: Future,
    N: Future<Output = F::Output>,
    F::Output: Debug + PartialEq,
{
    let log = drop_log();
    let (r, polls) = block_on(make(log.clone()));
    mark(&log, "<end>");
    let full = take(&log);
    let nlog = drop_log();
    let (nr, npolls) = block_on(native(nlog.clone()));
    mark(&nlog, "<end>");
    assert_eq!(r, nr, "output: #[coroutine] (left) vs native (right)");
    assert_eq!(
        polls, npolls,
        "polls: #[coroutine] (left) vs native (right)"
    );
    assert_eq!(
        full,
        take(&nlog),
        "drops of a run to completion: #[coroutine] (left) vs native (right)"
    );
    assert_each_once(&full);
    take_log();

    let mut logs = Vec::new();
    for k in 0..polls {
        let log = drop_log();
        poll_then_drop(make(log.clone()), k, &log);
        let got = take(&log);
        assert_each_once(&got);
        let nlog = drop_log();
        poll_then_drop(native(nlog.clone()), k, &nlog);
        assert_eq!(
            got,
            take(&nlog),
            "dropped after {k} polls: #[coroutine] (left) vs native (right)"
        );
        take_log();
        logs.push(got);
    }
    logs.push(full);
    logs
}

// =============================================================================================
// Generators.

mod generator {
    use super::*;

    pub fn d(name: &'static str, log: &DropLog) -> Droppy {
        Droppy(name, log.clone())
    }

    pub fn maybe(name: &'static str, log: &DropLog, some: bool) -> Option<Droppy> {
        some.then(|| d(name, log))
    }

    /// A wrapper whose temporary lives as long as the statement that creates it.
    pub struct Holder(pub Droppy);
    impl Holder {
        pub fn key(&self) -> i32 {
            self.0.name().len() as i32
        }
    }

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = ())]
        fn sequence(log: DropLog, arg: Droppy) -> usize {
            let a = d("a", &log);
            yield_!(1);
            let b = d("b", &log);
            yield_!(2);
            let c = d("c", &log);
            yield_!(3);
            a.name().len() + b.name().len() + c.name().len() + arg.name().len()
        }

        fn nested_blocks(log: DropLog) {
            let _a = d("a", &log);
            yield_!(1);
            {
                let _b = d("b", &log);
                yield_!(2);
                {
                    let _c = d("c", &log);
                    yield_!(3);
                }
                yield_!(4);
                let _d = d("d", &log);
                yield_!(5);
            }
            yield_!(6);
            let _e = d("e", &log);
            yield_!(7);
        }

        fn loop_locals(log: DropLog) {
            let _outer = d("outer", &log);
            for i in 0..3 {
                let _x = d(["x0", "x1", "x2"][i], &log);
                yield_!(i as i32);
                if i == 1 {
                    let _y = d("y1", &log);
                    yield_!(10);
                }
            }
            let mut j = 0;
            while j < 2 {
                let _w = d(["w0", "w1"][j], &log);
                j += 1;
                if j == 1 {
                    continue;
                }
                yield_!(20);
            }
            loop {
                let _l = d("l", &log);
                yield_!(30);
                break;
            }
            yield_!(40);
        }

        fn match_binding(log: DropLog, which: i32) {
            let _before = d("before", &log);
            match maybe("bound", &log, which > 0) {
                Some(bound) => {
                    yield_!(1);
                    let _arm = d("arm-local", &log);
                    yield_!(2);
                    consume(bound);
                    yield_!(3);
                }
                None => {
                    let _none = d("none-local", &log);
                    yield_!(4);
                }
            }
            yield_!(5);
            if let Some(x) = maybe("if-let", &log, which > 1) {
                yield_!(6);
                let _keep = x;
                yield_!(7);
            }
            yield_!(8);
        }

        fn sub(log: DropLog, tag: i32) -> i32 {
            let _s1 = d("sub-1", &log);
            yield_!(tag);
            let _s2 = d("sub-2", &log);
            yield_!(tag + 1);
            tag * 10
        }

        fn mid(log: DropLog) -> i32 {
            let _m = d("mid", &log);
            let r = yield_from!(sub(log.clone(), 100));
            yield_!(r);
            r
        }

        fn delegated(log: DropLog) -> i32 {
            let _a = d("outer-a", &log);
            let r = yield_from!(mid(log.clone()));
            let _b = d("outer-b", &log);
            yield_!(r);
            r + 1
        }

        fn moved_out(log: DropLog) {
            let x = d("x", &log);
            let y = d("y", &log);
            drop(x);
            yield_!(1);
            let z = d("z", &log);
            let v = vec![z];
            yield_!(2);
            consume(y);
            yield_!(3);
            let w = d("w", &log);
            let moved_w = w;
            yield_!(4);
            drop(v);
            yield_!(5);
            drop(moved_w);
            yield_!(6);
        }

        fn shadowed(log: DropLog) {
            let _a = d("a1", &log);
            yield_!(1);
            let _a = d("a2", &log);
            yield_!(2);
            {
                let _a = d("a3", &log);
                yield_!(3);
            }
            yield_!(4);
        }

        fn temporaries(log: DropLog) {
            let _a = d("a", &log);
            take2(d("t1", &log), yield_!(1));
            yield_!(2);
            let mut v = Vec::new();
            v.push((d("t2", &log), yield_!(3)));
            yield_!(4);
        }

        fn used_then_idle(log: DropLog) {
            let v = d("v", &log);
            yield_!(1);
            let _len = v.name().len();
            yield_!(2);
            yield_!(3);
        }

        fn receiver_idle(log: DropLog) {
            let v = d("v", &log);
            v.with(yield_!(1));
            yield_!(2);
        }

        fn scrutinee_temporary(log: DropLog) {
            let _a = d("a", &log);
            match Holder(d("tmp", &log)).key() {
                k => {
                    yield_!(k);
                }
            }
            yield_!(0);
        }

        // A binding of the same name, moved inside an `if let`, is not the local: `held` may
        // not have been moved, so it is kept to the end of its scope, after the suspension.
        fn inner_binding_moved(log: DropLog) {
            let held = d("held", &log);
            assert_eq!(held.0, "held");
            if let Some(held) = Some(d("inner", &log)) {
                consume(held);
            }
            yield_!(1);
            mark(&log, "after the yield");
        }

        // The loop's exit has one way in, the `break`, which leaves `_guard` behind: it is
        // dropped at the `break`, before the code after the loop runs.
        fn guard_left_at_break(log: DropLog, stop: i32) -> i32 {
            let mut i = 0;
            loop {
                let _guard = d(["g0", "g1", "g2"][i as usize], &log);
                yield_!(i);
                if i == stop {
                    break;
                }
                i += 1;
            }
            mark(&log, "after the loop");
            let _after = d("after", &log);
            yield_!(10);
            i
        }

        // `break` leaves the `match`: its scrutinee's temporary is dropped before the code after
        // the loop (which has no other way in) runs.
        fn scrutinee_temporary_at_break(log: DropLog) {
            loop {
                match Holder(d("tmp", &log)).key() {
                    3 => break,
                    _ => {}
                }
                yield_!(1);
            }
            mark(&log, "after the loop");
            let _after = d("after", &log);
            yield_!(2);
        }

        fn early_exits(log: DropLog, mode: i32) -> i32 {
            let _a = d("a", &log);
            for i in 0..3 {
                let _x = d(["x0", "x1", "x2"][i], &log);
                yield_!(i as i32);
                if mode == 0 && i == 1 {
                    return 0;
                }
                if mode == 1 && i == 1 {
                    break;
                }
            }
            let _b = d("b", &log);
            yield_!(9);
            if mode == 2 {
                return 2;
            }
            let _c = d("c", &log);
            3
        }

        fn question_mark(log: DropLog, fail: bool) -> Result<i32, String> {
            let _a = d("a", &log);
            yield_!(1);
            let r: Result<i32, String> = if fail { Err("e".into()) } else { Ok(1) };
            let _b = d("b", &log);
            let v = r?;
            yield_!(2);
            Ok(v)
        }

        fn panics(log: DropLog, at: i32) {
            let _a = d("a", &log);
            yield_!(1);
            let _b = d("b", &log);
            {
                let _c = d("c", &log);
                if at == 1 {
                    boom();
                }
                yield_!(2);
            }
            if at == 2 {
                boom();
            }
            yield_!(3);
        }

        fn panics_in_sub(log: DropLog) -> i32 {
            let _m = d("outer", &log);
            yield_!(0);
            let r = yield_from!(panicking_sub(log.clone()));
            r
        }

        fn panicking_sub(log: DropLog) -> i32 {
            let _s = d("sub", &log);
            yield_!(1);
            let _t = d("sub-t", &log);
            boom();
        }
    }

    #[test]
    fn locals_in_sequence() {
        let logs = check_gen_drops(
            |log| sequence(log.clone(), d("arg", &log)),
            |y, log| plain::sequence(y, log.clone(), d("arg", &log)),
        );
        assert_eq!(logs[0], ["<drop>", "arg"]);
        assert_eq!(logs[1], ["<drop>", "a", "arg"]);
        assert_eq!(logs[2], ["<drop>", "b", "a", "arg"]);
        assert_eq!(logs[3], ["<drop>", "c", "b", "a", "arg"]);
        assert_eq!(logs[4], ["c", "b", "a", "arg", "<end>"]);
    }

    #[test]
    fn locals_in_nested_blocks() {
        let logs = check_gen_drops(nested_blocks, plain::nested_blocks);
        assert_eq!(logs[3], ["<drop>", "c", "b", "a"]);
        assert_eq!(logs[4], ["c", "<drop>", "b", "a"]);
        assert_eq!(logs[5], ["c", "<drop>", "d", "b", "a"]);
        assert_eq!(logs[7], ["c", "d", "b", "<drop>", "e", "a"]);
        assert_eq!(logs[8], ["c", "d", "b", "e", "a", "<end>"]);
    }

    #[test]
    fn per_iteration_locals_in_loops() {
        let logs = check_gen_drops(loop_locals, plain::loop_locals);
        assert_eq!(logs[1], ["<drop>", "x0", "outer"]);
        assert_eq!(logs[3], ["x0", "<drop>", "y1", "x1", "outer"]);
        assert_eq!(
            logs.last().unwrap(),
            &["x0", "y1", "x1", "x2", "w0", "w1", "l", "outer", "<end>"]
        );
    }

    #[test]
    fn match_arm_bindings() {
        let logs = check_gen_drops(
            |log| match_binding(log, 2),
            |y, log| plain::match_binding(y, log, 2),
        );
        assert_eq!(logs[1], ["<drop>", "bound", "before"]);
        assert_eq!(logs[2], ["<drop>", "arm-local", "bound", "before"]);
        assert_eq!(logs[3], ["bound", "<drop>", "arm-local", "before"]);
        assert_eq!(logs[4], ["bound", "arm-local", "<drop>", "before"]);
        assert_eq!(
            logs[5],
            ["bound", "arm-local", "<drop>", "if-let", "before"]
        );
        assert_eq!(
            logs[6],
            ["bound", "arm-local", "<drop>", "if-let", "before"]
        );
        assert_eq!(
            logs[7],
            ["bound", "arm-local", "if-let", "<drop>", "before"]
        );
        let logs = check_gen_drops(
            |log| match_binding(log, 1),
            |y, log| plain::match_binding(y, log, 1),
        );
        assert_eq!(logs.len(), 7);
        let logs = check_gen_drops(
            |log| match_binding(log, 0),
            |y, log| plain::match_binding(y, log, 0),
        );
        assert_eq!(logs[1], ["<drop>", "none-local", "before"]);
        assert_eq!(logs[2], ["none-local", "<drop>", "before"]);
    }

    #[test]
    fn values_held_inside_delegated_generators() {
        let logs = check_gen_drops(delegated, plain::delegated);
        // yields: 100 (sub-1), 101 (sub-2), 1000 (in mid), 1000 (outer-b)
        assert_eq!(logs[1], ["<drop>", "sub-1", "mid", "outer-a"]);
        assert_eq!(logs[2], ["<drop>", "sub-2", "sub-1", "mid", "outer-a"]);
        assert_eq!(logs[3], ["sub-2", "sub-1", "<drop>", "mid", "outer-a"]);
        assert_eq!(
            logs[4],
            ["sub-2", "sub-1", "mid", "<drop>", "outer-b", "outer-a"]
        );
    }

    #[test]
    fn moved_out_locals_are_not_dropped_again() {
        let logs = check_gen_drops(moved_out, plain::moved_out);
        assert_eq!(logs[1], ["x", "<drop>", "y"]);
        assert_eq!(logs[2], ["x", "<drop>", "z", "y"]);
        assert_eq!(logs[3], ["x", "y", "<drop>", "z"]);
        assert_eq!(logs[4], ["x", "y", "<drop>", "w", "z"]);
        assert_eq!(logs[5], ["x", "y", "z", "<drop>", "w"]);
        assert_eq!(logs[6], ["x", "y", "z", "w", "<drop>"]);
    }

    #[test]
    fn shadowed_locals_stay_alive_until_their_scope_ends() {
        let logs = check_gen_drops(shadowed, plain::shadowed);
        assert_eq!(logs[2], ["<drop>", "a2", "a1"]);
        assert_eq!(logs[3], ["<drop>", "a3", "a2", "a1"]);
        assert_eq!(logs[4], ["a3", "<drop>", "a2", "a1"]);
    }

    #[test]
    fn temporaries_held_across_a_suspension() {
        let logs = check_gen_drops(temporaries, plain::temporaries);
        // `take2(d("t1"), yield_!(1))`: t1 is evaluated before the yield and is live there.
        assert_eq!(logs[1], ["<drop>", "t1", "a"]);
        assert_eq!(logs[2], ["t1", "<drop>", "a"]);
        assert_eq!(logs[3], ["t1", "<drop>", "t2", "a"]);
        assert_eq!(logs[4], ["t1", "<drop>", "t2", "a"]);
    }

    #[test]
    fn a_local_lives_until_its_scope_ends_even_when_no_longer_used() {
        let logs = check_gen_drops(used_then_idle, plain::used_then_idle);
        assert_eq!(logs[2], ["<drop>", "v"]);
        assert_eq!(logs[3], ["<drop>", "v"]);
    }

    #[test]
    fn the_receiver_of_a_suspending_call_lives_until_its_scope_ends() {
        let logs = check_gen_drops(receiver_idle, plain::receiver_idle);
        assert_eq!(logs[2], ["<drop>", "v"]);
    }

    #[test]
    #[ignore = "documented limitation: temporaries of a match scrutinee are dropped before an arm suspends"]
    fn temporaries_of_a_match_scrutinee_live_until_the_end_of_the_match() {
        let logs = check_gen_drops(scrutinee_temporary, plain::scrutinee_temporary);
        assert_eq!(logs[1], ["<drop>", "tmp", "a"]);
        assert_eq!(logs[2], ["tmp", "<drop>", "a"]);
    }

    #[test]
    fn a_moved_binding_of_the_same_name_does_not_move_the_local() {
        let logs = check_gen_drops(inner_binding_moved, plain::inner_binding_moved);
        assert_eq!(
            logs.last().unwrap(),
            &["inner", "after the yield", "held", "<end>"]
        );
    }

    #[test]
    fn a_local_left_behind_by_break_is_dropped_before_the_code_after_the_loop() {
        let logs = check_gen_drops(
            |log| guard_left_at_break(log, 1),
            |y, log| plain::guard_left_at_break(y, log, 1),
        );
        assert_eq!(
            logs.last().unwrap(),
            &["g0", "g1", "after the loop", "after", "<end>"]
        );
    }

    #[test]
    fn a_scrutinee_temporary_is_dropped_when_break_leaves_the_match() {
        let logs = check_gen_drops(
            scrutinee_temporary_at_break,
            plain::scrutinee_temporary_at_break,
        );
        assert_eq!(logs[0], ["<drop>"]);
        assert_eq!(logs[1], ["tmp", "after the loop", "<drop>", "after"]);
    }

    #[test]
    fn early_exits_drop_what_is_live() {
        for mode in 0..4 {
            let logs = check_gen_drops(
                |log| early_exits(log, mode),
                |y, log| plain::early_exits(y, log, mode),
            );
            let full = logs.last().unwrap();
            match mode {
                0 => assert_eq!(full, &["x0", "x1", "a", "<end>"]),
                1 => assert_eq!(full, &["x0", "x1", "c", "b", "a", "<end>"]),
                2 => assert_eq!(full, &["x0", "x1", "x2", "b", "a", "<end>"]),
                _ => assert_eq!(full, &["x0", "x1", "x2", "c", "b", "a", "<end>"]),
            }
        }
        for fail in [false, true] {
            let logs = check_gen_drops(
                |log| question_mark(log, fail),
                |y, log| plain::question_mark(y, log, fail),
            );
            assert_eq!(logs.last().unwrap(), &["b", "a", "<end>"]);
        }
    }

    /// Resumes until the generator panics (caught), then drops it.
    pub(crate) fn panic_log<G: Coroutine<(), Yield = i32>>(
        g: G,
        log: &DropLog,
    ) -> Vec<&'static str> {
        {
            let mut g = pin!(g);
            loop {
                match catch_unwind(AssertUnwindSafe(|| g.as_mut().resume(()))) {
                    Ok(CoroutineState::Yielded(_)) => {}
                    Ok(CoroutineState::Complete(_)) => panic!("did not panic"),
                    Err(_) => break,
                }
            }
            mark(log, "<caught>");
        }
        mark(log, "<dropped>");
        take(log)
    }

    /// The same for the plain twin.
    pub(crate) fn oracle_panic_log<T>(
        f: impl FnOnce(&mut Yielder<()>) -> T,
        log: &DropLog,
    ) -> Vec<&'static str> {
        assert!(catch_unwind(AssertUnwindSafe(|| f(&mut Yielder::new(unit)))).is_err());
        mark(log, "<caught>");
        mark(log, "<dropped>");
        take(log)
    }

    #[test]
    fn panic_inside_a_resume_drops_exactly_the_live_locals() {
        for at in [1, 2] {
            let log = drop_log();
            let got = panic_log(panics(log.clone(), at), &log);
            let want = oracle_panic_log(|y| plain::panics(y, log.clone(), at), &log);
            assert_eq!(
                got, want,
                "panic at {at}: generator (left) vs plain (right)"
            );
            assert_each_once(&got);
        }
        let log = drop_log();
        let got = panic_log(panics(log.clone(), 1), &log);
        assert_eq!(got, ["c", "b", "a", "<caught>", "<dropped>"]);
    }

    #[test]
    fn panic_inside_a_delegated_generator_drops_each_live_local_once() {
        let log = drop_log();
        let got = panic_log(panics_in_sub(log.clone()), &log);
        let want = oracle_panic_log(|y| plain::panics_in_sub(y, log.clone()), &log);
        assert_each_once(&got);
        assert_eq!(dropped_set(&got), dropped_set(&want));
        assert_eq!(got[..2], ["sub-t", "sub"]);
    }

    #[test]
    fn panic_inside_a_delegated_generator_drops_the_live_locals_while_unwinding() {
        let log = drop_log();
        let got = panic_log(panics_in_sub(log.clone()), &log);
        let want = oracle_panic_log(|y| plain::panics_in_sub(y, log.clone()), &log);
        assert_eq!(got, want, "generator (left) vs plain (right)");
        assert_eq!(got, ["sub-t", "sub", "outer", "<caught>", "<dropped>"]);
    }

    #[test]
    fn yielded_and_resumed_values_are_dropped_by_their_owner() {
        #[coroutines::coroutine(yield = Droppy, resume = Option<Droppy>)]
        fn passes(log: DropLog) -> Option<Droppy> {
            let got = yield_!(Droppy("yielded-1", log.clone()));
            drop(got);
            let kept = yield_!(Droppy("yielded-2", log.clone()));
            yield_!(Droppy("yielded-3", log.clone()));
            kept
        }
        let log = drop_log();
        {
            let mut g = pin!(passes(log.clone()));
            let first = Some(Droppy("resume-0", log.clone()));
            let CoroutineState::Yielded(y1) = g.as_mut().resume(first) else {
                panic!()
            };
            // the first resume value is dropped by the generator
            assert_eq!(take(&log), ["resume-0"]);
            drop(y1);
            let CoroutineState::Yielded(y2) =
                g.as_mut().resume(Some(Droppy("resume-1", log.clone())))
            else {
                panic!()
            };
            assert_eq!(take(&log), ["yielded-1", "resume-1"]);
            let CoroutineState::Yielded(_y3) =
                g.as_mut().resume(Some(Droppy("resume-2", log.clone())))
            else {
                panic!()
            };
            assert!(take(&log).is_empty());
            drop(y2);
            mark(&log, "<drop>");
        }
        // `_y3` is declared after `g`, so it is dropped first; then `g` drops `kept`.
        assert_eq!(take(&log), ["yielded-2", "<drop>", "yielded-3", "resume-2"]);
    }
}

// =============================================================================================
// Async: the oracle is the native `async fn`.

mod asynchronous {
    use super::*;

    pub fn d(name: &'static str, log: &DropLog) -> Droppy {
        Droppy(name, log.clone())
    }

    pub fn maybe(name: &'static str, log: &DropLog, some: bool) -> Option<Droppy> {
        some.then(|| d(name, log))
    }

    pub use super::generator::Holder;

    async_twins! { $ #[coroutines::coroutine]
        fn sequence(log: DropLog, arg: Droppy) -> usize {
            let a = d("a", &log);
            yield_from!(pend(()));
            let b = d("b", &log);
            yield_from!(pend(()));
            let c = d("c", &log);
            yield_from!(pend(()));
            a.name().len() + b.name().len() + c.name().len() + arg.name().len()
        }

        fn two_args(log: DropLog, arg: Droppy, arg2: Droppy) -> usize {
            let a = d("a", &log);
            yield_from!(pend(()));
            a.name().len() + arg.name().len() + arg2.name().len()
        }

        fn nested_blocks(log: DropLog) {
            let _a = d("a", &log);
            yield_from!(pend(()));
            {
                let _b = d("b", &log);
                yield_from!(pend(()));
                {
                    let _c = d("c", &log);
                    yield_from!(pend(()));
                }
                yield_from!(pend(()));
                let _d = d("d", &log);
                yield_from!(pend(()));
            }
            yield_from!(pend(()));
            let _e = d("e", &log);
            yield_from!(pend(()));
        }

        fn loop_locals(log: DropLog) {
            let _outer = d("outer", &log);
            for i in 0..3 {
                let _x = d(["x0", "x1", "x2"][i], &log);
                yield_from!(pend(()));
                if i == 1 {
                    let _y = d("y1", &log);
                    yield_from!(pend(()));
                }
            }
            let mut j = 0;
            while j < 2 {
                let _w = d(["w0", "w1"][j], &log);
                j += 1;
                if j == 1 {
                    continue;
                }
                yield_from!(pend(()));
            }
            loop {
                let _l = d("l", &log);
                yield_from!(pend(()));
                break;
            }
            yield_from!(pend(()));
        }

        fn match_binding(log: DropLog, which: i32) {
            let _before = d("before", &log);
            match maybe("bound", &log, which > 0) {
                Some(bound) => {
                    yield_from!(pend(()));
                    let _arm = d("arm-local", &log);
                    yield_from!(pend(()));
                    consume(bound);
                    yield_from!(pend(()));
                }
                None => {
                    let _none = d("none-local", &log);
                    yield_from!(pend(()));
                }
            }
            yield_from!(pend(()));
            if let Some(x) = maybe("if-let", &log, which > 1) {
                yield_from!(pend(()));
                let _keep = x;
                yield_from!(pend(()));
            }
            yield_from!(pend(()));
        }

        fn sub(log: DropLog, held: Droppy) -> i32 {
            let _s1 = d("sub-1", &log);
            yield_from!(pend(()));
            let _s2 = d("sub-2", &log);
            yield_from!(pend(()));
            held.name().len() as i32
        }

        fn delegated(log: DropLog) -> i32 {
            let _a = d("outer-a", &log);
            let r = yield_from!(sub(log.clone(), d("sub-arg", &log)));
            let _b = d("outer-b", &log);
            yield_from!(pend(()));
            r + 1
        }

        fn awaitee_holding_a_value(log: DropLog) {
            let _a = d("a", &log);
            let held = d("in-future", &log);
            let got = yield_from!(pend(held));
            yield_from!(pend(()));
            consume(got);
            yield_from!(pend(()));
        }

        fn moved_out(log: DropLog) {
            let x = d("x", &log);
            let y = d("y", &log);
            drop(x);
            yield_from!(pend(()));
            let z = d("z", &log);
            let v = vec![z];
            yield_from!(pend(()));
            consume(y);
            yield_from!(pend(()));
            drop(v);
            yield_from!(pend(()));
        }

        fn shadowed(log: DropLog) {
            let _a = d("a1", &log);
            yield_from!(pend(()));
            let _a = d("a2", &log);
            yield_from!(pend(()));
            {
                let _a = d("a3", &log);
                yield_from!(pend(()));
            }
            yield_from!(pend(()));
        }

        fn temporaries(log: DropLog) {
            let _a = d("a", &log);
            take2(d("t1", &log), yield_from!(pend(())));
            yield_from!(pend(()));
            let mut v = Vec::new();
            v.push((d("t2", &log), yield_from!(pend(()))));
            yield_from!(pend(()));
        }

        fn used_then_idle(log: DropLog) {
            let v = d("v", &log);
            yield_from!(pend(()));
            let _len = v.name().len();
            yield_from!(pend(()));
            yield_from!(pend(()));
        }

        fn receiver_idle(log: DropLog) {
            let v = d("v", &log);
            v.with(yield_from!(pend(())));
            yield_from!(pend(()));
        }

        fn scrutinee_temporary(log: DropLog) {
            let _a = d("a", &log);
            match Holder(d("tmp", &log)).key() {
                k => {
                    yield_from!(pend(k));
                }
            }
            yield_from!(pend(()));
        }

        fn guard_left_at_break(log: DropLog, stop: i32) -> i32 {
            let mut i = 0;
            loop {
                let _guard = d(["g0", "g1", "g2"][i as usize], &log);
                yield_from!(pend(()));
                if i == stop {
                    break;
                }
                i += 1;
            }
            mark(&log, "after the loop");
            let _after = d("after", &log);
            yield_from!(pend(()));
            i
        }

        fn scrutinee_temporary_at_break(log: DropLog) {
            loop {
                match Holder(d("tmp", &log)).key() {
                    3 => break,
                    _ => {}
                }
                yield_from!(pend(()));
            }
            mark(&log, "after the loop");
            let _after = d("after", &log);
            yield_from!(pend(()));
        }

        fn early_exits(log: DropLog, mode: i32) -> i32 {
            let _a = d("a", &log);
            for i in 0..3 {
                let _x = d(["x0", "x1", "x2"][i], &log);
                yield_from!(pend(()));
                if mode == 0 && i == 1 {
                    return 0;
                }
                if mode == 1 && i == 1 {
                    break;
                }
            }
            let _b = d("b", &log);
            yield_from!(pend(()));
            if mode == 2 {
                return 2;
            }
            let _c = d("c", &log);
            3
        }

        fn question_mark(log: DropLog, fail: bool) -> Result<i32, String> {
            let _a = d("a", &log);
            yield_from!(pend(()));
            let r: Result<i32, String> = if fail { Err("e".into()) } else { Ok(1) };
            let _b = d("b", &log);
            let v = r?;
            yield_from!(pend(()));
            Ok(v)
        }

        fn panics(log: DropLog, at: i32) {
            let _a = d("a", &log);
            yield_from!(pend(()));
            let _b = d("b", &log);
            {
                let _c = d("c", &log);
                if at == 1 {
                    boom();
                }
                yield_from!(pend(()));
            }
            if at == 2 {
                boom();
            }
            yield_from!(pend(()));
        }

        fn panics_in_awaitee(log: DropLog) {
            let _m = d("outer", &log);
            yield_from!(pend(()));
            yield_from!(panics(log.clone(), 2));
        }
    }

    #[test]
    fn locals_in_sequence() {
        let logs = check_async_drops(
            |log| sequence(log.clone(), d("arg", &log)),
            |log| native::sequence(log.clone(), d("arg", &log)),
        );
        assert_eq!(logs[0], ["<drop>", "arg"]);
        assert_eq!(logs[2], ["<drop>", "b", "a", "arg"]);
        assert_eq!(logs[4], ["c", "b", "a", "arg", "<end>"]);
    }

    #[test]
    fn arguments_of_an_unpolled_coroutine() {
        let logs = check_async_drops(
            |log| two_args(log.clone(), d("arg", &log), d("arg2", &log)),
            |log| native::two_args(log.clone(), d("arg", &log), d("arg2", &log)),
        );
        assert_eq!(logs[0], ["<drop>", "arg", "arg2"]);
        assert_eq!(logs[1], ["<drop>", "a", "arg2", "arg"]);
    }

    #[test]
    fn locals_in_nested_blocks() {
        let logs = check_async_drops(nested_blocks, native::nested_blocks);
        assert_eq!(logs[5], ["c", "<drop>", "d", "b", "a"]);
    }

    #[test]
    fn per_iteration_locals_in_loops() {
        check_async_drops(loop_locals, native::loop_locals);
    }

    #[test]
    fn match_arm_bindings() {
        for which in 0..3 {
            check_async_drops(
                |log| match_binding(log, which),
                |log| native::match_binding(log, which),
            );
        }
    }

    #[test]
    fn values_held_by_awaited_coroutines_and_futures() {
        let logs = check_async_drops(delegated, native::delegated);
        assert_eq!(logs[1], ["<drop>", "sub-1", "sub-arg", "outer-a"]);
        check_async_drops(awaitee_holding_a_value, native::awaitee_holding_a_value);
    }

    #[test]
    fn moved_out_locals_are_not_dropped_again() {
        let logs = check_async_drops(moved_out, native::moved_out);
        assert_eq!(logs[3], ["x", "y", "<drop>", "z"]);
    }

    #[test]
    fn shadowed_locals_stay_alive_until_their_scope_ends() {
        let logs = check_async_drops(shadowed, native::shadowed);
        assert_eq!(logs[3], ["<drop>", "a3", "a2", "a1"]);
        assert_eq!(logs[4], ["a3", "<drop>", "a2", "a1"]);
    }

    #[test]
    fn temporaries_held_across_a_suspension() {
        let logs = check_async_drops(temporaries, native::temporaries);
        assert_eq!(logs[1], ["<drop>", "t1", "a"]);
    }

    #[test]
    fn a_local_lives_until_its_scope_ends_even_when_no_longer_used() {
        let logs = check_async_drops(used_then_idle, native::used_then_idle);
        assert_eq!(logs[2], ["<drop>", "v"]);
    }

    #[test]
    fn the_receiver_of_a_suspending_call_lives_until_its_scope_ends() {
        let logs = check_async_drops(receiver_idle, native::receiver_idle);
        assert_eq!(logs[2], ["<drop>", "v"]);
    }

    #[test]
    #[ignore = "documented limitation: temporaries of a match scrutinee are dropped before an arm suspends"]
    fn temporaries_of_a_match_scrutinee_live_until_the_end_of_the_match() {
        let logs = check_async_drops(scrutinee_temporary, native::scrutinee_temporary);
        assert_eq!(logs[1], ["<drop>", "tmp", "a"]);
    }

    #[test]
    fn a_local_left_behind_by_break_is_dropped_before_the_code_after_the_loop() {
        let logs = check_async_drops(
            |log| guard_left_at_break(log, 1),
            |log| native::guard_left_at_break(log, 1),
        );
        assert_eq!(
            logs.last().unwrap(),
            &["g0", "g1", "after the loop", "after", "<end>"]
        );
    }

    #[test]
    fn a_scrutinee_temporary_is_dropped_when_break_leaves_the_match() {
        let logs = check_async_drops(
            scrutinee_temporary_at_break,
            native::scrutinee_temporary_at_break,
        );
        assert_eq!(logs[1], ["tmp", "after the loop", "<drop>", "after"]);
    }

    #[test]
    fn early_exits_drop_what_is_live() {
        for mode in 0..4 {
            check_async_drops(
                |log| early_exits(log, mode),
                |log| native::early_exits(log, mode),
            );
        }
        for fail in [false, true] {
            check_async_drops(
                |log| question_mark(log, fail),
                |log| native::question_mark(log, fail),
            );
        }
    }

    /// Polls until the future panics (caught), then drops it.
    pub(crate) fn panic_log<F: Future>(f: F, log: &DropLog) -> Vec<&'static str> {
        {
            let mut f = pin!(f);
            let mut cx = Context::from_waker(Waker::noop());
            loop {
                match catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(&mut cx))) {
                    Ok(Poll::Pending) => {}
                    Ok(Poll::Ready(_)) => panic!("did not panic"),
                    Err(_) => break,
                }
            }
            mark(log, "<caught>");
        }
        mark(log, "<dropped>");
        take(log)
    }

    #[test]
    fn panic_inside_a_poll_drops_exactly_the_live_locals() {
        for at in [1, 2] {
            let log = drop_log();
            let got = panic_log(panics(log.clone(), at), &log);
            let want = panic_log(native::panics(log.clone(), at), &log);
            assert_eq!(
                got, want,
                "panic at {at}: #[coroutine] (left) vs native (right)"
            );
            assert_each_once(&got);
        }
        let log = drop_log();
        let got = panic_log(panics_in_awaitee(log.clone()), &log);
        let want = panic_log(native::panics_in_awaitee(log.clone()), &log);
        assert_each_once(&got);
        assert_eq!(dropped_set(&got), dropped_set(&want));
        assert_eq!(got[..3], ["c", "b", "a"]);
    }

    #[test]
    fn panic_inside_an_awaited_coroutine_drops_the_live_locals_while_unwinding() {
        let log = drop_log();
        let got = panic_log(panics_in_awaitee(log.clone()), &log);
        let want = panic_log(native::panics_in_awaitee(log.clone()), &log);
        assert_eq!(got, want, "#[coroutine] (left) vs native (right)");
        assert_eq!(got, ["c", "b", "a", "outer", "<caught>", "<dropped>"]);
    }
}

// A local moved out on one path only, then live across a suspension on the other (Rust tracks
// this with a drop flag).

mod conditional_move {
    use super::*;

    gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = ())]
        fn conditional(log: DropLog, c: bool) {
            let x = Droppy("x", log.clone());
            if c {
                drop(x);
            }
            yield_!(1);
            yield_!(2);
        }
    }

    #[test]
    fn moved_on_the_taken_path() {
        let logs = check_gen_drops(
            |log| conditional(log, true),
            |y, log| plain::conditional(y, log, true),
        );
        assert_eq!(logs[1], ["x", "<drop>"]);
    }

    #[test]
    #[ignore = "documented limitation: a local that may have been moved and is not used again is dropped at the next suspension point"]
    fn kept_on_the_other_path() {
        let logs = check_gen_drops(
            |log| conditional(log, false),
            |y, log| plain::conditional(y, log, false),
        );
        assert_eq!(logs[1], ["<drop>", "x"]);
    }
}

// A local the body only indexes or borrows stays in place beside the state ("resident"); it
// must still be dropped where Rust drops it: after younger locals, at every suspension point, on
// a panic, and when a loop declares it again.

mod residents {
    use super::*;

    thread_local! {
        static CURRENT: std::cell::RefCell<Option<DropLog>> = const { std::cell::RefCell::new(None) };
    }

    /// Makes `log` the log that `dd` writes to (so the coroutines need no log parameter, which
    /// would be a local older than the residents).
    pub fn logging_to(log: &DropLog) {
        CURRENT.with(|current| *current.borrow_mut() = Some(log.clone()));
    }

    pub fn dd(name: &'static str) -> Droppy {
        Droppy(
            name,
            CURRENT.with(|current| current.borrow().clone().expect("a log")),
        )
    }

    /// Per round: the pair, the replacement of its first item, and a value dropped at once
    /// (which shows whether the previous round's pair was dropped before it).
    pub const NAMES: [[&str; 4]; 3] = [
        ["a0", "b0", "c0", "t0"],
        ["a1", "b1", "c1", "t1"],
        ["a2", "b2", "c2", "t2"],
    ];

    pub mod generator {
        use super::*;
        use crate::generator::{oracle_panic_log, panic_log};

        gen_twins! { $ #[coroutines::coroutine(yield = i32, resume = ())]
            fn resident_items(fail: bool) -> usize {
                let mut items = [dd("i0"), dd("i1")];
                let spare = dd("spare");
                yield_!(1);
                let n = items[0].name().len();
                if fail {
                    boom();
                }
                yield_!(2);
                items[1] = spare;
                yield_!(3);
                n + items[1].name().len()
            }

            fn resident_around_a_delegation(fail: bool) -> usize {
                let items = [dd("i0"), dd("i1")];
                let _younger = dd("younger");
                yield_!(1);
                let n = yield_from!(sub_items(fail));
                n + items[1].name().len()
            }

            fn sub_items(fail: bool) -> usize {
                let _s = dd("sub");
                yield_!(2);
                if fail {
                    boom();
                }
                yield_!(3);
                4
            }

            fn resident_per_iteration(fail_in: usize) -> usize {
                let mut round = 0;
                let mut total = 0;
                loop {
                    drop(dd(NAMES[round][3]));
                    let mut pair = [dd(NAMES[round][0]), dd(NAMES[round][1])];
                    yield_!(round as i32);
                    total += pair[1].name().len();
                    pair[0] = dd(NAMES[round][2]);
                    if round == fail_in {
                        boom();
                    }
                    yield_!(10);
                    round += 1;
                    if round == 3 {
                        break total;
                    }
                }
            }
        }

        #[test]
        fn a_resident_is_dropped_after_younger_locals_at_every_suspension() {
            let logs = check_gen_drops(
                |log| {
                    logging_to(&log);
                    resident_items(false)
                },
                |y, log| {
                    logging_to(&log);
                    plain::resident_items(y, false)
                },
            );
            assert_eq!(logs[1], ["<drop>", "spare", "i0", "i1"]);
            assert_eq!(logs[3], ["i1", "<drop>", "i0", "spare"]);
            assert_eq!(logs[4], ["i1", "i0", "spare", "<end>"]);
        }

        #[test]
        fn a_resident_declared_in_a_loop_is_dropped_each_iteration() {
            let logs = check_gen_drops(
                |log| {
                    logging_to(&log);
                    resident_per_iteration(usize::MAX)
                },
                |y, log| {
                    logging_to(&log);
                    plain::resident_per_iteration(y, usize::MAX)
                },
            );
            assert_eq!(logs[2], ["t0", "a0", "<drop>", "c0", "b0"]);
            assert_eq!(
                logs[3],
                ["t0", "a0", "c0", "b0", "t1", "<drop>", "a1", "b1"]
            );
        }

        #[test]
        fn a_resident_beside_a_delegation_is_dropped_in_order() {
            let logs = check_gen_drops(
                |log| {
                    logging_to(&log);
                    resident_around_a_delegation(false)
                },
                |y, log| {
                    logging_to(&log);
                    plain::resident_around_a_delegation(y, false)
                },
            );
            assert_eq!(logs[2], ["<drop>", "sub", "younger", "i0", "i1"]);
            let log = drop_log();
            logging_to(&log);
            let got = panic_log(resident_around_a_delegation(true), &log);
            logging_to(&log);
            let want = oracle_panic_log(|y| plain::resident_around_a_delegation(y, true), &log);
            assert_eq!(got, want, "generator (left) vs plain (right)");
            assert_eq!(got, ["sub", "younger", "i0", "i1", "<caught>", "<dropped>"]);
        }

        #[test]
        fn a_panic_drops_the_residents_while_unwinding() {
            for fail_in in [0, 1] {
                let log = drop_log();
                logging_to(&log);
                let got = panic_log(resident_per_iteration(fail_in), &log);
                logging_to(&log);
                let want = oracle_panic_log(|y| plain::resident_per_iteration(y, fail_in), &log);
                assert_eq!(got, want, "generator (left) vs plain (right)");
            }
            let log = drop_log();
            logging_to(&log);
            let got = panic_log(resident_items(true), &log);
            assert_eq!(got, ["spare", "i0", "i1", "<caught>", "<dropped>"]);
        }
    }

    pub mod asynchronous {
        use super::*;
        use crate::asynchronous::panic_log;

        async_twins! { $ #[coroutines::coroutine]
            fn resident_items() -> usize {
                let mut items = [dd("i0"), dd("i1")];
                let spare = dd("spare");
                yield_from!(pend(()));
                let n = items[0].name().len();
                yield_from!(pend(()));
                items[1] = spare;
                yield_from!(pend(()));
                n + items[1].name().len()
            }

            fn resident_around_a_panicking_awaitee() {
                let items = [dd("i0"), dd("i1")];
                let _younger = dd("younger");
                yield_from!(pend(()));
                yield_from!(sub_panics());
                let _ = &items[0];
            }

            fn sub_panics() {
                let _s = dd("sub");
                yield_from!(pend(()));
                boom();
            }
        }

        #[test]
        fn a_resident_is_dropped_after_younger_locals_at_every_suspension() {
            let logs = check_async_drops(
                |log| {
                    logging_to(&log);
                    resident_items()
                },
                |log| {
                    logging_to(&log);
                    native::resident_items()
                },
            );
            assert_eq!(logs[1], ["<drop>", "spare", "i0", "i1"]);
            assert_eq!(logs[3], ["i1", "<drop>", "i0", "spare"]);
        }

        #[test]
        fn a_panic_inside_an_awaitee_drops_the_residents_while_unwinding() {
            let log = drop_log();
            logging_to(&log);
            let got = panic_log(resident_around_a_panicking_awaitee(), &log);
            logging_to(&log);
            let want = panic_log(native::resident_around_a_panicking_awaitee(), &log);
            assert_eq!(got, want, "#[coroutine] (left) vs native (right)");
            assert_eq!(got, ["sub", "younger", "i0", "i1", "<caught>", "<dropped>"]);
        }
    }
}
