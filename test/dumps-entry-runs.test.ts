/**
 * The entries of small dicts, plain objects and Maps alike, are written by
 * run loops: short str keys and values that are numbers, short strs, bools
 * or None without `#save`, a Map read by its key and value iterators in step,
 * a plain object's values read one at a time as their keys are written. Each
 * dump must be the bytes CPython writes (a str met again is a BINGET where
 * CPython writes one), at every protocol, call after call, with getters run
 * in key order when their value is saved, and errors naming the path the
 * frames name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, tuple } from '../src/index.js';
import { runs, seed } from './support/budget.js';
import { hex, streamed, thrown } from './support/dumps-python.js';
import { runPython } from './support/python.js';

/**
 * A JSON description of a value for python3: ints as {"i": text}, floats as
 * {"f": repr}, strs as {"s": text} (interned: brine memoizes strs by value),
 * lists {"l"}, tuples {"t"}, dicts {"d": [[k, v] ...]}; each container gets
 * an id at its first meeting and is {"ref": id} after, so shared containers
 * are one object in Python too.
 */
function describe(value: unknown, ids = new Map<object, number>()): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Object.is(value, -0)) return { i: BigInt(value).toString() };
    return { f: Object.is(value, -0) ? '-0.0' : String(value) };
  }
  if (typeof value === 'bigint') return { i: String(value) };
  if (typeof value === 'string') return { s: value };
  const obj = value as object;
  const known = ids.get(obj);
  if (known !== undefined) return { ref: known };
  const id = ids.size;
  ids.set(obj, id);
  if (Array.isArray(obj)) {
    const items = obj.map((item) => describe(item, ids));
    return Object.isFrozen(obj) ? { id, t: items } : { id, l: items };
  }
  const entries = obj instanceof Map ? [...obj] : Object.entries(obj);
  return { id, d: entries.map(([k, v]) => [describe(k, ids), describe(v, ids)]) };
}

const PYTHON_CONV = `
import json, pickle, sys
def conv(d, objs):
    if d is None or isinstance(d, bool):
        return d
    if 'ref' in d:
        return objs[d['ref']]
    if 'i' in d:
        return int(d['i'])
    if 'f' in d:
        return float(d['f'])
    if 's' in d:
        return sys.intern(d['s'])
    if 'l' in d:
        out = []
        objs[d['id']] = out
        out.extend(conv(x, objs) for x in d['l'])
        return out
    if 't' in d:
        out = tuple(conv(x, objs) for x in d['t'])
        objs[d['id']] = out
        return out
    out = {}
    objs[d['id']] = out
    for k, v in d['d']:
        key = conv(k, objs)
        out[key] = conv(v, objs)
    return out
`;

/** CPython's pickle of each value at `protocol`, as hex. */
function pythonHex(values: unknown[], protocol: number): string[] {
  return pythonHexAt(values, [protocol])[0]!;
}

/** CPython's pickles of each value at each of `protocols` (hex, by protocol), from one python3 process. */
function pythonHexAt(values: unknown[], protocols: readonly number[]): string[][] {
  const code = `${PYTHON_CONV}
protocols = [int(p) for p in sys.argv[1:]]
for line in sys.stdin:
    v = json.loads(line)
    print(' '.join(pickle.dumps(conv(v, {}), p).hex() for p in protocols))
`;
  const input = values.map((v) => JSON.stringify(describe(v))).join('\n');
  const lines = runPython(code, protocols.map(String), `${input}\n`)
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  return protocols.map((_, i) => lines.map((hexes) => hexes[i]!));
}

