#!/usr/bin/env python3
"""Turns criterion's results (target/criterion/**/new/*.json) into the tables of BENCHMARKS.md.

    python3 benches/report.py [target/criterion]

For every group it prints each benchmark's median time per iteration, the median per element
(per yield, per task, per round trip) when the bench declared a throughput, and the ratio of the
median to the group's reference contender (`handwritten` for the generator workloads, `rustc`
for the async chain, the best anchor for the runtime, `hand_iter` for delegation; the reference
is compared within the same depth). Medians come from one run, as criterion left them.
"""

import json
import os
import sys
from collections import defaultdict

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "criterion")

REFERENCE = {
    "counter": "handwritten",
    "nested": "handwritten",
    "running_total": "handwritten",
    "large_state": "handwritten",
    "delegation": "hand_iter",
    "async_chain": "rustc",
    "spawn_100k": None,  # the fastest anchor (not ours)
    "ping_pong_1m": None,
    "timers_100k": None,
}

GROUP_ORDER = list(REFERENCE)


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.2f} ns"


def load():
    rows = defaultdict(list)
    for dirpath, _dirs, files in os.walk(ROOT):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        median = est["median"]["point_estimate"]
        elements = None
        tp = bench.get("throughput") or {}
        if "Elements" in tp:
            elements = tp["Elements"]
        rows[bench["group_id"]].append(
            {
                "function": bench["function_id"] or "",
                "value": bench.get("value_str"),
                "median": median,
                "elements": elements,
            }
        )
    return rows


def peak_heap(group, function):
    path = os.path.join(ROOT, group, function, "peak_heap.json")
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        return None


def main():
    rows = load()
    groups = [g for g in GROUP_ORDER if g in rows] + sorted(g for g in rows if g not in REFERENCE)
    for group in groups:
        entries = rows[group]
        by_value = defaultdict(list)
        for e in entries:
            by_value[e["value"]].append(e)
        print(f"### {group}\n")
        timers = group == "timers_100k"
        head = "| contender | " + ("depth | " if any(e["value"] for e in entries) else "")
        if timers:
            head += "late after last deadline (median) | ratio | worst single timer late | peak heap over baseline (median) |"
        else:
            head += "median / iteration | median / element | ratio |"
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for value in sorted(by_value, key=lambda v: (v is None, int(v) if v and v.isdigit() else v or "")):
            es = by_value[value]
            ref_name = REFERENCE.get(group)
            ref = next((e for e in es if e["function"] == ref_name), None)
            if ref is None:
                anchors = [e for e in es if e["function"] != "ours"] or es
                ref = min(anchors, key=lambda e: e["median"])
            order = sorted(es, key=lambda e: (e["function"] != "ours", e["median"]))
            for e in order:
                ratio = e["median"] / ref["median"] if ref["median"] else float("nan")
                cells = [e["function"]]
                if value is not None:
                    cells.append(value)
                if timers:
                    extra = peak_heap(group, e["function"]) or {}
                    worst = extra.get("worst_single_lateness_ns")
                    heap = extra.get("median_bytes")
                    cells += [
                        fmt_time(e["median"]),
                        f"{ratio:.2f}",
                        fmt_time(worst) if worst is not None else "?",
                        f"{heap / 2**20:.1f} MiB" if heap is not None else "?",
                    ]
                else:
                    per = fmt_time(e["median"] / e["elements"]) if e["elements"] else "—"
                    cells += [fmt_time(e["median"]), per, f"{ratio:.2f}"]
                print("| " + " | ".join(cells) + " |")
        ref_desc = REFERENCE.get(group) or "the fastest anchor"
        print(f"\nratio: median over {ref_desc}'s median" + (" at the same depth" if any(e["value"] for e in entries) else "") + ".\n")


if __name__ == "__main__":
    main()
