/**
 * The interfaces between the unpickler, the pickler, the registry and the
 * reconstructor tables of each library (builtins, copyreg, the standard
 * library, numpy, torch ...). This module has no runtime imports, so a table
 * can be written against it without pulling in the registry, and the registry
 * without pulling in any table.
 *
 * @module
 */

import type { Reduction } from './types/protocol.js';
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
   * The load asked for `exact: true`: a reconstructor may keep, beside the
   * value it makes, how the pickle spelled it where its own pickle would
   * differ, so that `dumps` writes the original bytes back.
   */
  readonly exact?: boolean;
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
  /**
   * Resolves another global as the GLOBAL opcode would (registry, strict mode and allow-list apply).
   * `refusal`: the message strict mode gives if it refuses the name (default: how to register it).
   */
  resolve(module: string, name: string, refusal?: string): unknown;
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
   * `getattr(global, name)` (an enum member, a classmethod): the attribute's
   * value, or `undefined` when the global has no such attribute.
   */
  attribute?(name: string, context: ReconstructContext): unknown;
  /**
   * The value that stands for the global itself when the pickle pushes it
   * without calling it. Default: the `PyGlobal`.
   */
  value?: unknown;
}

/**
 * How an instance of a registered JS class is written.
 *
 * @deprecated The same type as {@link Reduction}: use that name.
 */
export type ClassReduction = Reduction;

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
  reduce?(obj: T): Reduction | PyGlobal;
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
  reduce(obj: object): Reduction | PyGlobal;
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
