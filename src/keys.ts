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
import { PyFloat } from './types/builtins.js';
import { PyCounter, PyDefaultDict, PyDeque, PyOrderedDict } from './types/collections.js';
import { FrozenSet } from './types/frozen-set.js';
import { PyByteArray } from './types/py-bytearray.js';
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
 * The key already in `keys` that Python would take `key` for: `False` and
 * `0`, `True` and `1` are one key in Python (equal, with equal hashes), two in
 * a `Map`. Python keeps the first key and the last value.
 */
function equalKey(has: (k: unknown) => boolean, key: unknown): unknown {
  if (key === false || key === true) {
    const n = key ? 1 : 0;
    return has(n) ? n : key;
  }
  if (key === 0 || key === 1) {
    const b = key === 1;
    return has(b) ? b : key;
  }
  return key;
}

/** `map[key] = value` as a Python dict does it (see {@link pyKey} and {@link equalKey}). */
export function pyMapSet(map: Map<unknown, unknown>, key: unknown, value: unknown): unknown {
  const k = equalKey((x) => map.has(x), pyKey(key));
  map.set(k, value);
  return k;
}

/** `set.add(item)` as Python does it (see {@link pyKey} and {@link equalKey}). */
export function pySetAdd(set: Set<unknown>, item: unknown): void {
  set.add(equalKey((x) => set.has(x), pyKey(item)));
}

/** {@link pyKey} of every item, for a set or frozenset built from a list, without the items Python merges. */
export function pyKeys(items: Iterable<unknown>): unknown[] {
  const seen = new Set<unknown>();
  for (const item of items) pySetAdd(seen, item);
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
