/**
 * loadTorch against what torch itself computed for the same files
 * (test/fixtures/torch/expected.json, written by scripts/gen-torch-fixtures.py
 * with the real torch): every dtype, shared storages and views, Parameters,
 * 0-d and empty tensors, a training checkpoint, the legacy format, a
 * big-endian archive and a deflated one; lazily through a ByteSource too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnpicklingError } from '../src/errors.js';
import { blobSource, bytesSource } from '../src/formats/zip.js';
import {
  bfloat16ToNumber,
  float8ToNumber,
  halfToNumber,
  numberToBfloat16,
  numberToHalf,
  type TorchDType,
} from '../src/torch/dtypes.js';
import {
  loadTorch,
  loadTorchFrom,
  loadTorchFromSync,
  TorchScriptError,
  torchFormat,
} from '../src/torch/load.js';
import { summariseTensors } from '../src/torch/summary.js';
import { Storage, Tensor, tensorRepr } from '../src/torch/tensor.js';
import { describeValue, expected, fixture, inflateRaw } from './support/torch-fixtures.js';

const names = Object.keys(expected.values);

describe(`loadTorch: the values torch ${expected.torch} computed`, () => {
  for (const name of names) {
    it(`${name}.pt`, () => {
      const value = loadTorch(fixture(name), { inflateRaw });
      assert.deepEqual(describeValue(value, new Map()), expected.values[name]);
    });
  }

  it('reads every fixture lazily, synchronously and from a Blob, to the same values', async () => {
    for (const name of names) {
      const data = fixture(name);
      const lazy = loadTorchFromSync(bytesSource(data), { inflateRaw });
      assert.deepEqual(describeValue(lazy, new Map()), expected.values[name], name);
      const fromBlob = await loadTorchFrom(blobSource(new Blob([data as Uint8Array<ArrayBuffer>])), {
        inflateRaw,
      });
      await loadAll(fromBlob);
      assert.deepEqual(describeValue(fromBlob, new Map()), expected.values[name], name);
    }
  });

  it('shares one storage between the views Python shares it between', () => {
    const v = loadTorch(fixture('views')) as Record<string, Tensor>;
    assert.equal(v.base!.storage, v.t!.storage);
    assert.equal(v.base!.storage, v.row!.storage);
    assert.equal(v.t!.isContiguous(), false);
    assert.equal((v.same as unknown as Tensor[])[0], (v.same as unknown as Tensor[])[1]);
  });

  it('recognises formats, and refuses TorchScript without running it', () => {
    assert.equal(torchFormat(fixture('views')), 'zip');
    assert.equal(torchFormat(fixture('legacy')), 'legacy');
    assert.equal(torchFormat(fixture('torchscript')), 'torchscript');
    assert.throws(() => loadTorch(fixture('torchscript')), TorchScriptError);
    assert.throws(() => loadTorch(fixture('torchscript')), /TorchScript/);
  });

  it('needs an inflate function only for a deflated archive', () => {
    assert.throws(() => loadTorch(fixture('deflated')), /inflateRaw/);
  });
});

/** Reads every tensor's storage of a value loaded from an asynchronous source. */
async function loadAll(value: unknown): Promise<void> {
  const seen = new Set<unknown>();
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) await v.load();
    else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (Array.isArray(v)) stack.push(...v);
    else stack.push(...Object.values(v));
  }
}

describe('loadTorch: what it refuses', () => {
  it('throws only UnpicklingErrors on non-torch input', () => {
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3]),
      new TextEncoder().encode('hello world'),
    ]) {
      assert.throws(() => loadTorch(bad), UnpicklingError);
    }
  });
});

