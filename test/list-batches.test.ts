/**
 * The loader reads a batch of simple items appended to a list (MARK, ints,
 * floats, str, None, bools, small tuples and their memo entries, APPENDS)
 * straight into the list, sized from a count of the batches ahead. These
 * tests check it against CPython on lists that take that path, leave it
 * midway (a nested container, a memo read, a frame boundary) or hold bad
 * data, and that errors inside a batch are reported as before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe as suite, test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { compareDescriptions, type Desc, describe } from './support/describe.js';
import { runPython } from './support/python.js';

/**
 * name -> [the pickles at protocols 1-5, Python's description of pickle.loads of them]. python3
 * writes the pickles one after the other to a file (megabytes of hex through a pipe cost more than
 * writing them), and their lengths with the descriptions as JSON.
 */
const cases = ((): Record<string, [Uint8Array[], Desc]> => {
  const dir = mkdtempSync(join(tmpdir(), 'brine-batches-'));
  const file = join(dir, 'pickles');
  try {
    const described = JSON.parse(
      runPython(
        `
import json, pickle, random, sys
sys.path.insert(0, 'scripts')
from vectors_lib import describe
rng = random.Random(13)
words = ['w%d' % i for i in range(3000)]
values = {
    'floats': [rng.uniform(-1e6, 1e6) for _ in range(20000)],
    'special floats': [float('inf'), -0.0, 0.0, 1e-310, -float('inf'), 5e-324] * 1500,
    'integral floats': [float(i) for i in range(6000)],
    'ints of every width': [rng.choice([rng.randrange(256), rng.randrange(65536), rng.randrange(-2**31, 2**31)]) for _ in range(20000)],
    'ints then floats then str': list(range(5000)) + [i / 7 for i in range(5000)] + ['s%d' % i for i in range(5000)],
    'str ascii and not': ['%s-é-%d' % (rng.choice(words), i) if i % 2 else 'a%d' % i for i in range(12000)],
    'long str': ['x' * 300 + str(i) for i in range(5000)],
    'constants': [None, True, False] * 3000,
    'tuples': [(i,) if i % 3 == 0 else (i, str(i)) if i % 3 == 1 else (i, str(i), i / 3) for i in range(9000)],
    'shared str': [words[rng.randrange(50)] for _ in range(9000)],
    'shared tuple': [(1, 2)] * 5000 + [(3, 4)] * 5000,
    'nested lists midway': [i if i % 997 else [i, [i]] for i in range(9000)],
    'dicts midway': [i if i % 1500 else {'k': i} for i in range(9000)],
    'big ints midway': [i if i % 700 else 2**70 + i for i in range(9000)],
    'small list': [1, 2.5, 'a', None, (1, 'b')],
    'empty list': [],
    'list of lists': [[i / 2 for i in range(5000)], list(range(6000)), ['a'] * 5000],
    'tuple of lists': tuple([float(i) for i in range(5000 + k)] for k in range(3)),
}
shared = [0.5] * 3
values['one list twice'] = [shared, shared, list(range(5000)), shared]
selfref = list(range(5000))
selfref.append(selfref)
selfref.extend(range(5000))
values['list holding itself'] = selfref
out = {}
with open(sys.argv[1], 'wb') as f:
    for name, v in values.items():
        pickles = [pickle.dumps(v, protocol=proto) for proto in (1, 2, 3, 4, 5)]
        loaded = [pickle.loads(data) for data in pickles]
        # Every protocol loads the same value with the same sharing (it pickles back to the same
        # bytes): one description serves all five.
        assert all(pickle.dumps(x, protocol=5) == pickles[-1] for x in loaded), name
        for data in pickles:
            f.write(data)
        out[name] = [[len(data) for data in pickles], describe(loaded[-1])]
sys.stdout.write(json.dumps(out))
`,
        [file],
      ),
    ) as Record<string, [number[], Desc]>;
    const all = new Uint8Array(readFileSync(file));
    let at = 0;
    return Object.fromEntries(
      Object.entries(described).map(([name, [lengths, desc]]) => [
        name,
        [
          lengths.map((n) => {
            at += n;
            return all.slice(at - n, at);
          }),
          desc,
        ],
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

suite('lists loaded batch by batch match CPython', () => {
  for (const [name, [pickles, expected]] of Object.entries(cases)) {
    pickles.forEach((pickle, i) => {
      test(`${name}, protocol ${i + 1}`, () => {
        const value = loads(pickle);
        const diff = compareDescriptions(describe(value), expected);
        assert.equal(diff, undefined, diff);
        if (Array.isArray(value)) assert.equal(Object.keys(value).length, value.length, 'no holes');
      });
    });
  }
});

const PROTO5 = [0x80, 0x05];
const STOP = 0x2e;
const EMPTY_LIST = 0x5d;
const MARK = 0x28;
const APPENDS = 0x65;
const BININT1 = 0x4b;
const SHORT_BINUNICODE = 0x8c;
const TUPLE2 = 0x86;
const MEMOIZE = 0x94;

function ints(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(BININT1, i & 0xff);
  return out;
}

function errorOf(bytes: number[]): UnpicklingError {
  try {
    loads(Uint8Array.from(bytes));
  } catch (e) {
    assert.ok(e instanceof UnpicklingError, String(e));
    return e;
  }
  assert.fail('expected an UnpicklingError');
}

suite('errors inside a batch are reported at their opcode', () => {
  test('invalid UTF-8 in a batch', () => {
    const before = [...PROTO5, EMPTY_LIST, MARK, ...ints(5000)];
    const e = errorOf([...before, SHORT_BINUNICODE, 2, 0xc3, 0x28, APPENDS, STOP]);
    assert.equal(e.offset, before.length);
    assert.equal(e.opcode, 'SHORT_BINUNICODE');
    assert.match(e.message, /UTF-8/);
  });

  test('a tuple reaching below the mark', () => {
    const e = errorOf([...PROTO5, EMPTY_LIST, BININT1, 1, MARK, BININT1, 2, TUPLE2, APPENDS, STOP]);
    assert.equal(e.offset, 8);
    assert.equal(e.opcode, 'TUPLE2');
  });

  test('a batch cut short', () => {
    const bytes = [...PROTO5, EMPTY_LIST, MARK, ...ints(6000), BININT1];
    const e = errorOf(bytes);
    assert.equal(e.offset, bytes.length - 1);
    assert.equal(e.truncated, true);
  });

  test('a batch without its APPENDS', () => {
    // The items stay on the stack above the MARK, and STOP returns the top one, as in CPython.
    const bytes = [...PROTO5, EMPTY_LIST, MARK, ...ints(6000), STOP];
    assert.equal(loads(Uint8Array.from(bytes)), 5999 & 0xff);
  });

  test('MEMOIZE right after the MARK memoizes nothing', () => {
    const e = errorOf([...PROTO5, EMPTY_LIST, MARK, MEMOIZE, BININT1, 1, APPENDS, STOP]);
    assert.equal(e.opcode, 'MEMOIZE');
  });

  test('batches whose count claims more than they hold', () => {
    // Two batches, then a batch that breaks off: the list ends with what was appended.
    const bytes = [
      ...PROTO5,
      EMPTY_LIST,
      MARK,
      ...ints(5000),
      APPENDS,
      MARK,
      ...ints(5000),
      APPENDS,
      MARK,
      ...ints(10),
      EMPTY_LIST,
      APPENDS,
      STOP,
    ];
    const value = loads(Uint8Array.from(bytes)) as unknown[];
    assert.equal(value.length, 10011);
    assert.deepEqual(value.at(-1), []);
    assert.equal(value[10009], 9);
  });
});
