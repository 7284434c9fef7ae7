/**
 * The pickler's memo of objects against CPython, byte for byte: values built
 * the same way in JavaScript and in Python (the same objects shared, the same
 * distinct objects of equal content) are dumped at every protocol, and brine's
 * bytes must be `pickle.dumps`'s. They stress the fast paths of the memo:
 * tuples of atoms (memoized by the hash of their items and their identity,
 * see src/tuple-memo.ts), many distinct tuples of equal items (the table's
 * overflow into the Map), tuples that reach themselves through a list, and a
 * `Pickler` whose memo lives across dumps. All the Python values come from one
 * python3 process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdentityMemo } from '../src/identity-memo.js';
import {
  dumps,
  loads,
  Pickler,
  PyDate,
  PyDateTime,
  PyFloat,
  PyTime,
  PyTimeDelta,
  PyTimezone,
  PyUUID,
  tuple,
} from '../src/index.js';
import { hashAtoms, TupleMemo } from '../src/tuple-memo.js';
import { casesCode, casesOf, runPython, runPythonPieces } from './support/python.js';

const PROTOCOLS = [0, 1, 2, 3, 4, 5] as const;

/** Each case: its Python expression (over the helpers defined below), and the same value built in JS. */
const CASES: [name: string, python: string, js: () => unknown][] = [
  [
    'shared tuple and an equal one',
    "t = (1, 'a'); v = [t, t, tuple([1, 'a']), t]",
    () => {
      const t = tuple<unknown>(1, 'a');
      return [t, t, tuple<unknown>(1, 'a'), t];
    },
  ],
  [
    'lists and dicts met again on both sides of the first sixteen memoized objects',
    "ls = [[i] for i in range(30)]; ds = [{'k': i} for i in range(3)]; v = [ls[:5], ds, ls[5:], ls[::-1], ds[::-1], [ls[0], ls[15], ls[16], ls[29]]]",
    () => {
      const ls = Array.from({ length: 30 }, (_, i) => [i]);
      const ds = Array.from({ length: 3 }, (_, i) => new Map([['k', i]]));
      return [
        ls.slice(0, 5),
        ds,
        ls.slice(5),
        ls.toReversed(),
        ds.toReversed(),
        [ls[0], ls[15], ls[16], ls[29]],
      ];
    },
  ],
  [
    'distinct equal tuples, then each again',
    'ts = [tuple([0, 0]) for _ in range(40)]; v = ts + ts[::-1] + [ts[3], ts[39]]',
    () => {
      const ts = Array.from({ length: 40 }, () => tuple(0, 0));
      return [...ts, ...ts.toReversed(), ts[3], ts[39]];
    },
  ],
  [
    'distinct equal strings-and-floats tuples past the equal-hash limit',
    "ts = [tuple(['ab', 0.5, None, True]) for _ in range(20)]; v = [ts, ts[::2], tuple(ts), ts[19]]",
    () => {
      const ts = Array.from({ length: 20 }, () => tuple<unknown>('ab', 0.5, null, true));
      return [ts, ts.filter((_, i) => i % 2 === 0), tuple(...ts), ts[19]];
    },
  ],
  [
    'atom tuples shared through lists, dicts and tuples',
    "x = (1, 2); y = ('k', -3.25, None); v = [x, [x, (x,), y], {'k': x, 'y': y}, (x, y, x), y]",
    () => {
      const x = tuple(1, 2);
      const y = tuple<unknown>('k', -3.25, null);
      return [x, [x, tuple(x), y], { k: x, y }, tuple(x, y, x), y];
    },
  ],
  [
    'tuples on both sides of the first eight (the first tier), each met again after',
    "ts = [tuple([i, 'é' * (i % 3) + str(i), 2**70 + i, 'x' * (80 + 3 * i), -0.5 * i - 0.25, None]) for i in range(12)]; e = [tuple([0, 0]) for _ in range(3)]; v = [ts[:7], e[0], {'t': ts[8], 'e': e[1]}, ts[7:], e, ts[::-1], [ts[0], ts[7], ts[8], ts[11], e[2]]]",
    () => {
      const ts = Array.from({ length: 12 }, (_, i) =>
        tuple<unknown>(
          i,
          'é'.repeat(i % 3) + String(i),
          2n ** 70n + BigInt(i),
          'x'.repeat(80 + 3 * i),
          -0.5 * i - 0.25,
          null,
        ),
      );
      const e = Array.from({ length: 3 }, () => tuple(0, 0));
      return [
        ts.slice(0, 7),
        e[0],
        new Map<string, unknown>([
          ['t', ts[8]],
          ['e', e[1]],
        ]),
        ts.slice(7),
        e,
        ts.toReversed(),
        [ts[0], ts[7], ts[8], ts[11], e[2]],
      ];
    },
  ],
  [
    'a record with one to nine tuples, one shared',
    "t = (1, 2.5, 'k'); ks = [f'k{i}' for i in range(9)]; v = [{'a': t, **{ks[i]: (i, 'v', 0.25) for i in range(n)}, 'z': t} for n in range(9)]",
    () => {
      const t = tuple<unknown>(1, 2.5, 'k');
      return Array.from({ length: 9 }, (_, n) => ({
        a: t,
        ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, tuple<unknown>(i, 'v', 0.25)])),
        z: t,
      }));
    },
  ],
  [
    'a tuple as a dict key and value',
    't = (1, 2); u = (3,); v = {t: t, u: [u, t]}',
    () => {
      const t = tuple(1, 2);
      const u = tuple(3);
      return new Map<unknown, unknown>([
        [t, t],
        [u, [u, t]],
      ]);
    },
  ],
  [
    'a tuple that holds itself through a list',
    'l = []; t = (1, l); l.append(t); l.append((2, 3)); v = [t, l, t]',
    () => {
      const l: unknown[] = [];
      const t = tuple<unknown>(1, l);
      l.push(t, tuple(2, 3));
      return [t, l, t];
    },
  ],
  [
    'a tuple of atom tuples that holds itself through a list',
    'a = (1,); l = [a]; t = (a, l, a); l.append(t); v = (t, l, a)',
    () => {
      const a = tuple(1);
      const l: unknown[] = [a];
      const t = tuple<unknown>(a, l, a);
      l.push(t);
      return tuple<unknown>(t, l, a);
    },
  ],
  [
    'empty tuples, one shared',
    'e = (); v = [e, e, (), (e,), (e, e)]',
    () => {
      const e = tuple();
      return [e, e, tuple(), tuple(e), tuple(e, e)];
    },
  ],
  [
    'atoms of every kind',
    "v = [(None,), (True, False), (2**40, -2**31, 2**31), (-0.0, 1.5e-300, float('inf')), ('é', 'a\\nb', '\\\\'), (2**70,)]",
    () => [
      tuple(null),
      tuple(true, false),
      tuple(2 ** 40, -(2 ** 31), 2 ** 31),
      tuple(-0, 1.5e-300, Number.POSITIVE_INFINITY),
      tuple('é', 'a\nb', '\\'),
      tuple(2n ** 70n),
    ],
  ],
  [
    'tuples of 32 and 33 atoms, shared',
    't = tuple(range(32)); u = tuple(range(33)); v = [t, u, t, u]',
    () => {
      const t = tuple(...Array.from({ length: 32 }, (_, i) => i));
      const u = tuple(...Array.from({ length: 33 }, (_, i) => i));
      return [t, u, t, u];
    },
  ],
  [
    'five thousand tuples (the table grows), then every third again',
    'ts = [(i, i % 7, i + 0.25) for i in range(5000)]; v = [ts, ts[::3]]',
    () => {
      const ts = Array.from({ length: 5000 }, (_, i) => tuple(i, i % 7, i + 0.25));
      return [ts, ts.filter((_, i) => i % 3 === 0)];
    },
  ],
  [
    'tuples in batches of a thousand, with repeats across batches',
    'ts = [(i // 2, -i) for i in range(2500)]; v = [ts[(i * 7919) % 2500] for i in range(3000)]',
    () => {
      const ts = Array.from({ length: 2500 }, (_, i) => tuple(Math.floor(i / 2), i === 0 ? 0 : -i));
      return Array.from({ length: 3000 }, (_, i) => ts[(i * 7919) % 2500]);
    },
  ],
  [
    'datetimes, dates and times sharing a timezone, and met twice',
    `
    tz = datetime.timezone(datetime.timedelta(hours=2)); utc = datetime.timezone.utc
    a = datetime.datetime(2023, 5, 6, 7, 8, 9, 123456, tzinfo=tz)
    b = datetime.datetime(1, 1, 1, 0, 0, 0, 0, tzinfo=utc)
    c = datetime.datetime(2021, 11, 7, 1, 30, fold=1)
    d = datetime.date(2020, 2, 29); t = datetime.time(23, 59, 58, 999999, tzinfo=tz)
    v = [a, b, c, d, t, a, d, (a, d, t), {'k': t, 'tz': tz}, datetime.time(1, 2, 3, fold=1), [c, b]]`,
    () => {
      const tz = new PyTimezone(new PyTimeDelta(0, 7200));
      const utc = new PyTimezone(new PyTimeDelta());
      const a = new PyDateTime(2023, 5, 6, 7, 8, 9, 123456, tz);
      const b = new PyDateTime(1, 1, 1, 0, 0, 0, 0, utc);
      const c = new PyDateTime(2021, 11, 7, 1, 30, 0, 0, null, 1);
      const d = new PyDate(2020, 2, 29);
      const t = new PyTime(23, 59, 58, 999999, tz);
      return [
        a,
        b,
        c,
        d,
        t,
        a,
        d,
        tuple<unknown>(a, d, t),
        { k: t, tz },
        new PyTime(1, 2, 3, 0, null, 1),
        [c, b],
      ];
    },
  ],
  [
    'records met again in reverse order (the memo of objects turns into a Map)',
    "rs = [{'i': i, 'l': [i, [i]]} for i in range(3000)]; v = [rs, rs[::-1], rs[0]['l']]",
    () => {
      const rs = Array.from({ length: 3000 }, (_, i) => ({ i, l: [i, [i]] }));
      return [rs, rs.toReversed(), rs[0]!.l];
    },
  ],
  [
    'objects shared early and late among many that are not',
    "s = [0]; t = {'k': s}; v = [s] + [[i, {'j': i}] for i in range(2000)] + [t, s, t, [s, t]]",
    () => {
      const s = [0];
      const t = { k: s };
      return [s, ...Array.from({ length: 2000 }, (_, i) => [i, { j: i }]), t, s, t, [s, t]];
    },
  ],
  [
    'UUIDs, one met twice',
    `
    u = uuid.UUID(int=0x12345678123456781234567812345678); w = uuid.UUID(int=5, is_safe=uuid.SafeUUID.safe)
    v = [u, w, u, {'id': u}]`,
    () => {
      const u = new PyUUID(0x12345678123456781234567812345678n);
      const w = new PyUUID(5n, 0);
      return [u, w, u, { id: u }];
    },
  ],
];

