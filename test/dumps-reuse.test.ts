/**
 * What `dumps` keeps between calls, against CPython: the reused pickler, its
 * memos (arrays for the first objects, strings and globals, then a `Map`, then
 * a hash table for many strings) and the output buffer must give every call
 * the bytes CPython writes for its value alone, whatever the calls before it
 * met or where they failed; and a `Pickler` must keep its memo from one
 * `dump` to the next, as Python's does.
 *
 * CPython writes the pickles: values with shared lists, dicts, tuples,
 * strings (some chosen so that their length and first, middle and last
 * characters are equal) and globals, in counts on both sides of each memo's
 * thresholds, every repeat being the same object (so that CPython memoizes
 * it, as brine memoizes strings by value). brine loads each with `exact: true`
 * and dumps it back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dumps, loads, Pickler, PicklingError } from '../src/index.js';
import { utf8Length, utf8LengthJs } from '../src/writer.js';
import { pythonCases, runPython } from './support/python.js';

const PROTOCOLS = [0, 2, 5] as const;
/** Counts around the thresholds of the memos (16 objects or globals; 64, then 2048 strings). */
const COUNTS = [1, 15, 16, 17, 63, 64, 65, 300, 2100] as const;

const py = pythonCases(String.raw`
import pickle, io, builtins

def globals_(n):
    out = []
    for name in sorted(dir(builtins)):
        obj = getattr(builtins, name)
        if name.startswith('_') or not callable(obj):
            continue
        try:
            if pickle.loads(pickle.dumps(obj, 2)) is obj:
                out.append(obj)
        except Exception:
            pass
    return out[:n]

def lcg(n, k):
    # k indices in 0..n-1, in a fixed scrambled order
    x, out = 12345, []
    for _ in range(k):
        x = (x * 1103515245 + 12345) % 2147483648
        out.append(x % n)
    return out

def value(n):
    # n distinct strings (the empty one among them; some colliding in length and first, middle and last character), n shared
    # containers, up to n globals; each met once in order, then again in a scrambled order.
    strings = []
    for i in range(n):
        if i % 3 == 0:
            strings.append('a%02dm%03dz' % (i % 100, i))  # same length, 'a', 'm'... differ inside
        elif i % 3 == 1:
            strings.append('key_%d' % i)
        else:
            strings.append('v\u00e9%d\u4e2d' % i)
    for i, short in ((4, ''), (7, '\u00e9'), (10, 'z')):
        if i < n:
            strings[i] = short
    containers = []
    for i in range(n):
        if i % 3 == 0:
            containers.append([i])
        elif i % 3 == 1:
            containers.append({'k': i})
        else:
            containers.append((i, strings[i]))
    gs = globals_(n)
    first = [strings, containers, gs]
    again = [[strings[j] for j in lcg(n, 2 * n)], [containers[j] for j in lcg(n, n)], [gs[j] for j in lcg(len(gs), len(gs))]]
    return [first, again]

cases = {}
for n in ${JSON.stringify(COUNTS)}:
    v = value(n)
    for p in ${JSON.stringify(PROTOCOLS)}:
        cases['%d/%d' % (n, p)] = pickle.dumps(v, p)
        # A Pickler keeps its memo across dump(): the second pickle reads what the first wrote.
        buf = io.BytesIO()
        pk = pickle.Pickler(buf, p)
        pk.dump(v)
        first = buf.getvalue()
        pk.dump(v[1])
        cases['%d/%d/first' % (n, p)] = first
        cases['%d/%d/second' % (n, p)] = buf.getvalue()[len(first):]
`);

function pickle(n: number, protocol: number, part = ''): Uint8Array {
  const data = py.get(`${n}/${protocol}${part}`);
  assert.ok(data !== undefined, `no pickle for ${n}/${protocol}${part}`);
  return data;
}

/** The value of a pickle, loaded as `dumps` is given it (exact: true) and checked to dump back to the same bytes. */
function load(n: number, protocol: number): unknown[] {
  return loads(pickle(n, protocol), { exact: true }) as unknown[];
}

test('dumps() of values across the memo thresholds gives CPython’s bytes, call after call', () => {
  for (const protocol of PROTOCOLS) {
    const values = COUNTS.map((n) => load(n, protocol));
    // Small to large, large to small, and each twice in a row: the memos move on and come back.
    const order = [...COUNTS.keys(), ...[...COUNTS.keys()].reverse(), ...COUNTS.keys()];
    for (const k of order) {
      const n = COUNTS[k]!;
      for (let twice = 0; twice < 2; twice++) {
        assert.deepEqual(
          dumps(values[k], { protocol }),
          pickle(n, protocol),
          `${n} items, protocol ${protocol}`,
        );
      }
    }
  }
});

