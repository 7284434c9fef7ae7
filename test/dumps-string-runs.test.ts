/**
 * Runs of short strings in a list (and the numbers, None and bools among
 * them) are written by one loop at protocol 4+ (the memo read,
 * SHORT_BINUNICODE and MEMOIZE, the frame checked inline), in lists saved by
 * recursion and in the batches of long lists alike. Each case must give the
 * bytes CPython writes for the same list (its equal strings made one object,
 * as brine memoizes strings by value), at every protocol.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads } from '../src/index.js';
import { DUMP_CHUNKS, Pickler } from '../src/pickler.js';
import { runPython } from './support/python.js';

/**
 * CPython's pickle of each JSON value at each of `protocols` (hex, by protocol; equal strings
 * interned into one object), from one python3 process.
 */
function pythonHexAt(values: unknown[], protocols: readonly number[]): string[][] {
  const code = `
import json, pickle, sys
seen = {}
def conv(v):
    if isinstance(v, list):
        return [conv(x) for x in v]
    if isinstance(v, dict):
        return {conv(k): conv(x) for k, x in v.items()}
    if isinstance(v, str):
        return seen.setdefault(v, v)  # one object per value, lone surrogates included
    return v
for v in json.load(sys.stdin):
    out = []
    for p in sys.argv[1:]:
        seen = {}
        out.append(pickle.dumps(conv(v), int(p)).hex())
    print(' '.join(out))
`;
  const lines = runPython(code, protocols.map(String), JSON.stringify(values))
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  return protocols.map((_, i) => lines.map((hexes) => hexes[i]!));
}

const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

/** The whole output of the streaming dump (frames only), its pieces handed out once 4 KiB wait. */
function streamed(value: unknown, protocol: number): string {
  const pieces = [...new Pickler({ protocol })[DUMP_CHUNKS](value, 4096)].map((piece) => Buffer.from(piece));
  return Buffer.concat(pieces).toString('hex');
}

/** A deterministic string of `n` units drawn from `alphabet`. */
function text(seed: number, n: number, alphabet: string): string {
  let s = '';
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += alphabet[(x >>> 16) % alphabet.length];
  }
  return s;
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-';
const WIDE = 'aé日\u00ff\u0100\u07ff\u0800\uffffß😀🐍';

const values: unknown[] = [
  [],
  [''],
  ['a', 'a', 'b', 'a', ''],
  // The length limit of the loop (85 units) and past it, ASCII and not.
  [text(1, 84, ASCII), text(2, 85, ASCII), text(3, 86, ASCII), text(2, 85, ASCII), text(3, 86, ASCII)],
  [text(4, 85, WIDE), text(5, 86, WIDE), text(6, 40, WIDE), text(4, 85, WIDE)],
  // Non-ASCII at the start, the middle and the end; surrogate pairs; lone surrogates.
  ['éabc', 'abcé', 'abécd', '😀', 'a😀b', '\ud800', 'a\udc00', '\udbff\udfff', 'x\ud800y', '\ud800'],
  // Runs broken by other items, strings met again after them.
  ['s1', 1, 's2', 2.5, 's1', null, true, ['s2', 's3'], { s3: 's1' }, 's3', -7, 's4', 70000, 's2'],
  [1, 2, 3, 'x', 'y', 4.5, 'x', [1, 'x'], 'z'],
  // Lists of strings inside dicts and lists, a few levels down.
  {
    tags: ['admin', 'gamma', 'beta', 'admin'],
    nested: [
      ['a', 'b'],
      ['b', 'c', ['c', 'd', 'a']],
    ],
  },
  // Numbered names: many share the string memo's quick hash (length, first, middle and last unit), and
  // are found again through their slot's chain, within the memo's first 64 strings and past them.
  (() => {
    const names = Array.from({ length: 60 }, (_, i) => `abcd${i}`);
    return [...names, ...names.toReversed(), names[10], names[20], names[30]];
  })(),
  (() => {
    const names = Array.from({ length: 40 }, (_, i) => `item_${i % 4}${i}`);
    return [names, Object.fromEntries(names.map((name, i) => [`k${i % 10}${i}`, name])), names.toReversed()];
  })(),
  Array.from({ length: 150 }, (_, i) => `user_${(i * 7) % 90}`),
  // A long list (batches of 1000, the work stack) with strings met again across batches.
  Array.from({ length: 2600 }, (_, i) =>
    i % 7 === 0 ? `r${i % 50}` : text(i, 1 + (i % 30), i % 11 === 0 ? WIDE : ASCII),
  ),
  // Runs that cross the 64 KiB frame boundary several times (a frame committed inside a run).
  Array.from({ length: 3000 }, (_, i) => text(i + 7, 80, i % 5 === 0 ? WIDE : ASCII)),
  // A short list whose strings alone pass 64 KiB (saved by recursion, the frame committed inside the run).
  Array.from({ length: 900 }, (_, i) => text(i + 9, 85, ASCII)),
  // None and bools in the runs: alone, at a run's start and end, between numbers and strings, in
  // nested lists and in the batches of a long list.
  [null],
  [true, false, null, null, true],
  [null, 1, 'a', false, 2.5, true, 'a', null, -3, 70000, false],
  [1, 2, true, 'x', [null, false, 'x', [true]], null, 'y', false],
  Array.from({ length: 2500 }, (_, i) => [null, true, false, i, `s${i % 40}`, 0.5][(i * 7) % 6]),
];

/** CPython's pickles of `values` at protocols 0-5, asked of one python3 process by the first test that needs them. */
let valuesHex: string[][] | undefined;

for (const protocol of [0, 1, 2, 3, 4, 5]) {
  test(`runs of strings in lists give CPython's bytes at protocol ${protocol}`, () => {
    valuesHex ??= pythonHexAt(values, [0, 1, 2, 3, 4, 5]);
    const expected = valuesHex[protocol]!;
    assert.equal(expected.length, values.length);
    values.forEach((value, k) => {
      assert.equal(hex(dumps(value, { protocol })), expected[k], `value ${k}`);
      // Again: the memos and the slab were emptied by the first call.
      assert.equal(hex(dumps(value, { protocol })), expected[k], `value ${k}, second call`);
    });
  });
}

test('the streaming dump writes the same runs of strings as dumps()', () => {
  for (const protocol of [4, 5]) {
    for (const value of values.slice(-3))
      assert.equal(streamed(value, protocol), hex(dumps(value, { protocol })));
  }
});

test('an exact load of strings that were distinct objects dumps to its original bytes', () => {
  // Equal strings written twice (distinct objects in Python) and once memoized: the record of the
  // exact load, not the run loop, decides how each is written.
  const code = `
import pickle, sys
a = ''.join(['ab', 'c']); b = ''.join(['a', 'bc']); c = ''.join(['é', 'x'])
v = [a, b, a, 'zz', c, ''.join(['é', 'x']), 'zz', [b, a]]
print(pickle.dumps(v, int(sys.argv[1])).hex())
`;
  for (const protocol of [2, 4, 5]) {
    const original = runPython(code, [String(protocol)], '').trim();
    const value = loads(Buffer.from(original, 'hex'), { exact: true });
    assert.equal(hex(dumps(value, { protocol })), original, `protocol ${protocol}`);
  }
});
