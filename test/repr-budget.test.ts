/**
 * Output budgets of every function that renders a value, against small
 * pickles (written by python3) that stand for exponentially long or very deep
 * texts: each must end in a PickleError, never in a crash or a hang, and the
 * cost of printing must grow with the text printed, not faster.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loads, PickleError, toJSON } from '../src/index.js';
import { DEFAULT_MAX_REPR_LENGTH, pyRepr, ReprLimitError } from '../src/repr.js';
import { PFORMAT_MAX_DEPTH, pformat, repr } from '../src/tools/repr.js';
import { assertLinear as assertScales } from './support/linear.js';
import { pythonCases, runPython } from './support/python.js';

const pickles = pythonCases(`
import collections, pickle, sys
sys.setrecursionlimit(20000)
def doubled(make, n):
    x = make([])
    for _ in range(n):
        x = make([x, x])
    return x
od = collections.OrderedDict()
for _ in range(25):
    od = collections.OrderedDict(a=od, b=od)
def chain(depth, parts):
    # A chain of single-item lists, reached first through shallow references to points down the chain.
    nodes = [[]]
    for _ in range(depth):
        nodes.append([nodes[-1]])
    return [nodes[depth]] + [nodes[depth * k // parts] for k in range(parts - 1, 0, -1)]
cases = {
  'lists': pickle.dumps(doubled(list, 30), 4),
  'deques': pickle.dumps(doubled(collections.deque, 30), 4),
  'odicts': pickle.dumps(od, 4),
  'chain1200': pickle.dumps(chain(1200, 4), 4),
  'chain2000': pickle.dumps(chain(2000, 4), 4),
}
`);

const isBudget = (e: unknown): boolean => e instanceof ReprLimitError && e instanceof PickleError;

describe('an exponentially long text stops at the budget with a PickleError', () => {
  test('the pickles are small', () => {
    for (const [name, data] of pickles) assert.ok(data.length < 20_000, `${name}: ${data.length} bytes`);
  });

  test('repr and pformat of 2^30 shared lists (x = [x, x], 30 times)', () => {
    const value = loads(pickles.get('lists')!);
    assert.throws(() => repr(value), isBudget);
    assert.throws(() => repr(value, { maxLength: 100_000 }), isBudget);
    assert.throws(() => pformat(value), isBudget);
    const pieces: string[] = [];
    assert.throws(() => pformat(value, { maxLength: 100_000, write: (t) => pieces.push(t) }), isBudget);
    assert.ok(pieces.join('').length <= 100_000);
    // A budget large enough for the text is fine: 5 levels down from the bottom, 2^5 leaves.
    let small = value as unknown[];
    for (let i = 0; i < 25; i++) small = small[0] as unknown[];
    const text = repr(small, { maxLength: 1_000 });
    assert.equal(text, pyRepr(small));
    assert.equal(text.length, 2 * 31 + 2 * 32 + 2 * 31);
  });

  test('String() and PY_REPR of 2^30 shared deques stop at the default budget', () => {
    const value = loads(pickles.get('deques')!);
    assert.throws(() => String(value), isBudget);
    assert.throws(() => pyRepr(value, { maxLength: 50_000 }), isBudget);
    assert.throws(() => pformat(value, { maxLength: 50_000 }), isBudget);
  });

  test('toJSON: the repr fields of nested shared value classes count against maxBytes', () => {
    const value = loads(pickles.get('odicts')!);
    assert.throws(
      () => toJSON(value, { maxBytes: 1_000_000 }),
      (e: unknown) => e instanceof PickleError && /maxBytes/.test(e.message),
    );
    // Every character of the text counts: a budget just under the text's length is refused.
    const small = new Map([['k', 1]]);
    const leaf = loads(
      Buffer.from(
        runPython(
          `import collections, pickle; print(pickle.dumps(collections.OrderedDict(k=1), 4).hex())`,
        ).trim(),
        'hex',
      ),
    );
    const text = toJSON(leaf);
    assert.ok(text.includes('"repr":"OrderedDict([(\'k\', 1)])"'), text);
    assert.throws(() => toJSON(leaf, { maxBytes: text.length - 20 }), PickleError);
    assert.ok(small.size === 1);
  });

  test('budgets are checked: a negative or NaN maxLength is an error', () => {
    assert.throws(() => repr(1, { maxLength: -1 }), PickleError);
    assert.throws(() => pformat(1, { maxLength: Number.NaN }), PickleError);
    assert.equal(repr([1, 2], { maxLength: 6 }), '[1, 2]');
    assert.throws(() => repr([1, 2], { maxLength: 5 }), isBudget);
    assert.equal(DEFAULT_MAX_REPR_LENGTH, 16 * 1024 * 1024);
  });

  test('a long string over the budget is refused before its text is made', () => {
    const big = 'x'.repeat(10_000_000);
    assert.throws(() => repr([big], { maxLength: 1000 }), isBudget);
    assert.throws(() => pformat([big, big], { maxLength: 1000 }), isBudget);
  });
});

describe('deep chains reached first through shallow shared references', () => {
  for (const name of ['chain1200', 'chain2000']) {
    test(`${name}: pformat refuses before any output, repr prints it as Python does`, () => {
      const value = loads(pickles.get(name)!);
      const pieces: string[] = [];
      assert.throws(
        () => pformat(value, { write: (t) => pieces.push(t) }),
        (e: unknown) => e instanceof PickleError && !(e instanceof RangeError) && /repr\(\)/.test(e.message),
      );
      assert.deepEqual(pieces, []);
      const depth = Number(name.slice(5));
      const expected = runPython(`
import sys
sys.setrecursionlimit(20000)
depth, parts = ${depth}, 4
nodes = [[]]
for _ in range(depth):
    nodes.append([nodes[-1]])
print(repr([nodes[depth]] + [nodes[depth * k // parts] for k in range(parts - 1, 0, -1)]))
`).trim();
      assert.equal(repr(value), expected);
    });
  }

  test(`a chain of ${PFORMAT_MAX_DEPTH} levels still prints`, () => {
    let ok: unknown = 0;
    for (let i = 0; i < PFORMAT_MAX_DEPTH - 1; i++) ok = [ok];
    const shared = [ok, ok];
    const one = repr(ok);
    assert.equal(pformat(shared, { width: 4000 }), `[${one},\n ${one}]`);
  });
});

/**
 * Asserts that the cost of `at(4n)()` is about 4 times that of `at(n)()`, in
 * CPU time with equal-work windows (see test/support/linear.ts).
 */
