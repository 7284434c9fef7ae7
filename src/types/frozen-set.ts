import { cpythonSetOrder, PY_REPR_RECURSIVE, pyRepr } from '../repr.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REPR } from './protocol.js';
import type { ReprFn } from './py-repr.js';

const setAdd = Set.prototype.add;

/**
 * A Python `frozenset`: a `Set` that cannot change after it is built
 * (`add`, `delete` and `clear` throw a `TypeError`).
 */
export class FrozenSet<T = unknown> extends Set<T> {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  constructor(items?: Iterable<T> | null) {
    super();
    if (items != null) for (const item of items) setAdd.call(this, item);
    Object.freeze(this);
  }
  override add(_value: T): this {
    throw new TypeError('Cannot add to a FrozenSet');
  }
  override delete(_value: T): boolean {
    throw new TypeError('Cannot delete from a FrozenSet');
  }
  override clear(): void {
    throw new TypeError('Cannot clear a FrozenSet');
  }
  /** Python's repr: `frozenset({1, 2})`, `frozenset()`. */
  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    if (this.size === 0) return 'frozenset()';
    return `frozenset({${cpythonSetOrder([...this])
      .map((v) => repr(v))
      .join(', ')}})`;
  }
  /** A frozenset met again inside itself. */
  get [PY_REPR_RECURSIVE](): string {
    return 'frozenset(...)';
  }
}
