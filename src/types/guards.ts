/**
 * Type guards that narrow what `loads` returns (`unknown`) to the value
 * model's types. brine's value classes narrow with `instanceof`
 * (`v instanceof PyDateTime`); tuples with `isTuple`; a registered enum's
 * members with `Color.isMember(v)`; a named tuple with `v instanceof Point`.
 * These cover the rest: inert instances by their Python class, and the
 * containers whose JS type alone does not say what they were in Python.
 *
 * @module
 */
import { PyByteArray } from './py-bytearray.js';
import { PyGlobal } from './py-global.js';
import { PyObject } from './py-object.js';

/**
 * True when `value` is an inert instance (a {@link PyObject}) of the Python
 * class `module.name`, as its pickle built it: `Class.__new__(Class, ...)`,
 * `copyreg._reconstructor(Class, ...)` or `Class(...)` (see `PyObject.cls`).
 * Classes brine reconstructs (datetime, Decimal ...) load as their own
 * classes instead: test those with `instanceof`.
 *
 * @example
 * ```ts
 * import { isPyInstance, loads, dumps, PyObject, PyGlobal, tuple } from 'brine';
 * const item = loads(dumps(new PyObject('newobj', new PyGlobal('shop', 'Item'), tuple())));
 * if (isPyInstance(item, 'shop', 'Item')) item.state; // item is a PyObject here
 * isPyInstance(item, 'shop', 'Other'); // false
 * ```
 */
export function isPyInstance(value: unknown, module: string, name: string): value is PyObject {
  if (!(value instanceof PyObject)) return false;
  const cls = value.cls;
  return cls instanceof PyGlobal && cls.module === module && cls.name === name;
}

/**
 * True when `value` is a Python dict as `loads` returns it: a plain object
 * (str keys) or a `Map` (any keys, or `dicts: 'map'`), including the dict
 * subclasses `PyOrderedDict`, `PyDefaultDict` and `PyCounter` (which extend
 * `Map`), as Python's `isinstance(v, dict)`.
 *
 * @example
 * ```ts
 * import { isDict, loads, dumps } from 'brine';
 * const v = loads(dumps(new Map([[1, 'one']])));
 * if (isDict(v)) v instanceof Map ? v.get(1) : v.one; // 'one'
 * isDict([1]); // false
 * ```
 */
export function isDict(value: unknown): value is Record<string, unknown> | Map<unknown, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Map) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * True when `value` is a Python list: an array that is not frozen (a frozen
 * array is a tuple), and not one of brine's array classes (`PyDeque`, a named
 * tuple).
 *
 * @example
 * ```ts
 * import { isList, tuple } from 'brine';
 * isList([1, 2]); // true
 * isList(tuple(1, 2)); // false
 * ```
 */
export function isList(value: unknown): value is unknown[] {
  return Array.isArray(value) && !Object.isFrozen(value) && Object.getPrototypeOf(value) === Array.prototype;
}

/**
 * True when `value` is Python `bytes` as `loads` returns it: a `Uint8Array`
 * that is not a {@link PyByteArray} (bytearray).
 *
 * @example
 * ```ts
 * import { isBytes, PyByteArray } from 'brine';
 * isBytes(Uint8Array.of(1)); // true
 * isBytes(PyByteArray.from([1])); // false
 * ```
 */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && !(value instanceof PyByteArray);
}
