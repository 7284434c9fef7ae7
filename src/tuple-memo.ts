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

/** Entries added but not yet placed in the table (see {@link TupleMemo}). */
const PENDING = 128;

/**
 * The filter's word for `h`, and its two bits: a second mix of the hash, so
 * that the filter's bits are not the table's slot bits.
 */
function filterMix(h: number): number {
  return Math.imul(h ^ (h >>> 16), 0x85ebca6b);
}

export class TupleMemo {
  /** Slot pairs [hash, entry + 1]. */
  #table: Int32Array = EMPTY_TABLE;
  #mask = -1;
  /**
   * A filter of the hashes of every entry (two bits of one 32-bit word per
   * hash, 2 bits per slot of the table: at least 4 per entry; 256 KiB for
   * 500,000 tuples). Small enough to stay mostly in the cache where the table
   * (8 MiB) is not: a clear bit says that no entry has this hash, without
   * reading the table.
   */
  #filter: Int32Array = EMPTY_INDICES;
  #filterMask = 0;
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
  /**
   * Entries from `#placed` on are not yet in the table: their hashes are in
   * `#pending`, and they are placed PENDING at a time. A new tuple (a clear
   * filter bit) then costs no read of the table: the placements of a batch are
   * independent of each other, so the processor overlaps their cache misses,
   * where a probe per tuple waited for each.
   */
  #placed = 0;
  #pending = new Int32Array(PENDING);
  /** Set by `get` when it missed and the tuple may be in the pickler's Map (its hash is full). */
  overflow = false;

  /**
   * The memo index of `tuple` (whose items hash to `h`), or -1. After a
   * miss, `overflow` says whether the tuple belongs to the pickler's Map
   * (to look up there, and to memoize there).
   */
  get(tuple: readonly unknown[], h: number): number {
    this.overflow = false;
    if (this.#count === 0) return -1;
    const g = filterMix(h);
    const bits = (1 << (g & 31)) | (1 << ((g >>> 5) & 31));
    if ((this.#filter[(g >>> 10) & this.#filterMask]! & bits) !== bits) return -1;
    const refs = this.#refs;
    let equal = 0;
    // The entries not yet placed, then the table.
    const pending = this.#pending;
    const placed = this.#placed;
    for (let i = 0, e = placed; e < this.#count; i++, e++) {
      if (pending[i] === h) {
        if (refs[e] === tuple) return this.#indices[e]!;
        equal++;
      }
    }
    const mask = this.#mask;
    const table = this.#table;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[2 * slot + 1]!;
      if (e === 0) {
        this.overflow = equal >= MAX_EQUAL;
        return -1;
      }
      if (table[2 * slot] === h) {
        if (refs[e - 1] === tuple) return this.#indices[e - 1]!;
        equal++;
      }
    }
  }

  /**
   * Records `tuple` at memo index `index`, right after a `get` of it that
   * missed without `overflow`.
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
      // The table (and its filter) twice as large, every entry placed.
      this.#pending[e - this.#placed] = h;
      this.#table = rehashSlots(this.#table, Math.max(2048, (this.#mask + 1) * 2));
      this.#mask = (this.#table.length >> 1) - 1;
      this.#place();
      this.#refilter();
      return;
    }
    const g = filterMix(h);
    this.#filter[(g >>> 10) & this.#filterMask]! |= (1 << (g & 31)) | (1 << ((g >>> 5) & 31));
    this.#pending[e - this.#placed] = h;
    if (e + 1 - this.#placed === PENDING) this.#place();
  }

  /** Places the pending entries in the table. */
  #place(): void {
    const table = this.#table;
    const mask = this.#mask;
    const pending = this.#pending;
    const count = this.#count;
    for (let i = 0, e = this.#placed; e < count; i++, e++) {
      const h = pending[i]!;
      let slot = h & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = e + 1;
    }
    this.#placed = count;
  }

  /** A filter of 2 bits per slot of the table, from the hashes the table holds. */
  #refilter(): void {
    const table = this.#table;
    const words = table.length >> 5; // 2 ints a slot, 2 bits a slot
    const filter = new Int32Array(words);
    const fmask = words - 1;
    for (let i = 1; i < table.length; i += 2) {
      if (table[i] === 0) continue;
      const g = filterMix(table[i - 1]!);
      filter[(g >>> 10) & fmask]! |= (1 << (g & 31)) | (1 << ((g >>> 5) & 31));
    }
    this.#filter = filter;
    this.#filterMask = fmask;
  }

  /** Forgets every tuple; the table and arrays are kept (emptied) for the next use, up to KEEP_SLOTS. */
  clear(): void {
    if (this.#count === 0) return;
    if (this.#mask + 1 > KEEP_SLOTS) {
      this.#table = EMPTY_TABLE;
      this.#mask = -1;
      this.#filter = EMPTY_INDICES;
      this.#filterMask = 0;
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
      this.#filter.fill(0);
    }
    this.#count = 0;
    this.#placed = 0;
  }

  /**
   * Empties the slot and the filter word of every entry and drops the
   * references (every placed entry is in the table, placed by the hash of its
   * items). An entry not found where its hash leads (none should be) empties
   * the whole table.
   */
  #emptySlots(): void {
    const table = this.#table;
    const mask = this.#mask;
    const refs = this.#refs;
    const count = this.#count;
    const filter = this.#filter;
    const fmask = this.#filterMask;
    for (let e = 0; e < count; e++) {
      const h = hashAtoms(refs[e] as readonly unknown[]);
      filter[(filterMix(h) >>> 10) & fmask] = 0;
      refs[e] = undefined;
      if (e >= this.#placed) continue;
      let slot = h & mask;
      let probes = 0;
      while (table[2 * slot + 1] !== e + 1 && probes <= mask) {
        slot = (slot + 1) & mask;
        probes++;
      }
      if (probes > mask) {
        refs.fill(undefined, 0, count);
        table.fill(0);
        filter.fill(0);
        return;
      }
      table[2 * slot] = 0;
      table[2 * slot + 1] = 0;
    }
  }
}
