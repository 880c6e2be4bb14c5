#!/usr/bin/env bash
# Compile cost of the #[coroutine] macro (issue 7). Not part of CI: it takes a few minutes and
# uses the nightly toolchain for -Zunpretty=expanded and -Ztime-passes.
#
#   bash benches/compile_cost.sh [runs]        # default: 3 timed rebuilds per measurement
#   POINTS="10 100" bash benches/compile_cost.sh   # other suspension-point counts
#   PARTS="awaits" bash benches/compile_cost.sh     # some of the parts: points, many, awaits
#
# It generates scratch crates under target/compile-cost/ (outside the workspace: each has its
# own empty [workspace] table) and measures:
#
# 1. Suspension points: one generator with N = 10, 100, 1000 straight-line suspension points
#    (`yield_!(acc); acc = acc.wrapping_mul(3).wrapping_add(K);`), ours and diapause's. For each:
#    the source and the macro-expanded size (cargo +nightly rustc -- -Zunpretty=expanded), the
#    time rustc spends expanding macros (-Ztime-passes, `macro_expand_crate`, in a compilation
#    that stops after expansion), and the wall time of a release build of the crate alone (deps
#    warm, `touch src/lib.rs`), median of [runs] (one run at N = 1000: it takes minutes).
# 2. 500 small coroutines (a `for` loop with a resume value and an if/else, only constants
#    differ; diapause's compile-time workload) written with our macro, with diapause's, and as
#    handwritten state machines implementing coroutines::Coroutine; every crate also has one
#    non-generic driver per coroutine, so that every style's resume code is compiled. Wall time
#    of a release rebuild (deps warm), median of [runs].
#
# 3. Awaits: one async function with N = 10, 25, 50, 100 straight-line awaits
#    (`total += yield_from!(ready(total % 7 + K));`), ours and the same as an `async fn`: wall
#    time of a release rebuild, median of [runs]. (Ours is not linear here; BENCHMARKS.md,
#    section 6.) `AWAITS="10 25"` picks other counts.
#
# Output: a Markdown table on stdout; the generated crates stay in target/compile-cost/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/target/compile-cost"
RUNS=${1:-3}
PARTS=" ${PARTS:-points many awaits} "
STABLE_TARGET="$OUT/target-stable"
NIGHTLY_TARGET="$OUT/target-nightly"
mkdir -p "$OUT"

have_nightly=1
cargo +nightly --version >/dev/null 2>&1 || have_nightly=0

manifest() { # name, deps
    cat <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
path = "src/lib.rs"

[dependencies]
$2

[workspace]
EOF
}

OURS_DEP="coroutines = { path = \"$ROOT\" }"
DIA_DEP='diapause = "0.2"'

# --- generators -------------------------------------------------------------------------------

gen_points_ours() { # N
    echo "#[coroutines::coroutine(yield = u64)]"
    echo "pub fn points(x: u64) -> u64 {"
    echo "    let mut acc = x;"
    for ((k = 0; k < $1; k++)); do
        echo "    yield_!(acc);"
        echo "    acc = acc.wrapping_mul(3).wrapping_add($k);"
    done
    echo "    acc"
    echo "}"
    cat <<'EOF'

pub fn run(x: u64) -> u64 {
    use coroutines::{Coroutine, CoroutineState};
    let mut g = std::pin::pin!(points(x));
    let mut acc = 0u64;
    loop {
        match g.as_mut().resume(()) {
            CoroutineState::Yielded(v) => acc = acc.wrapping_add(v),
            CoroutineState::Complete(r) => return acc.wrapping_add(r),
        }
    }
}
EOF
}

gen_points_dia() { # N
    echo "#[diapause::coroutine(yield = u64)]"
    echo "pub fn points(x: u64) -> u64 {"
    echo "    let mut acc: u64 = x;"
    for ((k = 0; k < $1; k++)); do
        echo "    yield_!(acc);"
        echo "    acc = acc.wrapping_mul(3).wrapping_add($k);"
    done
    echo "    acc"
    echo "}"
    cat <<'EOF'

pub fn run(x: u64) -> u64 {
    use diapause::{Coroutine, CoroutineState};
    let mut g = points(x);
    let mut acc = 0u64;
    let mut st = g.start();
    loop {
        match st {
            CoroutineState::Yielded(v) => {
                acc = acc.wrapping_add(v);
                st = g.resume(());
            }
            CoroutineState::Complete(r) => return acc.wrapping_add(r),
        }
    }
}
EOF
}

