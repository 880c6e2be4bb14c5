//! Helpers shared by the runtime's integration tests.
#![allow(dead_code)] // each test crate uses its own subset

use coroutine_runtime::{EventLoop, ExceptionContext};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Far more than any test needs: a test still running after this has hung.
pub const GENEROUS: Duration = Duration::from_secs(20);

/// Runs `test` on a thread of its own (so with its own current loop) and fails if it is not done
/// within `GENEROUS`: a lost wakeup then fails the test instead of hanging the suite.
pub fn within<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    let runner = thread::spawn(move || done.send(test()).unwrap());
    match result.recv_timeout(GENEROUS) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Err(panic) => panic::resume_unwind(panic),
            Ok(()) => unreachable!(),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("still running after {GENEROUS:?}"),
    }
}

/// The message of a panic payload (`panic!` with a literal or with a format string).
pub fn message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "<not a string>"
    }
}

thread_local! {
    /// A panic on this thread is expected (see [`panic_payload`]): the hook keeps quiet.
    static EXPECTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the panic hook silenced on this thread: for code in which tasks or callbacks
/// panic on purpose (the loop catches those panics).
pub fn quietly<R>(f: impl FnOnce() -> R) -> R {
    quiet_expected_panics();
    let was_expecting = EXPECTING.replace(true);
    let output = f();
    EXPECTING.set(was_expecting);
    output
}

/// Runs `f`, which must panic, and returns the payload. The panic is not printed.
pub fn panic_payload<R>(f: impl FnOnce() -> R) -> Box<dyn Any + Send> {
    quiet_expected_panics();
    let was_expecting = EXPECTING.replace(true);
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTING.set(was_expecting);
    match outcome {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    }
}

/// Runs `f`, which must panic with a string message, and returns the message.
pub fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    message(&*panic_payload(f)).to_owned()
}

/// A shared, ordered record of what happened.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.borrow_mut().push(entry.into());
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Logs "drop NAME" when dropped: shows where a suspended state machine lets go of its locals.
pub struct DropGuard {
    pub log: Log,
    pub name: &'static str,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.log.push(format!("drop {}", self.name));
    }
}

/// One record per report made to a loop's exception handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub message: String,
    pub panic: Option<String>,
    pub task_id: Option<u64>,
}

/// Installs an exception handler on `event_loop` that records the reports.
pub fn record_reports(event_loop: &EventLoop) -> Rc<RefCell<Vec<Report>>> {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&reports);
    event_loop.set_exception_handler(move |_, context: &ExceptionContext| {
        sink.borrow_mut().push(Report {
            message: context.message().to_owned(),
            panic: context.panic().map(|_| {
                context
                    .panic_message()
                    .unwrap_or("<not a string>")
                    .to_owned()
            }),
            task_id: context.task_id(),
        });
    });
    reports
}

/// Marks a panic that a test causes on purpose.
pub const EXPECTED: &str = "expected panic";

/// Silences the panic hook for panics whose message contains [`EXPECTED`] and for those inside
/// [`panic_payload`], so tests that panic on purpose keep the output readable. Other panics are
/// printed as usual.
pub fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("");
            if !text.contains(EXPECTED) && !EXPECTING.get() {
                previous(info);
            }
        }));
    });
}
