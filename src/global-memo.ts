/**
 * The pickler's memo of globals, by module and name.
 *
 * @module
 */

/** Globals held in the arrays before the memo moves to a `Map`. */
const LINEAR = 16;

/**
 * The pickler's memo of globals, by module and name (one class is one object
 * in Python, however many `PyGlobal`s name it). The first {@link LINEAR}
 * globals are kept in arrays and compared by their two strings, with no key
 * string made per lookup; past them the memo moves to a `Map` keyed by
 * `module\nname`.
 */
export class GlobalMemo {
  readonly #modules: string[] = new Array<string>(LINEAR).fill('');
  readonly #names: string[] = new Array<string>(LINEAR).fill('');
  readonly #values: number[] = new Array<number>(LINEAR).fill(0);
  #count = 0;
  #map: Map<string, number> | null = null;

  /** The memo index of the global `module.name`, or undefined. */
  get(module: string, name: string): number | undefined {
    const map = this.#map;
    if (map !== null) return map.get(`${module}\n${name}`);
    const names = this.#names;
    const n = this.#count;
    for (let i = 0; i < n; i++) if (names[i] === name && this.#modules[i] === module) return this.#values[i];
    return undefined;
  }

  /** Records the global `module.name` at memo index `value`. */
  set(module: string, name: string, value: number): void {
    const map = this.#map;
    if (map !== null) {
      map.set(`${module}\n${name}`, value);
      return;
    }
    const n = this.#count;
    if (n < LINEAR) {
      this.#modules[n] = module;
      this.#names[n] = name;
      this.#values[n] = value;
      this.#count = n + 1;
      return;
    }
    const moved = new Map<string, number>();
    for (let i = 0; i < n; i++) moved.set(`${this.#modules[i]}\n${this.#names[i]}`, this.#values[i]!);
    moved.set(`${module}\n${name}`, value);
    this.#forget();
    this.#map = moved;
  }

  /** Forgets every global (no reference is kept). */
  clear(): void {
    this.#map = null;
    if (this.#count > 0) this.#forget();
  }

  #forget(): void {
    this.#modules.fill('', 0, this.#count);
    this.#names.fill('', 0, this.#count);
    this.#count = 0;
  }
}
