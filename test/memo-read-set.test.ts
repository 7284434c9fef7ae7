/**
 * The memo past 4096 entries keeps only what the rest of the pickle reads:
 * when the opcodes up to STOP read the memo by BINGET and LONG_BINGET alone,
 * a store of any other id keeps a placeholder, so the argument tuples and
 * other intermediates of a big load can die young. Checked against CPython:
 * pickles python3 wrote, with memo reads of ids stored before and after the
 * look-ahead, at every protocol, loaded to CPython's values and sharing; and
 * the reads a wrong look-ahead would break (a read of every id, a GET, reads
 * spliced in by hand, reads of ids never stored, at the offsets CPython's
 * pickletools gives).
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { fromHex, runPythonPieces } from './support/python.js';

interface Case {
  /** The pickle, as python3 wrote it. */
  pickle: Uint8Array;
  /** `json.dumps` of the value (tuples as lists). */
  value: unknown;
  /** Pairs of paths (indices from the root) that CPython's value holds as one object. */
  same: number[][][];
}

/**
 * python3 code that runs `build` (Python source defining `value` and `same`, a list of pairs of
 * index paths that are the same object) and prints `value`, `same` and the pickles of `value` at
 * each protocol; {@link casesOf} reads its output.
 */
function casesCode(build: string, protocols: readonly number[]): string {
  return `
import json, pickle, sys
${build}
def at(path):
    v = value
    for i in path:
        v = v[i]
    return v
for a, b in same:
    assert at(a) is at(b), (a, b)
protocols = ${JSON.stringify(protocols)}
print(json.dumps({
    'value': value,
    'same': same,
    'pickles': {p: pickle.dumps(value, p).hex() for p in protocols},
}))
`;
}

function casesOf(output: string, protocols: readonly number[]): Map<number, Case> {
  const out = JSON.parse(output) as { value: unknown; same: number[][][]; pickles: Record<string, string> };
  return new Map(
    protocols.map((p) => [p, { pickle: fromHex(out.pickles[String(p)]!), value: out.value, same: out.same }]),
  );
}

function at(value: unknown, path: number[]): unknown {
  let v = value;
  for (const i of path) v = (v as unknown[])[i];
  return v;
}

function checkCase(name: string, c: Case): void {
  for (let round = 0; round < 2; round++) {
    const v = loads(c.pickle);
    assert.deepEqual(v, c.value, `${name}, load ${round}`);
    for (const [a, b] of c.same) assert.equal(at(v, a!), at(v, b!), `${name}: ${a} is ${b}`);
  }
}

const ALL = [0, 1, 2, 3, 4, 5] as const;

/** Everything the tests ask python3, asked of one python3 process (each piece's stdout by name). */
const PY = runPythonPieces({
  records: casesCode(
    `
tags = ['red', 'green']
shared = ('shared', 1)
value = []
same = []
for i in range(9000):
    rec = [tags, (i, 'r%d' % i), [i, -i], 'name%d' % i, shared]
    if i % 7 == 0 and i >= 5000:
        rec.append(value[i - 3000][2])
        rec.append(value[i - 5000][1])
        same.append([[i, 5], [i - 3000, 2]])
        same.append([[i, 6], [i - 5000, 1]])
    value.append(rec)
same.append([[0, 0], [8999, 0]])
same.append([[1, 4], [8998, 4]])
`,
    ALL,
  ),
  everyId: casesCode(
    `
items = [(i, 's%d' % i) for i in range(6000)]
value = [items, list(reversed(items))]
same = [[[0, i], [1, 5999 - i]] for i in range(0, 6000, 97)]
`,
    [1, 2, 3, 4, 5],
  ),
  spliced: `
import json, pickle, pickletools, io
items = [(i, 'v%d' % i) for i in range(6000)]
data = pickle.dumps(items, 2)
# the memo id each tuple got, from the opcodes
ids = {}
last = None
for op, arg, pos in pickletools.genops(data):
    if op.name in ('TUPLE2',):
        last = 'tuple'
    elif op.name in ('BINPUT', 'LONG_BINPUT') and last == 'tuple':
        ids[len(ids)] = arg
        last = None
    else:
        last = None
picks = [ids[3], ids[4500], ids[5999], ids[100]]
extra = b''
for k in picks:
    extra += (b'h' + bytes([k])) if k < 256 else (b'j' + k.to_bytes(4, 'little'))
    extra += b'a'
spliced = data[:-1] + extra + b'.'
value = pickle.loads(spliced)
print(json.dumps({'hex': spliced.hex(), 'value': value, 'picks': [3, 4500, 5999, 100]}))
`,
  storedAgain: `
import json, pickle, pickletools
items = [(i, 'w%d' % i) for i in range(6000)]
data = pickle.dumps(items, 2)
puts = [arg for op, arg, pos in pickletools.genops(data) if op.name in ('BINPUT', 'LONG_BINPUT')]
high = puts[-2]  # the last tuple's id
extra = b'K\\x4dq\\x050' + b'K\\x58r' + high.to_bytes(4, 'little') + b'0' + b'K\\x63q\\x070'
extra += b'h\\x05a' + b'j' + high.to_bytes(4, 'little') + b'a'
spliced = data[:-1] + extra + b'.'
print(json.dumps({'hex': spliced.hex(), 'value': pickle.loads(spliced)}))
`,
  textGet: `
import json, pickle
items = [(i, 't%d' % i) for i in range(6000)]
data = pickle.dumps(items, 0)
# protocol 0 reads with GET: append a read of the 5000th tuple's id, found by value
import pickletools
ids = [arg for op, arg, pos in pickletools.genops(data) if op.name == 'PUT']
# each tuple's PUT follows its str's PUT: tuple ids are every other from the list's
spliced = data[:-1] + b'g' + str(ids[1 + 2 * 5000 + 1]).encode() + b'\\na.'
print(json.dumps({'hex': spliced.hex(), 'value': pickle.loads(spliced)}))
`,
  neverStored: `
import json, pickle, pickletools
items = [(i, 'u%d' % i) for i in range(6000)]
data = pickle.dumps(items, 2)
results = []
for k in (6000 * 2 + 50, 70000):
    extra = b'j' + k.to_bytes(4, 'little') + b'a'
    spliced = data[:-1] + extra + b'.'
    try:
        pickle.loads(spliced)
        err = None
    except Exception as e:
        err = str(e)
    results.append({'hex': spliced.hex(), 'at': len(data) - 1, 'error': err, 'id': k})
print(json.dumps(results))
`,
});

