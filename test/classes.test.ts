/**
 * Application classes against CPython, both directions: every way a Python
 * class controls its pickling (test/support/brine_models.py: __dict__,
 * __slots__, __getstate__/__setstate__, the __reduce__ forms, a global name,
 * __getnewargs_ex__, dataclasses, dict/list/set subclasses) loads inert
 * without registration and dumps back to what Python loads; with
 * registration it loads as the JS class, and JS instances dump as the
 * Python class.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultRegistry,
  dumps,
  loads,
  namedTuple,
  PyDeque,
  PyGlobal,
  PyObject,
  Registry,
  tuple,
} from '../src/index.js';
import { fromHex, runPythonScript, toHex } from './support/python.js';

type Report = Record<string, Record<string, { equal: boolean; identical: boolean; error: string | null }>>;

function python(mode: string, input?: string): string {
  return runPythonScript('test/support/brine_models.py', [mode], input);
}

const pickles = JSON.parse(python('make')) as Record<string, Record<string, string>>;
const M = 'brine_models';
const g = (name: string) => new PyGlobal(M, name);

class Point {
  constructor(
    public x?: unknown,
    public y?: unknown,
  ) {}
}
class Slotted {
  x: unknown;
  y: unknown;
}
class Mixed {
  s: unknown;
  d: unknown;
}
class WithState {
  a: unknown;
  b: unknown;
}
class R2 {
  constructor(public a?: unknown) {}
}
class R3 {
  a: unknown;
  extra: unknown;
}
class R4 {
  items: unknown[] = [];
}
class R5 {
  d = new Map<unknown, unknown>();
}
class R6 {
  v: unknown;
}
class NewArgsEx {
  constructor(
    public a?: unknown,
    public b?: unknown,
  ) {}
}
class DC {
  name: unknown;
  tags: unknown;
}
class FrozenDC {
  x: unknown;
  y: unknown;
}
class DictSub extends Map<unknown, unknown> {}
class ListSub extends Array<unknown> {}
class SetSub extends Set<unknown> {}
class Singleton {}
const SINGLETON = new Singleton();

function state(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o));
}

const registry = new Registry()
  .registerClass(Point, { module: M, name: 'Point' })
  .registerClass(Slotted, { module: M, name: 'Slotted', reduce: (o) => ({ state: tuple(null, state(o)) }) })
  .registerClass(Mixed, {
    module: M,
    name: 'Mixed',
    reduce: (o) => ({ state: tuple({ d: o.d }, { s: o.s }) }),
  })
  .registerClass(WithState, {
    module: M,
    name: 'WithState',
    setState: (o, st) => {
      [o.a, o.b] = st as unknown[];
    },
    reduce: (o) => ({ state: tuple(o.a, o.b) }),
  })
  .register(M, 'make_r2', { call: ([a]) => new R2(a) })
  .registerClass(R2, { module: M, name: 'R2', reduce: (o) => ({ callable: g('make_r2'), args: [o.a] }) })
  .registerClass(R3, {
    module: M,
    name: 'R3',
    create: ([a]) => Object.assign(new R3(), { a }),
    reduce: (o) => ({ callable: g('R3'), args: [o.a], state: { extra: o.extra } }),
  })
  .registerClass(R4, {
    module: M,
    name: 'R4',
    create: () => new R4(),
    extend: (o, items) => o.items.push(...items),
    reduce: (o) => ({ callable: g('R4'), args: [], listitems: o.items }),
  })
  .registerClass(R5, {
    module: M,
    name: 'R5',
    create: () => new R5(),
    setItems: (o, pairs) => {
      for (const [k, v] of pairs) o.d.set(k, v);
    },
    reduce: (o) => ({ callable: g('R5'), args: [], dictitems: [...o.d] }),
  })
  .register(M, 'set_r6', {
    call: ([obj, st]) => {
      (obj as R6).v = (st as { v: unknown }).v;
      return null;
    },
  })
  .registerClass(R6, {
    module: M,
    name: 'R6',
    create: () => new R6(),
    reduce: (o) => ({ callable: g('R6'), args: [], state: { v: o.v }, stateSetter: g('set_r6') }),
  })
  .register(M, 'SINGLETON', { value: SINGLETON })
  .registerClass(Singleton, { module: M, name: 'Singleton', reduce: () => g('SINGLETON') })
  .registerClass(NewArgsEx, {
    module: M,
    name: 'NewArgsEx',
    create: (args, kwargs) => new NewArgsEx(args[0], (kwargs as { b?: unknown } | null)?.b),
    reduce: (o) => ({ args: [o.a], kwargs: { b: o.b }, state: { a: o.a, b: o.b } }),
  })
  .registerClass(DC, { module: M, name: 'DC' })
  .registerClass(FrozenDC, { module: M, name: 'FrozenDC' })
  .registerClass(DictSub, { module: M, name: 'DictSub' })
  .registerClass(ListSub, { module: M, name: 'ListSub' })
  .registerClass(SetSub, { module: M, name: 'SetSub' });

/** What each case loads as with the registry, checked field by field. */
const EXPECTED: Record<string, (v: unknown) => void> = {
  point: (v) => assert.deepEqual([v instanceof Point, (v as Point).x, (v as Point).y], [true, 1, 'two']),
  slotted: (v) =>
    assert.deepEqual([v instanceof Slotted, (v as Slotted).x, (v as Slotted).y], [true, 1, [2]]),
  mixed: (v) => assert.deepEqual([v instanceof Mixed, (v as Mixed).s, (v as Mixed).d], [true, 's', { k: 1 }]),
  withstate: (v) =>
    assert.deepEqual(
      [v instanceof WithState, (v as WithState).a, (v as WithState).b],
      [true, 1, tuple(2, 3)],
    ),
  r2: (v) => assert.deepEqual([v instanceof R2, (v as R2).a], [true, 'a']),
  r3: (v) => assert.deepEqual([v instanceof R3, (v as R3).a, (v as R3).extra], [true, 5, [1]]),
  r4: (v) => assert.deepEqual([v instanceof R4, (v as R4).items], [true, [1, 2, 3]]),
  r5: (v) =>
    assert.deepEqual(
      [v instanceof R5, [...(v as R5).d]],
      [
        true,
        [
          ['a', 1],
          [2, 'b'],
        ],
      ],
    ),
  r6: (v) => assert.deepEqual([v instanceof R6, (v as R6).v], [true, { x: 1 }]),
  singleton: (v) => assert.equal(v, SINGLETON),
  newargsex: (v) =>
    assert.deepEqual([v instanceof NewArgsEx, (v as NewArgsEx).a, (v as NewArgsEx).b], [true, 1, 'bee']),
  dataclass: (v) => assert.deepEqual([v instanceof DC, (v as DC).name, (v as DC).tags], [true, 'n', ['t']]),
  frozen: (v) =>
    assert.deepEqual([v instanceof FrozenDC, (v as FrozenDC).x, (v as FrozenDC).y], [true, 1, 2.5]),
  dictsub: (v) =>
    assert.deepEqual(
      [v instanceof DictSub, [...(v as DictSub)], (v as { note?: unknown }).note],
      [
        true,
        [
          ['a', 1],
          ['b', [2]],
        ],
        'n',
      ],
    ),
  listsub: (v) =>
    assert.deepEqual(
      [v instanceof ListSub, [...(v as ListSub)], (v as { note?: unknown }).note],
      [true, [1, 'x'], 'n'],
    ),
  setsub: (v) =>
    assert.deepEqual(
      [v instanceof SetSub, [...(v as SetSub)], (v as { note?: unknown }).note],
      [true, [1, 2], 'n'],
    ),
  selfdict: (v) => {
    const d = v as DictSub;
    assert.ok(d instanceof DictSub && (d.get('b') as unknown[])[0] === d && d.get('a') === 1);
  },
  selflist: (v) => {
    const l = v as ListSub;
    assert.ok(l instanceof ListSub && (l[1] as unknown[])[0] === l && l[0] === 1);
  },
  nested: (v) => {
    const [p, d] = v as [Point, { p: Point }];
    assert.ok(p instanceof Point && d.p instanceof Point && d.p.y === 4);
  },
};