/** The pickles the tests compare with, asked of one python3 process (each piece's by name). */
const PY = runPythonPieces({
  tuples: casesCode(`
import datetime, pickle, uuid
cases = {}
${CASES.map(
  ([, code], i) =>
    `def case${i}():\n    ${code
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .join(
        '\n    ',
      )}\n    return v\nfor p in range(6):\n    cases[f'${i}/{p}'] = pickle.dumps(case${i}(), p)`,
).join('\n')}
`),
  picklerTuples: casesCode(`
import io, pickle
cases = {}
for p in range(6):
    t = (1, 'a'); u = tuple([0, 0]); ts = [tuple([0, 0]) for _ in range(12)]
    f = io.BytesIO(); k = pickle.Pickler(f, p)
    k.dump([t, u] + ts); k.dump((t, u, ts[11], ts[0])); k.clear_memo(); k.dump([t, t])
    k.dump(ts[:5]); k.dump(ts[3:10] + [t]); k.dump([ts[0], ts[9], t]); k.clear_memo(); k.dump(ts[:3] + [ts[0]])
    cases[str(p)] = f.getvalue()
`),
  picklerObjects: casesCode(`
import io, pickle
cases = {}
for p in range(6):
    l = [1, 2]; d = {'a': l}; big = [[i] for i in range(300)]
    f = io.BytesIO(); k = pickle.Pickler(f, p)
    k.dump([l, d, big]); k.dump((d, l, big[7], big)); k.clear_memo(); k.dump([l, l, big[7]])
    k.dump([d]); k.clear_memo(); k.clear_memo(); k.dump([d, d])
    cases[str(p)] = f.getvalue()
    cases[f'{p}/a'] = pickle.dumps([l, d, big], p)
    cases[f'{p}/b'] = pickle.dumps((d, l, big[7], big), p)
`),
  instances: casesCode(`
import pickle
class Node:
    def __init__(self, kids): self.kids = kids
    def __reduce__(self): return (Node, (self.kids,))
class Plain:
    pass
cases = {}
for p in range(6):
    n = Node([]); n.kids.append(Node([]))
    a = Plain(); a.me = a; b = Plain(); b.other = a; a.other = b
    shared = Plain(); shared.v = 1
    v = [n, a, b, [shared, shared], Node([shared, a]), n]
    cases[str(p)] = pickle.dumps(v, p)
`),
});

