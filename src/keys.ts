/**
 * Dict keys and set items as Python has them. Two rules JavaScript's `Map`
 * and `Set` do not follow by themselves:
 *
 * - **Only hashable values are keys.** A list, dict, set or bytearray (or a
 *   tuple holding one) used as a key is `unhashable type: 'list'` in Python:
 *   loading one silently would make a value that dumps to a pickle Python
 *   cannot load.
 * - **Every NaN is its own key.** Python keeps `{nan: 1, nan: 2}` as two
 *   entries (two NaN objects are two keys: identity, then `==`, which NaN
 *   never satisfies), where `Map` merges every NaN into one. A NaN float
 *   arriving as a key or set item becomes its own {@link PyFloat}, which dumps
 *   as the same float.
 *
 * @module
 */
import { PickleError } from './errors.js';
import { pyRepr } from './repr.js';
import { PyFloat } from './types/builtins.js';
import { PyCounter, PyDefaultDict, PyDeque, PyOrderedDict } from './types/collections.js';
import { PyEnum } from './types/enum.js';
import { FrozenSet } from './types/frozen-set.js';
import { PY_REPR } from './types/protocol.js';
import { PyByteArray } from './types/py-bytearray.js';
import { PyGlobal } from './types/py-global.js';
import { PyObject } from './types/py-object.js';
import { isTuple } from './types/tuple.js';

/** Thrown for an unhashable key; the unpickler raises it as an UnpicklingError at the current opcode. */
export class UnhashableError extends Error {}

/**
 * Tuples already found hashable. A tuple is frozen, so the answer never
 * changes; without it, one big tuple used as the key of many dicts would be
 * walked once per use. Weak: it holds nothing alive.
 */
const hashableTuples = new WeakSet<object>();

/**
 * Python's type name of an unhashable value (what `unhashable type: '...'`
 * says), or `undefined` when Python can hash it.
 */
export function unhashableType(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    if (!isTuple(value)) return (value as unknown) instanceof PyDeque ? 'collections.deque' : 'list';
    return unhashableInTuple(value);
  }
  if (value instanceof Map) {
    if (value instanceof PyOrderedDict) return 'collections.OrderedDict';
    if (value instanceof PyDefaultDict) return 'collections.defaultdict';
    if (value instanceof PyCounter) return 'Counter';
    return 'dict';
  }
  if (value instanceof Set) return value instanceof FrozenSet ? undefined : 'set';
  if (value instanceof PyByteArray) return 'bytearray';
  if (Object.getPrototypeOf(value) === Object.prototype) return 'dict';
  return undefined;
}

/** The first unhashable type inside a tuple, nested tuples included, walked without recursion. */
function unhashableInTuple(root: readonly unknown[]): string | undefined {
  // A tuple of numbers, strings and the like: nothing to walk or to remember.
  let i = 0;
  while (i < root.length && (typeof root[i] !== 'object' || root[i] === null)) i++;
  if (i === root.length) return undefined;
  if (hashableTuples.has(root)) return undefined;
  const pending: (readonly unknown[])[] = [root];
  // Shared tuples are walked once (a chain of (t, t) pairs would otherwise double per level).
  const visited = new Set<readonly unknown[]>([root]);
  while (pending.length > 0) {
    const tuple = pending.pop()!;
    for (let i = 0; i < tuple.length; i++) {
      const item = tuple[i];
      if (typeof item !== 'object' || item === null) continue;
      if (isTuple(item)) {
        if (!hashableTuples.has(item) && !visited.has(item)) {
          visited.add(item);
          pending.push(item);
        }
        continue;
      }
      const type = unhashableType(item);
      if (type !== undefined) return type;
    }
  }
  for (const tuple of visited) hashableTuples.add(tuple);
  return undefined;
}

/**
 * A value about to become a dict key or set item: a NaN becomes its own
 * {@link PyFloat}; an unhashable value is an {@link UnhashableError}.
 */
