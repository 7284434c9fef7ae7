// `npm run bench:floor`: what building a load's result costs in V8 with no
// decoding at all, beside brine's load and CPython's `pickle.loads` of the same
// file in the same run. See bench/README.md ("The floor").
//
//   node bench/floor.mjs [--only floats200k,bigints] [--protocol 5] [--rounds k] [--budget ms] [--quick] [--out file]
//
// For each workload, every case runs in a fresh process, one after the other:
// CPython (bench/case.py), brine (bench/case.mjs brine), V8's JSON.parse of the
// workload's JSON file when there is one (bench/case.mjs json), and each
// "builder" below (this file, started with --child). A builder makes the same
// value as brine's load (the same value model: a plain Array of numbers or
// bigints, a plain object of str keys, frozen arrays for tuples) out of values
// prepared before the timing: the doubles in a Float64Array, the bigints'
// sizes, the keys as fresh strings. Only the construction is timed.
//
// The builders' timing is bench/case.mjs's (a full collection before each run,
// warmups, median and min over the timed runs, the page faults of each run and
// the peak of the first call), with one addition: `prepare`, run before each
// call outside the timing, makes what a call must not get for free (fresh,
// never internalized key strings). Keep it in step with case.mjs's `measure`.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------------------
// Builders: per workload, name -> setup(value) -> { prepare?(), build() }.

/** `{}`, then `o[k] = v` with fresh keys made by `prepare` before each call. */
function assignFreshKeys(value) {
  const vals = Object.values(value);
  const fresh = freshStringMaker(Object.keys(value));
  let keys;
  return {
    prepare() {
      keys = fresh();
    },
    build() {
      const o = {};
      for (let i = 0; i < keys.length; i++) o[keys[i]] = vals[i];
      keys = null;
      return o;
    },
  };
}

/** Fresh (never internalized) copies of `strings`: their UTF-16 written to one buffer, sliced back. */
function freshStringMaker(strings) {
  let total = 0;
  for (const s of strings) total += s.length;
  const oneByte = strings.every((s) => {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
    return true;
  });
  const buf = Buffer.alloc(oneByte ? total : 2 * total);
  const ends = new Int32Array(strings.length);
  let at = 0;
  strings.forEach((s, i) => {
    at += oneByte ? buf.latin1Write(s, at) : buf.ucs2Write(s, at);
    ends[i] = at;
  });
  return () => {
    const out = new Array(strings.length);
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      out[i] = oneByte ? buf.latin1Slice(start, ends[i]) : buf.ucs2Slice(start, ends[i]);
      start = ends[i];
    }
    return out;
  };
}

const numberList = {
  /** `new Array(n)`, then each element stored (holey). */
  'new Array(n) + stores': (value) => {
    const src = Float64Array.from(value);
    return {
      build() {
        const n = src.length;
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = src[i];
        return a;
      },
    };
  },
  /** `[]`, then `push` (grows by copies). */
  'push from []': (value) => {
    const src = Float64Array.from(value);
    return {
      build() {
        const a = [];
        for (let i = 0; i < src.length; i++) a.push(src[i]);
        return a;
      },
    };
  },
  /** A packed array of the right kind made first, then its elements overwritten (no growth). */
  'packed at size + stores': (value) => {
    const src = Float64Array.from(value);
    const smi = value.every((v) => Number.isInteger(v) && v >= -(2 ** 30) && v < 2 ** 30);
    return {
      build() {
        const n = src.length;
        const a = smi ? Array(n).fill(0) : Array(n).fill(0.5);
        for (let i = 0; i < n; i++) a[i] = src[i];
        return a;
      },
    };
  },
  /** `Array.from` of a typed array. */
  'Array.from(typed)': (value) => {
    const src = Float64Array.from(value);
    return { build: () => Array.from(src) };
  },
  /** A copy of a ready plain array (`slice`: one allocation and a copy, the least any new array costs). */
  'slice of a ready array': (value) => {
    const ready = value.slice();
    return { build: () => ready.slice() };
  },
};

/** The bit lengths of the bench's bigints (the sign aside). */
function bitLengths(value) {
  return Int32Array.from(value, (v) => (typeof v === 'bigint' ? (v < 0n ? -v : v).toString(2).length : 53));
}

const ALL_ONES = (1n << 2048n) - 1n;

