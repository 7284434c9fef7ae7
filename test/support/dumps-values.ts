/**
 * Random JavaScript values for the dump property test, drawn from the value
 * model (docs: design.md's table): null, booleans, safe integers, bigints,
 * floats (-0, NaN, ±Infinity; integral ones as `PyFloat`), strings with lone
 * surrogates, bytes, bytearrays, lists, tuples, plain objects (keys such as
 * `__proto__` as own properties), Maps with mixed keys, Sets and FrozenSets, and
 * the same object placed twice.
 *
 * Set items and Map keys never hold two values Python finds equal (`1`, `1n`,
 * `true` and `new PyFloat(1)` are one key in Python), nor NaN: Python would
 * merge them, and the value could not come back the same.
 *
 * Containers of 999 to 2000 items cross CPython's batches of 1000.
 *
 * Bytes of length 0 and 1 are one shared `Uint8Array` per content, because
 * CPython shares them (`b''` is a singleton, and at protocols 0-2 one-byte bytes
 * come back as the cached one-character objects): two distinct equal ones could
 * not survive a trip through Python.
 */
import fc from 'fast-check';
import { FrozenSet, isTuple, PyByteArray, PyFloat, tuple } from '../../src/index.js';
import { numberText } from './describe.js';
import { pythonChar } from './fast-check.js';

// ---------------------------------------------------------------------------
// Atoms

const char = pythonChar;
export const text = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: char, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: char, minLength: 200, maxLength: 300 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'a',
      'x',
      '\\',
      '\\u0041',
      '\n\r\x00\x1a',
      '\'"',
      'é',
      '\ud800',
      'a\udfffb',
    ),
  },
);

const SAFE_BOUNDARIES = [0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32];
const safeInteger = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -300, max: 300 }) },
  { weight: 2, arbitrary: fc.maxSafeInteger() },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...SAFE_BOUNDARIES, 2 ** 53 - 2), fc.constantFrom(-1, 0, 1), fc.boolean())
      .map(([n, delta, negative]) => (negative ? -(n + delta) : n + delta)),
  },
);
const BIG_BOUNDARIES = [2n ** 53n, 2n ** 63n, 2n ** 64n, 2n ** 2039n, 2n ** 2040n];
const bigint = fc.oneof(
  { weight: 1, arbitrary: fc.bigInt({ min: -1000n, max: 1000n }) },
  { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...BIG_BOUNDARIES), fc.constantFrom(-1n, 0n, 1n), fc.boolean())
      .map(([n, delta, negative]) => (negative ? -(n + delta) : n + delta)),
  },
);
/** Integral numbers beyond 2^53: Python ints. */
const unsafeIntegralNumber = fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 64, 1e21, -1e300, 2 ** 1023);
/** A float: a non-integral number, -0, NaN, ±Infinity, or a PyFloat for an integral one. */
const float = fc
  .oneof(
    { weight: 5, arbitrary: fc.double() },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        -0,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        0,
        1,
        0.1,
        1.5,
        1e16,
        1e21,
        1e-7,
        5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        123456789.125,
      ),
    },
  )
  .map((x): number | PyFloat => (Number.isInteger(x) && !Object.is(x, -0) ? new PyFloat(x) : x));
const floatNotNaN = float.filter((x) => !Number.isNaN(x instanceof PyFloat ? x.value : x));

const smallBytes = new Map<number, Uint8Array>();
/** The one `Uint8Array` of a given content of length 0 (`n` = -1) or 1 (`n` = the byte). */
function sharedSmallBytes(n: number): Uint8Array {
  let bytes = smallBytes.get(n);
  if (bytes === undefined) {
    bytes = n < 0 ? new Uint8Array(0) : Uint8Array.of(n);
    smallBytes.set(n, bytes);
  }
  return bytes;
}
const bytes = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ minLength: 2, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.integer({ min: -1, max: 255 }).map(sharedSmallBytes) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 250, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 2, maxLength: 12 }).map((b) => Buffer.from(b)) },
);
const bytearray = fc.uint8Array({ maxLength: 24 }).map((b) => PyByteArray.from(b));

const hashableAtom = fc.oneof(fc.constant(null), fc.boolean(), safeInteger, bigint, floatNotNaN, text, bytes);

/** The Python equality class of a hashable value: values with the same key are one set item / dict key. */
export function pyKey(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return `n:${value ? 1 : 0}`;
  if (typeof value === 'bigint') return `n:${value}`;
  if (typeof value === 'number' || value instanceof PyFloat) {
    const x = typeof value === 'number' ? value : value.value;
    return Number.isInteger(x) ? `n:${BigInt(x)}` : `f:${String(x)}`;
  }
  if (typeof value === 'string') return `s:${JSON.stringify(value)}`;
  if (value instanceof Uint8Array) return `b:${Buffer.from(value).toString('hex')}`;
  if (value instanceof FrozenSet) return `fs:${JSON.stringify([...value].map(pyKey).sort())}`;
  if (isTuple(value)) return `t:${JSON.stringify(value.map(pyKey))}`;
  throw new Error(`not hashable: ${String(value)}`);
}

export const hashable = fc.oneof(
  { weight: 6, arbitrary: hashableAtom },
  { weight: 1, arbitrary: fc.array(hashableAtom, { maxLength: 3 }).map((items) => tuple(...items)) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(hashableAtom, { selector: pyKey, maxLength: 3 })
      .map((items) => new FrozenSet(items)),
  },
);

// ---------------------------------------------------------------------------
// Containers

