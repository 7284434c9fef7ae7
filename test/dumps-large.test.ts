/**
 * Large pickles against CPython: values whose pickles span many output
 * segments (frames moved between segments, payloads taken by reference) are
 * written byte for byte as `pickle.dumps` writes them, at every protocol; the
 * pieces of a streamed dump are the same bytes, hand large payloads over
 * without a copy and stay bounded; `dumpFile` writes them and Python loads the
 * file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dumps, loads } from '../src/index.js';
import { dumpFile, dumpFileSync } from '../src/node/index.js';
import { dumpChunks } from '../src/pickler.js';
import { SEGMENT_SIZE } from '../src/writer.js';
import { size } from './support/budget.js';
import { PYTHON, pythonCases } from './support/python.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'brine-large-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * CPython's pickles of one big value at protocols 0-5: a list of unique
 * strings (ASCII, non-ASCII, some long), ints of every width, floats (none
 * integral: brine loads 2.0 as the number 2, which it writes as an int), small
 * tuples, dicts and lists of atoms, nested records, and bytes payloads from
 * 1 byte to 3 MiB (some past 64 KiB, one past the segment size).
 */
const PY_VALUE = String.raw`
import pickle, random, sys
rng = random.Random(5)
value = []
for i in range(int(sys.argv[1])):
    k = i % 9
    if k == 0: value.append('s%d' % i)
    elif k == 1: value.append('é%d\u4e2d' % i + ('x' * (i % 300)))
    elif k == 2: value.append(rng.choice([i, -i, i * 1000003, -(i ** 3), 2 ** 70 + i]))
    elif k == 3: value.append(rng.random() * i + 0.1)
    elif k == 4: value.append((i, 't%d' % i, i + 0.25))
    elif k == 5: value.append({'a%d' % i: i, 'b%d' % i: None, 'c%d' % i: True})
    elif k == 6: value.append([i, 'l%d' % i])
    elif k == 7: value.append({'id': i, 'tags': ['u%d' % i, 'v%d' % i], 'inner': {'key': (i, 'w%d' % i)}})
    elif i % 1800 == 8: value.append(bytes([i % 256]) * rng.choice([70000, 300000]))
    else: value.append(bytes([i % 256]) * rng.choice([1, 200]))
value.append(bytes(range(256)) * (3 * 4096))
value.append('z' * 200000)
out = sys.stdout.buffer
for proto in range(6):
    p = pickle.dumps(value, proto)
    out.write(len(p).to_bytes(8, 'little'))
    out.write(p)
`;

/**
 * Items of the list (the stress size, test/support/budget.ts): at the quick size, every pickle is
 * still past 4 segments (5.1 MiB at protocol 5, with the payloads and the 3 MiB bytes).
 */
const ITEMS = size(15_000, 60_000);

function pythonPickles(): Uint8Array[] {
  const raw = execFileSync(PYTHON, ['-c', PY_VALUE, String(ITEMS)], { maxBuffer: 1 << 30 });
  const pickles: Uint8Array[] = [];
  for (let at = 0; at < raw.length; ) {
    const n = Number(raw.readBigUInt64LE(at));
    pickles.push(new Uint8Array(raw.buffer, raw.byteOffset + at + 8, n));
    at += 8 + n;
  }
  return pickles;
}

const pickles = pythonPickles();

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('a pickle of many segments is the bytes CPython writes, at every protocol', () => {
  assert.equal(pickles.length, 6);
  for (let protocol = 0; protocol <= 5; protocol++) {
    const expected = pickles[protocol]!;
    assert.ok(expected.length > 4 * SEGMENT_SIZE, `protocol ${protocol}: the pickle spans several segments`);
    const value = loads(expected);
    const got = dumps(value, { protocol });
    assert.equal(firstDifference(got, expected), -1, `protocol ${protocol}: first difference`);
    // A plain Uint8Array with an ArrayBuffer of its own, of exactly its size (its memory is not zeroed first).
    assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
    assert.equal(got.byteOffset, 0);
    assert.equal(got.buffer.byteLength, expected.length);
    // The shared buffers of dumps are reused: a second dump gives the same bytes.
    assert.equal(firstDifference(dumps(value, { protocol }), expected), -1, `protocol ${protocol}: again`);
  }
});

test('dumpChunks gives the same bytes in pieces, large payloads by reference and no piece over a segment otherwise', () => {
  for (const protocol of [2, 3, 5]) {
    const expected = pickles[protocol]!;
    const value = loads(expected) as unknown[];
    const payloads = new Set(value.filter((v) => v instanceof Uint8Array && v.length >= 65536));
    const copies: Uint8Array[] = [];
    let byReference = 0;
    let oversized = 0;
    for (const piece of dumpChunks(value, { protocol })) {
      // A piece is valid until the next one is asked for: keep a copy.
      copies.push(piece.slice());
      if (payloads.has(piece)) byReference++;
      else if (piece.length > 2 * SEGMENT_SIZE) oversized++;
    }
    assert.equal(firstDifference(concat(copies), expected), -1, `protocol ${protocol}`);
    // Below protocol 3 bytes are written as Latin-1 text (`_codecs.encode`): no payload to hand over.
    const handed = protocol >= 3 ? payloads.size : 0;
    assert.equal(byReference, handed, `protocol ${protocol}: every large payload handed over as it is`);
    // Other pieces stay within two segments, but for a string too long for one, written in a buffer of its
    // own size: below protocol 3 the 3 MiB bytes is such a string (its Latin-1 text, 4.5 MiB in UTF-8).
    assert.equal(oversized, protocol < 3 ? 1 : 0, `protocol ${protocol}: pieces over two segments`);
  }
});

test('a streamed dump stops at the first value it cannot pickle, and the next dump is whole', () => {
  const bad = [...Array(200000).keys(), () => 1];
  assert.throws(() => [...dumpChunks(bad)], /cannot pickle a function/);
  const expected = pickles[5]!;
  assert.equal(firstDifference(concat([...dumpChunks(loads(expected))].map((p) => p.slice())), expected), -1);
});

test('dumpFile and dumpFileSync write the pickle as it is made, and Python loads the files', async () => {
  const expected = pickles[5]!;
  const value = loads(expected);
  const a = join(dir, 'a.pkl');
  const b = join(dir, 'b.pkl');
  await dumpFile(a, value, { fsync: false });
  dumpFileSync(b, value, { fsync: false });
  assert.equal(firstDifference(new Uint8Array(fs.readFileSync(a)), expected), -1);
  assert.equal(firstDifference(new Uint8Array(fs.readFileSync(b)), expected), -1);
  const check = execFileSync(
    PYTHON,
    [
      '-c',
      'import pickle, sys; a, b = (pickle.load(open(p, "rb")) for p in sys.argv[1:]); print(len(a), a == b)',
      a,
      b,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(check.trim(), `${(value as unknown[]).length} True`);
});

test('a pickle of one buffer past 64 KiB is the bytes CPython writes, in an ArrayBuffer of its own', () => {
  const python = pythonCases(`
import pickle
cases = {'f': pickle.dumps([(i + 0.5) / 7 for i in range(20000)], 5)}
`);
  const got = dumps(
    Array.from({ length: 20000 }, (_, i) => (i + 0.5) / 7),
    { protocol: 5 },
  );
  const expected = python.get('f')!;
  assert.ok(expected.length > 64 * 1024 && expected.length < SEGMENT_SIZE);
  assert.equal(firstDifference(got, expected), -1);
  assert.equal(Object.getPrototypeOf(got), Uint8Array.prototype);
  assert.equal(got.byteOffset, 0);
  assert.equal(got.buffer.byteLength, expected.length);
});
