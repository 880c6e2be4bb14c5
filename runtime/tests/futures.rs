//! `LoopFuture`: asyncio's `Future`, completed by callbacks.

mod common;

use common::{panic_message, panic_payload, within, Log};
use coroutines::{sleep, wait_for, CancelledError, EventLoop, LoopFuture, TaskError};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

fn run_briefly(event_loop: &EventLoop) {
    event_loop.run_until_complete(sleep(0));
}

#[test]
fn set_result_wakes_the_awaiter() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<String> = event_loop.create_future();
        assert!(!future.done() && !future.cancelled());
        let producer = future.clone();
        event_loop.call_later(0.01, move || producer.set_result("value".into()));
        assert_eq!(event_loop.run_until_complete(future.clone()), "value");
        assert!(future.done() && !future.cancelled());
    });
}

#[test]
fn a_future_of_one_loop_wakes_the_tasks_of_another_that_await_it() {
    within(|| {
        let home = EventLoop::new();
        let future: LoopFuture<u32> = home.create_future();
        let other = EventLoop::new();
        // A task of `other` awaits it, and `other`'s main task awaits that task: the key of a
        // task of `other` means nothing to `home`, so the future must keep the task's waker.
        let task = other.ensure_future(future.clone());
        let producer = future.clone();
        other.call_later(0.01, move || producer.set_result(5));
        assert_eq!(other.run_until_complete(task), 5);

        // And `other`'s main task awaiting it itself.
        let future: LoopFuture<u32> = home.create_future();
        let producer = future.clone();
        other.call_later(0.01, move || producer.set_result(6));
        assert_eq!(other.run_until_complete(future), 6);
    });
}

#[test]
fn a_future_awaited_by_one_task_then_another_wakes_the_second() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let mut handle = future.clone();
        let producer = future.clone();
        let answer = event_loop.run_until_complete(async move {
            // The main task polls the handle once...
            let pending =
                std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut handle).poll(cx).is_pending()))
                    .await;
            assert!(pending);
            // ...then hands it to a task, which awaits it from then on: that task is the one
            // to wake.
            let task = coroutines::ensure_future(handle);
            coroutines::get_event_loop().call_later(0.01, move || producer.set_result(8));
            task.await
        });
        assert_eq!(answer, 8);
    });
}

#[test]
fn result_and_the_state_errors() {
    within(|| {
        let future: LoopFuture<u32> = LoopFuture::new();
        assert_eq!(panic_message(|| future.result()), "Result is not ready.");
        future.set_result(3);
        assert_eq!(future.result(), 3);
        assert_eq!(future.result(), 3, "result() clones, repeatably");
        assert_eq!(
            panic_message(|| future.set_result(4)),
            "invalid state: the LoopFuture is already done"
        );
        assert_eq!(future.try_set_result(5), Err(5));
        assert!(!future.cancel(), "a done future cannot be cancelled");

        // Awaiting moves the value out.
        let event_loop = EventLoop::new();
        let future: LoopFuture<Vec<u8>> = event_loop.create_future();
        future.set_result(vec![1, 2]);
        assert_eq!(event_loop.run_until_complete(future.clone()), [1, 2]);
        assert_eq!(
            panic_message(|| event_loop.run_until_complete(future.clone())),
            "LoopFuture result was already taken"
        );
    });
}

#[test]
fn done_callbacks_run_in_registration_order_through_the_loop() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let future: LoopFuture<u32> = event_loop.create_future();
        for name in ["a", "b", "c"] {
            let log = log.clone();
            future.add_done_callback(move |future| log.push(format!("{name}={}", future.result())));
        }
        future.set_result(7);
        assert!(
            log.entries().is_empty(),
            "callbacks are scheduled, not called"
        );
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["a=7", "b=7", "c=7"]);

        let late = log.clone();
        future.add_done_callback(move |_| late.push("late"));
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["late"]);
    });
}

#[test]
fn awaiters_and_callbacks_are_woken_in_registration_order() {
    within(|| {
        let event_loop = EventLoop::new();
        let log = Log::default();
        let future: LoopFuture<()> = event_loop.create_future();
        let first = log.clone();
        future.add_done_callback(move |_| first.push("callback 1"));
        let waiter = future.clone();
        let task_log = log.clone();
        let _task = event_loop.ensure_future(async move {
            let mut waiter = waiter;
            // Only one awaiter can take `()`; this one just observes completion.
            std::future::poll_fn(|cx| match Pin::new(&mut waiter).poll(cx) {
                Poll::Ready(()) => Poll::Ready(()),
                Poll::Pending => Poll::Pending,
            })
            .await;
            task_log.push("task");
        });
        run_briefly(&event_loop); // the task starts waiting
        let last = log.clone();
        future.add_done_callback(move |_| last.push("callback 2"));
        future.set_result(());
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["callback 1", "task", "callback 2"]);
    });
}

