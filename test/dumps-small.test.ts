/**
 * The paths of a small dump, against CPython and against brine's own work
 * stack: lists and dicts of fewer items than a batch are saved by recursion
 * (a few levels deep) instead of frames, small results are written straight
 * into a slab shared by small results, and the tuple memo empties only the
 * slots its entries used. Each must give the bytes CPython writes, call after
 * call, and an error inside must name the same path as the frames do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, Pickler, tuple } from '../src/index.js';
import { hex, streamed, thrown } from './support/dumps-python.js';
import { runPython } from './support/python.js';

/** CPython's pickle of each JSON value (a list starting with '__tuple__' is a tuple where `tuples` says so), as hex. */
function pythonHex(values: unknown[], protocol: number, tuples = false): string[] {
  return pythonHexAt(values, [protocol], tuples)[0]!;
}

/** CPython's pickles of each value at each of `protocols` (hex, by protocol), from one python3 process. */
function pythonHexAt(values: unknown[], protocols: readonly number[], tuples = false): string[][] {
  const code = `
import json, pickle, sys
def conv(v):
    if isinstance(v, list):
        items = [conv(x) for x in v]
        if ${tuples ? 'True' : 'False'} and len(items) > 0 and items[0] == '__tuple__':
            return tuple(items[1:])
        return items
    if isinstance(v, dict):
        return {sys.intern(k): conv(x) for k, x in v.items()}
    if isinstance(v, str):
        return sys.intern(v)  # one object per value, as brine memoizes strings by value
    return v
for v in json.load(sys.stdin):
    print(' '.join(pickle.dumps(conv(v), int(p)).hex() for p in sys.argv[1:]))
`;
  const lines = runPython(code, protocols.map(String), JSON.stringify(values))
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  return protocols.map((_, i) => lines.map((hexes) => hexes[i]!));
}

test('containers saved by recursion and by frames write the same bytes, at every depth, as CPython', () => {
  // Nests of lists and dicts around atoms, 1 to 12 levels (the recursion stops at 8), strings met again.
  const values: unknown[] = [];
  for (let depth = 1; depth <= 12; depth++) {
    let v: unknown = ['leaf', depth, 1.5, null, true];
    for (let d = 0; d < depth; d++) v = d % 2 === 0 ? { [`k${d}`]: v, s: 'xy', n: d } : [v, 'xy', d];
    values.push(v);
  }
  // Sizes around a batch: 999 items are one batch saved by recursion, 1000 and 1001 go to frames.
  for (const n of [1, 2, 999, 1000, 1001]) {
    values.push(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `s${i % 7}` : [i])));
    values.push(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i % 2 === 0 ? [i] : 's'])));
  }
  const byProtocol = pythonHexAt(values, [1, 2, 4, 5]);
  for (const [at, protocol] of [1, 2, 4, 5].entries()) {
    const expected = byProtocol[at]!;
    values.forEach((value, i) => {
      assert.equal(hex(dumps(value, { protocol })), expected[i], `value ${i}, protocol ${protocol}`);
      assert.equal(hex(streamed(value, protocol)), expected[i], `value ${i} streamed, protocol ${protocol}`);
      // The same as Maps (an exact load's dicts).
      const exact = loads(Buffer.from(expected[i]!, 'hex'), { exact: true });
      assert.equal(hex(dumps(exact, { protocol })), expected[i], `value ${i} as Maps, protocol ${protocol}`);
    });
  }
});

test('an error inside containers saved by recursion names the path the frames name', () => {
  const bad = () => 1;
  const cases: [unknown, string][] = [];
  // Lists, plain objects and Maps around the bad value, 1 to 12 levels deep (past the recursion's 8).
  for (let depth = 1; depth <= 12; depth++) {
    let v: unknown = [0, 'a', bad];
    let path = '[2]';
    for (let d = 0; d < depth; d++) {
      if (d % 3 === 0) {
        v = { before: 1, k: v };
        path = `.k${path}`;
      } else if (d % 3 === 1) {
        v = new Map<unknown, unknown>([
          [1, 'x'],
          [7, v],
        ]);
        path = `[7]${path}`;
      } else {
        v = ['x', 'y', v];
        path = `[2]${path}`;
      }
    }
    cases.push([v, `root${path}`]);
  }
  // A frame (a tuple of containers, a Set, a frozen tuple) between containers saved by recursion.
  cases.push([{ a: [1, tuple<unknown>(2, [3, { b: bad }])] }, 'root.a[1][1][1].b']);
  cases.push([[new Set([1]), { s: new Set([tuple<unknown>(1, bad)]) }], 'root[1].s{...}[1]']);
  cases.push([new Map([['m', [[[[[[[[[[bad]]]]]]]]]]]]), 'root.m[0][0][0][0][0][0][0][0][0][0]']);
  for (const [value, path] of cases) {
    for (const protocol of [0, 2, 5]) {
      // The streaming dump has frames only (below protocol 4 a set is a call of `set`: another path).
      const framed = thrown(() => streamed(value, protocol)).path;
      if (protocol === 5) assert.equal(framed, path, 'streamed');
      assert.equal(thrown(() => dumps(value, { protocol })).path, framed, `protocol ${protocol}`);
      assert.equal(
        thrown(() => new Pickler({ protocol }).dump(value)).path,
        framed,
        `Pickler, protocol ${protocol}`,
      );
    }
  }
  // The next dump is whole.
  assert.deepEqual(loads(dumps({ a: [1, 2] })), { a: [1, 2] });
});

