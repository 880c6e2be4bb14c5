//! `coroutines::Stack`: where a suspended coroutine is, through its delegation chain.

use coroutines::{Frame, FrameState, Stack};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

#[coroutines::coroutine]
fn compute(x: i32, y: i32) -> i32 {
    yield_from!(coroutines::sleep(3600.0));
    x + y
}

#[coroutines::coroutine]
fn print_sum(x: i32, y: i32) -> i32 {
    let result = yield_from!(compute(x, y));
    result
}

#[coroutines::coroutine(yield = u32)]
fn numbers() {
    yield_!(1);
    yield_!(2);
}

#[test]
fn a_suspended_chain_names_every_frame_and_line() {
    let mut future = pin!(print_sum(1, 2));
    assert_eq!(
        future.as_mut().stack(),
        [Frame::Coroutine {
            function: "print_sum",
            state: FrameState::Created
        }]
    );
    assert!(future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending());
    let stack = future.as_mut().stack();
    assert_eq!(stack.len(), 3, "{stack:?}");
    let line_of = |frame: &Frame| match frame {
        Frame::Coroutine {
            state: FrameState::Suspended(location),
            ..
        } => (location.file, location.line),
        other => panic!("not suspended: {other:?}"),
    };
    assert_eq!(line_of(&stack[0]), ("tests/stack.rs", 16));
    assert_eq!(line_of(&stack[1]), ("tests/stack.rs", 10));
    assert!(
        matches!(stack[2], Frame::Foreign { type_name } if type_name.ends_with("Sleep")),
        "{stack:?}"
    );
    assert_eq!(
        stack[0].to_string(),
        "print_sum() suspended at tests/stack.rs:16:18"
    );
}

#[test]
fn generators_report_their_yield_and_their_end() {
    let mut generator = pin!(numbers());
    let _ = coroutines::Coroutine::resume(generator.as_mut(), ());
    let [Frame::Coroutine {
        function: "numbers",
        state: FrameState::Suspended(location),
    }] = generator.as_mut().stack()[..]
    else {
        panic!("{:?}", generator.as_mut().stack())
    };
    assert_eq!(location.line, 22);
    while let coroutines::CoroutineState::Yielded(_) =
        coroutines::Coroutine::resume(generator.as_mut(), ())
    {}
    assert_eq!(
        generator.as_mut().stack(),
        [Frame::Coroutine {
            function: "numbers",
            state: FrameState::Returned
        }]
    );
}

#[coroutines::coroutine(yield = u32)]
fn countdown(mut n: u32) -> &'static str {
    if n == 0 {
        return "nothing to count";
    }
    while n > 0 {
        yield_!(n);
        n -= 1;
    }
    "liftoff"
}

#[test]
fn the_diagram_shows_every_state_and_move_with_its_line() {
    let diagram = countdown(3).diagram().expect("a #[coroutine] draws itself");
    assert_eq!(diagram.function, "countdown");
    // Block numbers name the states; the labels carry the lines of this file.
    let yield_state = diagram
        .dot
        .lines()
        .find(|line| line.contains("yield_! at tests/stack.rs:91:9"))
        .unwrap_or_else(|| panic!("{}", diagram.dot));
    let id = yield_state.trim().split(' ').next().unwrap();
    for edge in [
        "created -> done;".to_owned(),
        format!("created -> {id};"),
        format!("{id} -> {id};"),
        format!("{id} -> done;"),
    ] {
        assert!(diagram.dot.contains(&edge), "{edge} in {}", diagram.dot);
    }
    assert_eq!(diagram.dot.matches(" -> ").count(), 4, "{}", diagram.dot);
    assert!(diagram.mermaid.contains(&format!("  {id} --> {id}\n")));
    assert!(diagram.mermaid.contains(&format!(
        "  state \"yield_! at tests/stack.rs:91:9\" as {id}\n"
    )));
}

#[coroutines::coroutine(yield = u64)]
fn ticks(count: u64) {
    for tick in 0..count {
        yield_!(tick);
    }
}

#[test]
fn a_yield_that_ends_a_loop_body_still_names_its_line() {
    // Nothing runs between this `yield_!` and the loop's next step, so its resume goes straight
    // to the loop's head: the state it rests in is the head's, and must name the `yield_!`.
    let mut generator = pin!(ticks(3));
    for expected in 0..3 {
        assert_eq!(
            coroutines::Coroutine::resume(generator.as_mut(), ()),
            coroutines::CoroutineState::Yielded(expected)
        );
        assert_eq!(
            generator.as_mut().stack()[0].to_string(),
            "ticks() suspended at tests/stack.rs:126:9"
        );
    }
    let diagram = ticks(3).diagram().expect("a diagram").dot;
    let state = diagram
        .lines()
        .find(|line| line.contains("yield_! at tests/stack.rs:126:9"))
        .unwrap_or_else(|| panic!("{diagram}"));
    let id = state.trim().split(' ').next().unwrap();
    for edge in [
        format!("created -> {id};"),
        format!("{id} -> {id};"),
        format!("{id} -> done;"),
    ] {
        assert!(diagram.contains(&edge), "{edge} in {diagram}");
    }
}
