// `npm run bench`: brine against CPython's C pickle and other JavaScript pickle
// libraries, with V8's JSON.parse on the same data as a reference, on the
// workloads of bench/make-data.py. Each case runs in a fresh
// process (bench/case.mjs, bench/case.py); this script plans the cases, collects
// the timings and writes the tables to stdout and bench/results.md.
//
//   npm run bench -- [--only records,ints] [--quick] [--ops loads,dumps] [--budget ms] [--out file]
//
// See bench/README.md for the methodology.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CASE_TIMEOUT_S = 300;

const USAGE = `usage: npm run bench -- [options]
  --only a,b      run only these workloads: ints, floats, strdict, records, bytes64m,
                  ascii, nonascii, tuples, bigints, classes, text0, stdlib,
                  small_record, small_list, small_classes, smallints, floats200k,
                  keydict, mixedstr, triples, small300
  --quick         fewer runs per case (about 0.3 s of timed runs instead of 1 s)
  --ops list      loads,dumps (default); dumps runs when dist/index.js exports dumps,
                  or when --ops names it explicitly
  --libs a,b      besides brine and CPython, only these: json, pickleparser, jpickle
                  (default all; --libs none for brine and CPython alone)
  --budget ms     time to spend on the timed runs of each case
  --out file      where to write the tables (default bench/results.md); give one with
                  --only so that a partial run does not replace the full tables
  --help          this text`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    ops: { type: 'string' },
    budget: { type: 'string' },
    out: { type: 'string' },
    libs: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const budget = Number(values.budget ?? (values.quick ? 300 : 1000));
const minRuns = values.quick ? 3 : 5;
const ops = new Set((values.ops ?? 'loads,dumps').split(',').map((s) => s.trim()));
for (const op of ops) if (op !== 'loads' && op !== 'dumps') fail(`unknown op ${op}\n${USAGE}`);

