/**
 * The pickler's memo of objects, by identity. A dump of a small value memoizes
 * a handful of objects: those are kept in two short arrays, compared by
 * identity (a pointer comparison each), which the pickler reuses from call to
 * call. Past {@link LINEAR} objects the memo moves to a `Map`.
 *
 * @module
 */

/** Objects held in the arrays before the memo moves to a `Map`. */
const LINEAR = 16;

export class ObjectMemo {
  /** The first objects memoized, in order (null past `#count`). */
  readonly #keys: unknown[] = new Array<unknown>(LINEAR).fill(null);
  /** Their memo indices. */
  readonly #values: number[] = new Array<number>(LINEAR).fill(0);
  #count = 0;
  /** Every object once there were more than LINEAR, else null. */
  #map: Map<unknown, number> | null = null;

  /** The memo index of `obj`, or undefined. */
  get(obj: unknown): number | undefined {
    const map = this.#map;
    if (map !== null) return map.get(obj);
    const keys = this.#keys;
    const n = this.#count;
    for (let i = 0; i < n; i++) if (keys[i] === obj) return this.#values[i];
    return undefined;
  }

  /** Records `obj` at memo index `value` (`obj` must not be present). */
  set(obj: unknown, value: number): void {
    const map = this.#map;
    if (map !== null) {
      map.set(obj, value);
      return;
    }
    const n = this.#count;
    const keys = this.#keys;
    if (n < LINEAR) {
      keys[n] = obj;
      this.#values[n] = value;
      this.#count = n + 1;
      return;
    }
    const moved = new Map<unknown, number>();
    for (let i = 0; i < n; i++) moved.set(keys[i], this.#values[i]!);
    moved.set(obj, value);
    keys.fill(null, 0, n);
    this.#count = 0;
    this.#map = moved;
  }

  /** Forgets every object (no reference is kept). */
  clear(): void {
    this.#map = null;
    if (this.#count > 0) {
      this.#keys.fill(null, 0, this.#count);
      this.#count = 0;
    }
  }
}
