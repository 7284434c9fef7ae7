/**
 * numpy's `ndarray` (and numpy scalars, as 0-d arrays): the raw element
 * bytes as numpy holds them, with conversions to typed arrays (C order,
 * native byte order) and to nested JS arrays (as `ndarray.tolist()`), and the
 * pickle numpy itself writes for it.
 *
 * @module
 */
import { PickleError, PicklingError } from '../errors.js';
import { FreshString } from '../fresh-string.js';
import { PickleBuffer, PyComplex } from '../types/builtins.js';
import { INSPECT, inspectRepr } from '../types/inspect.js';
import { PY_REDUCE, PY_REPR, type ReduceOptions, type Reduction } from '../types/protocol.js';
import { PyGlobal } from '../types/py-global.js';
import { isTuple, tuple } from '../types/tuple.js';
import type { TypedArray } from '../types/typed-array.js';
import { byteLength, checkShape, DType, DTypeError, NATIVE } from './dtype.js';
import { decodeFloat16, decodeLongDouble, encodeFloat16 } from './half.js';

export type { TypedArray };

/** Options of {@link NDArray.from}. */
export interface NDArrayFromOptions {
  /** The shape; default: the typed array's length, or the nesting of a nested array. */
  shape?: readonly number[];
  /** numpy's dtype string or name (`'<f4'`, `'float32'`, `'int64'`, `'bool'`, `'U5'`), or a {@link DType}. Default: from the data. */
  dtype?: string | DType;
  /** Memory order of a typed array's elements: `'C'` (default) or `'F'`. */
  order?: 'C' | 'F';
}

/** What a masked array (`numpy.ma.MaskedArray`) adds to its data. */
export interface MaskedParts {
  /** The mask's bytes (one bool per element, or per field of a structured dtype), in the data's memory order. */
  readonly mask: Uint8Array;
  /** The fill value as loaded (`null` for None). */
  readonly fillValue: unknown;
  /** The `_baseclass` (usually `numpy.ndarray`). */
  readonly baseclass: unknown;
}

const G_NDARRAY = new PyGlobal('numpy', 'ndarray');
const G_MASKED = new PyGlobal('numpy.ma.core', 'MaskedArray');

/** numpy's names for its pickle constructors, per `numpyNames`. */
function core(names: 1 | 2 | undefined): string {
  return names === 2 ? 'numpy._core' : 'numpy.core';
}

const RECONSTRUCT = [
  new PyGlobal('numpy.core.multiarray', '_reconstruct'),
  new PyGlobal('numpy._core.multiarray', '_reconstruct'),
];
const FROMBUFFER = [
  new PyGlobal('numpy.core.numeric', '_frombuffer'),
  new PyGlobal('numpy._core.numeric', '_frombuffer'),
];
const SCALAR = [
  new PyGlobal('numpy.core.multiarray', 'scalar'),
  new PyGlobal('numpy._core.multiarray', 'scalar'),
];
const MARECONSTRUCT = new PyGlobal('numpy.ma.core', '_mareconstruct');
void core;

/** CPython's bytes of length 0 and 1 are shared objects: a pickle memoizes them once. */
const EMPTY_BYTES = new Uint8Array(0);
const SINGLE_BYTES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => new Uint8Array([i]));
const B_CHAR = SINGLE_BYTES[0x62]!;
/** numpy.ma's `'b'` is a str of its own, not the one-character str a pickle of `b'b'` decodes to. */
const MA_B = new FreshString('b');

function pyBytes(data: Uint8Array): Uint8Array {
  if (data.length === 0) return EMPTY_BYTES;
  if (data.length === 1) return SINGLE_BYTES[data[0]!]!;
  return data;
}

const LITTLE = NATIVE === '<';

/** Arrays larger than this print their shape, not their elements (numpy's print threshold). */
const REPR_THRESHOLD = 1000;

/** The number of elements of a shape. */
function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** numpy's memory order of an array of `shape`: `'F'` only when it is F-contiguous and not C-contiguous. */
function effectiveOrder(shape: readonly number[], order: 'C' | 'F'): 'C' | 'F' {
  if (order === 'C') return 'C';
  let big = 0;
  for (const d of shape) {
    if (d === 0) return 'C';
    if (d > 1) big++;
  }
  return big > 1 ? 'F' : 'C';
}

/**
 * How an array an `exact: true` load made was written, where the pickle
 * {@link NDArray} writes for what it holds would differ. The array itself
 * holds what numpy's loaded array holds (its public view is the same in both
 * modes); this is kept beside it and only read when it is dumped.
 * @internal
 */
