/** The brand that marks an array as a Python tuple. `Symbol.for` so that copies of brine agree. */
export const TUPLE: unique symbol = Symbol.for('brine.tuple') as never;

/** A Python tuple: a frozen array marked with the tuple brand. */
export type Tuple<T = unknown> = readonly T[] & { readonly [TUPLE]: true };

/**
 * Builds a Python tuple from its items.
 *
 * @example Make a tuple and test for it
 * ```ts
 * import { tuple, isTuple } from 'brine';
 * const t = tuple(1, 'a');
 * isTuple(t); // true
 * isTuple([1, 'a']); // false
 * ```
 */
export function tuple<T>(...items: T[]): Tuple<T> {
  return markTuple(items);
}

/** True when `value` is a tuple (made by {@link tuple} or loaded from a pickle). */
export function isTuple(value: unknown): value is Tuple {
  return Array.isArray(value) && (value as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/**
 * Brands and freezes `items` in place and returns it as a tuple.
 * @internal
 */
export function markTuple<T>(items: T[]): Tuple<T> {
  (items as unknown as Record<symbol, unknown>)[TUPLE] = true;
  return Object.freeze(items) as unknown as Tuple<T>;
}

/** The empty tuple, shared like CPython's. */
export const EMPTY_TUPLE: Tuple<never> = markTuple<never>([]);