const INDEX_KEY = /^(0|[1-9][0-9]*)$/;
const objectKey = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: char, maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'length',
      '',
      '01',
      '-1',
      '1.5',
      '4294967295',
    ),
  },
);
const isIndexKey = (key: string) => INDEX_KEY.test(key) && Number(key) <= 2 ** 32 - 2;

/** A plain object whose keys a JS object keeps in insertion order; every key an own data property. */
function plainObject(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

const atom = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 3, arbitrary: safeInteger },
  { weight: 2, arbitrary: bigint },
  { weight: 1, arbitrary: unsafeIntegralNumber },
  { weight: 3, arbitrary: float },
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: bytes },
  { weight: 1, arbitrary: bytearray },
);

/**
 * One-character latin-1 strings are shared objects in CPython, and below
 * protocol 3 a bytes or bytearray of one byte is written as
 * `_codecs.encode(that string, 'latin1')`: all of these are one memo entry.
 */
const latin1Singletons = fc
  .integer({ min: 0, max: 255 })
  .map((b) => [sharedSmallBytes(b), PyByteArray.of(b), String.fromCharCode(b), sharedSmallBytes(b)]);

/** Containers around CPython's batch size of 1000 (APPENDS, SETITEMS, ADDITEMS). */
const batched = fc
  .tuple(
    fc.constantFrom(999, 1000, 1001, 2000),
    fc.constantFrom('list', 'tuple', 'object', 'map', 'set', 'frozenset'),
  )
  .map(([n, kind]) => {
    const items = Array.from({ length: n }, (_, i) => i);
    switch (kind) {
      case 'list':
        return items;
      case 'tuple':
        return tuple(...items);
      case 'object':
        return plainObject(items.map((i) => [`k${i}`, i]));
      case 'map':
        return new Map(items.map((i) => [i, `v${i}`]));
      case 'set':
        return new Set(items);
      default:
        return new FrozenSet(items);
    }
  });

export const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    { weight: 5, arbitrary: atom },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.oneof(latin1Singletons, batched) },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 5 }).map((items) => tuple(...items)) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(
          fc.tuple(
            objectKey.filter((k) => !isIndexKey(k)),
            tie('value'),
          ),
          {
            selector: ([key]) => key,
            maxLength: 6,
          },
        )
        .map(plainObject),
    },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(hashable, tie('value')), { selector: ([key]) => pyKey(key), maxLength: 5 })
        .map((entries) => new Map(entries)),
    },
    {
      weight: 1,
      arbitrary: fc.uniqueArray(hashable, { selector: pyKey, maxLength: 6 }).map((items) => new Set(items)),
    },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(hashable, { selector: pyKey, maxLength: 6 })
        .map((items) => new FrozenSet(items)),
    },
    {
      // The same object in two places: a shared reference, memoized by the pickler.
      weight: 1,
      arbitrary: fc.tuple(tie('value'), fc.integer({ min: 0, max: 3 })).map(([shared, how]) =>
        how === 0
          ? [shared, shared]
          : how === 1
            ? tuple(shared, [shared])
            : how === 2
              ? plainObject([
                  ['a', shared],
                  ['b', shared],
                ])
              : new Map<unknown, unknown>([
                  [1, shared],
                  ['x', [shared]],
                ]),
      ),
    },
  ),
}));

// ---------------------------------------------------------------------------
// Normal forms, for comparing a value with what comes back

/**
 * How a value should come back from `loads(..., { exact: true })`, with every
 * float that is not a plain number (a `PyFloat`) as a marker string, so that
 * descriptions tell `2` from `2.0`: `'float'` mode. In `'python'` mode, floats
 * are plain numbers and plain objects are Maps, as vectors_lib.describe
 * (dicts as maps) writes what Python loads.
 */
export function normalize(input: unknown, mode: 'exact' | 'python'): unknown {
  const seen = new Map<object, unknown>();
  const floatMarker = (x: number): unknown =>
    mode === 'exact' && (Number.isInteger(x) || Object.is(x, -0)) ? `\u0000float ${numberText(x)}` : x;
  const walk = (v: unknown): unknown => {
    if (v === undefined) return null;
    if (typeof v === 'number') {
      if (Object.is(v, -0)) return floatMarker(v);
      if (Number.isInteger(v)) return Number.isSafeInteger(v) ? v : BigInt(v);
      return v;
    }
    if (typeof v === 'bigint') {
      return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    if (typeof v !== 'object' || v === null) return v;
    if (v instanceof PyFloat) return floatMarker(v.value);
    const done = seen.get(v);
    if (done !== undefined) return done;
    let out: unknown;
    if (v instanceof PyByteArray) {
      out = v;
    } else if (v instanceof Uint8Array) {
      out = v.constructor === Uint8Array ? v : new Uint8Array(v);
    } else if (Array.isArray(v)) {
      const items = v.map(walk);
      out = isTuple(v) ? (items.length === 0 ? v : tuple(...items)) : items;
    } else if (v instanceof Map) {
      out = new Map([...v].map(([k, x]) => [walk(k), walk(x)]));
    } else if (v instanceof FrozenSet) {
      out = new FrozenSet([...v].map(walk));
    } else if (v instanceof Set) {
      out = new Set([...v].map(walk));
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      out = new Map(Object.entries(Object.getOwnPropertyDescriptors(v)).map(([k, d]) => [k, walk(d.value)]));
    } else {
      out = v;
    }
    seen.set(v, out);
    return out;
  };
  return walk(input);
}
