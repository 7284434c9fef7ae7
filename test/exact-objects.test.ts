/**
 * Objects of an exact load dumped without the memo's lookups.
 *
 * An exact load keeps, beside the value, the objects the pickle memoized, by
 * memo index (src/exact-objects.ts), and a dump of that value that starts
 * with an empty memo memoizes the record's object n at index n by one bit,
 * with no lookup (src/identity-memo.ts); objects the pickle read back are
 * found by a small Map, and the first object that does not fit turns the
 * memo into the ordinary one.
 *
 * The cases are python3's: shared and recursive lists, dicts, tuples, bytes
 * and class instances, a thousand-odd objects drawn at random with random
 * sharing, naive datetimes, and standard-library values, pickled at protocols 0-5. Each exact
 * load dumps to the same bytes, twice, through a new `Pickler`, and through a
 * `Pickler` whose memo is kept from a first dump (python3's second dump of
 * its own pickler). The loaded value, changed at random (objects placed twice,
 * moved, added before, among and after the loaded ones, removed, a dict's
 * entries reordered, a list put inside itself), dumps at every protocol to a
 * pickle that python3 loads to a value of the same shape and the same sharing
 * as the JS value: both sides number every list, tuple, dict, bytes and
 * instance in the order a walk first meets them, and write a second meeting as
 * a reference to that number. A part of a loaded value dumps alone the same
 * way. Hand-made pickles that memoize one object twice (a store after a GET,
 * after DUP, after APPENDS, MEMOIZE then BINPUT), store an id twice, or store
 * ids out of order, load and dump with python3's sharing.
 *
 * BRINE_SEED=<n> draws other random cases and changes (the seed is in the failure message).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoLeaves } from '../src/identity-memo.js';
import { dumps, isTuple, loads, Pickler, PyByteArray, PyObject, tuple, Unpickler } from '../src/index.js';
import { seed as seedFrom, size } from './support/budget.js';
import { fromHex, KEPT_MEMO_DUMPS_PY, runPython, toHex } from './support/python.js';
import { random } from './support/tools-dis.js';

const SEED = seedFrom(909);
const MANY = size(1500, 15000);
const CHANGES = size(12, 60);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

/** The walk both sides describe a value by (the Python half; `Node` is the class of the cases). */
const DESCRIBE_PY = `
import json, sys
sys.setrecursionlimit(100000)
class Node:
    pass
def describe(v):
    ids = {}
    def d(v):
        if isinstance(v, (list, dict, bytes, Node)) or (isinstance(v, tuple) and len(v) > 0):
            if id(v) in ids:
                return '#%d' % ids[id(v)]
            ids[id(v)] = n = len(ids)
            if isinstance(v, list):
                return 'L%d[%s]' % (n, ','.join(d(x) for x in v))
            if isinstance(v, tuple):
                return 'T%d(%s)' % (n, ','.join(d(x) for x in v))
            if isinstance(v, dict):
                return 'D%d{%s}' % (n, ','.join(d(k) + ':' + d(x) for k, x in v.items()))
            if isinstance(v, bytes):
                return 'B%d:%s' % (n, v.hex())
            return 'N%d{%s}' % (n, ','.join(json.dumps(k) + ':' + d(x) for k, x in v.__dict__.items()))
        if isinstance(v, tuple):
            return '()'
        if v is None:
            return 'None'
        if isinstance(v, bool):
            return 'True' if v else 'False'
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, int):
            return str(v)
        # Any other object (datetime, Decimal, UUID, set, bytearray...): numbered, not walked.
        if id(v) in ids:
            return '#%d' % ids[id(v)]
        ids[id(v)] = n = len(ids)
        return 'O%d' % n
    return d(v)
`;

/** The JS half of the walk: lists, tuples, Maps, bytes and PyObjects (an instance, by its state). */
function describe(value: unknown): string {
  const ids = new Map<object, number>();
  const d = (v: unknown): string => {
    if (v === null || v === undefined) return 'None';
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (isTuple(v) && v.length === 0) return '()';
    const obj = v as object;
    const known = ids.get(obj);
    if (known !== undefined) return `#${known}`;
    const n = ids.size;
    ids.set(obj, n);
    if (Array.isArray(obj)) {
      const items = (obj as unknown[]).map(d).join(',');
      return isTuple(obj) ? `T${n}(${items})` : `L${n}[${items}]`;
    }
    if (obj instanceof Map) return `D${n}{${[...obj].map(([k, x]) => `${d(k)}:${d(x)}`).join(',')}}`;
    if (obj instanceof Uint8Array && !(obj instanceof PyByteArray))
      return `B${n}:${Buffer.from(obj).toString('hex')}`;
    if (obj instanceof PyObject) {
      const state = obj.state as Map<string, unknown>;
      return `N${n}{${[...state].map(([k, x]) => `${JSON.stringify(k)}:${d(x)}`).join(',')}}`;
    }
    return `O${n}`;
  };
  return d(value);
}

