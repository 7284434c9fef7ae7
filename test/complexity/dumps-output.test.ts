/**
 * Complexity of the pickler's output past one segment of the writer (1 MiB):
 * the cost of `dumps` and of the streamed dump at n and 4n, where the output
 * at 4n spans several segments. A frame is committed only when an item is
 * saved, so closing a deep nest writes its closing opcodes (TUPLE1 MEMOIZE,
 * APPEND) into one open frame that outgrows a segment; that frame must grow
 * by doubling, not by the bytes asked for (a copy of the whole frame per
 * opcode, quadratic: a tuple nested 640,000 deep took minutes).
 *
 * Same measurement as test/complexity/opcodes.test.ts (see
 * test/support/linear.ts): CPU time, equal work on both sides, a ratio below
 * 8 from n to 4n.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpChunks, dumps } from '../../src/pickler.js';
import { tuple } from '../../src/types/tuple.js';
import { size } from '../support/budget.js';
import { describeRatio, LINEAR, scaling } from '../support/linear.js';

/** Bytes of one segment of the writer: the sizes below put the output at 4n past it. */
const SEGMENT = 1024 * 1024;

/**
 * The sizes: under `npm test`, n such that the output at 4n is 10-20% past a
 * segment (a frame copied whole per opcode past the segment is already
 * hundreds of times the linear cost there); under `npm run fuzz`, larger.
 */
const N = {
  tuple: size(145_000, 160_000), // 2 bytes a level: 1.16 MB at 4n
  list: size(100_000, 120_000), // 3 bytes a level: 1.2 MB at 4n
  // 6 bytes a level at protocol 2. Not smaller: from n to 4n the output goes from one segment to
  // several, a step in the cost that an n with 4n just past a segment reads as a ratio near 8.
  list2: 120_000,
  ints: size(60_000, 100_000), // 5 bytes an int: 1.2 MB at 4n
};

function nestedTuple(n: number): object {
  let v: object = tuple();
  for (let i = 0; i < n; i++) v = tuple(v);
  return v;
}

function nestedList(n: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** Every piece of the streamed dump, counted (pieces are reused, so only their sizes are kept). */
function streamed(value: unknown): number {
  let bytes = 0;
  for (const piece of dumpChunks(value)) bytes += piece.length;
  return bytes;
}

/**
 * Asserts a ratio below LINEAR from n to 4n, and returns the length of the
 * output `run` gave for the input of size 4n (the same runs measured, so
 * that the size of the output is checked without making and dumping the
 * large input once more).
 */
function assertScales<T extends object>(
  what: string,
  n: number,
  make: (n: number) => T,
  run: (input: T) => number,
): number {
  const sizes = new WeakMap<T, number>();
  const outputs = new Map<number, number>();
  const made = (k: number) => {
    const input = make(k);
    sizes.set(input, k);
    return input;
  };
  const measured = (input: T) => {
    const length = run(input);
    outputs.set(sizes.get(input) ?? -1, length);
    return length;
  };
  const r = scaling(n, made, measured, { pairs: 2 });
  assert.ok(r.ratio < LINEAR, r.measured.map((m) => describeRatio(what, m)).join('; then '));
  return outputs.get(4 * n) ?? 0;
}

// A superlinear path here is slow enough to take minutes: the timeout turns that into a failure.
describe('dumps past one segment of output scales linearly', { timeout: 240_000 }, () => {
  it('a tuple nested n deep (2 bytes a level, one open frame while the nest closes)', () => {
    const large = assertScales('dumps of a nested tuple', N.tuple, nestedTuple, (v) => dumps(v).length);
    assert.ok(large > SEGMENT, `${large} bytes at 4n`);
  });

  it('a list nested n deep, protocol 5 and protocol 2 (no frames)', () => {
    const large = assertScales('dumps of a nested list', N.list, nestedList, (v) => dumps(v).length);
    assert.ok(large > SEGMENT, `${large} bytes at 4n`);
    assertScales(
      'dumps of a nested list, protocol 2',
      N.list2,
      nestedList,
      (v) => dumps(v, { protocol: 2 }).length,
    );
  });

  it('the streamed dump of a nested tuple and of a flat list of ints', () => {
    assertScales('streamed nested tuple', N.tuple, nestedTuple, streamed);
    const ints = (n: number) => Array.from({ length: n }, (_, i) => i * 7919);
    const large = assertScales('streamed list of ints', N.ints, ints, streamed);
    assert.ok(large > SEGMENT, `${large} bytes at 4n`);
  });

  it('a list of bytes payloads of 64 KiB and more (taken by reference)', () => {
    const payload = new Uint8Array(80 * 1024).fill(7);
    const make = (n: number) => Array.from({ length: n }, () => payload.subarray(0, 70 * 1024 + (n % 7)));
    assertScales('dumps of a list of large bytes', 16, make, (v) => dumps(v).length);
  });
});
