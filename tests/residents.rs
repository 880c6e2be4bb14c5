#![deny(warnings)]
//! A local the body only indexes, borrows or updates in place ("resident") stays where it is
//! across suspensions: it lives inside the coroutine, beside its state, and each resume works
//! on it there instead of moving it out of the state and back (a copy of the whole local per
//! resume). Its drops are checked in `tests/drops.rs` (`mod residents`).

use coroutines::{Coroutine, CoroutineState};
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// The addresses a pinned value occupies.
fn footprint<T>(pinned: &Pin<Box<T>>) -> Range<usize> {
    let start = &**pinned as *const T as usize;
    start..start + std::mem::size_of::<T>()
}

#[coroutines::coroutine(yield = (usize, u64))]
fn buffer_sums(rounds: u64) {
    let mut buf = [0u64; 32];
    for i in 0..rounds {
        let slot = (i % 32) as usize;
        buf[slot] += i;
        yield_!((&buf[0] as *const u64 as usize, buf[slot]));
    }
}

#[test]
fn an_indexed_buffer_stays_inside_the_generator_across_yields() {
    let mut generator = Box::pin(buffer_sums(70));
    let inside = footprint(&generator);
    let mut addresses = Vec::new();
    let mut values = Vec::new();
    while let CoroutineState::Yielded((address, value)) = generator.as_mut().resume(()) {
        addresses.push(address);
        values.push(value);
    }
    assert_eq!(values.len(), 70);
    assert!(
        addresses.iter().all(|&address| address == addresses[0]),
        "the buffer moved between yields: {addresses:x?}"
    );
    assert!(
        inside.contains(&addresses[0]),
        "the buffer at {:#x} is not inside the generator ({inside:x?})",
        addresses[0]
    );
    let expected: Vec<u64> = (0..70u64)
        .map(|i| (0..=i).filter(|j| j % 32 == i % 32).sum())
        .collect();
    assert_eq!(values, expected);
}

/// Pending once, then ready.
struct Later(bool);

impl Future for Later {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// (`out` is a reference: a parameter with drop glue that stays alive would be older than the
/// table, and a resident must be dropped before the older locals of its state, which the enum
/// drops first; see `emit::residents`.)
#[coroutines::coroutine]
fn table_addresses(out: &std::cell::RefCell<Vec<usize>>) -> u32 {
    let mut table = [1u32; 16];
    for round in 0..3 {
        out.borrow_mut().push(&table as *const [u32; 16] as usize);
        yield_from!(Later(false));
        table[round] *= 7;
    }
    table[0] + table[1] + table[2] + table[15]
}

#[test]
fn a_borrowed_table_stays_inside_the_future_across_awaits() {
    let out = std::cell::RefCell::new(Vec::new());
    let mut future = Box::pin(table_addresses(&out));
    let inside = footprint(&future);
    let mut cx = Context::from_waker(Waker::noop());
    let total = loop {
        if let Poll::Ready(total) = future.as_mut().poll(&mut cx) {
            break total;
        }
    };
    assert_eq!(total, 7 + 7 + 7 + 1);
    let addresses = out.borrow();
    assert_eq!(addresses.len(), 3);
    // The first address is taken before the first suspension, when the table is still a
    // local of the resume; from then on it is the one inside the future.
    assert!(addresses[1..]
        .iter()
        .all(|&address| address == addresses[1]));
    assert!(
        inside.contains(&addresses[1]),
        "{addresses:x?} vs {inside:x?}"
    );
}
