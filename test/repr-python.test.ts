/**
 * The one repr engine against python3, for the values whose text the value
 * classes used to get wrong on their own: `String()` and `PY_REPR` of complex
 * numbers with exponents, of a deque holding a set and a big float, of slices
 * and ranges with odd values, of value classes nested in value classes, and
 * the bytearray quote, pattern flags and SimpleNamespace wrapping that CPython
 * prints its own way. Every expectation is computed by python3 here.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { disassemble, loads, PyComplex } from '../src/index.js';
import { pyRepr } from '../src/repr.js';
import { pformat, repr } from '../src/tools/repr.js';
import { PY_REPR } from '../src/types/protocol.js';
import { fromHex, runPython } from './support/python.js';

/** Runs python3 code that defines `cases`, a list of [name, value]; returns, per name, the pickle (protocol 4) and repr. */
function python(code: string): Map<string, { data: Uint8Array; repr: string; pformat: string }> {
  const out = runPython(`
import collections, decimal, json, pickle, pprint, re, sys, types
sys.setrecursionlimit(20000)
${code}
sys.stdout.write(json.dumps([[n, pickle.dumps(v, 4).hex(), repr(v), pprint.pformat(v, width=40)] for n, v in cases]))
`);
  return new Map(
    (JSON.parse(out) as [string, string, string, string][]).map(([n, hex, r, p]) => [
      n,
      { data: fromHex(hex), repr: r, pformat: p },
    ]),
  );
}

/** A float from Python's text (`inf`, `nan` included). */
const parseFloatText = (text: string): number =>
  text === 'inf' ? Number.POSITIVE_INFINITY : text === '-inf' ? Number.NEGATIVE_INFINITY : Number(text);

const ownRepr = (v: unknown): string => (v as { [PY_REPR]: () => string })[PY_REPR]();

describe('complex numbers print as Python prints them', () => {
  const parts = [
    '1e16',
    '1e-05',
    '0.0001',
    '-0.0',
    '0.0',
    '1.5',
    '-2.0',
    '1e22',
    '123456789012345.6',
    'nan',
    'inf',
    '-inf',
    '5e-324',
    '1.7976931348623157e308',
  ];
  const pairs = parts.flatMap((r) => parts.map((i) => [r, i] as const));
  const expected = JSON.parse(
    runPython(
      `import json, sys\nprint(json.dumps([repr(complex(float(r), float(i))) for r, i in json.load(sys.stdin)]))`,
      [],
      JSON.stringify(pairs),
    ),
  ) as string[];

  test(`String(), PY_REPR and repr() of ${pairs.length} complex numbers`, () => {
    const bad: string[] = [];
    pairs.forEach(([r, i], k) => {
      const z = new PyComplex(parseFloatText(r), parseFloatText(i));
      for (const got of [String(z), ownRepr(z), repr(z), pyRepr(z)])
        if (got !== expected[k]) bad.push(`complex(${r}, ${i}): python ${expected[k]}, brine ${got}`);
    });
    assert.deepEqual(bad.slice(0, 5), []);
    assert.equal(String(new PyComplex(1e16, 1e-5)), '(1e+16+1e-05j)');
  });
});

describe('value classes print their contents with the same engine as repr()', () => {
  const cases = python(`
class E(Exception): pass
d = collections.deque([{3, 1, 2}, 1e16])
cases = [
  ('deque', d),
  ('deque maxlen', collections.deque([frozenset({5, 4}), 2.5e-7, 'x'], 3)),
  ('odict of deques', collections.OrderedDict(a=collections.deque([1e16, {3, 2, 1}]), b=collections.Counter('hello'))),
  ('defaultdict', collections.defaultdict(list, {1: collections.deque([1e22]), 'k': [set([10, 9, 8])]})),
  ('namespace', types.SimpleNamespace(a=collections.deque([1e16]), b=types.SimpleNamespace(c={2, 1}))),
  ('counter', collections.Counter({'a': 3, 'b': 10, 'c': 3})),
  ('exception', ValueError(1e16, {2, 1}, collections.deque([0.1]))),
  ('slices', [slice(None), slice(1.5, 'a', b'x'), slice(True, (1,), [2, 3]), slice(1e16, -0.0, float('nan'))]),
  ('ranges', [range(5), range(-3, 10**20, 7), range(10, -10, -3), range(True, 5), range(0), range(2**63, 2**64, 2**62)]),
  ('complex in containers', [1e16+1e-5j, {'z': -0.0-1j}, (complex(0, float('inf')),)]),
  ('decimal', collections.deque([decimal.Decimal('1.50'), decimal.Decimal('-Infinity')])),
  ('re', [re.compile('a', re.I | re.A), re.compile(b'x+', re.L | re.I), re.compile('y', re.M | re.S | re.X), re.compile('z' * 300)]),
  ('bytearrays', [bytearray(b"'"), bytearray(b'\\'"'), bytearray(b'"'), b"'", bytearray(b'\\\\\\x00\\x7f')]),
]
`);

  for (const [name, c] of cases) {
    test(name, () => {
      const value = loads(c.data);
      assert.equal(repr(value), c.repr, 'repr()');
      assert.equal(pyRepr(value), c.repr, 'the core engine');
      if (typeof (value as { [PY_REPR]?: unknown })[PY_REPR] === 'function') {
        assert.equal(ownRepr(value), c.repr, 'PY_REPR with no repr of the caller');
        if (!(value instanceof Error)) assert.equal(String(value), c.repr, 'String()');
      }
      assert.equal(pformat(value, { width: 40 }), c.pformat, 'pformat(width=40)');
    });
  }

  test('a loaded deque of a set and a big float prints as Python does through String()', () => {
    const d = cases.get('deque')!;
    assert.equal(String(loads(d.data)), 'deque([{1, 2, 3}, 1e+16])');
    assert.equal(d.repr, 'deque([{1, 2, 3}, 1e+16])');
  });
});

describe('recursion inside value classes prints as in Python', () => {
  const cases = python(`
d = collections.deque(); d.append(d); d.append([d])
od = collections.OrderedDict(); od['a'] = od
dd = collections.defaultdict(None); dd[1] = dd
ns = types.SimpleNamespace(); ns.a = ns; ns.b = [ns]
args = [1]; e = ValueError(args); args.append(e)
cases = [('deque', d), ('odict', od), ('defaultdict', dd), ('namespace', ns), ('exception', e)]
`);
  for (const [name, c] of cases) {
    test(name, () => {
      const value = loads(c.data);
      assert.equal(repr(value), c.repr);
      assert.equal(ownRepr(value), c.repr);
    });
  }
});

describe('text CPython prints its own way', () => {
  test('bytearray(b"\'") in repr, pformat and the disassembly of BYTEARRAY8', () => {
    const out = JSON.parse(
      runPython(`
import io, json, pickle, pickletools, pprint, sys
cases = [bytearray(b"'"), bytearray(b"'" * 30 + b'"'), bytearray(b"it's" * 12)]
res = []
for v in cases:
    data = pickle.dumps(v, 5)
    dis = io.StringIO(); pickletools.dis(data, dis)
    res.append([data.hex(), repr(v), pprint.pformat(v, width=30), dis.getvalue()])
sys.stdout.write(json.dumps(res))
`),
    ) as [string, string, string, string][];
    for (const [hex, r, p, dis] of out) {
      const data = fromHex(hex);
      assert.equal(repr(loads(data)), r);
      assert.equal(pformat(loads(data), { width: 30 }), p);
      assert.equal(disassemble(data), dis);
    }
    assert.equal(out[0]![1], 'bytearray(b"\\\'")');
  });
});
