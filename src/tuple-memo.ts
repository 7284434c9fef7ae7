/**
 * The pickler's memo of tuples whose items are all atoms (numbers, strings,
 * booleans, bigints, null, undefined), by identity, without V8's `Map`.
 *
 * A tuple is a frozen array: its items never change, so a hash of its items
 * is the same every time the pickler meets it, and the memo can find a tuple
 * by that hash and confirm it by identity (`===`). That makes it an
 * open-addressing table over one typed array (slot pairs [hash, entry + 1],
 * 0 for an empty slot, as the string memo), where a `Map` keyed by object
 * costs a lookup and an insertion through V8's identity hash: two probes at
 * random places of a table that, for 500,000 tuples, is far out of the cache.
 *
 * Equal items give equal hashes: many distinct tuples of equal items (a
 * thousand separate `(0, 0)`) would make one long probe chain. Past
 * {@link MAX_EQUAL} entries of one hash, a tuple goes to the pickler's
 * `Map` instead (`overflow` tells the caller to look there), so no lookup
 * walks more than that many equal hashes.
 *
 * @module
 */
import { rehashSlots } from './string-memo.js';

const EMPTY_TABLE = new Int32Array(0);
const EMPTY_INDICES = new Int32Array(0);
/** Entries of one hash kept in the table; the others go to the pickler's Map. */
const MAX_EQUAL = 8;
/** The largest table `clear` keeps for reuse (8 MiB of slots). */
const KEEP_SLOTS = 1 << 20;

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x9e3779b1);
}

/** What {@link hashAtoms} returns for items that are not all atoms (not an int32). */
export const NOT_ATOMS = 0.5;

/**
 * A hash of the items of a tuple of atoms, or {@link NOT_ATOMS}. Strings are
 * sampled (length and up to four characters): a weak hash only makes probe
 * chains longer, never a wrong answer, since identity decides.
 */
export function hashAtoms(items: readonly unknown[]): number {
  const n = items.length;
  let h = n;
  for (let i = 0; i < n; i++) {
    const v = items[i];
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v) h = mix(h, v);
        else {
          f64[0] = v;
          h = mix(mix(h, i32[0]!), i32[1]!);
        }
        break;
      case 'string': {
        const len = v.length;
        h = mix(h, len);
        if (len > 0) {
          h = mix(h, v.charCodeAt(0) | (v.charCodeAt(len - 1) << 16));
          if (len > 2) h = mix(h, v.charCodeAt(len >> 1) | (v.charCodeAt(len >> 2) << 16));
        }
        break;
      }
      case 'boolean':
        h = mix(h, v ? 0x7001 : 0x7002);
        break;
      case 'bigint':
        h = mix(h, Number(BigInt.asIntN(32, v)) ^ 0x5bd1e995);
        break;
      case 'undefined':
        h = mix(h, 0x7004);
        break;
      default:
        if (v !== null) return NOT_ATOMS;
        h = mix(h, 0x7003);
    }
  }
  return (h ^ (h >>> 15)) | 0;
}

export class TupleMemo {
  /** Slot pairs [hash, entry + 1]. */
  #table: Int32Array = EMPTY_TABLE;
  #mask = -1;
  /** Tuples in entry order (cleared after use: no reference outlives the memo). */
  #refs: unknown[] = [];
  /**
   * Memo index of each entry. (The entries' hashes are in the table, which
   * `#grow` rehashes from; `clear` hashes the few entries it empties again,
   * rather than keep an array of them: 4 bytes an entry, and as much again in
   * the arrays outgrown, 4 MB of a 500,000-tuple dump's peak.)
   */
  #indices: Int32Array = EMPTY_INDICES;
  #count = 0;
  /** Where the last missed lookup's probe ended (the empty slot `add` fills), -1 when unknown. */
  #missedSlot = -1;
  /** Set by `get` when it missed and the tuple may be in the pickler's Map (its hash is full). */
  overflow = false;

