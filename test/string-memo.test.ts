/**
 * The pickler's memo of strings by value (src/string-memo.ts), on its own:
 * every string recorded is found again at its memo index, through each of
 * its tiers (the first tier's arrays, the `Map`, the open-addressing table)
 * and each growth of the table, by each way the pickler records strings
 * (`get` then `set`, `getHashed` then `set`, `lookupOrAdd`), and again after
 * `clear` with the table kept for reuse. The dumps tests compare whole
 * pickles with python3's; this one names the entry that was lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashString, StringMemo } from '../src/string-memo.js';

/** Past the first tier (64), the Map (2048) and three growths of the table (4096, 8192, 16384 entries). */
const N = 20_000;

type Record = (memo: StringMemo, s: string, value: number) => void;

const WAYS: [string, Record][] = [
  [
    'get then set',
    (memo, s, value) => {
      assert.equal(memo.get(s), -1, `${s} found before it was recorded`);
      memo.set(s, value);
    },
  ],
  [
    'getHashed then set',
    (memo, s, value) => {
      assert.equal(memo.getHashed(s, hashString(s)), -1, `${s} found before it was recorded`);
      memo.set(s, value);
    },
  ],
  [
    'lookupOrAdd',
    (memo, s, value) => {
      assert.equal(memo.lookupOrAdd(s, value), -1, `${s} found before it was recorded`);
    },
  ],
];

function fill(memo: StringMemo, record: Record, prefix: string): void {
  for (let i = 0; i < N; i++) record(memo, `${prefix}${i}`, 3 * i + 1);
}

function lost(memo: StringMemo, prefix: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) if (memo.get(`${prefix}${i}`) !== 3 * i + 1) out.push(i);
  return out;
}

for (const [way, record] of WAYS) {
  test(`every string recorded by ${way} is found at its index, across the tiers and each growth of the table`, () => {
    const memo = new StringMemo();
    fill(memo, record, 's');
    assert.deepEqual(lost(memo, 's'), []);
    assert.equal(memo.size, N);
    // Again in the table that clear() keeps, with other strings.
    memo.clear();
    assert.equal(memo.get('s0'), -1);
    fill(memo, record, 't');
    assert.deepEqual(lost(memo, 't'), []);
  });
}
