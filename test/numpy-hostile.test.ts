/**
 * Hostile numpy input: hand-made pickles and .npy headers whose shapes,
 * sizes, offsets and dtypes lie, and mutations of numpy's own files. Every
 * one is an UnpicklingError (never another error, a hang or a huge
 * allocation), and whatever loads converts without throwing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  dumps,
  isPickleError,
  loadNpy,
  loads,
  NDArray,
  PickleBuffer,
  PyGlobal,
  PyObject,
  repr,
  toJSON,
  tuple,
  UnpicklingError,
  writeNpyHeader,
} from '../src/index.js';
import { runs, seed as seedOr } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { FIXTURES, fromHex, pickleCases } from './support/numpy-expect.js';

/** A tuple of anything. */
const t = (...items: unknown[]) => tuple<unknown>(...items);

const RECONSTRUCT = new PyGlobal('numpy.core.multiarray', '_reconstruct');
const FROMBUFFER = new PyGlobal('numpy.core.numeric', '_frombuffer');
const SCALAR = new PyGlobal('numpy.core.multiarray', 'scalar');
const MARECONSTRUCT = new PyGlobal('numpy.ma.core', '_mareconstruct');
const NDARRAY = new PyGlobal('numpy', 'ndarray');
const DTYPE = new PyGlobal('numpy', 'dtype');

function call(callable: PyGlobal, args: unknown[], state?: unknown): PyObject {
  const o = new PyObject('reduce', callable, t(...args));
  o.state = state;
  return o;
}

/** `numpy.dtype(spec, False, True)` with a version 3 state. */
function dtype(spec: unknown, state?: unknown[]): PyObject {
  return call(DTYPE, [spec, false, true], t(...(state ?? [3, '<', null, null, null, -1, -1, 0])));
}

function array(shape: unknown[], dt: unknown, data: unknown, fortran = false): PyObject {
  return call(RECONSTRUCT, [NDARRAY, t(0), new Uint8Array([0x62])], t(1, t(...shape), dt, fortran, data));
}

function rejects(label: string, value: unknown, match?: RegExp, protocols = [2, 5]): void {
  for (const protocol of protocols) {
    const data = dumps(value, { protocol });
    assert.throws(
      () => loads(data),
      (error: unknown) => {
        assert.ok(error instanceof UnpicklingError, `${label}: ${String(error)}`);
        if (match !== undefined) assert.match((error as Error).message, match, label);
        return true;
      },
      label,
    );
  }
}

test('hostile array states are UnpicklingErrors before any allocation', () => {
  const f8 = dtype('f8');
  rejects('shape larger than the data', array([2 ** 40], f8, new Uint8Array(8)), /needs more/);
  rejects('product overflowing 64 bits', array([2 ** 32, 2 ** 32, 2 ** 32], f8, new Uint8Array(8)));
  rejects('product overflowing to the data size', array([2 ** 61, 8], dtype('u1'), new Uint8Array(0)));
  rejects('negative dimension', array([-1], f8, new Uint8Array(8)), /negative/);
  rejects('huge bigint dimension', array([2n ** 70n], f8, new Uint8Array(8)), /negative, huge/);
  rejects('float dimension', array([1.5], f8, new Uint8Array(8)));
  rejects('33 dimensions', array(new Array(33).fill(1), f8, new Uint8Array(8)), /dimensions/);
  rejects('data shorter than shape', array([3], f8, new Uint8Array(16)), /needs more/);
  rejects('data longer than shape', array([1], f8, new Uint8Array(16)));
  rejects('data not bytes', array([1], f8, 12));
  rejects('latin-1 text beyond latin-1', array([1], dtype('u1'), '\u0100'));
  rejects('no dtype', array([1], 'f8', new Uint8Array(8)), /dtype/);
  rejects(
    'object array with too few items',
    array([3], dtype('O8', [3, '|', null, null, null, -1, -1, 63]), [1, 2]),
  );
  rejects(
    'object array with bytes',
    array([1], dtype('O8', [3, '|', null, null, null, -1, -1, 63]), new Uint8Array(8)),
  );
  rejects(
    'zero-byte items beyond any bound',
    array([2 ** 40], dtype('V0', [3, '|', null, null, null, 0, 1, 0]), new Uint8Array(0)),
  );
  rejects('state of the wrong length', call(RECONSTRUCT, [NDARRAY, t(0), new Uint8Array([0x62])], t(1, 2)));
});

