/**
 * Reading the arrays a pandas pickle holds: numpy arrays (the blocks of a
 * frame, the data of an index) and pandas' extension arrays (Categorical,
 * the masked arrays of nullable ints and booleans, datetimes with a time
 * zone, strings), which load as inert `PyObject`s and are read here as data.
 *
 * Cells follow brine's value model: an int is a `number` when it is a safe
 * integer and a `bigint` beyond, a float a `number`, a datetime or timedelta
 * a `bigint` count of its unit since the epoch (nanoseconds for pandas), and
 * a missing value of an extension array (`pd.NA`, NaT, a category code of -1,
 * a masked slot) is `null`.
 *
 * @module
 */
import { DType } from '../numpy/dtype.js';
import { NDArray } from '../numpy/ndarray.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject } from '../types/py-object.js';
import { isTuple } from '../types/tuple.js';

/** A reason an array is not one brine reads; the caller reports it. @internal */
export class NotUnderstood extends Error {}

/** Throws {@link NotUnderstood}. @internal */
export function notUnderstood(reason: string): never {
  throw new NotUnderstood(reason);
}

/** The int64 NaT sentinel of numpy and pandas. */
const NAT = -(2n ** 63n);

/** A dict value of a loaded state (a plain object or a `Map`). @internal */
export function dictGet(dict: unknown, key: string): unknown {
  if (dict instanceof Map) return dict.get(key);
  if (typeof dict === 'object' && dict !== null && Object.getPrototypeOf(dict) === Object.prototype)
    return Object.hasOwn(dict, key) ? (dict as Record<string, unknown>)[key] : undefined;
  return undefined;
}

/** True for a dict of a loaded state. @internal */
export function isDict(value: unknown): boolean {
  return (
    value instanceof Map ||
    (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)
  );
}

/** True for `module.name` (one of `names`) as a loaded global. @internal */
export function isGlobal(value: unknown, module: string | null, ...names: string[]): value is PyGlobal {
  return (
    value instanceof PyGlobal && (module === null || value.module === module) && names.includes(value.name)
  );
}

/** A number from a loaded int, if it is one. @internal */
export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (
    typeof value === 'bigint' &&
    value >= BigInt(Number.MIN_SAFE_INTEGER) &&
    value <= BigInt(Number.MAX_SAFE_INTEGER)
  )
    return Number(value);
  return undefined;
}

/** An int64 as brine gives Python ints: a number when safe, else a bigint. @internal */
export function intCell(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/**
 * The class of an inert object: the first argument of Cython's
 * `__pyx_unpickle_*` helpers, else what `PyObject.cls` says. @internal
 */
export function classOf(obj: PyObject): PyGlobal | undefined {
  const { callable } = obj;
  if (callable instanceof PyGlobal && callable.name.startsWith('__pyx_unpickle_')) {
    const cls = obj.args[0];
    return cls instanceof PyGlobal ? cls : undefined;
  }
  const cls = obj.cls;
  return cls instanceof PyGlobal ? cls : undefined;
}

/**
 * An array value as an `NDArray`: numpy's own, or the `FrozenNDArray` of
 * older pandas (an ndarray subclass pickled as one, `_reconstruct` and its
 * state), which numpy's reconstructors leave inert. `undefined` for anything else.
 * @internal
 */
export function asNDArray(value: unknown): NDArray | undefined {
  if (value instanceof NDArray) return value;
  if (!(value instanceof PyObject)) return undefined;
  const cls = value.args[0];
  if (!isGlobal(value.callable, null, '_reconstruct') || !isGlobal(cls, null, 'FrozenNDArray'))
    return undefined;
  const state = value.state;
  if (!isTuple(state) || state.length !== 5) return undefined;
  const [, shape, dtype, fortran, data] = state;
  if (!(dtype instanceof DType) || dtype.hasObject || !Array.isArray(shape) || shape.length !== 1)
    return undefined;
  const n = toInt(shape[0]);
  if (n === undefined || n < 0) return undefined;
  let bytes: Uint8Array;
  if (data instanceof Uint8Array) bytes = data;
  else if (typeof data === 'string') {
    bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c > 0xff) return undefined;
      bytes[i] = c;
    }
  } else return undefined;
  if (bytes.length !== n * dtype.itemsize) return undefined;
  return new NDArray({ dtype, shape: [n], order: fortran === true || fortran === 1 ? 'F' : 'C', bytes });
}

/** The number of rows (the length of the last axis) of an array value. @internal */
export function arrayLength(input: unknown): number {
  const values = asNDArray(input) ?? input;
  if (values instanceof NDArray) {
    if (values.shape.length === 0) notUnderstood('a 0-d array where a column was expected');
    return values.shape[values.shape.length - 1]!;
  }
  return extensionParts(values).length;
}

