/**
 * Plain-object dicts of every size around the point where V8 would turn an
 * object built by keyed stores into a hash table (19 properties), loaded again
 * and again as a stream of records is: keys, order and values as CPython loads
 * them, special keys as own data properties, no prototype touched. Also the
 * short-string cache that dict keys go through, with keys that share its slots.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { loads } from '../src/index.js';
import { type DictCase, dictCasesCode, dictCasesOf, entriesOf } from './support/dict-cases.js';
import { fromHex, runPythonPieces } from './support/python.js';

function checkCases(cases: DictCase[], rounds: number): void {
  const protoKeys = Reflect.ownKeys(Object.prototype).length;
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const value = loads(fromHex(c.hex));
      assert.deepEqual(entriesOf(value, c), c.items, `${c.name}, load ${round}`);
    }
  }
  assert.equal(Reflect.ownKeys(Object.prototype).length, protoKeys, 'Object.prototype untouched');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

const SIZES = [
  1, 4, 12, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 31, 32, 33, 34, 40, 64, 100, 1001, 2500,
];

/**
 * Every piece of python3 code of this file, run in one python3 process when the file is imported (a
 * start of python3 costs about 0.1 s of CPU; the pieces do not depend on what the tests compute).
 */
const PY = runPythonPieces({
  sizes: dictCasesCode(`
values = [0, -1, 2**40, 1.5, -0.25, 'v', 'é' * 3, None, True, False, 'x' * 300]
for proto in (2, 5):
    for n in ${JSON.stringify(SIZES)}:
        d = {('field_%d' % i) if i % 3 else ('k%d_%d' % (n, i)): values[i % len(values)] for i in range(n)}
        cases.append(('%d keys, protocol %d' % (n, proto), pickle.dumps(d, proto)))
        # The same keys in another order, and a record of these inside a list, as a stream of records carries them.
        cases.append(('%d keys reversed, protocol %d' % (n, proto), pickle.dumps(dict(reversed(list(d.items()))), proto)))
`),
  records: `
import json, pickle
a = [{('a%d' % i): i for i in range(23)}, {('b%d' % i): str(i) for i in range(27)}] * 40
print(json.dumps({'hex': pickle.dumps(a, 5).hex(), 'value': a}))
`,
  special: dictCasesCode(`
special = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf', 'prototype']
for n in (20, 23, 26, 33):
    for at in range(0, n, 1):
        keys = ['f%d' % i for i in range(n)]
        keys[at] = special[at % len(special)]
        d = {k: [i] if k == '__proto__' else i for i, k in enumerate(keys)}
        cases.append(('%d keys, %s at %d' % (n, keys[at], at), pickle.dumps(d, 5)))
`),
  repeated: dictCasesCode(`
def sbu(s):
    b = s.encode()
    return b'\\x8c' + bytes([len(b)]) + b
for n in (20, 23, 26, 40):
    for first, again in ((0, 19), (5, 22), (18, 19), (19, 25), (0, n - 1), (21, 22)):
        if again >= n:
            continue
        keys = ['k%d' % i for i in range(n)]
        keys[again] = keys[first]
        body = b''.join(sbu(k) + b'K' + bytes([i]) for i, k in enumerate(keys))
        for proto_key in (False, True):
            ks = list(keys)
            if proto_key:
                ks[first] = ks[again] = '__proto__'
            body = b''.join(sbu(k) + b'K' + bytes([i]) for i, k in enumerate(ks))
            data = b'\\x80\\x04}(' + body + b'u.'
            cases.append(('%d keys, %s at %d and %d' % (n, ks[first], first, again), data))
`),
  indices: dictCasesCode(`
for n in (20, 22, 25, 31):
    for at in sorted({0, 18, 19, 20, 22, 25, n - 1}):
        if at >= n:
            continue
        keys = ['f%d' % i for i in range(n)]
        keys[at] = str(at)
        cases.append(('%d keys, %s at %d' % (n, keys[at], at), pickle.dumps({k: i for i, k in enumerate(keys)}, 5)))
        keys[at] = at
        cases.append(('%d keys, int %d at %d' % (n, at, at), pickle.dumps({k: i for i, k in enumerate(keys)}, 5)))
`),
  shortKeys: `
import json, pickle, random
r = random.Random(11)
alphabet = 'abcAB_-'
keys = sorted({''.join(r.choice(alphabet) for _ in range(r.randint(1, 4))) for _ in range(3000)})
pickles = []
values = []
for i in range(12):
    ks = r.sample(keys, 60)
    d = {k: ('v' + k) if i % 2 else len(k) for k in ks}
    # keys also as list items and dict values, which are not cached, between the dicts
    v = [d, ks[:10], {'x': ks[0], 'y': ks[1]}]
    pickles.append(pickle.dumps(v, 5 if i % 3 else 2).hex())
    values.append(v)
print(json.dumps({'pickles': pickles, 'values': values}))
`,
  lengths: dictCasesCode(`
r = random.Random(3)
for n in range(0, 17):
    for kind in ('ascii', 'latin', 'wide'):
        chars = {'ascii': 'abcdefgh', 'latin': 'aé', 'wide': 'a\\u20ac\\U0001f600'}[kind]
        keys = []
        for _ in range(200):
            k = ''.join(r.choice(chars) for _ in range(n))
            if len(k.encode()) <= 16 and k not in keys:
                keys.append(k)
            if len(keys) == 25:
                break
        d = {k: i for i, k in enumerate(keys)}
        cases.append(('%s keys of %d characters' % (kind, n), pickle.dumps(d, 5)))
`),
});

