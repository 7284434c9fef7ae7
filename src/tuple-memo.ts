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
 * `Map` instead (`get` returns {@link OVERFLOW} to tell the caller to look there), so no lookup
 * walks more than that many equal hashes.
 *
 * @module
 */
import { rehashSlots } from './string-memo.js';

const EMPTY_TABLE = new Int32Array(0);
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
 * sampled (length and up to four characters), a bigint is its low 32 bits, and
 * booleans, null and undefined hash as small negative ints: a weak hash only
 * makes probe chains longer, never a wrong answer, since identity decides.
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
        h = mix(h, v ? -1 : -2);
        break;
      case 'bigint':
        h = mix(h, Number(BigInt.asIntN(32, v)));
        break;
      default:
        // null and undefined
        if (v != null) return NOT_ATOMS;
        h = mix(h, v === null ? -3 : -4);
    }
  }
  return (h ^ (h >>> 15)) | 0;
}

/** What {@link TupleMemo.get} returns for a tuple of a hash the table has no room for (see MAX_EQUAL). */
export const OVERFLOW = -2;

/** Entries added but not yet placed in the table (see {@link TupleMemo}). */
const PENDING = 128;

/** The filter's two bits for the hash `h` (in the word {@link TupleMemo}'s `#word` picks). */
function filterBits(h: number): number {
  return (1 << (h & 31)) | (1 << ((h >>> 5) & 31));
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
   * reading the table. Never empty, all clear when the memo is.
   */
  #filter = new Int32Array(1);
  /** Tuples in entry order (cleared after use: no reference outlives the memo). */
  #refs: unknown[] = [];
  /**
   * Memo index of each entry, as long as the table's capacity (half its
   * slots), made with the table. (The entries' hashes are in the table, which
   * growth rehashes from; `clear` hashes the few entries it empties again,
   * rather than keep an array of them.)
   */
  #indices: Int32Array = EMPTY_TABLE;
  #count = 0;
  /**
   * Entries from `#placed` on are not yet in the table: their hashes are in
   * `#pending`, and they are placed PENDING at a time, or before a lookup
   * that the filter lets through. A new tuple (a clear filter bit) then costs
   * no read of the table: the placements of a batch are independent of each
   * other, so the processor overlaps their cache misses, where a probe per
   * tuple waited for each.
   */
  #placed = 0;
  #pending = new Int32Array(PENDING);
  /**
   * The memo index of `tuple` (whose items hash to `h`), -1 when it is not
   * here, or {@link OVERFLOW} when it is not here and belongs to the
   * pickler's Map (to look up there, and to memoize there).
   */
  get(tuple: readonly unknown[], h: number): number {
    const bits = filterBits(h);
    if ((this.#filter[this.#word(h)]! & bits) !== bits) return -1;
    this.#place();
    const mask = this.#mask;
    const table = this.#table;
    let equal = 0;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[2 * slot + 1]!;
      if (e === 0) return equal >= MAX_EQUAL ? OVERFLOW : -1;
      if (table[2 * slot] === h) {
        if (this.#refs[e - 1] === tuple) return this.#indices[e - 1]!;
        equal++;
      }
    }
  }

  /**
   * Records `tuple` at memo index `index`, right after a `get` of it that
   * returned -1.
   */
  add(tuple: readonly unknown[], h: number, index: number): void {
    const e = this.#count;
    // In order: at most at the end of the array, which grows by one there.
    this.#refs[e] = tuple;
    this.#count = e + 1;
    this.#pending[e - this.#placed] = h;
    if ((e + 1) * 2 > this.#mask + 1) {
      // The table twice as large, every entry placed, a filter of its hashes, room for the indices.
      const slots = (this.#mask + 1) * 2 || 2048;
      const table = rehashSlots(this.#table, slots);
      this.#table = table;
      this.#mask = slots - 1;
      this.#place();
      this.#filter = new Int32Array(slots >> 4);
      for (let i = 0; i < table.length; i += 2) if (table[i + 1] !== 0) this.#mark(table[i]!);
      const indices = new Int32Array(slots >> 1);
      indices.set(this.#indices);
      this.#indices = indices;
    } else {
      this.#mark(h);
      if (e + 1 - this.#placed === PENDING) this.#place();
    }
    this.#indices[e] = index;
  }

  /** The filter's word for the hash `h`: from the hash mixed again, not the table's slot bits. */
  #word(h: number): number {
    return (mix(h, h >>> 16) >>> 10) & (this.#filter.length - 1);
  }

  #mark(h: number): void {
    this.#filter[this.#word(h)]! |= filterBits(h);
  }

  /** Places the pending entries in the table. */
  #place(): void {
    const table = this.#table;
    const mask = this.#mask;
    for (let e = this.#placed; e < this.#count; e++) {
      const h = this.#pending[e - this.#placed]!;
      let slot = h & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = e + 1;
    }
    this.#placed = this.#count;
  }

  /** Forgets every tuple; the table and arrays are kept (emptied) for the next use, up to KEEP_SLOTS. */
  clear(): void {
    if (this.#count === 0) return;
    this.#place();
    if (this.#mask + 1 > KEEP_SLOTS) {
      this.#table = EMPTY_TABLE;
      this.#mask = -1;
      this.#refs = [];
      this.#indices = EMPTY_TABLE;
      this.#filter.fill(0);
    } else if (this.#count * 16 <= this.#mask + 1) {
      // A few entries in a big table (a small dump after a big one, or a few tuples in the first
      // table of 2048 slots): each entry's slot is found again from its hash (its items' again: a
      // tuple never changes) and emptied, instead of filling the whole table.
      this.#emptySlots();
    } else this.#wipe();
    this.#count = 0;
    this.#placed = 0;
  }

  /** Empties the table, the filter and the references. */
  #wipe(): void {
    this.#refs.fill(undefined, 0, this.#count);
    this.#table.fill(0);
    this.#filter.fill(0);
  }

  /**
   * Empties the slot and the filter word of every entry and drops the
   * references (every entry is in the table, placed by the hash of its
   * items). An entry not found where its hash leads (none should be) empties
   * the whole table.
   */
  #emptySlots(): void {
    const table = this.#table;
    const mask = this.#mask;
    const refs = this.#refs;
    const count = this.#count;
    for (let e = 0; e < count; e++) {
      const h = hashAtoms(refs[e] as readonly unknown[]);
      this.#filter[this.#word(h)] = 0;
      let slot = h & mask;
      let probes = 0;
      while (table[2 * slot + 1] !== e + 1 && probes <= mask) {
        slot = (slot + 1) & mask;
        probes++;
      }
      if (probes > mask) {
        this.#wipe();
        return;
      }
      table[2 * slot] = 0;
      table[2 * slot + 1] = 0;
      refs[e] = undefined;
    }
  }
}
