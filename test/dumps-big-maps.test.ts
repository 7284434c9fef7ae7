/**
 * Maps on both sides of the size from which the pickler reads a Map's entries
 * with `forEach` instead of its key and value iterators (4,096 entries), and
 * an array for the entries made at their count (no spare one yet), against
 * CPython: dicts of 4,095 to 9,000 entries with keys of every hashable kind
 * (str, int, float, tuple, a bigint) and values shared between entries, loaded
 * from python3's pickles (`exact: true`, so dicts are Maps) and dumped back at
 * their protocol, 0 to 5, each dump in a new pickler (whose first big Map
 * is read by `forEach`) and through `dumps` (whose reused pickler has an
 * entries array from earlier Maps, and reads them by their iterators).
 * A key that cannot be a dict key fails at either size with the dict's path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, Pickler, PicklingError } from '../src/index.js';
import { pythonCases } from './support/python.js';

const SIZES = [4095, 4096, 4097, 9000] as const;
const PROTOCOLS = [0, 1, 2, 3, 4, 5] as const;

const py = pythonCases(String.raw`
import pickle

def key(i):
    k = i % 5
    if k == 0: return 'k%d' % i
    if k == 1: return i * 7919
    if k == 2: return i + 0.5
    if k == 3: return (i, 'p\u00e9')
    return 2**70 + i

def value(i, shared):
    if i % 3 == 0: return shared
    if i % 3 == 1: return 'v%d' % (i % 40)
    return [i, None, True]

cases = {}
for n in ${JSON.stringify(SIZES)}:
    shared = ['s', 1.25]
    d = {key(i): value(i, shared) for i in range(n)}
    for p in ${JSON.stringify(PROTOCOLS)}:
        cases['%d/%d' % (n, p)] = pickle.dumps({'d': d, 'also': shared}, p)
`);

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

test('Maps of 4,095 to 9,000 entries of every key kind dump to CPython’s bytes at every protocol', () => {
  for (const n of SIZES) {
    for (const protocol of PROTOCOLS) {
      const expected = py.get(`${n}/${protocol}`)!;
      const value = loads(expected, { exact: true }) as Map<string, unknown>;
      assert.ok(value.get('d') instanceof Map && (value.get('d') as Map<unknown, unknown>).size === n);
      assert.ok(
        same(new Pickler({ protocol }).dump(value), expected),
        `${n} entries, protocol ${protocol}: Pickler`,
      );
      assert.ok(same(dumps(value, { protocol }), expected), `${n} entries, protocol ${protocol}: dumps`);
    }
  }
});

test('a key that cannot be a dict key fails with the dict’s path, below and past 4,096 entries', () => {
  for (const n of [100, 4095, 4096, 9000]) {
    for (const at of [0, n - 1]) {
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) map.set(i === at ? [i] : `k${i}`, i);
      for (const protocol of [2, 5]) {
        // A new pickler reads its first big Map by forEach, `dumps`'s reused one by the iterators.
        for (const [how, dump] of [
          ['Pickler', (v: unknown) => new Pickler({ protocol }).dump(v)],
          ['dumps', (v: unknown) => dumps(v, { protocol })],
        ] as const) {
          assert.throws(
            () => dump({ a: [map] }),
            (e: unknown) =>
              e instanceof PicklingError &&
              e.message.includes('root.a[0]') &&
              e.message.includes("a dict key is unhashable in Python (unhashable type: 'list')"),
            `${n} entries, the list key at ${at}, protocol ${protocol}, ${how}`,
          );
        }
      }
    }
  }
});
