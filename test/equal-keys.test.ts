/**
 * Dict keys and set items that Python finds equal but that are distinct
 * objects in JavaScript: two tuples, frozensets, bytes or dates of equal
 * content, `(False,)` and `(0,)`, `(1, 2)` and `(1.0, 2)`. CPython never
 * writes such a dict or set (its keys are already unique), but a hand-made
 * pickle can; Python keeps one key, the first, with the last value. Each
 * pickle here is put together by python3 from pickled parts, loaded by
 * python3 and by brine, and brine's re-dump is loaded by python3: both must
 * describe the same dict or set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, FrozenSet, loads, pyHas, pyIndex, tuple } from '../src/index.js';
import { costRatio, LINEAR } from './support/linear.js';
import { pythonCases, runPython, toHex } from './support/python.js';

const CASES = pythonCases(String.raw`
import pickle, datetime
def body(v):
    # A protocol-3 pickle without PROTO and STOP: one value pushed.
    return pickle.dumps(v, 3)[2:-1]
def frozen(*items):
    return b'\x80\x04(' + b''.join(body(i) for i in items) + b'\x91.'
def added(*items):
    return b'\x80\x04\x8f(' + b''.join(body(i) for i in items) + b'\x90.'
def setcall(*items):
    # builtins.set([...]) through REDUCE, as protocols 2 and 3 write a set
    return b'\x80\x03cbuiltins\nset\n](' + b''.join(body(i) for i in items) + b'e\x85R.'
def dict_(*pairs):
    return b'\x80\x04}(' + b''.join(body(k) + body(v) for k, v in pairs) + b'u.'
long = 'x' * 40
cases = {
    'frozenset (False,) (0,)': frozen((False,), (0,)),
    'frozenset (0,) (False,) (0.0,)': frozen((0,), (False,), (0.0,)),
    'set (1, 2) (1.0, 2) (True, 2)': added((1, 2), (1.0, 2), (True, 2)),
    'set nested ((0,),) ((False,),)': added(((0,),), ((False,),)),
    'set bytes twice': added(b'ab', b'ab', b'ac'),
    'set long str in tuples': added((long, 1), (long, 1), (long + 'y', 1)),
    'set frozensets in any order': added(frozenset({1, 2}), frozenset({2, 1}), frozenset({1})),
    'set dates': added(datetime.date(2020, 1, 2), datetime.date(2020, 1, 2)),
    'builtins.set of equal tuples': setcall((0, 'a'), (False, 'a'), (1, 'a')),
    'dict tuple keys': dict_(((1, 2), 'a'), ((1, 2), 'b'), ((2, 1), 'c')),
    'dict (True,) then (1.0,)': dict_(((True,), 1), ((1.0,), 2)),
    'dict bytes keys': dict_((b'k', 1), (b'k', 2)),
    'dict frozenset keys': dict_((frozenset({'a', 'b'}), 1), (frozenset({'b', 'a'}), 2)),
    'dict str then tuple': dict_(('a', 1), ((0,), 2), ((False,), 3), ('a', 4)),
    'dict int then bool then tuples': dict_((1, 'i'), (True, 'b'), ((1,), 't'), ((True,), 'u')),
}
`);

/** What python3 sees in a pickle: the dict's (repr, type) of each key with its value, or the set's items. */
function describe(pickles: Uint8Array[]): string[] {
  const out = runPython(
    `
import pickle, sys, json
def r(k):
    # A frozenset's repr follows its str hashes, which differ between processes.
    return 'frozenset%r' % sorted(map(repr, k)) if isinstance(k, frozenset) else repr(k)
def d(v):
    if isinstance(v, dict):
        return [[r(k), type(k).__name__, repr(x)] for k, x in v.items()]
    return sorted([r(k), type(k).__name__] for k in v)
print(json.dumps([json.dumps(d(pickle.loads(bytes.fromhex(h)))) for h in sys.argv[1:]]))
`,
    pickles.map(toHex),
  );
  return JSON.parse(out) as string[];
}

