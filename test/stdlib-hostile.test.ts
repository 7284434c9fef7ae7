/**
 * Hostile pickles aimed at the standard-library reconstructors and value
 * classes: wrong argument types and counts, huge numbers, floats where ints
 * are expected, deep nesting, cycles through the values, BUILD / SETITEMS /
 * APPENDS / ADDITEMS on value classes, `__proto__` keys. Loading gives a value
 * or an UnpicklingError, never anything else; every conversion of what
 * loaded answers without throwing; no prototype is touched; what loaded dumps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  defaultRegistry,
  dumps,
  loads,
  PickleError,
  PY_REPR,
  PyDateTime,
  PyDeque,
  PyException,
  PyFloat,
  PyGlobal,
  PyObject,
  PyOrderedDict,
  PySimpleNamespace,
  PyUUID,
  tuple,
  UnpicklingError,
} from '../src/index.js';
import { runs, seed as seedOr, size } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { bytes, runPython } from './support/python.js';
import { poke } from './support/stdlib-poke.js';

const g = (module: string, name: string) => new PyGlobal(module, name);
const call = (module: string, name: string, ...args: unknown[]) =>
  new PyObject('reduce', g(module, name), tuple(...args));
const repr = (v: unknown) => (v as { [PY_REPR]: () => string })[PY_REPR]();
const refused = { name: 'UnpicklingError' };

describe('targeted hostile pickles', () => {
  test('UUID.__new__(UUID) without state prints, and dumps back as it came', () => {
    const data = dumps(new PyObject('newobj', g('uuid', 'UUID'), tuple()), { protocol: 2 });
    const uuid = loads(data) as PyUUID;
    assert.ok(uuid instanceof PyUUID, 'uuid instanceof PyUUID');
    assert.equal(repr(uuid), '<uuid.UUID object>');
    assert.equal(String(uuid), '');
    assert.equal(uuid.version, null);
    assert.equal(poke(uuid), undefined);
    assert.deepEqual(dumps(uuid, { protocol: 2 }), data);
  });

  test('a datetime in a zone the runtime does not know still prints; toDate is an invalid Date', () => {
    const dt = loads(
      dumps(
        call(
          'datetime',
          'datetime',
          Uint8Array.of(7, 228, 1, 2, 3, 4, 5, 0, 0, 6),
          call('zoneinfo', 'ZoneInfo', 'No/Such_Zone'),
        ),
      ),
    ) as PyDateTime;
    assert.equal(String(dt), '2020-01-02 03:04:05.000006');
    assert.equal(dt.toJSON(), '2020-01-02T03:04:05.000006');
    assert.equal(
      repr(dt),
      "datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=zoneinfo.ZoneInfo(key='No/Such_Zone'))",
    );
    assert.ok(Number.isNaN(dt.toDate().getTime()), 'Number.isNaN(dt.toDate().getTime())');
    assert.throws(() => dt.toEpochMicroseconds(), { name: 'PicklingError', message: /No\/Such_Zone/ });
    assert.equal(poke(dt), undefined);
  });

  test('a datetime whose tzinfo holds the datetime', () => {
    // tz = myapp.TZ(); dt = datetime(state, tz); tz.__dict__.update({'dt': dt}); return dt
    const data = bytes(
      [0x80, 4],
      'cdatetime\ndatetime\n',
      [0x43, 10, 7, 228, 1, 2, 3, 4, 5, 0, 0, 6],
      'cmyapp\nTZ\n)Rq\x00',
      [0x86],
      'Rq\x01h\x00}',
      [0x8c, 2],
      'dth\x01sb0.',
    );
    const dt = loads(data) as PyDateTime;
    assert.ok(dt instanceof PyDateTime, 'dt instanceof PyDateTime');
    const tz = dt.tzinfo as PyObject;
    assert.equal((tz.state as { dt: unknown }).dt, dt);
    assert.equal(poke(dt), undefined);
    assert.match(
      repr(dt),
      /tzinfo=<PyObject reduce myapp\.TZ\(\) state=\{'dt': datetime\.datetime\(.*tzinfo=<PyObject \.\.\.>\)\}>\)$/,
    );
    assert.ok(Number.isNaN(dt.toDate().getTime()), 'Number.isNaN(dt.toDate().getTime())');
    assert.equal(poke(loads(dumps(dt))), undefined);
  });

  test('an exception whose arguments hold itself and a dict with a toString key', () => {
    // args = [{'toString': 1}]; e = ValueError(args); args.append(e)
    const data = bytes(
      [0x80, 4],
      'cbuiltins\nValueError\n]q\x00}',
      [0x8c, 8],
      'toStringK\x01sa',
      [0x85],
      'Rq\x01h\x00h\x01a0.',
    );
    const e = loads(data) as PyException;
    assert.ok(e instanceof PyException, 'e instanceof PyException');
    assert.equal(repr(e), "ValueError([{'toString': 1}, ValueError([...])])");
    assert.equal(poke(e), undefined);
  });

  test('sizes CPython keeps in C integers are refused or stay inert', () => {
    assert.throws(() => loads(dumps(call('collections', 'deque', [], 10n ** 30n))), refused);
    assert.ok(
      loads(dumps(call('re', '_compile', 'x', 2n ** 70n))) instanceof PyObject,
      "loads(dumps(call('re', '_compile', 'x', 2n ** 70n))) instanceof PyObje",
    );
    assert.throws(
      () => loads(dumps(call('decimal', 'Decimal', tuple<unknown>(0, tuple(1), 2n ** 70n)))),
      refused,
    );
    assert.throws(() => loads(dumps(call('decimal', 'Decimal', `1e${'9'.repeat(100_000)}`))), refused);
    assert.throws(() => loads(dumps(call('decimal', 'Decimal', '1E+1000000000000000000'))), refused);
    assert.equal(String(loads(dumps(call('decimal', 'Decimal', `1e-${'0'.repeat(50)}1`)))), '0.1');
  });

  test('Decimal of a float beyond 2^53 is its exact binary value, as in Python', () => {
    const expected = runPython('import decimal; print(decimal.Decimal(1e300), decimal.Decimal(-2.0**60))')
      .trim()
      .split(' ');
    // Written as floats (a JS integer would be written as an int); loaded without exact they are JS numbers.
    const got = [1e300, -(2 ** 60)].map((x) =>
      String(loads(dumps(call('decimal', 'Decimal', new PyFloat(x))))),
    );
    assert.deepEqual(got, expected);
  });

  // 25,000 levels under `npm test` (past the deepest a recursion reaches on Node's default stack, about
  // 15,700 frames of the smallest function), 100,000 under `npm run fuzz`.
  const LEVELS = size(25_000, 100_000);
  test(`${LEVELS.toLocaleString('en-US')} levels of nested deques, OrderedDicts and namespaces print without overflowing`, () => {
    for (const [module, name] of [
      ['collections', 'deque'],
      ['collections', 'OrderedDict'],
      ['types', 'SimpleNamespace'],
    ] as const) {
      let value: PyObject = call(module, name);
      for (let i = 0; i < LEVELS; i++) {
        const outer = call(module, name);
        if (name === 'deque') outer.args = tuple([value]);
        else if (name === 'OrderedDict') outer.dictitems = [['k', value]];
        else outer.state = { k: value };
        value = outer;
      }
      const loaded = loads(dumps(value));
      assert.ok(!(loaded instanceof PyObject), name);
      // Python's repr gives up with a RecursionError; brine's repr engine is flat and prints every level.
      const text = repr(loaded);
      assert.ok(text.length > LEVELS * 5, name);
      // Every conversion of the outer levels (each one walks all the levels below it).
      assert.equal(poke(loaded, 4), undefined, name);
    }
  });

  test('BUILD, SETITEMS, APPENDS and ADDITEMS on value classes: taken where Python takes them, else refused', () => {
    const withState = (obj: PyObject, field: 'state' | 'listitems' | 'dictitems' | 'setitems', v: unknown) =>
      Object.assign(obj, { [field]: v });
    const proto = new Map<unknown, unknown>([
      ['__proto__', { polluted: true }],
      ['constructor', 1],
    ]);
    // Taken: a dict state becomes the instance's attributes, as own data.
    const od = loads(dumps(withState(call('collections', 'OrderedDict'), 'state', proto))) as PyOrderedDict;
    assert.ok(od instanceof PyOrderedDict, 'od instanceof PyOrderedDict');
    assert.equal(Object.getPrototypeOf(od), PyOrderedDict.prototype);
    const dq = loads(dumps(withState(call('collections', 'deque', [1]), 'state', proto))) as PyDeque;
    assert.ok(dq instanceof PyDeque, 'dq instanceof PyDeque');
    const ns = loads(dumps(withState(call('types', 'SimpleNamespace'), 'state', proto))) as PySimpleNamespace;
    assert.deepEqual(Object.keys(ns), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(ns), PySimpleNamespace.prototype);
    for (const v of [od, dq, ns]) assert.equal(poke(v), undefined);
    // Refused: what the value class cannot hold.
    const stamp = Uint8Array.of(7, 228, 1, 2, 3, 4, 5, 0, 0, 6);
    for (const [obj, field, v] of [
      [call('datetime', 'datetime', stamp), 'state', { a: 1 }],
      [call('decimal', 'Decimal', '1.5'), 'state', { a: 1 }],
      [call('datetime', 'timedelta', 1), 'state', null],
      [call('types', 'SimpleNamespace'), 'state', new Map([[1, 2]])],
      [call('collections', 'deque', []), 'dictitems', [['k', 1]]],
      [call('collections', 'OrderedDict'), 'listitems', [1]],
      [call('collections', 'Counter'), 'setitems', [1]],
      [call('array', 'array', 'i', [1]), 'listitems', [2]],
      [call('uuid', 'UUID', '12345678123456781234567812345678'), 'state', { int: 2n ** 128n }],
    ] as const) {
      assert.throws(
        () => loads(dumps(withState(obj as PyObject, field, v), { protocol: 4 })),
        refused,
        `${(obj as PyObject).callable} ${field}`,
      );
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});

describe('random calls of every standard-library reconstructor', () => {
  const globals = defaultRegistry.names().map((n) => {
    const local = n.startsWith('pathlib._local.');
    const at = local ? 'pathlib._local'.length : n.indexOf('.');
    return g(n.slice(0, at), n.slice(at + 1));
  });
  const leaf = fc.oneof(
    fc.constantFrom(null, true, false, 0, -0, 1, -1, 12, 13, 24, 60, 255, 256, 9999, 10000, 2 ** 31, 2 ** 53),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, 1e300, 5e-324),
    fc.constantFrom(-1n, 2n ** 64n, 2n ** 128n - 1n, 2n ** 128n, -(2n ** 200n)),
    fc.constantFrom(
      '',
      '__proto__',
      'constructor',
      'toString',
      'valueOf',
      'F',
      'n',
      'N',
      'u',
      'd',
      'Q',
      'latin1',
    ),
    fc.constantFrom(
      '1e999999999999999999',
      '-sNaN9',
      '::1',
      '10.0.0.0/8',
      'fe80::1%x',
      '1/3',
      'Europe/Paris',
      'No/Zone',
    ),
    fc.integer(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 140n), max: 2n ** 140n }),
    fc.string({ maxLength: 8 }),
    fc.uint8Array({ maxLength: 12 }),
    fc.constantFrom(
      Uint8Array.of(7, 228, 2, 29),
      Uint8Array.of(23, 59, 59, 15, 66, 63),
      Uint8Array.of(0x27, 0x0f, 12, 31, 23, 59, 59, 15, 66, 63),
      Uint8Array.of(0, 1, 0x81, 1, 0, 0, 0, 0, 0, 0),
    ),
    fc.constantFrom(...globals),
  );
  const { pyobj } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      leaf,
      leaf,
      fc.array(tie('value'), { maxLength: 4 }).map((a) => tuple(...a)),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.array(fc.tuple(leaf, tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
      fc.dictionary(fc.constantFrom('int', 'is_safe', '__proto__', 'constructor', 'a'), tie('value'), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
      tie('pyobj'),
    ),
    pyobj: fc
      .record({
        kind: fc.constantFrom('reduce', 'reduce', 'newobj', 'newobj_ex'),
        callable: fc.constantFrom(...globals),
        args: fc.array(tie('value'), { maxLength: 4 }),
        kwargs: fc.array(fc.tuple(leaf, tie('value')), { maxLength: 2 }).map((e) => new Map(e)),
        state: fc.option(tie('value')),
        listitems: fc.option(fc.array(tie('value'), { maxLength: 3 })),
        dictitems: fc.option(fc.array(fc.tuple(leaf, tie('value')), { maxLength: 3 })),
        setitems: fc.option(fc.array(leaf, { maxLength: 3 })),
      })
      .map((r) => {
        const kind = r.kind as 'reduce' | 'newobj' | 'newobj_ex';
        const obj = new PyObject(kind, r.callable, tuple(...r.args), kind === 'newobj_ex' ? r.kwargs : null);
        if (r.state !== null) obj.state = r.state;
        obj.listitems = r.listitems as unknown[] | null;
        obj.dictitems = r.dictitems as [unknown, unknown][] | null;
        obj.setitems = r.setitems as unknown[] | null;
        return obj;
      }),
  }));

  test('load or raise an UnpicklingError; what loads converts, prints and dumps', () => {
    const seed = seedOr(20261126);
    let loaded = 0;
    try {
      fc.assert(
        fc.property(pyobj, fc.integer({ min: 0, max: 5 }), fc.boolean(), (obj, protocol, exact) => {
          let data: Uint8Array;
          try {
            data = dumps(obj, { protocol });
          } catch (error) {
            if (error instanceof PickleError) return;
            throw error;
          }
          let value: unknown;
          try {
            value = loads(data, { exact });
          } catch (error) {
            if (error instanceof UnpicklingError) return;
            throw error;
          }
          loaded++;
          assert.equal(poke(value), undefined);
          try {
            loads(dumps(value, { protocol }), { exact });
          } catch (error) {
            if (!(error instanceof PickleError)) throw error;
          }
        }),
        { seed, numRuns: runs(1000, 4000) },
      );
    } catch (error) {
      failWithSeed(error, seed);
    }
    assert.ok(loaded > 500, `${loaded} pickles loaded`);
  });
});
