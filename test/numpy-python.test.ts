/**
 * Arrays brine makes (NDArray.from, every dtype, both memory orders, 0-d and
 * empty) dumped as pickles at protocols 0-5 (and out of band), as .npy and
 * as .npz, then loaded by the real numpy in one python3 process: the same
 * type, dtype, shape and elements (numpy.array_equal, or equal bytes), and
 * the same pickle bytes numpy itself writes for that array.
 *
 * Needs /usr/bin/python3 with numpy (BRINE_NUMPY_PYTHON overrides); without
 * it the test is skipped with a message saying so.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import {
  DType,
  dumpNpy,
  dumpNpz,
  dumps,
  NDArray,
  type PickleBuffer,
  PyComplex,
  structuredDType,
  subarrayDType,
  tuple,
} from '../src/index.js';
import { ROOT } from './support/python.js';

const PYTHON = process.env.BRINE_NUMPY_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const numpyVersion = probe.status === 0 ? probe.stdout.trim() : undefined;
const skip =
  numpyVersion === undefined
    ? `SKIPPED: no python3 with numpy at ${PYTHON} (set BRINE_NUMPY_PYTHON): brine's numpy output is NOT checked against numpy`
    : false;
if (skip) console.warn(`\n*** ${skip} ***\n`);

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Arrays made in JS, with the Python expression numpy makes the same array with. */
function made(): [string, NDArray][] {
  const t = (...items: unknown[]) => tuple<unknown>(...items);
  return [
    [
      'np.array([1.5, -2.0, float("nan"), float("inf")], dtype="<f8")',
      NDArray.from(new Float64Array([1.5, -2, Number.NaN, Infinity])),
    ],
    [
      'np.arange(6, dtype="<f4").reshape(2, 3)',
      NDArray.from(new Float32Array([0, 1, 2, 3, 4, 5]), { shape: [2, 3] }),
    ],
    [
      'np.asfortranarray(np.arange(6, dtype="<i2").reshape(2, 3))',
      NDArray.from(
        [
          [0, 1, 2],
          [3, 4, 5],
        ],
        { dtype: 'int16', order: 'F' },
      ),
    ],
    ['np.array([True, False])', NDArray.from([true, false])],
    ['np.array([-128, 127], dtype="i1")', NDArray.from(new Int8Array([-128, 127]))],
    ['np.array([0, 255], dtype="u1")', NDArray.from(new Uint8Array([0, 255]))],
    ['np.array([65535], dtype="<u2")', NDArray.from(new Uint16Array([65535]))],
    ['np.array([-2**31], dtype="<i4")', NDArray.from(new Int32Array([-(2 ** 31)]))],
    ['np.array([2**32 - 1], dtype="<u4")', NDArray.from(new Uint32Array([2 ** 32 - 1]))],
    [
      'np.array([-2**63, 2**63 - 1], dtype="<i8")',
      NDArray.from(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])),
    ],
    ['np.array([2**64 - 1], dtype="<u8")', NDArray.from(new BigUint64Array([2n ** 64n - 1n]))],
    ['np.array([1, 2], dtype="<i8")', NDArray.from([1, 2])],
    [
      'np.array([1.5, 65504, 6e-8, -0.0], dtype="<f2")',
      NDArray.from([1.5, 65504, 6e-8, -0], { dtype: 'float16' }),
    ],
    ['np.array([1.5, -2], dtype=">f8")', NDArray.from([1.5, -2], { dtype: '>f8' })],
    [
      'np.array([1+2j, complex(0, -0.5)], dtype="<c16")',
      NDArray.from([new PyComplex(1, 2), new PyComplex(0, -0.5)]),
    ],
    ['np.array([1+2j], dtype="<c8")', NDArray.from([new PyComplex(1, 2)], { dtype: 'complex64' })],
    ['np.array(["ab", "é€😀"], dtype="<U3")', NDArray.from(['ab', 'é€😀'])],
    ['np.array(["ab"], dtype=">U2")', NDArray.from(['ab'], { dtype: '>U2' })],
    ['np.array([b"ab", b""], dtype="S2")', NDArray.from([new Uint8Array([97, 98]), new Uint8Array(0)])],
    ['np.array([b"\\x01\\x02"], dtype="V2")', NDArray.from([new Uint8Array([1, 2])], { dtype: 'V2' })],
    [
      'np.array([0, -86400, None], dtype="M8[s]")',
      NDArray.from([0, -86400, null], { dtype: 'datetime64[s]' }),
    ],
    ['np.array([5], dtype="m8[ms]")', NDArray.from([5], { dtype: 'm8[ms]' })],
    ['np.array([1, "a", None, [2]], dtype=object)', NDArray.from([1, 'a', null, [2]], { dtype: 'O' })],
    [
      'np.array([(1, 2.5), (3, 4.0)], dtype=[("x", "<i4"), ("y", ">f8")])',
      NDArray.from([t(1, 2.5), t(3, 4)], {
        dtype: structuredDType([
          { name: 'x', dtype: '<i4' },
          { name: 'y', dtype: '>f8' },
        ]),
      }),
    ],
    [
      'np.zeros(2, dtype=[(("T", "a"), "<i2"), ("m", "<f4", (2,))])',
      NDArray.from([t(0, [0, 0]), t(0, [0, 0])], {
        dtype: structuredDType([
          { name: 'a', dtype: '<i2', title: 'T' },
          { name: 'm', dtype: subarrayDType('<f4', [2]) },
        ]),
      }),
    ],
    [
      // (Not a field named 'b': see docs/numpy.md on one-character strings.)
      'np.zeros(1, dtype=np.dtype([("a", "i1"), ("c", "<f8")], align=True))',
      NDArray.from([t(0, 0)], {
        dtype: structuredDType(
          [
            { name: 'a', dtype: 'i1' },
            { name: 'c', dtype: '<f8' },
          ],
          { align: true },
        ),
      }),
    ],
    ['np.array(2.5)', NDArray.from(2.5)],
    ['np.zeros((0, 3))', NDArray.from(new Float64Array(0), { shape: [0, 3] })],
    ['np.zeros((2, 0), dtype="<U1")', NDArray.from([[], []], { dtype: 'U1' })],
    [
      'np.arange(24, dtype="u1").reshape(2, 3, 4)',
      NDArray.from(
        Uint8Array.from({ length: 24 }, (_, i) => i),
        { shape: [2, 3, 4] },
      ),
    ],
  ];
}