export interface ArrayOrigin {
  /**
   * The dtype as written, in the other byte order, and the native dtype the
   * load swapped the data into: while the array still has that native dtype,
   * it is written with the original one and its data swapped back.
   */
  readonly swapped: { readonly written: DType; readonly native: DType } | null;
  /**
   * Written as `_reconstruct` + BUILD: at protocol 5 numpy writes that form
   * for an array that is neither C- nor F-contiguous (a strided view), whose
   * copy is contiguous once loaded, and which `_frombuffer` would write.
   */
  readonly reconstruct: boolean;
  /** The fill value the load made for a masked array's `None` (written `None` again while it is the one held). */
  readonly defaultFill: object | null;
}

/** Origins of the arrays exact loads made (nothing is added to the array itself). */
const origins = /* @__PURE__ */ new WeakMap<NDArray, ArrayOrigin>();

/** Keeps how an exact load read `array` (see {@link ArrayOrigin}). @internal */
export function setOrigin(array: NDArray, origin: ArrayOrigin): void {
  if (origin.swapped === null && !origin.reconstruct && origin.defaultFill === null) origins.delete(array);
  else origins.set(array, origin);
}

/**
 * The size of the units to reverse when `d`'s elements change byte order
 * (half of a complex, one code point of a str), or 0 when nothing changes
 * (one-byte items, bytes, structured dtypes, whose byte order is '|').
 * @internal
 */
export function swapUnit(d: DType): number {
  if (d.byteorder === '|' || d.fields !== null || d.subarray !== null) return 0;
  const unit = d.kind === 'c' ? d.itemsize / 2 : d.kind === 'U' ? 4 : d.itemsize;
  return unit > 1 ? unit : 0;
}

/** A copy of `src` with every `unit`-byte group reversed. @internal */
export function swapBytes(src: Uint8Array, unit: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const whole = src.length - (src.length % unit);
  for (let i = 0; i < whole; i += unit) for (let j = 0; j < unit; j++) out[i + j] = src[i + unit - 1 - j]!;
  return out;
}

/**
 * A numpy array. `bytes` holds the elements as numpy does (its byte order,
 * its memory order `order`); object arrays hold their items in `objects`.
 * A numpy scalar (`np.float64(1.5)`) is a 0-d array with `isScalar` set,
 * whose `valueOf()` is the value.
 *
 * @example Make an array and read it back
 * ```ts
 * import { NDArray, dumps, loads } from 'brine';
 * const a = NDArray.from(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
 * a.dtype.str; // '<f4'
 * a.toArray(); // [[1, 2], [3, 4]]
 * const back = loads(dumps(a)) as NDArray; // what numpy pickles, read back
 * ```
 */
export class NDArray {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The element type. */
  readonly dtype!: DType;
  /** The dimensions. */
  readonly shape!: readonly number[];
  /** Memory order of `bytes`: `'C'` (row-major) or `'F'` (column-major). */
  readonly order!: 'C' | 'F';
  /** The raw elements, as numpy holds them (byte order and memory order); empty for object arrays. */
  readonly bytes!: Uint8Array;
  /** The items of an object array (dtype `'|O'`) in C order whatever `order` is (as numpy pickles them), else `null`. */
  readonly objects!: readonly unknown[] | null;
  /** The Python class: `numpy.ndarray`, or a subclass kept as it was (`numpy.matrix`, `recarray`, `MaskedArray`). */
  readonly pyClass!: PyGlobal;
  /** A numpy scalar (`np.float64(1.5)`, `numpy.core.multiarray.scalar`), not a 0-d array. */
  readonly isScalar!: boolean;
  /** numpy's `flags.writeable` was false (an array made from read-only bytes): kept so the pickle reads the same. */
  readonly readonly!: boolean;
  /** The mask, fill value and base class of a masked array, else `null`. */
  readonly masked!: MaskedParts | null;

