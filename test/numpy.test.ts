/**
 * numpy arrays, dtypes and scalars against what numpy 1.24 itself reports:
 * every fixture of scripts/gen-numpy-fixtures.py (every dtype, byte order,
 * memory order, 0-d, empty, scalars, matrix, masked arrays, recarray, at
 * protocols 0-5 and out of band) loads to numpy's dtype.str, name, descr,
 * shape, order, raw bytes and tolist(), and dumps back byte for byte as
 * numpy wrote it. The .npy and .npz files too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import {
  DType,
  dumpNpy,
  dumpNpz,
  dumps,
  loadNpy,
  loadNpz,
  loads,
  NDArray,
  PickleBuffer,
  PyGlobal,
  scan,
  structuredDType,
} from '../src/index.js';
import {
  type Described,
  difference,
  FIXTURES,
  fileCases,
  fromHex,
  pickleCases,
  toHex,
} from './support/numpy-expect.js';

const { numpy: numpyVersion, cases } = pickleCases();

function check(actual: unknown, expected: Described, label: string): void {
  if (expected.value !== undefined || expected.dtype === undefined) {
    assert.equal(difference(actual, expected.value), null, label);
    return;
  }
  assert.ok(actual instanceof NDArray, `${label}: an NDArray, got ${String(actual)}`);
  const a = actual as NDArray;
  assert.equal(a.dtype.str, expected.dtype, `${label}: dtype.str`);
  assert.equal(a.dtype.name, expected.name, `${label}: dtype.name`);
  assert.equal(a.dtype.itemsize, expected.itemsize, `${label}: itemsize`);
  assert.equal(difference(a.dtype.descr, expected.descr), null, `${label}: descr`);
  assert.deepEqual([...a.shape], expected.shape, `${label}: shape`);
  assert.equal(a.order, expected.order, `${label}: order`);
  assert.equal(a.dtype.hasObject, expected.hasobject, `${label}: hasobject`);
  assert.equal(a.isScalar, expected.scalar === true, `${label}: scalar`);
  if (expected.bytes !== undefined) assert.equal(toHex(a.bytes), expected.bytes, `${label}: bytes`);
  assert.equal(difference(a.toArray(), expected.list), null, `${label}: toArray`);
  if (!expected.scalar) {
    const cls = expected.type;
    assert.equal(
      `${a.pyClass.module}.${a.pyClass.name}`.replace(/^numpy\.ma\.core\./, 'numpy.ma.core.'),
      cls,
      `${label}: class`,
    );
  }
  if (expected.writeable === false) assert.equal(a.readonly, true, `${label}: readonly`);
  if (expected.mask !== undefined) {
    assert.ok(a.masked !== null, `${label}: masked`);
    const mask = [...a.masked.mask].map((b) => b !== 0);
    const flat = (expected.mask as unknown[]).flat(8);
    if (a.order === 'F') assert.equal(mask.length, flat.length);
    else assert.deepEqual(mask, flat, `${label}: mask`);
    // numpy computes a default fill value where the pickle holds None.
    const fill = a.masked.fillValue;
    const fillValue = fill instanceof NDArray ? fill.valueOf() : fill;
    if (fill !== null) assert.equal(difference(fillValue, expected.fill_value), null, `${label}: fill_value`);
  }
  if (!a.dtype.hasObject) checkTyped(a, label);
}

/** toTypedArray agrees with toArray, element by element, for the numeric kinds. */
function checkTyped(a: NDArray, label: string): void {
  const kind = a.dtype.kind;
  if (a.dtype.fields !== null || a.dtype.subarray !== null || 'SVOU'.includes(kind)) {
    const t = a.toTypedArray();
    assert.equal(t.byteLength, a.bytes.length, `${label}: raw typed length`);
    return;
  }
  const typed = a.toTypedArray();
  const flat = (a.shape.length === 0 ? [a.toArray()] : (a.toArray() as unknown[]).flat(32)) as unknown[];
  if (kind === 'c') {
    assert.equal(typed.length, flat.length * 2, label);
    flat.forEach((v, i) => {
      const c = v as { real: number; imag: number };
      const width = a.dtype.itemsize;
      if (width <= 16) {
        assert.ok(
          Object.is(typed[2 * i], c.real) || (width === 8 && Math.fround(c.real) === typed[2 * i]),
          `${label}: re ${i}`,
        );
        assert.ok(
          Object.is(typed[2 * i + 1], c.imag) || (width === 8 && Math.fround(c.imag) === typed[2 * i + 1]),
          `${label}: im ${i}`,
        );
      }
    });
    return;
  }
  assert.equal(typed.length, flat.length, `${label}: typed length`);
  flat.forEach((v, i) => {
    const t = typed[i];
    if (kind === 'b') assert.equal(t, v ? 1 : 0);
    else if (kind === 'M' || kind === 'm') assert.equal(t, v === null ? -(2n ** 63n) : BigInt(v as number));
    else if (typeof t === 'bigint') assert.equal(t, BigInt(v as number | bigint));
    else assert.ok(Object.is(t, v), `${label}: element ${i}: ${t} vs ${String(v)}`);
  });
}

