/**
 * The JSON view against CPython: pickles python3 wrote go through loads ->
 * toJSON -> fromJSON -> dumps and python3 loads them equal to the originals;
 * property tests on random values; $ref, escaping, limits and depth.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  dumps,
  FrozenSet,
  isTuple,
  loads,
  PickleError,
  PyFloat,
  PyGlobal,
  PyObject,
  tuple,
} from '../src/index.js';
import { fromJSON, fromJSONValue, toJSON, toJSONValue } from '../src/tools/json.js';
import { PY_REDUCE, PY_REPR } from '../src/types/protocol.js';
import { runs, seed as seedOr, size } from './support/budget.js';
import { value as arbitraryValue } from './support/dumps-values.js';
import { failWithSeed } from './support/fast-check.js';
import { fromHex, PYTHON, ROOT, runPython, toHex } from './support/python.js';

const SCRIPT = 'test/support/json-cases.py';

function python(mode: string, input?: unknown): unknown {
  const out = execFileSync(PYTHON, [SCRIPT, mode], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    ...(input === undefined ? {} : { input: JSON.stringify(input) }),
  });
  return JSON.parse(out);
}

interface Case {
  name: string;
  protocol: number;
  hex: string;
}

const corpus = python('gen') as Case[];

describe('round trip through python3: pickle -> loads -> toJSON -> fromJSON -> dumps -> pickle.loads', () => {
  test('every value at every protocol, exact loads (types kept) and default loads', (t) => {
    assert.ok(corpus.length > 100);
    // Each pickle goes back twice: through the JSON view, and straight from loads to dumps. A
    // difference that the straight route shows too belongs to loads or dumps, not to the JSON view.
    const results: (Case & { strict: boolean })[] = [];
    for (const c of corpus) {
      for (const exact of [true, false]) {
        const loaded = loads(fromHex(c.hex), { exact });
        const back = fromJSON(toJSON(loaded));
        results.push({
          ...c,
          name: c.name,
          hex: toHex(dumps(back, { protocol: c.protocol })),
          strict: exact,
        });
        results.push({ ...c, hex: toHex(dumps(loaded, { protocol: c.protocol })), strict: exact });
      }
    }
    const problems = python('check', results) as {
      index: number;
      name: string;
      protocol: number;
      problem: string;
    }[];
    const failed = new Set(problems.map((p) => p.index));
    const viaJson = problems.filter((p) => p.index % 2 === 0 && !failed.has(p.index + 1));
    const direct = problems.filter((p) => p.index % 2 === 1);
    if (direct.length > 0)
      t.diagnostic(
        `loads -> dumps alone differs from Python on: ${direct.map((p) => `${p.name}@${p.protocol}`).join(', ')}`,
      );
    assert.ok(direct.length <= 8, 'the straight route should almost always work');
    assert.deepEqual(viaJson, []);
  });

  test('the billion laughs pickle stays small through $shared and $ref', () => {
    const c = corpus.find((x) => x.name === 'billion laughs' && x.protocol === 5)!;
    const text = toJSON(loads(fromHex(c.hex)));
    assert.ok(text.length < 2000, `${text.length} characters`);
    assert.match(text, /"\$ref":20/);
  });

  test('plain hand-written JSON converts as Python json.loads reads it', () => {
    const texts = [
      '{"a": [1, 2.5, "x", null, true, false], "b": {"c": -3, "d": 1e-7}}',
      '[1, -0.5, 12345678901, 1e300, "\\ud800", "\\u00e9", {}]',
      '{"$schema": "kept as a key", "other": 1}',
      '{"$unknown": [1]}',
      '{"$$ref": "one dollar is removed"}',
      '"just a string"',
      '{"__proto__": {"x": 1}, "constructor": 2}',
    ];
    const items = texts.map((text) => ({ text, hex: toHex(dumps(fromJSON(text))) }));
    // json.loads keeps '$$ref' where brine reads it as the escaped '$ref': compare that one separately.
    const plain = items.filter((i) => !i.text.includes('$$'));
    assert.deepEqual(python('plain', plain), []);
    assert.deepEqual(fromJSON('{"$$ref": "one dollar is removed"}'), { $ref: 'one dollar is removed' });
  });
});

describe('fromJSON reads numbers losslessly, as Python json.loads does', () => {
  const TEXTS = [
    '12345678901234567890',
    '-98765432109876543210987654321',
    '2.0',
    '[1.0, 1e3, 1E-2, -0.0, 0, -0, 1.5e300, 2.50]',
    '{"a": 9007199254740993, "b": 9007199254740993.0, "c": [-9007199254740991, 9007199254740992]}',
    'NaN',
    '[Infinity, -Infinity, NaN]',
    '{"nested": [[{"x": 100000000000000000000000000000000000000000001}]], "f": 1e-400}',
  ];

  test('big ints stay ints, integral floats stay floats (type-exact in python3)', () => {
    const items = TEXTS.flatMap((text) =>
      [0, 2, 5].map((p) => ({ text, hex: toHex(dumps(fromJSON(text), { protocol: p })) })),
    );
    const code = [
      'import json, math, pickle, sys',
      'def same(a, b):',
      '    if type(a) is not type(b): return False',
      '    if isinstance(a, float): return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))',
      '    if isinstance(a, list): return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))',
      '    if isinstance(a, dict): return list(a) == list(b) and all(same(a[k], b[k]) for k in a)',
      '    return a == b',
      'bad = []',
      'for item in json.load(sys.stdin):',
      '    want = json.loads(item["text"])',
      '    got = pickle.loads(bytes.fromhex(item["hex"]))',
      '    if not same(want, got): bad.append([item["text"], repr(want), repr(got)])',
      'sys.stdout.write(json.dumps(bad))',
    ].join('\n');
    const out = execFileSync(PYTHON, ['-c', code], { input: JSON.stringify(items), encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });

  test('the values in JS: bigint beyond 2^53, PyFloat for integral floats, numbers otherwise', () => {
    assert.equal(fromJSON('12345678901234567890'), 12345678901234567890n);
    assert.equal(fromJSON('9007199254740991'), 9007199254740991);
    const two = fromJSON('2.0');
    assert.ok(two instanceof PyFloat && two.value === 2);
    assert.equal(fromJSON('2.5'), 2.5);
    assert.ok(Object.is(fromJSON('-0.0'), -0));
    assert.equal(fromJSON('-0'), 0);
    assert.ok(Number.isNaN(fromJSON('NaN') as number));
    // The same rules as the command (one parser), the tags still read.
    assert.deepEqual(
      fromJSON('{"$tuple": [1.0, 18446744073709551616]}'),
      tuple<unknown>(new PyFloat(1), 2n ** 64n),
    );
  });

  test('text that is not JSON: a PickleError in Python words, with the place', () => {
    for (const [text, message] of [
      [
        '{"a": 1,}',
        'Not valid JSON: Expecting property name enclosed in double quotes: line 1 column 9 (char 8)',
      ],
      ['[1 2]', "Not valid JSON: Expecting ',' delimiter: line 1 column 4 (char 3)"],
      ['', 'Not valid JSON: Expecting value: line 1 column 1 (char 0)'],
      [
        `1${'0'.repeat(5000)}`,
        "Not valid JSON: an int of 5001 digits exceeds the limit of 4300 digits (as Python's): line 1 column 1 (char 0)",
      ],
    ] as const) {
      assert.throws(
        () => fromJSON(text),
        (e: unknown) => e instanceof PickleError && e.message === message,
        text.slice(0, 20),
      );
    }
  });
});

describe('toJSON / fromJSON properties', () => {
  const seed = seedOr(Date.now() % 100_000);

  test('fromJSON(toJSON(v)) dumps to the same bytes as v (types, order and sharing kept)', () => {
    try {
      fc.assert(
        fc.property(arbitraryValue, (v) => {
          const text = toJSON(v);
          const back = fromJSON(text);
          assert.deepEqual(toHex(dumps(back)), toHex(dumps(v)));
          assert.deepEqual(toHex(dumps(back, { protocol: 2 })), toHex(dumps(v, { protocol: 2 })));
          assert.equal(toJSON(back), text);
          // The tree and the text say the same thing.
          assert.equal(JSON.stringify(toJSONValue(v)), toJSON(v));
        }),
        { seed, numRuns: runs(100, 400) },
      );
    } catch (error) {
      failWithSeed(error, seed);
    }
  });

  test('indented output parses to the same tree', () => {
    const v = { a: [1, tuple<unknown>(2, 'x')], b: new Map<unknown, unknown>([[1, new Set([1])]]), c: {} };
    assert.deepEqual(JSON.parse(toJSON(v, { indent: 2 })), JSON.parse(toJSON(v)));
    assert.equal(toJSON(v, { indent: 2 }), JSON.stringify(toJSONValue(v), null, 2));
  });
});

describe('shared references, cycles and tags', () => {
  test('a cycle becomes $shared then $ref, and comes back as the same object', () => {
    const list: unknown[] = [1];
    list.push(list);
    const text = toJSON(list);
    assert.equal(text, '{"$shared":[1,[1,{"$ref":1}]]}');
    const back = fromJSON(text) as unknown[];
    assert.equal(back[1], back);
  });

  test('a tuple reached again through a list inside it', () => {
    const inner: unknown[] = [];
    const t = tuple<unknown>(inner, 1);
    inner.push(t);
    const back = fromJSON(toJSON(t)) as readonly unknown[];
    assert.ok(isTuple(back));
    assert.equal((back[0] as unknown[])[0], back);
  });

  test('a frozenset inside an object that refers back to it', () => {
    const obj = new PyObject('newobj', new PyGlobal('m', 'C'), tuple());
    const fs = new FrozenSet([obj]);
    obj.state = { owner: fs };
    const back = fromJSON(toJSON(fs)) as FrozenSet<PyObject>;
    assert.ok(back instanceof FrozenSet && Object.isFrozen(back));
    const [o] = [...back];
    assert.equal((o!.state as { owner: unknown }).owner, back);
    assert.throws(() => back.add(obj));
  });

  test('dict keys that look like tags are escaped and come back', () => {
    const d: Record<string, unknown> = {};
    for (const k of ['$ref', '$$ref', '$', '$tuple', '$shared', '__proto__', 'constructor', 'x']) {
      Object.defineProperty(d, k, { value: k.length, enumerable: true, writable: true, configurable: true });
    }
    const text = toJSON(d);
    assert.ok(text.includes('"$$ref":4') && text.includes('"$$$ref":5') && text.includes('"$$":1'));
    const back = fromJSON(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(back), Object.keys(d));
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 9);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(toHex(dumps(back)), toHex(dumps(d)));
  });

  test('a one-key dict named like a tag is not read as the tag', () => {
    assert.deepEqual(fromJSON(toJSON({ $ref: 1 })), { $ref: 1 });
    assert.deepEqual(fromJSON(toJSON({ $tuple: [1] })), { $tuple: [1] });
  });

  test('malformed tags are PickleErrors that say where', () => {
    for (const bad of [
      '{"$ref": 3}',
      '[1, {"$tuple": 5}]',
      '{"a": {"$bytes": "***"}}',
      '{"$shared": [1, {"$shared": [1, []]}]}',
      '{"$object": {"kind": "call", "callable": null}}',
      '{"$int": "12x"}',
      '{"$float": "many"}',
      '[1,',
    ]) {
      assert.throws(
        () => fromJSON(bad),
        (e: unknown) => e instanceof PickleError,
        bad,
      );
    }
    assert.throws(() => fromJSON('[0, [1, {"$ref": 9}]]'), /root\[1\]\[1\]/);
  });

  test('Python value classes export their reduction, repr and readable value; fromJSON dumps the same object', () => {
    class Decimalish {
      constructor(readonly text: string) {}
      [PY_REDUCE]() {
        return { callable: new PyGlobal('decimal', 'Decimal'), args: [this.text] };
      }
      [PY_REPR]() {
        return `Decimal('${this.text}')`;
      }
      toJSON() {
        return this.text;
      }
    }
    const tree = toJSONValue([new Decimalish('1.5')]) as Record<string, Record<string, unknown>>[];
    assert.deepEqual(tree[0], {
      $object: {
        kind: 'reduce',
        callable: { $global: ['decimal', 'Decimal'] },
        args: ['1.5'],
        repr: "Decimal('1.5')",
        value: '1.5',
      },
    });
    const back = fromJSONValue(tree as never) as PyObject[];
    assert.ok(back[0] instanceof PyObject);
    const ok = runPython(
      'import pickle, sys, decimal; print(pickle.loads(bytes.fromhex(sys.argv[1])) == [decimal.Decimal("1.5")])',
      [toHex(dumps(back))],
    );
    assert.equal(ok.trim(), 'True');
  });

  test('numbers: ints, floats and the values JSON lacks', () => {
    const tree = toJSONValue([
      1,
      1.5,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 60,
      2n ** 70n,
      5n,
      new PyFloat(2),
    ]);
    assert.deepEqual(tree, [
      1,
      1.5,
      { $float: '-0.0' },
      { $float: 'nan' },
      { $float: 'inf' },
      { $int: '1152921504606846976' },
      { $int: '1180591620717411303424' },
      5,
      { $float: '2.0' },
    ]);
    const back = fromJSONValue(tree) as unknown[];
    assert.ok(Object.is(back[2], -0) && Number.isNaN(back[3]) && back[5] === 2n ** 60n);
    assert.ok(back[8] instanceof PyFloat && back[8].value === 2);
  });
});

describe('limits and depth', () => {
  test('an expanded billion laughs hits maxNodes with a message naming the option', () => {
    let lol: unknown = ['lol'];
    for (let i = 0; i < 40; i++) lol = [lol, lol];
    assert.ok(toJSON(lol).length < 2000);
    assert.throws(
      () => toJSON(lol, { expandShared: true, maxNodes: 100_000 }),
      (e: unknown) =>
        e instanceof PickleError &&
        /maxNodes \(100000 nodes\)/.test(e.message) &&
        /raise the maxNodes option/.test(e.message),
    );
    assert.throws(
      () => toJSON(lol, { expandShared: true, maxNodes: 1e9, maxBytes: 100_000 }),
      (e: unknown) => e instanceof PickleError && /maxBytes/.test(e.message),
    );
    // Expanding writes shared values in full where it fits.
    const small = [[1], 0];
    small[1] = small[0]!;
    assert.equal(toJSON(small, { expandShared: true }), '[[1],[1]]');
  });

  test('a long string repeated through the memo hits maxBytes', () => {
    const s = 'x'.repeat(1000);
    assert.throws(() => toJSON(Array(200).fill(s), { maxBytes: 100_000 }), /maxBytes \(100000 characters\)/);
    assert.equal(toJSON(Array(20).fill(s), { maxBytes: 100_000 }).length, 20 * 1003 + 1);
  });

  // 25,000 levels under `npm test` (past the deepest a recursion reaches on Node's default stack, about
  // 15,700 frames of the smallest function), a million under `npm run fuzz`.
  const LEVELS = size(25_000, 1_000_000);
  test(`${LEVELS === 1_000_000 ? 'a million' : LEVELS.toLocaleString('en-US')} nested lists and tuples, both ways`, () => {
    let deep: unknown = [];
    for (let i = 0; i < LEVELS; i++) deep = i % 2 === 0 ? [deep] : tuple(deep);
    const text = toJSON(deep);
    let back = fromJSON(text);
    let depth = 0;
    while (Array.isArray(back) && back.length === 1) {
      back = back[0];
      depth++;
    }
    assert.equal(depth, LEVELS);
    const nested = JSON.parse(`${'[1,'.repeat(1000)}{"a":[]}${']'.repeat(1000)}`);
    assert.equal(toJSON(nested, { indent: 1 }), JSON.stringify(nested, null, 1));
  });
});
