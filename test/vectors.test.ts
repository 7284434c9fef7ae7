/**
 * Pickles written by python3, loaded by brine. scripts/gen-vectors.py writes the
 * vectors (test/vectors/generated/vectors.json, made again here when missing or
 * older than the generator), each with the description of the value `loads`
 * must return, computed by Python (see test/support/describe.ts for the
 * description language, and gen-vectors.py for the load options of a vector).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTuple, loads, OPCODES, PyObject, tuple, Unpickler } from '../src/index.js';
import { genopsLenient as genops } from '../src/tools/genops.js';
import { size } from './support/budget.js';
import { compareDescriptions, describe } from './support/describe.js';
import { fromHex, loadVectors, toLoadOptions, type Vector } from './support/vectors.js';

const vectors = loadVectors();

/** The nesting depth of the harness's own check. */
const DEEP = size(50_000, 200_000);

function check(vector: Vector): void {
  const data = fromHex(vector.pickle);
  const options = toLoadOptions(vector.options);
  let value: unknown;
  if (vector.ends === undefined) {
    value = loads(data, options);
  } else {
    const unpickler = new Unpickler(data, options);
    const values: unknown[] = [];
    for (const [i, end] of vector.ends.entries()) {
      values.push(unpickler.load());
      assert.equal(unpickler.position, end, `position after pickle ${i}`);
    }
    assert.ok(unpickler.done, 'every pickle read');
    value = values;
  }
  const difference = compareDescriptions(describe(value), vector.expect);
  if (difference !== undefined) assert.fail(difference);
}

test('the generator wrote vectors', () => {
  assert.ok(vectors.length > 1000, `only ${vectors.length} vectors`);
});

// The harness itself: a comparison that cannot fail would make every vector pass.
test('describe() and compareDescriptions() catch what they must', () => {
  const shared = [1];
  const sharedDesc = describe([shared, shared]);
  assert.deepEqual(sharedDesc, {
    t: 'list',
    items: [
      { t: 'list', items: [{ t: 'number', v: '1' }], id: 0 },
      { t: 'ref', id: 0 },
    ],
  });
  // Two equal lists where one shared list was expected.
  assert.match(compareDescriptions(describe([[1], [1]]), sharedDesc) ?? '', /\$\.items\[0\]/);
  // A cycle.
  const map = new Map<unknown, unknown>();
  map.set('a', [map]);
  assert.deepEqual(describe(map), {
    t: 'map',
    entries: [
      [
        { t: 'string', v: 'a' },
        { t: 'list', items: [{ t: 'ref', id: 0 }] },
      ],
    ],
    id: 0,
  });
  // Numbers, -0, NaN, bigints; Buffer and array-like impostors.
  assert.deepEqual(
    [-0, Number.NaN, 1e21, 2n ** 64n].map((x) => describe(x)),
    [
      { t: 'number', v: '-0' },
      { t: 'number', v: 'NaN' },
      { t: 'number', v: '1e+21' },
      { t: 'bigint', v: '18446744073709551616' },
    ],
  );
  assert.equal(describe(Buffer.from('ab')).bad, 'a Buffer');
  assert.equal(describe(Object.freeze([1])).t, 'tuple'); // a frozen array is a tuple
  assert.equal(isTuple(tuple(1)) && describe(tuple(1)).t, 'tuple');
  assert.equal(describe(Object.create(null)).bad, 'null prototype');
  const accessor = {};
  Object.defineProperty(accessor, 'x', { get: () => 1, enumerable: true });
  assert.equal(describe(accessor).bad, 'accessor property x');
  // PyObject fields, state absent vs null.
  const object = new PyObject('reduce', null, tuple());
  assert.equal('state' in describe(object), false);
  object.state = null;
  assert.deepEqual(describe(object).state, { t: 'null' });
  // Any depth, both ways: a recursive walk overflows Node's stack near 10^4 levels (50,000 levels under
  // npm test, 200,000 under npm run fuzz).
  let deep: unknown[] = [];
  for (let i = 0; i < DEEP; i++) deep = [deep];
  assert.equal(compareDescriptions(describe(deep), describe(deep)), undefined);
});

for (const vector of vectors) {
  test(`loads() ${vector.name} protocol ${vector.protocol ?? 'mixed'}`, () => check(vector));
}

test('loads() returns plain Uint8Array bytes for a Buffer input too', () => {
  for (const vector of vectors) {
    if (!vector.name.startsWith('bytes ') || vector.ends !== undefined) continue;
    const value = loads(Buffer.from(vector.pickle, 'hex'), toLoadOptions(vector.options));
    const difference = compareDescriptions(describe(value), vector.expect);
    if (difference !== undefined) assert.fail(`${vector.name} protocol ${vector.protocol}: ${difference}`);
  }
});

test('the vectors execute every opcode of pickletools.opcodes, and every one loads', () => {
  const seen = new Set<number>();
  for (const vector of vectors) {
    const data = fromHex(vector.pickle);
    // Sequences hold several pickles: walk each one.
    const starts = vector.ends === undefined ? [0] : [0, ...vector.ends.slice(0, -1)];
    for (const start of starts) {
      for (const { code } of genops(data.subarray(start))) seen.add(code);
    }
  }
  const missing = OPCODES.filter((op) => !seen.has(op.code)).map((op) => op.name);
  assert.deepEqual(missing, [], `opcodes no vector uses: ${missing.join(', ')}`);
  assert.equal(OPCODES.length, 68);
});
