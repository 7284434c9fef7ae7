/**
 * `exact: true` and numpy arrays: the pickles of test/fixtures/numpy (written
 * by numpy 1.24 through Debian's python3) whose array numpy itself would
 * pickle otherwise once loaded (big-endian data below protocol 5, a masked
 * array's fill value of None, a strided array at protocol 5) come back byte
 * for byte from an exact load, while what the loaded array shows (dtype,
 * elements, typed array, repr, .npy) is what a default load shows, and a
 * default load still dumps what numpy's own `pickle.dumps` of the loaded
 * array writes. A changed array is written with its new elements.
 *
 * The live check (numpy loads brine's dumps of changed arrays) needs
 * /usr/bin/python3 with numpy (BRINE_NUMPY_PYTHON overrides); without it that
 * test is skipped with a message saying so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dumpNpy, dumps, type LoadOptions, loads, NDArray, PickleBuffer, repr } from '../src/index.js';
import { hasPythonModules, ROOT } from './support/python.js';

interface FixtureCase {
  name: string;
  protocol: number;
  pickle: string;
  buffers?: string[];
}

const CASES = (
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'numpy', 'pickles.json'), 'utf8')) as {
    cases: FixtureCase[];
  }
).cases;

function fixture(name: string, protocol: number): Uint8Array {
  const c = CASES.find((x) => x.name === name && x.protocol === protocol);
  assert.ok(c, `${name} (protocol ${protocol}) is a fixture`);
  return new Uint8Array(Buffer.from(c.pickle, 'hex'));
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => hex(a) === hex(b);

/** Every array in a loaded value (a fixture holds one array, or a list of them). */
function arrays(value: unknown): NDArray[] {
  if (value instanceof NDArray) return [value];
  if (Array.isArray(value)) return value.flatMap(arrays);
  if (value instanceof Map) return [...value.values()].flatMap(arrays);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(arrays);
  return [];
}

/** What a user sees of an array: the same for an exact and a default load. */
function view(a: NDArray): unknown {
  const typed = a.objects === null && !a.dtype.hasObject ? a.toTypedArray() : null;
  return {
    dtype: a.dtype.str,
    shape: a.shape,
    order: a.order,
    bytes: hex(a.bytes),
    list: a.toArray(),
    typed:
      typed === null ? null : [typed.constructor.name, ...Array.from(typed as ArrayLike<unknown>, String)],
    repr: repr(a),
    npy: a.objects === null && !a.dtype.hasObject && !a.isScalar ? hex(dumpNpy(a)) : null,
    fill: a.masked === null ? null : repr(a.masked.fillValue),
  };
}

const BIG_ENDIAN = CASES.filter((c) => /(^|_)be(_|$)|^many$/.test(c.name) && c.protocol < 5);

test('exact: a big-endian array below protocol 5 comes back byte for byte; the array shows what a default load shows', () => {
  assert.ok(BIG_ENDIAN.length >= 50, `${BIG_ENDIAN.length} big-endian fixtures`);
  for (const c of BIG_ENDIAN) {
    const data = fixture(c.name, c.protocol);
    const label = `${c.name} (protocol ${c.protocol})`;
    const exact = loads(data, { exact: true });
    const plain = loads(data);
    // numpy's __setstate__ swaps the data to native order: both loads hold the native dtype.
    const [a] = arrays(exact);
    assert.ok(a, label);
    assert.ok(!a.dtype.str.startsWith('>'), `${label}: ${a.dtype.str}`);
    assert.deepEqual(arrays(exact).map(view), arrays(plain).map(view), label);
    assert.ok(same(dumps(exact, { protocol: c.protocol }), data), label);
    // The default mode writes what numpy's pickle.dumps of the loaded array writes: the native order.
    const redumped = dumps(plain, { protocol: c.protocol });
    assert.ok(!same(redumped, data), label);
    assert.deepEqual(arrays(loads(redumped)).map(view), arrays(plain).map(view), label);
  }
});

test('exact: a big-endian array changed after loading is written with its new elements, in its byte order', () => {
  for (const protocol of [0, 2, 4]) {
    const data = fixture('int_be_i4', protocol);
    const a = loads(data, { exact: true }) as NDArray;
    const before = a.toArray() as number[];
    const typed = a.toTypedArray() as Int32Array;
    assert.equal(typed.buffer, a.bytes.buffer, 'a view of the native bytes');
    typed[0] = 123456789;
    const out = dumps(a, { protocol });
    assert.ok(!same(out, data));
    // 123456789, big-endian (protocol 3+ writes the data as raw bytes)
    if (protocol >= 3) assert.ok(hex(out).includes('075bcd15'), 'the new element, big-endian');
    const back = loads(out) as NDArray;
    assert.deepEqual(back.toArray(), [123456789, ...before.slice(1)]);
    // Read exact again and dumped again: the same bytes (the form is kept across a round trip).
    assert.ok(same(dumps(loads(out, { exact: true }), { protocol }), out));
  }
});

test('exact: a big-endian array dumped at protocol 5 keeps its dtype and its elements', () => {
  for (const name of ['int_be_i8', 'float64_be', 'complex128_be', 'str_be', 'datetime_s_be', 'f_3d_be']) {
    const a = loads(fixture(name, 2), { exact: true }) as NDArray;
    const out = dumps(a, { protocol: 5 });
    const back = loads(out, { exact: true }) as NDArray;
    assert.deepEqual(back.toArray(), a.toArray(), name);
    assert.ok(same(dumps(back, { protocol: 5 }), out), name);
  }
});

