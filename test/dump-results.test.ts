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
 * allocated (result, writer buffers, garbage not yet collected); a first big
 * dump gives the writer's buffers back as it copies them, the next one keeps
 * them, and a payload taken by reference is never given back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

test('a first dump past a segment gives its buffers back as it copies them: it leaves the result and little besides', () => {
  // A new pickler's first big dump has no big dump recently before it: its first buffer (full, 1 MiB)
  // and its segments are given back one by one as they are copied into the result, and the outgrown
  // first buffers as soon as they are outgrown. Counted right after the call, without a collection
  // (given back means freed then, not garbage): the result, the new first buffer (4 KiB) and the slab.
  // Kept, they were the result's size again (a first dump was twice the pickle at its end). A list of
  // floats at protocol 2: no frames, no string or tuple memo tables.
  const gc = collector();
  const expected = python.get('floats/2')!;
  const value = loads(expected, { exact: true });
  const n = expected.length;
  const segments = Math.ceil(n / SEGMENT_SIZE);
  const bound = n + 64 * 1024;
  /** A dump and the ArrayBuffer bytes it leaves allocated beyond its result, after full collections before it. */
  const dump = (pickler: Pickler): number => {
    // (A pickler keeps its memo between dumps, as Python's does: the list would be a BINGET.)
    pickler.clearMemo();
    gc();
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const got = pickler.dump(value);
    const grown = process.memoryUsage().arrayBuffers - before - got.length;
    assert.ok(same(got, expected));
    return grown;
  };
  // Each round in a function of its own: nothing of the round before is left alive for a collection
  // during a dump to free.
  const round = (r: number): void => {
    const pickler = new Pickler({ protocol: 2 });
    const first = dump(pickler);
    assert.ok(
      first <= bound - n,
      `round ${r}: the first dump left ${first} bytes besides its ${n}-byte result`,
    );
    // The next big dump of the same pickler keeps its segments for the one after (pages already
    // touched), and that one allocates only its result.
    const second = dump(pickler);
    assert.ok(
      second >= (segments - 1) * SEGMENT_SIZE,
      `round ${r}: the second dump kept ${second} bytes of buffers (${segments} segments written)`,
    );
    const third = dump(pickler);
    assert.ok(third <= bound - n, `round ${r}: the third dump left ${third} bytes besides its result`);
  };
  for (let r = 0; r < 3; r++) round(r);
});

test('a payload taken by reference is never given back with the writer’s buffers', () => {
  // The 3 MiB bytes of 'payload' is a piece of the output by reference (not copied into a segment):
  // a first dump that gives its own buffers back must leave it, and the input it is a view of, whole.
  for (const protocol of [2, 5]) {
    const expected = python.get(`payload/${protocol}`)!;
    const input = expected.slice();
    const value = loads(input, { exact: true }) as [Uint8Array, string, number[]];
    const payload = value[0];
    const length = payload.length;
    for (let round = 0; round < 2; round++) {
      const got = new Pickler({ protocol }).dump(value);
      assert.ok(same(got, expected), `protocol ${protocol}: bytes`);
      assert.equal(payload.length, length, `protocol ${protocol}: the payload was detached`);
      assert.equal(input.buffer.byteLength, expected.length, `protocol ${protocol}: the input was detached`);
      assert.ok(same(input, expected), `protocol ${protocol}: the input changed`);
    }
  }
});

/** A full collection (the flag set at run time; the tests run without --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