function assertLinear(what: string, at: (n: number) => () => void, n: number): void {
  assertScales(what, n, at, (run) => run());
}

describe('the cost of printing grows linearly with the text', () => {
  test('pformat of deep single-item chains: the width test costs the width, not the subtree', () => {
    // d levels, printed 20 times (shared): the text is 20 * 2d characters; pprint's algorithm
    // makes the repr of every subtree again at each level, d^2 characters, unless cut at the width.
    const at = (d: number) => {
      let chain: unknown = 0;
      for (let i = 1; i < d; i++) chain = [chain];
      const value = Array.from({ length: 20 }, () => chain);
      return () => {
        pformat(value);
      };
    };
    assertLinear('pformat chain', at, 240);
  });

  test('repr and pformat of the shared-list bomb scale with the budget', () => {
    const value = loads(pickles.get('lists')!);
    const run = (f: (m: number) => void) => (m: number) => () => {
      assert.throws(() => f(m), isBudget);
    };
    assertLinear(
      'repr',
      run((m) => repr(value, { maxLength: m })),
      200_000,
    );
    assertLinear(
      'pformat',
      run((m) => pformat(value, { maxLength: m })),
      100_000,
    );
  });

  test('pformat of a wide list of dicts', () => {
    const at = (n: number) => {
      const value = Array.from({ length: n }, (_, i) => ({ key: i, name: `item ${i}`, tags: [i, i + 1] }));
      return () => {
        pformat(value, { width: 40 });
      };
    };
    assertLinear('pformat wide', at, 2_000);
  });

  test('toJSON of value classes nested in value classes, under maxBytes', () => {
    const value = loads(pickles.get('odicts')!);
    const at = (m: number) => () => {
      assert.throws(() => toJSON(value, { maxBytes: m }), PickleError);
    };
    assertLinear('toJSON', at, 400_000);
  });
});