/** A small deterministic generator (mulberry32). */
function random(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys and strs around the short limit (85 units), non-ASCII and astral, few enough to meet again. */
const TEXTS = [
  '',
  'a',
  'id',
  'name',
  'é',
  'Chloé',
  '日本語',
  '𝄞x',
  'k'.repeat(84),
  'k'.repeat(85),
  'k'.repeat(86),
  'é'.repeat(85),
  'w'.repeat(200),
];

/** A random value: dicts (plain objects or Maps) of every value kind at every position, shared parts. */
function randomValue(next: () => number, depth: number, shared: unknown[]): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 12 : 16));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.floor(next() * 300) - 20;
    case 3:
      return [0x7fffffff, -0x80000000, 0x80000000, 2 ** 40, -(2 ** 53), 65535, 65536][Math.floor(next() * 7)];
    case 4:
      return [1.5, -0.25, 1e300, -0, 0.1][Math.floor(next() * 5)];
    case 5:
    case 6:
    case 7:
      return TEXTS[Math.floor(next() * TEXTS.length)];
    case 8:
      return undefined;
    case 9:
      return 2n ** 70n;
    case 10:
      return shared.length > 0 && next() < 0.7 ? shared[Math.floor(next() * shared.length)] : 'fresh';
    case 11:
      return tuple<unknown>(Math.floor(next() * 5), TEXTS[Math.floor(next() * 4)]);
    case 12: {
      const list = Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1, shared));
      if (next() < 0.3) shared.push(list);
      return list;
    }
    default: {
      const n = Math.floor(next() * 7);
      const asMap = next() < 0.5;
      const map = new Map<unknown, unknown>();
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = TEXTS[Math.floor(next() * TEXTS.length)]!;
        const value = randomValue(next, depth + 1, shared);
        if (asMap) {
          // Maps may have other keys too: ints and tuples.
          const r = next();
          map.set(r < 0.15 ? i : r < 0.25 ? tuple<unknown>(i, key) : key, value);
        } else obj[key] = value;
      }
      const dict = asMap ? map : obj;
      if (next() < 0.3) shared.push(dict);
      return dict;
    }
  }
}

test('random dicts of every kind of value, shared parts and strs met again: the bytes CPython writes, protocols 0-5', () => {
  const next = random(seed(0x5eed6));
  const values: unknown[] = [];
  for (let k = 0; k < runs(60, 600); k++) {
    const shared: unknown[] = [];
    const top = randomValue(next, 0, shared);
    // A dict at the top, holding the value twice (a BINGET of it) and some shared parts.
    values.push(
      next() < 0.5
        ? { first: top, again: top, shared }
        : new Map<unknown, unknown>([
            ['v', top],
            [7, shared],
          ]),
    );
  }
  const byProtocol = pythonHexAt(values, [0, 1, 2, 3, 4, 5]);
  for (let protocol = 0; protocol <= 5; protocol++) {
    const expected = byProtocol[protocol]!;
    values.forEach((value, k) => {
      assert.equal(hex(dumps(value, { protocol })), expected[k], `value ${k} at protocol ${protocol}`);
    });
  }
});

test('a plain object and a Map of the same entries, every value kind at every position, dump alike and as CPython', () => {
  const kinds: unknown[] = [
    null,
    true,
    false,
    0,
    255,
    256,
    65536,
    -1,
    2 ** 31,
    1.5,
    -0,
    'id',
    'é',
    'k'.repeat(86),
    [],
    {},
  ];
  const values: unknown[] = [];
  for (let at = 0; at < 6; at++) {
    for (const kind of kinds) {
      const entries: [string, unknown][] = [];
      for (let i = 0; i < 6; i++) entries.push([`k${i}`, i === at ? kind : i % 2 === 0 ? 'id' : i]);
      values.push(Object.fromEntries(entries), new Map(entries));
    }
  }
  const byProtocol = pythonHexAt(values, [0, 1, 2, 3, 4, 5]);
  for (let protocol = 0; protocol <= 5; protocol++) {
    const expected = byProtocol[protocol]!;
    for (let k = 0; k < values.length; k += 2) {
      assert.equal(hex(dumps(values[k], { protocol })), expected[k], `object ${k} at protocol ${protocol}`);
      assert.equal(
        hex(dumps(values[k + 1], { protocol })),
        expected[k + 1],
        `Map ${k} at protocol ${protocol}`,
      );
      assert.equal(expected[k], expected[k + 1]);
    }
  }
});

test("a plain object's getters run in key order, each when its value is saved, after the key", () => {
  const log: string[] = [];
  const obj: Record<string, unknown> = {
    get a() {
      log.push('a');
      // Changes a later value before it is read.
      obj.b = 'changed';
      return 1;
    },
    b: 'b',
    get c() {
      log.push('c');
      // Changes an earlier value after it was written: the dump keeps what was written.
      obj.b = 'too late';
      return 'x';
    },
    get d() {
      log.push('d');
      return { inner: 'id' };
    },
  };
  const out = dumps(obj, { protocol: 5 });
  assert.deepEqual(log, ['a', 'c', 'd']);
  const [expected] = pythonHex([{ a: 1, b: 'changed', c: 'x', d: { inner: 'id' } }], 5);
  assert.equal(hex(out), expected);
  // Getters that dump inside: each nested result is its own, and the outer one is CPython's.
  const nested: Uint8Array[] = [];
  const withDumps = {
    k: 'id',
    get g() {
      nested.push(dumps({ id: 'id', n: 1 }, { protocol: 5 }));
      return 'id';
    },
    h: 'name',
  };
  const outer = dumps(withDumps, { protocol: 5 });
  const [outerHex, innerHex] = pythonHex(
    [
      { k: 'id', g: 'id', h: 'name' },
      { id: 'id', n: 1 },
    ],
    5,
  );
  assert.equal(hex(outer), outerHex);
  assert.equal(hex(nested[0]!), innerHex);
});