  /** @internal Use {@link NDArray.from} or load a pickle. */
  constructor(init: NDArrayInit) {
    assignArray(this, init);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /**
   * The elements as a typed array in C order and native byte order: a view
   * of `bytes` when nothing needs converting and the offset is aligned, a
   * copy otherwise. 8-byte ints are `BigInt64Array` / `BigUint64Array`,
   * datetimes `BigInt64Array` (counts of the unit, NaT the minimum), float16
   * decodes to `Float32Array`, complex numbers interleave real and imaginary
   * parts, bool is `Uint8Array` of 0 and 1, str is `Uint32Array` of code
   * points, bytes, void and structured dtypes their raw bytes (`Uint8Array`).
   * @throws {@link PickleError} for object arrays, which hold no numbers.
   */
  toTypedArray(): TypedArray {
    const d = this.dtype;
    if (d.hasObject || this.objects !== null)
      throw new PickleError('an object array holds Python values, not numbers: use toArray()');
    const n = this.size;
    const bytes = this.cOrderBytes();
    if (d.kind === 'S' || d.kind === 'V' || d.fields !== null || d.subarray !== null) return bytes;
    const little = d.byteorder !== '>';
    const native = d.byteorder === '|' || little === LITTLE;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (d.kind) {
      case 'b':
        return bytes;
      case 'i':
      case 'u':
      case 'M':
      case 'm':
      case 'U': {
        const ctor = intArrayType(d);
        const size = ctor.BYTES_PER_ELEMENT;
        if (native && bytes.byteOffset % size === 0)
          return new ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / size) as TypedArray;
        const out = new ctor(bytes.byteLength / size) as TypedArray;
        if (native) new Uint8Array(out.buffer as ArrayBuffer).set(bytes);
        else {
          const o = new Uint8Array(out.buffer as ArrayBuffer);
          for (let i = 0; i < bytes.length; i += size)
            for (let j = 0; j < size; j++) o[i + j] = bytes[i + size - 1 - j]!;
        }
        return out;
      }
      case 'f':
      case 'c': {
        const parts = d.kind === 'c' ? 2 : 1;
        const width = d.itemsize / parts;
        const count = n * parts;
        if (width === 2) {
          const out = new Float32Array(count);
          for (let i = 0; i < count; i++) out[i] = decodeFloat16(view.getUint16(i * 2, little));
          return out;
        }
        if (width === 4 || width === 8) {
          const ctor = width === 4 ? Float32Array : Float64Array;
          if (native && bytes.byteOffset % width === 0)
            return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
          const out = new ctor(count);
          if (native) new Uint8Array(out.buffer).set(bytes);
          else if (width === 4) for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, little);
          else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, little);
          return out;
        }
        const out = new Float64Array(count);
        for (let i = 0; i < count; i++) out[i] = decodeLongDouble(bytes, i * width, width, little);
        return out;
      }
      default:
        return bytes;
    }
  }

  /** The raw elements in C order (a view of `bytes` when they already are). */
  cOrderBytes(): Uint8Array {
    if (effectiveOrder(this.shape, this.order) === 'C') return this.bytes;
    const size = this.dtype.itemsize;
    const out = new Uint8Array(this.bytes.length);
    let k = 0;
    forEachOffset(this.shape, fStrides(this.shape, size), (at) => {
      out.set(this.bytes.subarray(at, at + size), k);
      k += size;
    });
    return out;
  }

  /**
   * The elements as nested JS arrays, as numpy's `tolist()`: bool as
   * boolean, integers as numbers (bigints beyond 2^53), floats (float16 and
   * longdouble too) as numbers, complex as `PyComplex`, str as strings and
   * bytes as `Uint8Array` (trailing NULs removed, as numpy does), void as
   * `Uint8Array`, structured elements as tuples, subarrays as nested arrays,
   * object arrays' items as loaded, datetime64 and timedelta64 as the count
   * of their unit (a number, a bigint beyond 2^53) with NaT as `null`.
   * A 0-d array gives its one value.
   */
  toArray(): unknown {
    const shape = this.shape;
    const d = this.dtype;
    if (this.objects !== null) {
      const items = this.objects;
      if (shape.length === 0) return items[0] ?? null;
      return nest(
        shape,
        (i) => i,
        (i) => items[i] ?? null,
      );
    }
    const bytes = this.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const read = (offset: number) => readElement(d, bytes, view, offset, 0);
    if (shape.length === 0) return bytes.length >= d.itemsize ? read(0) : null;
    const size = d.itemsize;
    const strides = this.order === 'F' && effectiveOrder(shape, 'F') === 'F' ? fStrides(shape, 1) : null;
    return nest(shape, strides === null ? (i) => i : (i) => cToF(i, shape, strides), (i) =>
      i * size + size <= bytes.length ? read(i * size) : null,
    );
  }

  /** The value of a 0-d array or scalar (as `toArray()`); for other arrays, the array itself. */
  valueOf(): unknown {
    if (this.shape.length !== 0) return this;
    const v = this.toArray();
    return v;
  }

  /** numpy's `tolist()` with bigints as strings, bytes as lists of ints, complex as `[re, im]`, NaN as `NaN` numbers. */
  toJSON(): unknown {
    return toJSONValue(this.toArray());
  }

  toString(): string {
    return this[PY_REPR]();
  }

  /**
   * An array from a typed array (its elements, zero copy when the dtype is
   * the typed array's own) or from nested JS arrays (numbers, bigints,
   * booleans, strings, `Uint8Array`s, `PyComplex`, tuples for structured
   * dtypes, anything for `'O'`).
   * @throws {@link PicklingError} when the data does not fit the shape or dtype.
   */
  static from(data: TypedArray | ArrayLike<unknown> | unknown, options?: NDArrayFromOptions): NDArray {
    return fromData(data, options);
  }

  [PY_REPR](repr?: (value: unknown) => string): string {
    const show =
      repr ?? ((v: unknown) => (typeof v === 'bigint' ? String(v) : (JSON.stringify(v) ?? String(v))));
    const dtype = this.dtype[PY_REPR](repr);
    if (this.isScalar) {
      const v = this.toArray();
      return `${this.dtype.name === 'object' ? '' : `numpy.${scalarName(this.dtype)}`}(${reprItem(v, show)})`;
    }
    const name = this.pyClass.name === 'ndarray' ? 'array' : this.pyClass.name;
    const dtypeText = dtype.startsWith('dtype(') ? dtype.slice(6, -1) : dtype;
    // numpy summarizes arrays of more than 1000 elements; brine prints the shape instead (bounded output).
    if (this.size > REPR_THRESHOLD)
      return `${name}([...], shape=(${this.shape.join(', ')}${this.ndim === 1 ? ',' : ''}), dtype=${dtypeText})`;
    return `${name}(${reprItem(this.toArray(), show)}, dtype=${dtypeText})`;
  }

  /** The pickle numpy writes for this array (or scalar) at `protocol`. */
  [PY_REDUCE](protocol: number, options?: ReduceOptions): Reduction {
    const v2 = options?.numpyNames === 2 ? 1 : 0;
    const d = this.dtype;
    if (this.isScalar) {
      const data =
        this.objects !== null ? (this.objects[0] ?? null) : pyBytes(this.bytes.slice(0, d.itemsize));
      return { callable: SCALAR[v2]!, args: [d, data] };
    }
    const order = effectiveOrder(this.shape, this.order);
    const origin = origins.get(this);
    // An exact load of data in the other byte order: written again as it was (the load swapped it to native).
    const swapped = origin?.swapped != null && origin.swapped.native === d ? origin.swapped : null;
    const dtype = swapped === null ? d : swapped.written;
    if (this.masked !== null) {
      const fill = this.masked.fillValue;
      const state = tuple(
        1,
        tuple(...this.shape),
        dtype,
        order === 'F',
        this.#rawData(swapped),
        pyBytes(this.masked.mask),
        origin !== undefined && fill === origin.defaultFill ? null : fill,
      );
      return {
        callable: MARECONSTRUCT,
        args: [this.pyClass, this.masked.baseclass, tuple(0), MA_B],
        state,
      };
    }
    const plain = this.pyClass.module === 'numpy' && this.pyClass.name === 'ndarray';
    if (
      protocol >= 5 &&
      plain &&
      origin?.reconstruct !== true &&
      this.objects === null &&
      !d.hasObject &&
      d.itemsize > 0 &&
      !hasDatetime(d)
    ) {
      return {
        callable: FROMBUFFER[v2]!,
        // (An exact load that swapped the data read it from _reconstruct: it is written so again.)
        args: [new PickleBuffer(this.bytes, this.readonly), d, tuple(...this.shape), order],
      };
    }
    return {
      callable: RECONSTRUCT[v2]!,
      args: [this.pyClass, tuple(0), B_CHAR],
      state: tuple(1, tuple(...this.shape), dtype, order === 'F', this.#rawData(swapped)),
    };
  }

  /**
   * The state's data: the bytes (a fresh view, as numpy makes a new bytes
   * object; swapped back to the written order for an exact load that swapped
   * them), or a list of the objects.
   */
  #rawData(swapped: { readonly written: DType } | null): unknown {
    if (this.objects !== null) return [...this.objects];
    if (this.bytes.length <= 1) return pyBytes(this.bytes);
    if (swapped !== null) return swapBytes(this.bytes, swapUnit(swapped.written));
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }
}