function fail(message) {
  console.error(message);
  process.exit(2);
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------
// Data, versions, plan

const gen = spawnSync('python3', [`${BENCH}make-data.py`], { stdio: ['ignore', 'inherit', 'inherit'] });
if (gen.status !== 0) fail('bench/make-data.py failed');
const summary = JSON.parse(readFileSync(`${BENCH}data/summary.json`, 'utf8'));
const allNames = Object.keys(summary.workloads);
const names = values.only ? values.only.split(',').map((s) => s.trim()) : allNames;
for (const name of names) {
  if (!summary.workloads[name]) fail(`unknown workload ${name}; workloads: ${allNames.join(', ')}`);
}

const python = spawnSync(
  'python3',
  ['-c', 'import sys, platform; print(platform.python_implementation(), sys.version.split()[0])'],
  { encoding: 'utf8' },
).stdout.trim();

let brineDumps = false;
let brineNote = '';
try {
  const mod = await import(new URL('../dist/index.js', import.meta.url).href);
  brineDumps = typeof mod.dumps === 'function';
  if (typeof mod.loads !== 'function') brineNote = 'dist/index.js does not export loads';
} catch (e) {
  brineNote = `cannot import dist/index.js: ${e.message}`;
}
if (brineNote) log(`warning: ${brineNote}`);

function pkgVersion(dir) {
  try {
    return JSON.parse(readFileSync(`${ROOT}${dir}/package.json`, 'utf8')).version;
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------------------
// Running cases

const results = new Map();
let caseCount = 0;
let caseTotal = 0;

/** The other JavaScript libraries (and JSON.parse) to time, besides brine: all unless --libs says. */
const otherLibs = values.libs === undefined ? null : new Set(values.libs.split(',').map((s) => s.trim()));
function withLib(lib) {
  return otherLibs === null || otherLibs.has(lib);
}

function fileOf(name, variant) {
  return summary.workloads[name].files[variant];
}

/** Runs (or returns the cached result of) one case; `lib` is 'cpython' or a key of LIBS. */
function runCase(lib, op, name, file) {
  const key = `${lib}|${op}|${file.file}`;
  if (results.has(key)) return results.get(key);
  caseCount++;
  const t0 = Date.now();
  const path = `${BENCH}data/${file.file}`;
  const args = [name, path, '--budget', String(budget), '--min-runs', String(minRuns)];
  const child =
    lib === 'cpython'
      ? spawnSync('python3', [`${BENCH}case.py`, op, ...args], spawnOptions())
      : spawnSync(
          process.execPath,
          ['--expose-gc', '--no-deprecation', `${BENCH}case.mjs`, lib, op, ...args],
          spawnOptions(),
        );
  let result;
  const line = (child.stdout ?? '')
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('@@result '));
  if (line) {
    result = JSON.parse(line.slice('@@result '.length));
  } else if (child.error?.code === 'ETIMEDOUT' || child.signal === 'SIGTERM') {
    result = { ok: false, reason: `timed out after ${CASE_TIMEOUT_S} s` };
  } else {
    const tail = (child.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    result = { ok: false, reason: `crashed (exit ${child.status ?? child.signal}): ${tail}` };
  }
  if (result.ok) {
    const sorted = [...result.times].sort((a, b) => a - b);
    result.median = median(sorted);
    result.min = sorted[0];
    result.max = sorted[sorted.length - 1];
    result.faultsMedian = median([...(result.faults ?? [])].sort((a, b) => a - b));
  }
  result.lib = lib;
  result.op = op;
  result.file = file.file;
  results.set(key, result);
  result.size = file.size;
  const unit = summary.workloads[name].small ? US : MS;
  const calls = result.calls > 1 ? ` x ${result.calls} calls` : '';
  const status = result.ok
    ? `${fmtTime(result.median, unit)} ${unit.label} median, ${fmtTime(result.min, unit)} min, ` +
      `${result.times.length} runs${calls}, ${Math.round(result.faultsMedian)} page faults/run`
    : `n/a: ${result.reason}`;
  const wall = ((Date.now() - t0) / 1000).toFixed(1);
  log(
    `[${caseCount}/${caseTotal}] ${op} ${name.padEnd(13)} ${lib.padEnd(12)} ${file.file.padEnd(20)} ${status} (${wall} s)`,
  );
  return result;
}

function spawnOptions() {
  return { cwd: ROOT, encoding: 'utf8', timeout: CASE_TIMEOUT_S * 1000, maxBuffer: 64 * 1024 * 1024 };
}

function median(sorted) {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// ---------------------------------------------------------------------------
// Formatting

const notes = [];

/** Footnote number for a failure; failures with the same library and reason share one note. */
function note(lib, file, reason) {
  let i = notes.findIndex((n) => n.lib === lib && n.reason === reason);
  if (i < 0) i = notes.push({ lib, reason, files: [] }) - 1;
  if (!notes[i].files.includes(file)) notes[i].files.push(file);
  return `[${i + 1}]`;
}

function fmtMs(ms) {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  if (ms >= 0.1) return ms.toFixed(3);
  return ms.toPrecision(3);
}

/** Table units: results hold milliseconds per call; small workloads are shown in microseconds. */
const MS = { label: 'ms', scale: 1 };
const US = { label: 'µs', scale: 1000 };

function fmtTime(ms, unit) {
  return fmtMs(ms * unit.scale);
}

function fmtRatio(r) {
  if (r >= 100) return `${r.toFixed(0)}x`;
  if (r >= 10) return `${r.toFixed(1)}x`;
  return `${r.toFixed(2)}x`;
}

function timeCell(r, lib, file, unit) {
  if (!r) return '-';
  if (r.ok) return `${fmtTime(r.median, unit)} (${fmtTime(r.min, unit)})`;
  return `n/a ${note(lib, file.file, r.reason)}`;
}

/** `other` median over `brine` median: above 1, brine is faster. */
function ratioCell(other, brine) {
  return other?.ok && brine.ok ? fmtRatio(other.median / brine.median) : '-';
}

function geomean(pairs) {
  const ok = pairs.filter(([a, b]) => a?.ok && b.ok);
  if (ok.length === 0) return '-';
  const logSum = ok.reduce((s, [a, b]) => s + Math.log(a.median / b.median), 0);
  return `${fmtRatio(Math.exp(logSum / ok.length))} (${ok.length})`;
}

function fmtSize(size) {
  return size >= 100_000 ? `${(size / 1e6).toFixed(1)} MB` : `${size} B`;
}

/** A markdown table; the first `left` columns are left-aligned, the others right-aligned. */
/**
 * A markdown table with padded columns (the layout `biome format` gives, so
 * that results.md passes the lint); the first `left` columns are
 * left-aligned, the others right-aligned.
 */
function table(header, rows, left = 2) {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => String(r[i]).length)));
  const pad = (cells) =>
    `| ${cells.map((c, i) => (i < left ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i < left ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [pad(header), rule, ...rows.map(pad)].join('\n');
}

// ---------------------------------------------------------------------------
// Plan and run

const runDumps = ops.has('dumps') && (brineDumps || values.ops !== undefined);
const withP2 = names.filter((n) => fileOf(n, 'p2'));
const withJson = names.filter((n) => fileOf(n, 'json'));
caseTotal = ops.has('loads') ? names.length * 4 + withP2.length * 2 + withJson.length : 0;
if (runDumps) caseTotal += names.length * 2;
// Big workloads (ms per call) and small ones (µs per call, many calls per timed run).
const bigNames = names.filter((n) => !summary.workloads[n].small);
const smallNames = names.filter((n) => summary.workloads[n].small);

// Workloads where brine (and pickleparser) return a view into the input while
// CPython copies: left out of the geometric means of the protocol-5 table.
const VIEW_VS_COPY = new Set(['bytes64m']);

const started = Date.now();
const loadStart = os.loadavg()[0];
const out = [];
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
out.push('# brine benchmark');
out.push('');
const environment =
  `${date}, Node ${process.version} (V8 ${process.versions.v8}), ${python} (C \`_pickle\`), ` +
  `brine ${pkgVersion('.')}, pickleparser ${pkgVersion('node_modules/pickleparser')}, ` +
  `jpickle ${pkgVersion('node_modules/jpickle')}; ${os.type()} ${os.release()} ${os.arch()}, ` +
  `${cpu} x ${os.cpus().length}; ${values.quick ? 'quick' : 'full'} run, ${budget} ms of timed runs per case`;
const environmentLine = out.push('') - 1; // filled in at the end, with the load average
out.push('');
out.push(
  'Milliseconds per call (microseconds for the small pickles): median (min) over the timed runs, ' +
    'each case in a fresh process. ' +
    "Ratios are the other library's median over brine's median: above 1 means brine is faster. " +
    'Absolute times on a shared VM are noisy; compare ratios.',
);

/**
 * Runs the loads cases of `list` and adds its tables: the main files (protocol
 * 5, text0 protocol 0) with JSON.parse, pickleparser and jpickle, then `text`,
 * then the protocol-2 files. Times in `unit` per call.
 */
function loadsTables(list, unit, { title, text, p2title }) {
  const u = unit.label;
  const main = [];
  const p2rows = [];
  const geo = { cpy: [], json: [], pp: [], jp: [], cpy2: [], jp2: [] };
  for (const name of list) {
    const w = summary.workloads[name];
    const f = fileOf(name, 'main');
    const p2 = fileOf(name, 'p2');
    const jsonFile = fileOf(name, 'json');
    const cpy = runCase('cpython', 'loads', name, f);
    const br = runCase('brine', 'loads', name, f);
    // V8's JSON.parse on the same value as JSON, when JSON can hold it.
    const js = jsonFile && withLib('json') && runCase('json', 'loads', name, jsonFile);
    const pp = withLib('pickleparser') ? runCase('pickleparser', 'loads', name, f) : undefined;
    // jpickle reads protocols 0-2 only: it gets the protocol-2 file, compared with brine on the same file.
    const jf = f.protocol <= 2 ? f : p2;
    const jp = withLib('jpickle') ? runCase('jpickle', 'loads', name, jf) : undefined;
    const brJ = jf === f ? br : runCase('brine', 'loads', name, jf);
    const label = `${name}: ${w.title}`;
    main.push([
      label,
      `${fmtSize(f.size)} p${f.protocol}`,
      timeCell(cpy, 'CPython', f, unit),
      timeCell(br, 'brine', f, unit),
      ratioCell(cpy, br),
      timeCell(js, 'JSON.parse', jsonFile, unit),
      ratioCell(js, br),
      timeCell(pp, 'pickleparser', f, unit),
      ratioCell(pp, br),
      timeCell(jp, 'jpickle', jf, unit),
      ratioCell(jp, brJ),
    ]);
    if (!VIEW_VS_COPY.has(name)) {
      geo.cpy.push([cpy, br]);
      geo.pp.push([pp, br]);
    }
    if (js) geo.json.push([js, br]);
    geo.jp.push([jp, brJ]);
    if (p2) {
      const cpy2 = runCase('cpython', 'loads', name, p2);
      const br2 = brJ;
      p2rows.push([
        label,
        fmtSize(p2.size),
        timeCell(cpy2, 'CPython', p2, unit),
        timeCell(br2, 'brine', p2, unit),
        ratioCell(cpy2, br2),
        timeCell(jp, 'jpickle', p2, unit),
        ratioCell(jp, br2),
      ]);
      geo.cpy2.push([cpy2, br2]);
      geo.jp2.push([jp, br2]);
    }
  }
  main.push([
    'geometric mean (cases)',
    '',
    '',
    '',
    geomean(geo.cpy),
    '',
    geomean(geo.json),
    '',
    geomean(geo.pp),
    '',
    geomean(geo.jp),
  ]);
  out.push('');
  out.push(`## loads: ${title}`);
  out.push('');
  out.push(
    table(
      [
        'workload',
        'file',
        `CPython ${u}`,
        `brine ${u}`,
        'CPython/brine',
        `JSON.parse ${u}`,
        'JSON.parse/brine',
        `pickleparser ${u}`,
        'pickleparser/brine',
        `jpickle ${u} (p2 file)`,
        'jpickle/brine (p2 file)',
      ],
      main,
    ),
  );
  out.push('');
  out.push(text);
  if (p2rows.length) {
    p2rows.push(['geometric mean (cases)', '', '', '', geomean(geo.cpy2), '', geomean(geo.jp2)]);
    out.push('');
    out.push(`## loads: ${p2title}`);
    out.push('');
    out.push(
      table(
        ['workload', 'file', `CPython ${u}`, `brine ${u}`, 'CPython/brine', `jpickle ${u}`, 'jpickle/brine'],
        p2rows,
      ),
    );
  }
}

function fmtMB(bytes) {
  if (bytes === null || bytes === undefined) return '-';
  return (bytes / 1e6).toFixed(1);
}

/**
 * Memory of one load (the first call of each case, protocol-5 files): the peak
 * growth of the resident set during the call and what the result keeps alive
 * (see measure() in case.mjs). The last column is brine's peak over the sum of
 * its result and the input: at most 1 means no hidden copies beyond them.
 */
function memoryTable(list) {
  const rows = [];
  for (const name of list) {
    const w = summary.workloads[name];
    const f = fileOf(name, 'main');
    const cpy = runCase('cpython', 'loads', name, f);
    const br = runCase('brine', 'loads', name, f);
    const cm = cpy.ok ? cpy.memory : undefined;
    const bm = br.ok ? br.memory : undefined;
    const bound = bm && bm.peak !== null ? bm.peak / (Math.max(0, bm.retained) + f.size) : null;
    rows.push([
      `${name}: ${w.title}`,
      fmtSize(f.size),
      fmtMB(cm?.peak),
      fmtMB(cm?.retained),
      fmtMB(bm?.peak),
      fmtMB(bm?.retained),
      fmtMB(bm?.rssRetained),
      bound === null ? '-' : bound.toFixed(2),
    ]);
  }
  out.push('');
  out.push('## loads: memory of one load (MB)');
  out.push('');
  out.push(
    table(
      [
        'workload',
        'file',
        'CPython peak',
        'CPython result (RSS)',
        'brine peak',
        'brine result (heap)',
        'brine result (RSS)',
        'brine peak / (result + input)',
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    'Peak: the largest growth of the resident set during the first load, over the resident set ' +
      'just before it (which already holds the input), from the kernel high-water mark reset before ' +
      'the call (Linux). Result: what the loaded value keeps alive after a full collection ' +
      "(brine: V8 heap and external memory; CPython: resident set). brine's peak includes the " +
      "garbage the young generation has not yet collected; bytes64m's result is a view of the input.",
  );
}

if (ops.has('loads')) {
  if (bigNames.length) {
    loadsTables(bigNames, MS, {
      title: 'protocol 5 files (text0: protocol 0)',
      text:
        "JSON.parse is V8's native parser on the same value written as JSON (tuples as arrays): " +
        'the cost of building these objects on the V8 heap, a floor for a JavaScript decoder (see bench/README.md). ' +
        'Its ratio above 1 means brine is faster than JSON.parse on the same data. ' +
        'The JSON text is decoded from the file before timing. ' +
        'It is absent where JSON cannot hold the value (bytes, ints beyond 2**53, class instances, ' +
        'standard-library values). ' +
        'jpickle reads protocols 0-2 only, so its column times the protocol-2 file of each workload, ' +
        "and its ratio divides by brine's time on that same file (next table). " +
        'On bytes64m, brine and pickleparser return a view into the input where CPython copies 64 MiB, ' +
        'so the CPython and pickleparser geometric means leave it out.',
      p2title: 'protocol 2 files',
    });
  }
  if (bigNames.length) memoryTable(bigNames);
  if (smallNames.length) {
    loadsTables(smallNames, US, {
      title: 'small pickles (microseconds per call)',
      text:
        'Each timed run loops over enough calls to last about 30 ms (calls/run in the Cases table) ' +
        'and gives the time per call: per-call overhead dominates at this size. ' +
        'Columns as in the first table; jpickle again on the protocol-2 files (next table).',
      p2title: 'small pickles, protocol 2 files (microseconds per call)',
    });
  }
}

if (ops.has('dumps')) {
  out.push('');
  out.push('## dumps');
  out.push('');
  if (!runDumps) {
    out.push('Skipped: dist/index.js does not export `dumps` yet (force with `--ops dumps`).');
  } else {
    out.push('Each library dumps the value it loaded from the file, at the protocol of the file.');
    // One table for the big workloads (ms per call), one for the small ones (µs per call).
    for (const [list, unit] of [
      [bigNames, MS],
      [smallNames, US],
    ]) {
      if (!list.length) continue;
      const rows = [];
      const geo = [];
      for (const name of list) {
        const w = summary.workloads[name];
        const f = fileOf(name, 'main');
        const cpy = runCase('cpython', 'dumps', name, f);
        const br = runCase('brine', 'dumps', name, f);
        const row = [
          `${name}: ${w.title}`,
          `${fmtSize(f.size)} p${f.protocol}`,
          timeCell(cpy, 'CPython dumps', f, unit),
          timeCell(br, 'brine dumps', f, unit),
          ratioCell(cpy, br),
        ];
        if (unit === MS) {
          // Memory of the first dump: peak growth of the resident set, and brine's over the pickle's size.
          const cm = cpy.ok ? cpy.memory : undefined;
          const bm = br.ok ? br.memory : undefined;
          row.push(
            fmtMB(cm?.peak),
            fmtMB(bm?.peak),
            bm && bm.peak !== null ? (bm.peak / f.size).toFixed(2) : '-',
          );
        }
        rows.push(row);
        geo.push([cpy, br]);
      }
      const memoryHeads = unit === MS ? ['CPython peak MB', 'brine peak MB', 'brine peak / pickle'] : [];
      rows.push(['geometric mean (cases)', '', '', '', geomean(geo), ...memoryHeads.map(() => '')]);
      out.push('');
      out.push(
        table(
          [
            'workload',
            'file',
            `CPython ${unit.label}`,
            `brine ${unit.label}`,
            'CPython/brine',
            ...memoryHeads,
          ],
          rows,
        ),
      );
      if (unit === MS)
        out.push(
          '',
          'Peak: the largest growth of the resident set during the first dump (as for loads); ' +
            "the last column divides brine's by the size of the pickle (the file's, which the dump " +
            'writes again): at most 2 is the target.',
        );
    }
  }
}

if (notes.length) {
  out.push('');
  out.push('## Notes');
  out.push('');
  notes.forEach((n, i) => {
    out.push(`${i + 1}. ${n.lib} on ${n.files.join(', ')}: ${n.reason}`);
  });
}

const measured = [...results.values()].filter((r) => r.ok);
if (measured.length) {
  out.push('');
  out.push('## Cases');
  out.push('');
  out.push(
    'Every measured case (json: JSON.parse): file size, timed runs (after warmup) and calls per run ' +
      '(more than 1 for the small workloads), median, min and max ms per call, and the ' +
      'median number of minor page faults per run (fresh memory the run touched; each costs ' +
      'microseconds on a VM).',
  );
  out.push('');
  out.push(
    table(
      ['library', 'op', 'file', 'size', 'runs', 'calls/run', 'median', 'min', 'max', 'page faults/run'],
      measured.map((r) => [
        r.lib,
        r.op,
        r.file,
        fmtSize(r.size),
        String(r.times.length),
        String(r.calls ?? 1),
        fmtMs(r.median),
        fmtMs(r.min),
        fmtMs(r.max),
        String(Math.round(r.faultsMedian)),
      ]),
      3,
    ),
  );
}
out.push('');

// The 1-minute load average before and after: well above 0 on an otherwise idle
// machine means that something else competed with the bench.
out[environmentLine] =
  `${environment}; load average ${loadStart.toFixed(2)} at the start, ` +
  `${os.loadavg()[0].toFixed(2)} at the end.`;
const text = out.join('\n');
process.stdout.write(`\n${text}`);
const outFile = values.out ?? `${BENCH}results.md`;
writeFileSync(outFile, text);
log(`\n${caseCount} cases in ${((Date.now() - started) / 1000).toFixed(0)} s; tables written to ${outFile}`);
