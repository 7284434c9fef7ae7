/**
 * Class instances written as `cls.__new__(cls)` then BUILD (NEWOBJ at
 * protocol 2+, the common plain class) against CPython, byte for byte: the
 * pickler saves them by recursion up to a depth and by frames past it, and
 * both must write `pickle.dumps`'s bytes, with shared instances, an instance
 * reaching itself through its state, states that push frames (a tuple of
 * containers, a list of a thousand items), instances without state, and
 * chains deeper than the recursion. Errors inside their states name the same
 * path either way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, PyGlobal, PyObject, tuple } from '../src/index.js';
import { runPython } from './support/python.js';

const PROTOCOLS = [2, 3, 4, 5] as const;

const PYTHON = `
import pickle, sys, types
nm = types.ModuleType('nm')
class C:
    pass
C.__module__ = 'nm'
nm.C = C
sys.modules['nm'] = nm
def c(**kw):
    o = C()
    o.__dict__.update(kw)
    return o
cases = {}
cases['two'] = [c(a=1, b='x'), c(a=2, b='x')]
shared = c(k='shared')
cases['shared'] = [c(s=shared, n=1), c(s=shared, n=2), shared, [shared]]
me = c(n=1)
me.me = me
cases['self'] = [me, me, c(other=me)]
cases['frames'] = [c(t=(1, [c(x=1)], {'k': c()}), big=list(range(1000)), after=c(y='z'))]
cases['empty'] = [c(), c(), (c(),)]
chain = c(leaf=True)
for i in range(20):
    chain = c(child=chain if i % 7 else [chain, i], n=i)
cases['chain'] = chain
for name in ['two', 'shared', 'self', 'frames', 'empty', 'chain']:
    print(name, ' '.join(pickle.dumps(cases[name], p).hex() for p in (2, 3, 4, 5)))
`;

const G = new PyGlobal('nm', 'C');
function c(entries: [string, unknown][]): PyObject {
  const o = new PyObject('newobj', G, tuple());
  if (entries.length > 0) o.state = new Map<unknown, unknown>(entries);
  return o;
}

function jsCases(): Record<string, unknown> {
  const shared = c([['k', 'shared']]);
  const me = c([['n', 1]]);
  (me.state as Map<unknown, unknown>).set('me', me);
  let chain = c([['leaf', true]]);
  for (let i = 0; i < 20; i++)
    chain = c([
      ['child', i % 7 ? chain : [chain, i]],
      ['n', i],
    ]);
  return {
    two: [
      c([
        ['a', 1],
        ['b', 'x'],
      ]),
      c([
        ['a', 2],
        ['b', 'x'],
      ]),
    ],
    shared: [
      c([
        ['s', shared],
        ['n', 1],
      ]),
      c([
        ['s', shared],
        ['n', 2],
      ]),
      shared,
      [shared],
    ],
    self: [me, me, c([['other', me]])],
    frames: [
      c([
        ['t', tuple<unknown>(1, [c([['x', 1]])], new Map([['k', c([])]]))],
        ['big', Array.from({ length: 1000 }, (_, i) => i)],
        ['after', c([['y', 'z']])],
      ]),
    ],
    empty: [c([]), c([]), tuple(c([]))],
    chain,
  };
}

test('NEWOBJ instances with BUILD states: the bytes of pickle.dumps at protocols 2-5', () => {
  const expected = new Map<string, string[]>();
  for (const line of runPython(PYTHON).trim().split('\n')) {
    const [name, ...hex] = line.split(' ');
    expected.set(name!, hex);
  }
  const cases = jsCases();
  assert.equal(expected.size, Object.keys(cases).length);
  for (const [name, value] of Object.entries(cases))
    PROTOCOLS.forEach((protocol, k) => {
      const got = Buffer.from(dumps(value, { protocol })).toString('hex');
      assert.equal(got, expected.get(name)![k], `${name} at protocol ${protocol}`);
    });
});

test('an error inside an instance state names its path, inside and past the recursion', () => {
  let deep = c([['bad', () => 1]]);
  for (let i = 0; i < 12; i++)
    deep = c([
      ['child', i === 5 ? [1, deep] : deep],
      ['n', i],
    ]);
  const cases: [unknown, string][] = [
    [
      [
        1,
        c([
          ['x', 1],
          ['bad', Symbol('s')],
        ]),
      ],
      'root[1].bad',
    ],
    [deep, `root${'.child'.repeat(7)}[1]${'.child'.repeat(5)}.bad`],
    [[c([['t', tuple<unknown>(1, [c([['f', () => 2]])])]])], 'root[0].t[1][0].f'],
  ];
  for (const [value, path] of cases)
    for (const protocol of PROTOCOLS)
      assert.throws(
        () => dumps(value, { protocol }),
        (error: Error) => error.name === 'PicklingError' && error.message.includes(`Cannot pickle ${path}:`),
        `${path} at protocol ${protocol}`,
      );
});
