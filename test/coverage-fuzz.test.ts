/**
 * A short fixed-seed run of the coverage-guided fuzzer (test/fuzz/coverage.ts):
 * mutations of CPython's pickles, kept when they reach new blocks of `src/`,
 * through loads, scan, disassemble, toJSON / fromJSON and the chunk reader;
 * every input must return or throw a PickleError within its time and memory
 * budget. `npm run fuzz` runs the long version.
 *
 *   BRINE_SEED=<int>            seed (default fixed)
 *   BRINE_COVERAGE_RUNS=<int>   mutated inputs (default 150; BRINE_BUDGET=full: 300)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fuzz } from './fuzz/coverage.js';
import { runs, seed } from './support/budget.js';
import { loadCorpus } from './support/python.js';

const SEED = seed(0xc0ffee);
const RUNS = runs(150, 300, 'BRINE_COVERAGE_RUNS');

it(`coverage-guided fuzzing (BRINE_SEED=${SEED}, ${RUNS} inputs): no crash, hang or blow-up`, async () => {
  const seeds = loadCorpus()
    .pickles.filter((p) => p.data.length <= 1024)
    .slice(0, 150)
    .map((p) => p.data);
  const report = await fuzz(seeds, RUNS, SEED);
  assert.deepEqual(report.findings, []);
  assert.ok(report.corpus > 10, `only ${report.corpus} inputs reached new blocks`);
  assert.ok(report.blocks > 500, `only ${report.blocks} blocks covered`);
});
