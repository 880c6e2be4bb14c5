//! A local whose value moves away before a suspension point (into `yield_from!`, into a call)
//! and that is assigned a new value after it, before it is read again: the state does not keep
//! the moved-from local, and the resumed code assigns it afresh. (These used to fail with E0382
//! at the suspension point: the macro kept the local in the state as if it were still live.)

mod common;

use common::run;
use coroutines::{Coroutine, CoroutineState, EventLoop};
use std::cell::RefCell;
use std::future::ready;
use std::pin::pin;
use std::rc::Rc;

#[coroutines::coroutine]
fn awaits_then_replaces(n: u32) -> u32 {
    let mut next = ready(100);
    let mut total = 0;
    for i in 0..n {
        total += yield_from!(next);
        next = ready(i);
    }
    total
}

#[test]
fn a_future_awaited_in_a_loop_and_replaced_after_each_await() {
    // 100 + 0 + 1 + 2
    assert_eq!(
        EventLoop::new().run_until_complete(awaits_then_replaces(4)),
        103
    );
    assert_eq!(
        EventLoop::new().run_until_complete(awaits_then_replaces(0)),
        0
    );
}

#[coroutines::coroutine(yield = u32)]
fn inner(k: u32) -> u32 {
    yield_!(k);
    k * 10
}

#[coroutines::coroutine(yield = u32)]
fn delegates_then_replaces(n: u32) -> u32 {
    let mut generator = inner(7);
    let mut total = 0;
    let mut i = 0;
    while i < n {
        total += yield_from!(generator);
        i += 1;
        generator = inner(i);
    }
    total
}

#[test]
fn a_generator_delegated_to_in_a_loop_and_replaced_after_each_delegation() {
    assert_eq!(
        run(delegates_then_replaces(3)),
        (vec![7, 1, 2], 70 + 10 + 20)
    );
}

/// Logs its drop.
struct Noisy(String, Rc<RefCell<Vec<String>>>);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.1.borrow_mut().push(self.0.clone());
    }
}

#[coroutines::coroutine(yield = usize)]
fn moves_into_a_vec_then_replaces(n: usize, log: Rc<RefCell<Vec<String>>>) -> Vec<String> {
    let mut kept = Vec::new();
    let mut current = Noisy("first".to_owned(), log.clone());
    for i in 0..n {
        kept.push(current);
        yield_!(i);
        current = Noisy(format!("n{i}"), log.clone());
    }
    // `current` (the last replacement) is dropped here, after the vector's contents were
    // named; the vector is dropped at the end.
    kept.iter().map(|noisy| noisy.0.clone()).collect()
}

#[test]
fn a_value_moved_into_a_collection_and_replaced_after_the_yield() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (yields, names) = run(moves_into_a_vec_then_replaces(3, log.clone()));
    assert_eq!(yields, [0, 1, 2]);
    assert_eq!(names, ["first", "n0", "n1"]);
    // Each value dropped exactly once: the last replacement, then the kept ones in order.
    assert_eq!(*log.borrow(), ["n2", "first", "n0", "n1"]);
}

#[test]
fn dropped_while_suspended_drops_each_value_once() {
    let log = Rc::new(RefCell::new(Vec::new()));
    {
        let mut generator = pin!(moves_into_a_vec_then_replaces(3, log.clone()));
        assert_eq!(generator.as_mut().resume(()), CoroutineState::Yielded(0));
        assert_eq!(generator.as_mut().resume(()), CoroutineState::Yielded(1));
        assert!(log.borrow().is_empty(), "{:?}", log.borrow());
    }
    // Suspended after moving "n0" into the vector: `current` is moved-from, the vector holds
    // "first" and "n0".
    assert_eq!(*log.borrow(), ["first", "n0"]);
}

#[coroutines::coroutine(yield = usize, resume = String)]
fn keeps_what_it_is_sent(n: usize) -> Vec<String> {
    let mut kept = Vec::new();
    let mut latest = String::from("first");
    for i in 0..n {
        kept.push(latest);
        latest = yield_!(i);
    }
    kept.push(latest);
    kept
}

#[test]
fn a_value_moved_away_then_assigned_the_resume_value() {
    let mut generator = pin!(keeps_what_it_is_sent(2));
    assert_eq!(
        generator.as_mut().resume("ignored".into()),
        CoroutineState::Yielded(0)
    );
    assert_eq!(
        generator.as_mut().resume("a".into()),
        CoroutineState::Yielded(1)
    );
    assert_eq!(
        generator.as_mut().resume("b".into()),
        CoroutineState::Complete(vec!["first".to_owned(), "a".to_owned(), "b".to_owned()])
    );
}

#[coroutines::coroutine]
fn moves_into_dbg(text: &'static str) -> usize {
    let owned = String::from(text);
    // `dbg!` returns its argument: `owned` is moved here, and the state must not keep it.
    let length = dbg!(owned).len();
    yield_from!(ready(()));
    length
}

#[test]
fn a_local_moved_into_dbg_before_a_suspension() {
    assert_eq!(
        EventLoop::new().run_until_complete(moves_into_dbg("four")),
        4
    );
}
