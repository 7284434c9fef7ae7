// Measures one (library, operation, file) case in this process and prints one
// result line: `@@result {"ok":true,"times":[ms...],"faults":[n...],"calls":k,...}`
// (times: milliseconds per call of each timed run; faults: minor page faults
// of each timed run; calls: loads per timed run) or
// `@@result {"ok":false,"reason":"..."}`. Started by bench/run.mjs as
//   node --expose-gc bench/case.mjs <lib> <loads|dumps> <workload> <file> [--budget ms] [--min-runs n]
// The mirror for CPython is bench/case.py; the timing logic must stay the same
// on both sides.
//
// A timed run is one call, except for the small workloads (`small: true` in
// data/summary.json): one call lasts microseconds there, so a run loops over
// enough calls to last about SAMPLE_MS, and its time is divided by the number
// of calls.
//
// The `json` library takes a JSON file: the file is decoded to a string once,
// before timing, and each call is `JSON.parse(text)`.

import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LIBS } from './libs.mjs';
import { verify } from './verify.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    budget: { type: 'string', default: '1000' },
    'min-runs': { type: 'string', default: '5' },
  },
});
const [libName, op, workload, file] = positionals;
const budget = Number(values.budget);
const minRuns = Number(values['min-runs']);
/** Target duration of one timed run of a small workload (many calls). */
const SAMPLE_MS = 30;

function report(result) {
  process.stdout.write(`@@result ${JSON.stringify(result)}\n`);
}

