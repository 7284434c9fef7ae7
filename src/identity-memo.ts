/**
 * The pickler's memo of objects by identity (lists, dicts, class instances,
 * bytes...: everything but strings and tuples of atoms, which have memos of
 * their own), for one memo's life (cleared between dumps).
 *
 * JavaScript gives no address to hash, only V8's identity hash behind `Map`
 * and `Set`. Most objects of a value are met once: the memo is asked about
 * each (a miss) and records each, and is read back only for the few objects a
 * value shares. So the memo is a `Set` of the objects in the order they were
 * memoized, with their memo indices in an `Int32Array` by that order: a
 * `Set`'s table has two words an entry where a `Map`'s has three (fewer fresh
 * pages as it grows: V8 allocates a table past 128 KiB as a large object, on
 * pages new from the system), and measured alone, a `has` and an `add` on a
 * `Set` cost about 80% of a `get` and a `set` on a `Map` for 300,000 objects.
 *
 * The index of an object met again is found by walking the `Set` in order to
 * the object. That walk is bounded: once the walks of one memo have passed
 * over twice as many entries as the memo holds, the memo becomes a `Map`
 * (built once, from the `Set` and the indices) and answers by it from then on.
 * A value that shares objects from its start pays the `Map` from near its
 * start; one that shares nothing, or little, never builds one.
 *
 * Before the `Set`, the first 16 objects sit in two small arrays kept between
 * memos and are searched one by one: a small dump (a handful of containers)
 * makes no `Set` and pays no hashing.
 *
 * A memo that starts empty for a value an exact load returned follows the
 * load's {@link ObjectRecord} instead (see exact-objects.ts: the objects the
 * pickle memoized, by memo index, none twice): an object about to be
 * memoized at index n that is the record's object n is new (no lookup), and
 * is recorded by one bit; an object the pickle read back is found by a small
 * `Map` of those and its bit. The first object that does not fit (the value
 * changed since it was loaded) turns the memo into the ordinary one: every
 * object recorded by a bit enters the first tier or the `Set` with its index
 * (linear in the memo's size, once), and the memo goes on as above. Plain
 * objects are the exception: a record holds none (an exact load's dicts are
 * `Map`s), so one the pickler meets is new or in a small `Map` of its own
 * (a state a reducer made, as a UUID's), without leaving the record; so are
 * the str objects the pickler makes itself (`FreshString`: bytes below
 * protocol 3).
 *
 * @module
 */

import { type ObjectRecord, sharedObjects } from './exact-objects.js';
import { FreshString } from './fresh-string.js';
import { recentUse } from './recent-use.js';

/** Memos that stopped following a record (see `#leave`), for the tests. */
let leaves = 0;

/** How many memos stopped following a record so far. @internal */
export function memoLeaves(): number {
  return leaves;
}

/**
 * What {@link IdentityMemo.probe} returns for an object that a memo following
 * a record cannot place without a lookup: it is not the record's next object,
 * nor one the pickle read back.
 */
export const UNSURE = -1;

/** The largest index array `clear` keeps for the next memo (4 MiB), while recent memos needed one that size. */
const KEEP_IDS = 1 << 20;
/** Objects held in the first tier's arrays, compared one by one, before the memo moves to the `Set`. */
const FEW = 16;
/** What #place returns for an object not in the memo. */
const ABSENT = -2;

export class IdentityMemo {
  /**
   * First tier: the first FEW objects and their indices, in two arrays kept
   * (emptied) between memos, searched one by one. A small dump memoizes a
   * handful of containers: this costs no `Set` to make and fill per dump.
   * `#fewCount` is -1 once the memo moved to #seen.
   */
  readonly #few: (object | null)[] = new Array<object | null>(FEW).fill(null);
  readonly #fewIds = new Int32Array(FEW);
  #fewCount = 0;
  /** The objects, in the order they were memoized (past the first tier). */
  #seen = new Set<object>();
  /** The memo index of each object of #seen, by its position there. */
  #ids = new Int32Array(1024);
  /** Set once the walks grew too long: every object and its index (#seen is then not used). */
  #map: Map<object, number> | null = null;
  /** Entries passed over by the walks of this memo. */
  #walked = 0;
  /** Calls of `set` so far (never reset): an object absent at one version is absent while it lasts. */
  version = 0;
  /** Objects past the first tier at the end of recent memos: #ids keeps no more than twice that. */
  readonly #idsUse = recentUse(8);
  /** While the memo follows a record: its objects by memo index (see the module), else null. */
  #loaded: readonly unknown[] | null = null;
  /** The objects of #loaded the pickle read back -> their index (null: none). */
  #shared: Map<object, number> | null = null;
  /** One bit per index of #loaded: set once its object is memoized. All clear outside a record. */
  #bits = new Int32Array(32);
  /** `version` before the record was followed (`version` is -1 meanwhile). */
  #versionBefore = 0;
  /** The record holds no plain object (see ObjectRecord): plain objects are memoized in #plain meanwhile. */
  #noPlain = false;
  /** Objects the pickler made for this dump (see `made`; made on first use). */
  #made: Set<object> | null = null;
  /** Objects memoized while the memo follows a record that are none of the record's (see #isPlain; made on first use). */
  #plain: Map<object, number> | null = null;