const bigintList = {
  /** `BigInt.asUintN(bits, 2^2048 - 1)`: one allocation of the right size per int. */
  'asUintN(bits, kept)': (value) => {
    const bits = bitLengths(value);
    return {
      build() {
        const n = bits.length;
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = BigInt.asUintN(bits[i], ALL_ONES);
        return a;
      },
    };
  },
  /** `kept >> (2048 - bits)`: one shift per int. */
  'kept >> shift': (value) => {
    const shifts = Array.from(bitLengths(value), (b) => BigInt(2048 - b));
    return {
      build() {
        const n = shifts.length;
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = ALL_ONES >> shifts[i];
        return a;
      },
    };
  },
  /** `-v` of the ready value: a copy of the same size, the sign flipped. */
  'negation of ready': (value) => {
    const ready = value.slice();
    return {
      build() {
        const n = ready.length;
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = -ready[i];
        return a;
      },
    };
  },
  /** `BigInt(double)` of the value rounded to a double: one conversion of the right size. */
  'BigInt(double)': (value) => {
    const doubles = Float64Array.from(value, (v) => Number(v));
    return {
      build() {
        const n = doubles.length;
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = BigInt(doubles[i]);
        return a;
      },
    };
  },
  /** No allocation per int: the ready bigints placed in a new array (a bound below any decoder). */
  'ready bigints, new array': (value) => {
    const ready = value.slice();
    return {
      build() {
        const n = ready.length;
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = ready[i];
        return a;
      },
    };
  },
};

const strDict = {
  /** `{}`, then `o[k] = v` with fresh keys. */
  'assign, fresh keys': (value) => assignFreshKeys(value),
  /** As `assign, fresh keys`, the keys made after the collection that precedes each call: young, as a decoder's are. */
  'assign, fresh young keys': (value) => ({ ...assignFreshKeys(value), young: true }),
  /** `Object.defineProperty` per key, fresh keys. */
  'defineProperty, fresh keys': (value) => {
    const vals = Object.values(value);
    const fresh = freshStringMaker(Object.keys(value));
    let keys;
    return {
      prepare() {
        keys = fresh();
      },
      build() {
        const o = {};
        for (let i = 0; i < keys.length; i++)
          Object.defineProperty(o, keys[i], {
            value: vals[i],
            writable: true,
            enumerable: true,
            configurable: true,
          });
        keys = null;
        return o;
      },
    };
  },
  /** `Object.fromEntries` of [key, value] pairs made before the timing, fresh keys. */
  'Object.fromEntries, fresh keys': (value) => {
    const vals = Object.values(value);
    const fresh = freshStringMaker(Object.keys(value));
    let entries;
    return {
      prepare() {
        entries = fresh().map((k, i) => [k, vals[i]]);
      },
      build() {
        const o = Object.fromEntries(entries);
        entries = null;
        return o;
      },
    };
  },
  /** `o[k] = v` with keys V8 has already internalized (the same strings every call): internalizing excluded. */
  'assign, internalized keys': (value) => {
    const keys = Object.keys(value);
    const vals = Object.values(value);
    return {
      build() {
        const o = {};
        for (let i = 0; i < keys.length; i++) o[keys[i]] = vals[i];
        return o;
      },
    };
  },
};

/** A structural copy of brine's own result, nothing decoded: arrays at their size, objects by stores, tuples frozen; strings, numbers and bigints shared. */
function rebuild(v) {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = rebuild(v[i]);
    return Object.isFrozen(v) ? Object.freeze(a) : a;
  }
  const o = {};
  for (const k in v) o[k] = rebuild(v[k]);
  return o;
}

const structural = {
  /** The same containers rebuilt from brine's result (see `rebuild`); leaves shared. */
  'rebuilt containers': (value) => ({ build: () => rebuild(value) }),
};

/** Builders below what any decoder can do (nothing made per item): shown, but not taken as the floor. */
const BOUNDS = new Set(['ready bigints, new array', 'assign, internalized keys']);

/** Workloads measured, and their builders. */
const WORKLOADS = {
  floats200k: numberList,
  bigints: bigintList,
  strdict: strDict,
  keydict: strDict,
  ints: numberList,
  records: structural,
  tuples: structural,
};

// ---------------------------------------------------------------------------
// Child: one builder of one workload, timed as bench/case.mjs times a load.

function report(result) {
  process.stdout.write(`@@result ${JSON.stringify(result)}\n`);
}

