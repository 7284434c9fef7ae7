/**
 * The pickler's memo of objects by identity (lists, dicts, class instances,
 * bytes...: everything but strings and tuples of atoms, which have memos of
 * their own).
 *
 * JavaScript gives no address to hash, only V8's identity hash behind `Map`,
 * `Set` and `WeakMap`. A `Map` made for each dump grows by doubling, and once
 * its table passes 128 KiB every new table is a large object: fresh pages from
 * the system, which V8 gives back when the table dies. A dump of 300,000
 * objects made about 7,000 page faults for its memo alone, more than half the
 * time of the dump on a loaded machine (CPython's allocator keeps the memory
 * of its memo table from one dump to the next).
 *
 * This memo keeps one `WeakMap` for the life of the pickler, and tells the
 * entries of the current memo from those of earlier ones by a base that grows
 * at each `clear`: an entry holds `base + index`, and one below the current
 * base belongs to a memo that was cleared. A `WeakMap` holds no object alive,
 * so the entries of earlier dumps retain nothing of their values; the table
 * itself is kept (its capacity is what avoids the fresh pages), after a memo of up
 * to {@link KEEP_ENTRIES} entries.
 *
 * @module
 */

/** Entry values stay small integers (V8 Smis): a new table before the base passes this. */
const BASE_LIMIT = 2 ** 30;
/**
 * The most entries of one memo whose table `clear` keeps (about 16 MiB of
 * table): after a bigger memo, a new table, so that a pickler that once dumped
 * a huge value does not keep its table.
 */
const KEEP_ENTRIES = 1 << 19;

export class IdentityMemo {
  #table = new WeakMap<object, number>();
  /** Added to each index of the current memo. */
  #base = 0;
  /** Entries of the current memo. */
  #size = 0;
  /** One more than the largest index of the current memo. */
  #span = 0;

  get size(): number {
    return this.#size;
  }

  /** The memo index of `obj`, or undefined. */
  get(obj: unknown): number | undefined {
    if (typeof obj !== 'object' || obj === null) return undefined;
    const v = this.#table.get(obj);
    return v !== undefined && v >= this.#base ? v - this.#base : undefined;
  }

  /** Records `obj` (an object) at memo index `index` (below `2 ** 30`). */
  set(obj: object, index: number): void {
    this.#table.set(obj, this.#base + index);
    this.#size++;
    if (index >= this.#span) this.#span = index + 1;
  }

  /** Forgets every entry. */
  clear(): void {
    if (this.#size === 0) return;
    const size = this.#size;
    this.#size = 0;
    this.#base += this.#span;
    this.#span = 0;
    if (this.#base > BASE_LIMIT - BASE_LIMIT / 4 || size > KEEP_ENTRIES) {
      this.#table = new WeakMap();
      this.#base = 0;
    }
  }
}
