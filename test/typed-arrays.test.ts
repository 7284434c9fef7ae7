/**
 * JS typed arrays in `dumps`: Python's `array.array` of the same machine type
 * by default, numpy arrays of the same dtype with `numpyTypedArrays()`,
 * checked by loading brine's output in python3 (and numpy where present).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { dumps, loads, NDArray, numpyTypedArrays, PyArray } from '../src/index.js';
import { hasPythonModules, runPython } from './support/python.js';

type Maker = () => ArrayBufferView & { length: number };

/** Each typed array class, with its array.array typecode, numpy dtype name and items. */
const CASES: [string, string, string, Maker][] = [
  ['Int8Array', 'b', 'int8', () => new Int8Array([-128, 0, 127])],
  ['Uint8ClampedArray', 'B', 'uint8', () => new Uint8ClampedArray([0, 128, 255])],
  ['Int16Array', 'h', 'int16', () => new Int16Array([-32768, -1, 32767])],
  ['Uint16Array', 'H', 'uint16', () => new Uint16Array([0, 65535])],
  ['Int32Array', 'i', 'int32', () => new Int32Array([-2147483648, 0, 2147483647])],
  ['Uint32Array', 'I', 'uint32', () => new Uint32Array([0, 4294967295])],
  ['BigInt64Array', 'q', 'int64', () => new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n])],
  ['BigUint64Array', 'Q', 'uint64', () => new BigUint64Array([0n, 2n ** 64n - 1n])],
  ['Float32Array', 'f', 'float32', () => new Float32Array([0.5, -1.25, Number.POSITIVE_INFINITY])],
  ['Float64Array', 'd', 'float64', () => new Float64Array([Math.PI, -0, 1e300, Number.NaN])],
  ['a subarray view', 'i', 'int32', () => new Int32Array([9, 1, 2, 9]).subarray(1, 3)],
];

/** The items of a typed array as Python literals. */
function pyItems(a: ArrayBufferView & { length: number }): string {
  return `[${Array.from(a as unknown as ArrayLike<number | bigint>, (v) =>
    typeof v === 'bigint'
      ? String(v)
      : Number.isNaN(v)
        ? 'float("nan")'
        : Object.is(v, -0)
          ? '-0.0'
          : v === Infinity
            ? 'float("inf")'
            : String(v),
  ).join(', ')}]`;
}

const CHECK = `
import array, json, math, pickle, sys
out = []
for name, hexdata, code, items in json.load(sys.stdin):
    items = eval(items)
    v = pickle.loads(bytes.fromhex(hexdata))
    a = v[0]
    same = (type(a) is array.array and a.typecode == code and len(a) == len(items)
            and all((math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y)
                    if isinstance(y, float) else x == y) for x, y in zip(a, items)))
    out.append([name, same, v[0] is v[1], repr(a)])
sys.stdout.write(json.dumps(out))
`;

test('dumps writes a typed array as the array.array of its machine type, loaded by python3 at every protocol', () => {
  const rows: [string, string, string, string][] = [];
  for (const [name, code, , make] of CASES) {
    const a = make();
    for (let protocol = 0; protocol <= 5; protocol++) {
      const data = dumps([a, a], { protocol });
      rows.push([`${name} p${protocol}`, Buffer.from(data).toString('hex'), code, pyItems(a)]);
      // brine reads it back as the PyArray of the same data, one object for both places.
      const back = loads(data) as PyArray[];
      assert.ok(back[0] instanceof PyArray, `${name} p${protocol}`);
      assert.equal(back[0].typecode, code);
      assert.equal(back[0], back[1], `${name} p${protocol}: shared`);
    }
  }
  const results = JSON.parse(runPython(CHECK, [], JSON.stringify(rows))) as [
    string,
    boolean,
    boolean,
    string,
  ][];
  assert.equal(results.length, rows.length);
  for (const [label, same, shared, shown] of results) {
    assert.ok(same, `${label}: python3 loaded ${shown}`);
    assert.ok(shared, `${label}: python3 sees one array for the two references`);
  }
});

