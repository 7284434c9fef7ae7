/**
 * A str the pickler writes as an object of its own.
 *
 * @module
 */

/**
 * A str object of its own (CPython makes a fresh str object): memoized by identity, never looked
 * up by value. In a module of its own so that the values that use it (numpy's dtypes and arrays)
 * do not bring the pickler into a bundle that only loads.
 * @internal
 */
export class FreshString {
  constructor(readonly text: string) {}
}
