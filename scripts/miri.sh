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
