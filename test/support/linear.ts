/**
 * Complexity checks: the cost of one operation at size n and 4n, in CPU time.
 * A linear path scales by about 4, a quadratic one by 16.
 *
 * No absolute time appears anywhere: only the ratio of two costs measured in
 * the same process, back to back, so a slow or busy machine changes both
 * sides alike.
 */
import assert from 'node:assert/strict';

/** Linear within this factor from n to 4n (quadratic would be 16). */
export const LINEAR = 8;

/**
 * A first run at 4n costing more than this many times one at n ends the
 * measurement there: no linear path comes near it (a step in the engine's
 * cost raises a ratio by 2 to 4), and a superlinear one would take minutes
 * more to measure at 4n and 16n, which reads as a hang instead of a failure.
 */
export const BLOWUP = 8 * LINEAR;

/** CPU ms of one call of `fn`. */
export function cpuMs(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * The best CPU time of `runs` calls of `fn`, in ms. CPU time, not wall time:
 * on a shared machine the process waits for a core for a time that has
 * nothing to do with the code measured.
 */
export function best(fn: () => unknown, runs = 3): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) min = Math.min(min, cpuMs(fn));
  return min;
}

/** How long the small input is repeated for, and how many interleaved pairs are measured. */
export interface RatioOptions {
  /** CPU ms each measured window should take. Default 4. */
  readonly targetMs?: number;
  /** Interleaved measurements of small then large; the best of each counts. Default 3. */
  readonly pairs?: number;
}

/** The measured cost of `run` at n and 4n. */
export interface Ratio {
  /** The small size. */
  readonly n: number;
  /** CPU ms of `reps` runs at n (a quarter of the best window of `4 * reps` runs). */
  readonly small: number;
  /** CPU ms of `reps` runs at 4n (best of the pairs). */
  readonly large: number;
  readonly reps: number;
  readonly ratio: number;
  /** True when the first run at 4n cost more than {@link BLOWUP} runs at n: measured once. */
  readonly stopped?: boolean;
}

/**
 * Measures `run(make(4n))` against `run(make(n))`. The small input is run
 * `4 * reps` times and the large one `reps` times, so that both windows do
 * the same work and allocate as much: with windows of unequal work, the small
 * one can fit between two collections of the young generation while the large
 * one always pays for one, which reads as superlinear. `reps` is chosen for a
 * window to take about `targetMs` (a single run of a few microseconds is all
 * timer noise); the windows are interleaved, best of each. The ratio is that
 * of one large run to one small run.
 */
export function costRatio<T>(
  n: number,
  make: (n: number) => T,
  run: (input: T) => unknown,
  options: RatioOptions = {},
): Ratio {
  const targetMs = options.targetMs ?? 4;
  const pairs = options.pairs ?? 3;
  const small = make(n);
  const large = make(4 * n);
  run(small); // warm up: compile, fill the caches
  const first = cpuMs(() => run(small));
  const warm = cpuMs(() => run(large));
  // Far beyond linear already (and above the clock's noise): one run is the measurement.
  if (first >= 5 && warm > BLOWUP * first)
    return { n, small: first, large: warm, reps: 1, ratio: warm / first, stopped: true };
  const once = Math.min(
    warm,
    cpuMs(() => run(large)),
  );
  const reps = Math.min(1024, Math.max(1, Math.ceil(targetMs / Math.max(once, 0.005))));
  const repeat = (input: T, times: number) => () => {
    for (let i = 0; i < times; i++) run(input);
  };
  let a = Number.POSITIVE_INFINITY;
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < pairs; i++) {
    a = Math.min(a, cpuMs(repeat(small, 4 * reps)));
    b = Math.min(b, cpuMs(repeat(large, reps)));
  }
  // A window too fast for the clock (0 ms) counts as its resolution.
  return { n, small: a / 4, large: b, reps, ratio: (4 * b) / Math.max(a, 0.001) };
}

/** Describes a measured ratio for an assertion message. */
export function describeRatio(what: string, r: Ratio, limit = LINEAR): string {
  return `${what}: ${r.small.toFixed(2)} ms for ${r.reps} runs at n=${r.n}, ${r.large.toFixed(2)} ms at 4n (ratio ${r.ratio.toFixed(1)}, linear allows ${limit}${r.stopped === true ? `; stopped after one run at 4n, past ${BLOWUP}` : ''})`;
}

/**
 * The ratio of `run` from n to 4n, measured up to three times until one is
 * below {@link LINEAR}: first with short windows; on a miss from n to 4n
 * again with longer ones and more pairs; on a second miss from 4n to 16n.
 *
 * The engine's cost per item has steps: a hash table or array past 128 KiB
 * is allocated in V8's large-object space, on fresh pages (a page fault per
 * 4 KiB), and data past a cache size costs more per access. A step between n
 * and 4n raises that one ratio (by 2 to 4 here), not the next one. A busy
 * machine adds noise to one window or another. A superlinear path raises
 * every ratio, and more at the larger size, so it fails all three; one whose
 * first ratio is past {@link BLOWUP} fails at once. The lowest ratio is
 * returned, with every measurement.
 */
export function scaling<T>(
  n: number,
  make: (n: number) => T,
  run: (input: T) => unknown,
  options: RatioOptions = {},
): { readonly ratio: number; readonly measured: readonly Ratio[] } {
  const targetMs = options.targetMs ?? 4;
  const pairs = options.pairs ?? 3;
  // A busy moment is measured again at the same sizes: where one run fills a window (a nest of
  // half a million levels), runs at n and 4n cost about a quarter of runs at 4n and 16n. A step in
  // the engine's cost between n and 4n misses again, and is then measured past it.
  const attempts: [number, RatioOptions][] = [
    [n, { targetMs, pairs }],
    [n, { targetMs: 4 * targetMs, pairs: pairs + 2 }],
    [4 * n, { targetMs: 2 * targetMs, pairs: pairs + 2 }],
  ];
  const measured: Ratio[] = [];
  let ratio = Number.POSITIVE_INFINITY;
  for (const [size, opts] of attempts) {
    const r = costRatio(size, make, run, opts);
    measured.push(r);
    ratio = Math.min(ratio, r.ratio);
    // Linear, or far from it (the larger sizes would cost minutes): no more attempts.
    if (ratio < LINEAR || r.ratio > BLOWUP) break;
  }
  return { ratio, measured };
}

/**
 * Asserts that `run(make(4n))` costs about 4 times `run(make(n))` (see
 * {@link scaling}).
 */
export function assertLinear<T>(
  what: string,
  n: number,
  make: (n: number) => T,
  run: (input: T) => unknown,
  options?: RatioOptions,
): void {
  const { ratio, measured } = scaling(n, make, run, options);
  assert.ok(ratio < LINEAR, measured.map((r) => describeRatio(what, r)).join('; then '));
}
