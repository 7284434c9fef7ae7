/**
 * BININT, BINFLOAT and FRAME lengths, read straight from the bytes (no DataView): every edge value
 * of each, at the top of a pickle, in a list batch, as a dict value and inside tuples, against
 * the values CPython loads from the same pickles (floats compared by their IEEE 754 bits).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loads } from '../src/index.js';
import { fromHex, runPython } from './support/python.js';

interface Case {
  name: string;
  hex: string;
  /** The loaded value as JSON, every float written as {"f": "<16 hex digits of its bits>"}. */
  value: unknown;
}

const cases = JSON.parse(
  runPython(`
import json, pickle, struct
floats = [0.0, -0.0, 1.5, -22.11, 888.21, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          -1.7976931348623157e308, float('inf'), float('-inf'), float('nan'), 2.0 ** 53, 1e16, 0.1]
ints = [0, 1, 255, 256, 65535, 65536, -1, -2, -128, -256, -65536, -66233, 2 ** 31 - 1, -2 ** 31, 34037113]
def enc(v):
    if isinstance(v, float):
        return {'f': struct.pack('>d', v).hex()}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    return v
values = []
for x in floats + ints:
    values.append(('scalar %r' % x, x))
values.append(('float list', floats))
values.append(('int list', ints))
values.append(('mixed list', [y for p in zip(floats, ints) for y in p]))
values.append(('dict', {'k%d' % i: x for i, x in enumerate(floats + ints)}))
values.append(('tuples', [(a, b) for a, b in zip(floats, ints)] + [(a,) for a in ints] + [(a, b, a) for a, b in zip(ints, floats)]))
values.append(('record', {'scores': floats, 'n': ints, 'geo': {'lat': 48.8686, 'lon': -2.3317}, 'pos': (859, -863, 0.828)}))
values.append(('big list', [float(i) / 7 for i in range(3000)] + list(range(-70000, 70000, 97))))
out = []
for name, v in values:
    for proto in (2, 4, 5):
        data = pickle.dumps(v, protocol=proto)
        out.append({'name': '%s p%d' % (name, proto), 'hex': data.hex(), 'value': enc(pickle.loads(data))})
print(json.dumps(out))
`),
) as Case[];

const bits = new DataView(new ArrayBuffer(8));

function encode(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isInteger(value)) return floatBits(value);
  if (typeof value === 'number' && Object.is(value, -0)) return floatBits(value);
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  }
  return value;
}

function floatBits(value: number): { f: string } {
  bits.setFloat64(0, value, false);
  let hex = '';
  for (let i = 0; i < 8; i++) hex += bits.getUint8(i).toString(16).padStart(2, '0');
  return { f: hex };
}

/** Python's ints that are whole floats load as whole numbers: compare those by value, and every non-whole one by bits. */
function normalize(expected: unknown): unknown {
  if (Array.isArray(expected)) return expected.map(normalize);
  if (typeof expected === 'object' && expected !== null) {
    const f = (expected as { f?: string }).f;
    if (typeof f === 'string') {
      const view = new DataView(new ArrayBuffer(8));
      for (let i = 0; i < 8; i++) view.setUint8(i, Number.parseInt(f.slice(2 * i, 2 * i + 2), 16));
      const v = view.getFloat64(0, false);
      // NaN keeps no payload in JS: the canonical NaN's bits.
      return Number.isNaN(v)
        ? floatBits(Number.NaN)
        : Number.isInteger(v) && !Object.is(v, -0)
          ? v
          : expected;
    }
    return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, normalize(v)]));
  }
  return expected;
}

test('numbers load as CPython loads them, in every position', () => {
  assert.ok(cases.length >= 100);
  for (const c of cases) {
    const data = fromHex(c.hex);
    for (let round = 0; round < 3; round++) {
      const value = loads(data);
      assert.deepEqual(encode(value), encode(normalize(c.value)), c.name);
    }
    // From an offset inside a bigger buffer: reads are relative to the view, not its buffer.
    const padded = new Uint8Array(data.length + 13);
    padded.set(data, 7);
    assert.deepEqual(encode(loads(padded.subarray(7, 7 + data.length))), encode(normalize(c.value)), c.name);
  }
});

test('a truncated BININT, BINFLOAT or FRAME length is an error at its opcode', () => {
  for (const c of cases) {
    const data = fromHex(c.hex);
    for (const cut of [3, 6, 11, data.length - 1]) {
      if (cut >= data.length) continue;
      assert.throws(
        () => loads(data.subarray(0, cut)),
        { name: 'UnpicklingError' },
        `${c.name} cut at ${cut}`,
      );
    }
  }
});