test('hostile dtypes are UnpicklingErrors', () => {
  const data = new Uint8Array(8);
  for (const bad of ['f3', 'i16', 'x8', 'M8[parsec]', 'U-1', '<<f8', 'f8 ', 'S99999999999'])
    rejects(`dtype ${bad}`, array([1], dtype(bad), data), /not understood/);
  rejects('version 2 state', array([1], dtype('f8', [2, '<', null, null, null, -1, -1]), data), /version/);
  rejects('byte order X', array([1], dtype('f8', [3, 'X', null, null, null, -1, -1, 0]), data), /byte order/);
  rejects('item size beyond numpy', array([1], dtype('V8', [3, '|', null, null, null, 2 ** 31, 1, 0]), data));
  rejects('str size not a multiple of 4', array([1], dtype('U2', [3, '<', null, null, null, 7, 4, 8]), data));
  const i4 = dtype('i4');
  rejects(
    'field past the end',
    array([1], dtype('V8', [3, '|', null, t('a'), new Map([['a', t(i4, 6)]]), 8, 1, 16]), data),
    /past the end/,
  );
  rejects(
    'negative offset',
    array([1], dtype('V8', [3, '|', null, t('a'), new Map([['a', t(i4, -1)]]), 8, 1, 16]), data),
  );
  rejects(
    'field missing from the dict',
    array([1], dtype('V8', [3, '|', null, t('a'), new Map(), 8, 1, 16]), data),
  );
  rejects(
    'subarray not filling the item',
    array([1], dtype('V8', [3, '|', t(i4, t(3)), null, null, 8, 4, 0]), data),
    /subarray/,
  );
  // A dtype whose field is itself: the memo makes the cycle.
  const self = dtype('V8');
  self.state = t(3, '|', null, t('a'), new Map([['a', t(self, 0)]]), 8, 1, 16);
  rejects('dtype containing itself', array([1], self, data), /itself|in use/);
  // Fields sharing one dtype, doubling the values per element at every level: refused, not walked.
  let level: PyObject = dtype('u1');
  for (let i = 0; i < 40; i++) {
    level = dtype('V1', [
      3,
      '|',
      null,
      t('a', 'b'),
      new Map([
        ['a', t(level, 0)],
        ['b', t(level, 0)],
      ]),
      1,
      1,
      16,
    ]);
  }
  rejects('exponential fields', array([1], level, new Uint8Array(1)), /too many values/);
  // Deep nesting of subarrays: refused past the depth limit.
  let deep: PyObject = dtype('u1');
  for (let i = 0; i < 100; i++) deep = dtype('V1', [3, '|', t(deep, t(1)), null, null, 1, 1, 0]);
  rejects('deep nesting', array([1], deep, new Uint8Array(1)), /too deep/);
});

test('hostile _frombuffer, scalar and masked calls are UnpicklingErrors', () => {
  const f8 = dtype('f8');
  rejects('order X', call(FROMBUFFER, [new Uint8Array(8), f8, t(1), 'X']), /order/);
  rejects('buffer too short', call(FROMBUFFER, [new Uint8Array(8), f8, t(2), 'C']));
  rejects('shape overflow', call(FROMBUFFER, [new Uint8Array(8), f8, t(2 ** 40, 2 ** 40), 'C']));
  rejects(
    'in-band buffer too short',
    call(FROMBUFFER, [new PickleBuffer(new Uint8Array(4)), f8, t(1), 'C']),
    undefined,
    [5],
  );
  rejects(
    'zero item size',
    call(FROMBUFFER, [new Uint8Array(0), dtype('V0', [3, '|', null, null, null, 0, 1, 0]), t(5), 'C']),
  );
  rejects('scalar too short', call(SCALAR, [f8, new Uint8Array(3)]), /too small/);
  const masked = call(
    MARECONSTRUCT,
    [new PyGlobal('numpy.ma.core', 'MaskedArray'), NDARRAY, t(0), 'b'],
    t(1, t(2), dtype('i1'), false, new Uint8Array(2), new Uint8Array(5), null),
  );
  rejects('mask of the wrong length', masked, /mask/);
});

