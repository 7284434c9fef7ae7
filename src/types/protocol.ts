/**
 * The protocol brine's Python value classes (datetime, Decimal, collections
 * ...) implement so that the pickler, the JSON view and the pretty printer can
 * handle them without knowing each class.
 *
 * @module
 */
import type { PyGlobal } from './py-global.js';
import type { PyObject } from './py-object.js';

/**
 * Method key: how a value is pickled, as Python's `__reduce_ex__(protocol)`
 * answers, in data. The pickler writes the reduction; the JSON view exports it.
 */
export const PY_REDUCE: unique symbol = Symbol.for('brine.reduce');

/**
 * Method key: Python's `repr()` of the value (`Decimal('1.5')`). It takes the
 * caller's `repr` for the values it contains (the items of a deque, the
 * tzinfo of a datetime); without one it uses a plain fallback.
 */
export const PY_REPR: unique symbol = Symbol.for('brine.repr');

/**
 * A value's pickled form: `callable(*args)` (REDUCE), or `cls.__new__(cls,
 * *args, **kwargs)` (NEWOBJ / NEWOBJ_EX), then list items, dict items and the
 * BUILD state, as the pickler writes them.
 */
export interface Reduction {
  /** How the object is created. Default `'reduce'`. */
  readonly kind?: 'reduce' | 'newobj' | 'newobj_ex';
  /** The callable (REDUCE) or class (NEWOBJ): a `PyGlobal`, or a value that pickles to one (`getattr(cls, name)`). */
  readonly callable: PyGlobal | PyObject;
  /** Positional arguments. */
  readonly args: readonly unknown[];
  /** Keyword arguments (`newobj_ex`). */
  readonly kwargs?: unknown;
  /** The BUILD state; `undefined` for no BUILD. */
  readonly state?: unknown;
  /** Items appended after creation (APPENDS). */
  readonly listitems?: readonly unknown[];
  /** Pairs set after creation (SETITEMS). */
  readonly dictitems?: readonly (readonly [unknown, unknown])[];
}

/** What the pickler tells a value's reduction besides the protocol. */
export interface ReduceOptions {
  /** numpy's module names: 1 (`numpy.core`) or 2 (`numpy._core`). */
  readonly numpyNames?: 1 | 2;
}

/** A value that knows its Python form. */
export interface PyValue {
  [PY_REDUCE](protocol: number, options?: ReduceOptions): Reduction;
  [PY_REPR](repr?: (value: unknown) => string): string;
}

/** True when `value` implements {@link PyValue}. */
export function isPyValue(value: unknown): value is PyValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<PyValue>)[PY_REDUCE] === 'function'
  );
}
