// A 64 MiB float32 array: brine against CPython + numpy (Debian's /usr/bin/python3, or
// BRINE_NUMPY_PYTHON) on the same machine in the same run, each case in a fresh process.
// Loads and dumps at protocol 4 (bytes in band), 5 (bytearray in band) and 5 out of band, and
// .npy. Needs `npm run build` first (it measures dist/, as bench/run.mjs does).
//
//   node bench/numpy.mjs [--runs n] [--out file]
//
// Writes the table to stdout and to bench/results-numpy.md.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const DATA = `${BENCH}data/numpy`;
const PYTHON = process.env.BRINE_NUMPY_PYTHON ?? '/usr/bin/python3';
const OPS = [
  'loads-p4',
  'loads-p5',
  'loads-p5oob',
  'dumps-p4',
  'dumps-p5',
  'dumps-p5oob',
  'load-npy',
  'dump-npy',
];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    out: { type: 'string', default: `${BENCH}results-numpy.md` },
    case: { type: 'string' },
  },
});
const runs = Number(values.runs);

if (values.case !== undefined) {
  await runCase(values.case);
} else {
  main();
}

/** One case in this (fresh) process: brine's side. */
async function runCase(op) {
  const brine = await import('../dist/index.js');
  const read = (name) => new Uint8Array(readFileSync(`${DATA}/${name}`));
  let fn;
  if (op.startsWith('loads-')) {
    const name = op.slice(6);
    const data = read(`${name}.pkl`);
    const buffers = name === 'p5oob' ? [read('p5oob.buf')] : undefined;
    // Loading includes reaching the numbers: a Float32Array over the data (a view when aligned).
    fn = () => brine.loads(data, { buffers }).toTypedArray();
  } else if (op.startsWith('dumps-')) {
    const array = brine.loads(read('p4.pkl'));
    if (op === 'dumps-p5oob') fn = () => brine.dumps(array, { protocol: 5, bufferCallback: () => false });
    else fn = () => brine.dumps(array, { protocol: op === 'dumps-p4' ? 4 : 5 });
  } else if (op === 'load-npy') {
    const data = read('a.npy');
    fn = () => brine.loadNpy(data).toTypedArray();
  } else if (op === 'dump-npy') {
    const array = brine.loadNpy(read('a.npy'));
    fn = () => brine.dumpNpy(array);
  } else throw new Error(`unknown op ${op}`);
  fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  console.log(`@@result ${JSON.stringify({ times })}`);
}

function result(proc, label) {
  const line = proc.stdout?.split('\n').find((l) => l.startsWith('@@result '));
  if (proc.status !== 0 || line === undefined) {
    console.error(`${label} failed:\n${proc.stderr}`);
    return undefined;
  }
  return JSON.parse(line.slice(9)).times;
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function main() {
  if (!existsSync(`${BENCH}../dist/index.js`)) {
    console.error('run `npm run build` first: the benchmark measures dist/');
    process.exit(2);
  }
  const probe = spawnSync(PYTHON, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`no numpy at ${PYTHON} (set BRINE_NUMPY_PYTHON): cannot compare with numpy`);
    process.exit(2);
  }
  const numpyVersion = probe.stdout.trim();
  if (!existsSync(`${DATA}/a.npy`)) {
    const made = spawnSync(PYTHON, [`${BENCH}numpy_case.py`, 'make', DATA], { stdio: 'inherit' });
    if (made.status !== 0) process.exit(1);
  }
  const rows = [];
  for (const op of OPS) {
    const py = result(
      spawnSync(PYTHON, [`${BENCH}numpy_case.py`, op, DATA, String(runs)], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      }),
      `numpy ${op}`,
    );
    const js = result(
      spawnSync(
        process.execPath,
        ['--expose-gc', fileURLToPath(import.meta.url), '--case', op, '--runs', String(runs)],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        },
      ),
      `brine ${op}`,
    );
    if (py === undefined || js === undefined) continue;
    const p = median(py);
    const b = median(js);
    rows.push([op, p.toFixed(3), b.toFixed(3), (p / b).toFixed(2)]);
    console.error(`${op}: numpy ${p.toFixed(3)} ms, brine ${b.toFixed(3)} ms`);
  }
  const header = ['case (64 MiB float32)', `CPython + numpy ${numpyVersion} ms`, 'brine ms', 'numpy/brine'];
  // Padded columns, as the formatter writes markdown tables.
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  const text = [
    '# numpy workload',
    '',
    `A 64 MiB float32 array (16 Mi elements), median of ${runs} runs per case, each case in a fresh process;`,
    `${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}. brine's loads include toTypedArray()`,
    '(a view of the loaded bytes when aligned); numpy/brine above 1 means brine is faster.',
    'Protocol 4 carries the data as bytes (brine: a view of the input, numpy: a copy); protocol 5 in band as a',
    'bytearray (both copy it); out of band, neither copies.',
    '',
    table,
    '',
  ].join('\n');
  console.log(text);
  writeFileSync(values.out, text);
}
