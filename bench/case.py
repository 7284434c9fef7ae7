"""Measures CPython's C pickle on one file, the mirror of bench/case.mjs.

Usage: python3 bench/case.py <loads|dumps> <workload> <file> [--budget ms] [--min-runs n]

Prints one line: `@@result {"ok": true, "times": [ms, ...], "faults": [n, ...], ...}`,
with the minor page faults of each timed run. The cyclic
GC stays enabled, as in real programs, and gc.collect() runs before each run,
outside the timing.
"""

import argparse
import gc
import json
import os
import pickle
import resource
import sys
import time

import _pickle

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)  # bench_models, for the `classes` workload
sys.dont_write_bytecode = True  # no __pycache__ in bench/


def report(result):
    print("@@result " + json.dumps(result), flush=True)


def measure(fn, check, budget, min_runs):
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t0) * 1000
    problem = check(result)
    del result
    if problem:
        return {"ok": False, "reason": problem}

    estimate = first
    warmups = 1
    warmup_time = first
    while first < budget / 2 and warmups < 50 and (warmups < 3 or warmup_time < budget / 4):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        estimate = (time.perf_counter() - t0) * 1000
        del result
        warmup_time += estimate
        warmups += 1

    floor = min(3, min_runs) if estimate > budget else min_runs
    runs = max(floor, min(100, round(budget / max(estimate, 0.001))))
    times = []
    faults = []
    for _ in range(runs):
        gc.collect()
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
        del result
    return {"ok": True, "first": first, "warmups": warmups, "times": times, "faults": faults}


def light_check(expect, value):
    """CPython is the reference: only check that the file holds what the summary says."""
    if expect["kind"] in ("list", "dict"):
        if len(value) != expect["length"]:
            return f"expected {expect['length']} items, got {len(value)}"
    elif expect["kind"] == "value" and expect["value"][0] == "bytes":
        if len(value) != expect["value"][1]:
            return f"expected {expect['value'][1]} bytes, got {len(value)}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("op", choices=["loads", "dumps"])
    parser.add_argument("workload")
    parser.add_argument("file")
    parser.add_argument("--budget", type=float, default=1000)
    parser.add_argument("--min-runs", type=int, default=5)
    args = parser.parse_args()

    # The C accelerator, not the pure-Python fallback.
    assert pickle.loads is _pickle.loads and pickle.dumps is _pickle.dumps

    with open(os.path.join(BENCH, "data", "summary.json")) as f:
        expect = json.load(f)["workloads"][args.workload]["expect"]
    with open(args.file, "rb") as f:
        data = f.read()
    version = sys.version.split()[0]

    if args.op == "loads":
        r = measure(lambda: pickle.loads(data), lambda v: light_check(expect, v), args.budget, args.min_runs)
    else:
        value = pickle.loads(data)
        protocol = data[1] if data[0] == 0x80 else 0

        def check(out):
            if pickle.loads(out) != value:
                return "dumps output does not load back to the same value"
            return None

        r = measure(lambda: pickle.dumps(value, protocol=protocol), check, args.budget, args.min_runs)
    r["version"] = version
    report(r)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report, do not crash the bench
        report({"ok": False, "reason": f"{type(e).__name__}: {e}"})
        sys.exit(1)