suite('dicts of every size around 20 keys', () => {
  test('keys, order and values as CPython loads them, loaded again and again, at protocols 2 and 5', () => {
    const cases = dictCasesOf(PY('sizes'));
    checkCases(cases, 4);
  });

  test('a list of records of two shapes that alternate loads like CPython', () => {
    const out = PY('records');
    const { hex, value } = JSON.parse(out) as { hex: string; value: Record<string, unknown>[] };
    for (let round = 0; round < 3; round++) {
      const loaded = loads(fromHex(hex)) as Record<string, unknown>[];
      assert.equal(loaded.length, value.length);
      for (let i = 0; i < value.length; i++) {
        assert.deepEqual(Object.entries(loaded[i]!), Object.entries(value[i]!), `record ${i}, load ${round}`);
      }
    }
  });

  test("special keys at every position are own data properties ('__proto__', 'constructor', ...)", () => {
    const cases = dictCasesOf(PY('special'));
    checkCases(cases, 2);
    for (const c of cases) {
      const value = loads(fromHex(c.hex)) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(value), Object.prototype, c.name);
    }
  });

  test('repeated keys keep their first place and their last value, as CPython does', () => {
    // SETITEMS with a key written twice: hand-made pickles (CPython's pickler never writes one).
    const cases = dictCasesOf(PY('repeated'));
    checkCases(cases, 3);
  });

  test('keys a JS object would reorder (array indices) make a Map in CPython order, at any position', () => {
    const cases = dictCasesOf(PY('indices'));
    checkCases(cases, 2);
  });
});

suite('the short-string cache', () => {
  test('many short keys that share cache slots load as CPython wrote them, call after call', () => {
    // 1-3 character keys over a small alphabet: thousands of them in 4096 slots, so slots are shared and
    // replaced while the same keys come back in other dicts (and other pickles) in other orders.
    const out = PY('shortKeys');
    const { pickles, values } = JSON.parse(out) as { pickles: string[]; values: unknown[] };
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < pickles.length; i++) {
        const loaded = loads(fromHex(pickles[i]!)) as [
          Record<string, unknown>,
          string[],
          Record<string, string>,
        ];
        const expected = values[i] as typeof loaded;
        assert.deepEqual(
          Object.entries(loaded[0]),
          Object.entries(expected[0]),
          `pickle ${i}, load ${round}`,
        );
        assert.deepEqual(loaded[1], expected[1]);
        assert.deepEqual(loaded[2], expected[2]);
      }
    }
  });

  test('keys of every length up to 16 bytes, ASCII or not, cached or not', () => {
    const cases = dictCasesOf(PY('lengths'));
    checkCases(cases, 3);
  });
});
