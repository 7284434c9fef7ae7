/**
 * Finding a key of a loaded dict or set by Python equality (`pyGet`, `pyHas`,
 * `pyIndex`): python3 pickles a dict with tuple, bytes, frozenset, numeric,
 * None and value-class keys, and a list of queries (separate objects, of
 * other but equal types: `1.0` for `1`, `(1.0, True)` for `(1, 1)`); what
 * `d.get(q)` and `q in s` answer in Python is what brine must answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  dumps,
  FrozenSet,
  loads,
  MAX_KEY_DEPTH,
  PickleError,
  PyFloat,
  PyGlobal,
  PyObject,
  pyGet,
  pyHas,
  pyIndex,
  tuple,
} from '../src/index.js';
import { assertLinear } from './support/linear.js';
import { runPython } from './support/python.js';

const SETUP = `
import datetime, decimal, json, pickle, sys, uuid
keys = [1, 2.5, -0.0, 10**20, 'a', b'a', b'', (1, 2), (1, (2, b'x')), (), frozenset({1, 2}), frozenset(),
        None, True, (None, 'x', 3.0), datetime.date(2024, 1, 2), decimal.Decimal('1.5'),
        uuid.UUID(int=7), float('inf'), ('a', frozenset({(1, 2)}))]
d = {k: i for i, k in enumerate(keys)}
queries = [1, 1.0, True, (1, 2), (1.0, 2), (True, 2.0), (1, (2, b'x')), (1, (2, bytearray(b'x'))) and (1, (2, b'x')),
           (1, 2, 3), (2, 1), b'a', 'a', b'b', (), frozenset({2, 1}), frozenset({1.0, 2}), frozenset(), frozenset({1}),
           None, 0, 0.0, -0.0, False, 10**20, float(10**20), 2.5, 2.50, 'b', (None, 'x', 3), (None, 'x', 3.5),
           datetime.date(2024, 1, 2), datetime.date(2024, 1, 3), decimal.Decimal('1.5'), uuid.UUID(int=7),
           uuid.UUID(int=8), float('inf'), float('-inf'), float('nan'), ('a', frozenset({(1.0, 2)})), ('a',)]
answers = [d.get(q) for q in queries]
present = [q in set(keys) for q in queries]
`;

const fromPython = JSON.parse(
  runPython(`${SETUP}
print(json.dumps({'dict': pickle.dumps(d, 4).hex(), 'set': pickle.dumps(set(keys), 4).hex(),
                  'queries': [pickle.dumps(q, 4).hex() for q in queries], 'answers': answers, 'present': present}))`),
) as { dict: string; set: string; queries: string[]; answers: (number | null)[]; present: boolean[] };

const hex = (h: string) => Buffer.from(h, 'hex');

test('pyGet, pyHas and pyIndex answer what python3 answers for d.get(q) and q in s', () => {
  const dict = loads(hex(fromPython.dict)) as Map<unknown, number>;
  const set = loads(hex(fromPython.set)) as Set<unknown>;
  assert.ok(dict instanceof Map && set instanceof Set);
  const index = pyIndex(dict);
  const setIndex = pyIndex(set);
  let missedByMap = 0;
  fromPython.queries.forEach((q, i) => {
    for (const floats of ['number', 'keep'] as const) {
      const query = loads(hex(q), { floats });
      const expected = fromPython.answers[i] ?? undefined;
      const label = `query ${i} (${floats})`;
      assert.equal(pyGet(dict, query), expected, label);
      assert.equal(index.get(query), expected, label);
      assert.equal(pyHas(dict, query), expected !== undefined, label);
      assert.equal(index.has(query), expected !== undefined, label);
      if (expected !== undefined) assert.ok(dict.has(index.keyOf(query)), label);
      assert.equal(pyHas(set, query), fromPython.present[i], label);
      assert.equal(setIndex.has(query), fromPython.present[i], label);
      if (expected !== undefined && dict.get(query) === undefined) missedByMap++;
    }
  });
  // What the helpers are for: Map.get misses most of these.
  assert.ok(missedByMap > 20, `${missedByMap}`);
});

test('identity where Python uses identity: NaN keys, inert instances', () => {
  const nan = new PyFloat(Number.NaN);
  const obj = new PyObject('newobj', new PyGlobal('m', 'C'), tuple());
  const map = new Map<unknown, string>([
    [nan, 'nan'],
    [obj, 'obj'],
    [tuple<unknown>(obj, 1), 'pair'],
  ]);
  assert.equal(pyGet(map, nan), 'nan');
  assert.equal(pyGet(map, new PyFloat(Number.NaN)), undefined);
  assert.equal(pyGet(map, Number.NaN), undefined);
  assert.equal(pyGet(map, obj), 'obj');
  assert.equal(pyGet(map, new PyObject('newobj', new PyGlobal('m', 'C'), tuple())), undefined);
  assert.equal(pyGet(map, tuple<unknown>(obj, 1.0)), 'pair');
  assert.equal(
    pyGet(map, tuple<unknown>(new PyObject('newobj', new PyGlobal('m', 'C'), tuple()), 1)),
    undefined,
  );
  assert.equal(pyGet(map, new PyGlobal('m', 'C')), undefined);
  assert.equal(pyGet(new Map([[new PyGlobal('m', 'C'), 1]]), new PyGlobal('m', 'C')), 1);
  // Composite parts cannot be confused: ('ab',) is not ('a', 'b') nor (b'ab',).
  const tricky = new Map<unknown, number>([[tuple('a', 'b'), 1]]);
  assert.equal(pyGet(tricky, tuple('ab')), undefined);
  assert.equal(pyGet(tricky, tuple('a', 'b')), 1);
  assert.equal(pyGet(new Map([[tuple('1:a'), 1]]), tuple('1', 'a')), undefined);
});

test('a property: a key dumped and loaded back is found by an equal query', () => {
  const leaf = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.boolean(),
    fc.constantFrom(0.5, 2.0, -0),
    fc.string({ maxLength: 3 }),
    fc.uint8Array({ maxLength: 3 }),
    fc.constant(null),
  );
  const key = fc.letrec<{ key: unknown }>((tie) => ({
    key: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('key'), { maxLength: 3 }).map((items) => tuple(...items)),
      fc.array(leaf, { maxLength: 3 }).map((items) => new FrozenSet(items)),
    ),
  })).key;
  fc.assert(
    fc.property(key, (k) => {
      const loaded = loads(dumps(new Map([[k, 'v']])), { dicts: 'map' }) as Map<unknown, string>;
      assert.equal(pyGet(loaded, k), 'v');
      assert.equal(pyIndex(loaded).get(k), 'v');
    }),
    { seed: 20261206, numRuns: 300 },
  );
});

test('linear: pyIndex is built in one pass, a lookup costs the size of the query', () => {
  const make = (n: number) =>
    new Map(Array.from({ length: n }, (_, i) => [tuple<unknown>(i, Uint8Array.of(i & 255)), i]));
  assertLinear('pyIndex and n lookups', 5000, make, (map) => {
    const index = pyIndex(map);
    for (let i = 0; i < map.size; i++) index.get(tuple<unknown>(i, Uint8Array.of(i & 255)));
  });
});

test('a key nested deeper than the limit is a clear PickleError, not a stack overflow', () => {
  let deep: unknown = 1;
  for (let i = 0; i < MAX_KEY_DEPTH + 5; i++) deep = tuple(deep);
  assert.throws(() => pyGet(new Map([[tuple(1), 1]]), deep), PickleError);
});
