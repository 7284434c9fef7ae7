/**
 * A Python tuple: a frozen array. Freezing is the mark: loaded lists are never
 * frozen, and `isTuple` is `Array.isArray(x) && Object.isFrozen(x)`. A brand
 * property would cost a second allocation per tuple (tuples are the most
 * common container of a pickle), freezing costs nothing measurable; see
 * docs/decisions.md.
 */
export type Tuple<T = unknown> = readonly T[];

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
  return Object.freeze(items);
}

/** True when `value` is a tuple: a frozen array (made by {@link tuple} or loaded from a pickle). */
export function isTuple(value: unknown): value is Tuple {
  return Array.isArray(value) && Object.isFrozen(value);
}

/**
 * Freezes `items` in place and returns it as a tuple.
 * @internal
 */
export function markTuple<T>(items: T[]): Tuple<T> {
  return Object.freeze(items);
}

/** The empty tuple, shared like CPython's. */
export const EMPTY_TUPLE: Tuple<never> = Object.freeze([]);
