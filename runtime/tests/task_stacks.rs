//! Where is my task? Task stacks, names, asyncio's repr, the loop's task dump, debug mode.

mod common;

use common::{quietly, record_reports, within};
use coroutines::{create_task, sleep, EventLoop, Frame, FrameState, LoopFuture, Task};
use std::cell::RefCell;
use std::rc::Rc;

#[coroutines::coroutine]
fn compute(x: i32, y: i32) -> i32 {
    yield_from!(sleep(3600.0)); // line 12
    x + y
}

#[coroutines::coroutine]
fn print_sum(x: i32, y: i32) -> i32 {
    let result = yield_from!(compute(x, y)); // line 18
    result
}

#[coroutines::coroutine]
fn wait_on(future: LoopFuture<u32>) -> u32 {
    yield_from!(future) // line 24
}

/// The line and column of a suspended coroutine frame.
fn site(frame: &Frame) -> (&'static str, &'static str, u32) {
    match frame {
        Frame::Coroutine {
            function,
            state: FrameState::Suspended(location),
        } => (function, location.file, location.line),
        other => panic!("not a suspended coroutine: {other:?}"),
    }
}

#[test]
fn a_task_reports_its_chain_without_being_polled() {
    within(|| {
        let event_loop = EventLoop::new();
        let task = event_loop.create_task(print_sum(1, 2));
        assert_eq!(
            task.get_stack(),
            [Frame::Coroutine {
                function: "print_sum",
                state: FrameState::Created
            }]
        );
        event_loop.run_until_complete(sleep(0));
        let stack = task.get_stack();
        assert_eq!(stack.len(), 3, "{stack:?}");
        assert_eq!(
            site(&stack[0]),
            ("print_sum", "runtime/tests/task_stacks.rs", 18)
        );
        assert_eq!(
            site(&stack[1]),
            ("compute", "runtime/tests/task_stacks.rs", 12)
        );
        assert!(matches!(stack[2], Frame::Foreign { type_name } if type_name.ends_with("::Sleep")));
        // Reading did not poll: the same frames again, and the task is still pending.
        assert_eq!(task.get_stack(), stack);
        assert_eq!(task.handle().get_stack(), stack);
        assert!(!task.done());

        let mut out = Vec::new();
        task.write_stack(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "Stack for <Task pending name='print_sum' \
             coro=<print_sum() suspended at runtime/tests/task_stacks.rs:18:18> \
             wait_for=<compute() suspended at runtime/tests/task_stacks.rs:12:5>> \
             (most recent call last):\n\
             \x20 print_sum() suspended at runtime/tests/task_stacks.rs:18:18\n\
             \x20 compute() suspended at runtime/tests/task_stacks.rs:12:5\n\
             \x20 <coroutine_runtime::event_loop::sleep::Sleep>\n"
        );
        task.cancel();
        assert!(task.get_stack().is_empty());
    });
}

#[test]
fn a_task_asked_from_inside_reports_itself_running() {
    within(|| {
        let event_loop = EventLoop::new();
        let seen = Rc::new(RefCell::new(Vec::new()));

        #[coroutines::coroutine]
        fn introspect(seen: Rc<RefCell<Vec<Frame>>>) {
            yield_from!(sleep(0));
            let me = coroutines::get_event_loop().all_tasks();
            seen.borrow_mut().extend(me[0].get_stack());
        }

        let task = event_loop.create_task(introspect(seen.clone()));
        event_loop.run_until_complete(task);
        assert_eq!(
            *seen.borrow(),
            [Frame::Coroutine {
                function: "introspect",
                state: FrameState::Running
            }]
        );
    });
}

#[test]
fn ensure_future_shows_a_foreign_frame_and_a_numbered_name() {
    within(|| {
        let event_loop = EventLoop::new();
        let task = event_loop.ensure_future(std::future::pending::<()>());
        assert_eq!(
            task.get_stack(),
            [Frame::Foreign {
                type_name: "core::future::pending::Pending<()>"
            }]
        );
        assert_eq!(task.get_name(), format!("Task-{}", task.id()));
        assert_eq!(
            format!("{task:?}"),
            format!(
                "<Task pending name='Task-{}' coro=<core::future::pending::Pending<()>>>",
                task.id()
            )
        );
        task.cancel();
    });
}