/** python3's description of each pickle (hex) loaded. */
function pythonDescribes(pickles: string[]): string[] {
  const out = runPython(
    `${DESCRIBE_PY}\nimport pickle\nsys.stdout.write(json.dumps([describe(pickle.loads(bytes.fromhex(h))) for h in json.load(sys.stdin)]))`,
    [],
    JSON.stringify(pickles),
  );
  return JSON.parse(out) as string[];
}

const CASES_PY = `${DESCRIBE_PY}
import collections, datetime, decimal, io, pickle, random, uuid
rng = random.Random(${SEED})
def node(**kw):
    n = Node()
    n.__dict__.update(kw)
    return n
cases = []
shared = [1, 2]
t = (shared, 'x')
b = b'xyz'
inst = node(a=shared, b=(1, 'a'))
cases.append(('shared', {'a': [shared, shared, t, t, (1, 2), (1, 2)], 'b': {'k': inst, 'k2': inst}, 'c': [b, b, b'xyz'], 'd': [t, inst, shared]}))
loop = []
loop.append(loop)
L = []
tl = (L,)
L.append(tl)
d = {}
d['self'] = d
selfish = node()
selfish.me = selfish
selfish.kids = [selfish, (selfish,)]
cases.append(('recursive', [loop, tl, d, selfish, [tl, L]]))
pool = []
root = []
for i in range(${MANY}):
    r = rng.random()
    if pool and r < 0.25:
        x = rng.choice(pool)
    elif r < 0.4:
        x = tuple(rng.choice([i, str(i % 7), None, True]) for _ in range(rng.randint(1, 3)))
    elif r < 0.5:
        x = (rng.choice(pool) if pool else i, i)
    elif r < 0.6:
        x = {'k%d' % i: i, 'v': rng.choice(pool) if pool else None}
    elif r < 0.7:
        x = node(i=i, ref=rng.choice(pool) if pool else None)
    elif r < 0.75:
        x = bytes([i % 256, 7, 9])
    else:
        x = [i, rng.choice(pool) if pool else 'x']
    if not isinstance(x, tuple) or x:
        pool.append(x)
    target = rng.choice([c for c in pool if isinstance(c, list)] or [root]) if rng.random() < 0.3 else root
    target.append(x)
cases.append(('many', root))
tz = datetime.timezone(datetime.timedelta(hours=2))
cases.append(('stdlib', [datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=tz), datetime.datetime(2021, 1, 2, tzinfo=tz),
    datetime.date(2020, 1, 1), decimal.Decimal('1.5'), uuid.UUID(int=5), collections.OrderedDict(a=[1]), [tz, tz],
    datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc), b'bytes', bytearray(b'ba'), {1, 2}, frozenset([3, 4])]))
naive = [datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.datetime(2021, 5, 6)]
cases.append(('datetimes', [naive[0], [naive[1], naive[0]], naive[1], [datetime.datetime(2022, 1, 1, i) for i in range(5)]]))
${KEPT_MEMO_DUMPS_PY}
sys.stdout.write(json.dumps([[name, describe(v), kept_memo_dumps(v, v)] for name, v in cases]))
`;

let cached: [string, string, [string, string][]][] | null = null;
function cases(): [string, string, [string, string][]][] {
  cached ??= JSON.parse(runPython(CASES_PY)) as [string, string, [string, string][]][];
  return cached;
}