test('results kept while later dumps run, and a good dump after an error thrown mid-dump', () => {
  const values: unknown[] = [];
  for (let i = 0; i < 200; i++) {
    values.push({
      id: i,
      name: `n${i % 7}`,
      ok: i % 2 === 0,
      none: null,
      tags: ['a', `n${i % 7}`],
      score: i / 8,
    });
    values.push(
      new Map<unknown, unknown>([
        ['id', i],
        ['s', 'x'.repeat(i % 90)],
        [i, 'id'],
      ]),
    );
  }
  const expected = pythonHex(values, 5);
  const kept = values.map((value) => dumps(value, { protocol: 5 }));
  const failing: unknown[] = [
    { a: 'id', b: 1, c: () => 0 },
    new Map<unknown, unknown>([
      ['a', 'id'],
      ['b', Symbol('s')],
    ]),
    {
      a: 'x',
      get b(): unknown {
        throw new Error('from a getter');
      },
    },
    new Map<unknown, unknown>([
      ['a', 1],
      [[1], 2],
    ]),
  ];
  values.forEach((value, k) => {
    assert.throws(() => dumps(failing[k % failing.length], { protocol: 5 }));
    assert.equal(hex(dumps(value, { protocol: 5 })), expected[k], `after an error: ${k}`);
  });
  kept.forEach((data, k) => {
    assert.equal(hex(data), expected[k], `kept result ${k}`);
  });
});

test('errors in entries name the path the frames name; a key that cannot be one names the dict', () => {
  const cases: unknown[] = [
    { a: 'id', b: { c: 1, d: () => 0 } },
    new Map<unknown, unknown>([
      ['a', 'id'],
      [
        'b',
        new Map<unknown, unknown>([
          [1, 'x'],
          ['d', () => 0],
        ]),
      ],
    ]),
    { a: [1, 'x', { e: 'y', f: Symbol('s') }] },
    {
      list: [
        new Map<unknown, unknown>([
          ['k', 1],
          [[1, 2], 'v'],
        ]),
      ],
    },
    new Map<unknown, unknown>([
      [tuple(1, 2), 'x'],
      ['z', () => 0],
    ]),
  ];
  for (const value of cases) {
    const inRuns = thrown(() => dumps(value, { protocol: 5 }));
    const inFrames = thrown(() => streamed(value, 5));
    assert.equal(inRuns.message, inFrames.message);
    assert.equal(inRuns.path, inFrames.path);
  }
  const getterError = thrown(() =>
    dumps(
      {
        a: 1,
        get b() {
          return { c: () => 0 };
        },
      },
      { protocol: 5 },
    ),
  );
  assert.match(String(getterError.path), /b.*c/);
});

test('a Map that changes size while it is dumped fails, as CPython dict iteration does', () => {
  const map = new Map<unknown, unknown>([['a', 1]]);
  map.set('b', {
    get x() {
      map.set('late', 2);
      return 1;
    },
  });
  const error = thrown(() => dumps(map, { protocol: 5 }));
  assert.match(error.message, /changed size/);
  const shrinking = new Map<unknown, unknown>([['a', 1]]);
  shrinking.set('b', {
    get x() {
      shrinking.delete('c');
      return 1;
    },
  });
  shrinking.set('c', 3);
  assert.match(thrown(() => dumps(shrinking, { protocol: 5 })).message, /changed size/);
  // The next dump is whole.
  const [expected] = pythonHex([{ a: 1, b: 'id' }], 5);
  assert.equal(
    hex(
      dumps(
        new Map<unknown, unknown>([
          ['a', 1],
          ['b', 'id'],
        ]),
        { protocol: 5 },
      ),
    ),
    expected,
  );
});