  /** True when the memo holds nothing. */
  get empty(): boolean {
    if (this.#loaded !== null) return false;
    return this.#fewCount === 0 || (this.#fewCount < 0 && this.#map === null && this.#seen.size === 0);
  }

  /**
   * Follows `record` from here on (see the module), when the memo is empty:
   * true then. Meanwhile `version` is -1 (the pickler's skipped lookups rest
   * on it: see `Pickler#absentAt`), and every lookup says where the next object is
   * memoized (`next`).
   */
  follow(record: ObjectRecord): boolean {
    if (this.#loaded !== null || this.#fewCount !== 0) return false;
    const objects = record.objects;
    const words = (objects.length >> 5) + 1;
    if (this.#bits.length < words) this.#bits = new Int32Array(words);
    this.#loaded = objects;
    this.#shared = sharedObjects(record);
    this.#noPlain = record.noPlain;
    this.#versionBefore = this.version;
    this.version = -1;
    return true;
  }

  /**
   * The memo index of `obj`, or undefined; `next`: the index the pickler
   * memoizes at next.
   */
  get(obj: unknown, next = -1): number | undefined {
    const loaded = this.#loaded;
    if (loaded !== null) {
      const index = this.#place(obj, next, loaded);
      if (index !== UNSURE) return index < 0 ? undefined : index;
      this.#leave();
    }
    return this.#get(obj);
  }

  /**
   * As `get`, except that a memo following a record answers {@link UNSURE}
   * (no lookup) for an object it cannot place: one the pickler memoizes only
   * after its parts (a tuple, a reduction) may take that for "not there" if
   * it looks again (`get`) before memoizing it.
   */
  probe(obj: unknown, next: number): number | undefined {
    const loaded = this.#loaded;
    if (loaded !== null) {
      const index = this.#place(obj, next, loaded);
      return index === ABSENT ? undefined : index;
    }
    return this.#get(obj);
  }

  /** A record's answer for `obj`: its index, ABSENT, or UNSURE. */
  #place(obj: unknown, next: number, loaded: readonly unknown[]): number {
    // The record holds no object twice: its object `next`, not memoized yet, is at no other index.
    if (loaded[next] === obj) return ABSENT;
    const shared = this.#shared;
    if (shared !== null) {
      const k = shared.get(obj as object);
      if (k !== undefined) return (this.#bits[k >> 5]! & (1 << (k & 31))) !== 0 ? k : ABSENT;
    }
    if (this.#isPlain(obj)) return this.#plain?.get(obj as object) ?? ABSENT;
    return UNSURE;
  }

  /**
   * True for an object that is none of the record's: a str object the pickler made (`FreshString`), or
   * a plain object while the record holds none. It is in #plain or not memoized.
   */
  #isPlain(obj: unknown): boolean {
    if (typeof obj !== 'object' || obj === null) return false;
    if (obj instanceof FreshString || this.#made?.has(obj)) return true;
    return this.#noPlain && Object.getPrototypeOf(obj) === Object.prototype;
  }

  /**
   * Tells a memo following a record that the pickler made `obj` for this
   * dump (the arguments of a reduction it writes for a built-in value): none
   * of the record's objects, so memoized as the plain ones are.
   */
  made(obj: object): void {
    if (this.#loaded === null) return;
    this.#made ??= new Set();
    this.#made.add(obj);
  }

  /** Stops following the record: every object it memoized enters the memo with its index, in index order. */
  #leave(): void {
    leaves++;
    const loaded = this.#loaded!;
    const plain = this.#plain;
    this.#loaded = null;
    this.#shared = null;
    this.#plain = null;
    this.#made = null;
    this.version = this.#versionBefore;
    if (plain !== null) for (const [obj, index] of plain) this.set(obj, index);
    const bits = this.#bits;
    const words = (loaded.length >> 5) + 1;
    for (let w = 0; w < words; w++) {
      let b = bits[w]!;
      if (b === 0) continue;
      bits[w] = 0;
      while (b !== 0) {
        const low = b & -b;
        const i = (w << 5) + 31 - Math.clz32(low);
        this.set(loaded[i] as object, i);
        b ^= low;
      }
    }
  }

  #get(obj: unknown): number | undefined {
    const count = this.#fewCount;
    if (count >= 0) {
      const few = this.#few;
      for (let i = 0; i < count; i++) if (few[i] === obj) return this.#fewIds[i];
      return undefined;
    }
    const map = this.#map;
    if (map !== null) return map.get(obj as object);
    if (!this.#seen.has(obj as object)) return undefined;
    return this.#find(obj as object);
  }

  /** The index of `obj`, which #seen holds: a walk to it, or the Map once the walks have cost enough. */
  #find(obj: object): number | undefined {
    const seen = this.#seen;
    if (this.#walked > 2 * seen.size + 4096) {
      this.#toMap();
      return this.#map!.get(obj);
    }
    let pos = 0;
    for (const o of seen) {
      if (o === obj) break;
      pos++;
    }
    this.#walked += pos + 1;
    return this.#ids[pos];
  }

  /** Records `obj` at memo index `index` (an object memoized again takes its new index, as in a Map). */
  set(obj: object, index: number): void {
    const loaded = this.#loaded;
    if (loaded !== null) {
      if (loaded[index] === obj) {
        this.#bits[index >> 5]! |= 1 << (index & 31);
        return;
      }
      if (this.#isPlain(obj)) {
        this.#plain ??= new Map();
        this.#plain.set(obj, index);
        return;
      }
      this.#leave();
    }
    this.version++;
    const count = this.#fewCount;
    if (count >= 0) {
      const few = this.#few;
      for (let i = 0; i < count; i++)
        if (few[i] === obj) {
          this.#fewIds[i] = index;
          return;
        }
      if (count < FEW) {
        few[count] = obj;
        this.#fewIds[count] = index;
        this.#fewCount = count + 1;
        return;
      }
      this.#promote();
    }
    const map = this.#map;
    if (map !== null) {
      map.set(obj, index);
      return;
    }
    const seen = this.#seen;
    const n = seen.size;
    seen.add(obj);
    if (seen.size === n) {
      this.#toMap();
      this.#map!.set(obj, index);
      return;
    }
    if (n >= this.#ids.length) {
      const ids = new Int32Array(this.#ids.length * 2);
      ids.set(this.#ids);
      this.#ids = ids;
    }
    this.#ids[n] = index;
  }

  /** Moves the first tier's objects to #seen (empty until now), in memo order. */
  #promote(): void {
    const few = this.#few;
    const seen = this.#seen;
    for (let i = 0; i < FEW; i++) {
      seen.add(few[i]!);
      this.#ids[i] = this.#fewIds[i]!;
      few[i] = null;
    }
    this.#fewCount = -1;
  }

  #toMap(): void {
    const map = new Map<object, number>();
    const ids = this.#ids;
    let pos = 0;
    for (const o of this.#seen) map.set(o, ids[pos++]!);
    this.#map = map;
    this.#seen = new Set();
  }

  /** Forgets every object (new tables: a cleared Set or Map keeps nothing of its size anyway). */
  clear(): void {
    const loaded = this.#loaded;
    if (loaded !== null) {
      this.#bits.fill(0, 0, (loaded.length >> 5) + 1);
      this.#loaded = null;
      this.#shared = null;
      this.#plain = null;
      this.#made = null;
      this.version = this.#versionBefore;
      if (this.#bits.length > KEEP_IDS) this.#bits = new Int32Array(32);
    }
    const count = this.#fewCount;
    const ids = this.#ids.length;
    if (
      ids > 1024 &&
      ids > Math.min(KEEP_IDS, 2 * this.#idsUse(count < 0 ? (this.#map ?? this.#seen).size : 0))
    )
      this.#ids = new Int32Array(1024);
    if (count >= 0) {
      const few = this.#few;
      for (let i = 0; i < count; i++) few[i] = null;
      this.#fewCount = 0;
      return;
    }
    this.#fewCount = 0;
    if (this.#map === null && this.#seen.size === 0) return;
    this.#seen = new Set();
    this.#map = null;
    this.#walked = 0;
  }
}