gen_many_ours() { # N
    cat <<'EOF'
use coroutines::{Coroutine, CoroutineState};

#[inline(never)]
fn drive<C: Coroutine<u64, Yield = u64, Return = u64>>(c: C) -> u64 {
    let mut c = std::pin::pin!(c);
    let mut acc = 0u64;
    let mut st = c.as_mut().resume(0);
    loop {
        match st {
            CoroutineState::Yielded(v) => {
                acc = acc.wrapping_add(v);
                st = c.as_mut().resume(v & 7);
            }
            CoroutineState::Complete(r) => return acc.wrapping_add(r),
        }
    }
}
EOF
    for ((i = 0; i < $1; i++)); do
        cat <<EOF

#[coroutines::coroutine(yield = u64, resume = u64)]
pub fn co_$i(n: u64) -> u64 {
    let mut sum = ${i}u64;
    for k in 0..n {
        let bonus = yield_!(sum);
        if k % 3 == 0 {
            sum = sum.wrapping_add(k).wrapping_add(bonus);
        } else {
            sum = sum.wrapping_mul(${i}u64 | 1).wrapping_add(bonus);
        }
    }
    sum
}

pub fn run_$i(n: u64) -> u64 {
    drive(co_$i(n))
}
EOF
    done
}

gen_many_dia() { # N
    cat <<'EOF'
use diapause::{Coroutine, CoroutineState};

#[inline(never)]
fn drive<C: Coroutine<u64, Yield = u64, Return = u64>>(mut c: C) -> u64 {
    let mut acc = 0u64;
    let mut st = c.start();
    loop {
        match st {
            CoroutineState::Yielded(v) => {
                acc = acc.wrapping_add(v);
                st = c.resume(v & 7);
            }
            CoroutineState::Complete(r) => return acc.wrapping_add(r),
        }
    }
}
EOF
    for ((i = 0; i < $1; i++)); do
        cat <<EOF

#[diapause::coroutine(yield = u64, resume = u64)]
pub fn co_$i(n: u64) -> u64 {
    let mut sum: u64 = ${i}u64;
    for k in 0..n {
        let bonus = yield_!(sum);
        if k % 3 == 0 {
            sum = sum.wrapping_add(k).wrapping_add(bonus);
        } else {
            sum = sum.wrapping_mul(${i}u64 | 1).wrapping_add(bonus);
        }
    }
    sum
}

pub fn run_$i(n: u64) -> u64 {
    drive(co_$i(n))
}
EOF
    done
}

gen_many_hand() { # N
    cat <<'EOF'
use coroutines::{Coroutine, CoroutineState};
use std::pin::Pin;

#[inline(never)]
fn drive<C: Coroutine<u64, Yield = u64, Return = u64>>(c: C) -> u64 {
    let mut c = std::pin::pin!(c);
    let mut acc = 0u64;
    let mut st = c.as_mut().resume(0);
    loop {
        match st {
            CoroutineState::Yielded(v) => {
                acc = acc.wrapping_add(v);
                st = c.as_mut().resume(v & 7);
            }
            CoroutineState::Complete(r) => return acc.wrapping_add(r),
        }
    }
}
EOF
    for ((i = 0; i < $1; i++)); do
        cat <<EOF

pub struct Co$i {
    n: u64,
    k: u64,
    sum: u64,
    state: u8,
}

pub fn co_$i(n: u64) -> Co$i {
    Co$i { n, k: 0, sum: ${i}u64, state: 0 }
}

impl Coroutine<u64> for Co$i {
    type Yield = u64;
    type Return = u64;
    fn resume(self: Pin<&mut Self>, bonus: u64) -> CoroutineState<u64, u64> {
        let s = self.get_mut();
        match s.state {
            0 => {}
            1 => {
                if s.k % 3 == 0 {
                    s.sum = s.sum.wrapping_add(s.k).wrapping_add(bonus);
                } else {
                    s.sum = s.sum.wrapping_mul(${i}u64 | 1).wrapping_add(bonus);
                }
                s.k += 1;
            }
            _ => panic!("resumed after completion"),
        }
        if s.k < s.n {
            s.state = 1;
            CoroutineState::Yielded(s.sum)
        } else {
            s.state = 2;
            CoroutineState::Complete(s.sum)
        }
    }
}

pub fn run_$i(n: u64) -> u64 {
    drive(co_$i(n))
}
EOF
    done
}