/** The fields an array is made from. @internal */
export interface NDArrayInit {
  dtype: DType;
  shape: readonly number[];
  order?: 'C' | 'F';
  bytes?: Uint8Array;
  objects?: readonly unknown[] | null;
  pyClass?: PyGlobal;
  isScalar?: boolean;
  readonly?: boolean;
  masked?: MaskedParts | null;
}

/** Sets the fields of an array (the constructor, and BUILD on a `_reconstruct` placeholder). @internal */
export function assignArray(target: NDArray, init: NDArrayInit): void {
  const t = target as unknown as Record<string, unknown>;
  const shape = Object.freeze([...init.shape]);
  t.dtype = init.dtype;
  t.shape = shape;
  t.order = effectiveOrder(shape, init.order ?? 'C');
  t.bytes = init.bytes ?? EMPTY_BYTES;
  t.objects = init.objects ?? null;
  t.pyClass = init.pyClass ?? G_NDARRAY;
  t.isScalar = init.isScalar ?? false;
  t.readonly = init.readonly ?? false;
  t.masked = init.masked ?? null;
}

/** True when a dtype holds datetimes anywhere (numpy cannot export those as a buffer). */
function hasDatetime(d: DType): boolean {
  if (d.kind === 'M' || d.kind === 'm') return true;
  if (d.subarray !== null && hasDatetime(d.subarray.base)) return true;
  if (d.fields !== null) for (const f of d.fields) if (hasDatetime(f.dtype)) return true;
  return false;
}

