/**
 * The interfaces between the unpickler, the pickler, the registry and the
 * reconstructor tables of each library (builtins, copyreg, the standard
 * library, numpy, torch ...). This module has no runtime imports, so a table
 * can be written against it without pulling in the registry, and the registry
 * without pulling in any table.
 *
 * @module
 */
import type { PyGlobal } from './types/py-global.js';
import type { PyObject, PyObjectKind } from './types/py-object.js';
import type { Tuple } from './types/tuple.js';

/**
 * What a reconstructor is told about the call it handles.
 */
export interface ReconstructContext {
  /** The global being applied. */
  readonly global: PyGlobal;
  /** The registry of the current load, for reconstructors that apply another global (copyreg). */
  readonly registry: RegistryLike;
  /**
   * Builds the inert {@link PyObject} the unpickler would have made for this call.
   * A reconstructor returns it for argument shapes it does not handle.
   */
  inert(kind: PyObjectKind, callable: unknown, args: Tuple, kwargs?: unknown): PyObject;
  /** Raises an {@link UnpicklingError} at the current opcode. */
  fail(reason: string): never;
  /**
   * `cls.__new__(cls, *args, **kwargs)` through the registry, as NEWOBJ does,
   * for a class given as a value; `undefined` when the registry cannot construct it.
   */
  construct(cls: unknown, args: Tuple, kwargs: unknown): unknown;
  /** Resolves another global as the GLOBAL opcode would (registry, strict mode and allow-list apply). */
  resolve(module: string, name: string): unknown;
}

/**
 * A pure data constructor for one Python global. It never runs anything the
 * pickle names: it turns data into data. Each hook is optional; a missing hook
 * means the unpickler keeps that use of the global inert.
 */
export interface Reconstructor {
  /** REDUCE: the global called with positional arguments, `global(*args)`. */
  call?(args: Tuple, context: ReconstructContext): unknown;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`; `kwargs` is `null` for NEWOBJ. */
  construct?(args: Tuple, kwargs: unknown, context: ReconstructContext): unknown;
  /**
   * BUILD applied to a value this reconstructor returned: `obj.__setstate__(state)`,
   * or Python's default (`__dict__` update, then slots). Without it, BUILD on
   * such a value is an error.
   */
  setState?(obj: unknown, state: unknown, context: ReconstructContext): void;
  /** APPEND / APPENDS applied to a value this reconstructor returned (Python calls `obj.extend(items)`). */
  extend?(obj: unknown, items: unknown[], context: ReconstructContext): void;
  /** SETITEM / SETITEMS applied to a value this reconstructor returned (Python's `obj[key] = value`). */
  setItems?(obj: unknown, pairs: [unknown, unknown][], context: ReconstructContext): void;
  /**
   * The value that stands for the global itself when the pickle pushes it
   * without calling it. Default: the `PyGlobal`.
   */
  value?: unknown;
}

/**
 * How an instance of a registered JS class is written: Python's
 * `__reduce_ex__` answer, in data. By default the class itself is created
 * with `cls.__new__(cls, *args)` (NEWOBJ, as `object.__reduce_ex__` does);
 * `callable` writes `callable(*args)` instead (a `__reduce__` returning a
 * factory function or the class to call).
 */
export interface ClassReduction {
  /** What to call with `args` (REDUCE): a `PyGlobal`, or `getattr(...)` as a `PyObject`. Default: NEWOBJ of the class. */
  callable?: PyGlobal | PyObject;
  /** Positional arguments of `cls.__new__` (NEWOBJ), or of `callable`. Default: none. */
  args?: readonly unknown[];
  /** Keyword arguments (NEWOBJ_EX at protocol 4+). Default: none. */
  kwargs?: Record<string, unknown> | Map<string, unknown>;
  /** `__reduce__`'s sixth item: a global called as `stateSetter(obj, state)` instead of BUILD. */
  stateSetter?: PyGlobal;
  /** The BUILD state (`__setstate__` argument or `__dict__` update). Omitted: no BUILD. */
  state?: unknown;
  /** Items APPENDed after BUILD-less construction (list subclasses). */
  listitems?: readonly unknown[];
  /** Pairs SETITEMed (dict subclasses). */
  dictitems?: readonly (readonly [unknown, unknown])[];
  /**
   * Bytes written into the stream right after the BUILD, outside any frame,
   * and the object never memoized (each occurrence is written again): for
   * file formats that put raw data in the pickle stream, as joblib does after
   * each `NumpyArrayWrapper`. Python's `pickle` cannot read such a stream;
   * only that format's loader can. A function is called with the offset in
   * the output where the bytes will go (for alignment padding).
   */
  rawAfterBuild?: Uint8Array | ((offset: number) => Uint8Array);
}

/**
 * A JS class registered as a Python class, for both directions: instances
 * dump as `module.name` (NEWOBJ, then BUILD with the state), and that Python
 * class loads back as an instance of the JS class.
 */
export interface ClassOptions<T extends object> {
  /** Python module of the class (`myapp.models`). */
  module: string;
  /** Python (qualified) name of the class (`Point`, `Outer.Inner`). */
  name: string;
  /**
   * JS instance to pickle data. Default: no arguments, and the own enumerable
   * properties as a dict state. Returning a `PyGlobal` pickles the instance as
   * that global (a `__reduce__` that returns a string).
   */
  reduce?(obj: T): ClassReduction | PyGlobal;
  /** Python arguments to a JS instance (NEWOBJ / REDUCE). Default: a bare instance, `Object.create(cls.prototype)`. */
  create?(args: Tuple, kwargs: unknown): T;
  /** BUILD state into the instance. Default: a dict state (or the dicts of a `(dict, slots)` pair) assigned as own properties. */
  setState?(obj: T, state: unknown): void;
  /** Items APPENDed to an instance (a `__reduce__` with list items: Python calls `obj.extend`). Default: refused, unless the class extends Array. */
  extend?(obj: T, items: unknown[]): void;
  /** Pairs SETITEMed into an instance (a `__reduce__` with dict items). Default: refused, unless the class extends Map. */
  setItems?(obj: T, pairs: [unknown, unknown][]): void;
}

/** A registered class as the pickler sees it. @internal */
export interface ClassEntry {
  readonly module: string;
  readonly name: string;
  reduce(obj: object): ClassReduction | PyGlobal;
}

/** What a reconstructor may ask of the registry of the current load. */
export interface RegistryLike {
  get(module: string, name: string): Reconstructor | undefined;
  has(module: string, name: string): boolean;
}

/** One row of a reconstructor table: the Python global `module.name` and its reconstructor. */
export type Entry = readonly [module: string, name: string, reconstructor: Reconstructor];

/**
 * A library's contribution to a registry: the globals it reconstructs.
 * `new Registry([builtins, copyreg, stdlib])` and `registry.include(numpy)` take these.
 */
export interface ReconstructorTable {
  /** A short name for the table (`'builtins'`, `'numpy'`), for messages and `Registry.tables()`. */
  readonly name: string;
  /** The globals the table reconstructs. */
  readonly entries: readonly Entry[];
}
