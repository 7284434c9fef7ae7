/**
 * `dumpJoblib`: a file `joblib.load` reads, with arrays written as joblib
 * writes them (wrapper, padding, raw bytes).
 *
 * @module
 */

import { Registry } from '../default-registry.js';
import { NDArray } from '../numpy/ndarray.js';
import { DEFAULT_PROTOCOL, type DumpOptions, dumps } from '../pickler.js';
import type { ClassReduction } from '../reconstruct.js';
import { PyGlobal } from '../types/py-global.js';
import { tuple } from '../types/tuple.js';
import { deflateRaw, gzipWrap, zlibWrap } from './deflate.js';
import { JoblibError } from './format.js';

/** Options of {@link dumpJoblib}. */
export interface DumpJoblibOptions extends Omit<DumpOptions, 'registry' | 'bufferCallback'> {
  /**
   * Compression, as `joblib.dump`'s `compress`: `false`/`0` (default) for
   * none, `'zlib'` or `'gzip'` (level 3, joblib's default when compressing).
   * The compressed stream uses stored and fixed-Huffman deflate blocks:
   * every zlib and gzip reader reads it; it is smaller than the input only
   * for repetitive data.
   */
  compress?: false | 0 | 'zlib' | 'gzip';
}

const WRAPPER = new PyGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper');
const NDARRAY = new PyGlobal('numpy', 'ndarray');
const ALIGNMENT = 16;

/**
 * Dumps `value` as `joblib.dump` would: a pickle stream (protocol 4 unless
 * told, as joblib) in which each `NDArray` is a `NumpyArrayWrapper` followed
 * by its padding and raw bytes, so `joblib.load` (0.10 and later) returns
 * numpy arrays for them. Object arrays are written as joblib writes them: a
 * protocol-2 pickle of the array. Optionally zlib- or gzip-compressed.
 *
 * @param value the value (scikit-learn estimators loaded by {@link loadJoblib} or `loads` included).
 * @param options those of `dumps` (protocol...), and `compress`.
 * @returns the file's bytes.
 * @throws {@link PicklingError} for a value that cannot be pickled.
 * @example Write arrays for Python
 * ```ts
 * import { dumpJoblib, loadJoblib, NDArray } from 'brine';
 * const file = dumpJoblib({ weights: NDArray.from(new Float64Array([1, 2, 3])) }, { compress: 'zlib' });
 * // in Python: joblib.load(path)['weights'] is array([1., 2., 3.])
 * (loadJoblib(file) as { weights: NDArray }).weights.toArray(); // [1, 2, 3]
 * ```
 */
export function dumpJoblib(value: unknown, options?: DumpJoblibOptions): Uint8Array {
  const { compress, ...dumpOptions } = options ?? {};
  const protocol = dumpOptions.protocol ?? Math.min(4, DEFAULT_PROTOCOL);
  if (protocol < 2) throw new JoblibError('joblib files need pickle protocol 2 or higher');
  const registry = new Registry().registerClass(NDArray, {
    module: WRAPPER.module,
    name: WRAPPER.name,
    reduce(array: NDArray): ClassReduction {
      const dtype = array.dtype;
      const plain = array.pyClass.module === 'numpy' && array.pyClass.name === 'ndarray';
      const state = {
        subclass: plain ? NDARRAY : array.pyClass,
        shape: tuple(...array.shape),
        order: array.order,
        dtype,
        allow_mmap: !dtype.hasObject,
        numpy_array_alignment_bytes: ALIGNMENT,
      };
      if (dtype.hasObject) {
        const objects = new NDArray({
          dtype,
          shape: array.shape,
          order: array.order,
          objects: array.objects,
        });
        return { args: [], state, rawAfterBuild: dumps(objects, { protocol: 2 }) };
      }
      // As joblib: a padding-length byte, then padding (0xff) so the data starts 16-byte aligned in the stream.
      const rawAfterBuild = (offset: number): Uint8Array => {
        const padding = ALIGNMENT - ((offset + 1) % ALIGNMENT);
        const raw = new Uint8Array(1 + padding + array.bytes.length);
        raw[0] = padding;
        raw.fill(0xff, 1, 1 + padding);
        raw.set(array.bytes, 1 + padding);
        return raw;
      };
      return { args: [], state, rawAfterBuild };
    },
  });
  const out = dumps(value, { ...dumpOptions, protocol, registry });
  if (compress === 'zlib') return zlibWrap(deflateRaw(out), out);
  if (compress === 'gzip') return gzipWrap(deflateRaw(out), out);
  if (compress !== undefined && compress !== false && compress !== 0) {
    throw new JoblibError(`compress must be false, 'zlib' or 'gzip', not ${String(compress)}`);
  }
  return out;
}
