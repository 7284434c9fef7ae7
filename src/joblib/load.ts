/**
 * `loadJoblib`: what `joblib.load` returns, through brine's safe unpickler.
 *
 * @module
 */

import { DEFAULT_MAX_OUTPUT } from '../formats/compress/errors.js';
import { decompress, sniffCompression } from '../formats/compress/index.js';
import { DType, NATIVE } from '../numpy/dtype.js';
import { NDArray } from '../numpy/ndarray.js';
import type { LoadOptions } from '../options.js';
import { PyGlobal } from '../types/py-global.js';
import { Unpickler } from '../unpickler.js';
import { JoblibError, joblibArraySpan, joblibArrayWrapper, oldJoblibWrapper } from './format.js';

/** Options of {@link loadJoblib}: those of `loads`, and a cap on decompressed size. */
export interface LoadJoblibOptions extends Omit<LoadOptions, 'afterBuild'> {
  /** The most bytes a compressed file may decompress to (default 1 GiB). */
  maxOutput?: number;
}

const PLAIN_CLASSES = new Set([
  'numpy.ndarray',
  'numpy.memmap',
  'numpy.core.memmap.memmap',
  'numpy._core.memmap.memmap',
]);

/** Byte-swaps each `size`-byte unit of `bytes` into a new array. */
function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size)
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

/**
 * joblib returns arrays in native byte order (`_ensure_native_byte_order`):
 * swap a big-endian number array as it does. Structured dtypes keep their
 * fields' order.
 */
function nativeOrder(dtype: DType, bytes: Uint8Array): [DType, Uint8Array] {
  if (
    dtype.byteorder === '|' ||
    dtype.byteorder === NATIVE ||
    dtype.fields !== null ||
    dtype.subarray !== null
  ) {
    return [dtype, bytes];
  }
  const unit = dtype.kind === 'c' ? dtype.itemsize / 2 : dtype.kind === 'U' ? 4 : dtype.itemsize;
  return [dtype.withByteOrder(NATIVE), swapped(bytes, unit)];
}

/**
 * The hook that reads an array's data after its wrapper's BUILD. `options`
 * are those of the outer load, used for object arrays' nested pickles.
 */
function arrayReader(options: LoadOptions): NonNullable<LoadOptions['afterBuild']> {
  return (built, offset, data) => {
    const info = joblibArrayWrapper(built);
    if (info === undefined) {
      const old = oldJoblibWrapper(built);
      if (old !== undefined) {
        throw new JoblibError(
          `${old} (joblib before 0.10, arrays stored in separate${old === 'ZNDArrayWrapper' ? ' zlib-compressed' : ''} .npy files) is not supported: load and dump the file again with a recent joblib`,
        );
      }
      return undefined;
    }
    const dtype = info.dtype;
    if (!(dtype instanceof DType))
      throw new JoblibError('NumpyArrayWrapper dtype is not a numpy dtype', offset);
    const span = joblibArraySpan(data, offset, info.shape, dtype.itemsize, {
      alignment: info.alignment,
      hasObject: dtype.hasObject,
    });
    if (span.kind === 'pickle') {
      const inner = new Unpickler(data.subarray(offset), { ...options, afterBuild: undefined });
      const value = inner.load();
      return { value, offset: offset + inner.position };
    }
    const raw = data.subarray(span.dataOffset, span.end);
    const [native, bytes] = nativeOrder(dtype, raw);
    const subclass = info.subclass;
    const keep = subclass instanceof PyGlobal && !PLAIN_CLASSES.has(`${subclass.module}.${subclass.name}`);
    const array = new NDArray({
      dtype: native,
      shape: info.shape,
      order: info.order,
      bytes: options.copyBytes ? bytes.slice() : bytes,
      ...(keep ? { pyClass: subclass } : {}),
    });
    return { value: array, offset: span.end };
  };
}

/**
 * Loads a file written by `joblib.dump`, as `joblib.load` does: the file is
 * decompressed first when it starts with a compressor's magic (zlib, gzip,
 * bz2, xz, lzma; lz4 and zstd are recognised and refused), then its pickle is
 * read by brine's safe unpickler, each `NumpyArrayWrapper` replaced by an
 * `NDArray` of the raw bytes that follow it (a view into the input when the
 * file is not compressed). Arrays come back in native byte order, as joblib
 * returns them. Everything else loads as `loads` loads it: scikit-learn
 * estimators are inert `PyObject`s whose array attributes are `NDArray`s.
 * Files of joblib before 0.10 (`NDArrayWrapper`, `ZNDArrayWrapper`: arrays in
 * separate files) are refused with a clear message.
 *
 * @param data the file's bytes.
 * @param options those of `loads`, and `maxOutput` for compressed files (default 1 GiB).
 * @returns the value `joblib.load` returns.
 * @throws {@link UnpicklingError} for a bad pickle; {@link DecompressionError} for bad
 *   compressed data; {@link JoblibError} (within an UnpicklingError) for array data that does not fit.
 * @example Load a scikit-learn model saved with joblib.dump
 * ```ts
 * import { loadJoblib, NDArray, PyObject } from 'brine';
 * // Python: joblib.dump(LinearRegression().fit(X, y), 'model.joblib')
 * const model = loadJoblib(readFixture('test/fixtures/sklearn/LinearRegression.joblib')) as PyObject;
 * const coef = (model.state as Record<string, unknown>).coef_ as NDArray;
 * coef.toArray(); // the coefficients, as coef_.tolist()
 * ```
 */
export function loadJoblib(data: Uint8Array, options?: LoadJoblibOptions): unknown {
  let bytes = data;
  const format = sniffCompression(data);
  if (format !== undefined)
    bytes = decompress(data, { format, maxOutput: options?.maxOutput ?? DEFAULT_MAX_OUTPUT });
  else if (data[0] === 0x5a && data[1] === 0x46) {
    throw new JoblibError(
      'a joblib file before 0.9.3 (ZF header, arrays in separate files) is not supported',
      0,
    );
  }
  const { maxOutput: _, ...loadOptions } = options ?? {};
  const unpickler = new Unpickler(bytes, { ...loadOptions, afterBuild: arrayReader(loadOptions) });
  return unpickler.load();
}
