/**
 * Python's `collections` containers: `OrderedDict`, `defaultdict`, `Counter`
 * (JS `Map`s), `deque` (a JS array with `maxlen`), and named tuples.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { G_RECONSTRUCTOR, PyGlobal } from './py-global.js';
import { globalRepr, PY_REPR_RECURSIVE, pyRepr, type ReprFn } from './py-repr.js';

const G_ORDERED_DICT = new PyGlobal('collections', 'OrderedDict');
const G_DEFAULT_DICT = new PyGlobal('collections', 'defaultdict');
const G_COUNTER = new PyGlobal('collections', 'Counter');
const G_DEQUE = new PyGlobal('collections', 'deque');
const G_TUPLE = new PyGlobal('builtins', 'tuple');

function dictRepr(map: Map<unknown, unknown>, repr: ReprFn): string {
  return `{${[...map].map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(', ')}}`;
}

/** Python's `collections.OrderedDict`: a `Map` (JS Maps keep insertion order too). */
export class PyOrderedDict<K = unknown, V = unknown> extends Map<K, V> {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** Instance attributes (`__dict__`) the pickle carried, else `undefined`. */
  attributes: Record<string, unknown> | Map<unknown, unknown> | undefined;

  /** Python's `str()`, which for this class is its repr (not Map's `[object Map]`). */
  override toString(): string {
    return pyRepr(this);
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    if (this.size === 0) return 'OrderedDict()';
    return `OrderedDict([${[...this].map(([k, v]) => `(${repr(k)}, ${repr(v)})`).join(', ')}])`;
  }

  /** An OrderedDict met again inside itself (reprlib's `...`). */
  get [PY_REPR_RECURSIVE](): string {
    return '...';
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_ORDERED_DICT, args: [], state: this.attributes, dictitems: [...this] };
  }
}

/**
 * Python's `collections.defaultdict`: a `Map` with its default factory kept
 * as the global it is in Python (`PyGlobal('builtins', 'list')`) or `null`.
 * Nothing is called: `get` of a missing key is `undefined`, as in any Map.
 */
export class PyDefaultDict<K = unknown, V = unknown> extends Map<K, V> {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The `default_factory`: a `PyGlobal` (or other pickled callable), or `null`. */
  defaultFactory: unknown;

  constructor(defaultFactory: unknown = null, entries?: Iterable<readonly [K, V]> | null) {
    super(entries);
    this.defaultFactory = defaultFactory ?? null;
  }

  /** Python's `str()`, which for this class is its repr (not Map's `[object Map]`). */
  override toString(): string {
    return pyRepr(this);
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    return `defaultdict(${this.#factoryRepr(repr)}, ${dictRepr(this, repr)})`;
  }

  #factoryRepr(repr: ReprFn): string {
    return this.defaultFactory instanceof PyGlobal
      ? globalRepr(this.defaultFactory)
      : repr(this.defaultFactory);
  }

  /** Python's defaultdict met again inside itself prints its dict part as `{...}`. */
  get [PY_REPR_RECURSIVE](): string {
    const factory = this.defaultFactory;
    if (factory instanceof PyGlobal) return `defaultdict(${globalRepr(factory)}, {...})`;
    return factory === null || factory === undefined ? 'defaultdict(None, {...})' : 'defaultdict(..., {...})';
  }

  [PY_REDUCE](): Reduction {
    return {
      callable: G_DEFAULT_DICT,
      args: this.defaultFactory === null ? [] : [this.defaultFactory],
      dictitems: [...this],
    };
  }
}

/** Orders counts (numbers or bigints, exactly) for Counter's most-common-first repr. */
function compareCounts(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : Number.isInteger(a) ? BigInt(a as number) : undefined;
    const y = typeof b === 'bigint' ? b : Number.isInteger(b) ? BigInt(b as number) : undefined;
    if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  }
  const d = Number(a) - Number(b);
  return Number.isNaN(d) ? 0 : d;
}