function scalarName(d: DType): string {
  return d.name.replace(/\[.*$/, '');
}

function reprItem(v: unknown, show: (v: unknown) => string): string {
  if (Array.isArray(v)) {
    const open = isTuple(v) ? '(' : '[';
    const close = isTuple(v) ? (v.length === 1 ? ',)' : ')') : ']';
    return `${open}${v.map((x) => reprItem(x, show)).join(', ')}${close}`;
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (v === Number.POSITIVE_INFINITY) return 'inf';
    if (v === Number.NEGATIVE_INFINITY) return '-inf';
    return String(v);
  }
  if (v instanceof PyComplex) return v.toString();
  return show(v);
}

function toJSONValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toJSONValue);
  if (typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return [...v];
  if (v instanceof PyComplex) return [v.real, v.imag];
  return v;
}

/** Strides (in units of `size`) of an F-order array. */
function fStrides(shape: readonly number[], size: number): number[] {
  const strides: number[] = [];
  let s = size;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  return strides;
}

/** Calls `fn` with the byte offset of every element in C order, for the given strides. */
function forEachOffset(
  shape: readonly number[],
  strides: readonly number[],
  fn: (offset: number) => void,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  let offset = 0;
  for (let k = 0; k < n; k++) {
    fn(offset);
    for (let axis = nd - 1; axis >= 0; axis--) {
      index[axis]!++;
      offset += strides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      offset -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

/** The F-order element index of C-order index `i`. */
function cToF(i: number, shape: readonly number[], strides: readonly number[]): number {
  let at = 0;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis]!;
    at += (i % dim) * strides[axis]!;
    i = Math.floor(i / dim);
  }
  return at;
}

/** Nested arrays of `shape`, element `i` (C order) being `value(index(i))`. */
function nest(
  shape: readonly number[],
  index: (i: number) => number,
  value: (i: number) => unknown,
): unknown[] {
  const nd = shape.length;
  let counter = 0;
  const build = (axis: number): unknown[] => {
    const dim = shape[axis]!;
    const out = new Array<unknown>(dim);
    if (axis === nd - 1) for (let j = 0; j < dim; j++) out[j] = value(index(counter++));
    else for (let j = 0; j < dim; j++) out[j] = build(axis + 1);
    return out;
  };
  return build(0);
}

function intArrayType(d: DType): {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, offset: number, length: number): TypedArray;
  BYTES_PER_ELEMENT: number;
} {
  if (d.kind === 'U') return Uint32Array as never;
  if (d.kind === 'M' || d.kind === 'm') return BigInt64Array as never;
  const signed = d.kind === 'i';
  switch (d.itemsize) {
    case 1:
      return (signed ? Int8Array : Uint8Array) as never;
    case 2:
      return (signed ? Int16Array : Uint16Array) as never;
    case 4:
      return (signed ? Int32Array : Uint32Array) as never;
    default:
      return (signed ? BigInt64Array : BigUint64Array) as never;
  }
}