test('tuples and shared objects: dumps writes the bytes of pickle.dumps at every protocol', () => {
  const python = casesOf(PY('tuples'));
  let compared = 0;
  for (const [i, [name, , build]] of CASES.entries()) {
    for (const protocol of PROTOCOLS) {
      const expected = python.get(`${i}/${protocol}`);
      assert.ok(expected !== undefined, `${name}: no python3 pickle`);
      const actual = dumps(build(), { protocol });
      assert.deepEqual(
        Buffer.from(actual).toString('hex'),
        Buffer.from(expected).toString('hex'),
        `${name}, protocol ${protocol}`,
      );
      compared++;
    }
  }
  assert.equal(compared, CASES.length * PROTOCOLS.length);
});

test('a Pickler remembers tuples across dumps until clearMemo, as pickle.Pickler does', () => {
  const python = casesOf(PY('picklerTuples'));
  for (const protocol of PROTOCOLS) {
    const t = tuple<unknown>(1, 'a');
    const u = tuple(0, 0);
    const ts = Array.from({ length: 12 }, () => tuple(0, 0));
    const pickler = new Pickler({ protocol });
    const parts = [pickler.dump([t, u, ...ts]), pickler.dump(tuple<unknown>(t, u, ts[11], ts[0]))];
    pickler.clearMemo();
    parts.push(pickler.dump([t, t]));
    // Tuples held by the first tier across dumps, then past it.
    parts.push(
      pickler.dump(ts.slice(0, 5)),
      pickler.dump([...ts.slice(3, 10), t]),
      pickler.dump([ts[0], ts[9], t]),
    );
    pickler.clearMemo();
    parts.push(pickler.dump([...ts.slice(0, 3), ts[0]]));
    assert.equal(
      Buffer.concat(parts).toString('hex'),
      Buffer.from(python.get(String(protocol))!).toString('hex'),
      `protocol ${protocol}`,
    );
  }
});

