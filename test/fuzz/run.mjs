/**
 * `npm run fuzz`: the long runs, with fixed seeds, that `npm test` runs short.
 *
 * 1. the build (the tests import the built package);
 * 2. the coverage-guided fuzzer (test/fuzz/coverage.ts), 20,000 inputs, in a
 *    process that runs beside the next steps (it uses one core);
 * 3. the differential fuzzing against python3 (BRINE_SEED=7) and the loader
 *    fuzzing (BRINE_SEED=45598), with `BRINE_BUDGET=full`: 20,000 grammar
 *    pickles and 200,000 runs;
 * 4. every other test file that reads test/support/budget.ts, with
 *    `BRINE_BUDGET=full` and BRINE_SEED=20261206: the full property runs,
 *    mutation corpora and stress sizes (10^6 levels of nesting, ...), and the
 *    package packed through its own `prepack` build.
 *
 * The test files run through `npm test -- FILE...` (test/support/test.mjs),
 * each in a process of its own, two at a time. A BRINE_SEED or run count in
 * the environment is left to the tests (test/support/budget.ts reads them):
 * `BRINE_SEED=1 npm run fuzz` runs every step with seed 1. Exit code 1 when
 * any step fails; every step runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The test files that read the budget, in name order, fuzz.test.ts and differential.test.ts left out. */
function budgetFiles() {
  const list = (dir) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => `${dir}/${name}`);
  return [...list('test'), ...list('test/complexity')].filter(
    (f) =>
      f !== 'test/fuzz.test.ts' &&
      f !== 'test/differential.test.ts' &&
      /from '(\.\.?\/)+support\/budget\.js'/.test(readFileSync(join(ROOT, f), 'utf8')),
  );
}

let failed = false;

/** Reports a step's end, and remembers a failure. */
function ended(title, started, status, error) {
  const ok = status === 0;
  if (!ok) failed = true;
  process.stderr.write(
    `# npm run fuzz: ${title}: ${ok ? 'ok' : `FAILED (${error?.message ?? `exit code ${status}`})`} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return ok;
}

/** Runs one step; its output goes straight through. */
function step(title, command, args, env = {}) {
  const started = Date.now();
  process.stderr.write(`\n# npm run fuzz: ${title}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  return ended(title, started, result.status, result.error);
}

/** Starts a step beside the others (its output, a line at the end, goes to stderr); resolves when it ends. */
function beside(title, command, args) {
  const started = Date.now();
  process.stderr.write(`\n# npm run fuzz: ${title} (beside the next steps)\n`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => resolve(ended(title, started, null, error)));
    child.on('close', (status) => resolve(ended(title, started, status)));
  });
}

/** A seed from the environment wins over the step's own. */
const seed = (own) => process.env.BRINE_SEED ?? String(own);
const tests = (files) => ['--enable-source-maps', join(ROOT, 'test/support/test.mjs'), ...files];

if (step('build', 'npm', ['run', '--silent', 'build'])) {
  // Single-threaded: it runs beside the other steps, which use the second core.
  const coverage = beside('coverage-guided fuzzing, 20,000 inputs', process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'test/fuzz/coverage.ts'),
    '20000',
    seed(0xc0ffee),
  ]);
  step('differential fuzzing against python3', process.execPath, tests(['test/differential.test.ts']), {
    BRINE_BUDGET: 'full',
    BRINE_SEED: seed(7),
  });
  step('loader fuzzing', process.execPath, tests(['test/fuzz.test.ts']), {
    BRINE_BUDGET: 'full',
    BRINE_SEED: seed(45598),
  });
  step('the other tests with full budgets', process.execPath, tests(budgetFiles()), {
    BRINE_BUDGET: 'full',
    BRINE_SEED: seed(20261206),
  });
  await coverage;
}
process.exitCode = failed ? 1 : 0;