suite('memo entries only the read ones keep', () => {
  test('records sharing a few objects, with back references past the 4096th entry, load as CPython loads them', () => {
    // Each record: a shared tag list (a memo read in every record), its own tuple, list and str
    // (memoized, most never read), and every 7th record a reference to the list of the record
    // 3000 before it and to a tuple 5000 before (reads of ids stored after the look-ahead).
    const cases = casesOf(PY('records'), ALL);
    for (const [p, c] of cases) checkCase(`protocol ${p}`, c);
  });

  test('a read of every id, one by one after all the stores, loads as CPython loads it', () => {
    // Every tuple is read again at the end: no id may keep a placeholder.
    const cases = casesOf(PY('everyId'), [1, 2, 3, 4, 5]);
    for (const [p, c] of cases) checkCase(`protocol ${p}`, c);
  });

  test('memo reads spliced in by hand at the end (BINGET and LONG_BINGET of single ids) return the values stored', () => {
    // A list of 6000 distinct tuples at protocol 2 (BINPUT, then LONG_BINPUT past id 255), then
    // extra reads python3 makes sense of: APPEND of a LONG_BINGET of one tuple's id, of a BINGET of
    // a low id, and of a LONG_BINGET of an id stored after the 4096th entry.
    const out = JSON.parse(PY('spliced')) as { hex: string; value: unknown[]; picks: number[] };
    const v = loads(fromHex(out.hex)) as unknown[];
    assert.deepEqual(v, out.value);
    for (const [i, k] of out.picks.entries()) assert.equal(v[6000 + i], v[k], `read ${i} is item ${k}`);
  });

  test('ids stored again after the 4096th entry (BINPUT and LONG_BINPUT over old ids) keep what is read', () => {
    // After a list of 6000 tuples at protocol 2: 77 stored over id 5 (BINPUT), 88 over the id of
    // the 5000th tuple (LONG_BINPUT), 99 over id 7 and never read, then reads of ids 5 and the
    // 5000th's appended to the list: python3 gives the new values.
    const out = JSON.parse(PY('storedAgain')) as { hex: string; value: unknown[] };
    const v = loads(fromHex(out.hex)) as unknown[];
    assert.deepEqual(v, out.value);
    assert.deepEqual(v.slice(6000), [77, 88]);
  });

  test('a GET (its id as text) keeps every value', () => {
    const out = JSON.parse(PY('textGet')) as { hex: string; value: unknown[] };
    const v = loads(fromHex(out.hex)) as unknown[];
    assert.deepEqual(v, out.value);
    assert.deepEqual(v[6000], [5000, 't5000']);
    assert.equal(v[6000], v[5000]);
  });

  test('a read of an id never stored fails at the offset of its opcode, as in CPython', () => {
    const out = JSON.parse(PY('neverStored')) as { hex: string; at: number; error: string; id: number }[];
    for (const r of out) {
      assert.match(r.error, /Memo value not found/);
      assert.throws(
        () => loads(fromHex(r.hex)),
        (e: unknown) =>
          e instanceof UnpicklingError &&
          e.offset === r.at &&
          e.message.includes(`Memo value not found at index ${r.id}`),
        `id ${r.id}`,
      );
    }
  });
});