/** Python's `collections.Counter`: a `Map` from items to counts. */
export class PyCounter<K = unknown> extends Map<K, number | bigint> {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** Python's `str()`, which for this class is its repr (not Map's `[object Map]`). */
  override toString(): string {
    return pyRepr(this);
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    if (this.size === 0) return 'Counter()';
    // Counter's repr lists the most common first.
    const items = [...this].sort((a, b) => compareCounts(b[1], a[1]));
    return `Counter({${items.map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(', ')}})`;
  }

  /** A Counter met again inside itself. */
  get [PY_REPR_RECURSIVE](): string {
    return '...';
  }

  [PY_REDUCE](): Reduction {
    // Counter.__reduce__: (Counter, (dict(self),))
    return { callable: G_COUNTER, args: [new Map(this)] };
  }
}

/**
 * Drops the items of a bounded deque beyond its `maxlen`, from the left, as
 * Python's deque does, in one pass over what remains. Items arriving one by
 * one are pushed and trimmed in batches (see {@link extendDeque}); dropping
 * the head on every push costs the whole deque each time (20,000 items into a
 * `maxlen` of 10,000 took 11 s).
 */
export function trimDeque(deque: PyDeque): void {
  const { maxlen } = deque;
  if (maxlen === null || deque.length <= maxlen) return;
  const excess = deque.length - maxlen;
  for (let i = 0; i < maxlen; i++) deque[i] = deque[i + excess]!;
  deque.length = maxlen;
}

/**
 * `deque.extend(items)` while a pickle loads: pushes, and trims only once the
 * deque holds twice its `maxlen` (plus a little), so that N items cost O(N)
 * whatever the `maxlen`. The deque may be longer than `maxlen` until
 * {@link trimDeque} runs: the loader calls it before anything sees the deque.
 * Returns true when the deque is left longer than its `maxlen`.
 */
export function extendDeque(deque: PyDeque, items: Iterable<unknown>): boolean {
  const { maxlen } = deque;
  for (const item of items) {
    deque.push(item);
    if (maxlen !== null && deque.length > 2 * maxlen + 64) trimDeque(deque);
  }
  return maxlen !== null && deque.length > maxlen;
}

/**
 * Python's `collections.deque`: a JS array (so it iterates, indexes and
 * spreads like one) with the deque's `maxlen` (`null` for unbounded).
 */
export class PyDeque<T = unknown> extends Array<T> {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The deque's `maxlen`, or `null`. */
  maxlen: number | null = null;
  /** Instance attributes (`__dict__`) the pickle carried, else `undefined`. */
  attributes: Record<string, unknown> | Map<unknown, unknown> | undefined;

  /** Array methods that build new arrays (`map`, `filter`) build plain arrays. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** `deque(items, maxlen)`: keeps the last `maxlen` items when bounded, as Python does. */
  static create<T>(items: Iterable<T>, maxlen: number | null = null): PyDeque<T> {
    if (maxlen !== null && (!Number.isInteger(maxlen) || maxlen < 0))
      throw new PicklingError('maxlen must be a non-negative integer');
    const deque = new PyDeque<T>();
    for (const item of items) deque.push(item);
    deque.maxlen = maxlen;
    trimDeque(deque);
    return deque;
  }

  /** Python's `str()`, which for a deque is its repr: `deque([1, 2])` (not Array's `1,2`, which would recurse without limit). */
  override toString(): string {
    return pyRepr(this);
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    const items = `[${Array.prototype.map.call(this, (v) => repr(v)).join(', ')}]`;
    return this.maxlen === null ? `deque(${items})` : `deque(${items}, maxlen=${this.maxlen})`;
  }

  /** A deque met again inside itself (`deque([[...]])`). */
  get [PY_REPR_RECURSIVE](): string {
    return '[...]';
  }

