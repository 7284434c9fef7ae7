/**
 * The public API of the loader: options, Unpickler over several pickles,
 * registry, strict mode, errors. Pickles come from python3.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FrozenSet,
  isPickleError,
  isTuple,
  loads,
  PickleBuffer,
  PickleError,
  PyFloat,
  PyGlobal,
  PyObject,
  PyOrderedDict,
  Registry,
  tuple,
  Unpickler,
  UnpicklingError,
} from 'brine';
import { pythonCases } from './support/python.js';

const py = pythonCases(String.raw`
import pickle, io, collections, copyreg

class Point:
    def __init__(self, x, y): self.x, self.y = x, y
Point.__module__ = 'myapp.geometry'
import sys, types
mod = types.ModuleType('myapp.geometry'); mod.Point = Point; sys.modules['myapp.geometry'] = mod
sys.modules['myapp'] = types.ModuleType('myapp')

buf = io.BytesIO()
p = pickle.Pickler(buf, 2)
shared = ['shared']
p.dump({'first': shared})
p.dump(shared)
p.dump(12345)
seq = buf.getvalue()

class PidPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return 'row-500' if obj == 500 and type(obj) is int else None
def pid(proto):
    b = io.BytesIO(); PidPickler(b, proto).dump([1, 500, 'x']); return b.getvalue()

copyreg.add_extension('myapp.geometry', 'Point', 0xf0)
ext1 = pickle.dumps(Point(1, 2), 2)
copyreg.remove_extension('myapp.geometry', 'Point', 0xf0)
copyreg.add_extension('myapp.geometry', 'Point', 0x1234)
ext2 = pickle.dumps(Point(1, 2), 2)
copyreg.remove_extension('myapp.geometry', 'Point', 0x1234)
copyreg.add_extension('myapp.geometry', 'Point', 0x123456)
ext4 = pickle.dumps(Point(1, 2), 2)
copyreg.remove_extension('myapp.geometry', 'Point', 0x123456)

bufs = []
oob = pickle.dumps([pickle.PickleBuffer(bytearray(b'abc')), pickle.PickleBuffer(b'ro')], 5, buffer_callback=bufs.append)

cases = {
  'seq': seq,
  'independent': pickle.dumps('x', 4) + pickle.dumps(['y', 'y'], 4),
  'point2': pickle.dumps(Point(1, 2), 2),
  'point0': pickle.dumps(Point(1, 2), 0),
  'point5': pickle.dumps([Point(1, 2), Point(3, 4)], 5),
  'pid0': pid(0),
  'pid2': pid(2),
  'ext1': ext1, 'ext2': ext2, 'ext4': ext4,
  'oob': oob,
  'floats': pickle.dumps([1.0, 2.5, -0.0], 5),
  'dict5': pickle.dumps({'a': 1}, 5),
  'odict': pickle.dumps(collections.OrderedDict(a=1), 5),
  'os_system': b'\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x02id\x94\x85\x94R\x94.',
  'pathlib_dotted': b'\x80\x04\x8c\x07pathlib\x8c\tos.system\x93\x8c\x02id\x85R.',
  'py2_str': b'\x80\x02U\x03caf\x55\x04caf\xe9\x86.',
  'py2_set': b'c__builtin__\nset\n((lp0\nI1\naI2\natRp1\n.',
  'nested_class2': b'\x80\x02cbuiltins\ngetattr\ncmyapp.geometry\nOuter\nX\x05\x00\x00\x00Inner\x86R.',
}
`);

function bytes(name: string): Uint8Array {
  const data = py.get(name);
  assert.ok(data, name);
  return data;
}

describe('Unpickler', () => {
  test('Unpickler with keepMemo loads what one Pickler wrote with several dump() calls', () => {
    const unpickler = new Unpickler(bytes('seq'), { keepMemo: true });
    const first = unpickler.load() as { first: unknown[] };
    const afterFirst = unpickler.position;
    assert.ok(afterFirst > 0 && afterFirst < bytes('seq').length);
    const second = unpickler.load();
    // The second dump referred to the list by memo (BINGET): the same object.
    assert.equal(second, first.first);
    assert.equal(unpickler.load(), 12345);
    assert.equal(unpickler.done, true);
    assert.throws(
      () => unpickler.load(),
      (e: unknown) => e instanceof UnpicklingError && /Ran out of input/.test(e.message),
    );
  });

  test('Unpickler treats pickles as independent by default (repeated pickle.dump / pickle.load)', () => {
    const unpickler = new Unpickler(bytes('independent'));
    assert.equal(unpickler.load(), 'x');
    assert.deepEqual(unpickler.load(), ['y', 'y']);
    assert.equal(unpickler.done, true);
  });

  test('Unpickler is iterable over every pickle', () => {
    const values = [...new Unpickler(bytes('seq'), { keepMemo: true })];
    assert.equal(values.length, 3);
    assert.equal(values[2], 12345);
  });

  test('loads() ignores bytes after STOP', () => {
    const data = bytes('dict5');
    const padded = new Uint8Array(data.length + 5);
    padded.set(data);
    padded.set([1, 2, 3, 4, 5], data.length);
    assert.deepEqual(loads(padded), { a: 1 });
  });

  test('loads() accepts ArrayBuffer, DataView and Buffer', () => {
    const data = bytes('dict5');
    const copy = data.slice();
    assert.deepEqual(loads(copy.buffer), { a: 1 });
    assert.deepEqual(loads(new DataView(copy.buffer)), { a: 1 });
    assert.deepEqual(loads(Buffer.from(copy)), { a: 1 });
  });

  test('loads() rejects input that is not bytes with an UnpicklingError', () => {
    assert.throws(() => loads('not bytes' as unknown as Uint8Array), UnpicklingError);
  });
});

describe('instances and globals', () => {
  for (const name of ['point0', 'point2']) {
    test(`an unknown class instance loads as an inert PyObject (${name})`, () => {
      const point = loads(bytes(name));
      assert.ok(point instanceof PyObject);
      assert.ok(point.cls instanceof PyGlobal);
      assert.equal((point.cls as PyGlobal).qualifiedName, 'myapp.geometry.Point');
      assert.deepEqual(point.state, { x: 1, y: 2 });
    });
  }

  test('the same global is one PyGlobal within a load', () => {
    const [a, b] = loads(bytes('point5')) as PyObject[];
    assert.ok(a && b);
    assert.equal(a.cls, b.cls);
    assert.equal(a.kind, 'newobj');
  });

  test('strict mode refuses unknown globals and says how to allow them', () => {
    assert.throws(
      () => loads(bytes('point2'), { strict: true }),
      (e: unknown) =>
        e instanceof UnpicklingError &&
        e.opcode === 'GLOBAL' &&
        typeof e.offset === 'number' &&
        e.message.includes("'myapp.geometry.Point'") &&
        e.message.includes("allowGlobals: ['myapp.geometry.Point']") &&
        e.message.includes("registry.registerClass(Point, { module: 'myapp.geometry', name: 'Point' })"),
    );
  });

  test('allowGlobals accepts listed names and modules and refuses the rest', () => {
    assert.ok(loads(bytes('point2'), { allowGlobals: ['myapp.geometry.Point'] }) instanceof PyObject);
    assert.ok(loads(bytes('point2'), { allowGlobals: ['myapp.geometry.*'] }) instanceof PyObject);
    assert.throws(() => loads(bytes('os_system'), { allowGlobals: ['myapp.geometry.*'] }), UnpicklingError);
    // Standard-library types are safe built-ins: strict mode loads them.
    assert.ok(loads(bytes('odict'), { allowGlobals: ['myapp.geometry.*'] }) instanceof PyOrderedDict);
  });

  test('strict mode still loads the safe built-ins', () => {
    assert.deepEqual(loads(bytes('py2_set'), { strict: true }), new Set([1, 2]));
  });

  test('os.system is never called: it is an inert PyObject', () => {
    const value = loads(bytes('os_system'));
    assert.ok(value instanceof PyObject);
    assert.equal(value.kind, 'reduce');
    assert.equal((value.callable as PyGlobal).qualifiedName, 'os.system');
    assert.deepEqual([...value.args], ['id']);
  });

  test('a dotted name at protocol 4 is kept whole; module.* does not allow it, only its exact name does', () => {
    const value = loads(bytes('pathlib_dotted')) as PyObject;
    assert.equal((value.callable as PyGlobal).module, 'pathlib');
    assert.equal((value.callable as PyGlobal).name, 'os.system');
    assert.throws(
      () => loads(bytes('pathlib_dotted'), { allowGlobals: ['pathlib.*'] }),
      /pathlib\.os\.system/,
    );
    assert.ok(loads(bytes('pathlib_dotted'), { allowGlobals: ['pathlib.os.system'] }) instanceof PyObject);
  });

  test('getattr(global, name) resolves statically to the dotted global', () => {
    const value = loads(bytes('nested_class2'));
    assert.ok(value instanceof PyGlobal);
    assert.equal(value.qualifiedName, 'myapp.geometry.Outer.Inner');
    assert.throws(
      () => loads(bytes('nested_class2'), { allowGlobals: ['myapp.geometry.Outer'] }),
      /Outer\.Inner/,
    );
  });

  test('a registry turns a class into a JS class instance, with its state', () => {
    class Point {
      x = 0;
      y = 0;
    }
    const registry = new Registry().register('myapp.geometry', 'Point', {
      construct: () => new Point(),
      call: () => new Point(),
      setState: (obj, state) => Object.assign(obj as Point, state as object),
    });
    for (const name of ['point0', 'point2']) {
      const point = loads(bytes(name), { registry, strict: true });
      assert.ok(point instanceof Point, name);
      assert.deepEqual({ ...point }, { x: 1, y: 2 });
    }
    const points = loads(bytes('point5'), { registry }) as Point[];
    assert.ok(points[0] instanceof Point && points[1] instanceof Point);
    assert.equal(points[1].x, 3);
  });

  test('BUILD on a value of a reconstructor without setState is refused', () => {
    const registry = new Registry().register('myapp.geometry', 'Point', { construct: () => ({}) });
    assert.throws(() => loads(bytes('point2'), { registry }), /BUILD/);
  });

  test('defaultRegistry cannot be changed; new Registry() can', async () => {
    const { defaultRegistry } = await import('brine');
    assert.throws(() => defaultRegistry.register('a', 'b', {}), TypeError);
    const registry = new Registry({ builtins: false });
    assert.equal(registry.has('builtins', 'set'), false);
    assert.equal(new Registry().has('builtins', 'set'), true);
    assert.equal(defaultRegistry.clone().register('a', 'b', {}).has('a', 'b'), true);
  });
});

describe('persistent ids, extensions, buffers', () => {
  for (const name of ['pid0', 'pid2']) {
    test(`persistentLoad resolves persistent ids (${name})`, () => {
      const seen: unknown[] = [];
      const value = loads(bytes(name), {
        persistentLoad: (pid) => {
          seen.push(pid);
          return 'resolved';
        },
      });
      assert.deepEqual(value, [1, 'resolved', 'x']);
      assert.equal(seen.length, 1);
    });
    test(`a persistent id without persistentLoad is an UnpicklingError (${name})`, () => {
      assert.throws(
        () => loads(bytes(name)),
        (e: unknown) => e instanceof UnpicklingError && /persistentLoad/.test(e.message),
      );
    });
  }

  for (const [name, code] of [
    ['ext1', 0xf0],
    ['ext2', 0x1234],
    ['ext4', 0x123456],
  ] as const) {
    test(`extension codes resolve through the extensions option (${name})`, () => {
      const extensions = new Map([[code, ['myapp.geometry', 'Point'] as const]]);
      const value = loads(bytes(name), { extensions }) as PyObject;
      assert.equal((value.cls as PyGlobal).qualifiedName, 'myapp.geometry.Point');
      assert.throws(() => loads(bytes(name)), new RegExp(`unregistered extension code ${code}`));
    });
  }

  test('out-of-band buffers come from the buffers option; read-only ones as PickleBuffer', () => {
    const abc = new PickleBuffer(new TextEncoder().encode('abc'));
    const ro = new Uint8Array([0x72, 0x6f]);
    const value = loads(bytes('oob'), { buffers: [abc, ro] }) as unknown[];
    assert.equal(value[0], abc);
    assert.ok(value[1] instanceof PickleBuffer);
    assert.equal(value[1].readonly, true);
    assert.equal(value[1].data, ro);
    assert.throws(() => loads(bytes('oob')), /no buffers argument/);
    assert.throws(() => loads(bytes('oob'), { buffers: [abc] }), /not enough out-of-band buffers/);
  });
});

describe('options', () => {
  test('exact: integral floats are PyFloat and dicts are Maps', () => {
    const floats = loads(bytes('floats'), { exact: true }) as unknown[];
    assert.ok(floats[0] instanceof PyFloat);
    assert.equal((floats[0] as PyFloat).value, 1);
    assert.equal(floats[1], 2.5);
    assert.ok(Object.is(floats[2], -0) || floats[2] instanceof PyFloat);
    assert.deepEqual(loads(bytes('dict5'), { exact: true }), new Map([['a', 1]]));
  });

  test("dicts: 'map' makes every dict a Map", () => {
    assert.deepEqual(loads(bytes('dict5'), { dicts: 'map' }), new Map([['a', 1]]));
  });

  test('copyBytes returns bytes that do not alias the input', () => {
    const data = loads(bytes('py2_str'), { encoding: 'bytes', copyBytes: true }) as Uint8Array[];
    assert.ok(data[0] instanceof Uint8Array);
    const view = loads(bytes('py2_str'), { encoding: 'bytes' }) as Uint8Array[];
    assert.equal(view[0]?.buffer, bytes('py2_str').buffer);
    assert.notEqual(data[0]?.buffer, bytes('py2_str').buffer);
  });

  test('encoding decodes Python 2 str as Python does', () => {
    assert.throws(
      () => loads(bytes('py2_str')),
      (e: unknown) => e instanceof UnpicklingError && /ascii/.test(e.message),
    );
    assert.deepEqual([...(loads(bytes('py2_str'), { encoding: 'latin1' }) as string[])], ['caf', 'café']);
    assert.ok(isTuple(loads(bytes('py2_str'), { encoding: 'latin1' })));
    assert.throws(() => loads(bytes('py2_str'), { encoding: 'utf-8' }), UnpicklingError);
    assert.throws(() => loads(bytes('py2_str'), { encoding: 'no-such-codec' }), /unknown encoding/);
  });

  test('fixImports: false keeps Python 2 names', () => {
    const value = loads(bytes('py2_set'), { fixImports: false });
    assert.ok(value instanceof PyObject);
    assert.equal((value.callable as PyGlobal).qualifiedName, '__builtin__.set');
  });
});

describe('errors and values', () => {
  test('every error is a PickleError with offset and opcode', () => {
    try {
      loads(Uint8Array.from([0x80, 0x04, 0x68, 0x07, 0x2e]));
      assert.fail('no error');
    } catch (error) {
      assert.ok(error instanceof UnpicklingError);
      assert.ok(error instanceof PickleError);
      assert.ok(isPickleError(error));
      assert.equal(error.offset, 2);
      assert.equal(error.opcode, 'BINGET');
      assert.equal(error.message, 'Cannot load pickle at offset 2 (BINGET): Memo value not found at index 7');
    }
  });

  test('tuple() builds frozen tuples; FrozenSet cannot change', () => {
    const t = tuple(1, 2);
    assert.ok(isTuple(t) && Object.isFrozen(t));
    assert.equal(isTuple([1, 2]), false);
    const f = new FrozenSet([1]);
    assert.throws(() => f.add(2), TypeError);
    assert.throws(() => f.delete(1), TypeError);
    assert.throws(() => f.clear(), TypeError);
    assert.deepEqual([...f], [1]);
  });
});

describe('big lists', () => {
  const big = pythonCases(String.raw`
import pickle
n = 10007
l = list(range(n))
selfref = list(range(n)); selfref.append(selfref)
cases = {}
for p in range(6):
    cases[f'list{p}'] = pickle.dumps(l, p)
    cases[f'set{p}'] = pickle.dumps(set(l), p)
    cases[f'shared{p}'] = pickle.dumps([l, l, 'end'], p)
    cases[f'selfref{p}'] = pickle.dumps(selfref, p)
    cases[f'nested{p}'] = pickle.dumps([list(range(5000)) for _ in range(3)], p)
`);
  const expected = Array.from({ length: 10007 }, (_, i) => i);
  for (let p = 0; p <= 5; p++) {
    test(`a list longer than the growth threshold loads exactly (protocol ${p})`, () => {
      const list = loads(big.get(`list${p}`)!) as number[];
      assert.deepEqual(list, expected);
      assert.equal(Object.keys(list).length, 10007); // no holes
      const set = loads(big.get(`set${p}`)!) as Set<number>;
      assert.equal(set.size, 10007);
      assert.ok(!set.has(undefined as unknown as number));
      const [a, b, end] = loads(big.get(`shared${p}`)!) as [number[], number[], string];
      assert.equal(a, b);
      assert.deepEqual(a, expected);
      assert.equal(end, 'end');
      const selfref = loads(big.get(`selfref${p}`)!) as unknown[];
      assert.equal(selfref.length, 10008);
      assert.equal(selfref[10007], selfref);
      const nested = loads(big.get(`nested${p}`)!) as number[][];
      assert.deepEqual(
        nested.map((x) => x.length),
        [5000, 5000, 5000],
      );
    });
  }

  test('a big list passed to a reconstructor is complete when the reconstructor sees it', () => {
    const registry = new Registry().register('builtins', 'set', {
      call: (args) => {
        const items = args[0] as unknown[];
        assert.equal(items.length, 10007);
        assert.equal(items.indexOf(undefined), -1);
        return new Set(items);
      },
    });
    assert.equal((loads(big.get('set2')!, { registry }) as Set<number>).size, 10007);
  });
});