export function pyKey(value: unknown): unknown {
  if (typeof value === 'number') return Number.isNaN(value) ? new PyFloat(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  const type = unhashableType(value);
  if (type !== undefined) throw new UnhashableError(`unhashable type: '${type}'`);
  return value;
}

/**
 * The key already in `container` that Python would take `key` for, or `key`:
 * `False` and `0`, `True` and `1` are one key in Python (equal, with equal
 * hashes), two in a `Map`; so are two tuples, frozensets or bytes of equal
 * content, which a `Map` compares by identity. Python keeps the first key and
 * the last value. CPython never writes such keys twice, but a hand-made
 * pickle can. Tuples and the like are checked through a {@link KeyTexts}
 * index of the container, made at its first such key and kept until the load
 * ends ({@link releaseKeyIndexes}).
 */
function equalKey(container: Map<unknown, unknown> | Set<unknown>, key: unknown): unknown {
  let k = key;
  if (key === false || key === true) {
    const n = key ? 1 : 0;
    if (container.has(n)) k = n;
  } else if (key === 0 || key === 1) {
    const b = key === 1;
    if (container.has(b)) k = b;
  }
  let index = keyIndexes.get(container);
  if (index === undefined) {
    if (typeof k !== 'object' || k === null || k instanceof PyObject || container.has(k)) return k;
    index = new EqualKeys();
    keyIndexes.set(container, index);
    for (const old of container.keys()) index.find(old);
  }
  return index.find(k);
}

/** The containers that got an equality index during the current load: see {@link equalKey}. */
const keyIndexes = new Map<object, EqualKeys>();

/** A hash shared by several keys of one {@link EqualKeys}. */
class Bucket {
  constructor(readonly keys: unknown[]) {}
}

/** Keys of one hash before {@link EqualKeys} compares every key by its text (a flood chosen for one hash). */
const MAX_BUCKET = 8;

/**
 * The keys of one dict or set by Python equality, as they arrive. Each key
 * gets a hash that keys Python finds equal share (no allocation for a tuple
 * of numbers and strings); only keys of one hash are compared, by their
 * {@link KeyTexts}, so a dict of distinct keys makes no text. The hash is
 * known to anyone: when one hash gathers more than {@link MAX_BUCKET} keys,
 * every key is indexed by its text instead (linear, about three times the
 * cost).
 */
class EqualKeys {
  readonly #texts = new KeyTexts(false);
  #byHash: Map<number, unknown> | null = new Map();
  #byText: Map<string, unknown> | null = null;
  /** Hashes of the tuples and frozensets met inside keys (a shared one is read once). */
  readonly #inner = new Map<object, number>();

  /** The key held that Python finds equal to `key`; else `key`, now held. */
  find(key: unknown): unknown {
    const byHash = this.#byHash;
    if (byHash === null) return this.#findText(key);
    // A small integer: V8 keeps it unboxed as a Map key.
    const h = this.#hash(key, 0) & 0x3fffffff;
    const held = byHash.get(h);
    if (held === undefined && !byHash.has(h)) {
      byHash.set(h, key);
      return key;
    }
    const keys = held instanceof Bucket ? held.keys : [held];
    const text = this.#texts.text(key);
    for (const old of keys) if (this.#texts.text(old) === text) return old;
    if (keys.length >= MAX_BUCKET) {
      this.#byText = new Map();
      this.#byHash = null;
      for (const bucket of byHash.values()) {
        for (const old of bucket instanceof Bucket ? bucket.keys : [bucket]) this.#findText(old);
      }
      return this.#findText(key);
    }
    if (held instanceof Bucket) held.keys.push(key);
    else byHash.set(h, new Bucket([held, key]));
    return key;
  }

  #findText(key: unknown): unknown {
    const text = this.#texts.text(key);
    const found = this.#byText!.get(text);
    if (found !== undefined || this.#byText!.has(text)) return found;
    this.#byText!.set(text, key);
    return key;
  }

  /** Equal for keys of equal {@link KeyTexts} (up to {@link MAX_KEY_DEPTH} levels). */
  #hash(key: unknown, depth: number): number {
    switch (typeof key) {
      case 'string':
        return textHash(key, 0x73);
      case 'number':
        return numberHash(key);
      case 'bigint':
        return key >= MIN_SAFE && key <= MAX_SAFE ? numberHash(Number(key)) : textHash(`${key}`, 0x69);
      case 'boolean':
        return numberHash(key ? 1 : 0);
      case 'object':
        break;
      default:
        return 0x4e;
    }
    if (key === null) return 0x4e;
    if (key instanceof PyFloat) return Number.isNaN(key.value) ? identityId(key) : numberHash(key.value);
    const tuple = isTuple(key);
    if (tuple || key instanceof FrozenSet) {
      let h = depth > 0 ? this.#inner.get(key) : undefined;
      if (h !== undefined) return h;
      if (depth >= MAX_KEY_DEPTH) return identityId(key);
      h = tuple ? 0x345678 : 0x2f1e0d;
      for (const item of key as Iterable<unknown>) {
        const x = this.#hash(item, depth + 1);
        // A tuple's hash depends on the order of its items, a frozenset's does not.
        h = tuple ? Math.imul(h ^ x, 0x01000193) : (h + Math.imul(x ^ (x >>> 15), 0x2c1b3c6d)) | 0;
      }
      if (depth > 0) this.#inner.set(key, h);
      return h;
    }
    if ((key instanceof Uint8Array && !(key instanceof PyByteArray)) || key instanceof PyGlobal) {
      return textHash(this.#texts.text(key), 0x62);
    }
    if (!(key instanceof PyObject) && !(key instanceof PyEnum) && PY_REPR in key) {
      return textHash(this.#texts.text(key), 0x76);
    }
    return identityId(key);
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const hashFloat = new Float64Array(1);
const hashWords = new Int32Array(hashFloat.buffer);

/** The hash of a number, equal for the numbers {@link numberText} spells alike (`1`, `1.0`, `1n`). */
function numberHash(x: number): number {
  if (Number.isInteger(x)) {
    if (!Number.isSafeInteger(x)) return textHash(`${BigInt(x)}`, 0x69);
    return Math.imul(x | 0, 0x9e3779b1) ^ Math.floor(x / 0x100000000);
  }
  if (Number.isNaN(x)) return nextIdentityId++;
  hashFloat[0] = x;
  return Math.imul(hashWords[0]!, 0x85ebca6b) ^ hashWords[1]!;
}

/** FNV-1a of the UTF-16 units of `text`, seeded by a tag. */
function textHash(text: string, tag: number): number {
  let h = 0x811c9dc5 ^ tag;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** Drops the indexes {@link equalKey} made (the unpickler calls it when a load ends). */
export function releaseKeyIndexes(): void {
  if (keyIndexes.size > 0) keyIndexes.clear();
}

/** `map[key] = value` as a Python dict does it (see {@link pyKey} and {@link equalKey}). */
export function pyMapSet(map: Map<unknown, unknown>, key: unknown, value: unknown): unknown {
  const k = equalKey(map, pyKey(key));
  map.set(k, value);
  return k;
}

/** `set.add(item)` as Python does it (see {@link pyKey} and {@link equalKey}). */
export function pySetAdd(set: Set<unknown>, item: unknown): void {
  set.add(equalKey(set, pyKey(item)));
}

/** {@link pyKey} of every item, for a set or frozenset built from a list, without the items Python merges. */
export function pyKeys(items: Iterable<unknown>): unknown[] {
  const seen = new Set<unknown>();
  for (const item of items) pySetAdd(seen, item);
  keyIndexes.delete(seen);
  return [...seen];
}

/**
 * V8's hash of an integer in the signed 32-bit range as a Map key
 * (`ComputeUnseededHash`, Thomas Wang's integer hash). Unseeded: the same in
 * every process, so a pickle can choose keys that all land in one bucket.
 */
function int32Hash(key: number): number {
  let h = key >>> 0;
  h = (~h + (h << 15)) >>> 0;
  h = (h ^ (h >>> 12)) >>> 0;
  h = (h + (h << 2)) >>> 0;
  h = (h ^ (h >>> 4)) >>> 0;
  h = Math.imul(h, 2057) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h & 0x3fffffff;
}

const U64 = (1n << 64n) - 1n;
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** V8's `ComputeLongHash` of 64 bits (other numbers, and bigints by their low 64 bits). */
function longHash(key: bigint): number {
  let h = key & U64;
  h = (~h + (h << 18n)) & U64;
  h ^= h >> 31n;
  h = (h * 21n) & U64;
  h ^= h >> 11n;
  h = (h + (h << 6n)) & U64;
  h ^= h >> 22n;
  return Number(h & 0x3fffffffn);
}

/** The hash V8 gives a number or bigint Map key. */
function numericHash(key: number | bigint): number {
  if (typeof key === 'bigint') return longHash(key < 0n ? -key : key);
  if (Number.isInteger(key) && key >= -0x80000000 && key <= 0x7fffffff) return int32Hash(key | 0);
  f64[0] = key;
  return longHash(u64[0]!);
}

/** Maps smaller than this are not watched: a full collision among them costs less than a millisecond. */
export const FLOOD_WATCH_SIZE = 2048;
/** The most number keys of one Map allowed in one bucket of the watch table. */
export const MAX_BUCKET_KEYS = 48;

/** Thrown when a dict's keys were chosen to collide in the engine's hash table. */
export class HashFloodError extends Error {}

/**
 * Watches the number and bigint keys of one large Map for hash flooding. V8
 * hashes numbers without a seed, so about 130,000 int keys that share the
 * low bits of that hash cost 10 s to load (each insert walks one long chain).
 * The watch counts the keys per bucket of a table at least as fine as V8's, grown as the Map grows (amortised O(1) per key): random keys put a
 * handful in a bucket, a flood puts all of them in one, and the load stops at
 * {@link MAX_BUCKET_KEYS}.
 */
export class FloodWatch {
  #counts: Uint8Array = new Uint8Array(0);
  #mask = 0;

  constructor(map: Map<unknown, unknown>) {
    this.#rebuild(map);
  }

  /** Counts a key just added to `map`; throws {@link HashFloodError} on a flood. */
  add(map: Map<unknown, unknown>, key: number | bigint): void {
    if (map.size * 2 > this.#mask + 1) {
      this.#rebuild(map);
      return;
    }
    this.#count(key);
  }

  #rebuild(map: Map<unknown, unknown>): void {
    let buckets = 1;
    while (buckets < map.size * 2) buckets *= 2;
    this.#mask = buckets - 1;
    this.#counts = new Uint8Array(buckets);
    for (const key of map.keys()) if (typeof key === 'number' || typeof key === 'bigint') this.#count(key);
  }

  #count(key: number | bigint): void {
    const b = numericHash(key) & this.#mask;
    const n = this.#counts[b]! + 1;
    if (n > MAX_BUCKET_KEYS) {
      throw new HashFloodError(
        `the keys of this dict were chosen to collide in the JavaScript engine's hash table (hash flooding): more than ${MAX_BUCKET_KEYS} of its number keys share one bucket`,
      );
    }
    this.#counts[b] = n;
  }
}

// ---------------------------------------------------------------------------
// Looking keys up by Python equality

/** Deepest tuple / frozenset nesting a lookup key may have (Python's own hash recursion stops near 1000 too). */
export const MAX_KEY_DEPTH = 1000;

/** Ids for keys Python compares by identity (inert instances, enum members), inside a composite key. */
const identityIds = /* @__PURE__ */ new WeakMap<object, number>();
let nextIdentityId = 0;

function identityId(obj: object): number {
  let id = identityIds.get(obj);
  if (id === undefined) {
    id = nextIdentityId++;
    identityIds.set(obj, id);
  }
  return id;
}

/** The canonical text of a number, shared by every value Python finds equal (`1`, `1.0`, `True`, `1n`). */
function numberText(x: number): string {
  if (Number.isInteger(x)) return Number.isSafeInteger(x) ? `i${x === 0 ? 0 : x}` : `i${BigInt(x)}`;
  return `f${x}`;
}

/**
 * Texts of keys, equal exactly when Python finds the keys equal (see
 * {@link pyIndex}), of a size linear in the key's own: an item of a tuple or
 * frozenset whose text is long (a container, long bytes or str) is named by
 * a number, the same for equal items, and each container is read once. So a chain of tuples `(t, t)`
 * nested n deep costs n short texts, where spelling items out would cost 2^n.
 * A key compared by identity (a NaN, an inert instance, an enum member) gets
 * a text of its own.
 */
class KeyTexts {
  readonly #ids = new Map<string, number>();
  // Weak: `pyIndex` texts every key it is asked about, and a query key must not stay alive for it.
  readonly #made = new WeakMap<object, string>();
  /** Past {@link MAX_KEY_DEPTH}: a {@link PickleError} when true, else the deeper keys are compared by identity. */
  readonly #strict: boolean;

  constructor(strict: boolean) {
    this.#strict = strict;
  }

  text(key: unknown, depth = 0): string {
    switch (typeof key) {
      case 'string':
        return `s${key}`;
      case 'number':
        return Number.isNaN(key) ? `o${nextIdentityId++}` : numberText(key);
      case 'bigint':
        return `i${key}`;
      case 'boolean':
        return key ? 'i1' : 'i0';
      case 'object':
        break;
      default:
        return key === undefined ? 'N' : `o${identityId(key as object)}`;
    }
    if (key === null) return 'N';
    let text = this.#made.get(key);
    if (text !== undefined) return text;
    if (key instanceof PyFloat) {
      text = Number.isNaN(key.value) ? `o${identityId(key)}` : numberText(key.value);
    } else if (isTuple(key) || key instanceof FrozenSet) {
      if (depth >= MAX_KEY_DEPTH) {
        if (this.#strict) {
          throw new PickleError(
            `a dict key nested deeper than ${MAX_KEY_DEPTH} tuples or frozensets cannot be looked up`,
          );
        }
        text = `o${identityId(key)}`;
      } else {
        const parts: string[] = [];
        for (const item of key as Iterable<unknown>) parts.push(this.#part(item, depth + 1));
        // A frozenset's items in any order; items Python finds equal (0 and false in a JS-made set) once.
        text = isTuple(key) ? `t(${parts.join('')})` : `z(${[...new Set(parts)].sort().join('')})`;
      }
    } else if (key instanceof Uint8Array && !(key instanceof PyByteArray)) {
      text = 'b';
      for (let i = 0; i < key.length; i += 0x2000) {
        text += String.fromCharCode(...key.subarray(i, Math.min(i + 0x2000, key.length)));
      }
    } else if (key instanceof PyGlobal) {
      text = `g${key.module}\n${key.name}`;
    } else if (
      // Hashable value classes (datetime, Decimal, UUID, Path ...): the same class and the same repr.
      !(key instanceof PyObject) &&
      !(key instanceof PyEnum) &&
      typeof (key as { [PY_REPR]?: unknown })[PY_REPR] === 'function'
    ) {
      text = `v${key.constructor.name}\n${pyRepr(key)}`;
    } else {
      text = `o${identityId(key)}`;
    }
    this.#made.set(key, text);
    return text;
  }

  /**
   * An item of a tuple or frozenset: a short text spelled out (length-prefixed, so that no two
   * sequences of parts read alike), a longer one (a container, long bytes or str) by number.
   */
  #part(item: unknown, depth: number): string {
    const text = this.text(item, depth);
    if (text.length <= 32) return `${text.length}:${text}`;
    let id = this.#ids.get(text);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(text, id);
    }
    return `#${id};`;
  }
}

/** Lookups by Python equality in one `Map` or `Set`, indexed once: see {@link pyIndex}. */
export interface PyKeyIndex<K = unknown, V = unknown> {
  /** The value of the key Python finds equal to `key`, or `undefined`. */
  get(key: unknown): V | undefined;
  /** True when a key Python finds equal to `key` is there. */
  has(key: unknown): boolean;
  /** The stored key Python finds equal to `key` (`tuple(1, 2)` for a query `tuple(1.0, 2)`), or `undefined`. */
  keyOf(key: unknown): K | undefined;
}

/**
 * Indexes the keys of a loaded `Map` (or the items of a `Set`) by Python
 * equality, once (linear in the total size of the keys), for lookups that
 * cost the size of the query key: `Map.get` compares objects by identity, so
 * `m.get(tuple(1, 2))` finds nothing in a dict loaded with the key `(1, 2)`.
 *
 * Python's equality, as dict lookups use it: `1`, `1.0` (`PyFloat`), `true`
 * and `1n` are one key; tuples (and named tuples) equal item by item; bytes
 * by content; frozensets by content in any order; a class (`PyGlobal`) by
 * module and name. A NaN is equal only to itself (the same `PyFloat`, as
 * Python's identity rule), an inert instance (`PyObject`) or an enum member
 * only to itself. brine's other hashable value classes (datetime, Decimal,
 * UUID, Path ...) are equal when they have the same class and the same repr
 * (so, unlike Python, `Decimal('1.0')` is not `Decimal('1')` or `1`, and two
 * aware datetimes at the same instant in different zones differ).
 *
 * The index is a snapshot: build a new one after changing the collection.
 *
 * @param collection a `Map` (dict) or `Set` (set, frozenset).
 * @returns the lookups.
 * @throws {@link PickleError} for a key nested more than {@link MAX_KEY_DEPTH} levels deep.
 *
 * @example
 * ```ts
 * import { loads, dumps, pyIndex, tuple } from 'brine';
 * const scores = loads(dumps(new Map([[tuple(1, 2), 'a'], [Uint8Array.of(7), 'b']]))) as Map<unknown, string>;
 * scores.get(tuple(1, 2)); // undefined: a Map compares objects by identity
 * const index = pyIndex(scores);
 * index.get(tuple(1, 2)); // 'a'
 * index.get(Uint8Array.of(7)); // 'b'
 * ```
 */
export function pyIndex<K, V>(collection: ReadonlyMap<K, V> | ReadonlySet<K>): PyKeyIndex<K, V> {
  const texts = new KeyTexts(true);
  const byCanonical = new Map<string, K>();
  for (const key of collection.keys()) {
    const c = texts.text(key);
    if (!byCanonical.has(c)) byCanonical.set(c, key);
  }
  const find = (key: unknown): K | typeof NOT_FOUND => {
    if (collection.has(key as K)) return key as K;
    const c = texts.text(key);
    return byCanonical.has(c) ? byCanonical.get(c)! : NOT_FOUND;
  };
  return {
    keyOf: (key) => {
      const k = find(key);
      return k === NOT_FOUND ? undefined : k;
    },
    has: (key) => find(key) !== NOT_FOUND,
    get: (key) => {
      const k = find(key);
      return k === NOT_FOUND || !(collection instanceof Map)
        ? undefined
        : (collection as ReadonlyMap<K, V>).get(k);
    },
  };
}

/**
 * The value of the key Python finds equal to `key` in a loaded `Map`, as
 * `d[key]` (see {@link pyIndex} for the equality): a direct `Map.get` first,
 * then one pass over the keys (linear in their size; for many lookups in one
 * Map, build a {@link pyIndex} once).
 *
 * @example
 * ```ts
 * import { loads, dumps, pyGet, tuple } from 'brine';
 * const grid = loads(dumps(new Map([[tuple(0, 1), 'x']]))) as Map<unknown, string>;
 * pyGet(grid, tuple(0, 1)); // 'x'
 * pyGet(grid, tuple(0.0, true)); // 'x': Python finds (0.0, True) == (0, 1)
 * ```
 */
export function pyGet<V>(map: ReadonlyMap<unknown, V>, key: unknown): V | undefined {
  const k = findKey(map, key);
  return k === NOT_FOUND ? undefined : map.get(k);
}

/**
 * True when a `Map` or `Set` holds a key (an item) Python finds equal to `key`,
 * as `key in d` (see {@link pyIndex} and {@link pyGet}).
 *
 * @example
 * ```ts
 * import { pyHas, tuple, FrozenSet } from 'brine';
 * pyHas(new Set([tuple('a', 1)]), tuple('a', 1)); // true
 * pyHas(new Set([new FrozenSet([1, 2])]), new FrozenSet([2, 1])); // true
 * pyHas(new Set([1]), '1'); // false
 * ```
 */
export function pyHas(
  collection: ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>,
  key: unknown,
): boolean {
  return findKey(collection, key) !== NOT_FOUND;
}

const NOT_FOUND: unique symbol = /* @__PURE__ */ Symbol('not found');

function findKey(collection: ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>, key: unknown): unknown {
  if (collection.has(key)) return key;
  const texts = new KeyTexts(true);
  const c = texts.text(key);
  if (c.charCodeAt(0) === 0x6f /* o */) return NOT_FOUND; // compared by identity: has() answered
  for (const k of collection.keys()) if (texts.text(k) === c) return k;
  return NOT_FOUND;
}
