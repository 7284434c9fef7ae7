/**
 * The UTF-8 of strings of 32 to 512 units dumped recently is kept (see
 * `utf8Cached` in writer.ts) and copied when a small dump meets the same
 * string again. Every dump below, in the order given (the cache's state
 * carries from one to the next: misses, hits, a full pool replaced, the cache
 * stepping aside after misses in a row), must give the bytes CPython writes
 * for the same value, at every protocol, whatever the cache holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps } from '../src/index.js';
import { Pickler } from '../src/pickler.js';
import { UTF8_CACHE_MIN } from '../src/writer.js';
import { assertSameHex, runPython } from './support/python.js';

/** CPython's pickle of each JSON value (equal strings one object) at protocols 0-5, as hex: [value][protocol]. */
function pythonHex(values: unknown[]): string[][] {
  const code = `
import json, pickle, sys
def conv(v, seen):
    if isinstance(v, list):
        return [conv(x, seen) for x in v]
    if isinstance(v, dict):
        return {conv(k, seen): conv(x, seen) for k, x in v.items()}
    if isinstance(v, str):
        return seen.setdefault(v, v)
    return v
for v in json.load(sys.stdin):
    print(' '.join(pickle.dumps(conv(v, {}), p).hex() for p in range(6)))
`;
  return runPython(code, [], JSON.stringify(values))
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
}

const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

/** A deterministic string of `n` units drawn from `alphabet` (units, so a pair may be cut: lone surrogates). */
function text(seed: number, n: number, alphabet: string): string {
  let s = '';
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += alphabet[(x >>> 16) % alphabet.length];
  }
  return s.slice(0, n);
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-';
const WIDE = 'aé日\u00ff\u0100\u07ff\u0800\uffffß😀🐍\ud800\udc00';

/** One unit short of the cache's shortest string. */
const xs = 'x'.repeat(UTF8_CACHE_MIN - 1);
/** Strings at the cache's length limits (UTF8_CACHE_MIN and 512 units) and the short string loop's (85), each side. */
const edges = [
  text(1, UTF8_CACHE_MIN - 1, ASCII),
  text(2, UTF8_CACHE_MIN, ASCII),
  text(3, UTF8_CACHE_MIN + 1, ASCII),
  `${xs}é`,
  `é${xs}`,
  `${xs.slice(1)}😀`,
  `\ud800${xs}`,
  `${xs}\ud800`,
  `${xs.slice(1)}\udc00\ud800`,
  text(4, 85, WIDE),
  text(5, 86, WIDE),
  text(6, 86, ASCII),
  text(7, 511, WIDE),
  text(8, 512, WIDE),
  text(9, 513, WIDE),
  text(10, 512, ASCII),
];

/** A dict of the strings as keys and values (the entry loop), a list (the list loops), a nested list (#save). */
function shapes(strings: string[]): unknown[] {
  const record: Record<string, unknown> = {};
  strings.forEach((s, i) => {
    record[`k${i}${s}`] = s;
  });
  return [strings, record, [1, [strings[0], 2.5, strings], null, strings.at(-1)]];
}

const sequence: unknown[] = [];
// Misses, then hits of the same strings, in every shape.
for (let round = 0; round < 3; round++) sequence.push(...shapes(edges));
// A string changed between dumps: the same length, one unit different (a pair against lone surrogates too).
for (const tail of ['a', 'b', 'é', 'ê', '\ud83d\ude00', '\ud83d\ude01', '\ud83d', '\ude00', 'a']) {
  sequence.push([`${xs}${tail}`, `${tail}${xs}`], { [`${xs}${tail}`]: `${tail}${xs}` });
}
// Equal strings made apart (not one object): the same bytes.
sequence.push([['ab'.repeat(15), ['a', 'b'].join('').repeat(15)].join('|')], ['ab'.repeat(15)]);
// Enough distinct strings, each met again, to fill the pool several times, with earlier ones met again between.
const many: string[][] = [];
for (let i = 0; i < 60; i++)
  many.push(Array.from({ length: 10 }, (_, j) => text(100 + 10 * i + j, 60, WIDE)));
for (let i = 0; i < many.length; i++) sequence.push(many[i], many[i], many[(i * 7) % (i + 1)], many[i >> 1]);
sequence.push(...many, ...many.slice(0, 5), edges, ...many.slice(-3));
// Misses in a row past the point where the cache steps aside, then strings it held, then new ones.
for (let i = 0; i < 300; i++) sequence.push([text(5000 + i, 40, ASCII), i]);
sequence.push(edges, many[59]!, [text(9000, 40, WIDE), text(9001, 40, WIDE)], edges);
// More strings than the memo's size where the cache is used, met again (GETs of the memo).
const wide = Array.from({ length: 200 }, (_, i) => text(20000 + i, 36, i % 2 === 0 ? ASCII : WIDE));
sequence.push([...wide, ...wide], wide.slice(0, 30));

const expected = pythonHex(sequence);

test('every dump in the sequence gives CPython bytes, at every protocol, as lists, plain objects and Maps', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    sequence.forEach((value, i) => {
      const want = expected[i]![protocol]!;
      assertSameHex(hex(dumps(value, { protocol })), want, `value ${i} at protocol ${protocol}`);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const map = new Map(Object.entries(value));
        assertSameHex(hex(dumps(map, { protocol })), want, `value ${i} as a Map at protocol ${protocol}`);
      }
    });
  }
});

test('the protocols interleaved: a string cached by one protocol is written by another', () => {
  for (let i = 0; i < sequence.length; i += 7) {
    for (const protocol of [5, 2, 4, 1, 3, 0, 5]) {
      assertSameHex(
        hex(dumps(sequence[i], { protocol })),
        expected[i]![protocol]!,
        `value ${i} at protocol ${protocol}`,
      );
    }
  }
});

test('a Pickler whose memo outlives dumps writes the cached strings, then reads them from its memo', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    const pickler = new Pickler({ protocol });
    const first = hex(pickler.dump(edges));
    assertSameHex(first, expected[sequence.indexOf(edges)]![protocol]!, `first dump at protocol ${protocol}`);
    const again = hex(pickler.dump(edges));
    // The second pickle reads the list from the memo: no string is written again.
    assert.ok(again.length < 40, `second dump at protocol ${protocol}: ${again}`);
    pickler.clearMemo();
    assertSameHex(hex(pickler.dump(edges)), first, `after clearMemo at protocol ${protocol}`);
  }
});
