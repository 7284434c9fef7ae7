/**
 * Random JavaScript values (test/support/dumps-values.ts) dumped by brine at
 * every protocol, checked three ways:
 *
 * - brine's `loads(..., { exact: true })` gives the value back (same
 *   description, floats told apart from ints, same sharing);
 * - python3 reads the value brine meant: vectors_lib's model of brine's pickle
 *   has the description of the value (dicts as maps, floats as numbers);
 * - CPython writes the same bytes for what it loaded (`pickle.dumps(
 *   pickle.loads(brine), protocol)`), or differs for a known reason
 *   (test/support/dumps-known.ts: set order, equal strings memoized by value).
 *
 * All the pickles of a run go to one python3 process (scripts/py-roundtrip.py);
 * values met while shrinking a failure are sent one by one.
 *
 * BRINE_SEED=<n> replays a run (the seed is in the failure message),
 * BRINE_RUNS=<n> changes the number of values (default 250; BRINE_BUDGET=full: 1000).
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { dumps, loads } from '../src/index.js';
import { runs, seed as seedOr } from './support/budget.js';
import { compareDescriptions, describe } from './support/describe.js';
import { DETECTED } from './support/dumps-known.js';
import { hex, type RoundtripResult, roundtrip } from './support/dumps-python.js';
import { normalize, value } from './support/dumps-values.js';
import { failWithSeed } from './support/fast-check.js';

const DEFAULT_SEED = 20250307;
const seed = seedOr(DEFAULT_SEED);
const numRuns = runs(250, 1000);
const PROTOCOLS = [0, 1, 2, 3, 4, 5] as const;

/** The differences CPython's re-dump may show: the rest are bugs. */
const ALLOWED = new Set(['identical', 'string-memo', 'set-order']);

function dumpAll(v: unknown): Uint8Array[] {
  return PROTOCOLS.map((protocol) => dumps(v, { protocol }));
}

const key = (protocol: number, data: Uint8Array) => `${protocol}:${hex(data)}`;

function askPython(pickles: [number, Uint8Array][], cache: Map<string, RoundtripResult>): void {
  const todo = pickles.filter(([p, data]) => !cache.has(key(p, data)));
  const results = roundtrip(
    todo.map(([protocol, data]) => ({ mode: 'redump', protocol, brine_hex: hex(data) })),
  );
  for (const [i, [p, data]] of todo.entries()) cache.set(key(p, data), results[i]!);
}

function check(v: unknown, cache: Map<string, RoundtripResult>): void {
  const pickles = dumpAll(v);
  const pairs = pickles.map((data, i): [number, Uint8Array] => [PROTOCOLS[i]!, data]);
  askPython(pairs, cache);
  const exact = describe(normalize(v, 'exact'));
  const python = describe(normalize(v, 'python'));
  for (const [protocol, data] of pairs) {
    const where = `protocol ${protocol}, pickle ${hex(data)}`;
    const back = describe(normalize(loads(data, { exact: true }), 'exact'));
    const own = compareDescriptions(back, exact);
    if (own !== undefined) throw new Error(`${where}: brine loads its dump to another value: ${own}`);
    const result = cache.get(key(protocol, data))!;
    if (result.error !== undefined) throw new Error(`${where}: py-roundtrip.py failed: ${result.error}`);
    if (result.real !== 'equal') throw new Error(`${where}: python3: ${result.real}`);
    if (result.model !== null) throw new Error(`${where}: python3 model: ${result.model}`);
    const seen = compareDescriptions(result.describe, python);
    if (seen !== undefined) throw new Error(`${where}: python3 reads another value: ${seen}`);
    const category = result.category ?? 'unexplained';
    if (!ALLOWED.has(category)) {
      throw new Error(`${where}: CPython writes other bytes (${category})\n${result.diff ?? ''}`);
    }
  }
}

test('dumps() writes what CPython writes, at every protocol, for random values', (t) => {
  const cache = new Map<string, RoundtripResult>();
  const samples = fc.sample(value, { seed, numRuns });
  const prefetch: [number, Uint8Array][] = [];
  for (const v of samples) {
    try {
      for (const [i, data] of dumpAll(v).entries()) prefetch.push([PROTOCOLS[i]!, data]);
    } catch {
      // reported by the property below, with the value
    }
  }
  askPython(prefetch, cache);
  const prefetched = cache.size;
  // The categories over the prefetched values, for the notes.
  const counts = new Map<string, number>();
  for (const result of cache.values()) {
    const category = result.category ?? 'unexplained';
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  try {
    fc.assert(
      fc.property(value, (v) => check(v, cache)),
      { seed, numRuns },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
  t.diagnostic(`seed ${seed}: ${numRuns} values, ${prefetched} distinct pickles checked by python3`);
  for (const [category, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    t.diagnostic(`  ${n} ${category}${category in DETECTED ? '' : ' (not allowed)'}`);
  }
  if (cache.size > prefetched) t.diagnostic(`${cache.size - prefetched} pickles were not prefetched`);
});