const NAT = -(2n ** 63n);

function intValue(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** One element at `offset`, as `tolist()` gives it. */
function readElement(d: DType, bytes: Uint8Array, view: DataView, offset: number, depth: number): unknown {
  const little = d.byteorder !== '>';
  if (d.subarray !== null) {
    const base = d.subarray.base;
    const shape = d.subarray.shape;
    if (shape.length === 0) return readElement(base, bytes, view, offset, depth + 1);
    return nest(
      shape,
      (i) => i,
      (i) => readElement(base, bytes, view, offset + i * base.itemsize, depth + 1),
    );
  }
  if (d.fields !== null) {
    const items = d.fields.map((f) => readElement(f.dtype, bytes, view, offset + f.offset, depth + 1));
    return Object.freeze(items);
  }
  switch (d.kind) {
    case 'b':
      return bytes[offset] !== 0;
    case 'i':
    case 'u': {
      const signed = d.kind === 'i';
      switch (d.itemsize) {
        case 1:
          return signed ? view.getInt8(offset) : view.getUint8(offset);
        case 2:
          return signed ? view.getInt16(offset, little) : view.getUint16(offset, little);
        case 4:
          return signed ? view.getInt32(offset, little) : view.getUint32(offset, little);
        default:
          return intValue(signed ? view.getBigInt64(offset, little) : view.getBigUint64(offset, little));
      }
    }
    case 'M':
    case 'm': {
      const v = view.getBigInt64(offset, little);
      return v === NAT ? null : intValue(v);
    }
    case 'f':
      return readFloat(d.itemsize, bytes, view, offset, little);
    case 'c': {
      const w = d.itemsize / 2;
      return new PyComplex(
        readFloat(w, bytes, view, offset, little),
        readFloat(w, bytes, view, offset + w, little),
      );
    }
    case 'U': {
      let end = d.itemsize / 4;
      while (end > 0 && view.getUint32(offset + (end - 1) * 4, little) === 0) end--;
      let text = '';
      for (let i = 0; i < end; i++) {
        const cp = view.getUint32(offset + i * 4, little);
        text += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return text;
    }
    case 'S': {
      let end = d.itemsize;
      while (end > 0 && bytes[offset + end - 1] === 0) end--;
      return bytes.slice(offset, offset + end);
    }
    default:
      return bytes.slice(offset, offset + d.itemsize);
  }
}

function readFloat(
  width: number,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  little: boolean,
): number {
  if (width === 8) return view.getFloat64(offset, little);
  if (width === 4) return view.getFloat32(offset, little);
  if (width === 2) return decodeFloat16(view.getUint16(offset, little));
  return decodeLongDouble(bytes, offset, width, little);
}

// ---------------------------------------------------------------------------------------------
// from()

const TYPED_DTYPES: readonly [new (...args: never[]) => unknown, string][] = [
  [Float64Array, 'f8'],
  [Float32Array, 'f4'],
  [Int8Array, 'i1'],
  [Uint8Array, 'u1'],
  [Uint8ClampedArray, 'u1'],
  [Int16Array, 'i2'],
  [Uint16Array, 'u2'],
  [Int32Array, 'i4'],
  [Uint32Array, 'u4'],
  [BigInt64Array, 'i8'],
  [BigUint64Array, 'u8'],
];

function fromData(data: unknown, options?: NDArrayFromOptions): NDArray {
  const wanted = options?.dtype === undefined ? undefined : DType.get(options.dtype);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const typed = data as TypedArray;
    const own = TYPED_DTYPES.find(([ctor]) => typed instanceof ctor)?.[1];
    if (own === undefined) throw new PicklingError(`cannot make an array from a ${typed.constructor.name}`);
    const shape = checkFromShape(options?.shape ?? [typed.length], typed.length);
    const ownType = DType.get(`${NATIVE}${own}`);
    const dtype = wanted ?? ownType;
    const order = options?.order ?? 'C';
    if (dtype.equals(ownType)) {
      const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      return new NDArray({ dtype, shape, order, bytes });
    }
    return encodeValues(Array.from(typed as ArrayLike<unknown>), shape, dtype, order);
  }
  if (!Array.isArray(data)) {
    // A scalar: a 0-d array.
    const dtype = wanted ?? inferDType([data]);
    return encodeValues([data], checkFromShape(options?.shape ?? [], 1), dtype, 'C');
  }
  // Items of a structured dtype are tuples; items of an object array may be anything, lists too.
  const structured = wanted?.fields != null;
  const { shape, items } = flatten(data, structured, wanted?.kind === 'O');
  const dtype = wanted ?? inferDType(items);
  const finalShape = options?.shape === undefined ? shape : checkFromShape(options.shape, items.length);
  return encodeValues(items, finalShape, dtype, options?.order ?? 'C');
}

function checkFromShape(shape: readonly number[], n: number): number[] {
  let dims: number[];
  try {
    dims = checkShape([...shape]);
  } catch (error) {
    if (error instanceof DTypeError) throw new PicklingError(error.reason);
    throw error;
  }
  if (sizeOf(dims) !== n)
    throw new PicklingError(`cannot reshape ${n} elements into shape (${dims.join(', ')})`);
  return dims;
}

/** The shape and items (C order) of nested arrays; tuples are items when `tuplesAreItems`. */
function flatten(
  data: unknown[],
  tuplesAreItems: boolean,
  anyItems = false,
): { shape: number[]; items: unknown[] } {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe) && !(tuplesAreItems && isTuple(probe))) {
    shape.push(probe.length);
    if (shape.length > 32) throw new PicklingError('more than 32 dimensions');
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const items: unknown[] = [];
  const walk = (value: unknown, axis: number): void => {
    if (axis === shape.length) {
      if (!anyItems && Array.isArray(value) && !(tuplesAreItems && isTuple(value)) && shape.length > 0)
        throw new PicklingError('nested arrays are not rectangular');
      items.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[axis]) {
      if (anyItems && axis > 0) {
        // An object array stops where the nesting stops being regular, as numpy's does.
        throw new PicklingError('nested arrays are not rectangular: give the shape');
      }
      throw new PicklingError('nested arrays are not rectangular');
    }
    for (const item of value) walk(item, axis + 1);
  };
  walk(data, 0);
  return { shape, items };
}