/** The number of columns a block's values hold (its first axis when 2-d, else 1). @internal */
export function arrayWidth(input: unknown): number {
  const values = asNDArray(input) ?? input;
  if (values instanceof NDArray) return values.shape.length === 2 ? values.shape[0]! : 1;
  const parts = extensionParts(values);
  return parts.width;
}

/**
 * One column of a numpy array as cells: row `row` of a 2-d array (a block
 * holds its columns as rows), or the whole of a 1-d one. @internal
 */
export function ndarrayCells(array: NDArray, row = 0): unknown[] {
  const { shape } = array;
  if (shape.length !== 1 && shape.length !== 2) notUnderstood(`a ${shape.length}-d array in a frame`);
  if (shape.length === 1 && row !== 0) notUnderstood('a 1-d block with more than one column');
  const width = shape.length === 2 ? shape[0]! : 1;
  if (row < 0 || row >= width) notUnderstood(`column ${row} of a block of ${width}`);
  const n = shape[shape.length - 1]!;
  const { dtype } = array;
  if (dtype.kind === 'O') {
    const objects = array.objects;
    if (objects === null) notUnderstood('an object array without its items');
    if (shape.length === 1) return objects.slice();
    if (array.order === 'C') return objects.slice(row * n, (row + 1) * n);
    const out = new Array<unknown>(n);
    for (let j = 0; j < n; j++) out[j] = objects[row + j * width];
    return out;
  }
  if (dtype.subarray !== null || dtype.fields !== null) notUnderstood(`a column of dtype ${dtype.str}`);
  const size = dtype.itemsize;
  // Element (row, j) of a (width, n) array: C order puts rows apart by n elements, F order by one.
  const start = shape.length === 2 && array.order === 'C' ? row * n : row;
  const stride = shape.length === 2 && array.order === 'F' ? width : 1;
  const bytes = array.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = dtype.byteorder !== '>';
  const out = new Array<unknown>(n);
  const kind = dtype.kind;
  for (let j = 0; j < n; j++) {
    const at = (start + j * stride) * size;
    out[j] = readScalar(view, at, kind, size, little);
  }
  if ((kind === 'M' || kind === 'm') && n > 0) {
    // Datetimes and timedeltas as nanoseconds, whatever the unit (pandas 2 keeps s, ms and us too).
    const scale = NANOSECONDS[dtype.unit ?? ''];
    if (scale === undefined) notUnderstood(`a datetime column in unit ${dtype.unit ?? 'generic'}`);
    const factor = scale * BigInt(dtype.count);
    if (factor !== 1n) for (let j = 0; j < n; j++) if (out[j] !== null) out[j] = (out[j] as bigint) * factor;
  }
  return out;
}

/** Nanoseconds per unit of numpy's datetime64 / timedelta64 (units of fixed length). */
const NANOSECONDS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  D: 86_400_000_000_000n,
  W: 604_800_000_000_000n,
};

