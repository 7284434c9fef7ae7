/**
 * Narrowing loaded values: the guards at run time (on pickles python3 wrote),
 * and at compile time: the assignments and `@ts-expect-error` lines below
 * are checked by `npm run typecheck` (tsc over test/), so a guard that stops
 * narrowing, a named tuple field that stops being typed, or an enum value
 * that loses its declared type fails the build.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defineEnum,
  type EnumMember,
  isBytes,
  isDict,
  isList,
  isPyInstance,
  isTuple,
  loads,
  type NamedTuple,
  type NamedTupleClass,
  namedTuple,
  PyByteArray,
  PyDateTime,
  PyEnum,
  type PyObject,
  PyOrderedDict,
  Registry,
} from '../src/index.js';
import { runPython } from './support/python.js';

/** Compiles only when `value` has type `T` exactly (both ways assignable). */
function expectType<T>(value: T): T {
  return value;
}
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

const MODULE = 'brine_models';

const pickles = JSON.parse(
  runPython(`
import collections, datetime, enum, json, pickle, sys, types
sys.modules['${MODULE}'] = m = types.ModuleType('${MODULE}')
class Item:
    def __init__(self): self.name = 'pen'
Item.__module__ = '${MODULE}'; m.Item = Item
class Old: pass
Old.__module__ = '${MODULE}'; m.Old = Old
Point = collections.namedtuple('Point', ['x', 'y'], module='${MODULE}'); m.Point = Point
class Color(enum.Enum):
    RED = 1
    GREEN = 'g'
Color.__module__ = '${MODULE}'; m.Color = Color
value = {'item': Item(), 'old': Old(), 'point': Point(1, 2.5), 'color': Color.GREEN,
         'dict': {1: 'one'}, 'od': collections.OrderedDict(a=1), 'list': [1], 'tuple': (1,),
         'bytes': b'x', 'bytearray': bytearray(b'x'), 'when': datetime.datetime(2020, 1, 1)}
print(json.dumps({p: pickle.dumps(value, p).hex() for p in range(6)}))
`),
) as Record<string, string>;

const Point = namedTuple(MODULE, 'Point', ['x', 'y']);
const Color = defineEnum(MODULE, 'Color', { RED: 1, GREEN: 'g' });
const registry = new Registry().registerNamedTuple(Point).registerEnum(Color);

test('the guards narrow what python3 pickled, at every protocol', () => {
  for (const [protocol, hex] of Object.entries(pickles)) {
    const loaded: unknown = loads(Buffer.from(hex, 'hex'), { registry });
    assert.ok(isDict(loaded), protocol);
    if (!isDict(loaded) || loaded instanceof Map) throw new Error('a str-keyed dict loads as an object');
    const { item, old, point, color, dict, od, list, tuple, bytes, bytearray, when } = loaded;
    assert.ok(isPyInstance(item, MODULE, 'Item'), protocol);
    if (isPyInstance(item, MODULE, 'Item')) expectType<PyObject>(item);
    assert.ok(!isPyInstance(item, MODULE, 'Old') && !isPyInstance(item, 'other', 'Item'));
    assert.ok(isPyInstance(old, MODULE, 'Old'), protocol); // copyreg._reconstructor below protocol 2
    assert.ok(!isPyInstance(point, MODULE, 'Point')); // registered: a Point, not inert
    assert.ok(point instanceof Point, protocol);
    if (point instanceof Point) {
      expectType<unknown>(point.x);
      assert.equal(point.x, 1);
      assert.equal(point.y, 2.5);
    }
    assert.ok(Color.isMember(color), protocol);
    if (Color.isMember(color)) {
      assertType<Equal<typeof color, PyEnum<1, 'RED'> | PyEnum<'g', 'GREEN'>>>();
      assert.equal(color, Color.members.GREEN);
      if (color.name === 'GREEN') expectType<'g'>(color.value);
    }
    assert.ok(!Color.isMember(new PyEnum(Color.pyClass, 'GREEN', 'g'))); // only the registered members
    assert.ok(isDict(dict) && dict instanceof Map && dict.get(1) === 'one');
    assert.ok(isDict(od) && od instanceof PyOrderedDict, 'OrderedDict is a dict, as isinstance says');
    assert.ok(isList(list) && !isList(tuple) && isTuple(tuple));
    assert.ok(isBytes(bytes) && !isBytes(bytearray) && bytearray instanceof PyByteArray);
    assert.ok(!isDict(when) && when instanceof PyDateTime);
  }
});

test('the guards on values made in JS', () => {
  assert.equal(isDict(null), false);
  assert.equal(isDict(Object.create(null)), true);
  assert.equal(isDict(new Date()), false);
  assert.equal(isList(Point.prototype), false);
  assert.equal(isList(new Point(1, 2)), false);
  assert.equal(isBytes(Buffer.from('x')), true);
  assert.equal(isPyInstance({ cls: 'x' }, 'x', 'y'), false);
});

test('named tuple fields and enum values are typed from their declaration (checked by tsc)', () => {
  const p = new Point(3, 4);
  expectType<readonly ['x', 'y']>(Point.fields);
  expectType<unknown>(p.x);
  // @ts-expect-error: Point has no field z.
  p.z;
  assert.throws(() => {
    // @ts-expect-error: fields are read-only.
    p.x = 5;
  }, TypeError);
  const Typed = Point as NamedTupleClass<readonly ['x', 'y'], { x: number; y: number }>;
  const t = new Typed(1, 2);
  expectType<number>(t.x);
  assertType<Equal<NamedTuple<readonly ['a'], { a: string }>['a'], string>>();
  // Fields from a plain string array: any field name, as before.
  const Loose = namedTuple('m', 'Loose', ['a', 'b'] as string[]);
  expectType<unknown>(new Loose(1, 2).anything);

  expectType<PyEnum<1, 'RED'>>(Color.members.RED);
  assertType<Equal<typeof Color.members.RED.value, 1>>();
  assertType<Equal<typeof Color.members.GREEN.name, 'GREEN' | null>>();
  // @ts-expect-error: Color has no member BLUE.
  Color.members.BLUE;
  const found = Color.of(1);
  assertType<
    Equal<typeof found, EnumMember<'RED' | 'GREEN', { readonly RED: 1; readonly GREEN: 'g' }> | undefined>
  >();
  assert.equal(found, Color.members.RED);
  assert.equal(Color.members.RED.valueOf(), 1);
  // A TypeScript enum declares one too.
  enum Size {
    S = 1,
    M = 2,
  }
  const PySize = defineEnum('m', 'Size', Size);
  assertType<Equal<typeof PySize.members.M.value, Size.M>>();
  assert.deepEqual(Object.keys(PySize.members), ['S', 'M']);
});
