/**
 * What `dumps` and `Pickler.dump` return, in every size class of the writer:
 * a small result cut from the shared slab (up to 1 KiB), one copied out of
 * the writer's first buffer (up to 1 MiB, past the size where that buffer
 * stops doubling), one joined from segments (past 1 MiB), and one holding a
 * payload taken by reference (a 3 MiB bytes). Each is the bytes CPython
 * writes, has its exact length, stays the same while later dumps run (the
 * writer's buffers are reused), survives what users do with a result
 * (`Buffer.from` of its buffer range, `slice`, `structuredClone`), and
 * python3 loads it back to the value it made. The memory a first dump
 * allocates is bounded without timing: the `ArrayBuffer` bytes it leaves
 * allocated (result, writer buffers, garbage not yet collected).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dumps, loads, Pickler } from '../src/index.js';
import { SEGMENT_SIZE } from '../src/writer.js';
import { PYTHON, runPython } from './support/python.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'brine-results-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The values, made by python3 (and again by the check below): one per size class of the writer. */
const PY_VALUES = String.raw`
def make(name):
    if name == 'slab':
        return {'id': 7, 'name': 'Ada', 'tags': ['x', 'é'], 'score': 2.5}
    if name == 'home':
        return ['s%d' % i for i in range(3000)]
    if name == 'home_past_jump':
        return [(i + 0.5) / 3 for i in range(20000)]
    if name == 'segments':
        return [('k%d' % i, i * 1000003, (i + 0.25) / 7) for i in range(110000)]
    if name == 'floats':
        return [(i + 0.5) / 3 for i in range(400000)]
    if name == 'payload':
        return [b'\x01\x02' * (3 * 1024 * 512), 'after', list(range(100))]
    raise KeyError(name)
NAMES = ['slab', 'home', 'home_past_jump', 'segments', 'floats', 'payload']
`;

/** CPython's pickles of the values, by `name/protocol`: written to files (megabytes of hex through a pipe cost more than the dumps). */
const python = new Map<string, Uint8Array>(
  runPython(
    `${PY_VALUES}
import os, pickle, sys
for n in NAMES:
    v = make(n)
    for p in (2, 5):
        with open(os.path.join(sys.argv[1], '%s-%d.pkl' % (n, p)), 'wb') as f:
            f.write(pickle.dumps(v, p))
        print('%s/%d' % (n, p))`,
    [dir],
  )
    .trim()
    .split('\n')
    .map((key) => [key, new Uint8Array(fs.readFileSync(join(dir, `${key.replace('/', '-')}.pkl`)))]),
);

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The size class each case must fall in, from its length. */
function sizeClass(name: string, n: number): void {
  if (name === 'slab') assert.ok(n <= 1024, `${name}: ${n} bytes`);
  else if (name.startsWith('home')) assert.ok(n > 1024 && n <= SEGMENT_SIZE, `${name}: ${n} bytes`);
  else assert.ok(n > 2 * SEGMENT_SIZE, `${name}: ${n} bytes`);
}

test('results of every size class are CPython bytes of their exact length, and stay so while later dumps run', () => {
  const kept: { key: string; expected: Uint8Array; got: Uint8Array }[] = [];
  const values = new Map<string, unknown>();
  for (const [key, expected] of python) {
    const name = key.split('/')[0]!;
    sizeClass(name, expected.length);
    const protocol = Number(key.split('/')[1]);
    const value = loads(expected, { exact: true });
    values.set(key, value);
    for (const got of [dumps(value, { protocol }), new Pickler({ protocol }).dump(value)]) {
      assert.equal(got.length, expected.length, `${key}: length`);
      assert.ok(same(got, expected), `${key}: bytes`);
      kept.push({ key, expected, got });
    }
  }
  // Later dumps of every size, through the shared writer and a reused pickler, in another order.
  const pickler = new Pickler({ protocol: 5 });
  for (const key of [...values.keys()].reverse()) {
    const protocol = Number(key.split('/')[1]);
    dumps(values.get(key), { protocol });
    pickler.dump(values.get(key));
    dumps(values.get(key), { protocol: protocol === 2 ? 5 : 2 });
  }
  for (const { key, expected, got } of kept) assert.ok(same(got, expected), `${key}: changed by later dumps`);

  // python3 loads each kept result back to the value it makes.
  const names: string[] = [];
  kept.forEach(({ key, got }, i) => {
    const file = join(dir, `${i}.pkl`);
    fs.writeFileSync(file, got);
    names.push(`${key.split('/')[0]}:${file}`);
  });
  const out = execFileSync(
    PYTHON,
    [
      '-c',
      `${PY_VALUES}
import pickle, sys
bad = []
made = {}
for arg in sys.argv[1:]:
    name, path = arg.split(':', 1)
    if name not in made: made[name] = make(name)
    with open(path, 'rb') as f:
        if pickle.load(f) != made[name]: bad.append(arg)
print('bad', bad, 'checked', len(sys.argv) - 1)`,
      ...names,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(out.trim(), `bad [] checked ${kept.length}`);
});

test('a result is handled as users handle one: Buffer.from of its range, slice, structuredClone', () => {
  for (const [key, expected] of python) {
    const protocol = Number(key.split('/')[1]);
    const got = dumps(loads(expected, { exact: true }), { protocol });
    assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype, key);
    assert.ok(got.byteOffset + got.length <= got.buffer.byteLength, key);
    if (got.length > 1024) {
      // A buffer of its own, of exactly its size: `Buffer.from(result.buffer)` is the pickle.
      assert.equal(got.byteOffset, 0, key);
      assert.equal(got.buffer.byteLength, got.length, key);
      assert.ok(same(Buffer.from(got.buffer), expected), `${key}: Buffer.from(buffer)`);
    }
    assert.ok(
      same(Buffer.from(got.buffer, got.byteOffset, got.length), expected),
      `${key}: Buffer.from(range)`,
    );
    const copy = got.slice();
    assert.equal(copy.buffer.byteLength, got.length, key);
    assert.ok(same(copy, expected), `${key}: slice`);
    const clone = structuredClone(got);
    assert.ok(same(clone, expected), `${key}: structuredClone`);
    // Changing a copy leaves the result alone.
    const last = got.length - 1;
    copy[last] = got[last]! ^ 0xff;
    clone[last] = got[last]! ^ 0xff;
    assert.ok(same(got, expected), `${key}: after changing copies`);
  }
});

test('a first dump past a segment allocates the result, the segments it fills and little besides', () => {
  // Protocol 2 writes no frames, so every segment but the last is full: a first dump of n bytes
  // allocates its first buffer (grown to a segment), ceil(n / SEGMENT_SIZE) - 1 more segments and
  // the result. What the first buffer left behind while it grew must stay under 640 KiB (doubling from 4 KiB
  // to 1 MiB left about 1 MiB, resident until a collection). A list of floats: no string or tuple
  // memo allocates tables for it.
  const expected = python.get('floats/2')!;
  const value = loads(expected, { exact: true });
  const n = expected.length;
  const segments = Math.ceil(n / SEGMENT_SIZE);
  for (let round = 0; round < 3; round++) {
    const pickler = new Pickler({ protocol: 2 });
    const before = process.memoryUsage().arrayBuffers;
    const got = pickler.dump(value);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(same(got, expected));
    const bound = n + segments * SEGMENT_SIZE + 640 * 1024;
    assert.ok(
      grown <= bound,
      `round ${round}: ${grown} bytes of ArrayBuffers for a ${n}-byte pickle (at most ${bound})`,
    );
  }
});
