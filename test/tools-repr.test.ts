/**
 * repr() and pformat() against CPython: values generated and printed by
 * python3 (test/support/repr-cases.py), loaded by brine, printed again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { loads, PickleError, PyComplex, PyGlobal, PyObject, tuple } from '../src/index.js';
import { isPrintable, PFORMAT_MAX_DEPTH, pformat, repr, reprBytes, reprString } from '../src/tools/repr.js';
import { PY_REDUCE, PY_REPR } from '../src/types/protocol.js';
import { size } from './support/budget.js';
import { fromHex, PYTHON, pythonCases, ROOT } from './support/python.js';

interface Case {
  name: string;
  hex: string;
  exactOnly: boolean;
  hasComplex: boolean;
  repr: string;
  pformat: string[];
}
interface Corpus {
  cases: Case[];
  configs: [number, boolean, boolean][];
  toggles: number[];
  chars: string[];
}

const corpus = JSON.parse(
  execFileSync(PYTHON, ['test/support/repr-cases.py'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONHASHSEED: '0' },
  }),
) as Corpus;

describe('pformat and repr match CPython', () => {
  test('the corpus is big enough to mean something', () => {
    assert.ok(corpus.cases.length >= 250);
  });

  for (const exact of [true, false]) {
    test(`every case, loaded with exact: ${exact}`, () => {
      const failures: string[] = [];
      let compared = 0;
      for (const c of corpus.cases) {
        if (!exact && c.exactOnly) continue;
        // The complex reconstructor keeps complex(PyFloat, PyFloat) inert, and exact loads make integral parts PyFloat.
        if (exact && c.hasComplex) continue;
        const value = loads(fromHex(c.hex), { exact });
        compared++;
        const r = repr(value);
        if (r !== c.repr) failures.push(`${c.name} repr\n  python: ${c.repr}\n  brine:  ${r}`);
        corpus.configs.forEach(([width, sortDicts, compact], i) => {
          const got = pformat(value, { width, sortDicts, compact });
          if (got !== c.pformat[i]) {
            failures.push(
              `${c.name} pformat width=${width} sort=${sortDicts} compact=${compact}\n--- python\n${c.pformat[i]}\n--- brine\n${got}`,
            );
          }
        });
      }
      assert.ok(compared > 100);
      assert.deepEqual(
        failures.slice(0, 3),
        [],
        `${failures.length} differences: ${[...new Set(failures.map((f) => f.split('\n')[0]))].join('; ')}`,
      );
    });
  }

  test("Python 3.11's printable table, whatever Unicode version the JavaScript engine has", () => {
    const toggles: number[] = [];
    let prev = false;
    for (let c = 0; c < 0x110000; c++) {
      const p = isPrintable(c);
      if (p !== prev) {
        toggles.push(c);
        prev = p;
      }
    }
    assert.deepEqual(toggles, corpus.toggles);
  });

  test('repr of every BMP character and a sample of astral ones', () => {
    const codes = [...Array.from({ length: 0x10000 }, (_, i) => i)];
    for (let c = 0x10000; c < 0x110000; c += 97) codes.push(c);
    const got = codes.map((c) => reprString(String.fromCodePoint(c)));
    const bad = got.map((g, i) => [codes[i], g, corpus.chars[i]]).filter(([, g, p]) => g !== p);
    assert.deepEqual(bad.slice(0, 5), []);
  });
});

describe('repr of brine-only values', () => {
  const pickles = pythonCases(`
import pickle
class Point:
    def __init__(self): self.x, self.y = 1, [2, 3]
def factory(): pass
cases = {
  'instance': pickle.dumps(Point(), 2),
  'global': pickle.dumps(factory, 4),
  'reduce': b'\\x80\\x04cmod\\nf\\nK\\x01K\\x02\\x86R.',
}
`);
  test('an instance is an inert PyObject, a global a <global>', () => {
    const obj = loads(pickles.get('instance')!);
    assert.ok(obj instanceof PyObject);
    assert.equal(repr(obj), "<PyObject newobj __main__.Point() state={'x': 1, 'y': [2, 3]}>");
    assert.equal(repr(loads(pickles.get('global')!)), '<global __main__.factory>');
    assert.equal(repr(loads(pickles.get('reduce')!)), '<PyObject reduce mod.f(1, 2)>');
    assert.equal(
      pformat([obj, obj], { width: 20 }),
      `[<PyObject newobj __main__.Point() state={'x': 1, 'y': [2, 3]}>,\n <PyObject newobj __main__.Point() state={'x': 1, 'y': [2, 3]}>]`,
    );
  });

  test('a value class prints its own repr, also inside containers', () => {
    class Decimalish {
      constructor(readonly text: string) {}
      [PY_REDUCE]() {
        return { callable: new PyGlobal('decimal', 'Decimal'), args: [this.text] };
      }
      [PY_REPR]() {
        return `Decimal('${this.text}')`;
      }
    }
    const value = { b: new Decimalish('1.5'), a: [new Decimalish('2')] };
    assert.equal(repr(value), "{'b': Decimal('1.5'), 'a': [Decimal('2')]}");
    assert.equal(pformat(value), "{'a': [Decimal('2')], 'b': Decimal('1.5')}");
  });

  test('cycles: Python repr marks, pprint recursion notes', () => {
    const list: unknown[] = [1];
    list.push(list);
    assert.equal(repr(list), '[1, [...]]');
    assert.equal(pformat(list), '[1, <Recursion on list with id=1>]');
    const d = new Map<unknown, unknown>([[1, null]]);
    d.set(2, d);
    assert.equal(repr(d), '{1: None, 2: {...}}');
  });

  test('small values', () => {
    assert.equal(repr(tuple()), '()');
    assert.equal(repr(tuple(1)), '(1,)');
    assert.equal(repr(new PyComplex(0, 1)), '1j');
    assert.equal(repr(undefined), 'None');
    assert.equal(reprBytes(new Uint8Array([39])), 'b"\'"');
    assert.equal(reprString('\'"'), `'\\'"'`);
  });

  // 10^5 levels under `npm test` (far past any recursion limit), a million under `npm run fuzz`.
  const LEVELS = size(100_000, 1_000_000);
  test(`repr handles ${LEVELS === 1_000_000 ? 'a million' : LEVELS.toLocaleString('en-US')} nested lists; pformat refuses past its depth with a PickleError`, () => {
    let deep: unknown = [];
    for (let i = 0; i < LEVELS; i++) deep = [deep];
    const text = repr(deep);
    assert.equal(text.length, 2 * LEVELS + 2);
    assert.ok(text.startsWith('[[[[') && text.endsWith(']]]]'));
    assert.throws(
      () => pformat(deep),
      (e: unknown) => e instanceof PickleError && /repr\(\)/.test(e.message),
    );
    let ok: unknown = 'x';
    for (let i = 0; i < PFORMAT_MAX_DEPTH; i++) ok = [ok];
    assert.equal(pformat(ok), repr(ok));
  });
});