test(`exact loads of shared, recursive and random objects dump to python3's bytes at protocols 0-5 (seed ${SEED})`, () => {
  for (const [name, described, pickles] of cases()) {
    for (const protocol of PROTOCOLS) {
      const [first, second] = pickles[protocol]!;
      const value = loads(fromHex(first), { exact: true });
      assert.equal(describe(value), described, `${name}: loaded as python3 built it`);
      const what = `${name} at protocol ${protocol}`;
      const leaves = memoLeaves();
      assert.equal(toHex(dumps(value, { protocol })), first, `${what}: dumps`);
      // The memo followed the load's record to the end: CPython's objects, each met in memo order. (Not
      // where the value's reducers make objects of their own: a datetime's state bytes below protocol 3,
      // a date's, the offset of timezone.utc.)
      // Nor where the load kept only what the pickle reads again (see Unpickler#presizeMemo): past 4096
      // memo entries read by BINGET only, once a global of the registry was met (copyreg._reconstructor
      // for each instance at protocol 1, _codecs.encode for bytes below protocol 3).
      const partial = name === 'many' && (protocol === 1 || protocol === 2) && MANY > 2000;
      if (name !== 'stdlib' && (name !== 'datetimes' || protocol >= 3) && !partial)
        assert.equal(memoLeaves(), leaves, `${what}: the record was followed throughout`);
      assert.equal(toHex(dumps(value, { protocol })), first, `${what}: dumps again`);
      assert.equal(toHex(new Pickler({ protocol }).dump(value)), first, `${what}: a new Pickler`);
      const pickler = new Pickler({ protocol });
      assert.equal(toHex(pickler.dump(value)), first, `${what}: a Pickler's first dump`);
      assert.equal(toHex(pickler.dump(value)), second, `${what}: the same Pickler's second dump (memo kept)`);
      pickler.clearMemo();
      assert.equal(toHex(pickler.dump(value)), first, `${what}: after clearMemo`);
    }
  }
});

/** Every object of a value: lists, Maps, tuples and PyObjects walked into, any other kept whole (each once). */
function objectsOf(value: unknown): object[] {
  const seen = new Set<object>();
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v) || (isTuple(v) && v.length === 0)) continue;
    seen.add(v);
    if (Array.isArray(v)) stack.push(...v);
    else if (v instanceof Map) stack.push(...v.values());
    else if (v instanceof PyObject) stack.push(...(v.state as Map<string, unknown>).values());
  }
  return [...seen];
}

/** Changes `value` in place: `count` changes drawn by `rng`. Returns what was done, for the failure message. */
function change(value: unknown, rng: () => number, count: number): string[] {
  const done: string[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
  for (let c = 0; c < count; c++) {
    const all = objectsOf(value);
    const lists = all.filter((o): o is unknown[] => Array.isArray(o) && !isTuple(o));
    const maps = all.filter((o): o is Map<unknown, unknown> => o instanceof Map);
    if (lists.length === 0) break;
    const list = pick(lists);
    const at = Math.floor(rng() * (list.length + 1));
    const r = rng();
    if (r < 0.2) {
      list.splice(at, 0, pick(all));
      done.push('an object placed again');
    } else if (r < 0.35 && list.length > 0) {
      const [moved] = list.splice(Math.floor(rng() * list.length), 1);
      pick(lists).unshift(moved);
      done.push('an object moved to the front of a list');
    } else if (r < 0.55) {
      const k = Math.floor(rng() * 1000);
      const made = pick<() => unknown>([
        () => [k, [k]],
        () => new Map<unknown, unknown>([[`n${k}`, k]]),
        () => tuple<unknown>(k, `t${k}`),
        () => tuple<unknown>([k], 'x'),
        () => new Uint8Array([k & 255, 1, 2]),
      ])();
      list.splice(at, 0, made);
      done.push('a new object');
    } else if (r < 0.7 && list.length > 0) {
      list.splice(Math.floor(rng() * list.length), 1);
      done.push('an object removed');
    } else if (r < 0.8 && maps.length > 0) {
      const map = pick(maps);
      const entries = [...map].reverse();
      map.clear();
      for (const [k, v] of entries) map.set(k, v);
      done.push("a dict's entries reversed");
    } else if (r < 0.9 && maps.length > 0) {
      pick(maps).set(`k${c}`, pick(all));
      done.push('an object placed again in a dict');
    } else {
      list.push(list);
      done.push('a list put inside itself');
    }
  }
  return done;
}

test(`exact loads changed after loading dump to pickles python3 loads with the same sharing (seed ${SEED})`, () => {
  const rng = random(SEED);
  const pickles: string[] = [];
  const expected: string[] = [];
  const labels: string[] = [];
  for (const [name, , byProtocol] of cases()) {
    for (const protocol of PROTOCOLS) {
      for (let round = 0; round < 3; round++) {
        const value = loads(fromHex(byProtocol[protocol]![0]), { exact: true });
        const done = change(value, rng, round === 0 ? 1 : CHANGES);
        // Dumped twice: the second dump meets objects the first gave an identity hash.
        for (const again of [false, true]) {
          pickles.push(toHex(dumps(value, { protocol })));
          expected.push(describe(value));
          labels.push(`${name} at protocol ${protocol}${again ? ' (again)' : ''} after ${done.join(', ')}`);
        }
      }
      // A part of the loaded value alone: the record belongs to the value the load returned.
      const value = loads(fromHex(byProtocol[protocol]![0]), { exact: true }) as unknown[];
      const part = objectsOf(value).find((o) => o !== value && Array.isArray(o) && !isTuple(o)) ?? [];
      pickles.push(toHex(dumps(part, { protocol })));
      expected.push(describe(part));
      labels.push(`${name} at protocol ${protocol}: a part of the value`);
    }
  }
  const got = pythonDescribes(pickles);
  for (let i = 0; i < got.length; i++) assert.equal(got[i], expected[i], labels[i]);
});

test('hand-made pickles that memoize an object twice, store an id twice or out of order dump with their sharing', () => {
  const hand: [string, string][] = [
    // PUT after GET: [L, L, L], L stored at 1 and 2.
    ['a store after a GET', '8002 5d 7100 28 5d 7101 6801 7102 6802 65 2e'],
    // DUP then PUT: [L, L].
    ['a store after DUP', '8002 5d 7100 28 5d 7101 32 7102 65 2e'],
    // A list stored again after APPEND, read back from its second id: [L, L].
    ['a store after APPEND', '8002 5d 7100 28 5d 7101 4b01 61 7102 6802 65 2e'],
    // An id stored twice: [A, B, B].
    ['an id stored twice', '8002 5d 7100 28 5d 7101 5d 7101 6801 65 2e'],
    // MEMOIZE then BINPUT of the next id: [L, L, L].
    ['MEMOIZE then BINPUT', '8004 5d 94 28 5d 94 7102 6802 6801 65 2e'],
    // Ids out of order at protocol 0: [L, L, outer].
    ['PUT ids out of order', Buffer.from('(lp5\n(lp3\nag3\nag5\na.', 'latin1').toString('hex')],
    // A tuple of the list that holds it, and that list stored again after a GET: L = [(L,), L].
    ['a tuple and its list', '8002 5d 7100 6800 85 7101 61 6800 7102 61 2e'],
  ];
  const sources = hand.map(([, hex]) => hex.replace(/ /g, ''));
  const loadedThere = pythonDescribes(sources);
  const pickles: string[] = [];
  const expected: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < hand.length; i++) {
    const value = loads(fromHex(sources[i]!), { exact: true });
    assert.equal(describe(value), loadedThere[i], `${hand[i]![0]}: loaded as python3 loads it`);
    for (const protocol of PROTOCOLS) {
      pickles.push(toHex(dumps(value, { protocol })));
      expected.push(loadedThere[i]!);
      labels.push(`${hand[i]![0]} at protocol ${protocol}`);
    }
  }
  const got = pythonDescribes(pickles);
  for (let i = 0; i < got.length; i++) assert.equal(got[i], expected[i], labels[i]);
});

