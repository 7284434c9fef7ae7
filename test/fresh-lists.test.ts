/**
 * A list filled right after its EMPTY_LIST (its one item then APPEND, or one
 * batch of up to 16 items then APPENDS, as CPython writes every small list)
 * is remade at its size in place of the empty array V8 grew for it; the memo
 * id that holds it follows. Checked against CPython: pickles python3 wrote
 * at every protocol, with such lists shared (memo reads before and after the
 * 4096th memo entry), holding each kind of item, of 1 to 18 items, holding
 * themselves, and stored under an out-of-order memo id; each loaded to
 * CPython's value and sharing, and loaded with `exact` and dumped back to
 * python3's bytes. Every input here is over 64 KiB, the size from which lists
 * are remade (a padding str, or bytes after the STOP of hand-made pickles).
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { dumps, loads } from '../src/index.js';
import { assertSameHex, fromHex, runPythonPieces, toHex } from './support/python.js';

interface Case {
  /** The pickles by protocol, as python3 wrote them. */
  pickles: Map<number, Uint8Array>;
  /** Pairs of index paths from the root that CPython's value holds as one object. */
  same: number[][][];
  /** Index paths of lists that hold themselves. */
  selfHeld: number[][];
  /** `repr` of python3's load of each pickle, to compare with python3's load of brine's dump. */
  repr: string;
}

const ALL = [0, 1, 2, 3, 4, 5] as const;

/** python3 code that runs `build` (defining `value`, `same` and `self_held`) and prints the case. */
function caseCode(build: string): string {
  return `
import json, pickle
self_held = []
${build}
# A str that makes the pickle larger than 64 KiB: smaller inputs keep their lists as they grew.
value.append('p' * 70000)
def at(path):
    v = value
    for i in path:
        v = v[i]
    return v
for a, b in same:
    assert at(a) is at(b), (a, b)
for a in self_held:
    assert at(a) in at(a)
print(json.dumps({
    'same': same,
    'self_held': self_held,
    'repr': repr(value),
    'pickles': {p: pickle.dumps(value, p).hex() for p in ${JSON.stringify(ALL)}},
}))
`;
}

function caseOf(output: string): Case {
  const out = JSON.parse(output) as {
    same: number[][][];
    self_held: number[][];
    repr: string;
    pickles: Record<string, string>;
  };
  return {
    pickles: new Map(ALL.map((p) => [p, fromHex(out.pickles[String(p)]!)])),
    same: out.same,
    selfHeld: out.self_held,
    repr: out.repr,
  };
}

/** Bytes after a hand-made pickle's STOP (which `loads` ignores) that make the input over 64 KiB. */
const PAD: number[] = new Array(70000).fill(0);

function at(value: unknown, path: number[]): unknown {
  let v = value;
  for (const i of path) v = (v instanceof Map ? [...v.values()] : (v as unknown[]))[i];
  return v;
}

const KINDS = `
kinds = ['one', 'ç€😀', 'x' * 300, 7, 300, 70000, -5, 2 ** 62, 2 ** 100, -(2 ** 70), 0.5, 1e300, None, True, False]
`;

const PY = runPythonPieces({
  kinds: caseCode(`${KINDS}
# one list of one item per kind, then the same lists again (memo reads), then lists of 1-18 items
lists = [[k] for k in kinds]
sized = [list(range(100 + n, 100 + 2 * n)) for n in range(1, 19)]
strs = [['s%d' % j for j in range(n)] for n in range(1, 19)]
value = [lists, sized, strs, lists[0], lists[3], sized[15], sized[16], strs[0]]
same = [[[3], [0, 0]], [[4], [0, 3]], [[5], [1, 15]], [[6], [1, 16]], [[7], [2, 0]]]
`),
  repeated: caseCode(`
# the same str read back as the item (BINGET), and a str of the list before
tag = 'tag'
value = [[tag], [tag], ['other', tag], [tag, 'other']]
same = []
`),
  selfHeld: caseCode(`
a = []
a.append(a)
b = [1]
b.append(b)
c = ['c']
d = [c]
value = [a, b, d, c]
self_held = [[0], [1]]
same = [[[2, 0], [3]]]
`),
  records: caseCode(`
# past the 4096th memo entry: lists of one and two tags, some read again thousands of entries later
value = []
same = []
for i in range(3000):
    rec = [['t%d' % (i % 13)], ['a%d' % i, 'b%d' % (i % 5)], i, 'n%d' % i]
    if i % 11 == 0 and i >= 2000:
        rec.append(value[i - 1500][0])
        rec.append(value[i - 2000][1])
        same.append([[i, 4], [i - 1500, 0]])
        same.append([[i, 5], [i - 2000, 1]])
    value.append(rec)
`),
});