function procStatus(field) {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * bench/case.mjs's `measure` for a big workload (one call a run), with `prepare` before each call,
 * untimed: before the full collection, or after it with `young` (what it makes is then in V8's young
 * generation when the call starts, and a scavenge during the call copies it).
 */
function measure(prepareFirst, fn, budget, minRuns, young) {
  const collect = globalThis.gc;
  const prepare = young ? () => {} : prepareFirst;
  const gc = young
    ? () => {
        collect();
        prepareFirst();
      }
    : collect;
  prepare();
  gc();
  const rss0 = procStatus('VmRSS');
  let reset = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    reset = true;
  } catch {}
  let t0 = performance.now();
  let _result = fn();
  const first = performance.now() - t0;
  const hwm = procStatus('VmHWM');
  const peak = reset && hwm !== null && rss0 !== null ? Math.max(0, hwm - rss0) : null;
  _result = null;
  let estimate = first;
  let warmups = 1;
  let warmupTime = first;
  while (first < budget / 2 && warmups < 50 && (warmups < 3 || warmupTime < budget / 4)) {
    prepare();
    gc();
    t0 = performance.now();
    _result = fn();
    estimate = performance.now() - t0;
    _result = null;
    warmupTime += estimate;
    warmups++;
  }
  const floor = estimate > budget ? Math.min(3, minRuns) : minRuns;
  const runs = Math.max(floor, Math.min(100, Math.round(budget / Math.max(estimate, 0.001))));
  const times = [];
  const cpu = [];
  const faults = [];
  for (let i = 0; i < runs; i++) {
    prepare();
    gc();
    const f0 = process.resourceUsage().minorPageFault;
    const c0 = process.cpuUsage();
    t0 = performance.now();
    _result = fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    faults.push(process.resourceUsage().minorPageFault - f0);
    _result = null;
  }
  return { ok: true, first, warmups, calls: 1, times, cpu, faults, memory: { peak } };
}

async function child(workload, builder, file, budget, minRuns) {
  const { loads } = await import(new URL('../dist/index.js', import.meta.url).href);
  const value = loads(new Uint8Array(readFileSync(file)));
  const made = WORKLOADS[workload][builder](value);
  const prepare = made.prepare ?? (() => {});
  prepare();
  const check = made.build();
  const shape = (v) => (Array.isArray(v) ? v.length : Object.keys(v).length);
  if (shape(check) !== shape(value)) return report({ ok: false, reason: 'built a value of another size' });
  report(measure(prepare, made.build, budget, minRuns, made.young === true));
}

// ---------------------------------------------------------------------------
// Parent: every case of each workload in fresh processes, one table per workload.

function runProcess(command, args) {
  const out = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 26 });
  const line = (out.stdout ?? '')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('@@result '));
  if (!line) {
    const tail = (out.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    return { ok: false, reason: `crashed (exit ${out.status ?? out.signal}): ${tail}` };
  }
  const r = JSON.parse(line.slice('@@result '.length));
  return r.ok ? stats(r) : r;
}

/** The runs of two results of one case pooled (either may be null or failed). */
function pool(a, b) {
  if (a === null || !a.ok) return b;
  if (!b.ok) return a;
  const times = [...a.times, ...b.times];
  const faults = [...a.faults, ...b.faults];
  const peaks = [a.memory?.peak, b.memory?.peak].filter((x) => x != null);
  return stats({ ok: true, times, faults, memory: { peak: peaks.length ? Math.min(...peaks) : null } });
}

