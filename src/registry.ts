/**
 * The registry: Python globals to reconstructors (load), JS classes to
 * Python classes and JS types to reductions (dump). It imports no
 * reconstructor table: src/default-registry.ts builds the default registry
 * from the tables, so that a bundle that never loads with it carries none.
 *
 * @module
 */
import type { ClassEntry, ClassOptions, Reconstructor, ReconstructorTable } from './reconstruct.js';
import type { NamedTupleClass } from './types/collections.js';
import { type EnumClass, flagValue, PyEnum } from './types/enum.js';
import type { ReduceOptions, Reduction } from './types/protocol.js';

/** A reducer of {@link Registry.registerReducer}, as stored. */
type Reducer = (value: object, protocol: number, options: ReduceOptions) => Reduction;

import { PyGlobal } from './types/py-global.js';
import type { Tuple } from './types/tuple.js';

/** Default BUILD for registered classes: dict state, or `(dict, slots)`, as own data properties. */
function assignState(obj: object, state: unknown, fail: (reason: string) => never): void {
  // The class's own name, read from the prototype: the state may give the instance a 'constructor' of its own.
  const ctor = Object.getPrototypeOf(obj)?.constructor as { name?: unknown } | undefined;
  const label = `registered ${typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'class'}`;
  const parts = Array.isArray(state) && Object.isFrozen(state) && state.length === 2 ? state : [state];
  for (const part of parts) {
    if (part === null || part === undefined) continue;
    const entries =
      part instanceof Map ? [...part] : isPlainObject(part) ? Object.entries(part as object) : undefined;
    if (entries === undefined)
      fail(`the state of a ${label} is not a dict: give registerClass a setState option`);
    for (const [k, v] of entries) {
      // Python's __dict__ takes any key; a JS property name is a string, and only plain keys convert safely.
      if (k !== null && typeof k === 'object')
        fail(`the state of a ${label} has a key that is not a str: give registerClass a setState option`);
      Object.defineProperty(obj, String(k), {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The built-in JS base of a class (Map, Set or Array), which Python's dict, set and list subclasses map to. */
function builtinBase(prototype: object): MapConstructor | SetConstructor | ArrayConstructor | undefined {
  if (prototype instanceof Map) return Map;
  if (prototype instanceof Set) return Set;
  // biome-ignore lint/suspicious/useIsArray: a subclass's prototype is not an array, only inherits from one
  if (prototype instanceof Array) return Array;
  return undefined;
}

/** The own enumerable properties as a dict state, or `undefined` when there are none. */
function ownState(obj: object): Record<string, unknown> | undefined {
  const keys = Object.keys(obj);
  if (keys.length === 0) return undefined;
  const state: Record<string, unknown> = {};
  for (const k of keys) {
    Object.defineProperty(state, k, {
      value: (obj as Record<string, unknown>)[k],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return state;
}

/**
 * What Python's `object.__reduce_ex__` writes for an instance: NEWOBJ and its
 * `__dict__`; for a Map (dict subclass) its items too, for an Array (list
 * subclass) its items, and a Set (set subclass) is called with its items.
 */
function defaultReduce(obj: object, cls: PyGlobal): Reduction {
  if (obj instanceof Map) return { args: [], dictitems: [...obj], state: ownState(obj) };
  if (obj instanceof Set) return { callable: cls, args: [[...obj]], state: ownState(obj) };
  if (Array.isArray(obj)) {
    const attributes = Object.keys(obj).filter((k) => !/^(0|[1-9]\d*)$/.test(k));
    let state: Record<string, unknown> | undefined;
    for (const k of attributes) {
      state ??= {};
      Object.defineProperty(state, k, {
        value: (obj as unknown as Record<string, unknown>)[k],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return { args: [], listitems: [...obj], state };
  }
  return { args: [], state: ownState(obj) ?? {} };
}

function key(module: string, name: string): string {
  return `${module}\n${name}`;
}

/**
 * Maps Python globals (`module`, `name`) to {@link Reconstructor}s, and JS
 * classes to the Python classes they dump as. This is the registry without
 * any table of its own: the public `Registry` (src/default-registry.ts)
 * extends it with the built-in tables.
 */
export class BaseRegistry {
  readonly #entries = new Map<string, Reconstructor>();
  readonly #classes = new Map<unknown, ClassEntry>();
  readonly #reducers = new Map<unknown, Reducer>();
  readonly #tables: string[] = [];
  #frozen = false;

  /** A registry with the globals of `tables`, later tables replacing earlier entries. */
  constructor(tables: readonly ReconstructorTable[] = []) {
    for (const table of tables) this.#add(table);
  }

  #add(table: ReconstructorTable): void {
    if (!this.#tables.includes(table.name)) this.#tables.push(table.name);
    for (const [module, name, reconstructor] of table.entries)
      this.#entries.set(key(module, name), reconstructor);
  }

  /** Adds every global of a library's table (`registry.include(numpy)`), replacing earlier entries. Returns the registry. */
  include(table: ReconstructorTable): this {
    this.#checkOpen('include a table in');
    this.#add(table);
    return this;
  }

  /** Adds or replaces the reconstructor of `module.name`. Returns the registry. */
  register(module: string, name: string, reconstructor: Reconstructor): this {
    this.#checkOpen('register in');
    this.#entries.set(key(module, name), reconstructor);
    return this;
  }

  /**
   * Registers a JS class as the Python class `module.name`, both ways: its
   * instances dump as that class (NEWOBJ and BUILD, as Python pickles a plain
   * class), and pickles of that class load as instances of `cls`.
   *
   * @example A Python class and a JS class for the same data
   * ```ts
   * import { Registry, dumps, loads } from 'brine';
   * class Point { constructor(public x = 0, public y = 0) {} }
   * const registry = new Registry().registerClass(Point, { module: 'myapp.geometry', name: 'Point' });
   * const back = loads(dumps(new Point(1, 2), { registry }), { registry }); // a Point
   * ```
   */
  registerClass<T extends object>(cls: abstract new (...args: never[]) => T, options: ClassOptions<T>): this {
    const prototype = cls.prototype as object;
    const base = builtinBase(prototype);
    // A bare instance without running the JS constructor; Map, Set and Array subclasses get real internal slots.
    const bare = (items?: unknown): T => {
      if (base === undefined) return Object.create(prototype) as T;
      const made = Reflect.construct(base, [], cls as unknown as new () => T) as T;
      if (made instanceof Set && Array.isArray(items)) for (const item of items) made.add(item);
      return made;
    };
    const create = options.create ?? ((args: Tuple) => bare(args[0]));
    const { setState, extend, setItems } = options;
    const pyClass = new PyGlobal(options.module, options.name);
    this.register(options.module, options.name, {
      call: (args) => create(args, null),
      construct: (args, kwargs) => create(args, kwargs),
      setState:
        setState === undefined
          ? (obj, state, context) => assignState(obj as object, state, (reason) => context.fail(reason))
          : (obj, state) => setState(obj as T, state),
      ...(extend === undefined ? {} : { extend: (obj, items) => extend(obj as T, items) }),
      ...(setItems === undefined ? {} : { setItems: (obj, pairs) => setItems(obj as T, pairs) }),
    });
    const reduce = options.reduce ?? ((obj: object) => defaultReduce(obj, pyClass));
    this.#classes.set(cls, {
      module: options.module,
      name: options.name,
      reduce: reduce as (obj: object) => Reduction | PyGlobal,
    });
    return this;
  }

  /**
   * Dump only: instances of `jsClass` (exactly that constructor, not its
   * subclasses) pickle as the Python value `reduce` describes, a
   * {@link Reduction} whose `callable` names the Python class or function
   * (a typed array written as a numpy array, a JS class as a Python
   * function call). `reduce` is also told the protocol being written and the
   * dump's options for value classes (numpy's module names), for a reduction
   * that depends on them. Loading is unchanged: register a reconstructor for the
   * callable to load such pickles back. Values that have a Python form of
   * their own (plain objects, arrays, `Map`, `Uint8Array`, strings, numbers)
   * never reach a reducer; a class given to `registerClass` uses its own
   * `reduce`.
   *
   * @example Dump a JS class as a call of a Python function
   * ```ts
   * import { PyGlobal, Registry, dumps, loads } from 'brine';
   * class Meters { constructor(readonly value: number) {} }
   * const registry = new Registry().registerReducer(Meters, (m) => ({
   *   callable: new PyGlobal('myapp.units', 'meters'),
   *   args: [m.value],
   * }));
   * const data = dumps([new Meters(3)], { registry }); // [myapp.units.meters(3)] in Python
   * const back = loads(data); // [PyObject] here: myapp.units.meters is not registered for loading
   * ```
   */
  registerReducer<T extends object>(
    jsClass: abstract new (...args: never[]) => T,
    reduce: (value: T, protocol: number, options: ReduceOptions) => Reduction,
  ): this {
    this.#checkOpen('register a reducer in');
    if (typeof jsClass !== 'function') throw new TypeError('registerReducer takes a class (a constructor)');
    if (typeof reduce !== 'function') throw new TypeError('registerReducer takes a reduce function');
    this.#reducers.set(jsClass, reduce as Reducer);
    return this;
  }

  #checkOpen(what: string): void {
    if (this.#frozen) throw new TypeError(`Cannot ${what} a frozen Registry: make one with new Registry()`);
  }

  /**
   * Registers a Python enum declared with `defineEnum`: pickled members
   * (`Color(1)`) load as its {@link PyEnum} members, and a value with no
   * member of its own (a Flag combination) as a nameless `PyEnum`.
   */
  registerEnum<Names extends string, Values extends { readonly [N in Names]: unknown }>(
    enumClass: EnumClass<Names, Values>,
  ): this {
    const { pyClass } = enumClass;
    return this.register(pyClass.module, pyClass.name, {
      call: (args, context) =>
        args.length === 1
          ? (enumClass.of(args[0]) ?? flagValue(enumClass as EnumClass, args[0]))
          : context.inert('reduce', context.global, args),
      // getattr(Color, 'RED'): how Python 3.11.2 to 3.11.4 pickle a member.
      attribute: (name) =>
        Object.hasOwn(enumClass.members, name) ? enumClass.members[name as Names] : undefined,
    });
  }

  /**
   * Registers a named tuple class made by `namedTuple`: pickled instances
   * (`Point.__new__(Point, 1, 2)`, or `copyreg._reconstructor` at protocols 0
   * and 1) load as its instances. Its instances dump as the Python class
   * without registration.
   */
  registerNamedTuple<Fields extends readonly string[]>(
    cls: NamedTupleClass<Fields, { readonly [F in Fields[number]]: unknown }>,
  ): this {
    const { pyClass, fields } = cls;
    // Python's named tuple takes exactly one argument per field (the pickle holds them all); other counts stay inert.
    return this.register(pyClass.module, pyClass.name, {
      call: (args, context) =>
        args.length === fields.length ? new cls(...args) : context.inert('reduce', context.global, args),
      construct: (args, kwargs, context) =>
        kwargs === null && args.length === fields.length
          ? new cls(...args)
          : context.inert(kwargs === null ? 'newobj' : 'newobj_ex', context.global, args, kwargs),
    });
  }

  /** The registered class entry for a JS constructor, if any. @internal */
  classFor(ctor: unknown): ClassEntry | undefined {
    return typeof ctor === 'function' ? this.#classes.get(ctor) : undefined;
  }

  /** The reducer registered for a JS constructor, if any. @internal */
  reducerFor(ctor: unknown): Reducer | undefined {
    return typeof ctor === 'function' ? this.#reducers.get(ctor) : undefined;
  }

  /** The names of the tables included, in order (`['builtins', 'copyreg', 'stdlib']`). */
  tables(): string[] {
    return [...this.#tables];
  }

  /** The reconstructor of `module.name`, if any. */
  get(module: string, name: string): Reconstructor | undefined {
    return this.#entries.get(key(module, name));
  }

  /** True when `module.name` has a reconstructor. */
  has(module: string, name: string): boolean {
    return this.#entries.has(key(module, name));
  }

  /** Every registered name as `module.name`. */
  names(): string[] {
    return [...this.#entries.keys()].map((k) => k.replace('\n', '.'));
  }

  /** A new, changeable registry with the same entries. */
  clone(): this {
    // The same class (a subclass's constructor takes a list of tables too), empty, then filled.
    const copy = new (this.constructor as new (tables: readonly ReconstructorTable[]) => this)([]);
    for (const [k, v] of this.#entries) copy.#entries.set(k, v);
    for (const [k, v] of this.#classes) copy.#classes.set(k, v);
    for (const [k, v] of this.#reducers) copy.#reducers.set(k, v);
    copy.#tables.push(...this.#tables);
    return copy;
  }

  /** Makes the registry unchangeable and returns it. */
  freeze(): this {
    this.#frozen = true;
    return this;
  }
}