test('hostile .npy headers are UnpicklingErrors', () => {
  const header = (text: string, major = 1): Uint8Array => {
    const body = new TextEncoder().encode(text);
    const out = new Uint8Array(10 + body.length + 16);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0], 0);
    new DataView(out.buffer).setUint16(8, body.length, true);
    out.set(body, 10);
    return out;
  };
  const bad: [string, Uint8Array][] = [
    ['negative shape', header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }")],
    ['huge shape', header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }")],
    [
      'overflowing shape',
      header("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"),
    ],
    [
      'bigint shape',
      header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }"),
    ],
    ['bad descr', header("{'descr': '<f3', 'fortran_order': False, 'shape': (1,), }")],
    ['missing key', header("{'descr': '<f8', 'shape': (1,), }")],
    ['extra key', header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}")],
    ['code', header("{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (1,), }")],
    ['call', header("{'descr': str(1), 'fortran_order': False, 'shape': (1,), }")],
    ['unterminated', header("{'descr': '<f8")],
    ['not a dict', header("['descr', '<f8']")],
    ['shape a list', header("{'descr': '<f8', 'fortran_order': False, 'shape': [1], }")],
    ['order an int', header("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }")],
    [
      'deep nesting',
      header(`{'descr': ${'['.repeat(5000)}${']'.repeat(5000)}, 'fortran_order': False, 'shape': (1,), }`),
    ],
    ['too long', header(`{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }${' '.repeat(10001)}`)],
    ['version 4', header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 4)],
    ['length past the end', new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0xff, 0xff, 0x7b])],
    ['truncated magic', new Uint8Array([0x93, 0x4e, 0x55])],
    ['bad field', header("{'descr': [('a', '<f8', 'x')], 'fortran_order': False, 'shape': (1,), }")],
  ];
  for (const [label, data] of bad) {
    assert.throws(
      () => loadNpy(data),
      (error: unknown) => error instanceof UnpicklingError,
      label,
    );
  }
  // A well-formed header whose data is short.
  const good = writeNpyHeader("'<f8'", false, [4]);
  const short = new Uint8Array(good.length + 8);
  short.set(good);
  assert.throws(() => loadNpy(short), /EOF/);
});

/** Any value that loads converts, prints and dumps without an error that is not brine's. */
function exercise(value: unknown): void {
  const touch = (fn: () => unknown): void => {
    try {
      fn();
    } catch (error) {
      if (!isPickleError(error)) throw error;
    }
  };
  const arrays: NDArray[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 20 || typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof NDArray) arrays.push(v);
    if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    if (v instanceof PyObject) {
      walk(v.args, depth + 1);
      walk(v.state, depth + 1);
    }
  };
  walk(value, 0);
  for (const a of arrays) {
    touch(() => a.toArray());
    touch(() => a.toTypedArray());
    touch(() => a.valueOf());
    touch(() => JSON.stringify(a));
    touch(() => String(a));
    touch(() => a.dtype.descr);
  }
  touch(() => repr(value));
  touch(() => toJSON(value));
  for (const protocol of [0, 2, 5]) touch(() => dumps(value, { protocol }));
}

test('mutated numpy pickles load or fail with an UnpicklingError, and what loads converts', () => {
  const { cases } = pickleCases();
  const sample = cases
    .filter((_, i) => i % 3 === 0)
    .map((c) => ({
      data: fromHex(c.pickle),
      buffers: c.buffers?.map((h) => new PickleBuffer(fromHex(h))),
    }));
  const seed = seedOr(Date.now() % 100000);
  const mutation = fc.record({
    index: fc.nat({ max: sample.length - 1 }),
    edits: fc.array(
      fc.record({
        kind: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate'),
        at: fc.nat(),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });
  try {
    fc.assert(
      fc.property(mutation, ({ index, edits }) => {
        const { data: original, buffers } = sample[index]!;
        let data = Uint8Array.from(original);
        for (const e of edits) {
          const at = data.length === 0 ? 0 : e.at % data.length;
          if (e.kind === 'flip') data[at] = data[at]! ^ (1 << (e.byte % 8));
          else if (e.kind === 'set') data[at] = e.byte;
          else if (e.kind === 'delete')
            data = Uint8Array.from([...data.subarray(0, at), ...data.subarray(at + 1)]);
          else if (e.kind === 'insert')
            data = Uint8Array.from([...data.subarray(0, at), e.byte, ...data.subarray(at)]);
          else data = data.subarray(0, at);
        }
        let value: unknown;
        try {
          value = loads(data, { buffers, encoding: 'latin1' });
        } catch (error) {
          if (error instanceof UnpicklingError) return;
          throw error;
        }
        exercise(value);
      }),
      { seed, numRuns: runs(1500, 6000) },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
});

test('mutated .npy files load or fail with an UnpicklingError', () => {
  const files = ['c_2d.v1.npy', 'struct_titles.v3.npy', 'f_3d_be.v2.npy', 'str.v1.npy', 'object.v1.npy'].map(
    (f) => new Uint8Array(readFileSync(join(FIXTURES, 'files', f))),
  );
  const seed = seedOr(Date.now() % 100000);
  try {
    fc.assert(
      fc.property(
        fc.nat({ max: files.length - 1 }),
        fc.array(fc.tuple(fc.nat({ max: 200 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (index, edits) => {
          const data = Uint8Array.from(files[index]!);
          for (const [at, byte] of edits) if (at < data.length) data[at] = byte;
          let value: NDArray;
          try {
            value = loadNpy(data);
          } catch (error) {
            if (isPickleError(error)) return;
            throw error;
          }
          exercise(value);
        },
      ),
      { seed, numRuns: runs(1500, 6000) },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
});