#[test]
fn cancel_wakes_awaiters_which_are_cancelled() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let waiter = future.clone();
        let task = event_loop.ensure_future(async move { waiter.await + 1 });
        let handle = task.handle();
        run_briefly(&event_loop);
        let log = Log::default();
        let sink = log.clone();
        future.add_done_callback(move |future| {
            sink.push(format!("cancelled={}", future.cancelled()))
        });
        assert!(future.cancel());
        assert!(future.done() && future.cancelled());
        assert!(matches!(
            event_loop.run_until_complete(task.join()),
            Err(TaskError::Cancelled)
        ));
        assert!(handle.cancelled(), "asyncio: test_cancel_inner_future");
        run_briefly(&event_loop);
        assert_eq!(log.take(), ["cancelled=true"]);
        // result() of a cancelled future raises CancelledError.
        assert!(panic_payload(|| future.result()).is::<CancelledError>());
    });
}

#[test]
fn cancelling_the_awaiting_task_cancels_the_future() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let waiter = future.clone();
        let task = event_loop.create_task(waiter);
        run_briefly(&event_loop);
        assert!(task.cancel());
        assert!(
            future.cancelled(),
            "asyncio cancels the future a cancelled task waits on"
        );
        assert_eq!(future.try_set_result(1), Err(1));
    });
}

#[test]
fn wait_for_timing_out_cancels_the_future() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let outcome = event_loop.run_until_complete(wait_for(future.clone(), 0.01));
        assert!(outcome.is_err());
        assert!(future.cancelled());
    });
}

#[test]
fn a_handle_dropped_outside_a_cancellation_leaves_the_future_alone() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let mut waiter = future.clone();
        let waker = Waker::noop();
        assert!(Pin::new(&mut waiter)
            .poll(&mut Context::from_waker(waker))
            .is_pending());
        drop(waiter);
        assert!(!future.done());
        future.set_result(1);
        assert_eq!(future.result(), 1);
    });
}

#[test]
fn a_task_finishing_normally_leaves_futures_it_held() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let waiter = future.clone();
        // Awaits with a timeout of its own making and gives up without cancelling.
        let task = event_loop.ensure_future(async move {
            let mut waiter = waiter;
            let mut polls = 0;
            std::future::poll_fn(|cx| {
                polls += 1;
                let _ = Pin::new(&mut waiter).poll(cx);
                if polls == 1 {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
            .await;
        });
        event_loop.run_until_complete(task);
        assert!(!future.done());
    });
}

#[test]
fn several_awaiters_first_one_takes_the_value() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        let first = event_loop.create_task(future.clone());
        let second = event_loop.create_task(future.clone());
        run_briefly(&event_loop);
        future.set_result(5);
        assert_eq!(event_loop.run_until_complete(first), 5);
        let outcome = event_loop.run_until_complete(second.join());
        assert_eq!(
            outcome.unwrap_err().panic_message(),
            Some("LoopFuture result was already taken")
        );
    });
}

#[test]
fn a_loop_future_works_under_a_foreign_poller() {
    let future: LoopFuture<u32> = LoopFuture::new();
    let mut waiter = future.clone();
    let woken = Rc::new(Cell::new(false));
    struct Flag(std::sync::atomic::AtomicBool);
    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let flag = std::sync::Arc::new(Flag(Default::default()));
    let waker = Waker::from(flag.clone());
    assert!(Pin::new(&mut waiter)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    future.set_result(9);
    assert!(flag.0.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(
        Pin::new(&mut waiter).poll(&mut Context::from_waker(&waker)),
        Poll::Ready(9)
    );
    woken.set(true);
    assert!(format!("{future:?}").contains("done"));
}

#[test]
fn completing_a_future_after_its_loop_is_gone_wakes_nobody() {
    within(|| {
        let event_loop = EventLoop::new();
        let future: LoopFuture<u32> = event_loop.create_future();
        // A task registers a handle as the future's awaiter, and the handle, kept outside the
        // task, stays registered after the task and then the loop are gone.
        let parked = Rc::new(std::cell::RefCell::new(future.clone()));
        let awaiter = Rc::clone(&parked);
        let task = event_loop.ensure_future(std::future::poll_fn(move |cx| {
            assert!(Pin::new(&mut *awaiter.borrow_mut()).poll(cx).is_pending());
            Poll::Ready(())
        }));
        event_loop.run_until_complete(task);
        event_loop.close();
        drop(event_loop);
        assert!(!future.done());
        future.set_result(3);
        assert_eq!(future.result(), 3);
        drop(parked);
    });
}
