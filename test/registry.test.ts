/**
 * The registry's seams: tables (`new Registry([...])`, `include`), the
 * options form kept from before tables, and the dump-only reducers, whose
 * pickles python3 loads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BaseRegistry,
  builtins,
  copyreg,
  DEFAULT_TABLES,
  defaultRegistry,
  dumps,
  loads,
  numpyTable,
  PicklingError,
  PyGlobal,
  PyObject,
  pandasReconstructors,
  type ReconstructorTable,
  Registry,
  stdlib,
} from '../src/index.js';
import { runPython } from './support/python.js';

const sorted = (names: string[]) => [...names].sort();

test('the default registry is the built-in tables, then numpy and pandas, in order', () => {
  assert.deepEqual(defaultRegistry.tables(), ['builtins', 'copyreg', 'stdlib', 'numpy', 'pandas']);
  assert.deepEqual(DEFAULT_TABLES, [builtins, copyreg, stdlib, numpyTable, pandasReconstructors]);
  assert.deepEqual(
    sorted(new Registry([builtins, copyreg, stdlib, numpyTable, pandasReconstructors]).names()),
    sorted(defaultRegistry.names()),
  );
  assert.deepEqual(sorted(new Registry().names()), sorted(defaultRegistry.names()));
  assert.ok(defaultRegistry.has('datetime', 'datetime'));
  assert.ok(defaultRegistry.has('copyreg', '_reconstructor'));
  assert.ok(defaultRegistry.has('builtins', 'set'));
});

test('the options form gives the same tables as before', () => {
  assert.deepEqual(new Registry({ stdlib: false }).tables(), ['builtins', 'copyreg', 'numpy', 'pandas']);
  assert.deepEqual(new Registry({ builtins: false }).tables(), []);
  assert.deepEqual(new Registry({ builtins: false, stdlib: true }).tables(), ['stdlib']);
  assert.deepEqual(new Registry({}).tables(), ['builtins', 'copyreg', 'stdlib', 'numpy', 'pandas']);
  assert.equal(new Registry({ stdlib: false }).has('decimal', 'Decimal'), false);
  assert.equal(new Registry({ stdlib: false }).has('builtins', 'set'), true);
  assert.equal(new Registry({ builtins: false }).names().length, 0);
  // stdlib: false loads a Decimal inert.
  const decimal = runPython(
    "import pickle, decimal, sys; sys.stdout.write(pickle.dumps(decimal.Decimal('1.5'), 2).hex())",
  );
  const data = Uint8Array.from(Buffer.from(decimal, 'hex'));
  assert.ok(loads(data, { registry: new Registry({ stdlib: false }) }) instanceof PyObject);
  assert.equal(String(loads(data)), '1.5');
});

test('a table is included, later entries replace earlier ones, and a frozen registry refuses', () => {
  const units: ReconstructorTable = {
    name: 'units',
    entries: [
      ['myunits', 'meters', { call: (args) => ({ meters: args[0] }) }],
      ['builtins', 'set', { call: () => 'replaced' }],
    ],
  };
  const registry = new Registry([builtins]).include(units);
  assert.deepEqual(registry.tables(), ['builtins', 'units']);
  assert.ok(registry.has('myunits', 'meters'));
  // Python writes meters(3) for an object whose __reduce__ names the function myunits.meters.
  const data = runPython(
    [
      'import pickle, sys, types',
      "units = types.ModuleType('myunits'); sys.modules['myunits'] = units",
      'def meters(x): return x',
      "meters.__module__ = 'myunits'; units.meters = meters",
      'class M:',
      '    def __reduce__(self): return (meters, (3,))',
      'sys.stdout.write(pickle.dumps([M(), {1}], 2).hex())',
    ].join('\n'),
  );
  assert.deepEqual(loads(Uint8Array.from(Buffer.from(data, 'hex')), { registry }), [
    { meters: 3 },
    'replaced',
  ]);
  assert.throws(() => defaultRegistry.include(units), TypeError);
  assert.equal(defaultRegistry.has('myunits', 'meters'), false);
  // A base registry starts empty; a clone keeps the class, the tables and the entries.
  assert.deepEqual(new BaseRegistry().names(), []);
  const copy = registry.clone();
  assert.ok(copy instanceof Registry);
  assert.deepEqual(copy.tables(), ['builtins', 'units']);
  assert.deepEqual(sorted(copy.names()), sorted(registry.names()));
});

test('registerReducer: a typed array dumps as the Python value the reducer names, and python3 loads it', () => {
  const registry = new Registry().registerReducer(Float64Array, (a) => ({
    callable: new PyGlobal('array', 'array'),
    args: ['d', [...a]],
  }));
  const value = { xs: new Float64Array([1.5, -2, 1e300]) };
  for (const protocol of [0, 2, 5]) {
    const data = dumps(value, { registry, protocol });
    const out = runPython(
      'import pickle, sys; v = pickle.loads(bytes.fromhex(sys.stdin.read())); sys.stdout.write(repr(v))',
      [],
      Buffer.from(data).toString('hex'),
    );
    assert.equal(out, "{'xs': array('d', [1.5, -2.0, 1e+300])}");
    // Loading is unchanged: the default registry knows array.array.
    const back = loads(data) as { xs: { typecode: string } };
    assert.equal(back.xs.typecode, 'd');
  }
  // The registered reducer wins over brine's own form of a typed array (array._array_reconstructor from protocol 3).
  const has = (data: Uint8Array, text: string) => Buffer.from(data).includes(text);
  assert.ok(!has(dumps(value, { registry }), '_array_reconstructor'));
  assert.ok(has(dumps(value), '_array_reconstructor'));
});

test('registerReducer: a JS class dumps as a call, memoized; subclasses and frozen registries are not touched', () => {
  class Meters {
    constructor(readonly value: number) {}
  }
  class Feet extends Meters {}
  const registry = new Registry().registerReducer(Meters, (m) => ({
    callable: new PyGlobal('builtins', 'complex'),
    args: [m.value, 0],
  }));
  const m = new Meters(3);
  const data = dumps([m, m], { registry, protocol: 2 });
  const out = runPython(
    "import pickle, sys; v = pickle.loads(bytes.fromhex(sys.stdin.read())); sys.stdout.write(repr(v) + ' ' + str(v[0] is v[1]))",
    [],
    Buffer.from(data).toString('hex'),
  );
  assert.equal(out, '[(3+0j), (3+0j)] True');
  assert.throws(() => dumps(new Feet(1), { registry }), PicklingError);
  assert.throws(
    () => defaultRegistry.registerReducer(Meters, () => ({ callable: new PyGlobal('a', 'b') })),
    TypeError,
  );
  assert.ok(registry.clone().reducerFor(Meters));
  // A reduction without a callable is refused with a clear error.
  const bad = new Registry().registerReducer(Meters, () => ({ args: [1] }));
  assert.throws(() => dumps(m, { registry: bad }), /gave no callable/);
});
