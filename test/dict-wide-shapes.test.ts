/**
 * Dicts of 20 keys or more loaded again and again, as a stream of records brings them: the
 * loader then stores their 20th, 23rd, 26th, 29th and 32nd keys by a keyed store when the last
 * such dict had the same first keys in the same order (it keeps an object of its own with those
 * keys so that V8's hidden classes stay), and through `Object.defineProperty` otherwise. Either
 * way the dict must be what CPython loads: keys, order, values, special keys as own data
 * properties, array-index keys as a Map, and the loader's own object must never show.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { dumps, loads } from '../src/index.js';
import { type DictCase, dictCasesCode, dictCasesOf, entriesOf } from './support/dict-cases.js';
import { fromHex, runPython, runPythonPieces, toHex } from './support/python.js';

/**
 * The python3 code of this file that does not depend on what the tests compute, run in one python3
 * process when the file is imported (a start of python3 costs about 0.1 s of CPU).
 */
const PY = runPythonPieces({
  sameKeys: dictCasesCode(`
kinds = [lambda i: i, lambda i: i + 0.5, lambda i: 's%d' % i, lambda i: None, lambda i: [i], lambda i: float('nan'),
         lambda i: 2**40 + i, lambda i: -i, lambda i: True, lambda i: 'é' * (i % 5)]
for load in range(40):
    d = {'field_%d' % i: kinds[(i * 7 + load) % len(kinds)](i) for i in range(33)}
    cases.append(('load %d' % load, pickle.dumps(d, 5 if load % 2 else 2)))
`),
  sharedFirst: dictCasesCode(`
base = ['k%d' % i for i in range(34)]
for at in (None, 0, 18, 19, 20, 22, 25, 28, 31, 33):
    keys = list(base)
    if at is not None:
        keys[at] = 'other%d' % at
    for n in (20, 23, 26, 29, 32, 34):
        cases.append(('%d keys, changed at %s' % (n, at), pickle.dumps({k: i for i, k in enumerate(keys[:n])}, 5)))
`),
  specialKeys: dictCasesCode(`
def sbu(s):
    b = s.encode()
    return (b'\\x8c' + bytes([len(b)]) + b) if len(b) < 256 else (b'X' + len(b).to_bytes(4, 'little') + b)
base = ['f%d' % i for i in range(32)]
cases.append(('plain', pickle.dumps({k: i for i, k in enumerate(base)}, 5)))
for at in (0, 19, 20, 22, 31):
    for special in ('__proto__', 'constructor', 'toString', '19', '0', 'x' * 100):
        keys = list(base)
        keys[at] = special
        cases.append(('%r at %d' % (special[:8], at), pickle.dumps({k: [i] if k == '__proto__' else i for i, k in enumerate(keys)}, 5)))
# a key written twice in one batch (hand-made: CPython's pickler never writes one)
for first, again in ((0, 19), (18, 19), (19, 22), (3, 31)):
    ks = list(base)
    ks[again] = ks[first]
    body = b''.join(sbu(k) + b'K' + bytes([i]) for i, k in enumerate(ks))
    cases.append(('%s twice, at %d and %d' % (ks[first], first, again), b'\\x80\\x04}(' + body + b'u.'))
    ks[first] = ks[again] = '__proto__'
    body = b''.join(sbu(k) + b'K' + bytes([i]) for i, k in enumerate(ks))
    cases.append(('__proto__ twice, at %d and %d' % (first, again), b'\\x80\\x04}(' + body + b'u.'))
# keys given in two batches: the second batch starts with the first keys again (CPython stores them twice)
body1 = b''.join(sbu(k) + b'K' + bytes([i]) for i, k in enumerate(base[:10]))
body2 = b''.join(sbu(k) + b'K' + bytes([100 + i]) for i, k in enumerate(base))
cases.append(('two batches', b'\\x80\\x04}(' + body1 + b'u(' + body2 + b'u.'))
`),
  manyLoads: `
import json, pickle
recs = [{('key_%d' % j): (j * i if j % 4 else 'v%d' % i) for j in range(25)} for i in range(700)]
print(json.dumps({'hex': [pickle.dumps(r, 5).hex() for r in recs], 'values': recs}))
`,
});

/** Loads the cases in the given order, each checked against CPython's items. */
function loadInOrder(cases: DictCase[], order: number[], label: string): void {
  const protoKeys = Reflect.ownKeys(Object.prototype).length;
  for (let i = 0; i < order.length; i++) {
    const c = cases[order[i]!]!;
    const value = loads(fromHex(c.hex));
    assert.deepEqual(entriesOf(value, c), c.items, `${c.name} (${label}, load ${i})`);
  }
  assert.equal(Reflect.ownKeys(Object.prototype).length, protoKeys, 'Object.prototype untouched');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

suite('dicts of 20 keys or more, loaded one after another', () => {
  test('the same keys again and again, with values of every kind changing from load to load', () => {
    // One shape (33 keys), the value at each place an int, a float, a str, None, a list, NaN or a big int in turn:
    // V8's fields change representation under the loader while the keyed stores follow its transitions.
    const cases = dictCasesOf(PY('sameKeys'));
    loadInOrder(
      cases,
      Array.from({ length: 600 }, (_, i) => i % cases.length),
      'kinds rotating',
    );
  });

  test('shapes that share their first keys and differ at 19, 20, 22, 25, 28 or 31, alternating', () => {
    const cases = dictCasesOf(PY('sharedFirst'));
    const n = cases.length;
    // in order, each twice in a row, then interleaved with a stride, then reversed
    const order = [
      ...Array.from({ length: n * 2 }, (_, i) => i >> 1),
      ...Array.from({ length: n * 3 }, (_, i) => (i * 7) % n),
      ...Array.from({ length: n }, (_, i) => n - 1 - i),
    ];
    loadInOrder(cases, order, 'alternating');
  });

  test("special keys, array-index keys, repeated keys and long keys where the keyed store follows the loader's shape", () => {
    const cases = dictCasesOf(PY('specialKeys'));
    const plain = 0;
    const order: number[] = [];
    // each case right after the plain shape (whose keys it shares up to its change), twice
    for (let i = 1; i < cases.length; i++) order.push(plain, plain, i, plain, i, i);
    loadInOrder(cases, order, 'after the plain shape');
  });

  test('more loads of one shape than the loader keeps its object for, and python3 reads the re-dump', () => {
    const out = PY('manyLoads');
    const { hex, values } = JSON.parse(out) as { hex: string[]; values: Record<string, unknown>[] };
    const loaded = hex.map((h, i) => {
      const v = loads(fromHex(h)) as Record<string, unknown>;
      assert.deepEqual(Object.entries(v), Object.entries(values[i]!), `record ${i}`);
      return v;
    });
    // brine's dump of the loaded records is what python3 loads back as the records it wrote
    const back = runPython(
      `
import json, pickle, sys
print(json.dumps(pickle.loads(bytes.fromhex(sys.stdin.read()))))
`,
      [],
      toHex(dumps(loaded, { protocol: 5 })),
    );
    assert.deepEqual(JSON.parse(back), values);
  });
});
