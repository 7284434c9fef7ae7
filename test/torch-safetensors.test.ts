/**
 * safetensors against the reference implementation: the file it wrote
 * (test/fixtures/torch/model.safetensors) loads to the values torch computed,
 * dumps back byte-identical, and every malformed header is refused with an
 * UnpicklingError before anything is allocated from it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UnpicklingError } from '../src/errors.js';
import { loadTorch } from '../src/torch/load.js';
import { dumpSafetensors, loadSafetensors, stateDictTensors } from '../src/torch/safetensors.js';
import type { Tensor } from '../src/torch/tensor.js';
import { describeValue, expected, FIXTURES, fixture } from './support/torch-fixtures.js';

const file = new Uint8Array(readFileSync(new URL('model.safetensors', FIXTURES)));
const reference = (expected as unknown as { safetensors: Record<string, unknown> }).safetensors;

function withHeader(header: unknown, data: Uint8Array, raw?: string): Uint8Array {
  const json = new TextEncoder().encode(raw ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors: the reference implementation', () => {
  it('loads the values torch computed, and the metadata', () => {
    const { tensors, metadata } = loadSafetensors(file);
    assert.deepEqual({ ...metadata }, { format: 'pt', note: 'brine fixture' });
    assert.deepEqual([...tensors.keys()].sort(), Object.keys(reference).sort());
    for (const [name, t] of tensors) {
      const d = describeValue(t, new Map()) as { tensor: Record<string, unknown> };
      const r = reference[name] as { tensor: Record<string, unknown> };
      for (const key of ['dtype', 'shape', 'stride', 'storage_offset', 'values']) {
        assert.deepEqual(d.tensor[key], r.tensor[key], `${name} ${key}`);
      }
    }
  });

  it('dumps them back byte-identical to what it wrote', () => {
    const { tensors, metadata } = loadSafetensors(file);
    assert.deepEqual(dumpSafetensors(tensors, metadata), file);
  });

  it('converts a loaded checkpoint (views and shared storages written contiguous)', () => {
    const checkpoint = loadTorch(fixture('checkpoint'));
    const { tensors, skipped } = stateDictTensors(checkpoint);
    assert.ok(tensors.has('model.0.weight'));
    assert.ok(tensors.has('optimizer.state.0.momentum_buffer'));
    assert.ok(skipped.includes('epoch'));
    const back = loadSafetensors(dumpSafetensors(tensors)).tensors;
    for (const [name, t] of tensors) assert.deepEqual(back.get(name)!.toArray(), t.toArray(), name);
    const views = loadTorch(fixture('views')) as Record<string, Tensor>;
    const again = loadSafetensors(dumpSafetensors({ t: views.t!, slice: views.slice! })).tensors;
    assert.deepEqual(again.get('t')!.toArray(), views.t!.toArray());
    assert.deepEqual(again.get('slice')!.toArray(), views.slice!.toArray());
  });
});

describe('safetensors: headers that lie', () => {
  const data = new Uint8Array(16);
  const ok = {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'I32', shape: [2], data_offsets: [8, 16] },
  };

  it('accepts the honest header', () => {
    assert.equal(loadSafetensors(withHeader(ok, data)).tensors.size, 2);
  });

  const bad: [string, Uint8Array][] = [
    ['a gap', withHeader({ ...ok, b: { dtype: 'I32', shape: [1], data_offsets: [12, 16] } }, data)],
    ['an overlap', withHeader({ ...ok, b: { dtype: 'I32', shape: [2], data_offsets: [4, 12] } }, data)],
    ['past the data', withHeader({ ...ok, b: { dtype: 'I32', shape: [4], data_offsets: [8, 24] } }, data)],
    ['data left over', withHeader({ a: ok.a }, data)],
    [
      'a size that does not match the shape',
      withHeader({ ...ok, b: { dtype: 'I64', shape: [2], data_offsets: [8, 16] } }, data),
    ],
    ['an unknown dtype', withHeader({ ...ok, b: { dtype: 'X9', shape: [2], data_offsets: [8, 16] } }, data)],
    ['a negative size', withHeader({ ...ok, b: { dtype: 'I32', shape: [-2], data_offsets: [8, 16] } }, data)],
    ['metadata that is not strings', withHeader({ ...ok, __metadata__: { n: 1 } }, data)],
    ['not JSON', withHeader(null, data, '{"a": ')],
    ['not an object', withHeader(null, data, '[1, 2]   ')],
    [
      'a header length past the file',
      (() => {
        const b = withHeader(ok, data);
        new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
        return b;
      })(),
    ],
    ['a truncated length', new Uint8Array(5)],
  ];
  for (const [what, bytes] of bad) {
    it(`refuses ${what}`, () => assert.throws(() => loadSafetensors(bytes), UnpicklingError));
  }

  it('never throws anything but an UnpicklingError on random changes of a real file', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const copy = file.slice();
          for (const [at, v] of edits) copy[at] = v;
          try {
            for (const t of loadSafetensors(copy).tensors.values()) t.toArray();
          } catch (error) {
            assert.ok(error instanceof UnpicklingError, String(error));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
