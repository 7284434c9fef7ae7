// `node bench/pandas.mjs`: a 1M-row pandas DataFrame (int64, float64, bool, datetime64,
// categorical and object-string columns), pickled by pandas at protocol 5, loaded and dumped
// by brine (dist/, `npm run build` first) and by CPython + pandas (/usr/bin/python3, or
// BRINE_PANDAS_PYTHON), each operation in a fresh process. Prints the median times and ratios.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const PY = process.env.BRINE_PANDAS_PYTHON ?? '/usr/bin/python3';

const CASE = `
import { readFileSync } from 'node:fs';
const { loads, dumps, DataFrame } = await import(process.argv[1]);
const data = readFileSync(process.argv[3]);
const op = process.argv[2];
let df = loads(data);
if (!(df instanceof DataFrame) || df.shape[0] !== 1000000) throw new Error('not the frame');
const fn = op === 'loads' ? () => loads(data) : op === 'column' ? () => loads(data).columnArray('x') : () => dumps(df);
fn();
const times = [];
let spent = 0;
while (times.length < 5 || spent < 1000) {
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  times.push(ms);
  spent += ms;
}
console.log('@@result ' + JSON.stringify({ times }));
`;

function result(run, label) {
  const line = run.stdout?.split('\n').find((l) => l.startsWith('@@result '));
  if (run.status !== 0 || line === undefined) throw new Error(`${label} failed: ${run.stderr}`);
  const times = JSON.parse(line.slice(9)).times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const probe = spawnSync(PY, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`SKIPPED: no pandas in ${PY} (set BRINE_PANDAS_PYTHON)`);
  process.exit(0);
}
const folder = mkdtempSync(join(tmpdir(), 'brine-pandas-bench-'));
try {
  const file = join(folder, 'frame.pkl');
  const made = spawnSync(PY, [join(BENCH, 'pandas_case.py'), 'make', file], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  const dist = new URL('../dist/index.js', import.meta.url).href;
  const rows = [];
  for (const op of ['loads', 'dumps']) {
    const py = result(
      spawnSync(PY, [join(BENCH, 'pandas_case.py'), op, file], { encoding: 'utf8' }),
      `python ${op}`,
    );
    const js = result(
      spawnSync(process.execPath, ['--input-type=module', '-e', CASE, dist, op, file], { encoding: 'utf8' }),
      `brine ${op}`,
    );
    rows.push([op, js, py]);
  }
  const column = result(
    spawnSync(process.execPath, ['--input-type=module', '-e', CASE, dist, 'column', file], {
      encoding: 'utf8',
    }),
    'brine column',
  );
  console.log(`1M-row DataFrame (pandas ${probe.stdout.trim()}), median ms:`);
  console.log('| op | brine | CPython + pandas | brine / CPython |');
  console.log('|---|---|---|---|');
  for (const [op, js, py] of rows)
    console.log(`| ${op} | ${js.toFixed(1)} | ${py.toFixed(1)} | ${(js / py).toFixed(2)} |`);
  console.log(`| loads + one float column as a JS array | ${column.toFixed(1)} | | |`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
