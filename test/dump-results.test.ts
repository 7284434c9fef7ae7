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
 * allocated (result, writer buffers, garbage not yet collected), in processes
 * of their own (test/support/first-dumps.ts): a process's first big dump gives
 * the writer's buffers back as it copies them, the next one keeps them, and a
 * payload taken by reference is never given back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dumps, loads, Pickler } from '../src/index.js';
import { SEGMENT_SIZE } from '../src/writer.js';
import { PYTHON, ROOT, runPython } from './support/python.js';
import { tsScript } from './support/ts-script.js';

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

/** CPython's pickle of a list of floats twice as long as 'floats' and more, at protocol 2: a file. */
function floatsTwice(): string {
  const path = join(dir, 'floats-twice-2.pkl');
  if (!fs.existsSync(path))
    runPython(
      `import pickle, sys
with open(sys.argv[1], 'wb') as f:
    f.write(pickle.dumps([(i + 0.5) / 3 for i in range(900000)], 2))`,
      [path],
    );
  return path;
}

/** Runs test/support/first-dumps.ts in a new process (what the process dumped before decides what is given back). */
function firstDumps(...args: string[]): Record<string, number | boolean> {
  const out = execFileSync(
    process.execPath,
    [...tsScript(join(ROOT, 'test/support/first-dumps.ts')), ...args],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as Record<string, number | boolean>;
}

function pickleFile(key: string): string {
  return join(dir, `${key.replace('/', '-')}.pkl`);
}

test('a process’s first big dump gives its buffers back as it copies them; a size seen before keeps them', () => {
  // The first dump past a segment of a process (and each more than twice as big as any before it):
  // its first buffer (full, 1 MiB) and its segments are given back one by one as they are copied into
  // the result, and the first buffers it outgrew. Counted right after the call, without a collection
  // (given back means freed then, not garbage): the result, the new first buffer (4 KiB) and the slab.
  // Kept, they were the result's size again. The next dump keeps its segments for the one after
  // (pages already touched, as every later dump of a size seen before), which allocates only its
  // result. A list of floats at protocol 2: no frames, no string or tuple memo tables.
  const n = python.get('floats/2')!.length;
  const segments = Math.ceil(n / SEGMENT_SIZE);
  const twice = floatsTwice();
  const m = fs.statSync(twice).size;
  assert.ok(m > 2 * n, `${m} bytes against ${n}`);
  const r = firstDumps('sequence', pickleFile('floats/2'), twice);
  const little = 64 * 1024;
  const all = JSON.stringify(r);
  for (const key of ['first', 'second', 'third', 'new pickler', 'twice', 'twice again', 'after'])
    assert.equal(r[`${key} same`], true, `${key}: not CPython's bytes (${all})`);
  assert.equal(r['kept results unchanged'], true, all);
  assert.ok(
    (r.first as number) <= little,
    `the first dump left ${r.first} bytes besides its result (${all})`,
  );
  const held = (segments - 1) * SEGMENT_SIZE;
  assert.ok(
    (r.second as number) >= held,
    `the second dump kept ${r.second} bytes (${segments} segments: ${all})`,
  );
  assert.ok(
    (r.third as number) <= little,
    `the third dump left ${r.third} bytes besides its result (${all})`,
  );
  assert.ok(
    (r['new pickler'] as number) >= held,
    `a new pickler's dump kept ${r['new pickler']} bytes (${all})`,
  );
  assert.ok((r.twice as number) <= little, `the dump twice as big left ${r.twice} bytes (${all})`);
  assert.ok(
    (r['twice again'] as number) >= (Math.ceil(m / SEGMENT_SIZE) - 1) * SEGMENT_SIZE,
    `the next dump that big kept ${r['twice again']} bytes (${all})`,
  );
  assert.ok((r.after as number) <= little, `a smaller dump after them left ${r.after} bytes (${all})`);
});

test('a big dump that fails half-way gives nothing back; the dumps after it give CPython’s bytes', () => {
  // The failed dump leaves its segments to the next one (no result, nothing given back), which, the
  // process's first big result, writes into them and gives them back: fewer buffers after it than before.
  const n = python.get('floats/2')!.length;
  const segments = Math.ceil(n / SEGMENT_SIZE);
  const r = firstDumps('failed', pickleFile('floats/2'));
  const all = JSON.stringify(r);
  assert.equal(r.failed, true, all);
  for (const key of ['first', 'second', 'third']) assert.equal(r[`${key} same`], true, `${key}: ${all}`);
  assert.equal(r['kept results unchanged'], true, all);
  assert.ok(
    (r.first as number) <= -(segments - 1) * SEGMENT_SIZE,
    `the first dump after the failed one left ${r.first} bytes besides its result (${all})`,
  );
});

test('a payload taken by reference is never given back with the writer’s buffers', () => {
  // The 3 MiB bytes of 'payload' is a piece of the output by reference (not copied into a segment):
  // a first dump that gives its own buffers back must leave it, and the input it is a view of, whole.
  for (const protocol of [2, 5]) {
    const r = firstDumps('payload', String(protocol), pickleFile(`payload/${protocol}`));
    const all = JSON.stringify(r);
    for (let round = 0; round < 2; round++) {
      assert.equal(r[`round ${round} same`], true, `protocol ${protocol}: bytes (${all})`);
      assert.equal(r[`round ${round} payload whole`], true, `protocol ${protocol}: the payload (${all})`);
      assert.equal(r[`round ${round} input whole`], true, `protocol ${protocol}: the input (${all})`);
    }
    assert.equal(r['kept results unchanged'], true, all);
  }
});
