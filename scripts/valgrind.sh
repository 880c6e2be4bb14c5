#!/usr/bin/env bash
# Runs the examples and the semantics/drop test binaries under valgrind memcheck; any error or
# leak fails the script. Not part of CI (slow).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --examples --tests -q
check() { valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect "$@" > /dev/null; }
for example in hello_world print_sum fibonacci averager; do
    echo "valgrind: example $example"
    check "target/debug/examples/$example"
done
for suite in smoke2 drops semantics_generator semantics_async; do
    binary=$(ls -t target/debug/deps/"$suite"-* | grep -v '\.d$' | head -n 1)
    echo "valgrind: test $suite"
    check "$binary" --test-threads=1 -q
done
echo "valgrind: no errors, no leaks"