  /**
   * The memo index of `tuple` (whose items hash to `h`), or -1. After a
   * miss, `overflow` says whether the tuple belongs to the pickler's Map
   * (to look up there, and to memoize there).
   */
  get(tuple: readonly unknown[], h: number): number {
    const mask = this.#mask;
    if (mask < 0) {
      this.#missedSlot = -1;
      this.overflow = false;
      return -1;
    }
    const table = this.#table;
    let equal = 0;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[2 * slot + 1]!;
      if (e === 0) {
        this.#missedSlot = slot;
        this.overflow = equal >= MAX_EQUAL;
        return -1;
      }
      if (table[2 * slot] === h) {
        if (this.#refs[e - 1] === tuple) return this.#indices[e - 1]!;
        equal++;
      }
    }
  }

  /**
   * Records `tuple` at memo index `index`, right after a `get` of it that
   * missed without `overflow` (the slot it found is used).
   */
  add(tuple: readonly unknown[], h: number, index: number): void {
    const e = this.#count;
    if (e >= this.#indices.length) {
      const indices = new Int32Array(Math.max(1024, this.#indices.length * 2));
      indices.set(this.#indices);
      this.#indices = indices;
    }
    if (e < this.#refs.length) this.#refs[e] = tuple;
    else this.#refs.push(tuple);
    this.#indices[e] = index;
    this.#count = e + 1;
    if ((e + 1) * 2 > this.#mask + 1) {
      this.#grow(Math.max(2048, (this.#mask + 1) * 2), h);
      return;
    }
    let slot = this.#missedSlot;
    if (slot < 0 || this.#table[2 * slot + 1] !== 0) {
      slot = h & this.#mask;
      while (this.#table[2 * slot + 1] !== 0) slot = (slot + 1) & this.#mask;
    }
    this.#table[2 * slot] = h;
    this.#table[2 * slot + 1] = e + 1;
    this.#missedSlot = -1;
  }

  /** Forgets every tuple; the table and arrays are kept (emptied) for the next use, up to KEEP_SLOTS. */
  clear(): void {
    if (this.#count === 0) return;
    this.#missedSlot = -1;
    if (this.#mask + 1 > KEEP_SLOTS) {
      this.#table = EMPTY_TABLE;
      this.#mask = -1;
      this.#refs = [];
      this.#indices = EMPTY_INDICES;
    } else if (this.#count * 16 <= this.#mask + 1) {
      // A few entries in a big table (a small dump after a big one, or a few tuples in the first
      // table of 2048 slots): each entry's slot is found again from its hash (its items' again: a
      // tuple never changes) and emptied, instead of filling the whole table.
      this.#emptySlots();
    } else {
      this.#refs.fill(undefined, 0, this.#count);
      this.#table.fill(0);
    }
    this.#count = 0;
  }

  /**
   * Empties the slot of every entry and drops the references (every entry is
   * in the table, placed by the hash of its items). An entry not found where
   * its hash leads (none should be) empties the whole table.
   */
  #emptySlots(): void {
    const table = this.#table;
    const mask = this.#mask;
    const refs = this.#refs;
    const count = this.#count;
    for (let e = 0; e < count; e++) {
      const h = hashAtoms(refs[e] as readonly unknown[]);
      let slot = h & mask;
      let probes = 0;
      while (table[2 * slot + 1] !== e + 1 && probes <= mask) {
        slot = (slot + 1) & mask;
        probes++;
      }
      if (probes > mask) {
        refs.fill(undefined, 0, count);
        table.fill(0);
        return;
      }
      table[2 * slot] = 0;
      table[2 * slot + 1] = 0;
      refs[e] = undefined;
    }
  }

  /** A table of `slots` slots holding every entry (rehashed from the stored hashes); `h` is the new last entry's. */
  #grow(slots: number, h: number): void {
    this.#missedSlot = -1;
    const table = rehashSlots(this.#table, slots);
    const mask = slots - 1;
    // The entry just added (not yet in the old table).
    const e = this.#count - 1;
    let slot = h & mask;
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = h;
    table[2 * slot + 1] = e + 1;
    this.#table = table;
    this.#mask = mask;
  }
}
