/**
 * The pickler's memo of strings, by value. JavaScript strings have no
 * identity, so equal strings share one memo entry. Up to a few thousand
 * strings a `Map` is fastest (typed arrays are costly to create); past that,
 * a `Map` keyed by a million distinct strings costs several hundred
 * nanoseconds per lookup in V8, so the memo moves to an open-addressing table
 * over one typed array. Each slot holds the hash and the entry number side by
 * side (one cache line per probe; 0 marks an empty slot, so a new table needs
 * no fill); the strings and their memo indices are kept in entry order. The
 * hash reads at most 64 characters (the first and last 32) plus the length;
 * equal hashes are confirmed by comparing the strings.
 *
 * The pickler looks a string up, writes it, then records it: `get` remembers
 * where a missed string's probe stopped, so the `set` that follows stores it
 * there without hashing or probing again.
 *
 * @module
 */

import { recentUse } from './recent-use.js';

const EMPTY_TABLE = new Int32Array(0);
const EMPTY_INDICES = new Int32Array(0);
const EMPTY_NEXT = new Int8Array(0);

/** The memo's hash of a string (at most 64 characters read). */
export function hashString(s: string): number {
  const n = s.length;
  let h = n | 0;
  if (n <= 64) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
  } else {
    for (let i = 0; i < 32; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
    for (let i = n - 32; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
  }
  return (h ^ (h >>> 15)) | 0;
}

/** Strings held in the arrays of the first tier before the memo moves to a `Map` (at most 128). */
const FEW = 64;
/** Slots of the first tier's index (a power of two). */
const FEW_SLOTS = 2048;
/** Generations of the first tier's index before its stamps are zeroed (stamps hold generation << 7). */
const GENERATIONS = 1 << 24;

/** A hash of the length and three characters, for the first tier's index. */
function quickHash(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let h = Math.imul(n ^ s.charCodeAt(0), 0x9e3779b1);
  h = Math.imul(h ^ s.charCodeAt(n - 1), 0x85ebca6b);
  h = Math.imul(h ^ s.charCodeAt(n >> 1), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Strings held in the `Map` before the memo moves to the typed table. */
const SMALL = 2048;
/**
 * The largest table `clear` keeps for reuse (16 MiB of slots, 4 MiB of
 * indices, 8 MiB of keys): a million strings. It keeps it only while recent
 * dumps needed one that size (see recent-use.ts).
 */
const KEEP_SLOTS = 1 << 21;

export class StringMemo {
  /**
   * First tier, up to FEW strings: the strings and their memo indices in two
   * arrays, with an index by {@link quickHash}: each slot holds the
   * generation that stamped it and the newest entry of the strings that
   * hashed there, which are chained. A slot not stamped in this generation
   * means the string is not there; a stamped slot names the entry to compare,
   * and when it holds another string its chain is followed (only strings of
   * the same slot are compared). Emptying the index is a new generation. Most strings of a small dump are new: each costs three
   * character reads and two stores, where a `Map` grew its table several
   * times per dump. The arrays are made on first use and kept (emptied)
   * between dumps. `#fewCount` is -1 once the memo moved on.
   */
  #few: string[] | null = null;
  #fewIndices: Int32Array = EMPTY_INDICES;
  /** The entry after each in its slot's chain (-1 at the end): the entries of one slot, newest first. */
  #fewNext: Int8Array = EMPTY_NEXT;
  #stamps: Int32Array = EMPTY_INDICES;
  #generation = 1;
  #fewCount = 0;
  /** The last string `get` missed on the first tier's index, and its slot. */
  #missedFew: string | null = null;
  #missedFewSlot = 0;
  /** The memo while it is small (after the first tier); null once it moved to the table. */
  #small: Map<string, number> | null = null;
  /** Strings in entry order. */
  #keys: string[] = [];
  /** Memo index of each entry. */
  #indices: Int32Array = EMPTY_INDICES;
  #count = 0;
  /** Slot pairs [hash, entry + 1]: entry + 1 is 0 for an empty slot. */
  #table: Int32Array = EMPTY_TABLE;
  /** Slots - 1 (a power of two less one). */
  #mask = 0;
  /** The last string `get` missed, with its hash and the empty slot its probe ended at. */
  #missed: string | null = null;
  #missedHash = 0;
  #missedSlot = 0;
  /** Entries in the table at the end of recent memos: a table far bigger is not kept. */
  readonly #tableUse = recentUse(40);

  get size(): number {
    if (this.#fewCount >= 0) return this.#fewCount;
    return this.#small === null ? this.#count : this.#small.size;
  }

  /** The memo index of `s`, or -1. Small, so that V8 inlines it: the first tier here, the rest in #getLater. */
  get(s: string): number {
    const count = this.#fewCount;
    if (count < 0) return this.#getLater(s);
    if (count === 0) return -1;
    const slot = quickHash(s) & (FEW_SLOTS - 1);
    const stamp = this.#stamps[slot]!;
    if (stamp >>> 7 !== this.#generation) {
      this.#missedFew = s;
      this.#missedFewSlot = slot;
      return -1;
    }
    const e = stamp & 127;
    if (this.#few![e] === s) return this.#fewIndices[e]!;
    return this.#chain(s, e);
  }

  /**
   * The memo index of `s`; when it is absent, records it at memo index
   * `value` and returns -1 (the caller then writes it and memoizes it at
   * `value`). One probe where `get` then `set` make two; small, so that V8
   * inlines it: the first tier here, the rest in #lookupOrAddLater.
   */
  lookupOrAdd(s: string, value: number): number {
    const count = this.#fewCount;
    const few = this.#few;
    if (count < 0 || count >= FEW || few === null) return this.#lookupOrAddLater(s, value);
    const slot = quickHash(s) & (FEW_SLOTS - 1);
    const stamp = this.#stamps[slot]!;
    const generation = this.#generation;
    if (stamp >>> 7 !== generation) {
      this.#fewNext[count] = -1;
    } else {
      const e = stamp & 127;
      if (few[e] === s) return this.#fewIndices[e]!;
      const found = this.#chain(s, e);
      if (found >= 0) return found;
      this.#fewNext[count] = e;
    }
    // The new entry heads its slot's chain.
    this.#stamps[slot] = (generation << 7) | count;
    few[count] = s;
    this.#fewIndices[count] = value;
    this.#fewCount = count + 1;
    return -1;
  }

  /** `lookupOrAdd` past the first tier, or on its first use. */
  #lookupOrAddLater(s: string, value: number): number {
    const index = this.get(s);
    if (index >= 0) return index;
    this.set(s, value);
    return -1;
  }

  /** `get` past the first tier. */
  #getLater(s: string): number {
    if (this.#small !== null) return this.#small.get(s) ?? -1;
    return this.getHashed(s, hashString(s));
  }

  /** The memo index of `s`, whose {@link hashString} is `h`, or -1. */
  getHashed(s: string, h: number): number {
    // The first tier and the Map do not use the hash.
    if (this.#fewCount >= 0) return this.get(s);
    if (this.#small !== null) return this.#small.get(s) ?? -1;
    const table = this.#table;
    const mask = this.#mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[2 * slot + 1]!;
      if (e === 0) {
        this.#missed = s;
        this.#missedHash = h;
        this.#missedSlot = slot;
        return -1;
      }
      if (table[2 * slot] === h && this.#keys[e - 1] === s) return this.#indices[e - 1]!;
    }
  }

  /**
   * The first tier's search, when the slot of `s` is headed by entry `e`,
   * another string: the entries of the same slot, by their chain (strings of
   * the same quick hash, such as numbered names, are compared with each other
   * only, not with every string of the tier).
   */
  #chain(s: string, e: number): number {
    const few = this.#few!;
    const next = this.#fewNext;
    for (e = next[e]!; e >= 0; e = next[e]!) if (few[e] === s) return this.#fewIndices[e]!;
    return -1;
  }

  /** Records `s` at memo index `value` (`s` must not be present). Small, so that V8 inlines it: the first tier here. */
  set(s: string, value: number): void {
    const count = this.#fewCount;
    const few = this.#few;
    if (count < 0 || count >= FEW || few === null) {
      this.#setLater(s, value);
      return;
    }
    const slot = this.#missedFew === s ? this.#missedFewSlot : quickHash(s) & (FEW_SLOTS - 1);
    this.#missedFew = null;
    // The new entry heads its slot's chain, after the entry that headed it in this generation, if any.
    const stamp = this.#stamps[slot]!;
    this.#fewNext[count] = stamp >>> 7 === this.#generation ? stamp & 127 : -1;
    this.#stamps[slot] = (this.#generation << 7) | count;
    few[count] = s;
    this.#fewIndices[count] = value;
    this.#fewCount = count + 1;
  }

  /** `set` past the first tier, or its first use (the arrays made). */
  #setLater(s: string, value: number): void {
    const count = this.#fewCount;
    if (count >= 0) {
      if (count < FEW) {
        this.#few = new Array<string>(FEW).fill('');
        this.#fewIndices = new Int32Array(FEW);
        this.#fewNext = new Int8Array(FEW);
        this.#stamps = new Int32Array(FEW_SLOTS);
        this.set(s, value);
        return;
      }
      // Past FEW strings: on to the Map, with the strings so far.
      const small = new Map<string, number>();
      const few = this.#few!;
      for (let i = 0; i < count; i++) small.set(few[i]!, this.#fewIndices[i]!);
      few.fill('', 0, count);
      this.#fewCount = -1;
      this.#small = small;
    }
    const small = this.#small;
    if (small !== null) {
      small.set(s, value);
      if (small.size < SMALL) return;
      this.#small = null;
      // A table kept by clear() is reused as it is; else a new one.
      if (this.#table.length === 0) this.#grow(4 * SMALL);
      for (const [k, v] of small) this.#add(k, v, hashString(k), -1);
      return;
    }
    if (this.#missed === s) {
      this.#missed = null;
      this.#add(s, value, this.#missedHash, this.#missedSlot);
    } else {
      this.#add(s, value, hashString(s), -1);
    }
  }

  /** Adds an entry; `slot` is its empty slot when known, else -1. */
  #add(s: string, value: number, h: number, slot: number): void {
    const e = this.#count;
    if (e >= this.#indices.length) {
      const indices = new Int32Array(this.#indices.length * 2);
      indices.set(this.#indices);
      this.#indices = indices;
    }
    if (e < this.#keys.length) this.#keys[e] = s;
    else this.#keys.push(s);
    this.#indices[e] = value;
    this.#count = e + 1;
    if ((e + 1) * 2 > this.#mask + 1) {
      // Past half full: a table twice the size, made from the old table's slots (which do not hold
      // this entry yet); the known slot is stale, so the entry is placed by probing.
      this.#grow((this.#mask + 1) * 2);
      slot = -1;
    }
    this.#insert(e, h, slot);
  }

  /**
   * Forgets every string. The table and arrays are kept (emptied) for the
   * next use, up to {@link KEEP_SLOTS}: fresh memory costs a page fault per
   * page on first touch, more than the rest of the work on a big memo.
   */
  clear(): void {
    const count = this.#fewCount;
    this.#missedFew = null;
    // A kept table more than twice the size the recent memos needed (they grow it past half full) is dropped.
    if (this.#mask !== 0 && 4 * Math.max(this.#tableUse(count < 0 ? this.#count : 0), SMALL) <= this.#mask)
      this.#drop();
    if (count >= 0) {
      if (count > 0) {
        // A loop, not fill(): for a few dozen items a builtin call costs more than the stores.
        const few = this.#few!;
        for (let i = 0; i < count; i++) few[i] = '';
        this.#fewCount = 0;
        this.#nextGeneration();
      }
      return;
    }
    this.#fewCount = 0;
    this.#nextGeneration();
    if (this.#small !== null) {
      // Dropped, not cleared: the memo lives on between calls and becomes an old object, and a
      // cleared Map regrows young tables that it then points to (write barriers on every set).
      this.#small = null;
      return;
    }
    this.#missed = null;
    if (this.#mask + 1 > KEEP_SLOTS) this.#drop();
    else if (this.#mask !== 0) {
      // Emptied in place (setting length to 0 would free the backing store).
      this.#keys.fill('', 0, this.#count);
      this.#table.fill(0);
    }
    this.#count = 0;
  }

  /** Lets the table and its arrays go (the memo is empty, or emptied right after). */
  #drop(): void {
    this.#keys = [];
    this.#indices = EMPTY_INDICES;
    this.#table = EMPTY_TABLE;
    this.#mask = 0;
    this.#count = 0;
  }

  /** Empties the first tier's index: a new generation, the stamps zeroed once in 2^24. */
  #nextGeneration(): void {
    if (++this.#generation >= GENERATIONS) {
      this.#stamps.fill(0);
      this.#generation = 1;
    }
  }

  #insert(e: number, h: number, known: number): void {
    const table = this.#table;
    let slot = known;
    if (slot < 0) {
      const mask = this.#mask;
      slot = h & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    }
    table[2 * slot] = h;
    table[2 * slot + 1] = e + 1;
  }

  /** A table of `slots` slots (a power of two) holding every entry; room for entries to match. */
  #grow(slots: number): void {
    this.#missed = null;
    if (this.#indices.length < slots / 2) {
      const indices = new Int32Array(slots / 2);
      indices.set(this.#indices.subarray(0, this.#count));
      this.#indices = indices;
    }
    // The hashes move from the old table: no string is read again.
    this.#table = rehashSlots(this.#table, slots);
    this.#mask = slots - 1;
  }
}

/**
 * A table of `slots` slot pairs [hash, entry + 1] (a power of two; 0 marks an
 * empty slot) holding every entry of `old`, placed by linear probing from its
 * stored hash: the open-addressing tables of the string and tuple memos grow
 * through it without reading their keys again.
 */
export function rehashSlots(old: Int32Array, slots: number): Int32Array {
  const table = new Int32Array(2 * slots);
  const mask = slots - 1;
  for (let i = 1; i < old.length; i += 2) {
    const e1 = old[i]!;
    if (e1 === 0) continue;
    const h = old[i - 1]!;
    let slot = h & mask;
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = h;
    table[2 * slot + 1] = e1;
  }
  return table;
}
