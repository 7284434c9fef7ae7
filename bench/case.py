"""Measures CPython's C pickle on one file, the mirror of bench/case.mjs.

Usage: python3 bench/case.py <loads|dumps> <workload> <file> [--budget ms] [--min-runs n]

Prints one line: `@@result {"ok": true, "times": [ms, ...], "faults": [n, ...], "calls": k, ...}`,
with the milliseconds per call and the minor page faults of each timed run, and
the number of calls per timed run. The cyclic GC stays enabled, as in real
programs, and gc.collect() runs before each run, outside the timing.

A timed run is one call, except for the small workloads (`small: true` in
data/summary.json), where it loops over enough calls to last about SAMPLE_MS
and its time is divided by the number of calls. The timing logic is the same
as in bench/case.mjs: keep them in step.
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

# Target duration of one timed run of a small workload (many calls).
SAMPLE_MS = 30


def report(result):
    print("@@result " + json.dumps(result), flush=True)


def proc_status(field):
    """A memory field of /proc/self/status in bytes, or None (not Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def memory_now():
    """Mirror of memoryNow() in case.mjs: the resident set, and the high-water mark reset."""
    rss = proc_status("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    return {"rss": rss, "reset": reset}


def memory_after(before):
    """Peak growth of the resident set during the call, and the growth the result keeps
    (resident set after gc.collect() with the result referenced): CPython's allocators
    have no cheaper exact count."""
    hwm = proc_status("VmHWM")
    peak = max(0, hwm - before["rss"]) if before["reset"] and hwm is not None and before["rss"] is not None else None
    gc.collect()
    rss = proc_status("VmRSS")
    retained = rss - before["rss"] if rss is not None and before["rss"] is not None else None
    return {"peak": peak, "retained": retained, "rssRetained": retained}


def measure(fn, check, budget, min_runs, many):
    """Mirror of measure() in case.mjs: with `many`, a run is a loop of `calls`
    calls lasting about SAMPLE_MS, and gc.collect() runs only before the first
    call, not before each run (in V8, a forced full collection between runs
    would discard optimized code; the same rule holds on both sides)."""
    gc.collect()
    before = memory_now()
    t0 = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t0) * 1000
    memory = memory_after(before)
    problem = check(result)
    del result
    if problem:
        return {"ok": False, "reason": problem}

    estimate = first  # ms per call
    warmups = 1  # calls
    warmup_time = first
    calls = 1
    if many:
        # Warm up with loops of 1, 2, 4, ... calls until one lasts SAMPLE_MS, then
        # loops of that size until a quarter of the budget is spent and the time
        # per call stops improving (a loop no more than 10% faster than the best
        # one before it), or the whole budget is spent. The last loop gives the
        # time per call.
        batch = 1
        best = float("inf")
        while True:
            t0 = time.perf_counter()
            for _ in range(batch):
                result = fn()
            elapsed = (time.perf_counter() - t0) * 1000
            del result
            estimate = elapsed / batch
            warmup_time += elapsed
            warmups += batch
            if warmup_time >= budget:
                break
            if elapsed < SAMPLE_MS:
                batch *= 2
                continue
            steady = estimate >= best * 0.9
            best = min(best, estimate)
            if steady and warmup_time >= budget / 4:
                break
        calls = max(1, round(SAMPLE_MS / max(estimate, 1e-6)))
    else:
        # At least two more runs, until a quarter of the budget is spent; a
        # single run when one load is already longer than half the budget.
        while first < budget / 2 and warmups < 50 and (warmups < 3 or warmup_time < budget / 4):
            gc.collect()
            t0 = time.perf_counter()
            result = fn()
            estimate = (time.perf_counter() - t0) * 1000
            del result
            warmup_time += estimate
            warmups += 1

    run = estimate * calls
    floor = min(3, min_runs) if run > budget else min_runs
    runs = max(floor, min(100, round(budget / max(run, 0.001))))
    times = []
    faults = []
    for _ in range(runs):
        # No forced collection between the runs of a small workload, as in case.mjs.
        if not many:
            gc.collect()
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        for _ in range(calls):
            result = fn()
        times.append((time.perf_counter() - t0) * 1000 / calls)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
        del result
    return {
        "ok": True,
        "first": first,
        "warmups": warmups,
        "calls": calls,
        "times": times,
        "faults": faults,
        "memory": memory,
    }


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
        workload = json.load(f)["workloads"][args.workload]
    expect = workload["expect"]
    many = workload.get("small", False)
    with open(args.file, "rb") as f:
        data = f.read()
    version = sys.version.split()[0]

    if args.op == "loads":
        r = measure(lambda: pickle.loads(data), lambda v: light_check(expect, v), args.budget, args.min_runs, many)
    else:
        value = pickle.loads(data)
        protocol = data[1] if data[0] == 0x80 else 0

        def check(out):
            if pickle.loads(out) != value:
                return "dumps output does not load back to the same value"
            return None

        r = measure(lambda: pickle.dumps(value, protocol=protocol), check, args.budget, args.min_runs, many)
    r["version"] = version
    report(r)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report, do not crash the bench
        report({"ok": False, "reason": f"{type(e).__name__}: {e}"})
        sys.exit(1)
