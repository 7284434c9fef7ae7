/**
 * More standard-library values against CPython (test/support/stdlib_wide.py):
 * edge values of every type brine reconstructs (years 1 and 9999, sub-minute
 * and negative offsets, Decimal exponents at CPython's limits, UUIDs of every
 * version, every array typecode at its extremes, IPv6 zones, Windows UNC
 * paths, every regex flag, exceptions with attributes and notes), shared and
 * recursive values, and user subclasses, at every protocol. Each loads (with
 * and without `exact`), answers every conversion without throwing, and
 * re-dumps to a pickle python3 loads equal; the bytes are CPython's own but
 * for the listed exceptions. Unregistered subclasses load inert.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dumps,
  loads,
  PY_REPR,
  type PyArray,
  type PyDecimal,
  type PyDefaultDict,
  type PyDeque,
  type PyException,
  PyObject,
  type PyOrderedDict,
  PySimpleNamespace,
  type PyUUID,
} from '../src/index.js';
import { fromHex, runPythonScript, toHex } from './support/python.js';
import { poke } from './support/stdlib-poke.js';

const SCRIPT = 'test/support/stdlib_wide.py';

function python(mode: string, input?: string): string {
  return runPythonScript(SCRIPT, [mode], input);
}

const made = JSON.parse(python('make')) as Record<string, Record<string, string>>;

/** Re-dumps that are not CPython's bytes, and why. */
const NOT_IDENTICAL: [RegExp, string, string][] = [
  // docs/byte-identity.md: array's module name is two equal str objects in CPython, one memoized string in brine.
  [/^array-/, '4 5', 'string identity'],
  // getattr(datetime, 'now') is resolved statically to the global datetime.now (docs/decisions.md), which
  // protocol 4 writes as STACK_GLOBAL: equal in Python, other bytes.
  [/^defaultdict-classmethod$/, '4 5', 'getattr resolved'],
];

describe('edge standard-library values written by python3', () => {
  const redumped: Record<string, Record<string, string>> = {};
  for (const [name, perProtocol] of Object.entries(made)) {
    test(name, () => {
      redumped[name] = {};
      for (const [protocol, hex] of Object.entries(perProtocol)) {
        for (const exact of [false, true]) {
          const value = loads(fromHex(hex), { exact });
          const where = `${name}@${protocol}${exact ? ' exact' : ''}`;
          // A user subclass is not its base class: unregistered, it loads inert.
          if (name.startsWith('sub-')) assert.ok(value instanceof PyObject, `${where} loads inert`);
          else assert.ok(!(value instanceof PyObject), `${where} is reconstructed`);
          assert.equal(poke(value), undefined, where);
          if (!exact) redumped[name][protocol] = toHex(dumps(value, { protocol: Number(protocol) }));
        }
      }
    });
  }

  test('python3 loads what brine re-dumps, equal, and byte-identical to CPython', () => {
    const report = JSON.parse(python('check', JSON.stringify(redumped))) as Record<
      string,
      Record<string, { equal: boolean; identical: boolean; error: string | null }>
    >;
    const unexpected: string[] = [];
    let identical = 0;
    let total = 0;
    for (const [name, perProtocol] of Object.entries(report)) {
      for (const [protocol, r] of Object.entries(perProtocol)) {
        assert.ok(r.equal, `${name} at protocol ${protocol}: ${r.error ?? 'not equal'}`);
        total++;
        if (r.identical) identical++;
        else if (!NOT_IDENTICAL.some(([re, ps]) => re.test(name) && ps.split(' ').includes(protocol)))
          unexpected.push(`${name}@${protocol}`);
      }
    }
    assert.deepEqual(unexpected, [], 'every other re-dump is byte-identical to CPython');
    assert.ok(total > 900 && identical / total > 0.95, `${identical} of ${total} identical`);
  });
});

describe('what the edge values load as', () => {
  const at = (name: string, protocol = 5) => loads(fromHex(made[name]![protocol]!));
  const repr = (v: unknown) => (v as { [PY_REPR]: () => string })[PY_REPR]();

  test('Decimal exponents at the limits of CPython: exact, as bigints beyond 2^53', () => {
    const emax = at('decimal-emax') as PyDecimal;
    assert.equal(emax.exponent, 999999999999999999n);
    assert.equal(emax.toString(), '1E+999999999999999999');
    assert.equal(+emax, Number.POSITIVE_INFINITY);
    const etiny = at('decimal-etiny') as PyDecimal;
    assert.equal(etiny.toString(), '1E-1999999999999999997');
    assert.equal(+etiny, 0);
    assert.equal(repr(at('decimal-exp-2e9')), "Decimal('-7E+2000000000')");
    assert.equal((at('decimal-long') as PyDecimal).digits.length, 2000);
  });

  test('recursive containers print as Python prints them', () => {
    assert.equal(repr(at('recursive-deque')), 'deque([1, [...]])');
    const od = at('recursive-ordereddict') as PyOrderedDict;
    assert.equal(od.get('self'), od);
    assert.equal(repr(od), "OrderedDict([('self', ...), ('list', [...])])");
    const ns = at('recursive-namespace') as PySimpleNamespace & { me: unknown };
    assert.equal(ns.me, ns);
    assert.equal(repr(ns), 'namespace(x=1, me=namespace(...))');
    const dd = at('recursive-defaultdict') as PyDefaultDict;
    assert.equal(dd.get('me'), dd);
    assert.equal(repr(dd), "defaultdict(<class 'list'>, {'me': defaultdict(<class 'list'>, {...})})");
  });

  test('attribute names that are Object.prototype members stay data, and the value still prints', () => {
    const ns = at('namespace-protokeys') as PySimpleNamespace;
    assert.deepEqual(Object.keys(ns), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getPrototypeOf(ns), PySimpleNamespace.prototype);
    assert.equal(String(ns), 'namespace(__proto__=1, constructor=2, toString=3)');
    assert.equal(`${ns}`, String(ns));
  });

  test('every UUID version, arrays at their extremes, deque maxlen 0', () => {
    for (const v of [1, 2, 3, 4, 5, 6, 7, 8]) assert.equal((at(`uuid-v${v}`) as PyUUID).version, v);
    assert.equal((at('uuid-unsafe') as PyUUID).isSafe, -1);
    assert.deepEqual((at('array-Q') as PyArray).toArray(), [0n, 2n ** 64n - 1n]);
    assert.equal((at('array-u') as PyArray).toString(), '\x00\uffff\u{10ffff}\ud800');
    const deque = at('deque-maxlen0') as PyDeque;
    assert.equal(deque.length, 0);
    assert.equal(deque.maxlen, 0);
  });

  test('exceptions keep their attributes and notes', () => {
    const e = at('exception-notes-cause') as PyException;
    assert.deepEqual(e.state, { __notes__: ['note 1', 'note 2'] });
    const attrs = at('exception-attrs') as PyException;
    assert.equal((attrs.state as Record<string, unknown>).code, 42);
    assert.equal(Object.getPrototypeOf(attrs.state), Object.prototype);
  });
});