/** Doubles of every magnitude, both signs, integral ones, and the edges of Python's plain-decimal range. */
function sampleFloats(): number[] {
  const out = [
    0.0001, 0.00009999999999999999, 1e16, 9999999999999998, 1e-5, 1e22, 5e-324, 1.7976931348623157e308,
  ];
  out.push(0.1, 0.5, 1, 2, 100, 1234.5, 1e15, 123456789.125, 2 ** 53, 2 ** 53 + 2, 1 / 3, 2 / 3);
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < 3000; i++) {
    const exponent = Math.floor(random() * 48) - 24;
    const v = random() * 10 ** exponent;
    out.push(i % 5 === 0 ? Math.round(v) : v);
  }
  return [...out, ...out.map((v) => -v)];
}

test('protocol 0 writes floats, ints, strings and memo lines as pickle.dumps does', () => {
  const floats = sampleFloats();
  const ints = [0, 1, -1, 9, 10, -10, 99, 100, 65535, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321];
  const strings = [
    '',
    'plain',
    'back\\slash',
    'nul\0 lf\n cr\r sub\x1a tab\t',
    'latin-1 é ÿ \x80 \xa0',
    'BMP 漢字 Ω \u2028 \uffff',
    'pair 😀🐍 end',
    'lone \ud800 and \udc00 surrogates',
    'x'.repeat(10000) + '漢'.repeat(5000) + '😀'.repeat(3000),
  ];
  const shared = ['s'];
  const value = [
    floats.map((v) => new PyFloat(v)),
    ints,
    strings,
    ...Array.from({ length: 30 }, () => shared),
  ];
  const input = JSON.stringify({
    floats: floats.map((v) => Buffer.from(new Float64Array([v]).buffer).toString('hex')),
    ints,
    strings: strings.map((text) => Buffer.from(text, 'utf16le').toString('hex')),
  });
  const expected = runPython(
    `
import json, pickle, struct, sys
data = json.load(sys.stdin)
floats = [struct.unpack('<d', bytes.fromhex(h))[0] for h in data['floats']]
strings = [bytes.fromhex(h).decode('utf-16-le', 'surrogatepass') for h in data['strings']]
shared = ['s']
sys.stdout.write(pickle.dumps([floats, data['ints'], strings] + [shared] * 30, 0).hex())
`,
    [],
    input,
  );
  assert.equal(
    Buffer.from(dumps(value, { protocol: 0 })).toString('latin1'),
    Buffer.from(expected, 'hex').toString('latin1'),
  );
});

