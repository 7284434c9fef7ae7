/**
 * brine/node's torch files: loadTorchFile reads the directory and data.pkl
 * and leaves storages on disk until asked for; dumpTorchFile writes what
 * dumpTorch writes, streaming storages (a lazily loaded checkpoint is read,
 * written and released storage by storage), and replaces the file atomically.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PicklingError } from '../src/errors.js';
import { dumpTorchFile, fileSource, loadTorchFile } from '../src/node/torch.js';
import { dumpTorch } from '../src/torch/dump.js';
import { loadTorch, loadTorchFromSync } from '../src/torch/load.js';
import { summariseTensors } from '../src/torch/summary.js';
import { Tensor } from '../src/torch/tensor.js';
import { describeValue, expected, FIXTURES } from './support/torch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'brine-torch-node-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadTorchFile', () => {
  it('loads every fixture to the values torch computed', () => {
    for (const name of Object.keys(expected.values)) {
      const value = loadTorchFile(new URL(`${name}.pt`, FIXTURES));
      assert.deepEqual(describeValue(value, new Map()), expected.values[name], name);
    }
  });

  it('reads no storage until a tensor is asked for its data', () => {
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < 8; i++) tensors[`layer${i}.weight`] = Tensor.from(new Float32Array(1 << 18).fill(i));
    const path = join(dir, 'big.pt');
    const bytes = dumpTorch(tensors);
    return dumpTorchFile(path, tensors).then(() => {
      assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
      const source = fileSource(path);
      let read = 0;
      const counting = {
        size: source.size,
        read: (o: number, n: number) => {
          read += n;
          return source.read(o, n);
        },
      };
      const value = loadTorchFromSync(counting) as Record<string, Tensor>;
      const listed = summariseTensors(value);
      assert.equal(listed.tensors.length, 8);
      assert.equal(listed.totalBytes, 8 << 20);
      assert.ok(read < 100_000, `${read} bytes read to list ${statSync(path).size}`);
      assert.ok(Object.values(value).every((t) => !t.storage!.loaded));
      assert.equal((value['layer3.weight']!.toTypedArray() as Float32Array)[5], 3);
      assert.equal(value['layer3.weight']!.storage!.loaded, true);
      assert.equal(value['layer4.weight']!.storage!.loaded, false);
      assert.ok(read < (1 << 20) + 100_000);
    });
  });
});

describe('dumpTorchFile', () => {
  it('re-dumps a lazily loaded checkpoint storage by storage, releasing each', async () => {
    const path = join(dir, 'big2.pt');
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < 4; i++) tensors[`w${i}`] = Tensor.from(new Float64Array(1000).fill(i + 0.5));
    await dumpTorchFile(path, tensors);
    const lazy = loadTorchFile(path) as Record<string, Tensor>;
    const copy = join(dir, 'copy.pt');
    await dumpTorchFile(copy, lazy);
    assert.ok(Object.values(lazy).every((t) => !t.storage!.loaded));
    assert.deepEqual(readFileSync(copy), readFileSync(path));
    const back = loadTorch(new Uint8Array(readFileSync(copy))) as Record<string, Tensor>;
    assert.deepEqual(back.w2!.toArray(), new Array(1000).fill(2.5));
  });

  it('leaves no file behind when the value cannot be saved', async () => {
    const path = join(dir, 'never.pt');
    await assert.rejects(dumpTorchFile(path, { f: () => 1 }), PicklingError);
    assert.equal(existsSync(path), false);
  });
});