test('equal keys and items are merged as python3 merges them, first key and last value', () => {
  const names = [...CASES.keys()];
  const originals = names.map((n) => CASES.get(n)!);
  const redumped = originals.map((p) => dumps(loads(p), { protocol: 4 }));
  const expected = describe(originals);
  const got = describe(redumped);
  for (let i = 0; i < names.length; i++) assert.equal(got[i], expected[i], names[i]);
  // And the sizes, read in JavaScript.
  const sizes = JSON.parse(
    runPython(
      'import pickle, sys, json; print(json.dumps([len(pickle.loads(bytes.fromhex(h))) for h in sys.argv[1:]]))',
      originals.map(toHex),
    ),
  ) as number[];
  for (let i = 0; i < names.length; i++) {
    const value = loads(originals[i]!) as Map<unknown, unknown> | Set<unknown>;
    assert.equal(value.size, sizes[i], names[i]);
  }
});

test('a merged key keeps the object of its first arrival', () => {
  const value = loads(CASES.get('dict (True,) then (1.0,)')!) as Map<unknown, unknown>;
  assert.deepEqual([...value.keys()], [tuple(true)]);
  assert.deepEqual([...value.values()], [2]);
});

test('an equality index lives only while the load runs: later loads of the same shape are not affected', () => {
  const data = CASES.get('frozenset (False,) (0,)')!;
  for (let i = 0; i < 3; i++) assert.equal((loads(data) as FrozenSet<unknown>).size, 1);
  // A dict with tuple keys, all distinct, keeps every one.
  const keys = Array.from({ length: 500 }, (_, i): unknown => tuple<unknown>(i, `k${i}`));
  const map = new Map(keys.map((k, i) => [k, i]));
  const back = loads(dumps(map)) as Map<unknown, unknown>;
  assert.equal(back.size, 500);
  assert.ok(pyHas(back, tuple<unknown>(499, 'k499')));
});

/** Two chains of tuples t(i) = (t(i-1), t(i-1)), built apart, as the items of one frozenset. */
function chains(depth: number): Uint8Array {
  // PROTO 4, MARK, then each chain: (0,) memoized, depth times (GET, GET, TUPLE2, MEMOIZE, POP),
  // then a GET of its top; FROZENSET, STOP. Memo ids count up across both chains.
  const out: number[] = [0x80, 4, 0x28];
  let id = 0;
  for (let c = 0; c < 2; c++) {
    out.push(0x4b, 0, 0x85, 0x94, 0x30); // (0,), memoized, popped
    for (let i = 0; i < depth; i++, id++) out.push(0x6a, ...u32(id), 0x6a, ...u32(id), 0x86, 0x94, 0x30);
    out.push(0x6a, ...u32(id)); // the chain's top
    id++;
  }
  out.push(0x91, 0x2e);
  return Uint8Array.from(out);
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

test('chains of shared tuples are merged at a cost linear in their depth (not in their 2^n items)', () => {
  assert.equal((loads(chains(60)) as Set<unknown>).size, 1);
  // Depths 240 and 960: below the lookup limit of 1000 levels, where the texts are made.
  const r = costRatio(240, chains, (data) => loads(data), { targetMs: 20, pairs: 5 });
  assert.ok(r.ratio < LINEAR, `depth 240 -> 960: ${JSON.stringify(r)}`);
  // pyIndex and pyHas use the same texts.
  const set = loads(chains(200)) as Set<unknown>;
  const [item] = set;
  assert.ok(pyIndex(set).has(item));
  assert.ok(
    pyHas(
      new Set([tuple<unknown>(tuple<unknown>(0), tuple<unknown>(0))]),
      tuple<unknown>(tuple<unknown>(false), tuple<unknown>(0.0)),
    ),
  );
});

test('a key nested deeper than the lookup limit still loads (compared by identity past it)', () => {
  // ((...((0,),)...),) 1,500 deep, twice, as the items of one frozenset: python3 finds them equal;
  // brine keeps both (past 1000 levels a key is compared by identity) and loads without error.
  const depth = 1500;
  const one = [0x4b, 0, 0x85, ...Array.from({ length: depth }, () => 0x85)];
  const data = Uint8Array.from([0x80, 4, 0x28, ...one, ...one, 0x91, 0x2e]);
  const value = loads(data) as Set<unknown>;
  assert.ok(value.size === 1 || value.size === 2);
  const again = FrozenSet.prototype.has.call(value, [...value][0]);
  assert.ok(again);
});
