/**
 * JS typed arrays written as numpy arrays instead of `array.array`.
 *
 * @module
 */

import { Registry } from '../default-registry.js';
import { PY_REDUCE } from '../types/protocol.js';
import type { TypedArray } from '../types/typed-array.js';
import { NDArray } from './ndarray.js';

/** Every typed array class with a numpy dtype of its own, except `Uint8Array` (which is `bytes`). */
const TYPED_ARRAY_CLASSES = [
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Float32Array,
  Float64Array,
] as const;

/**
 * Registers a reducer for every JS typed array class in `registry`, so that
 * `dumps` writes an `Int32Array`, `Float64Array`, `BigInt64Array` ... as a
 * one-dimensional numpy array of the same dtype (`int32`, `float64`, `int64`;
 * `Uint8ClampedArray` as `uint8`), as numpy itself pickles one at each
 * protocol. Without it, a typed array dumps as Python's `array.array` of the
 * same machine type. A `Uint8Array` is `bytes` either way.
 *
 * @param registry - the registry to add to (default: a new one).
 * @returns `registry`, for chaining and for `dumps(value, { registry })`.
 *
 * @example Dump a Float32Array as a numpy array
 * ```ts
 * import { NDArray, dumps, loads, numpyTypedArrays } from 'brine';
 * const data = dumps({ weights: new Float32Array([0.5, 1.5]) }, { registry: numpyTypedArrays() });
 * const back = loads(data) as { weights: NDArray };
 * back.weights.dtype.name; // 'float32'
 * [...back.weights.toArray() as number[]]; // [0.5, 1.5]
 * ```
 */
export function numpyTypedArrays(registry: Registry = new Registry()): Registry {
  for (const cls of TYPED_ARRAY_CLASSES) {
    registry.registerReducer(
      cls as abstract new () => TypedArray | Uint8ClampedArray,
      (array, protocol, options) => {
        const data =
          array instanceof Uint8ClampedArray
            ? new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
            : array;
        return NDArray.from(data)[PY_REDUCE](protocol, options);
      },
    );
  }
  return registry;
}
