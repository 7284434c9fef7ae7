/**
 * The numpy globals that only build data, as plain data (no imports): the
 * scanner rates them `safe`, the reconstructor table handles them.
 *
 * @module
 */

/** numpy's modules of its pickle constructors: numpy 1 (`numpy.core`) and numpy 2 (`numpy._core`). */
export const NUMPY_CORE_MODULES = ['numpy.core', 'numpy._core'] as const;

/** ndarray subclasses numpy ships whose pickle is the ndarray's: loaded as NDArray, class kept. */
export const ARRAY_CLASSES: readonly (readonly [string, string])[] = [
  ['numpy', 'ndarray'],
  ['numpy', 'matrix'],
  ['numpy.matrixlib.defmatrix', 'matrix'],
  ['numpy', 'recarray'],
  ['numpy.rec', 'recarray'],
  ['numpy.core.records', 'recarray'],
  ['numpy._core.records', 'recarray'],
  ['numpy', 'memmap'],
  ['numpy.core.memmap', 'memmap'],
  ['numpy._core.memmap', 'memmap'],
];

/** Masked array classes (`numpy.ma`). */
export const MASKED_CLASSES: readonly (readonly [string, string])[] = [
  ['numpy.ma.core', 'MaskedArray'],
  ['numpy.ma', 'MaskedArray'],
];

/**
 * The numpy globals that only build data, each `'module.name'`: the pickle
 * constructors brine reconstructs, the array classes they take, and the
 * scalar type of a recarray's dtype. `memmap` is left out: called, it opens
 * a file.
 */
export const NUMPY_SAFE_GLOBALS: readonly string[] = [
  ...NUMPY_CORE_MODULES.flatMap((core) => [
    `${core}.multiarray._reconstruct`,
    `${core}.multiarray.scalar`,
    `${core}.numeric._frombuffer`,
  ]),
  'numpy.dtype',
  'numpy.ma.core._mareconstruct',
  ...ARRAY_CLASSES.filter(([, n]) => n !== 'memmap').map(([m, n]) => `${m}.${n}`),
  ...MASKED_CLASSES.map(([m, n]) => `${m}.${n}`),
  'numpy.record',
  'numpy.core.records.record',
  'numpy._core.records.record',
];
