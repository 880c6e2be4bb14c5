#!/usr/bin/env bash
# Instructions per benchmark iteration, counted by valgrind (cachegrind without cache
# simulation): deterministic where criterion's times move with the load of a shared machine.
# Covers the generator, delegation and async-chain benches (the runtime benches sleep and use
# threads, which valgrind serialises). Not part of CI.
#
#   bash benches/instructions.sh [filter]       # filter: a substring of the benchmark ids
#   BENCHES="generators" bash benches/instructions.sh   # only these bench binaries
#
# Each benchmark runs twice in its bench binary's probe mode (COROUTINES_BENCH_PROBE, see
# benches/workloads/probe.rs), once with 1 iteration and once with 1 + K; the difference divided
# by K, minus the same figure for an empty iteration (`noop`), is the count per iteration. The
# ratio column compares with the reference contender of the same workload and depth
# (handwritten, hand_iter, rustc), as benches/report.py does for times.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FILTER=${1:-}
cd "$ROOT"

command -v valgrind >/dev/null || {
    echo "valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
}

bench_args=()
for b in ${BENCHES:-generators delegation async_chain}; do bench_args+=(--bench "$b"); done
binaries=$(cargo bench --no-run --message-format=json "${bench_args[@]}" 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])
')

# Instructions executed by `bin` running `id` for `iters` iterations.
count() { # bin, id, iters
    COROUTINES_BENCH_PROBE="$2:$3" valgrind --tool=cachegrind --cache-sim=no \
        --cachegrind-out-file=/dev/null "$1" 2>&1 >/dev/null |
        awk '/I[[:space:]]+refs:/ { gsub(",", "", $NF); print $NF }'
}

# Instructions per iteration of `id`, the probe loop's own cost included.
per_iteration() { # bin, id, k
    local one many
    one=$(count "$1" "$2" 1)
    many=$(count "$1" "$2" $((1 + $3)))
    awk -v a="$one" -v b="$many" -v k="$3" 'BEGIN { printf "%.1f", (b - a) / k }'
}

echo "# $(rustc --version); $(valgrind --version); instructions per iteration"
echo
echo "| benchmark | instructions / iteration | ratio to reference |"
echo "|---|---:|---:|"
while read -r name bin; do
    # Few iterations for the slow ones: the count is exact, not a sample.
    noop=$(per_iteration "$bin" noop 1000)
    declare -A counts=()
    ids=$(COROUTINES_BENCH_PROBE=list "$bin")
    for id in $ids; do
        [[ -n "$FILTER" && "$id" != *"$FILTER"* ]] && continue
        case "$id" in
        delegation/diapause/64) k=2 ;;
        delegation/diapause/*) k=5 ;;
        delegation/*) k=10 ;;
        async_chain/*) k=20000 ;;
        *) k=200 ;;
        esac
        raw=$(per_iteration "$bin" "$id" "$k")
        counts[$id]=$(awk -v a="$raw" -v b="$noop" 'BEGIN { printf "%.1f", a - b }')
    done
    for id in $ids; do
        [[ -z "${counts[$id]:-}" ]] && continue
        # The reference of a workload: same id with the contender replaced.
        IFS=/ read -r workload contender depth <<<"$id"
        case "$workload" in
        delegation) ref="delegation/hand_iter/$depth" ;;
        async_chain) ref="async_chain/rustc/$depth" ;;
        *) ref="$workload/handwritten" ;;
        esac
        ratio="-"
        if [[ -n "${counts[$ref]:-}" ]]; then
            ratio=$(awk -v a="${counts[$id]}" -v b="${counts[$ref]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
        fi
        echo "| $id | ${counts[$id]} | $ratio |"
    done
    unset counts
done <<<"$binaries"