function middle(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function stats(r) {
  r.median = middle(r.times);
  r.min = Math.min(...r.times);
  r.faultsMedian = middle(r.faults);
  return r;
}

function parent(values) {
  const budget = values.budget;
  const minRuns = values.quick ? '3' : '5';
  const protocol = values.protocol;
  const rounds = Math.max(1, Number(values.rounds));
  const summary = JSON.parse(readFileSync(`${BENCH}data/summary.json`, 'utf8'));
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(WORKLOADS);
  const lines = [
    "# The floor: building a load's result with no decoding, beside brine and CPython",
    '',
    `Node ${process.version}, protocol ${protocol} files; every case in a fresh process, the cases of a`,
    `workload one after the other, ${rounds} round(s) (the order reversed every other round, the runs of`,
    'all rounds pooled). Milliseconds per call (wall, as the bench): median (min) over the timed runs;',
    'page faults: median per run; peak: the least growth of the resident set during a first call',
    "(MB). CPython / x above 1: x is faster than CPython's C pickle. See bench/README.md (The floor).",
    '',
  ];
  const summaryRows = [];
  for (const name of names) {
    const builders = WORKLOADS[name];
    if (!builders)
      throw new Error(`no builders for ${name}; workloads: ${Object.keys(WORKLOADS).join(', ')}`);
    const files = summary.workloads[name].files;
    const pkl = Object.values(files).find((f) => f.protocol === Number(protocol));
    const path = `${BENCH}data/${pkl.file}`;
    const common = ['--budget', budget, '--min-runs', minRuns];
    const node = [process.execPath, '--expose-gc', '--no-deprecation'];
    const cases = [
      { label: 'CPython pickle.loads', command: 'python3', args: [`${BENCH}case.py`, 'loads', name, path] },
      {
        label: 'brine loads',
        command: node[0],
        args: [...node.slice(1), `${BENCH}case.mjs`, 'brine', 'loads', name, path],
      },
    ];
    if (files.json && existsSync(`${BENCH}data/${files.json.file}`)) {
      const json = `${BENCH}data/${files.json.file}`;
      cases.push({
        label: 'JSON.parse of the same data',
        command: node[0],
        args: [...node.slice(1), `${BENCH}case.mjs`, 'json', 'loads', name, json],
      });
    }
    for (const builder of Object.keys(builders)) {
      const self = fileURLToPath(import.meta.url);
      cases.push({
        label: BOUNDS.has(builder) ? `bound, below any decoder: ${builder}` : `floor: ${builder}`,
        builder,
        command: node[0],
        args: [...node.slice(1), self, '--child', name, builder, path],
      });
    }
    // Every case once a round, in the reverse order every other round; a case's runs of all rounds pooled.
    const rows = cases.map((c) => ({ ...c, r: null }));
    for (let round = 0; round < rounds; round++) {
      for (const row of round % 2 ? [...rows].reverse() : rows) {
        process.stderr.write(`${name} ${row.label} ... `);
        const r = runProcess(row.command, [...row.args, ...common]);
        process.stderr.write(
          r.ok ? `${r.median.toFixed(2)} ms median, ${r.faultsMedian} faults\n` : `n/a: ${r.reason}\n`,
        );
        row.r = pool(row.r, r);
      }
    }
    const [cpython, brine] = [rows[0].r, rows[1].r];
    let best = null;
    for (const row of rows)
      if (
        row.builder &&
        !BOUNDS.has(row.builder) &&
        row.r.ok &&
        (best === null || row.r.median < best.r.median)
      )
        best = row;
    const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    const ratio = (a, b) => (a?.ok && b?.ok ? `${(a.median / b.median).toFixed(2)}` : '-');
    lines.push(`## ${name} (${summary.workloads[name].title}), ${pkl.file}`, '');
    lines.push('| case | ms median (min) | page faults | peak MB | CPython / case |');
    lines.push('| --- | ---: | ---: | ---: | ---: |');
    for (const { label, r } of rows) {
      const peak = r.memory?.peak == null ? '-' : (r.memory.peak / 1e6).toFixed(1);
      const cell = r.ok ? `${fmt(r.median)} (${fmt(r.min)})` : `n/a: ${r.reason}`;
      lines.push(
        `| ${label} | ${cell} | ${r.ok ? Math.round(r.faultsMedian) : '-'} | ${peak} | ${ratio(cpython, r)} |`,
      );
    }
    lines.push('');
    summaryRows.push(
      `| ${name} | ${ratio(cpython, brine)} | ${best ? ratio(cpython, best.r) : '-'} (${best?.builder ?? '-'}) | ${
        best && brine.ok ? (brine.median / best.r.median).toFixed(2) : '-'
      } |`,
    );
  }
  lines.push('## Summary', '');
  lines.push('| workload | CPython / brine | CPython / fastest floor (builder) | brine / floor |');
  lines.push('| --- | ---: | ---: | ---: |');
  lines.push(...summaryRows, '');
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  if (values.out) writeFileSync(values.out, text);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    child: { type: 'boolean', default: false },
    only: { type: 'string' },
    protocol: { type: 'string', default: '5' },
    budget: { type: 'string', default: '1000' },
    'min-runs': { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});
if (values.child) {
  const [workload, builder, file] = positionals;
  child(workload, builder, file, Number(values.budget), Number(values['min-runs'])).catch((e) => {
    report({ ok: false, reason: String(e?.message ?? e) });
    process.exitCode = 1;
  });
} else {
  parent(values);
}
