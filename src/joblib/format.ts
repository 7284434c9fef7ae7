/**
 * joblib's file format, as `joblib.dump` writes it and `joblib.load` reads
 * it (joblib 0.10 and later): a pickle stream in which every numpy array is
 * replaced by a `joblib.numpy_pickle.NumpyArrayWrapper` (its BUILD state:
 * `subclass`, `shape`, `order`, `dtype`, `allow_mmap` and, since joblib 1.2,
 * `numpy_array_alignment_bytes`), followed in the stream, right after that
 * BUILD, by the array's raw bytes: a padding-length byte and that many
 * padding bytes (joblib 1.2+, so the data starts 16-byte aligned), then the
 * elements in the wrapper's `order`; object arrays are instead a complete
 * protocol-2 pickle of the array. The whole file may be compressed (zlib,
 * gzip, bz2, xz, lzma, lz4), each compressor recognised by its magic bytes.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject } from '../types/py-object.js';
import { isTuple } from '../types/tuple.js';

/** Raised for a joblib file that cannot be read (on top of the errors of the pickle and of decompression). */
export class JoblibError extends PickleError {
  /** Byte offset in the (decompressed) stream, when known. */
  readonly offset: number | undefined;
  /** The message without the offset. */
  readonly reason: string;
  constructor(reason: string, offset?: number) {
    super(
      offset === undefined
        ? `Cannot load joblib file: ${reason}`
        : `Cannot load joblib file at offset ${offset}: ${reason}`,
    );
    this.reason = reason;
    this.offset = offset;
  }
  override get name(): string {
    return 'JoblibError';
  }
}

/** The module of joblib's array wrappers. */
export const JOBLIB_MODULE = 'joblib.numpy_pickle';

/**
 * The globals a joblib file names for its own machinery: the array wrappers
 * of joblib 0.10+ (`NumpyArrayWrapper`) and of joblib before 0.10
 * (`NDArrayWrapper`, `ZNDArrayWrapper`, whose data lives in other files).
 * Each is a plain data holder: constructing one runs nothing.
 */
export const JOBLIB_SAFE_GLOBALS: readonly string[] = Object.freeze([
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'joblib.numpy_pickle_compat.NDArrayWrapper',
  'joblib.numpy_pickle_compat.ZNDArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle_compat.NDArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle_compat.ZNDArrayWrapper',
]);

/**
 * True for the classes of scikit-learn that pickles name as data: estimator,
 * transformer and helper classes (CamelCase names in `sklearn.*` modules),
 * which a pickle creates with `__new__` (NEWOBJ or
 * `copyreg._reconstructor`) and fills with BUILD, and the Cython classes
 * whose reduce calls the class with plain data (`sklearn.tree._tree.Tree`,
 * the neighbors trees, the loss classes). Functions (lower-case names) and
 * the modules that download, read files or run test helpers
 * (`sklearn.datasets`, `sklearn.utils._testing`, `sklearn.utils.estimator_checks`,
 * `sklearn.externals`) are excluded.
 *
 * @param module the global's module.
 * @param name the global's name.
 * @returns whether loading it is a data constructor.
 * @example
 * ```ts
 * import { isSklearnDataClass } from 'brine';
 * isSklearnDataClass('sklearn.linear_model._base', 'LinearRegression'); // true
 * isSklearnDataClass('sklearn.datasets', 'fetch_openml'); // false
 * ```
 */
export function isSklearnDataClass(module: string, name: string): boolean {
  if (module !== 'sklearn' && !module.startsWith('sklearn.')) return false;
  if (
    /^sklearn\.(datasets|externals|utils\._testing|utils\.estimator_checks|_build_utils|conftest|tests)(\.|$)/.test(
      module,
    )
  )
    return false;
  if (module.split('.').some((part) => part === 'tests' || part === 'conftest')) return false;
  return /^_?[A-Z][A-Za-z0-9_]*$/.test(name) && !name.includes('__');
}

