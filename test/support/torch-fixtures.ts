/**
 * The PyTorch fixtures (test/fixtures/torch, written by
 * scripts/gen-torch-fixtures.py with the real torch) and a description of
 * brine's values in the form the script describes torch's.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { Tensor } from '../../src/torch/tensor.js';
import { PyComplex } from '../../src/types/builtins.js';
import { PyOrderedDict } from '../../src/types/collections.js';
import { isTuple } from '../../src/types/tuple.js';

export const FIXTURES = new URL('../fixtures/torch/', import.meta.url);
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
