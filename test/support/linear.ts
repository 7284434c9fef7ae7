/**
 * Complexity checks: the cost of one operation at size n and 4n, in CPU time.
 * A linear path scales by about 4, a quadratic one by 16.
 */
import assert from 'node:assert/strict';

/** Linear within this factor from n to 4n (quadratic would be 16). */
export const LINEAR = 10;

/**
 * The best CPU time of `runs` calls of `fn`, in ms. CPU time, not wall time:
 * on a shared machine the process waits for a core for a time that has
 * nothing to do with the code measured.
 */
export function best(fn: () => unknown, runs = 3): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    min = Math.min(min, (used.user + used.system) / 1000);
  }
  return min;
}

/** How long the small input is repeated for, and how many interleaved pairs are measured. */
export interface RatioOptions {
  /** CPU ms the repeated small run must reach. Default 40. */
  readonly targetMs?: number;
  /** Interleaved measurements of small then large. Default 5. */
  readonly pairs?: number;
}

/** The measured cost of `run` at n and 4n. */
export interface Ratio {
  /** CPU ms of `reps` runs at n (best of the pairs). */
  readonly small: number;
  /** CPU ms of `reps` runs at 4n (best of the pairs). */
  readonly large: number;
  readonly reps: number;
  readonly ratio: number;
}

/**
 * Measures `run(make(4n))` against `run(make(n))`. Both are repeated enough
 * times for the small one to take `targetMs`: a single run of a millisecond
 * is all noise (a garbage collection, a busy machine). The runs are
 * interleaved, best of each.
 */
export function costRatio<T>(
  n: number,
  make: (n: number) => T,
  run: (input: T) => unknown,
  options: RatioOptions = {},
): Ratio {
  const targetMs = options.targetMs ?? 40;
  const pairs = options.pairs ?? 5;
  const small = make(n);
  const large = make(4 * n);
  run(small); // warm up
  run(large);
  let reps = 1;
  const repeat = (input: T) => () => {
    for (let i = 0; i < reps; i++) run(input);
  };
  while (best(repeat(small), 2) < targetMs && reps < 4096) reps *= 2;
  let a = Number.POSITIVE_INFINITY;
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < pairs; i++) {
    a = Math.min(a, best(repeat(small), 1));
    b = Math.min(b, best(repeat(large), 1));
  }
  return { small: a, large: b, reps, ratio: b / a };
}

/** Describes a measured ratio for an assertion message. */
export function describeRatio(what: string, n: number, r: Ratio, limit: number): string {
  return `${what}: ${r.small.toFixed(1)} ms for ${r.reps} runs at n=${n}, ${r.large.toFixed(1)} ms at 4n (ratio ${r.ratio.toFixed(1)}, linear allows ${limit})`;
}

/**
 * Asserts that `run(make(4n))` costs about 4 times `run(make(n))`. Sizes are
 * best kept moderate so that both stay clear of the large-object heap, whose
 * collections would blur a ratio.
 */
export function assertLinear<T>(
  what: string,
  n: number,
  make: (n: number) => T,
  run: (input: T) => unknown,
): void {
  const r = costRatio(n, make, run);
  assert.ok(r.ratio < LINEAR, describeRatio(what, n, r, LINEAR));
}