test('a Pickler remembers lists, dicts and objects across dumps until clearMemo; dumps() starts afresh each call', () => {
  const python = casesOf(PY('picklerObjects'));
  for (const protocol of PROTOCOLS) {
    const l = [1, 2];
    const d = { a: l };
    const big = Array.from({ length: 300 }, (_, i) => [i]);
    const pickler = new Pickler({ protocol });
    const parts = [pickler.dump([l, d, big]), pickler.dump(tuple<unknown>(d, l, big[7], big))];
    pickler.clearMemo();
    parts.push(pickler.dump([l, l, big[7]]), pickler.dump([d]));
    pickler.clearMemo();
    pickler.clearMemo();
    parts.push(pickler.dump([d, d]));
    assert.equal(
      Buffer.concat(parts).toString('hex'),
      Buffer.from(python.get(String(protocol))!).toString('hex'),
      `protocol ${protocol}`,
    );
    // dumps() reuses one pickler: what an earlier call memoized is never read by a later one.
    for (let round = 0; round < 3; round++) {
      assert.equal(
        Buffer.from(dumps([l, d, big], { protocol })).toString('hex'),
        Buffer.from(python.get(`${protocol}/a`)!).toString('hex'),
      );
      assert.equal(
        Buffer.from(dumps(tuple<unknown>(d, l, big[7], big), { protocol })).toString('hex'),
        Buffer.from(python.get(`${protocol}/b`)!).toString('hex'),
      );
    }
  }
});

