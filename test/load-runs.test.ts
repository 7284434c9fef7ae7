/**
 * Two shortcuts of the loader, checked against CPython:
 *
 * - the batch path for dicts: MARK, simple keys and values (str, ints,
 *   floats, None, bools, memo reads and writes of them), SETITEMS, read by a
 *   loop of its own that stops at anything else and hands over to the main
 *   loop;
 * - the memo, given room for the memo opcodes ahead once it holds 4096
 *   entries, so that its free slots are holes until the pickle fills them.
 *
 * Each case is loaded by brine and by CPython (its description, or its
 * error); hand-made pickles break a batch in every way the shortcut has to
 * notice (truncated, bad lengths, invalid UTF-8, `__proto__` keys, memo
 * references to objects, ids out of order, a MARK left open). Every pickle
 * of the file, CPython's and the hand-made ones, goes to one python3 process,
 * which describes each value once for its six protocols (after checking that
 * the six load to values that pickle back to the same bytes).
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { compareDescriptions, type Desc, describe } from './support/describe.js';
import { fromHex, runPython } from './support/python.js';

const PROTO5 = [0x80, 0x05];
const STOP = 0x2e;
const MARK = 0x28;
const EMPTY_DICT = 0x7d;
const EMPTY_LIST = 0x5d;
const SETITEMS = 0x75;
const SETITEM = 0x73;
const DICT = 0x64;
const POP_MARK = 0x31;
const POP = 0x30;
const BININT1 = 0x4b;
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE = 0x58;
const BINGET = 0x68;
const LONG_BINGET = 0x6a;
const BINPUT = 0x71;
const LONG_BINPUT = 0x72;
const MEMOIZE = 0x94;
const FRAME = 0x95;
const APPENDS = 0x65;

/** `count` pairs 'k<i>': i (i below 256), each key memoized when `memoize`. */
function pairs(count: number, from = 0, memoize = false): number[] {
  const out: number[] = [];
  for (let i = from; i < from + count; i++) {
    const key = [...`k${i}`].map((c) => c.charCodeAt(0));
    out.push(SHORT_BINUNICODE, key.length, ...key);
    if (memoize) out.push(MEMOIZE);
    out.push(BININT1, i & 0xff);
  }
  return out;
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

/** A list of `n` distinct str, each memoized, in batches of 1000. */
function memoized(n: number): number[] {
  const out = [EMPTY_LIST, MEMOIZE];
  for (let i = 0; i < n; i += 1000) {
    out.push(MARK);
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const s = [...`s${j}`].map((c) => c.charCodeAt(0));
      out.push(SHORT_BINUNICODE, s.length, ...s, MEMOIZE);
    }
    out.push(APPENDS);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The hand-made pickles, built here so that one python3 process describes them all

const key = [SHORT_BINUNICODE, 3, 0x61, 0x62, 0x63];
const utf8KeyBefore = [...PROTO5, EMPTY_DICT, MARK, ...pairs(3000)];
const utf8SecondBefore = [...PROTO5, EMPTY_DICT, MARK, ...pairs(1000), SETITEMS, MARK, ...pairs(10, 1000)];
const binunicodeBefore = [...PROTO5, EMPTY_DICT, MARK, ...pairs(2000)];
const longKey = [SHORT_BINUNICODE, 1, 0x71];
const longHead = [...PROTO5, EMPTY_DICT, LONG_BINPUT, ...u32(0), MARK, ...pairs(1000)];
// ids 0..5000, then id 7000 set ahead: MEMOIZE goes on at len(memo) = 5002 (5001 stays free),
// reaches 7000 and overwrites it from then on.
const aheadStart = [
  ...PROTO5,
  EMPTY_LIST,
  MARK,
  ...memoized(5000),
  BININT1,
  7,
  LONG_BINPUT,
  ...u32(7000),
  POP,
];
const aheadRest = memoized(3000);
const strPayload = new Array(100000).fill(MEMOIZE);

const hand = {
  utf8Key: [...utf8KeyBefore, SHORT_BINUNICODE, 2, 0xc3, 0x28, BININT1, 1, SETITEMS, STOP],
  utf8Second: [...utf8SecondBefore, BINUNICODE, ...u32(1), 0xff, BININT1, 1, SETITEMS, STOP],
  cutShort: [...PROTO5, EMPTY_DICT, MARK, ...pairs(3000), SHORT_BINUNICODE, 5, 0x61],
  binunicodeLength: [...binunicodeBefore, BINUNICODE, 0xff, 0xff, 0xff, 0x7f, 0x61, SETITEMS, STOP],
  oddItems: [...PROTO5, EMPTY_DICT, MARK, ...pairs(2000), BININT1, 1, SETITEMS, STOP],
  endedByDict: [...PROTO5, EMPTY_DICT, MARK, ...pairs(2000), DICT, STOP],
  endedByDictInList: [...PROTO5, EMPTY_LIST, EMPTY_DICT, MARK, ...pairs(2000), DICT, APPENDS, STOP],
  endedByPopMark: [...PROTO5, EMPTY_DICT, MARK, ...pairs(2000), POP_MARK, STOP],
  noSetitems: [...PROTO5, EMPTY_DICT, MARK, ...pairs(2000), STOP],
  memoizeAfterMark: [...PROTO5, EMPTY_DICT, MARK, MEMOIZE, ...pairs(3), SETITEMS, STOP],
  // memo 0: the dict, memo 1: 'abc'
  keyFromMemo: [
    ...PROTO5,
    EMPTY_DICT,
    MEMOIZE,
    MARK,
    ...key,
    MEMOIZE,
    BININT1,
    1,
    ...pairs(2000),
    BINGET,
    1,
    BINGET,
    1,
    SETITEMS,
    STOP,
  ],
  // A dict as a value, then as a key (unhashable in both)
  dictAsValue: [...PROTO5, EMPTY_DICT, MEMOIZE, MARK, ...pairs(1000), ...key, BINGET, 0, SETITEMS, STOP],
  dictAsKey: [...PROTO5, EMPTY_DICT, MEMOIZE, MARK, ...pairs(1000), BINGET, 0, BININT1, 1, SETITEMS, STOP],
  // memo 0: D, memo 1: the big dict, which holds D under 'd' (read in its batch); the big dict is
  // popped, D (still on the stack) gets an int key and is a Map from then on.
  dictBecomesMap: [
    ...[...PROTO5, EMPTY_LIST, MARK, EMPTY_DICT, MEMOIZE, EMPTY_DICT, MEMOIZE, MARK, ...pairs(1000)],
    ...[SHORT_BINUNICODE, 1, 0x64, BINGET, 0, SETITEMS, POP],
    ...[BININT1, 5, SHORT_BINUNICODE, 1, 0x78, SETITEM, BINGET, 1, APPENDS, STOP],
  ],
  longPutGet: [
    ...longHead,
    ...longKey,
    LONG_BINPUT,
    ...u32(1),
    BININT1,
    3,
    LONG_BINGET,
    ...u32(1),
    LONG_BINGET,
    ...u32(1),
    SETITEMS,
    STOP,
  ],
  longGetObject: [...longHead, ...longKey, LONG_BINGET, ...u32(0), SETITEMS, STOP],
  longPutCut: [...longHead, ...longKey, LONG_BINPUT, 1, 0],
  neverStored: [...PROTO5, EMPTY_DICT, MARK, ...pairs(5, 0, true), BINGET, 9, BININT1, 1, SETITEMS, STOP],
  outOfOrder: [
    ...PROTO5,
    EMPTY_DICT,
    MARK,
    ...pairs(10, 0, true),
    SHORT_BINUNICODE,
    1,
    0x7a,
    BINPUT,
    200,
    BININT1,
    1,
    SHORT_BINUNICODE,
    1,
    0x79,
    BINPUT,
    3,
    BININT1,
    2,
    BINGET,
    200,
    BINGET,
    3,
    SETITEMS,
    STOP,
  ],
  afterGrowth: [
    ...PROTO5,
    EMPTY_LIST,
    MARK,
    ...memoized(9000),
    LONG_BINGET,
    ...u32(8000),
    LONG_BINGET,
    ...u32(4097),
    APPENDS,
    STOP,
  ],
  aheadFilled: [
    ...aheadStart,
    ...aheadRest,
    LONG_BINGET,
    ...u32(7000),
    LONG_BINGET,
    ...u32(6999),
    LONG_BINGET,
    ...u32(5002),
    APPENDS,
    STOP,
  ],
  aheadFree: [...aheadStart, ...aheadRest, LONG_BINGET, ...u32(5001), APPENDS, STOP],
  slotNotStored: [
    ...PROTO5,
    EMPTY_LIST,
    MARK,
    ...memoized(5000),
    LONG_BINGET,
    ...u32(5500),
    ...memoized(2000),
    APPENDS,
    STOP,
  ],
  memoOpsInStr: [
    ...PROTO5,
    EMPTY_LIST,
    MARK,
    ...memoized(5000),
    BINUNICODE,
    ...u32(strPayload.length),
    ...strPayload,
    MEMOIZE,
    LONG_BINGET,
    ...u32(4500),
    APPENDS,
    STOP,
  ],
};

const hexOf = (bytes: readonly number[]) => Buffer.from(bytes).toString('hex');

/**
 * What python3 says, in one process: `pickles`, name -> [pickle hex, index of the description of
 * CPython's load of it]; `hand`, each hand-made pickle's description or the name of the exception
 * CPython raises; `floats`, a dict of integral floats pickled by CPython.
 */
const python = JSON.parse(
  runPython(
    `
import json, pickle, random, sys
sys.path.insert(0, 'scripts')
from vectors_lib import describe
rng = random.Random(29)
words = ['w%d' % i for i in range(3000)]
values = {
    'str keys to str': {'key%d' % i: ''.join(rng.choice('abcdefgh') for _ in range(20)) for i in range(6000)},
    'values of every simple kind': {'k%d' % i: [i, -i * 1000003, i * 70000, i / 7, None, True, False, 'é%d' % i, 'x' * 300][i % 9] for i in range(9000)},
    'non-ASCII and long keys': {('ключ%d' % i if i % 2 else 'k' * 300 + str(i)): i for i in range(4000)},
    'shared values': {'k%d' % i: words[i % 50] for i in range(6000)},
    'proto and other special keys': dict([('__proto__', 1), ('constructor', 2)] + [('k%d' % i, i) for i in range(3000)] + [('toString', 3), ('hasOwnProperty', 4), ('__proto__', 5)]),
    'array-index key midway': dict([('k%d' % i, i) for i in range(2500)] + [('123', 'x')] + [('m%d' % i, i) for i in range(2500)]),
    'int keys': {i: str(i) for i in range(3000)},
    'nested values midway': {'k%d' % i: (i if i % 700 else {'inner': [i, 'a']}) for i in range(5000)},
    'big int values midway': {'k%d' % i: (i if i % 900 else 2**80 + i) for i in range(5000)},
    'tuple values midway': {'k%d' % i: (i if i % 800 else (i, 'x')) for i in range(5000)},
    'records with shared keys': [{'id': i, 'name': 'n%d' % i, 'score': i / 3, 'ok': i % 2 == 0, 'tags': ['a', 'b']} for i in range(3000)],
    'small dict': {'a': 1, 'b': 'c', 'd': None},
    'empty dict': {},
    'many memo entries read back': (lambda s: [s, list(reversed(s))])(['s%d' % i for i in range(12000)]),
    'many memo entries, then tuples': [('t%d' % i, i) for i in range(9000)] * 2,
}
shared = {'x': 1}
values['one dict twice'] = {'a': shared, 'b': shared, **{'k%d' % i: i for i in range(3000)}, 'c': shared}
selfref = {'k%d' % i: i for i in range(3000)}
selfref['me'] = selfref
selfref.update({'m%d' % i: i for i in range(3000)})
values['dict holding itself'] = selfref
# Each value is described once for its six pickles: CPython's loads of each must pickle back to
# the same bytes (same types, values, order and sharing); a protocol whose load does not gets a
# description of its own.
pickles = {}
descriptions = []
for name, v in values.items():
    seen = {}
    for proto in (0, 1, 2, 3, 4, 5):
        data = pickle.dumps(v, protocol=proto)
        loaded = pickle.loads(data)
        again = pickle.dumps(loaded, protocol=5)
        if again not in seen:
            seen[again] = len(descriptions)
            descriptions.append(describe(loaded))
        pickles['%s, protocol %d' % (name, proto)] = [data.hex(), seen[again]]
hand = {}
for name, hex in json.load(sys.stdin).items():
    try:
        hand[name] = describe(pickle.loads(bytes.fromhex(hex)))
    except Exception as e:
        hand[name] = {'error': type(e).__name__}
floats = pickle.dumps({'k%d' % i: float(i) for i in range(3000)}, 5).hex()
sys.stdout.write(json.dumps({'pickles': pickles, 'descriptions': descriptions, 'hand': hand, 'floats': floats}))
`,
    [],
    JSON.stringify(Object.fromEntries(Object.entries(hand).map(([name, bytes]) => [name, hexOf(bytes)]))),
  ),
) as {
  pickles: Record<string, [string, number]>;
  descriptions: Desc[];
  hand: Record<keyof typeof hand, Desc | { error: string }>;
  floats: string;
};

/** name -> [pickle hex, Python's description of pickle.loads of it]. */
const cases = Object.fromEntries(
  Object.entries(python.pickles).map(([name, [hex, d]]) => [name, [hex, python.descriptions[d]!]]),
) as Record<string, [string, Desc]>;

/** Loads a hand-made pickle with brine and checks it against CPython; returns brine's error, if any. */
function sameAsPython(name: keyof typeof hand): UnpicklingError | undefined {
  const bytes = hand[name];
  const expected = python.hand[name];
  let value: unknown;
  try {
    value = loads(Uint8Array.from(bytes));
  } catch (e) {
    assert.ok(e instanceof UnpicklingError, String(e));
    assert.ok('error' in (expected as object), `CPython loads it, brine says ${e.message}`);
    return e;
  }
  assert.ok(!('error' in (expected as object)), `CPython raises ${JSON.stringify(expected)}, brine loads it`);
  const diff = compareDescriptions(describe(value), expected);
  assert.equal(diff, undefined, diff);
  return undefined;
}

suite('dict batches and a presized memo load as in CPython', () => {
  for (const [name, [hex, expected]] of Object.entries(cases)) {
    test(name, () => {
      const value = loads(fromHex(hex));
      const diff = compareDescriptions(describe(value), expected);
      assert.equal(diff, undefined, diff);
    });
  }

  test('a __proto__ key is an own property, and the prototype stays', () => {
    const [hex] = cases['proto and other special keys, protocol 5']!;
    const value = loads(fromHex(hex)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__'), {
      value: 5,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    assert.equal(Object.keys(value)[0], '__proto__');
    assert.equal(value.constructor, 2);
    assert.equal(({} as Record<string, unknown>).constructor, Object, 'no prototype touched');
  });

  test('integral floats stay PyFloat under floats: keep', () => {
    const value = loads(fromHex(python.floats), { floats: 'keep' }) as Record<string, unknown>;
    assert.equal(typeof value.k7, 'object');
    assert.equal(Number(value.k7), 7);
  });
});

suite('a dict batch broken off, or holding bad data, loads or fails as in CPython', () => {
  test('invalid UTF-8 in a key is reported at its opcode', () => {
    const e = sameAsPython('utf8Key');
    assert.equal(e?.offset, utf8KeyBefore.length);
    assert.equal(e?.opcode, 'SHORT_BINUNICODE');
    assert.match(e?.message ?? '', /UTF-8/);
  });

  test('invalid UTF-8 in the second batch', () => {
    const e = sameAsPython('utf8Second');
    assert.equal(e?.offset, utf8SecondBefore.length);
    assert.equal(e?.opcode, 'BINUNICODE');
  });

  test('a batch cut short', () => {
    const e = sameAsPython('cutShort');
    assert.equal(e?.offset, hand.cutShort.length - 3);
    assert.equal(e?.truncated, true);
  });

  test('a string length past the end of its frame', () => {
    // CPython's C unpickler reads past a frame; brine refuses, in a batch as elsewhere.
    const body = [EMPTY_DICT, MARK, ...pairs(300), SHORT_BINUNICODE, 200, 0x61, 0x62];
    const bytes = [
      ...PROTO5,
      FRAME,
      ...u32(body.length),
      0,
      0,
      0,
      0,
      ...body,
      ...new Array(250).fill(0x61),
      SETITEMS,
      STOP,
    ];
    assert.throws(
      () => loads(Uint8Array.from(bytes)),
      (e: unknown) =>
        e instanceof UnpicklingError &&
        e.opcode === 'SHORT_BINUNICODE' &&
        e.offset === 11 + body.length - 4 &&
        /past the end of its frame/.test(e.message),
    );
  });

  test('a BINUNICODE length larger than the input', () => {
    const e = sameAsPython('binunicodeLength');
    assert.equal(e?.offset, binunicodeBefore.length);
    assert.equal(e?.truncated, true);
  });

  test('an odd number of items', () => {
    const e = sameAsPython('oddItems');
    assert.equal(e?.opcode, 'SETITEMS');
  });

  test('a batch ended by DICT: a new dict, the one under the MARK untouched', () => {
    sameAsPython('endedByDict');
    sameAsPython('endedByDictInList');
  });

  test('a batch ended by POP_MARK leaves the dict empty', () => {
    sameAsPython('endedByPopMark');
  });

  test('a batch with no SETITEMS: STOP returns the last item', () => {
    sameAsPython('noSetitems');
  });

  test('MEMOIZE right after the MARK memoizes nothing', () => {
    const e = sameAsPython('memoizeAfterMark');
    assert.equal(e?.opcode, 'MEMOIZE');
  });

  test('a key read from the memo, and a key that is the dict itself', () => {
    sameAsPython('keyFromMemo');
    sameAsPython('dictAsValue');
    sameAsPython('dictAsKey');
  });

  test('a dict read from the memo into a batch, which becomes a Map afterwards, is the same Map there', () => {
    sameAsPython('dictBecomesMap');
    const [d, big] = loads(Uint8Array.from(hand.dictBecomesMap)) as [unknown, Record<string, unknown>];
    assert.ok(d instanceof Map);
    assert.equal(big.d, d);
  });

  test('LONG_BINPUT and LONG_BINGET inside a batch, cut short or reading an object', () => {
    sameAsPython('longPutGet');
    sameAsPython('longGetObject');
    const e = sameAsPython('longPutCut');
    assert.equal(e?.offset, hand.longPutCut.length - 3);
    assert.equal(e?.truncated, true);
  });

  test('a memo read of an id never stored', () => {
    const e = sameAsPython('neverStored');
    assert.equal(e?.opcode, 'BINGET');
  });

  test('ids stored out of order inside a batch', () => {
    sameAsPython('outOfOrder');
  });
});

suite('the presized memo', () => {
  test('reads of entries stored after the memo grew', () => {
    sameAsPython('afterGrowth');
  });

  test('ids stored ahead inside the room made, then filled by MEMOIZE as Python does', () => {
    sameAsPython('aheadFilled');
    const e = sameAsPython('aheadFree');
    assert.equal(e?.opcode, 'LONG_BINGET');
    assert.match(e?.message ?? '', /Memo value not found at index 5001/);
  });

  test('a read of a slot made for an entry not stored yet is an error', () => {
    const e = sameAsPython('slotNotStored');
    assert.equal(e?.opcode, 'LONG_BINGET');
    assert.match(e?.message ?? '', /Memo value not found at index 5500/);
  });

  test('memo opcodes inside the data of a str are not counted as memo entries', () => {
    sameAsPython('memoOpsInStr');
  });
});