test('exact: a masked array whose fill value was None writes None again; the array shows the default fill value', () => {
  for (const name of ['masked_float', 'masked_nomask']) {
    for (let protocol = 0; protocol <= 5; protocol++) {
      const data = fixture(name, protocol);
      const label = `${name} (protocol ${protocol})`;
      const exact = loads(data, { exact: true }) as NDArray;
      const plain = loads(data) as NDArray;
      assert.deepEqual(view(exact), view(plain), label);
      assert.equal(repr(exact.masked?.fillValue), repr(plain.masked?.fillValue), label);
      assert.ok(exact.masked?.fillValue instanceof NDArray, `${label}: numpy's default fill value`);
      assert.ok(same(dumps(exact, { protocol }), data), label);
      // The default mode writes the fill value the loaded array holds, as numpy does.
      assert.ok(!same(dumps(plain, { protocol }), data), label);
    }
  }
});

test('exact: an array that was not contiguous keeps the _reconstruct form numpy wrote for it at protocol 5', () => {
  for (const name of ['noncontig', 'noncontig_T']) {
    const data = fixture(name, 5);
    const exact = loads(data, { exact: true }) as NDArray;
    const plain = loads(data) as NDArray;
    assert.deepEqual(view(exact), view(plain), name);
    assert.ok(same(dumps(exact, { protocol: 5 }), data), name);
    const redumped = dumps(plain, { protocol: 5 });
    assert.ok(Buffer.from(redumped).includes(Buffer.from('_frombuffer')), `${name}: the default mode`);
    assert.ok(!Buffer.from(dumps(exact, { protocol: 5 })).includes(Buffer.from('_frombuffer')), name);
  }
});

test('exact: every protocol 5 array fixture comes back byte for byte (in band and out of band)', () => {
  for (const c of CASES.filter((x) => x.protocol === 5)) {
    const load: LoadOptions = { exact: true };
    if (c.buffers !== undefined)
      load.buffers = c.buffers.map((b) => new PickleBuffer(new Uint8Array(Buffer.from(b, 'hex'))));
    const data = new Uint8Array(Buffer.from(c.pickle, 'hex'));
    const out = dumps(loads(data, load), {
      protocol: 5,
      ...(c.buffers === undefined ? {} : { bufferCallback: () => false }),
    });
    assert.ok(same(out, data), c.name);
  }
});

/** NaN and the infinities as the strings the Python side gives them (JSON has no such numbers). */
function finite(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(finite);
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return v;
}

const PYTHON = process.env.BRINE_NUMPY_PYTHON ?? '/usr/bin/python3';
// Found without importing it (0.3 s of CPU); the check itself imports it, and fails loudly if it cannot.
const probe = { status: hasPythonModules(PYTHON, ['numpy']) ? 0 : 1 };
const skip =
  probe.status === 0
    ? false
    : `SKIPPED: no python3 with numpy at ${PYTHON} (set BRINE_NUMPY_PYTHON): exact dumps of changed arrays are NOT checked against numpy`;
if (skip) console.warn(`\n*** ${skip} ***\n`);

test('numpy loads the exact dumps of changed big-endian arrays with their new elements', { skip }, () => {
  const items: { pickle: string; list: unknown }[] = [];
  for (const name of [
    'int_be_i2',
    'int_be_u8',
    'float32_be',
    'float64_be',
    'complex128_be',
    'str_be',
    'f_3d_be',
  ]) {
    for (const protocol of [0, 2, 4, 5]) {
      const a = loads(fixture(name, Math.min(protocol, 4)), { exact: true }) as NDArray;
      // Reverse the elements in place (the native bytes are the array's own).
      const size = a.dtype.itemsize;
      const n = a.bytes.length / size;
      const copy = a.bytes.slice();
      for (let i = 0; i < n; i++) a.bytes.set(copy.subarray((n - 1 - i) * size, (n - i) * size), i * size);
      items.push({ pickle: hex(dumps(a, { protocol })), list: finite(a.toJSON()) });
    }
  }
  const code = [
    'import json, pickle, sys',
    'import numpy as np',
    'out = []',
    'for item in json.load(sys.stdin):',
    '    a = pickle.loads(bytes.fromhex(item["pickle"]))',
    '    def conv(v):',
    '        if isinstance(v, list): return [conv(x) for x in v]',
    '        if isinstance(v, complex): return [conv(v.real), conv(v.imag)]',
    '        if isinstance(v, int) and abs(v) > 2**53 - 1: return str(v)',
    '        if isinstance(v, float) and v != v: return "nan"',
    '        if isinstance(v, float) and abs(v) == float("inf"): return "inf" if v > 0 else "-inf"',
    '        return v',
    '    out.append([a.dtype.str, conv(a.tolist())])',
    'sys.stdout.write(json.dumps(out))',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify(items), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const got = JSON.parse(run.stdout) as [string, unknown][];
  assert.equal(got.length, items.length);
  for (const [i, [dtype, list]] of got.entries()) {
    assert.deepEqual(list, items[i]!.list, `item ${i} (${dtype})`);
  }
});
