/**
 * loadTorch against what torch itself computed for the same files
 * (test/fixtures/torch/expected.json, written by scripts/gen-torch-fixtures.py
 * with the real torch): every dtype, shared storages and views, Parameters,
 * 0-d and empty tensors, a training checkpoint, the legacy format, a
 * big-endian archive and a deflated one; lazily through a ByteSource too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { UnpicklingError } from '../src/errors.js';
import { blobSource, bytesSource } from '../src/formats/zip.js';
import {
  loadTorch,
  loadTorchFrom,
  loadTorchFromSync,
  TorchScriptError,
  torchFormat,
} from '../src/torch/load.js';
import { Tensor } from '../src/torch/tensor.js';
import { PyComplex } from '../src/types/builtins.js';
import { PyOrderedDict } from '../src/types/collections.js';
import { isTuple } from '../src/types/tuple.js';

export const FIXTURES = new URL('./fixtures/torch/', import.meta.url);
export const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as {
  torch: string;
  values: Record<string, unknown>;
};
export const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`${name}.pt`, FIXTURES)));
export const inflateRaw = (b: Uint8Array, max: number): Uint8Array =>
  inflateRawSync(b, { maxOutputLength: max });

function encScalar(v: unknown): unknown {
  if (typeof v === 'bigint')
    return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : { int: `${v}` };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { float: 'nan' };
    if (!Number.isFinite(v)) return { float: v > 0 ? 'inf' : '-inf' };
    return v;
  }
  if (v instanceof PyComplex) return { complex: [encScalar(v.real), encScalar(v.imag)] };
  return v;
}

function encList(v: unknown): unknown {
  return Array.isArray(v) ? v.map(encList) : encScalar(v);
}

/** A brine value described as scripts/gen-torch-fixtures.py describes torch's. */
export function describeValue(value: unknown, storages: Map<unknown, number>): unknown {
  if (value instanceof Tensor) {
    const st = value.storage!;
    if (!storages.has(st)) storages.set(st, storages.size);
    return {
      tensor: {
        dtype: value.dtype,
        shape: [...value.shape],
        stride: [...value.stride],
        storage_offset: value.storageOffset,
        requires_grad: value.requiresGrad,
        parameter: value.isParameter,
        storage: storages.get(st),
        storage_numel: st.size,
        values: encList(value.toArray()),
      },
    };
  }
  if (value instanceof PyOrderedDict) {
    const meta = (value.attributes as Record<string, unknown> | undefined)?._metadata;
    return {
      ordered_dict: [...value].map(([k, v]) => [k, describeValue(v, storages)]),
      metadata: meta === undefined ? null : asDict(meta, storages),
    };
  }
  if (value instanceof Map) return asDict(value, storages);
  if (isTuple(value)) return { tuple: value.map((v) => describeValue(v, storages)) };
  if (Array.isArray(value)) return { list: value.map((v) => describeValue(v, storages)) };
  if (value !== null && typeof value === 'object') return asDict(value, storages);
  return { value: typeof value === 'string' || value === null ? value : encScalar(value) };
}

function asDict(value: unknown, storages: Map<unknown, number>): unknown {
  const entries = value instanceof Map ? [...value] : Object.entries(value as object);
  return { dict: entries.map(([k, v]) => [describeValue(k, storages), describeValue(v, storages)]) };
}

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
      const fromBlob = await loadTorchFrom(blobSource(new Blob([data as Uint8Array<ArrayBuffer>])), { inflateRaw });
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