  [PY_REDUCE](): Reduction {
    return {
      callable: G_DEQUE,
      args: this.maxlen === null ? [] : [Object.freeze([]), this.maxlen],
      state: this.attributes,
      listitems: [...this],
    };
  }
}

/**
 * An instance of a named tuple class: a tuple (frozen array) with a read-only
 * property per field. `Fields` are the field names as declared to
 * {@link namedTuple}; `Values` the type of each field (default `unknown`:
 * a pickle may hold anything), which a cast of the class can make precise
 * (`as NamedTupleClass<['x', 'y'], { x: number; y: number }>`).
 */
export type NamedTuple<
  Fields extends readonly string[] = readonly string[],
  Values extends { readonly [F in Fields[number]]: unknown } = { readonly [F in Fields[number]]: unknown },
> = readonly unknown[] & { readonly [F in Fields[number]]: Values[F] };

/** A JS class for a Python named tuple: frozen arrays with a getter per field. */
export interface NamedTupleClass<
  Fields extends readonly string[] = readonly string[],
  Values extends { readonly [F in Fields[number]]: unknown } = { readonly [F in Fields[number]]: unknown },
> {
  new (...items: unknown[]): NamedTuple<Fields, Values>;
  /** The Python class. */
  readonly pyClass: PyGlobal;
  /** The field names, in order. */
  readonly fields: Fields;
}

/**
 * Defines the JS class of a Python `collections.namedtuple` (or
 * `typing.NamedTuple`). Its instances are tuples (frozen arrays, `isTuple`
 * is true) with a getter per field; register the class to load and dump the
 * Python class with it.
 *
 * @example A named tuple both ways
 * ```ts
 * import { namedTuple, Registry, dumps, loads } from 'brine';
 * const Point = namedTuple('myapp.geometry', 'Point', ['x', 'y']);
 * const registry = new Registry().registerNamedTuple(Point);
 * const p = loads(dumps(new Point(1, 2), { registry }), { registry }) as InstanceType<typeof Point>;
 * p.x; // 1
 * ```
 */
export function namedTuple<const Fields extends readonly string[]>(
  module: string,
  name: string,
  fields: Fields,
): NamedTupleClass<Fields> {
  const pyClass = new PyGlobal(module, name);
  const fieldList = Object.freeze([...fields]);
  const cls = class extends Array<unknown> {
    /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
    [INSPECT](): string {
      return inspectRepr(this);
    }

    static readonly pyClass = pyClass;
    static readonly fields = fieldList;
    static override get [Symbol.species](): ArrayConstructor {
      return Array;
    }
    constructor(...items: unknown[]) {
      super();
      for (const item of items) this.push(item);
      Object.freeze(this);
    }
    [PY_REPR](repr?: ReprFn): string {
      if (repr === undefined) return pyRepr(this);
      const parts = fieldList.map((f, i) => `${f}=${repr(this[i])}`);
      for (let i = fieldList.length; i < this.length; i++) parts.push(repr(this[i]));
      return `${name.slice(name.lastIndexOf('.') + 1)}(${parts.join(', ')})`;
    }
    [PY_REDUCE](protocol: number): Reduction {
      // object.__reduce_ex__: NEWOBJ with __getnewargs__ from protocol 2, copyreg._reconstructor below.
      if (protocol >= 2) return { kind: 'newobj', callable: pyClass, args: [...this] };
      return { callable: G_RECONSTRUCTOR, args: [pyClass, G_TUPLE, Object.freeze([...this])] };
    }
  };
  fieldList.forEach((field, i) => {
    Object.defineProperty(cls.prototype, field, {
      get(this: unknown[]) {
        return this[i];
      },
      enumerable: false,
      configurable: true,
    });
  });
  Object.defineProperty(cls, 'name', { value: name.slice(name.lastIndexOf('.') + 1) });
  return cls as unknown as NamedTupleClass<Fields>;
}