function readScalar(view: DataView, at: number, kind: string, size: number, little: boolean): unknown {
  switch (kind) {
    case 'b':
      return view.getUint8(at) !== 0;
    case 'i':
      if (size === 1) return view.getInt8(at);
      if (size === 2) return view.getInt16(at, little);
      if (size === 4) return view.getInt32(at, little);
      if (size === 8) return intCell(view.getBigInt64(at, little));
      break;
    case 'u':
      if (size === 1) return view.getUint8(at);
      if (size === 2) return view.getUint16(at, little);
      if (size === 4) return view.getUint32(at, little);
      if (size === 8) return intCell(view.getBigUint64(at, little));
      break;
    case 'f':
      if (size === 4) return view.getFloat32(at, little);
      if (size === 8) return view.getFloat64(at, little);
      if (size === 2) return float16(view.getUint16(at, little));
      break;
    case 'M':
    case 'm': {
      if (size !== 8) break;
      const v = view.getBigInt64(at, little);
      return v === NAT ? null : v;
    }
    default:
      break;
  }
  return notUnderstood(`a column of numpy kind '${kind}' (${size} bytes)`);
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** pandas' name of a numpy dtype (`str(df.dtypes[i])`). @internal */
export function numpyDtypeName(array: NDArray): string {
  const { dtype } = array;
  if (dtype.kind === 'O') return 'object';
  return dtype.name;
}

/** The parts of an extension array (an inert `PyObject`) brine reads. @internal */
export interface ExtensionParts {
  /** pandas' name of its dtype: `category`, `Int64`, `boolean`, `string`, `datetime64[ns, UTC]`. */
  readonly dtype: string;
  /** Rows. */
  readonly length: number;
  /** Columns held (2-d extension arrays of a block). */
  readonly width: number;
  /** The cells of column `row`. */
  cells(row: number): unknown[];
}

const extensionCache = new WeakMap<object, { state: unknown; parts: ExtensionParts }>();

/** Reads an extension array; throws {@link NotUnderstood} for one brine does not read. @internal */
export function extensionParts(values: unknown): ExtensionParts {
  if (!(values instanceof PyObject)) notUnderstood(`values of type ${describe(values)}`);
  const cached = extensionCache.get(values);
  if (cached !== undefined && cached.state === values.state) return cached.parts;
  const parts = readExtension(values);
  extensionCache.set(values, { state: values.state, parts });
  return parts;
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (value instanceof PyObject) {
    const cls = classOf(value);
    return cls === undefined ? 'object' : cls.qualifiedName;
  }
  if (value instanceof PyGlobal) return value.qualifiedName;
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** The `(data, dtype, attributes)` of an `NDArrayBacked` array's state, in any of its spellings. */
function backedState(obj: PyObject): { data: unknown; dtype: unknown; attrs: unknown } {
  let state = obj.state;
  if (state === undefined && obj.callable instanceof PyGlobal && obj.args.length === 3) state = obj.args[2];
  if (isTuple(state) && state.length === 1 && isDict(state[0])) state = state[0];
  if (isDict(state)) {
    const data = dictGet(state, '_ndarray') ?? dictGet(state, '_data') ?? dictGet(state, '_codes');
    return { data, dtype: dictGet(state, '_dtype'), attrs: state };
  }
  if (isTuple(state) && state.length === 3) {
    let [data, dtype] = state;
    if (dtype instanceof NDArray) [data, dtype] = [dtype, data];
    return { data, dtype, attrs: state[2] };
  }
  return notUnderstood('an extension array whose state brine does not read');
}

function rowsOf(data: NDArray): { length: number; width: number } {
  if (data.shape.length === 1) return { length: data.shape[0]!, width: 1 };
  if (data.shape.length === 2) return { length: data.shape[1]!, width: data.shape[0]! };
  return notUnderstood(`a ${data.shape.length}-d extension array`);
}

function readExtension(obj: PyObject): ExtensionParts {
  const cls = classOf(obj);
  if (cls === undefined) notUnderstood('an extension array without a class');
  const name = cls.name;
  switch (name) {
    case 'Categorical':
      return readCategorical(obj);
    case 'DatetimeArray':
    case 'TimedeltaArray':
      return readDatetimes(obj, name === 'TimedeltaArray');
    case 'StringArray':
    case 'StringArrayNumpySemantics':
    case 'PandasArray':
    case 'NumpyExtensionArray': {
      const { data } = backedState(obj);
      if (!(data instanceof NDArray)) notUnderstood(`a ${name} without its array`);
      const { length, width } = rowsOf(data);
      return {
        dtype: name.startsWith('StringArray')
          ? name === 'StringArray'
            ? 'string'
            : 'str'
          : numpyDtypeName(data),
        length,
        width,
        cells: (row) =>
          ndarrayCells(data, row).map((v) =>
            isMissing(v) || (name === 'StringArrayNumpySemantics' && Number.isNaN(v)) ? null : v,
          ),
      };
    }
    case 'IntegerArray':
    case 'BooleanArray':
    case 'FloatingArray':
      return readMasked(obj, name);
    default:
      return notUnderstood(`an extension array of class ${cls.qualifiedName}`);
  }
}

/** `pd.NA` or NaT as pickled objects (string arrays hold `pd.NA`). */
function isMissing(value: unknown): boolean {
  if (value === null) return true;
  if (value instanceof PyGlobal) return value.module === 'pandas._libs.missing' && value.name === 'NA';
  if (value instanceof PyObject) {
    const { callable } = value;
    return callable instanceof PyGlobal && callable.name === '__nat_unpickle';
  }
  return false;
}

function readCategorical(obj: PyObject): ExtensionParts {
  let codes: unknown;
  let categories: unknown;
  const state = obj.state;
  if (isDict(state) && dictGet(state, '_codes') !== undefined) {
    codes = dictGet(state, '_codes');
    const dtype = dictGet(state, '_dtype');
    categories =
      dtype instanceof PyObject ? dictGet(dtype.state, 'categories') : dictGet(state, '_categories');
  } else {
    const parts = backedState(obj);
    codes = parts.data;
    if (!(parts.dtype instanceof PyObject)) notUnderstood('a Categorical without its CategoricalDtype');
    categories = dictGet(parts.dtype.state, 'categories');
  }
  if (!(codes instanceof NDArray) || (codes.dtype.kind !== 'i' && codes.dtype.kind !== 'u'))
    notUnderstood('a Categorical whose codes are not an int array');
  const values = categoryValues(categories);
  const { length, width } = rowsOf(codes);
  return {
    dtype: 'category',
    length,
    width,
    cells: (row) =>
      ndarrayCells(codes, row).map((code) => {
        const c = Number(code);
        if (c < 0) return null;
        if (c >= values.length) notUnderstood(`category code ${c} of ${values.length} categories`);
        return values[c];
      }),
  };
}

/** The values of the categories: an Index, or (older pickles) an array. */
function categoryValues(categories: unknown): unknown[] {
  if (categories instanceof NDArray) return ndarrayCells(categories);
  if (categories instanceof PyObject && typeof (categories as { toArray?: unknown }).toArray === 'function')
    return (categories as unknown as { toArray(): unknown[] }).toArray();
  return notUnderstood('categories that are not an index');
}

/** The name of a time zone object as pandas prints it (`Europe/Paris`, `UTC`), or `undefined`. @internal */
export function tzName(tz: unknown): string | undefined {
  if (typeof tz === 'string') return tz;
  if (tz instanceof PyObject) {
    const { callable, args } = tz;
    if (callable instanceof PyGlobal) {
      if (callable.module === 'pytz' && callable.name === '_p' && typeof args[0] === 'string') return args[0];
      if (callable.module === 'pytz' && callable.name === '_UTC') return 'UTC';
      if (callable.module === 'pytz' && callable.name === 'timezone' && typeof args[0] === 'string')
        return args[0];
      if (callable.name.endsWith('tzutc')) return 'tzutc()';
    }
  }
  if (typeof tz === 'object' && tz !== null) {
    const key = (tz as { key?: unknown }).key;
    if (typeof key === 'string') return key;
    const text = String(tz);
    if (text !== '[object Object]') return text;
  }
  return undefined;
}

function readDatetimes(obj: PyObject, delta: boolean): ExtensionParts {
  const { data, dtype } = backedState(obj);
  if (!(data instanceof NDArray) || data.dtype.kind !== (delta ? 'm' : 'M'))
    notUnderstood(`a ${delta ? 'TimedeltaArray' : 'DatetimeArray'} without its ${delta ? 'm8' : 'M8'} array`);
  let name = data.dtype.name;
  if (dtype instanceof PyObject) {
    // DatetimeTZDtype: the zone in its state ({'unit', 'tz'}).
    const unit = dictGet(dtype.state, 'unit');
    const tz = tzName(dictGet(dtype.state, 'tz'));
    name = `datetime64[${typeof unit === 'string' ? unit : (data.dtype.unit ?? 'ns')}, ${tz ?? '?'}]`;
  }
  const { length, width } = rowsOf(data);
  return { dtype: name, length, width, cells: (row) => ndarrayCells(data, row) };
}

function readMasked(obj: PyObject, name: string): ExtensionParts {
  const state = obj.state;
  const data = dictGet(state, '_data');
  const mask = dictGet(state, '_mask');
  if (!(data instanceof NDArray) || !(mask instanceof NDArray) || mask.dtype.kind !== 'b')
    notUnderstood(`a ${name} without its data and mask`);
  const { length, width } = rowsOf(data);
  const m = rowsOf(mask);
  if (m.length !== length || m.width !== width)
    notUnderstood(`a ${name} whose mask and data differ in shape`);
  const bits = data.dtype.itemsize * 8;
  const dtype =
    name === 'BooleanArray'
      ? 'boolean'
      : name === 'FloatingArray'
        ? `Float${bits}`
        : `${data.dtype.kind === 'u' ? 'UInt' : 'Int'}${bits}`;
  return {
    dtype,
    length,
    width,
    cells: (row) => {
      const values = ndarrayCells(data, row);
      const masked = ndarrayCells(mask, row);
      for (let i = 0; i < values.length; i++) if (masked[i] === true) values[i] = null;
      return values;
    },
  };
}

/** The cells of column `row` of any array value (numpy or extension). @internal */
export function arrayCells(input: unknown, row = 0): unknown[] {
  const values = asNDArray(input) ?? input;
  if (values instanceof NDArray) return ndarrayCells(values, row);
  return extensionParts(values).cells(row);
}

/** pandas' dtype name of any array value. @internal */
export function arrayDtype(input: unknown): string {
  const values = asNDArray(input) ?? input;
  if (values instanceof NDArray) return numpyDtypeName(values);
  return extensionParts(values).dtype;
}
