/**
 * The pickler's memo of strings, by value. JavaScript strings have no
 * identity, so equal strings share one memo entry. Up to a few thousand
 * strings a `Map` is fastest (typed arrays are costly to create); past that,
 * a `Map` keyed by a million distinct strings costs several hundred
 * nanoseconds per lookup in V8, so the memo moves to an open-addressing table
 * over typed arrays. Its hash reads at most 64 characters (the first and last
 * 32) plus the length; equal hashes are confirmed by comparing the strings.
 *
 * @module
 */

const EMPTY = -1;
const EMPTY_HASHES = new Int32Array(0);
const EMPTY_TABLE = new Int32Array(0);

function hashString(s: string): number {
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

/** Strings held in the `Map` before the memo moves to the typed table. */
const SMALL = 2048;

export class StringMemo {
  /** The memo while it is small; null once it moved to the table. */
  #small: Map<string, number> | null = new Map();
  #keys: string[] = [];
  #values: number[] = [];
  /** Made on the first `set`: most small pickles memoize few strings, and typed arrays are costly to create. */
  #hashes: Int32Array = EMPTY_HASHES;
  #table: Int32Array = EMPTY_TABLE;
  #mask = 0;

  get size(): number {
    return this.#small === null ? this.#keys.length : this.#small.size;
  }

  /** The memo index of `s`, or -1. */
  get(s: string): number {
    if (this.#small !== null) return this.#small.get(s) ?? -1;
    const h = hashString(s);
    const table = this.#table;
    const mask = this.#mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot]!;
      if (e === EMPTY) return -1;
      if (this.#hashes[e] === h && this.#keys[e] === s) return this.#values[e]!;
    }
  }

  /** Records `s` at memo index `value` (`s` must not be present). */
  set(s: string, value: number): void {
    const small = this.#small;
    if (small !== null) {
      small.set(s, value);
      if (small.size < SMALL) return;
      this.#small = null;
      for (const [k, v] of small) this.#add(k, v);
      return;
    }
    this.#add(s, value);
  }

  #add(s: string, value: number): void {
    const e = this.#keys.length;
    if (e === 0 && this.#table === EMPTY_TABLE) {
      this.#hashes = new Int32Array(16);
      this.#table = new Int32Array(32).fill(EMPTY);
      this.#mask = 31;
    }
    if (e >= this.#hashes.length) {
      const hashes = new Int32Array(this.#hashes.length * 2);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
    }
    const h = hashString(s);
    this.#keys.push(s);
    this.#values.push(value);
    this.#hashes[e] = h;
    if ((e + 1) * 2 > this.#table.length) this.#rehash();
    else this.#insert(e, h);
  }

  clear(): void {
    this.#small = new Map();
    this.#keys = [];
    this.#values = [];
    this.#hashes = EMPTY_HASHES;
    this.#table = EMPTY_TABLE;
    this.#mask = 0;
  }

  #insert(e: number, h: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let slot = h & mask;
    while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
    table[slot] = e;
  }

  #rehash(): void {
    const size = this.#table.length * 2;
    this.#table = new Int32Array(size).fill(EMPTY);
    this.#mask = size - 1;
    const hashes = this.#hashes;
    for (let e = 0; e < this.#keys.length; e++) this.#insert(e, hashes[e]!);
  }
}
