/**
 * `console.log` of loaded values prints Python's repr: every value class has
 * a `util.inspect.custom` method (by its global symbol, so no import of
 * `node:util`), compared here with python3's own `repr()` of the same
 * objects, and bounded in length.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inspect } from 'node:util';
import * as brine from '../src/index.js';
import {
  DType,
  defineEnum,
  dumps,
  loads,
  NDArray,
  namedTuple,
  PickleBuffer,
  PY_REPR,
  PyDeque,
  PyFloat,
  PyGlobal,
  PyObject,
  repr,
  Tensor,
  tuple,
} from '../src/index.js';
import { INSPECT_MAX_LENGTH } from '../src/types/inspect.js';
import { ROOT, runPython } from './support/python.js';

const CUSTOM = Symbol.for('nodejs.util.inspect.custom');

const PYTHON_VALUES = `
import datetime, decimal, fractions, collections, uuid, ipaddress, pathlib, re, types, array, zoneinfo
values = [
  decimal.Decimal('1.50'), decimal.Decimal('-Infinity'), decimal.Decimal('sNaN'),
  datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
  datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo('Europe/Paris'), fold=1),
  datetime.date(2024, 1, 2), datetime.time(1, 2, 3, 4), datetime.timedelta(days=-1, seconds=3),
  datetime.timezone(datetime.timedelta(hours=2), 'X'), zoneinfo.ZoneInfo('UTC'),
  ValueError('bad', 2), KeyError('k'), OSError(2, 'No such file'),
  fractions.Fraction(-1, 3), 1 + 2j, complex(0, -0.0), slice(1, None, 2), range(3, 10, 2),
  collections.OrderedDict(a=1, b=[2.5]), collections.defaultdict(list, {'a': [1]}), collections.Counter('aab'),
  collections.deque([1, (2,)], maxlen=3), frozenset({3}), bytearray(b"x'\\x00"),
  uuid.UUID(int=1), ipaddress.ip_address('::1'), ipaddress.ip_network('10.0.0.0/8'), ipaddress.ip_interface('1.2.3.4/24'),
  pathlib.PurePosixPath('/a/b'), pathlib.PureWindowsPath('C:/x'),
  re.compile('a+', re.I | re.M), re.compile(b'x'), types.SimpleNamespace(a=1, b='two'),
  array.array('d', [1.0, 2.5]), array.array('u', 'hi'), 2.0,
]
`;

test('util.inspect of every standard-library value class is python3 repr()', () => {
  const out = runPython(
    `${PYTHON_VALUES}
import json, pickle, sys
print(json.dumps({'pickle': pickle.dumps(values, 5).hex(), 'reprs': [repr(v) for v in values]}))`,
  );
  const { pickle, reprs } = JSON.parse(out) as { pickle: string; reprs: string[] };
  const values = loads(Buffer.from(pickle, 'hex'), { floats: 'keep' }) as unknown[];
  assert.equal(values.length, reprs.length);
  values.forEach((value, i) => {
    assert.equal(typeof (value as Record<symbol, unknown>)[CUSTOM], 'function', reprs[i]);
    assert.equal(inspect(value), reprs[i]);
    // Inside a container, each still prints as its repr (Node lays out the container).
    assert.ok(inspect({ v: [value] }).includes(reprs[i]!), reprs[i]);
  });
});

test('the issues: a Decimal shows no internals, a datetime takes one line, an exception no stack of brine', () => {
  const out = runPython(
    `import datetime, decimal, pickle, sys
sys.stdout.write(pickle.dumps([decimal.Decimal('3.14'), datetime.datetime(2020, 5, 17, 12, 0), ValueError('boom')]).hex())`,
  );
  const [decimal, datetime, error] = loads(Buffer.from(out, 'hex')) as unknown[];
  assert.equal(inspect(decimal), "Decimal('3.14')");
  assert.equal(inspect(datetime), 'datetime.datetime(2020, 5, 17, 12, 0)');
  const text = inspect(error);
  assert.equal(text, "ValueError('boom')");
  assert.doesNotMatch(text, /\n|\bat |src\//);
});

test('every exported value class prints its repr, the JS-made ones too', () => {
  // Any exported class whose instances have a Python repr has the inspect method.
  let classes = 0;
  for (const [name, value] of Object.entries(brine)) {
    if (typeof value !== 'function' || value.prototype === undefined) continue;
    if (typeof (value.prototype as Record<symbol, unknown>)[PY_REPR] !== 'function') continue;
    classes++;
    assert.equal(
      typeof (value.prototype as Record<symbol, unknown>)[CUSTOM],
      'function',
      `${name} has no inspect method`,
    );
  }
  assert.ok(classes >= 28, `only ${classes} value classes found`);
  const Point = namedTuple('geo', 'Point', ['x', 'y']);
  const Color = defineEnum('paint', 'Color', { RED: 1 });
  const made: unknown[] = [
    new PyFloat(2),
    new Point(1, 2),
    Color.members.RED,
    new PyGlobal('os', 'system'),
    new PyObject('reduce', new PyGlobal('shop', 'Item'), tuple<unknown>('pen', 2.5)),
    new PickleBuffer(Uint8Array.of(1, 2)),
    NDArray.from([1, 2, 3], { dtype: 'int32' }),
    DType.get('<f8'),
    Tensor.from([1.5, 2], { dtype: 'float32' }),
    PyDeque.from([1, 2]),
  ];
  for (const value of made) {
    assert.equal(inspect(value), repr(value));
    assert.doesNotMatch(inspect(value), /\n/);
  }
  assert.equal(inspect(made[0]), '2.0');
  assert.equal(inspect(made[1]), 'Point(x=1, y=2)');
  assert.equal(inspect(made[2]), '<Color.RED: 1>');
  assert.equal(inspect(made[6]), "array([1, 2, 3], dtype='<i4')");
});

test('bounded: a huge or exponentially shared value prints at most the budget', () => {
  const big = PyDeque.from(Array.from({ length: 200_000 }, (_, i) => i));
  const text = inspect(big);
  assert.ok(text.length <= INSPECT_MAX_LENGTH + 3, `${text.length}`);
  assert.ok(text.startsWith('deque([0, 1, 2') && text.endsWith('...'));
  // 2^60 leaves through shared lists: still the budget, at once.
  let shared: unknown = [1];
  for (let i = 0; i < 60; i++) shared = [shared, shared];
  const deep = PyDeque.from([shared]);
  const t = inspect(deep);
  assert.ok(t.length <= INSPECT_MAX_LENGTH + 3 && t.endsWith('...'));
  // A dumps / loads round trip is not changed by the method.
  assert.equal(inspect(loads(dumps(big))), text);
});

test('browser-safe: the hook is a registered symbol, no Node module is imported', () => {
  const source = readFileSync(`${ROOT}src/types/inspect.ts`, 'utf8');
  assert.doesNotMatch(source, /from 'node:/);
  assert.match(source, /Symbol\.for\('nodejs\.util\.inspect\.custom'\)/);
});
