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
 * Marks a reduction of NEWOBJ without arguments whose state is a plain object
 * its reducer made for the call, of atoms (a UUID's): the pickler memoizes
 * that state without a key. @internal
 */
export const FRESH_STATE: unique symbol = Symbol('brine.freshState');

/**
 * Method key: Python's `repr()` of the value (`Decimal('1.5')`). It takes the
 * caller's `repr` for the values it contains (the items of a deque, the
 * tzinfo of a datetime) and puts what that returns into its text unchanged
 * (brine's engine hands out placeholders that it fills in afterwards, so that
 * nesting costs no stack). Called without one, it should print the whole
 * value through brine's engine (`pyRepr(this)`), which has an output budget.
 */
export const PY_REPR: unique symbol = Symbol.for('brine.repr');

/**
 * A value's pickled form, as Python's `__reduce_ex__(protocol)` answers, in
 * data: `callable(*args)` (REDUCE), or `cls.__new__(cls, *args, **kwargs)`
 * (NEWOBJ / NEWOBJ_EX), then list items, dict items and the BUILD state, as
 * the pickler writes them. brine's value classes return one from
 * `[PY_REDUCE]`; a class registered with `registry.registerClass` or a JS
 * type given to `registry.registerReducer` returns one from its `reduce`.
 *
 * For a registered class, `callable` may be left out: the instance is then
 * created with NEWOBJ of the class itself (NEWOBJ_EX when `kwargs` is given),
 * as `object.__reduce_ex__` does. Everywhere else `callable` is required.
 */
export interface Reduction {
  /** How the object is created. Default: `'reduce'` when `callable` is given, else NEWOBJ (NEWOBJ_EX with `kwargs`) of the registered class. */
  readonly kind?: 'reduce' | 'newobj' | 'newobj_ex';
  /** The callable (REDUCE) or class (NEWOBJ): a `PyGlobal`, or a value that pickles to one (`getattr(cls, name)`). */
  readonly callable?: PyGlobal | PyObject;
  /** Positional arguments. Default: none. */
  readonly args?: readonly unknown[];
  /** Keyword arguments (`newobj_ex`): a dict, as a plain object or a `Map`. Default: none. */
  readonly kwargs?: unknown;
  /** `__reduce__`'s sixth item: a global called as `stateSetter(obj, state)` instead of BUILD. */
  readonly stateSetter?: PyGlobal;
  /** The BUILD state (`__setstate__` argument or `__dict__` update); `undefined` for no BUILD. */
  readonly state?: unknown;
  /** Items appended after creation (APPENDS; Python calls `obj.extend`). */
  readonly listitems?: readonly unknown[];
  /** Pairs set after creation (SETITEMS). */
  readonly dictitems?: readonly (readonly [unknown, unknown])[];
  /**
   * Bytes written into the stream right after the BUILD, outside any frame,
   * and the object never memoized (each occurrence is written again): for
   * file formats that put raw data in the pickle stream, as joblib does after
   * each `NumpyArrayWrapper`. Python's `pickle` cannot read such a stream;
   * only that format's loader can. A function is called with the offset in
   * the output where the bytes will go (for alignment padding).
   */
  readonly rawAfterBuild?: Uint8Array | ((offset: number) => Uint8Array);
  /** @internal See {@link FRESH_STATE}. */
  readonly [FRESH_STATE]?: true;
}

/** What the pickler tells a value's reduction besides the protocol. */
export interface ReduceOptions {
  /** numpy's module names: 1 (`numpy.core`) or 2 (`numpy._core`). */
  readonly numpyNames?: 1 | 2;
}

/** A value that knows its Python form. */
export interface PyValue {
  /** The value's reduction; a value class always gives the callable and the arguments. */
  [PY_REDUCE](
    protocol: number,
    options?: ReduceOptions,
  ): Reduction & Required<Pick<Reduction, 'callable' | 'args'>>;
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