test('small dumps after a dump of many tuples give CPython’s bytes (the tuple memo is emptied slot by slot)', () => {
  const many = Array.from({ length: 6000 }, (_, i) => ['__tuple__', i, `w${i % 50}`, i / 4]);
  const small = [
    [
      ['__tuple__', 1, 'a'],
      ['__tuple__', 1, 'a'],
    ],
    { p: ['__tuple__', 0, 0], q: ['__tuple__', 0, 0], r: ['__tuple__', 'x'] },
    [['__tuple__', 5, 'w5', 1.25]],
  ];
  const values = [many, ...small];
  const expected = pythonHex(values, 5, true);
  const toValue = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      if (v[0] === '__tuple__') return tuple(...v.slice(1).map(toValue));
      return v.map(toValue);
    }
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toValue(x)]));
    return v;
  };
  // Equal tuples are distinct objects in Python (the JSON made them): distinct arrays here too.
  const built = values.map(toValue);
  for (let round = 0; round < 3; round++) {
    built.forEach((value, i) => {
      assert.equal(hex(dumps(value, { protocol: 5 })), expected[i], `value ${i}, round ${round}`);
    });
    // The same small values again, in another order.
    for (let i = built.length - 1; i >= 1; i--)
      assert.equal(hex(dumps(built[i], { protocol: 5 })), expected[i]);
  }
  // A frozen array whose items are getters (hashed twice, it may hash differently): the memo still empties.
  let flip = 0;
  const odd = Object.freeze(
    Object.defineProperty([0], 0, {
      get: () => flip++,
      enumerable: true,
    }),
  );
  dumps([odd, odd], { protocol: 5 });
  small.forEach((_, k) => {
    assert.equal(hex(dumps(built[k + 1], { protocol: 5 })), expected[k + 1], `after the getter tuple: ${k}`);
  });
});

test('results written into the slab of small results stay intact, across slabs and nested dumps', () => {
  // Strings of lengths that make the results cross 1 KiB (a buffer of their own) and the 8 KiB slab.
  const values: unknown[] = [];
  for (let i = 0; i < 120; i++) {
    const n = (i * 37) % 160;
    values.push([
      'r',
      i,
      'x'.repeat(n),
      Array.from({ length: i % 9 }, (_, j) => `s${j}`.repeat(1 + ((i + j) % 40))),
    ]);
  }
  values.push(['big', 'y'.repeat(20_000)], ['huge', 'z'.repeat(100_000)], ['giant', 'g'.repeat(3_000_000)]);
  const expected = pythonHex(values, 5);
  const results = values.map((value) => dumps(value, { protocol: 5 }));
  // A dump that calls dumps() in a getter at several points, its own output crossing the slab's end.
  const nested: Uint8Array[] = [];
  const withGetters = {
    a: 'a'.repeat(100),
    get b() {
      nested.push(dumps(values[3], { protocol: 5 }));
      return 'b'.repeat(3000);
    },
    get c() {
      for (let k = 0; k < 20; k++) nested.push(dumps(values[k], { protocol: 5 }));
      return 'c'.repeat(9000);
    },
    d: 'd'.repeat(10),
  };
  const outer = dumps(withGetters, { protocol: 5 });
  const plain = { a: withGetters.a, b: 'b'.repeat(3000), c: 'c'.repeat(9000), d: withGetters.d };
  const [plainHex] = pythonHex([plain], 5);
  assert.equal(hex(outer), plainHex);
  nested.forEach((data, k) => {
    assert.equal(hex(data), expected[k === 0 ? 3 : k - 1], `nested dump ${k}`);
  });
  // Every result read after all the calls.
  results.forEach((data, i) => {
    assert.equal(hex(data), expected[i], `result ${i}`);
    if (data.length <= 1024) assert.equal(data.buffer.byteLength, 8192, `result ${i} is in a slab`);
  });
});