test('numpyTypedArrays() writes typed arrays as numpy arrays of their dtype; reducers are told the protocol', () => {
  const registry = numpyTypedArrays();
  for (const [name, , dtype, make] of CASES) {
    const a = make();
    for (let protocol = 0; protocol <= 5; protocol++) {
      const data = dumps(a, { protocol, registry });
      const text = Buffer.from(data).toString('latin1');
      // numpy's own form at each protocol: _frombuffer at 5, _reconstruct below.
      assert.ok(text.includes(protocol === 5 ? '_frombuffer' : '_reconstruct'), `${name} p${protocol}`);
      const back = loads(data);
      assert.ok(back instanceof NDArray, `${name} p${protocol}`);
      assert.equal(back.dtype.name, dtype);
      assert.deepEqual(back.shape, [a.length]);
      // int64 items within 2**53 come back as numbers (NDArray's rule), so compare their text.
      const items = (xs: ArrayLike<unknown>) => Array.from(xs, (v) => (Object.is(v, -0) ? '-0' : String(v)));
      assert.deepEqual(
        items(back.toArray() as unknown[]),
        items(a as unknown as ArrayLike<unknown>),
        `${name} p${protocol}`,
      );
    }
  }
  // A Uint8Array stays bytes either way.
  assert.ok(loads(dumps(new Uint8Array([1, 2]), { registry })) instanceof Uint8Array);
});

const NUMPY_PYTHON = process.env.BRINE_NUMPY_PYTHON ?? '/usr/bin/python3';
// Found without importing it (0.3 s of CPU); the check itself imports it, and fails loudly if it cannot.
const probe = { status: hasPythonModules(NUMPY_PYTHON, ['numpy']) ? 0 : 1 };
const noNumpy =
  probe.status === 0
    ? false
    : `SKIPPED: no python3 with numpy at ${NUMPY_PYTHON} (set BRINE_NUMPY_PYTHON): typed arrays dumped as numpy arrays are NOT checked against numpy`;
if (noNumpy) console.warn(`\n*** ${noNumpy} ***\n`);

test('numpyTypedArrays(): numpy loads each typed array as the array of that dtype and those items', {
  skip: noNumpy,
}, () => {
  const registry = numpyTypedArrays();
  const rows: [string, string, string, string][] = [];
  for (const [name, , dtype, make] of CASES) {
    const a = make();
    for (let protocol = 0; protocol <= 5; protocol++)
      rows.push([
        `${name} p${protocol}`,
        Buffer.from(dumps([a, a], { protocol, registry })).toString('hex'),
        dtype,
        pyItems(a),
      ]);
  }
  const code = `
import json, pickle, sys
import numpy as np
out = []
for name, hexdata, dtype, items in json.load(sys.stdin):
    v = pickle.loads(bytes.fromhex(hexdata))
    a = v[0]
    want = np.array(eval(items), dtype=dtype)
    out.append([name, type(a) is np.ndarray and a.dtype == np.dtype(dtype) and a.shape == want.shape
                and bool(np.array_equal(a, want, equal_nan=a.dtype.kind == 'f'))
                and bool((np.signbit(a) == np.signbit(want)).all() if a.dtype.kind == 'f' else True),
                v[0] is v[1], repr(a)])
sys.stdout.write(json.dumps(out))
`;
  const run = spawnSync(NUMPY_PYTHON, ['-c', code], { input: JSON.stringify(rows), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const results = JSON.parse(run.stdout) as [string, boolean, boolean, string][];
  assert.equal(results.length, rows.length);
  for (const [label, same, shared, shown] of results) {
    assert.ok(same, `${label}: numpy loaded ${shown}`);
    assert.ok(shared, `${label}: numpy sees one array for the two references`);
  }
});