describe('summaries', () => {
  it('prints a tensor as torch names its type, with a few values', () => {
    const v = loadTorch(fixture('views')) as Record<string, Tensor>;
    assert.equal(
      tensorRepr(v.base!),
      'tensor(dtype=float32, shape=[3, 4], values=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, ...])',
    );
    assert.equal(
      tensorRepr(v.t!),
      'tensor(dtype=float32, shape=[4, 3], values=[0.0, 4.0, 8.0, 1.0, 5.0, 9.0, ...])',
    );
    assert.equal(
      tensorRepr(Tensor.from([true, false])),
      'tensor(dtype=bool, shape=[2], values=[True, False])',
    );
    const p = loadTorch(fixture('parameters')) as Record<string, Tensor>;
    assert.equal(
      tensorRepr(p.w!),
      'tensor(dtype=float32, shape=[2, 2], parameter, requires_grad=True, values=[1.0, 1.0, 1.0, 1.0])',
    );
  });

  it('lists the tensors of a checkpoint by state_dict name, shared storages counted once', () => {
    const { tensors, totalBytes, totalNumel } = summariseTensors(loadTorch(fixture('views')));
    assert.deepEqual(
      tensors.map((t) => [t.name, t.dtype, t.shape, t.nbytes]),
      [
        ['base', 'float32', [3, 4], 48],
        ['row', 'float32', [4], 16],
        ['col', 'float32', [3], 12],
        ['t', 'float32', [4, 3], 48],
        ['slice', 'float32', [2, 2], 16],
        ['expanded', 'int64', [2, 3], 48],
        ['same.0', 'float32', [3, 4], 48],
        ['same.1', 'float32', [3, 4], 48],
      ],
    );
    assert.equal(totalNumel, 12 + 4 + 3 + 12 + 4 + 6 + 12 + 12);
    assert.equal(totalBytes, 48 + 24);
  });
});

describe('dtype codecs', () => {
  it('float16 and bfloat16: every bit pattern decodes and encodes back', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToNumber(h);
      if (Number.isNaN(x)) assert.ok(Number.isNaN(halfToNumber(numberToHalf(x))));
      else assert.equal(numberToHalf(x), h, `half 0x${h.toString(16)}`);
      const y = bfloat16ToNumber(h);
      if (Number.isNaN(y)) assert.ok(Number.isNaN(bfloat16ToNumber(numberToBfloat16(y))));
      else assert.equal(numberToBfloat16(y), h, `bfloat16 0x${h.toString(16)}`);
    }
    assert.equal(numberToHalf(1 + 2 ** -11), numberToHalf(1)); // ties to even
    assert.equal(numberToHalf(65520), 0x7c00); // rounds to infinity
  });

  it('float8 kinds, by their published tables', () => {
    const cases: [string, number, number][] = [
      ['float8_e4m3fn', 0x7e, 448],
      ['float8_e4m3fn', 0x01, 2 ** -9],
      ['float8_e4m3fn', 0x38, 1],
      ['float8_e4m3fn', 0xb8, -1],
      ['float8_e5m2', 0x7b, 57344],
      ['float8_e5m2', 0x7c, Number.POSITIVE_INFINITY],
      ['float8_e5m2', 0x3c, 1],
      ['float8_e5m2', 0x01, 2 ** -16],
      ['float8_e4m3fnuz', 0x7f, 240],
      ['float8_e4m3fnuz', 0x40, 1],
      ['float8_e5m2fnuz', 0x7f, 57344],
      ['float8_e5m2fnuz', 0x40, 1],
    ];
    for (const [kind, bits, value] of cases)
      assert.equal(float8ToNumber(bits, kind as TorchDType), value, `${kind} 0x${bits.toString(16)}`);
    assert.ok(Number.isNaN(float8ToNumber(0x7f, 'float8_e4m3fn')));
    assert.ok(Number.isNaN(float8ToNumber(0x80, 'float8_e4m3fnuz')));
    assert.ok(Number.isNaN(float8ToNumber(0x7e, 'float8_e5m2')));
    const t = new Tensor({
      storage: new Storage({ dtype: 'float8_e4m3fn', nbytes: 2, bytes: new Uint8Array([0x38, 0x7e]) }),
      shape: [2],
    });
    assert.deepEqual(t.toArray(), [1, 448]);
  });
});