test('a stream read with keepMemo refers to earlier pickles: its values dump with their sharing', () => {
  const hex = runPython(`
import io, pickle, sys
shared = [1, [2]]
f = io.BytesIO()
p = pickle.Pickler(f, 2)
p.dump([shared, shared])
p.dump([shared, (shared,)])
sys.stdout.write(f.getvalue().hex())`);
  const unpickler = new Unpickler(fromHex(hex), { exact: true, keepMemo: true });
  const a = unpickler.load();
  const b = unpickler.load();
  const got = pythonDescribes([toHex(dumps(a, { protocol: 2 })), toHex(dumps(b, { protocol: 2 }))]);
  assert.deepEqual(got, [describe(a), describe(b)]);
});

test('every object of a loaded value placed again, first or last in it, dumps with its sharing at protocols 0-5', () => {
  const pickles: string[] = [];
  const expected: string[] = [];
  const labels: string[] = [];
  for (const [name, , byProtocol] of cases()) {
    for (const protocol of PROTOCOLS) {
      const source = fromHex(byProtocol[protocol]![0]);
      const count = objectsOf(loads(source, { exact: true })).length;
      const step = Math.max(1, Math.floor(count / 30));
      for (let i = 0; i < count; i += step) {
        for (const first of [false, true]) {
          const value = loads(source, { exact: true }) as unknown[] | Map<unknown, unknown>;
          const object = objectsOf(value)[i]!;
          if (Array.isArray(value)) first ? value.unshift(object) : value.push(object);
          else if (first) {
            const entries = [...value];
            value.clear();
            value.set('again', object);
            for (const [k, v] of entries) value.set(k, v);
          } else value.set('again', object);
          pickles.push(toHex(dumps(value, { protocol })));
          expected.push(describe(value));
          labels.push(
            `${name} at protocol ${protocol}: object ${i} placed again ${first ? 'first' : 'last'}`,
          );
        }
      }
    }
  }
  const got = pythonDescribes(pickles);
  for (let i = 0; i < got.length; i++) assert.equal(got[i], expected[i], labels[i]);
});