const SCRIPT = String.raw`
import io, json, pickle, sys
import numpy as np
failures = []
def same(a, e, protocol=5):
    if type(a) is not type(e): return f'type {type(a)} != {type(e)}'
    if protocol < 5 and a.dtype != e.dtype and a.dtype == e.dtype.newbyteorder('='):
        e = e.astype(a.dtype)  # numpy swaps non-native data to native order when it loads protocols 0-4
    if a.dtype != e.dtype or a.dtype.str != e.dtype.str: return f'dtype {a.dtype!r} != {e.dtype!r}'
    if a.shape != e.shape: return f'shape {a.shape} != {e.shape}'
    if a.dtype.hasobject:
        return None if a.tolist() == e.tolist() else f'{a.tolist()} != {e.tolist()}'
    if a.tobytes() != e.tobytes(): return f'bytes {a.tobytes().hex()} != {e.tobytes().hex()}'
    return None
for case in json.load(sys.stdin):
    e = eval(case['expr'])
    for p, h in enumerate(case['pickles']):
        data = bytes.fromhex(h)
        why = same(pickle.loads(data), e, p)
        if why: failures.append(f"{case['expr']} protocol {p}: {why}")
        if data != pickle.dumps(e, p): failures.append(f"{case['expr']} protocol {p}: not numpy's bytes")
    if case['oob'] is not None:
        bufs = [bytes.fromhex(b) for b in case['oob']['buffers']]
        why = same(pickle.loads(bytes.fromhex(case['oob']['pickle']), buffers=bufs), e)
        if why: failures.append(f"{case['expr']} out of band: {why}")
    why = same(np.load(io.BytesIO(bytes.fromhex(case['npy'])), allow_pickle=True), e)
    if why: failures.append(f"{case['expr']} .npy: {why}")
    b = io.BytesIO(); np.save(b, e)
    if b.getvalue().hex() != case['npy']: failures.append(f"{case['expr']} .npy: not numpy's bytes")
    with np.load(io.BytesIO(bytes.fromhex(case['npz'])), allow_pickle=True) as z:
        why = same(z['a'], e) or same(z['b'], e)
        if why: failures.append(f"{case['expr']} .npz: {why}")
print(json.dumps(failures))
`;

test(`arrays brine makes load in numpy ${numpyVersion ?? ''} as the same arrays, with numpy's own bytes`, {
  skip,
}, () => {
  const input = made().map(([expr, array]) => {
    const buffers: PickleBuffer[] = [];
    const oobPickle = dumps(array, { protocol: 5, bufferCallback: (b) => void buffers.push(b) });
    return {
      expr,
      pickles: [0, 1, 2, 3, 4, 5].map((protocol) => hex(dumps(array, { protocol }))),
      oob: buffers.length === 0 ? null : { pickle: hex(oobPickle), buffers: buffers.map((b) => hex(b.data)) },
      npy: hex(dumpNpy(array)),
      npz: hex(dumpNpz({ a: array, b: array }, { compress: true, deflateRaw: (d) => deflateRawSync(d) })),
    };
  });
  const out = execFileSync(PYTHON, ['-c', SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const failures = JSON.parse(out) as string[];
  assert.deepEqual(failures, []);
  void DType;
});
