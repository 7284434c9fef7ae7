// Measures one (library, operation, file) case in this process and prints one
// result line: `@@result {"ok":true,"times":[ms...],"faults":[n...],...}` (faults:
// minor page faults of each timed run) or
// `@@result {"ok":false,"reason":"..."}`. Started by bench/run.mjs as
//   node --expose-gc bench/case.mjs <lib> <loads|dumps> <workload> <file> [--budget ms] [--min-runs n]
// The mirror for CPython is bench/case.py.

import { readFileSync } from 'node:fs';
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

/**
 * Calls `fn` once and verifies its result, then runs warmups and timed runs,
 * with a full GC before each run (outside the timing). The number of runs
 * follows the measured time so that a case takes about `budget` ms.
 */
function measure(fn, check) {
  gc();
  let t0 = performance.now();
  let result = fn();
  const first = performance.now() - t0;
  const problem = check(result);
  result = null;
  if (problem) return { ok: false, reason: problem };

  // Warm up: at least two more runs, until a quarter of the budget is spent;
  // a single run when one load is already longer than half the budget.
  let estimate = first;
  let warmups = 1;
  let warmupTime = first;
  while (first < budget / 2 && warmups < 50 && (warmups < 3 || warmupTime < budget / 4)) {
    gc();
    t0 = performance.now();
    result = fn();
    estimate = performance.now() - t0;
    result = null;
    warmupTime += estimate;
    warmups++;
  }

  // Loads slower than the whole budget get three runs (fewer with a lower --min-runs).
  const floor = estimate > budget ? Math.min(3, minRuns) : minRuns;
  const runs = Math.max(floor, Math.min(100, Math.round(budget / Math.max(estimate, 0.001))));
  const times = [];
  const faults = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const f0 = process.resourceUsage().minorPageFault;
    t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
    faults.push(process.resourceUsage().minorPageFault - f0);
    result = null;
  }
  return { ok: true, first, warmups, times, faults };
}

async function main() {
  const lib = LIBS[libName];
  if (!lib) throw new Error(`unknown library ${libName}`);
  const summary = JSON.parse(readFileSync(new URL('data/summary.json', import.meta.url), 'utf8'));
  const expect = summary.workloads[workload]?.expect;
  if (!expect) throw new Error(`unknown workload ${workload}`);
  const buf = readFileSync(file);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);

  let impl;
  try {
    impl = await lib.setup();
  } catch (e) {
    return report({ ok: false, reason: errorText(e) });
  }

  const guard = (fn) => () => {
    try {
      return { value: fn() };
    } catch (e) {
      return { error: errorText(e) };
    }
  };

  if (op === 'loads') {
    const load = guard(() => impl.loads(bytes));
    const r = measure(
      () => load(),
      (out) => {
        if (out.error) return out.error;
        const problem = verify(expect, out.value);
        return problem && `wrong result: ${problem}`;
      },
    );
    return report({ ...r, version: impl.version });
  }

  if (op === 'dumps') {
    if (!impl.dumps) return report({ ok: false, skip: true, reason: `${libName} has no dumps` });
    // Dump what the library itself loaded from the file, at the file's protocol.
    const loaded = guard(() => impl.loads(bytes))();
    if (loaded.error) return report({ ok: false, reason: `loads failed: ${loaded.error}` });
    const protocol = bytes[0] === 0x80 ? bytes[1] : 0;
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
    );
    return report({ ...r, version: impl.version });
  }

  throw new Error(`unknown operation ${op}`);
}

main().catch((e) => {
  report({ ok: false, reason: errorText(e) });
  process.exitCode = 1;
});
