#!/usr/bin/env bash
# Runs the suites that exercise the unsafe code (the generated `Pin::new_unchecked` and unwind
# guard, the runtime's adapters and loop) under Miri. Needs a nightly toolchain with Miri:
#   rustup component add miri rust-src --toolchain nightly
# Not part of CI (CI must not depend on nightly). Tests that need real time, threads or I/O
# beyond what Miri models are left to the native runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
cargo +nightly miri test -p coroutines --test smoke --test smoke2 --test drops --test semantics_generator --test semantics_async "$@"
# The runtime's tasks (one allocation with its own counts, a borrow flag in the header, tagged
# words) and the futures they hold. Left out: the suites that assert timings or leave the timer
# thread running (callbacks, combinators, event_loop), and load and interop (too slow here).
cargo +nightly miri test -p coroutine-runtime --lib --test tasks --test task_stacks --test futures "$@"