function check(dumped: Record<string, Record<string, string>>): Report {
  return JSON.parse(python('check', JSON.stringify(dumped))) as Report;
}

describe('application classes written by python3', () => {
  test('without registration: inert, readable, and dumped back to what Python loads (byte-identical)', () => {
    const dumped: Record<string, Record<string, string>> = {};
    for (const [name, perProtocol] of Object.entries(pickles)) {
      dumped[name] = {};
      for (const [p, hex] of Object.entries(perProtocol)) {
        const value = loads(fromHex(hex));
        if (name !== 'singleton' && name !== 'nested')
          assert.ok(value instanceof PyObject, `${name}@${p} is inert`);
        dumped[name][p] = toHex(dumps(value, { protocol: Number(p) }));
      }
    }
    const report = check(dumped);
    const notIdentical: string[] = [];
    for (const [name, per] of Object.entries(report))
      for (const [p, r] of Object.entries(per)) {
        assert.ok(r.equal, `${name}@${p}: ${r.error}`);
        if (!r.identical) notIdentical.push(`${name}@${p}`);
      }
    assert.deepEqual(notIdentical, []);
  });

  test('an inert object keeps its state readable', () => {
    const point = loads(fromHex(pickles.point![5]!)) as PyObject;
    assert.deepEqual(
      [point.kind, String(point.cls), point.state],
      ['newobj', 'brine_models.Point', { x: 1, y: 'two' }],
    );
    const r6 = loads(fromHex(pickles.r6![2]!)) as PyObject;
    assert.deepEqual([r6.state, String(r6.stateSetter)], [{ v: { x: 1 } }, 'brine_models.set_r6']);
    const dict = loads(fromHex(pickles.dictsub![2]!)) as PyObject;
    assert.deepEqual(
      [dict.dictitems, dict.state],
      [
        [
          ['a', 1],
          ['b', [2]],
        ],
        { note: 'n' },
      ],
    );
  });

  test('with registration: instances of the JS classes, at every protocol', () => {
    for (const [name, perProtocol] of Object.entries(pickles)) {
      for (const [p, hex] of Object.entries(perProtocol)) {
        const value = loads(fromHex(hex), { registry, strict: true });
        try {
          EXPECTED[name]!(value);
        } catch (error) {
          assert.fail(`${name}@${p}: ${(error as Error).message}`);
        }
      }
    }
  });

  test('JS instances dump as the Python classes, and python3 loads them equal', () => {
    const dumped: Record<string, Record<string, string>> = {};
    for (const [name, perProtocol] of Object.entries(pickles)) {
      dumped[name] = {};
      for (const [p, hex] of Object.entries(perProtocol)) {
        const value = loads(fromHex(hex), { registry });
        dumped[name][p] = toHex(dumps(value, { protocol: Number(p), registry }));
      }
    }
    const report = check(dumped);
    for (const [name, per] of Object.entries(report))
      for (const [p, r] of Object.entries(per)) assert.ok(r.equal, `${name}@${p}: ${r.error}`);
  });
});