function inferDType(items: readonly unknown[]): DType {
  let kind = null as 'b' | 'i' | 'f' | 'c' | 'U' | 'S' | 'O' | null;
  let width = 0;
  const rank = { b: 0, i: 1, f: 2, c: 3 } as const;
  for (const v of items) {
    let k: 'b' | 'i' | 'f' | 'c' | 'U' | 'S' | 'O';
    if (typeof v === 'boolean') k = 'b';
    else if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0)))
      k = 'i';
    else if (typeof v === 'number') k = 'f';
    else if (v instanceof PyComplex) k = 'c';
    else if (typeof v === 'string') {
      k = 'U';
      width = Math.max(width, [...v].length);
    } else if (v instanceof Uint8Array) {
      k = 'S';
      width = Math.max(width, v.length);
    } else k = 'O';
    if (kind === null) kind = k;
    else if (kind !== k) {
      if (kind in rank && k in rank)
        kind = rank[kind as keyof typeof rank] > rank[k as keyof typeof rank] ? kind : k;
      else kind = 'O';
    }
  }
  switch (kind) {
    case 'b':
      return DType.get('bool');
    case 'i':
      return DType.get('int64');
    case null:
    case 'f':
      return DType.get('float64');
    case 'c':
      return DType.get('complex128');
    case 'U':
      return DType.get(`U${Math.max(width, 1)}`);
    case 'S':
      return DType.get(`S${Math.max(width, 1)}`);
    default:
      return DType.get('O');
  }
}

/** Encodes items (in C order) into an array of `dtype`, `order`. */
function encodeValues(items: readonly unknown[], shape: number[], dtype: DType, order: 'C' | 'F'): NDArray {
  if (dtype.itemsize === 0 && (dtype.kind === 'U' || dtype.kind === 'S')) {
    // 'str' / 'bytes' without a size: as wide as the longest item.
    let width = 1;
    for (const v of items)
      width = Math.max(width, typeof v === 'string' ? [...v].length : v instanceof Uint8Array ? v.length : 1);
    dtype = DType.get(`${dtype.byteorder === '>' ? '>' : ''}${dtype.kind}${width}`);
  }
  if (dtype.kind === 'O') {
    return new NDArray({ dtype, shape, order, objects: [...items] });
  }
  if (dtype.hasObject)
    throw new PicklingError('brine makes structured arrays with object fields only by loading them');
  const total = byteLength(shape, dtype.itemsize, 2 ** 31 * 4);
  if (total === undefined) throw new PicklingError('array too large');
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const ordered = order === 'F' && shape.length > 1 ? reorderToF(items, shape) : items;
  for (let i = 0; i < ordered.length; i++)
    writeElement(dtype, bytes, view, i * dtype.itemsize, ordered[i], 0);
  return new NDArray({ dtype, shape, order, bytes });
}

