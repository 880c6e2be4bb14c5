//! Interop, both ways: our coroutines (and `sleep`) run on tokio and on `futures`' executor, and
//! other libraries' futures run on our loop, woken from their threads.

mod common;

use common::{within, GENEROUS};
use coroutines::{gather, sleep, wait_for, EventLoop, TimeoutError};
use futures::StreamExt;
use std::thread;
use std::time::{Duration, Instant};

#[coroutines::coroutine]
fn compute(x: u32, y: u32) -> u32 {
    yield_from!(sleep(0.02));
    yield_from!(sleep(Duration::from_millis(10)));
    x + y
}

#[coroutines::coroutine]
fn sum_of_three() -> u32 {
    let a = yield_from!(compute(1, 2));
    let b = yield_from!(compute(3, 4));
    let c = yield_from!(compute(5, 6));
    a + b + c
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[test]
fn a_coroutine_runs_on_tokio_current_thread() {
    within(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let start = Instant::now();
        assert_eq!(runtime.block_on(sum_of_three()), 21);
        assert!(start.elapsed() >= Duration::from_millis(90));
    });
}

#[test]
fn a_coroutine_with_send_state_is_spawned_on_tokio_multi_thread() {
    within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let results = runtime.block_on(async {
            let handles: Vec<_> = (0..4)
                .map(|i| tokio::spawn(assert_send(compute(i, 10))))
                .collect();
            let mut results = Vec::new();
            for handle in handles {
                results.push(handle.await.unwrap());
            }
            results
        });
        assert_eq!(results, [10, 11, 12, 13]);
    });
}

#[test]
fn a_coroutine_runs_on_futures_block_on() {
    within(|| {
        let start = Instant::now();
        assert_eq!(futures::executor::block_on(sum_of_three()), 21);
        assert!(start.elapsed() >= Duration::from_millis(90));
        // And gather/wait_for, which are plain futures too.
        let both = futures::executor::block_on(gather((compute(1, 1), compute(2, 2))));
        assert_eq!(both, (2, 4));
        let timed_out = futures::executor::block_on(wait_for(sleep(3600), 0.01));
        assert_eq!(timed_out, Err(TimeoutError));
    });
}

#[test]
fn a_futures_channel_oneshot_completed_from_a_thread_wakes_the_loop() {
    #[coroutines::coroutine]
    fn receive(receiver: futures_channel::oneshot::Receiver<&'static str>) -> &'static str {
        yield_from!(receiver).unwrap()
    }
    within(|| {
        let event_loop = EventLoop::new();
        let (sender, receiver) = futures_channel::oneshot::channel();
        let start = Instant::now();
        let producer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            sender.send("from another thread").unwrap();
        });
        // Nothing else is scheduled: only the channel's waker, called on the producer thread,
        // can wake the loop (the watchdog fails the test otherwise).
        assert_eq!(
            event_loop.run_until_complete(receive(receiver)),
            "from another thread"
        );
        assert!(start.elapsed() >= Duration::from_millis(50));
        producer.join().unwrap();
    });
}

#[test]
fn a_futures_channel_stream_feeds_a_task() {
    within(|| {
        let event_loop = EventLoop::new();
        let (mut sender, mut receiver) = futures_channel::mpsc::channel::<u32>(1);
        let consumer = event_loop.ensure_future(async move {
            let mut total = 0;
            while let Some(value) = receiver.next().await {
                total += value;
            }
            total
        });
        let producer = thread::spawn(move || {
            for value in 1..=10 {
                futures::executor::block_on(futures::SinkExt::send(&mut sender, value)).unwrap();
            }
        });
        assert_eq!(event_loop.run_until_complete(consumer), 55);
        producer.join().unwrap();
    });
}

#[test]
fn a_tokio_timer_runs_on_our_loop_inside_a_tokio_context() {
    // `tokio::time::sleep` needs a tokio runtime to register with, and that runtime's driver to
    // fire it. Entering a multi-threaded runtime (`Runtime::enter`) provides both: its worker
    // thread drives the timer and calls our waker, which is `Send` and wakes our loop. (A
    // current-thread runtime only drives timers inside its own `block_on`, so its timers would
    // never fire while our loop runs.)
    within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let _context = runtime.enter();
        let event_loop = EventLoop::new();
        let start = Instant::now();
        #[coroutines::coroutine]
        fn mixed() -> &'static str {
            yield_from!(tokio::time::sleep(Duration::from_millis(30)));
            yield_from!(sleep(0.01));
            "both timers fired"
        }
        assert_eq!(event_loop.run_until_complete(mixed()), "both timers fired");
        assert!(start.elapsed() >= Duration::from_millis(40));
    });
}

#[test]
fn a_tokio_channel_filled_by_a_tokio_task_wakes_our_loop() {
    within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let (sender, receiver) = tokio::sync::oneshot::channel();
        runtime.spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            sender.send(99_u32).unwrap();
        });
        let event_loop = EventLoop::new();
        let task = event_loop.ensure_future(async move { receiver.await.unwrap() });
        assert_eq!(event_loop.run_until_complete(task), 99);
    });
}

#[test]
fn our_loop_runs_inside_a_tokio_blocking_thread() {
    within(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let output = runtime.block_on(async {
            tokio::time::timeout(
                GENEROUS,
                tokio::task::spawn_blocking(|| {
                    let event_loop = EventLoop::new();
                    let output = event_loop.run_until_complete(sum_of_three());
                    event_loop.close();
                    output
                }),
            )
            .await
            .expect("timed out")
            .unwrap()
        });
        assert_eq!(output, 21);
    });
}

#[tokio::test]
async fn a_coroutine_in_a_tokio_test() {
    let output = tokio::time::timeout(GENEROUS, compute(20, 22)).await;
    assert_eq!(output, Ok(42));
}