test('the memo of objects finds what it holds by a walk, then by a Map, and forgets at clear', () => {
  const memo = new IdentityMemo();
  const objs = Array.from({ length: 5000 }, () => ({}));
  assert.ok(memo.empty);
  for (let i = 0; i < objs.length; i++) memo.set(objs[i]!, 3 * i + 1);
  assert.ok(!memo.empty);
  assert.equal(memo.get({}), undefined);
  assert.equal(memo.get(null), undefined);
  // Walks, then (past their budget) a Map: the same answers either way.
  for (let round = 0; round < 4; round++)
    for (let i = objs.length - 1; i >= 0; i -= 7) assert.equal(memo.get(objs[i]), 3 * i + 1);
  const late = {};
  memo.set(late, 99999);
  assert.equal(memo.get(late), 99999);
  // An object recorded again takes its new index, before and after the Map.
  memo.set(objs[4]!, 7);
  assert.equal(memo.get(objs[4]), 7);
  memo.clear();
  assert.ok(memo.empty);
  for (const o of objs) assert.equal(memo.get(o), undefined);
  memo.set(objs[0]!, 0);
  memo.set(objs[1]!, 5);
  memo.set(objs[0]!, 6);
  assert.equal(memo.get(objs[0]), 6);
  assert.equal(memo.get(objs[1]), 5);
  memo.clear();
  memo.set(objs[2]!, 1);
  assert.equal(memo.get(objs[2]), 1);
  assert.equal(memo.get(objs[0]), undefined);
});

test('the memo of objects gives the same answers in its first tier, across the move to the Set, and after clear', () => {
  const memo = new IdentityMemo();
  const objs = Array.from({ length: 40 }, () => ({}));
  for (let n = 0; n <= objs.length; n++) {
    for (let i = 0; i < n; i++) memo.set(objs[i]!, 2 * i);
    // Recorded again: the new index, in the first tier or past it.
    if (n > 0) memo.set(objs[n - 1]!, 1000 + n);
    if (n > 3) memo.set(objs[3]!, 2000 + n);
    for (let i = 0; i < objs.length; i++) {
      const want = i >= n ? undefined : i === 3 && n > 3 ? 2000 + n : i === n - 1 ? 1000 + n : 2 * i;
      assert.equal(memo.get(objs[i]), want, `${n} objects, object ${i}`);
    }
    assert.equal(memo.empty, n === 0);
    memo.clear();
    assert.ok(memo.empty);
    for (const o of objs) assert.equal(memo.get(o), undefined);
  }
});

test('the tuple memo empties the slots of a few entries in a big table, and finds nothing of them afterwards', () => {
  const memo = new TupleMemo();
  const add = (t: readonly unknown[], index: number) => {
    const h = hashAtoms(t);
    assert.equal(memo.get(t, h), -1);
    memo.add(t, h, index);
  };
  const many = Array.from({ length: 3000 }, (_, i) => tuple<unknown>(i, 'x'));
  for (let i = 0; i < many.length; i++) add(many[i]!, i);
  memo.clear(); // most of the table: filled
  for (let round = 0; round < 3; round++) {
    // Equal items in distinct tuples: one probe chain, emptied entry by entry.
    const few = [
      tuple<unknown>(1, 'x'),
      tuple<unknown>(1, 'x'),
      tuple<unknown>('a', 2.5, null),
      tuple<unknown>(),
    ];
    for (let i = 0; i < few.length; i++) add(few[i]!, 10 * round + i);
    for (let i = 0; i < few.length; i++) assert.equal(memo.get(few[i]!, hashAtoms(few[i]!)), 10 * round + i);
    memo.clear();
    for (const t of [...few, ...many.slice(0, 50)]) assert.equal(memo.get(t, hashAtoms(t)), -1);
  }
});

test('class instances reached again in their own state and in the arguments of others: an exact load dumps to the same bytes', () => {
  const python = casesOf(PY('instances'));
  for (const protocol of PROTOCOLS) {
    const expected = python.get(String(protocol))!;
    const value = loads(expected, { exact: true });
    assert.equal(
      Buffer.from(dumps(value, { protocol })).toString('hex'),
      Buffer.from(expected).toString('hex'),
      `protocol ${protocol}`,
    );
  }
});