describe('strict mode', () => {
  test('an unregistered class is refused with the line that registers it', () => {
    assert.throws(() => loads(fromHex(pickles.point![4]!), { strict: true }), {
      name: 'UnpicklingError',
      message:
        /global 'brine_models\.Point' is not allowed in strict mode; register it with `registry\.registerClass\(Point, \{ module: 'brine_models', name: 'Point' \}\)`/,
    });
    assert.throws(() => loads(fromHex(pickles.r2![4]!), { strict: true }), {
      message: /registry\.register\('brine_models', 'make_r2', \{ call: \(args\) => \.\.\. \}\)/,
    });
  });

  test('the registry is per call: another registry does not see the classes', () => {
    assert.ok(loads(fromHex(pickles.point![4]!), { registry: new Registry() }) instanceof PyObject);
    assert.ok(loads(fromHex(pickles.point![4]!), { registry }) instanceof Point);
  });

  test('a state the default cannot assign is an UnpicklingError', () => {
    const r = new Registry().registerClass(WithState, { module: M, name: 'WithState' });
    assert.throws(() => loads(fromHex(pickles.withstate![2]!), { registry: r }), {
      name: 'UnpicklingError',
      message: /BUILD.*not a dict: give registerClass a setState option/,
    });
  });
});

describe('hostile input to registered classes', () => {
  test('a state key that is not a plain value is an UnpicklingError, not a TypeError', () => {
    const r = new Registry().registerClass(Point, { module: M, name: 'Point' });
    // Keys Python can hash (a dict inside a tuple could not be a key): an object whose state has a
    // `toString` that is not a function, an inert object, a tuple.
    const trap = new PyObject('reduce', g('x'), tuple());
    trap.state = { toString: 1 };
    for (const key of [tuple(trap), new PyObject('reduce', g('x'), tuple()), tuple(1, 2)]) {
      const obj = new PyObject('newobj', g('Point'), tuple());
      obj.state = new Map<unknown, unknown>([[key, 1]]);
      assert.throws(() => loads(dumps(obj), { registry: r }), {
        name: 'UnpicklingError',
        message: /BUILD.*a key that is not a str/,
      });
    }
    // Plain keys still become properties, as before.
    const obj = new PyObject('newobj', g('Point'), tuple());
    obj.state = new Map<unknown, unknown>([
      [1, 'one'],
      ['constructor', { name: { toString: 5 } }],
      ['x', 2],
    ]);
    const p = loads(dumps(obj), { registry: r }) as Point & Record<string, unknown>;
    assert.ok(p instanceof Point, 'p instanceof Point');
    assert.equal(p['1'], 'one');
    assert.equal(p.x, 2);
  });

  test('a list subclass filled at protocol 0 with 300,000 items', () => {
    const r = new Registry().registerClass(ListSub, { module: M, name: 'ListSub' });
    const items = Array.from({ length: 300_000 }, (_, i) => i);
    const data = dumps(
      new PyObject(
        'reduce',
        new PyGlobal('copyreg', '_reconstructor'),
        tuple<unknown>(g('ListSub'), new PyGlobal('builtins', 'list'), items),
      ),
      { protocol: 1 },
    );
    const loaded = loads(data, { registry: r }) as ListSub;
    assert.ok(loaded instanceof ListSub, 'loaded instanceof ListSub');
    assert.equal(loaded.length, 300_000);
  });

  test('a named tuple called with another number of arguments than it has fields stays inert', () => {
    const Pair = namedTuple(M, 'Pair', ['a', 'b']);
    const r = new Registry().registerNamedTuple(Pair);
    for (const args of [tuple(1), tuple(1, 2, 3), Object.freeze(Array.from({ length: 300_000 }, () => 0))]) {
      assert.ok(
        loads(dumps(new PyObject('newobj', g('Pair'), args)), { registry: r }) instanceof PyObject,
        "loads(dumps(new PyObject('newobj', g('Pair'), args)), { registry: r })",
      );
      assert.ok(
        loads(dumps(new PyObject('reduce', g('Pair'), args)), { registry: r }) instanceof PyObject,
        "loads(dumps(new PyObject('reduce', g('Pair'), args)), { registry: r })",
      );
    }
    assert.ok(
      loads(dumps(new PyObject('newobj', g('Pair'), tuple(1, 2))), { registry: r }) instanceof Pair,
      "loads(dumps(new PyObject('newobj', g('Pair'), tuple(1, 2))), { registr",
    );
  });

  test("deque's extend keeps the last maxlen items, as CPython's deque.extend", () => {
    assert.ok(defaultRegistry.get('collections', 'deque')?.extend, 'extend');
    // deque([1, 2], 3) then APPENDS 3, 4, 5 (the hook trims in batches; the loader trims the rest).
    const data = new TextEncoder().encode('ccollections\ndeque\n((lK\x01aK\x02aK\x03tR(K\x03K\x04K\x05e.');
    const deque = loads(data) as PyDeque<number>;
    assert.ok(deque instanceof PyDeque);
    assert.deepEqual([...deque], [3, 4, 5]);
    assert.equal(deque.maxlen, 3);
  });
});
