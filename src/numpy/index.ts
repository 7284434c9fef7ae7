/**
 * numpy support: the `NDArray` and `DType` value classes, numpy's pickle
 * constructors as a reconstructor table, and the `.npy` / `.npz` formats.
 *
 * @module
 */
export {
  type ByteOrder,
  DType,
  type DTypeField,
  type DTypeKind,
  type DTypeSubarray,
  structuredDType,
  subarrayDType,
} from './dtype.js';
export { type MaskedParts, NDArray, type NDArrayFromOptions, type TypedArray } from './ndarray.js';
export {
  type DumpNpzOptions,
  descrToDType,
  dumpNpy,
  dumpNpz,
  type LoadNpyOptions,
  type LoadNpzOptions,
  loadNpy,
  loadNpz,
} from './npy.js';
export { NUMPY_SAFE_GLOBALS, numpyTable } from './reconstructors.js';
export { numpyTypedArrays } from './typed-arrays.js';
