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
