#![recursion_limit = "512"]
//! Every benchmark workload (`benches/workloads/`) gives the same observable result under every
//! contender, so that the benches compare like with like.

#[allow(dead_code)]
#[path = "../benches/workloads/mod.rs"]
mod workloads;

use workloads::{async_chain, delegation, generators, runtime, sizes};

#[test]
fn generator_workloads_agree() {
    for (name, _, contenders) in generators::workloads() {
        for n in [0, 1, 2, 7, 100, if name == "nested" { 64 } else { 1024 }] {
            let expected = contenders[1].1(n);
            for (contender, f) in contenders {
                assert_eq!(f(n), expected, "{name}({n}) by {contender}");
            }
        }
    }
}

#[test]
fn generator_workloads_yield_what_they_should() {
    use coroutines::iter;
    let v: Vec<u64> = iter(generators::ours::counter(4)).collect();
    assert_eq!(v, [0, 1, 2, 3]);
    let v: Vec<u64> = iter(generators::ours::nested(4)).collect();
    assert_eq!(v, [1, 2, 2 ^ 1, 3, 3 ^ 1, 3 ^ 2]);
    assert_eq!(generators::yields("nested", 64), 2016);
    assert_eq!(v.len() as u64, generators::yields("nested", 4));
    let v: Vec<u64> = iter(generators::ours::large_state(40)).collect();
    let expected: Vec<u64> = (0..40u64)
        .map(|i| if i < 32 { i } else { i + (i - 32) })
        .collect();
    assert_eq!(v, expected);
}

#[test]
#[should_panic(expected = "resumed after completion")]
fn handwritten_generators_keep_the_contract() {
    use coroutines::{Coroutine, CoroutineState};
    let mut g = std::pin::pin!(generators::hand::counter(1));
    assert_eq!(g.as_mut().resume(()), CoroutineState::Yielded(0));
    assert_eq!(g.as_mut().resume(()), CoroutineState::Complete(()));
    let _ = g.as_mut().resume(());
}

#[test]
fn delegation_chains_agree() {
    for d in delegation::TESTED_DEPTHS {
        for n in [0, 1, 5, 1000] {
            let expected = delegation::expected(n, d);
            for (contender, f) in delegation::CONTENDERS {
                assert_eq!(f(d, n), expected, "depth {d}, n = {n}, by {contender}");
            }
        }
    }
}

#[test]
fn delegation_chain_state_is_flat() {
    // Each level stores the level below in place: the top's size is a function of the depth,
    // not of the number of values, and no level boxes.
    for d in delegation::TESTED_DEPTHS {
        assert!(delegation::ours::top_size(d) > 0);
    }
    assert!(delegation::ours::top_size(8) >= delegation::ours::top_size(1));
}

#[test]
fn async_chains_agree() {
    for d in async_chain::TESTED_DEPTHS {
        let [ours, rustc] = async_chain::observe(d);
        // x + y + D - 1, after two polls (the leaf is pending once).
        assert_eq!(ours.0, 1 + 2 + d as i64 - 1, "ours at depth {d}");
        assert_eq!((ours.0, ours.1), (rustc.0, rustc.1), "depth {d}");
        assert_eq!(ours.1, 2, "depth {d}");
        assert_eq!(
            async_chain::ours_run(d, 3, 4),
            async_chain::rustc_run(d, 3, 4)
        );
    }
}

#[test]
fn size_functions_agree() {
    for (case, [ours_async, rustc, ours_gen, dia]) in sizes::run_all() {
        assert_eq!(ours_async, rustc, "{case}: ours (async) vs async fn");
        assert_eq!(ours_gen, rustc, "{case}: ours (generator) vs async fn");
        assert_eq!(dia, rustc, "{case}: diapause vs async fn");
    }
}

#[test]
fn runtime_spawn_agrees() {
    let n = 1000;
    for (contender, f) in runtime::SPAWN {
        assert_eq!(f(n), runtime::spawn_expected(n), "spawn by {contender}");
    }
}

#[test]
fn runtime_ping_pong_agrees() {
    let n = 1000;
    for (contender, f) in runtime::PING_PONG {
        assert_eq!(f(n), 2 * (n - 1) + 1 - (n - 1), "ping-pong by {contender}");
    }
}

#[test]
fn runtime_timers_fire_after_their_deadlines() {
    for (contender, f) in runtime::TIMER_CONTENDERS {
        let run = f(2000);
        assert!(
            run.total >= runtime::TIMER_SPREAD.mul_f64(0.99),
            "{contender}: finished after {:?}",
            run.total
        );
    }
}