/** What {@link joblibArrayWrapper} reads from a `NumpyArrayWrapper`'s BUILD state. */
export interface JoblibArrayInfo {
  /** The array's class (`numpy.ndarray`, `numpy.matrix`, `numpy.memmap`...). */
  readonly subclass: unknown;
  readonly shape: readonly number[];
  readonly order: 'C' | 'F';
  /** The dtype as loaded (a numpy `DType` when the numpy reconstructors are in the registry). */
  readonly dtype: unknown;
  /** `numpy_array_alignment_bytes`: 16 for joblib 1.2+ (a padding byte then padding precede the data), `null` before. */
  readonly alignment: number | null;
}

function isWrapperGlobal(g: unknown, name: string): boolean {
  return (
    g instanceof PyGlobal &&
    g.name === name &&
    (g.module === 'joblib.numpy_pickle' ||
      g.module === 'joblib.numpy_pickle_compat' ||
      g.module === 'sklearn.externals.joblib.numpy_pickle' ||
      g.module === 'sklearn.externals.joblib.numpy_pickle_compat')
  );
}

/** The class an inert object was made of: NEWOBJ's class, or `copyreg._reconstructor`'s first argument. */
function classOf(obj: PyObject): unknown {
  const c = obj.callable;
  if (
    c instanceof PyGlobal &&
    (c.module === 'copyreg' || c.module === 'copy_reg') &&
    (c.name === '_reconstructor' || c.name === '__newobj__')
  ) {
    return obj.args[0];
  }
  return c;
}

function stateEntries(state: unknown): Map<string, unknown> | undefined {
  if (state instanceof Map) {
    const m = new Map<string, unknown>();
    for (const [k, v] of state) if (typeof k === 'string') m.set(k, v);
    return m;
  }
  if (typeof state === 'object' && state !== null && Object.getPrototypeOf(state) === Object.prototype) {
    return new Map(Object.entries(state));
  }
  return undefined;
}

/** Which old joblib wrapper `obj` is (`NDArrayWrapper`, `ZNDArrayWrapper`), if any. */
export function oldJoblibWrapper(obj: unknown): string | undefined {
  if (!(obj instanceof PyObject)) return undefined;
  const cls = classOf(obj);
  for (const name of ['NDArrayWrapper', 'ZNDArrayWrapper']) if (isWrapperGlobal(cls, name)) return name;
  return undefined;
}

/**
 * Reads a `NumpyArrayWrapper` just built by BUILD: `undefined` when `obj` is
 * not one, its fields otherwise.
 *
 * @throws {@link JoblibError} for a wrapper whose state is not what joblib writes.
 */
export function joblibArrayWrapper(obj: unknown): JoblibArrayInfo | undefined {
  if (!(obj instanceof PyObject) || !isWrapperGlobal(classOf(obj), 'NumpyArrayWrapper')) return undefined;
  const state = stateEntries(obj.state);
  if (state === undefined) throw new JoblibError('NumpyArrayWrapper state is not a dict');
  const shapeValue = state.get('shape');
  if (!isTuple(shapeValue) && !Array.isArray(shapeValue))
    throw new JoblibError('NumpyArrayWrapper shape is not a tuple');
  const shape: number[] = [];
  for (const d of shapeValue as readonly unknown[]) {
    const n = typeof d === 'bigint' ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new JoblibError(`NumpyArrayWrapper shape has a bad dimension ${String(d)}`);
    }
    shape.push(n);
  }
  if (shape.length > 64) throw new JoblibError(`NumpyArrayWrapper shape has ${shape.length} dimensions`);
  const order = state.get('order') ?? 'C';
  if (order !== 'C' && order !== 'F') throw new JoblibError(`NumpyArrayWrapper order is ${String(order)}`);
  const alignment = state.get('numpy_array_alignment_bytes') ?? null;
  if (alignment !== null && typeof alignment !== 'number') {
    throw new JoblibError('NumpyArrayWrapper numpy_array_alignment_bytes is not an int');
  }
  return { subclass: state.get('subclass'), shape, order, dtype: state.get('dtype'), alignment };
}

