/**
 * The typed arrays the array classes of the library folders (numpy's
 * `NDArray`, torch's `Tensor`) answer with.
 *
 * @module
 */

/** A typed array of any kind `toTypedArray()` returns: 8-byte ints as `BigInt64Array` / `BigUint64Array`. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;