test(`fixtures come from numpy ${numpyVersion}`, () => {
  assert.ok(cases.length > 400);
});

for (const c of cases) {
  const oob = c.buffers !== undefined;
  const label = `${c.name} protocol ${c.protocol}${oob ? ' out of band' : ''}`;
  test(`loads and re-dumps numpy's pickle: ${label}`, () => {
    const data = fromHex(c.pickle);
    const buffers = c.buffers?.map((hex, i) => new PickleBuffer(fromHex(hex), c.readonly?.[i] ?? false));
    const value = loads(data, { buffers });
    if (c.expected !== null) check(value, c.expected, label);
    const written: PickleBuffer[] = [];
    const back = dumps(value, {
      protocol: c.protocol,
      bufferCallback: oob ? (b) => void written.push(b) : undefined,
    });
    assert.equal(
      toHex(back),
      c.redump ?? c.pickle,
      `${label}: byte identity with numpy's own dump of the loaded value`,
    );
    if (oob) {
      assert.deepEqual(
        written.map((b) => toHex(b.data)),
        c.buffers,
      );
      assert.deepEqual(
        written.map((b) => b.readonly),
        c.readonly,
      );
    }
  });
}

test('numpy 2 names load, and dumps writes them on request', () => {
  const c = cases.find((x) => x.name === 'f_2d' && x.protocol === 2)!;
  const a = loads(fromHex(c.pickle)) as NDArray;
  for (const protocol of [2, 5]) {
    const v2 = dumps(a, { protocol, numpyNames: 2 });
    const text = Buffer.from(v2).toString('latin1');
    assert.ok(text.includes('numpy._core'), 'numpy 2 module');
    assert.ok(!text.includes('numpy.core'), 'no numpy 1 module');
    const back = loads(v2) as NDArray;
    assert.equal(toHex(back.bytes), toHex(a.bytes));
    assert.equal(back.order, 'F');
  }
});