function checkCase(name: string, c: Case): void {
  for (const [p, pickle] of c.pickles) {
    for (let round = 0; round < 2; round++) {
      const v = loads(pickle);
      for (const [a, b] of c.same) assert.equal(at(v, a!), at(v, b!), `${name} protocol ${p}: ${a} is ${b}`);
      for (const a of c.selfHeld) {
        const list = at(v, a) as unknown[];
        assert.ok(list.includes(list), `${name} protocol ${p}: ${a} holds itself`);
      }
      // An exact load dumps back to python3's own bytes: the same values, and the same sharing.
      if (round === 0)
        assertSameHex(
          toHex(dumps(loads(pickle, { exact: true }), { protocol: p })),
          toHex(pickle),
          `${name} protocol ${p}`,
        );
    }
  }
}

suite('lists filled right after EMPTY_LIST', () => {
  test('lists of one item of each kind, and of 1 to 18 items, shared, load as CPython loads them', () => {
    checkCase('kinds', caseOf(PY('kinds')));
  });

  test('lists whose item is a memo read, or whose first of two items is', () => {
    checkCase('repeated', caseOf(PY('repeated')));
  });

  test('lists holding themselves, and a one-item list read back from the memo', () => {
    checkCase('selfHeld', caseOf(PY('selfHeld')));
  });

  test('records with lists of one and two items, read again past the 4096th memo entry', () => {
    checkCase('records', caseOf(PY('records')));
  });

  test('an empty list also held elsewhere (DUP, a memo read) before its items stays one list', () => {
    // Hand-made (CPython writes neither): EMPTY_LIST, DUP or BINPUT 0 + BINGET 0, then APPEND of one
    // item or a batch of two, then TUPLE2 of the two references: python3 gives one list twice.
    const cases = [
      [0x5d, 0x32, 0x4b, 7, 0x61], // DUP, APPEND
      [0x5d, 0x32, 0x28, 0x4b, 1, 0x4b, 2, 0x65], // DUP, APPENDS
      [0x5d, 0x71, 0, 0x68, 0, 0x4b, 7, 0x61], // BINPUT 0, BINGET 0, APPEND
      [0x5d, 0x71, 0, 0x68, 0, 0x28, 0x4b, 1, 0x4b, 2, 0x65], // BINPUT 0, BINGET 0, APPENDS
    ];
    for (const ops of cases) {
      const v = loads(Uint8Array.from([0x80, 2, ...ops, 0x86, 0x2e, ...PAD])) as unknown[][];
      assert.equal(v[0], v[1], ops.join(' '));
      assert.ok(v[0]!.length > 0);
    }
  });

  test('a list stored under an out-of-order memo id and read back is one list', () => {
    // EMPTY_LIST, LONG_BINPUT 100000 (a sparse memo), one item and APPEND or a batch and APPENDS, then
    // a read of that id: CPython gives the same list twice.
    const binput = [0x72, 0xa0, 0x86, 1, 0];
    const binget = [0x6a, 0xa0, 0x86, 1, 0];
    for (const [items, length] of [
      [[0x4b, 7, 0x61], 1], // BININT1, APPEND
      [[0x8c, 1, 0x61, 0x61], 1], // SHORT_BINUNICODE 'a', APPEND
      [[0x28, 0x8c, 1, 0x61, 0x8c, 1, 0x62, 0x65], 2], // MARK, 'a', 'b', APPENDS
      [[0x28, 0x4b, 1, 0x4b, 2, 0x4b, 3, 0x65], 3], // MARK, 1, 2, 3, APPENDS
    ] as [number[], number][]) {
      const pickle = Uint8Array.from([0x80, 2, 0x5d, ...binput, ...items, ...binget, 0x86, 0x2e, ...PAD]);
      const v = loads(pickle) as unknown[][];
      assert.equal(v[0], v[1], items.join(' '));
      assert.equal(v[0]!.length, length);
    }
  });
});