function reorderToF(items: readonly unknown[], shape: readonly number[]): unknown[] {
  const out = new Array<unknown>(items.length);
  const strides = fStrides(shape, 1);
  for (let i = 0; i < items.length; i++) out[cToF(i, shape, strides)] = items[i];
  return out;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && typeof (v as { valueOf(): unknown }).valueOf() === 'number')
    return (v as { valueOf(): number }).valueOf();
  throw new PicklingError(`expected a number, got ${v === null ? 'None' : typeof v}`);
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  const n = toNumber(v);
  if (!Number.isInteger(n)) throw new PicklingError(`expected an integer, got ${n}`);
  return BigInt(n);
}

function writeElement(
  d: DType,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  v: unknown,
  depth: number,
): void {
  if (depth > 64) throw new PicklingError('dtype nesting too deep');
  const little = d.byteorder !== '>';
  if (d.subarray !== null) {
    const base = d.subarray.base;
    const n = sizeOf(d.subarray.shape);
    const flat = d.subarray.shape.length === 0 ? [v] : flatten(Array.isArray(v) ? v : [v], false).items;
    if (flat.length !== n) throw new PicklingError('subarray item has the wrong number of elements');
    for (let i = 0; i < n; i++)
      writeElement(base, bytes, view, offset + i * base.itemsize, flat[i], depth + 1);
    return;
  }
  if (d.fields !== null) {
    if (!Array.isArray(v) || v.length !== d.fields.length)
      throw new PicklingError(`a structured item is a tuple of ${d.fields.length} values`);
    for (const [i, f] of d.fields.entries())
      writeElement(f.dtype, bytes, view, offset + f.offset, v[i], depth + 1);
    return;
  }
  switch (d.kind) {
    case 'b':
      bytes[offset] = v ? 1 : 0;
      return;
    case 'i':
    case 'u':
    case 'M':
    case 'm': {
      if ((d.kind === 'M' || d.kind === 'm') && v === null) {
        view.setBigInt64(offset, NAT, little);
        return;
      }
      const big = toBigInt(v);
      const bits = d.itemsize * 8;
      const signed = d.kind !== 'u';
      const fits = signed ? BigInt.asIntN(bits, big) === big : BigInt.asUintN(bits, big) === big;
      if (!fits) throw new PicklingError(`${big} does not fit ${d.name}`);
      if (d.itemsize === 8) view.setBigUint64(offset, BigInt.asUintN(64, big), little);
      else if (d.itemsize === 4) view.setUint32(offset, Number(BigInt.asUintN(32, big)), little);
      else if (d.itemsize === 2) view.setUint16(offset, Number(BigInt.asUintN(16, big)), little);
      else view.setUint8(offset, Number(BigInt.asUintN(8, big)));
      return;
    }
    case 'f':
      writeFloat(d.itemsize, view, offset, toNumber(v), little);
      return;
    case 'c': {
      const w = d.itemsize / 2;
      const re = v instanceof PyComplex ? v.real : toNumber(v);
      const im = v instanceof PyComplex ? v.imag : 0;
      writeFloat(w, view, offset, re, little);
      writeFloat(w, view, offset + w, im, little);
      return;
    }
    case 'U': {
      if (typeof v !== 'string') throw new PicklingError('a str item must be a string');
      const cps = [...v];
      if (cps.length > d.itemsize / 4)
        throw new PicklingError(`'${v}' is longer than ${d.itemsize / 4} characters`);
      for (const [i, ch] of cps.entries()) view.setUint32(offset + i * 4, ch.codePointAt(0)!, little);
      return;
    }
    default: {
      if (!(v instanceof Uint8Array)) throw new PicklingError(`a ${d.name} item must be a Uint8Array`);
      if (v.length > d.itemsize) throw new PicklingError(`bytes of length ${v.length} do not fit ${d.str}`);
      bytes.set(v, offset);
    }
  }
}

function writeFloat(width: number, view: DataView, offset: number, v: number, little: boolean): void {
  if (width === 8) view.setFloat64(offset, v, little);
  else if (width === 4) view.setFloat32(offset, v, little);
  else if (width === 2) view.setUint16(offset, encodeFloat16(v), little);
  else throw new PicklingError('brine does not write long double values');
}

/** @internal */
export { effectiveOrder, G_MASKED, sizeOf };