test('toTypedArray is a view when aligned and native, a copy otherwise', () => {
  const buffer = new ArrayBuffer(8 * 5);
  const floats = new Float64Array(buffer, 8, 4);
  floats.set([1, 2, 3, 4]);
  const a = NDArray.from(floats, { shape: [2, 2] });
  const t = a.toTypedArray() as Float64Array;
  assert.equal(t.buffer, buffer, 'aligned: zero copy');
  // The same elements at an odd offset: a copy.
  const odd = new Uint8Array(33);
  odd.set(new Uint8Array(floats.buffer, 8, 32), 1);
  const b = new NDArray({ dtype: DType.get('<f8'), shape: [4], bytes: odd.subarray(1) });
  const u = b.toTypedArray() as Float64Array;
  assert.notEqual(u.buffer, odd.buffer);
  assert.deepEqual([...u], [1, 2, 3, 4]);
  // Big-endian: converted.
  const be = NDArray.from([1.5, -2], { dtype: '>f8' });
  assert.deepEqual([...(be.toTypedArray() as Float64Array)], [1.5, -2]);
  // Fortran order: C order out.
  const f = NDArray.from(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype: 'int16', order: 'F' },
  );
  assert.deepEqual([...f.bytes], [1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0]);
  assert.deepEqual([...(f.toTypedArray() as Int16Array)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(f.toArray(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
});

test('NDArray.from infers dtypes and shapes, and checks them', () => {
  assert.equal(NDArray.from([true, false]).dtype.str, '|b1');
  assert.equal(NDArray.from([1, 2]).dtype.str, '<i8');
  assert.equal(NDArray.from([1, 2.5]).dtype.str, '<f8');
  assert.equal(NDArray.from(['a', 'bcd']).dtype.str, '<U3');
  assert.equal(NDArray.from([new Uint8Array([1, 2])]).dtype.str, '|S2');
  assert.equal(NDArray.from([1, 'a']).dtype.str, '|O');
  assert.equal(NDArray.from(new BigInt64Array([1n])).dtype.str, '<i8');
  assert.equal(NDArray.from(new Float32Array(6), { shape: [2, 3] }).ndim, 2);
  assert.equal(NDArray.from(2.5).valueOf(), 2.5);
  assert.throws(() => NDArray.from(new Float32Array(6), { shape: [4] }), /reshape/);
  assert.throws(() => NDArray.from([[1, 2], [3]]), /rectangular/);
  assert.throws(() => NDArray.from([300], { dtype: 'uint8' }), /fit/);
  assert.throws(() => NDArray.from([1], { dtype: 'float7' }), /not understood/);
  const s = structuredDType([
    { name: 'x', dtype: '<i4' },
    { name: 'y', dtype: '>f8' },
  ]);
  const rec = NDArray.from([Object.freeze([1, 2.5]), Object.freeze([3, 4])], { dtype: s });
  assert.deepEqual(rec.toArray(), [
    [1, 2.5],
    [3, 4],
  ]);
  assert.equal(rec.dtype.str, '|V12');
});

test('a numpy scalar loads as a 0-d array whose valueOf() is the value, and dumps as a scalar', () => {
  const c = cases.find((x) => x.name === 'scalar_f8' && x.protocol === 4)!;
  const v = loads(fromHex(c.pickle)) as NDArray;
  assert.equal(v.isScalar, true);
  assert.equal(v.valueOf(), 1.5);
  assert.equal(+v, 1.5);
});

test('unknown ndarray subclasses and odd argument shapes stay inert', () => {
  const pickle = fromHex(cases.find((x) => x.name === 'c_2d' && x.protocol === 2)!.pickle);
  // Rename numpy.ndarray to a class brine does not know: the call stays a PyObject with its state.
  const text = Buffer.from(pickle).toString('latin1').replace('numpy\nndarray', 'mylib\nMyArr');
  const renamed = new Uint8Array(Buffer.from(text, 'latin1'));
  const value = loads(renamed) as { constructor: { name: string }; state: unknown };
  assert.equal(value.constructor.name, 'PyObject');
  assert.ok(value.state !== undefined);
  assert.equal(toHex(dumps(value, { protocol: 2 })), toHex(renamed));
});

test('.npy files of format 1.0, 2.0 and 3.0 load as numpy.load reads them, and dump back byte for byte', () => {
  const { files } = fileCases();
  let n = 0;
  for (const f of files) {
    const data = new Uint8Array(readFileSync(join(FIXTURES, 'files', f.file)));
    if (f.file.endsWith('.npz')) {
      const arrays = loadNpz(data, { inflateRaw: (b, max) => inflateRawSync(b, { maxOutputLength: max }) });
      assert.deepEqual([...arrays.keys()], Object.keys(f.arrays!));
      for (const [name, expected] of Object.entries(f.arrays!))
        check(arrays.get(name), expected, `${f.file}:${name}`);
      n++;
      continue;
    }
    const a = loadNpy(data);
    check(a, f.expected!, f.file);
    assert.equal(data[6], f.version, `${f.file}: version`);
    // numpy.save picks the lowest version that holds the header; explicit 2.0 files re-dump as 1.0.
    if (f.version === 1 || f.file === 'utf8_field.npy')
      assert.equal(toHex(dumpNpy(a)), toHex(data), `${f.file}: bytes`);
    n++;
  }
  assert.ok(n > 60);
});

test('.npz: stored and deflated archives both ways', () => {
  const a = NDArray.from(new Float32Array([1, 2, 3]));
  const b = NDArray.from(['x', 'yz']);
  const stored = dumpNpz({ a, b });
  const back = loadNpz(stored);
  assert.deepEqual([...back.keys()], ['a', 'b']);
  assert.deepEqual(back.get('b')!.toArray(), ['x', 'yz']);
  assert.throws(() => dumpNpz({ a }, { compress: true }), /deflateRaw/);
});

test('DType: numpy spellings', () => {
  const cases: [string, string, string][] = [
    ['float32', '<f4', 'float32'],
    ['>i4', '>i4', 'int32'],
    ['?', '|b1', 'bool'],
    ['U5', '<U5', 'str160'],
    ['S3', '|S3', 'bytes24'],
    ['V12', '|V12', 'void96'],
    ['O', '|O', 'object'],
    ['datetime64[ns]', '<M8[ns]', 'datetime64[ns]'],
    ['m8[10ms]', '<m8[10ms]', 'timedelta64[10ms]'],
    ['c16', '<c16', 'complex128'],
    ['e', '<f2', 'float16'],
    ['u1', '|u1', 'uint8'],
  ];
  for (const [spec, str, name] of cases) {
    const d = DType.get(spec);
    assert.equal(d.str, str, spec);
    assert.equal(d.name, name, spec);
  }
  assert.equal(DType.get('float64'), DType.get('<f8'), 'shared canonical dtype');
  for (const bad of ['f3', 'i16', 'x', '<Q8', 'M8[parsec]', 'U-1', 'b2'])
    assert.throws(() => DType.get(bad), bad);
  void PyGlobal;
});

test('the scanner rates every numpy pickle and file safe (object arrays aside, whose items it reviews)', () => {
  const verdicts = new Map<string, string>();
  for (const c of cases) {
    const report = scan(fromHex(c.pickle));
    verdicts.set(`${c.name}/${c.protocol}`, report.verdict);
    if (!c.name.startsWith('object'))
      assert.equal(
        report.verdict,
        'safe',
        `${c.name} protocol ${c.protocol}: ${JSON.stringify(report.findings)}`,
      );
  }
  // (A deflated .npz is the scanner's to inflate; its verdict is not numpy's business.)
  for (const f of fileCases().files.filter((x) => x.file !== 'deflated.npz')) {
    const report = scan(new Uint8Array(readFileSync(join(FIXTURES, 'files', f.file))));
    assert.equal(report.verdict, 'safe', `${f.file}: ${JSON.stringify(report.findings)}`);
  }
  assert.ok(verdicts.size > 400);
});

test('a Python 2 numpy pickle (data in a str) loads with encoding latin1 or bytes', () => {
  const data = new Float64Array([1.5, -2, 3]);
  const raw = Buffer.from(data.buffer).toString('latin1');
  const text =
    '\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85U\x01b\x87Rq\x03' +
    '(K\x01K\x03\x85cnumpy\ndtype\nU\x02f8K\x00K\x01\x87R(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb' +
    `\x89U\x18${raw}tb.`;
  const pickle = new Uint8Array(Buffer.from(text, 'latin1'));
  for (const encoding of ['latin1', 'bytes']) {
    const a = loads(pickle, { encoding }) as NDArray;
    assert.ok(a instanceof NDArray, encoding);
    assert.equal(a.dtype.str, '<f8');
    assert.deepEqual(a.toArray(), [1.5, -2, 3]);
  }
  assert.throws(() => loads(pickle), /latin1/);
});

test('brine/node: .npy and .npz files, written atomically', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { dumpNpyFile, dumpNpzFile, loadNpyFile, loadNpzFile } = await import('../src/node/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'brine-numpy-'));
  try {
    const a = NDArray.from(new Float32Array([0.5, 1.5]));
    await dumpNpyFile(join(dir, 'a.npy'), a);
    assert.deepEqual((await loadNpyFile(join(dir, 'a.npy'))).toArray(), [0.5, 1.5]);
    await dumpNpzFile(join(dir, 'z.npz'), { a, b: NDArray.from([1, 2]) }, { compress: true });
    const z = await loadNpzFile(join(dir, 'z.npz'));
    assert.deepEqual(z.get('b')!.toArray(), [1, 2]);
    const real = await loadNpzFile(join(FIXTURES, 'files', 'deflated.npz'));
    assert.deepEqual(real.get('a')!.toArray(), [0, 1, 2, 3, 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
