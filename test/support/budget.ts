/**
 * How much work the randomized and stress tests do: one scheme for every file.
 *
 * `npm test` runs every test with the quick budget: property and fuzz runs,
 * mutation corpora and stress sizes chosen so that the suite is fast, each
 * still large enough to mean something (deep nesting far beyond any
 * recursion limit, complexity ratios at sizes where the ratio is measured
 * above timer noise). `npm run fuzz` (test/fuzz/run.mjs) runs the same tests
 * with `BRINE_BUDGET=full`: the full numbers, and fixed seeds.
 *
 * Environment (read here, and only here):
 * - `BRINE_BUDGET=quick|full`: which of the two numbers each knob takes
 *   (default quick).
 * - `BRINE_SEED=<int>`: the seed of every seeded test (a failure message
 *   prints the seed it ran with, to replay it); without it, each file's own
 *   default.
 * - `BRINE_RUNS=<int>`: the number of runs of every property that reads
 *   {@link runs}, overriding both budgets. `BRINE_FUZZ_RUNS`,
 *   `BRINE_DIFF_RUNS` and `BRINE_COVERAGE_RUNS` do the same for the loader
 *   fuzzing, the differential fuzzing and the coverage-guided fuzzing (their
 *   `name` argument).
 *
 * A knob is `runs(quick, full)` for a count of random inputs (an override
 * applies) or `size(quick, full)` for a stress size (no override: a test
 * checks what it builds at that size).
 */

/** The budget the tests run with. */
export const BUDGET: 'quick' | 'full' = process.env.BRINE_BUDGET === 'full' ? 'full' : 'quick';

if (process.env.BRINE_BUDGET !== undefined && !['quick', 'full'].includes(process.env.BRINE_BUDGET))
  throw new Error(`BRINE_BUDGET must be quick or full, got ${JSON.stringify(process.env.BRINE_BUDGET)}`);

/** True under `npm run fuzz`. */
export const FULL = BUDGET === 'full';

function integerFrom(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${text}`);
  return value;
}

/**
 * A number of random inputs: `quick` under `npm test`, `full` under `npm run
 * fuzz`; the environment variable `name` (default `BRINE_RUNS`) overrides both.
 */
export function runs(quick: number, full: number, name = 'BRINE_RUNS'): number {
  return integerFrom(name) ?? (FULL ? full : quick);
}

/** A stress size (items, levels, bytes): `quick` under `npm test`, `full` under `npm run fuzz`. */
export function size(quick: number, full: number): number {
  return FULL ? full : quick;
}

/** The seed: `BRINE_SEED` when set, else the file's own `fallback`. */
export function seed(fallback: number): number {
  return integerFrom('BRINE_SEED') ?? fallback;
}