test('dumps() after a call that shared its strings and objects, or failed mid-way, sees nothing of it', () => {
  for (const protocol of PROTOCOLS) {
    for (const n of [16, 65, 2100]) {
      const whole = load(n, protocol);
      const part = whole[1] as unknown[];
      const [strings, containers, globals] = whole[0] as unknown[][];
      // `part` holds the same strings, containers and globals as `whole`: dumped alone, all of them are new.
      const alone = new Pickler({ protocol }).dump(part);
      dumps(whole, { protocol });
      assert.deepEqual(dumps(part, { protocol }), alone, `after the whole value: ${n}, protocol ${protocol}`);

      // A call that fails after it memoized every string, container and global.
      for (const bad of [() => 1, Symbol('x'), new WeakMap()]) {
        assert.throws(
          () => dumps([strings, containers, globals, bad], { protocol }),
          PicklingError,
          `unpicklable after ${n} items`,
        );
        assert.deepEqual(dumps(part, { protocol }), alone, `after a failed call: ${n}, protocol ${protocol}`);
        assert.deepEqual(dumps(whole, { protocol }), pickle(n, protocol), `whole after a failed call: ${n}`);
      }
      // A failure inside a container nested deep enough to be on the work stack, then a small value.
      assert.throws(() => dumps([[[containers, [strings, () => 1]]]], { protocol }), PicklingError);
      const small = load(1, protocol);
      assert.deepEqual(dumps(small, { protocol }), pickle(1, protocol), `small after a failure: ${n}`);
    }
  }
});

test('a Pickler keeps its memo from one dump() to the next, as Python’s does, across the memo thresholds', () => {
  for (const protocol of PROTOCOLS) {
    for (const n of COUNTS) {
      const whole = load(n, protocol);
      const pickler = new Pickler({ protocol });
      assert.deepEqual(
        pickler.dump(whole),
        pickle(n, protocol, '/first'),
        `first dump: ${n}, protocol ${protocol}`,
      );
      assert.deepEqual(pickler.dump(whole[1]), pickle(n, protocol, '/second'), `second dump: ${n}`);
      // clearMemo() forgets it: the part is then written in full.
      pickler.clearMemo();
      assert.deepEqual(
        pickler.dump(whole[1]),
        new Pickler({ protocol }).dump(whole[1]),
        `after clearMemo: ${n}`,
      );
    }
  }
});

test('dumps() results of successive calls stay intact and independent', () => {
  const values = COUNTS.map((n) => load(n, 5));
  const results = values.map((v) => dumps(v, { protocol: 5 }));
  // Many small dumps after them must not write over the earlier results.
  for (let i = 0; i < 2000; i++) dumps({ i, s: `x${i}` });
  COUNTS.forEach((n, k) => {
    assert.deepEqual(results[k], pickle(n, 5), `result of ${n} items, read later`);
  });
  // A result can be changed without changing another.
  const a = dumps([1, 2, 3]);
  const b = dumps([1, 2, 3]);
  a[a.length - 2] = 0;
  assert.deepEqual(b, dumps([1, 2, 3]));
});

test('strings written by the native encoder or the JS loop give CPython’s bytes, lone surrogates included', () => {
  // Units from every class the encoders treat apart: ASCII, two- and three-byte, surrogate pairs,
  // lone high and low surrogates; lengths around the thresholds (24 units: native; 85: SHORT_BINUNICODE
  // for any text; 256 bytes: BINUNICODE).
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0x7ff }).map((c) => String.fromCharCode(c)) },
    { weight: 2, arbitrary: fc.integer({ min: 0x800, max: 0xd7ff }).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
    { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  );
  const texts = new Set<string>();
  for (const n of [1, 23, 24, 25, 63, 64, 65, 84, 85, 86, 127, 255, 256, 300, 1000]) {
    for (const s of fc.sample(fc.string({ unit, minLength: n, maxLength: n }), { numRuns: 12, seed: n })) {
      texts.add(s);
    }
    texts.add('a'.repeat(n));
    texts.add('\u00e9'.repeat(n));
  }
  const list = [...texts];
  for (const s of list) assert.equal(utf8Length(s), utf8LengthJs(s), JSON.stringify(s));
  for (const protocol of [3, 5]) {
    const expected = runPython(
      'import json, pickle, sys\nfor s in json.load(sys.stdin): print(pickle.dumps(s, int(sys.argv[1])).hex())',
      [String(protocol)],
      JSON.stringify(list),
    )
      .trim()
      .split('\n');
    list.forEach((s, i) => {
      assert.equal(Buffer.from(dumps(s, { protocol })).toString('hex'), expected[i], JSON.stringify(s));
    });
    // The same strings in one value: memo reads for the repeats, one frame.
    assert.deepEqual(loads(dumps([list, list], { protocol })), [list, list]);
  }
});