/** Where an array's data sits after its wrapper's BUILD. */
export interface JoblibArraySpan {
  /** `'raw'`: `byteLength` raw bytes at `dataOffset`; `'pickle'`: a whole pickle (an object array) starts at `dataOffset`. */
  readonly kind: 'raw' | 'pickle';
  /** Where the data starts (after the padding). */
  readonly dataOffset: number;
  /** Raw bytes of data (`'raw'` only; 0 for `'pickle'`). */
  readonly byteLength: number;
  /** Where the pickle stream resumes (`'raw'` only; for `'pickle'`, after that pickle's STOP). */
  readonly end: number;
}

/**
 * Finds an array's data in a joblib stream, as `joblib.load` reads it: at
 * `offset` (just after the wrapper's BUILD), the padding-length byte and the
 * padding (when `alignment` is set), then `count × itemsize` raw bytes; an
 * object array (`hasObject`) is a whole pickle instead. Every size is checked
 * against the bytes there before anything is allocated. This is what a
 * scanner calls to skip the raw bytes as joblib does.
 *
 * @param data the (decompressed) joblib stream.
 * @param offset the offset just after the wrapper's BUILD opcode.
 * @param shape the wrapper's shape.
 * @param itemsize the dtype's itemsize.
 * @param options `alignment` (the wrapper's `numpy_array_alignment_bytes`, `null` for files before joblib 1.2) and `hasObject` (an object dtype).
 * @returns where the data is and where the pickle resumes.
 * @throws {@link JoblibError} when the data runs past the end of the stream.
 * @example
 * ```ts
 * import { type DType, dumpJoblib, joblibArraySpan, joblibArrayWrapper, loads, NDArray } from 'brine';
 * // as joblib.dump(np.zeros((3, 4))): the wrapper, its BUILD, padding, then 96 raw bytes
 * const stream = dumpJoblib(NDArray.from(new Float64Array(12), { shape: [3, 4] }));
 * const value = loads(stream, {
 *   afterBuild(built, offset, data) {
 *     const info = joblibArrayWrapper(built); // undefined for any other object
 *     if (info === undefined) return undefined;
 *     const { itemsize, hasObject } = info.dtype as DType;
 *     const span = joblibArraySpan(data, offset, info.shape, itemsize, { alignment: info.alignment, hasObject });
 *     return { value: `${span.byteLength} bytes at ${span.dataOffset}`, offset: span.end };
 *   },
 * });
 * value; // '96 bytes at 224': where the array's raw bytes are, skipped
 * ```
 */
export function joblibArraySpan(
  data: Uint8Array,
  offset: number,
  shape: readonly number[],
  itemsize: number,
  options: { alignment: number | null; hasObject: boolean },
): JoblibArraySpan {
  if (options.hasObject) return { kind: 'pickle', dataOffset: offset, byteLength: 0, end: offset };
  let pos = offset;
  if (options.alignment !== null) {
    if (pos >= data.length) throw new JoblibError('stream ends before the array padding', pos);
    const padding = data[pos]!;
    pos += 1 + padding;
    if (pos > data.length) throw new JoblibError('stream ends inside the array padding', offset);
  }
  let count = 1;
  let zero = false;
  for (const d of shape) {
    if (d === 0) zero = true;
    count *= d;
  }
  const length = zero ? 0 : count * itemsize;
  if (!Number.isSafeInteger(length) || length > data.length - pos) {
    throw new JoblibError(
      `array of shape (${shape.join(', ')}) and itemsize ${itemsize} needs ${length} bytes, ${data.length - pos} remain`,
      pos,
    );
  }
  return { kind: 'raw', dataOffset: pos, byteLength: length, end: pos + length };
}