function errorText(e) {
  const text =
    e instanceof Error ? `${e.constructor.name}: ${e.message}` : `threw ${JSON.stringify(String(e))}`;
  // Some libraries put the raw opcode byte in the message: make it visible.
  return text.replace(/[^\x20-\x7e]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const gc =
  globalThis.gc ??
  (() => {
    throw new Error('run with node --expose-gc');
  });

// Memory of the first call, in bytes. The kernel's high-water mark of the
// resident set (VmHWM) is reset just before the call (writing 5 to
// /proc/self/clear_refs, Linux), so `peak` is the largest growth of the
// resident set during the call, over the resident set before it (which
// already holds the input). `retained` is what the result keeps alive: the
// V8 heap and external memory after a full collection, with the result still
// referenced, minus the same before the call. `grown` is the V8 heap and
// external memory in use right after the call, before any collection, minus
// the same before it: what the call allocated and had not yet collected (its
// result, tables it keeps for later calls, its garbage), a count that does not
// depend on what was resident before. On other systems the RSS fields are
// null.
//
// A dump starts after a load of the value it dumps, whose garbage V8 keeps
// resident after one full collection and then reuses: the dump's growth fits
// in it and `peak` read 0 for most dumps. Before a dump, `settle` collects
// twice (the second returns the freed pages to the system), so that the
// dump's peak is its own.

function procStatus(field) {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function heapNow() {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function memoryNow() {
  const rss = procStatus('VmRSS');
  let reset = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    reset = true;
  } catch {}
  return { rss, heap: heapNow(), reset };
}

/** Call right after the first call, with its result still referenced. */
function memoryAfter(before) {
  const hwm = procStatus('VmHWM');
  const grown = heapNow() - before.heap;
  const peak = before.reset && hwm !== null && before.rss !== null ? Math.max(0, hwm - before.rss) : null;
  gc();
  const retained = heapNow() - before.heap;
  const rss = procStatus('VmRSS');
  return {
    peak,
    grown,
    retained,
    rssRetained: rss !== null && before.rss !== null ? rss - before.rss : null,
  };
}

/**
 * Calls `fn` once and verifies its result, then runs warmups and timed runs,
 * with a full GC before each run (outside the timing). The number of runs
 * follows the measured time so that a case takes about `budget` ms.
 *
 * `settle`: a second full collection before the first call (see memoryNow).
 *
 * With `many`, a run is a loop of `calls` calls, set so that it lasts about
 * SAMPLE_MS, and the full GC runs once, before the first warmup, not before
 * each run: each call's garbage is young and dies during the run, as in a
 * program that handles many messages. A forced full GC between runs would
 * also collect the hidden classes (maps) of the dropped results, and V8 then
 * discards the optimized code that refers to them (a "weak objects"
 * deoptimization), so every run would start by recompiling the decoder.
 */
function measure(fn, check, many, settle = false) {
  gc();
  if (settle) gc();
  const before = memoryNow();
  let t0 = performance.now();
  let result = fn();
  const first = performance.now() - t0;
  const memory = memoryAfter(before);
  const problem = check(result);
  result = null;
  if (problem) return { ok: false, reason: problem };

  let estimate = first; // ms per call
  let warmups = 1; // calls
  let warmupTime = first;
  let calls = 1;
  if (many) {
    // Warm up with loops of 1, 2, 4, ... calls until one lasts SAMPLE_MS, then
    // loops of that size until a quarter of the budget is spent and the time
    // per call stops improving (a loop no more than 10% faster than the best
    // one before it: the JIT has finished), or the whole budget is spent. The
    // last loop gives the time per call.
    let batch = 1;
    let best = Number.POSITIVE_INFINITY;
    for (;;) {
      t0 = performance.now();
      for (let j = 0; j < batch; j++) result = fn();
      const elapsed = performance.now() - t0;
      result = null;
      estimate = elapsed / batch;
      warmupTime += elapsed;
      warmups += batch;
      if (warmupTime >= budget) break;
      if (elapsed < SAMPLE_MS) {
        batch *= 2;
        continue;
      }
      const steady = estimate >= best * 0.9;
      best = Math.min(best, estimate);
      if (steady && warmupTime >= budget / 4) break;
    }
    calls = Math.max(1, Math.round(SAMPLE_MS / Math.max(estimate, 1e-6)));
  } else {
    // Warm up: at least two more runs, until a quarter of the budget is spent;
    // a single run when one load is already longer than half the budget.
    while (first < budget / 2 && warmups < 50 && (warmups < 3 || warmupTime < budget / 4)) {
      gc();
      t0 = performance.now();
      result = fn();
      estimate = performance.now() - t0;
      result = null;
      warmupTime += estimate;
      warmups++;
    }
  }

  // Loads slower than the whole budget get three runs (fewer with a lower --min-runs).
  const run = estimate * calls;
  const floor = run > budget ? Math.min(3, minRuns) : minRuns;
  const runs = Math.max(floor, Math.min(100, Math.round(budget / Math.max(run, 0.001))));
  const times = [];
  const faults = [];
  for (let i = 0; i < runs; i++) {
    // No forced collection between the runs of a small workload: see above.
    if (!many) gc();
    const f0 = process.resourceUsage().minorPageFault;
    t0 = performance.now();
    for (let j = 0; j < calls; j++) result = fn();
    times.push((performance.now() - t0) / calls);
    faults.push(process.resourceUsage().minorPageFault - f0);
    result = null;
  }
  return { ok: true, first, warmups, calls, times, faults, memory };
}

async function main() {
  const lib = LIBS[libName];
  if (!lib) throw new Error(`unknown library ${libName}`);
  const summary = JSON.parse(readFileSync(new URL('data/summary.json', import.meta.url), 'utf8'));
  const expect = summary.workloads[workload]?.expect;
  if (!expect) throw new Error(`unknown workload ${workload}`);
  const many = summary.workloads[workload].small === true;

  let impl;
  try {
    impl = await lib.setup();
  } catch (e) {
    return report({ ok: false, reason: errorText(e) });
  }
  // The input, read before any timing: the file's bytes, or for a library that
  // takes text (JSON.parse) the file decoded from UTF-8 to a string.
  let input;
  if (impl.text) {
    input = readFileSync(file, 'utf8');
  } else {
    const buf = readFileSync(file);
    input = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  const guard = (fn) => () => {
    try {
      return { value: fn() };
    } catch (e) {
      return { error: errorText(e) };
    }
  };

  if (op === 'loads') {
    const load = guard(() => impl.loads(input));
    const r = measure(
      () => load(),
      (out) => {
        if (out.error) return out.error;
        const problem = verify(expect, out.value);
        return problem && `wrong result: ${problem}`;
      },
      many,
    );
    return report({ ...r, version: impl.version });
  }

  if (op === 'dumps') {
    if (!impl.dumps) return report({ ok: false, skip: true, reason: `${libName} has no dumps` });
    // Dump what the library itself loaded from the file, at the file's protocol.
    const loaded = guard(() => (impl.loadsForDumps ?? impl.loads)(input))();
    if (loaded.error) return report({ ok: false, reason: `loads failed: ${loaded.error}` });
    const protocol = input[0] === 0x80 ? input[1] : 0;
    const dump = guard(() => impl.dumps(loaded.value, protocol));
    const r = measure(
      () => dump(),
      (out) => {
        if (out.error) return out.error;
        // Check the output by loading it back with the same library.
        const back = guard(() => impl.loads(out.value))();
        if (back.error) return `dumps output does not load: ${back.error}`;
        const problem = verify(expect, back.value);
        return problem && `wrong result after a round trip: ${problem}`;
      },
      many,
      true,
    );
    return report({ ...r, version: impl.version });
  }

  throw new Error(`unknown operation ${op}`);
}

main().catch((e) => {
  report({ ok: false, reason: errorText(e) });
  process.exitCode = 1;
});
