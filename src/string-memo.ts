/**
 * The pickler's memo of strings, by value. JavaScript strings have no
 * identity, so equal strings share one memo entry. A `Map` keyed by a million
 * distinct strings costs several hundred nanoseconds per lookup in V8; this
 * open-addressing table over typed arrays costs a fraction of that. The hash
 * reads at most 64 characters (the first and last 32) plus the length; equal
 * hashes are confirmed by comparing the strings.
 *
 * @module
 */

const EMPTY = -1;

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

export class StringMemo {
  #keys: string[] = [];
  #values: number[] = [];
  #hashes = new Int32Array(16);
  #table = new Int32Array(32).fill(EMPTY);
  #mask = 31;

  get size(): number {
    return this.#keys.length;
  }

  /** The memo index of `s`, or -1. */
  get(s: string): number {
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
    const e = this.#keys.length;
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
    this.#keys = [];
    this.#values = [];
    this.#hashes = new Int32Array(16);
    this.#table = new Int32Array(32).fill(EMPTY);
    this.#mask = 31;
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