# --- awaits -----------------------------------------------------------------------------------

# The body of `awaits(start: u32) -> u32` after its signature, with N awaits written as the
# printf format `$2` says (`%s` is the awaited future).
gen_awaits_body() { # N, await format
    echo "    let mut total = start;"
    for ((i = 0; i < $1; i++)); do
        # shellcheck disable=SC2059 # the format is the argument
        printf "    total += $2;\n" "std::future::ready(total % 7 + $((i % 13)))"
    done
    echo "    total"
    echo "}"
}

gen_awaits_ours() { # N
    echo "#[coroutines::coroutine]"
    echo "pub fn awaits(start: u32) -> u32 {"
    gen_awaits_body "$1" 'yield_from!(%s)'
}

gen_awaits_native() { # N
    echo "pub async fn awaits(start: u32) -> u32 {"
    gen_awaits_body "$1" '%s.await'
}

make_crate() { # dir, deps, generator, arg
    local dir="$OUT/$1"
    rm -rf "$dir"
    mkdir -p "$dir/src"
    manifest "cc-$1" "$2" >"$dir/Cargo.toml"
    "$3" "$4" >"$dir/src/lib.rs"
}

# --- measurements -----------------------------------------------------------------------------

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Median wall time (s) of release rebuilds of the crate alone (its dependencies are warm: an
# earlier crate of the same style built them). `runs` defaults to RUNS; the first build of a
# new crate is one of the timed runs.
rebuild_time() { # dir [runs]
    local dir="$OUT/$1" runs=${2:-$RUNS} times=()
    for ((r = 0; r < runs; r++)); do
        touch "$dir/src/lib.rs"
        local t0 t1
        t0=$(date +%s.%N)
        (cd "$dir" && CARGO_TARGET_DIR="$STABLE_TARGET" cargo build --release --quiet)
        t1=$(date +%s.%N)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    done
    printf '%s\n' "${times[@]}" | median
}

# Builds the dependencies of a style once, through a tiny crate of that style.
warm() { # deps
    local dir="$OUT/warm-$RANDOM"
    mkdir -p "$dir/src"
    manifest cc-warm "$1" >"$dir/Cargo.toml"
    : >"$dir/src/lib.rs"
    (cd "$dir" && CARGO_TARGET_DIR="$STABLE_TARGET" cargo build --release --quiet)
    if [ "$have_nightly" = 1 ]; then
        (cd "$dir" && CARGO_TARGET_DIR="$NIGHTLY_TARGET" cargo +nightly build --release --quiet) 2>/dev/null
    fi
    rm -rf "$dir"
}

# Bytes and lines of the macro-expanded crate.
expanded_size() { # dir
    local dir="$OUT/$1"
    (cd "$dir" && CARGO_TARGET_DIR="$NIGHTLY_TARGET" cargo +nightly rustc --release --quiet --lib -- -Zunpretty=expanded) >"$dir/expanded.rs" 2>/dev/null
    echo "$(wc -c <"$dir/expanded.rs") $(wc -l <"$dir/expanded.rs")"
}

# Median seconds rustc spends in macro expansion (-Ztime-passes: macro_expand_crate), in a
# compilation that stops after expansion (-Zunpretty=expanded).
expand_time() { # dir
    local dir="$OUT/$1" times=()
    for ((r = 0; r < RUNS; r++)); do
        touch "$dir/src/lib.rs"
        times+=("$(cd "$dir" && CARGO_TARGET_DIR="$NIGHTLY_TARGET" cargo +nightly rustc --release --quiet --lib -- -Zunpretty=expanded -Ztime-passes 2>&1 >/dev/null |
            awk '/macro_expand_crate$/ { print $2 }' | tr -d ';' | head -1)")
    done
    printf '%s\n' "${times[@]}" | median
}

echo "# $(rustc --version); $(cargo +nightly --version 2>/dev/null | sed 's/^cargo/nightly cargo/' || echo 'no nightly')"
echo "# $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); medians of $RUNS runs"
echo

if [[ "$PARTS" == *" points "* ]]; then
echo "## Suspension points (one generator, straight-line)"
echo
echo "| crate | N | source | expanded | expanded / source | macro expansion | release rebuild |"
echo "|---|---:|---:|---:|---:|---:|---:|"
warm "$OURS_DEP"
warm "$DIA_DEP"
for style in ours dia; do
    for n in ${POINTS:-10 100 1000}; do
        name="points_${style}_$n"
        if [ "$style" = ours ]; then
            make_crate "$name" "$OURS_DEP" gen_points_ours "$n"
        else
            make_crate "$name" "$DIA_DEP" gen_points_dia "$n"
        fi
        src_bytes=$(wc -c <"$OUT/$name/src/lib.rs")
        src_lines=$(wc -l <"$OUT/$name/src/lib.rs")
        if [ "$have_nightly" = 1 ]; then
            read -r exp_bytes exp_lines < <(expanded_size "$name")
            exp_time=$(expand_time "$name")
            ratio=$(awk -v a="$exp_bytes" -v b="$src_bytes" 'BEGIN { printf "%.1f", a / b }')
            exp_cell="$exp_bytes B / $exp_lines lines"
            time_cell="$exp_time s"
        else
            exp_cell="(no nightly)"
            ratio="-"
            time_cell="(no nightly)"
        fi
        # A 1000-point crate takes minutes to build: time it once.
        build=$(rebuild_time "$name" "$([ "$n" -ge 1000 ] && echo 1 || echo "$RUNS")")
        echo "| $style | $n | $src_bytes B / $src_lines lines | $exp_cell | ${ratio}x | $time_cell | $build s |"
    done
done
echo
fi
if [[ "$PARTS" == *" many "* ]]; then
echo "## 500 small coroutines (release rebuild of the crate alone, deps warm)"
echo
echo "| crate | release rebuild | over handwritten | macro expansion |"
echo "|---|---:|---:|---:|"
make_crate many_hand "$OURS_DEP" gen_many_hand 500
make_crate many_ours "$OURS_DEP" gen_many_ours 500
make_crate many_dia "$DIA_DEP" gen_many_dia 500
hand=$(rebuild_time many_hand)
for style in hand ours dia; do
    t=$([ "$style" = hand ] && echo "$hand" || rebuild_time "many_$style")
    over=$(awk -v a="$t" -v b="$hand" 'BEGIN { printf "%+.2f s", a - b }')
    exp_time="(no nightly)"
    [ "$have_nightly" = 1 ] && exp_time="$(expand_time "many_$style") s"
    echo "| $style | $t s | $over | $exp_time |"
done
echo
fi
if [[ "$PARTS" == *" awaits "* ]]; then
echo "## Awaits (one async function, straight-line; release rebuild of the crate alone)"
echo
echo "| N | ours | \`async fn\` | ours / \`async fn\` |"
echo "|---:|---:|---:|---:|"
for n in ${AWAITS:-10 25 50 100}; do
    make_crate "awaits_ours_$n" "$OURS_DEP" gen_awaits_ours "$n"
    make_crate "awaits_native_$n" "" gen_awaits_native "$n"
    ours=$(rebuild_time "awaits_ours_$n")
    native=$(rebuild_time "awaits_native_$n")
    echo "| $n | $ours s | $native s | $(awk -v a="$ours" -v b="$native" 'BEGIN { printf "%.1f", a / b }') |"
done
fi