#[test]
fn awaiting_a_task_shows_through_it() {
    within(|| {
        let event_loop = EventLoop::new();

        #[coroutines::coroutine]
        fn parent() -> i32 {
            let child = create_task(print_sum(1, 2)); // line 140
            yield_from!(child) // line 141
        }

        let task = event_loop.create_task(parent());
        event_loop.run_until_complete(sleep(0.01));
        let stack = task.get_stack();
        let functions: Vec<_> = stack
            .iter()
            .filter_map(|frame| match frame {
                Frame::Coroutine { function, .. } => Some(*function),
                Frame::Foreign { .. } => None,
            })
            .collect();
        assert_eq!(functions, ["parent", "print_sum", "compute"], "{stack:?}");
        assert_eq!(site(&stack[0]).2, 141);
        task.cancel();
    });
}

#[test]
fn names_default_to_the_function_and_can_be_set() {
    within(|| {
        let event_loop = EventLoop::new();
        let task = event_loop.create_task(print_sum(1, 2));
        assert_eq!(task.get_name(), "print_sum");
        let handle = task.handle();
        handle.set_name("adder");
        assert_eq!(task.get_name(), "adder");
        let named = event_loop.create_task(compute(1, 2)).with_name("second");
        assert_eq!(named.handle().get_name(), "second");
        assert!(format!("{named:?}")
            .starts_with("<Task pending name='second' coro=<compute() created>"));
        task.cancel();
        named.cancel();
    });
}

#[test]
fn the_repr_reads_like_asyncio() {
    within(|| {
        let event_loop = EventLoop::new();
        let mut pending = event_loop.create_task(print_sum(1, 2));
        event_loop.run_until_complete(sleep(0));
        assert_eq!(
            format!("{pending:?}"),
            "<Task pending name='print_sum' \
             coro=<print_sum() suspended at runtime/tests/task_stacks.rs:18:18> \
             wait_for=<compute() suspended at runtime/tests/task_stacks.rs:12:5>>"
        );
        pending.cancel();
        assert_eq!(
            format!("{pending:?}"),
            "<Task cancelled name='print_sum' coro=<print_sum() done>>"
        );
        assert!(pending.result().unwrap_err().is_cancelled());

        #[coroutines::coroutine]
        fn three() -> i32 {
            yield_from!(sleep(0));
            3
        }
        let mut finished = event_loop.create_task(three());
        event_loop.run_until_complete(finished.handle_future());
        assert_eq!(
            format!("{finished:?}"),
            "<Task finished name='three' coro=<three() done> result=3>"
        );
        assert_eq!(
            format!("{:?}", finished.handle()),
            "<Task finished name='three' coro=<three() done>>"
        );
        assert_eq!(finished.result().unwrap(), 3);
        // The result was taken out: it is no longer shown.
        assert_eq!(
            format!("{finished:?}"),
            "<Task finished name='three' coro=<three() done>>"
        );

        #[coroutines::coroutine]
        fn boom() {
            yield_from!(sleep(0));
            panic!("boom");
        }
        let reports = record_reports(&event_loop);
        let failed = event_loop.create_task(boom());
        quietly(|| event_loop.run_until_complete(failed.handle_future()));
        assert_eq!(
            format!("{failed:?}"),
            "<Task finished name='boom' coro=<boom() done> exception=panic(\"boom\")>"
        );
        drop(failed);
        assert_eq!(reports.borrow().len(), 1);
    });
}

/// Waits for a task without taking its outcome, for the repr tests.
trait HandleFuture {
    fn handle_future(&self) -> LoopFuture<()>;
}

impl<T> HandleFuture for Task<T> {
    fn handle_future(&self) -> LoopFuture<()> {
        let done = coroutines::get_event_loop().create_future();
        let setter = done.clone();
        self.add_done_callback(move |_| setter.set_result(()));
        done
    }
}

#[test]
fn all_tasks_and_the_dump_list_every_pending_task() {
    within(|| {
        let event_loop = EventLoop::new();
        let never = event_loop.create_future::<u32>();
        let stuck = event_loop
            .create_task(wait_on(never.clone()))
            .with_name("stuck");
        let sleeper = event_loop.create_task(print_sum(1, 2));
        let quick = event_loop.ensure_future(async {});
        event_loop.run_until_complete(sleep(0));
        assert!(quick.done());
        assert_eq!(event_loop.all_tasks(), [stuck.handle(), sleeper.handle()]);

        let mut dump = Vec::new();
        event_loop.dump_tasks(&mut dump).unwrap();
        let dump = String::from_utf8(dump).unwrap();
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines.len(), 7, "{dump}");
        assert!(lines[0].starts_with("Stack for <Task pending name='stuck' coro=<wait_on() suspended at runtime/tests/task_stacks.rs:24:5>"), "{dump}");
        assert_eq!(
            lines[1],
            "  wait_on() suspended at runtime/tests/task_stacks.rs:24:5"
        );
        assert_eq!(
            lines[2],
            "  <coroutine_runtime::event_loop::loop_future::LoopFuture<u32>>"
        );
        assert!(
            lines[3].starts_with("Stack for <Task pending name='print_sum'"),
            "{dump}"
        );
        assert_eq!(
            lines[4],
            "  print_sum() suspended at runtime/tests/task_stacks.rs:18:18"
        );
        assert_eq!(
            lines[5],
            "  compute() suspended at runtime/tests/task_stacks.rs:12:5"
        );
        assert_eq!(lines[6], "  <coroutine_runtime::event_loop::sleep::Sleep>");
        never.set_result(1);
        assert_eq!(event_loop.run_until_complete(stuck), 1);
        sleeper.cancel();
        assert!(event_loop.all_tasks().is_empty());
    });
}

/// A step that holds the loop for 300 ms, against asyncio's 100 ms threshold: slow beyond doubt,
/// while other steps stay far below it even on a loaded machine (the only timing used here).
#[coroutines::coroutine]
fn blocks_the_loop() {
    yield_from!(sleep(0)); // line 302
    std::thread::sleep(std::time::Duration::from_millis(300));
}

fn slow_reports(debug: bool) -> Vec<(String, Vec<Frame>, Option<u32>)> {
    let event_loop = EventLoop::new();
    event_loop.set_debug(debug);
    assert_eq!(event_loop.get_debug(), debug);
    event_loop.set_slow_callback_duration(std::time::Duration::from_millis(100));
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    event_loop.set_exception_handler(move |_, context| {
        sink.borrow_mut().push((
            context.message().to_owned(),
            context.stack().to_vec(),
            context.created_at().map(|at| at.line()),
        ));
    });
    let task = event_loop.create_task(blocks_the_loop()); // line 320
    event_loop.run_until_complete(task);
    event_loop.call_soon(|| std::thread::sleep(std::time::Duration::from_millis(300))); // line 322
    event_loop.run_until_complete(sleep(0));
    reports.take()
}

#[test]
#[cfg_attr(miri, ignore = "counts slow steps: under Miri every step is slow")]
fn debug_mode_reports_slow_steps_with_the_site_they_resumed_from() {
    within(|| {
        let reports = slow_reports(true);
        assert_eq!(reports.len(), 2, "{reports:?}");
        let (message, stack, created) = &reports[0];
        assert!(
            message.starts_with("Executing <Task finished name='blocks_the_loop' coro=<blocks_the_loop() done> created at runtime/tests/task_stacks.rs:320:")
                && message.ends_with(" seconds (resumed from runtime/tests/task_stacks.rs:302:5)"),
            "{message}"
        );
        assert_eq!(
            site(&stack[0]),
            ("blocks_the_loop", "runtime/tests/task_stacks.rs", 302)
        );
        assert_eq!(*created, Some(320));
        let (message, _, scheduled) = &reports[1];
        assert!(
            message.starts_with("Executing <Handle scheduled at runtime/tests/task_stacks.rs:322:"),
            "{message}"
        );
        assert_eq!(*scheduled, Some(322));
    });
}

#[test]
fn without_debug_mode_slow_steps_are_not_reported() {
    within(|| assert_eq!(slow_reports(false), []));
}

#[test]
fn a_task_destroyed_pending_is_reported_with_its_stack_and_creation_site() {
    within(|| {
        let event_loop = EventLoop::new();
        let reports = Rc::new(RefCell::new(Vec::new()));
        let sink = reports.clone();
        event_loop
            .set_exception_handler(move |_, context| sink.borrow_mut().push(context.to_string()));
        let _task = event_loop.create_task(print_sum(1, 2)); // line 366
        event_loop.run_until_complete(sleep(0));
        event_loop.close();
        assert_eq!(
            *reports.borrow(),
            [
                "Task was destroyed but it is pending!\n\
                 task: <Task pending name='print_sum' coro=<print_sum() suspended at runtime/tests/task_stacks.rs:18:18> wait_for=<compute() suspended at runtime/tests/task_stacks.rs:12:5>>\n\
                 created at runtime/tests/task_stacks.rs:366:32\n\
                 stack (most recent call last):\n\
                 \x20 print_sum() suspended at runtime/tests/task_stacks.rs:18:18\n\
                 \x20 compute() suspended at runtime/tests/task_stacks.rs:12:5\n\
                 \x20 <coroutine_runtime::event_loop::sleep::Sleep>"
            ]
        );
    });
}

#[test]
fn a_panic_never_retrieved_is_reported_with_the_creation_site() {
    within(|| {
        #[coroutines::coroutine]
        fn fails() {
            yield_from!(sleep(0));
            panic!("lost");
        }

        let event_loop = EventLoop::new();
        let reports = Rc::new(RefCell::new(Vec::new()));
        let sink = reports.clone();
        event_loop
            .set_exception_handler(move |_, context| sink.borrow_mut().push(context.to_string()));
        let task = event_loop.create_task(fails()); // line 398
        let handle = task.handle();
        drop(task);
        quietly(|| event_loop.run_until_complete(sleep(0.01)));
        assert!(handle.done());
        drop(handle);
        assert_eq!(
            *reports.borrow(),
            ["Task exception was never retrieved\n\
              task: <Task finished name='fails' coro=<fails() done>>\n\
              created at runtime/tests/task_stacks.rs:398:31\n\
              panic: lost"]
        );
    });
}

#[test]
fn the_dump_shows_the_main_future_of_run_until_complete_by_its_function() {
    within(|| {
        let event_loop = EventLoop::new();
        let dump = Rc::new(RefCell::new(String::new()));
        let sink = dump.clone();
        event_loop.call_later(0.01, move || {
            let mut out = Vec::new();
            coroutines::get_event_loop().dump_tasks(&mut out).unwrap();
            *sink.borrow_mut() = String::from_utf8(out).unwrap();
            coroutines::get_event_loop().stop();
        });
        let stopped = common::panic_message(|| event_loop.run_until_complete(print_sum(1, 2)));
        assert_eq!(stopped, "Event loop stopped before Future completed.");
        let dump = dump.borrow();
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines.len(), 2, "{dump}");
        assert!(
            lines[0].starts_with(
                "Stack for <Task pending name='print_sum' coro=<coroutine_runtime::machine::CoroutineFuture<"
            ),
            "{dump}"
        );
        assert!(
            lines[1].starts_with("  <coroutine_runtime::machine::CoroutineFuture<"),
            "{dump}"
        );
    });
}

/// A handwritten `Stack`: its top frame is read once, when the task is created, and is what the
/// task reports once the future is gone.
struct Handwritten {
    polled: bool,
}

impl std::future::Future for Handwritten {
    type Output = u8;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u8> {
        if self.polled {
            return std::task::Poll::Ready(7);
        }
        self.polled = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

impl coroutines::Stack for Handwritten {
    fn push_frames(self: std::pin::Pin<&mut Self>, frames: &mut Vec<Frame>) {
        frames.push(Frame::Coroutine {
            function: "handwritten",
            state: if self.polled {
                FrameState::Running
            } else {
                FrameState::Created
            },
        });
    }
}

#[test]
fn a_task_of_a_handwritten_stack_keeps_the_top_frame_it_was_created_with() {
    within(|| {
        let event_loop = EventLoop::new();
        let mut task = event_loop.create_task(Handwritten { polled: false });
        assert_eq!(task.get_name(), "handwritten");
        event_loop.run_until_complete(sleep(0));
        event_loop.run_until_complete(sleep(0));
        assert!(task.done());
        assert_eq!(
            format!("{task:?}"),
            "<Task finished name='handwritten' coro=<handwritten() done> result=7>"
        );
        assert_eq!(task.result().unwrap(), 7);

        // A foreign frame: the task is numbered, and shows the type.
        let sleeper = event_loop.create_task(sleep(3600));
        sleeper.cancel();
        assert_eq!(
            format!("{sleeper:?}"),
            format!(
                "<Task cancelled name='Task-{}' coro=<coroutine_runtime::event_loop::sleep::Sleep>>",
                sleeper.id()
            )
        );
    });
}
