/**
 * numpy's pickle constructors as pure data constructors: arrays
 * (`_reconstruct` + BUILD, protocol 5's `_frombuffer`), dtypes (`numpy.dtype`
 * + BUILD), scalars (`scalar`) and the subclasses numpy ships (matrix,
 * recarray, memmap, masked arrays). Every size, shape and offset is checked
 * against the bytes before anything is allocated; a shape this module does
 * not handle leaves the call inert.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import type { Entry, ReconstructContext, Reconstructor, ReconstructorTable } from '../reconstruct.js';
import { PickleBuffer } from '../types/builtins.js';
import { PyByteArray } from '../types/py-bytearray.js';
import { PyGlobal } from '../types/py-global.js';
import { isTuple } from '../types/tuple.js';
import {
  byteLength,
  checkShape,
  DType,
  dtypeFromPickleArg,
  NATIVE,
  sealDType,
  setDTypeState,
} from './dtype.js';
import { type ArrayOrigin, assignArray, NDArray, setOrigin, sizeOf, swapBytes, swapUnit } from './ndarray.js';
import { ARRAY_CLASSES, MASKED_CLASSES, NUMPY_CORE_MODULES } from './safe-names.js';

/** The most elements an array of zero-byte items may claim (nothing bounds them by the data). */
const MAX_EMPTY_ITEMS = 1 << 24;

function isClass(value: unknown, list: readonly (readonly [string, string])[]): value is PyGlobal {
  return value instanceof PyGlobal && list.some(([m, n]) => m === value.module && n === value.name);
}

/** Runs `fn`, turning brine's dtype and shape errors into an UnpicklingError at the opcode. */
function checked<T>(context: ReconstructContext, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PicklingError) context.fail(error.reason);
    throw error;
  }
}

/** Raw data given as bytes, a bytearray, a buffer, or latin-1 text (a Python 2 str, `_codecs.encode` left undone). */
function rawBytes(value: unknown, context: ReconstructContext, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof PickleBuffer) return value.data;
  if (typeof value === 'string') {
    const out = new Uint8Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c > 0xff) context.fail(`${what} is a str with a character beyond latin-1`);
      out[i] = c;
    }
    return out;
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return context.fail(`${what} must be bytes, got ${value === null ? 'None' : typeof value}`);
}

/** Checks that `bytes` holds exactly the elements of `shape` and `dtype`. */
function checkData(shape: number[], dtype: DType, length: number, context: ReconstructContext): void {
  const needed = byteLength(shape, dtype.itemsize, length);
  if (needed !== length)
    context.fail(
      `array data has ${length} bytes, but shape (${shape.join(', ')}) of ${dtype.str} needs ${needed === undefined ? 'more' : needed}`,
    );
  if (dtype.itemsize === 0 && sizeOf(shape) > MAX_EMPTY_ITEMS)
    context.fail(`an array of zero-byte items claims ${sizeOf(shape)} elements`);
}

function asDType(value: unknown, context: ReconstructContext): DType {
  if (!(value instanceof DType)) context.fail('array state needs a numpy dtype');
  sealDType(value);
  return value;
}

function isFlag(value: unknown): value is boolean | number {
  return typeof value === 'boolean' || value === 0 || value === 1;
}

/** `ndarray.__setstate__`: `(version, shape, dtype, is_fortran, data)` or the legacy `(shape, dtype, is_fortran, data)`. */
function setArrayState(target: NDArray, state: unknown, context: ReconstructContext): void {
  if (!isTuple(state) || (state.length !== 5 && state.length !== 4))
    context.fail('array state must be (version, shape, dtype, is_fortran, data)');
  const [shapeArg, dtypeArg, fortran, data] = state.length === 5 ? state.slice(1) : state;
  if (state.length === 5 && typeof state[0] !== 'number') context.fail('array state version must be an int');
  const shape = checked(context, () => checkShape(shapeArg));
  const dtype = asDType(dtypeArg, context);
  if (!isFlag(fortran)) context.fail('array state is_fortran must be a bool');
  const order = fortran ? 'F' : 'C';
  const parts = arrayData(shape, dtype, data, context);
  const native = toNative(parts, dtype);
  assignArray(target, { ...native, shape, order, pyClass: target.pyClass, masked: target.masked });
  if (context.exact === true) setOrigin(target, originOf(dtype, native.dtype, null));
}

/** What an exact load keeps of how an array was written (read from `_reconstruct` + BUILD). */
function originOf(written: DType, native: DType, defaultFill: unknown): ArrayOrigin {
  return {
    swapped: written === native ? null : { written, native },
    reconstruct: true,
    defaultFill: typeof defaultFill === 'object' ? defaultFill : null,
  };
}

/** The bytes or objects of an array state. */
function arrayData(
  shape: number[],
  dtype: DType,
  data: unknown,
  context: ReconstructContext,
): { bytes?: Uint8Array; objects?: unknown[] } {
  if (dtype.hasObject) {
    if (!Array.isArray(data)) context.fail('the data of an object array must be a list');
    if (data.length !== sizeOf(shape))
      context.fail(
        `object array data has ${data.length} items, shape (${shape.join(', ')}) needs ${sizeOf(shape)}`,
      );
    return { objects: [...data] };
  }
  const bytes = rawBytes(data, context, 'array data');
  checkData(shape, dtype, bytes.length, context);
  return { bytes };
}

/**
 * What `ndarray.__setstate__` does with data in the other byte order: it
 * swaps the elements into this machine's order, and takes the canonical
 * native dtype (a native copy for str, datetimes and dtypes with metadata).
 */
function toNative(
  parts: { bytes?: Uint8Array; objects?: unknown[] },
  dtype: DType,
): { bytes?: Uint8Array; objects?: unknown[]; dtype: DType } {
  if (parts.bytes === undefined || dtype.byteorder === '|' || dtype.byteorder === NATIVE)
    return { ...parts, dtype };
  const unit = swapUnit(dtype);
  const bytes = unit === 0 ? parts.bytes : swapBytes(parts.bytes, unit);
  const keepsDescr =
    dtype.kind === 'U' || dtype.kind === 'M' || dtype.kind === 'm' || dtype.metadata !== null;
  const native = keepsDescr
    ? dtype.withByteOrder(NATIVE)
    : DType.get(`${NATIVE}${dtype.kind}${dtype.itemsize}`);
  sealDType(native);
  return { bytes, dtype: native };
}

/** numpy.ma's default fill value of one element of `d`, as `default_fill_value` gives it. */
function defaultFillItem(d: DType): unknown {
  if (d.subarray !== null) return defaultFillItem(d.subarray.base);
  if (d.fields !== null) return Object.freeze(d.fields.map((f) => defaultFillItem(f.dtype)));
  switch (d.kind) {
    case 'b':
      return true;
    case 'i':
    case 'u': {
      const bits = BigInt(d.itemsize * 8);
      return d.kind === 'i' ? BigInt.asIntN(Number(bits), 999999n) : BigInt.asUintN(Number(bits), 999999n);
    }
    case 'f':
    case 'c':
      return 1e20;
    case 'O':
      return '?';
    case 'U':
      return 'N/A';
    case 'S':
      return new TextEncoder().encode('N/A').subarray(0, d.itemsize);
    case 'V':
      return new TextEncoder().encode('???').subarray(0, d.itemsize);
    default:
      return null; // NaT
  }
}

/**
 * What `MaskedArray.__setstate__` makes of a fill value of None: numpy's
 * default for the dtype, as a 0-d array (so that the array dumps as numpy
 * dumps it after loading). `null` when brine cannot make it.
 */
function defaultFill(d: DType): unknown {
  try {
    // numpy makes it with np.array(value, dtype): the canonical dtype object for the built-in types.
    const plain = d.fields === null && d.subarray === null && d.metadata === null;
    return NDArray.from(defaultFillItem(d), { dtype: plain ? DType.get(d.str) : d, shape: [] });
  } catch (error) {
    if (error instanceof PicklingError) return null;
    throw error;
  }
}

/** Bytes of a mask per element: one bool per (leaf) field, as numpy's `make_mask_descr`. */
function maskItemsize(d: DType): number {
  if (d.subarray !== null) return sizeOf(d.subarray.shape) * maskItemsize(d.subarray.base);
  if (d.fields !== null) {
    let n = 0;
    for (const f of d.fields) n += maskItemsize(f.dtype);
    return n;
  }
  return 1;
}

/** `MaskedArray.__setstate__`: `(version, shape, dtype, is_fortran, data, mask, fill_value)`. */
function setMaskedState(target: NDArray, state: unknown, context: ReconstructContext): void {
  if (!isTuple(state) || state.length !== 7)
    context.fail('masked array state must be (version, shape, dtype, is_fortran, data, mask, fill_value)');
  const [, shapeArg, dtypeArg, fortran, data, maskArg, fillValue] = state;
  const shape = checked(context, () => checkShape(shapeArg));
  const dtype = asDType(dtypeArg, context);
  if (!isFlag(fortran)) context.fail('masked array state is_fortran must be a bool');
  const parts = arrayData(shape, dtype, data, context);
  const mask = rawBytes(maskArg, context, 'mask');
  const needed = byteLength(shape, maskItemsize(dtype), mask.length);
  if (needed !== mask.length)
    context.fail(`mask has ${mask.length} bytes, the array needs ${needed ?? 'more'}`);
  const baseclass = target.masked?.baseclass ?? null;
  const native = toNative(parts, dtype);
  const fill = fillValue === null ? defaultFill(native.dtype) : null;
  assignArray(target, {
    ...native,
    shape,
    order: fortran ? 'F' : 'C',
    pyClass: target.pyClass,
    masked: { mask, fillValue: fill ?? fillValue, baseclass },
  });
  if (context.exact === true) setOrigin(target, originOf(dtype, native.dtype, fill));
}

const reconstruct: Reconstructor = {
  // _reconstruct(cls, (0,), b'b'): an empty array of cls that BUILD fills.
  call(args, context) {
    const [cls, shape, dtype] = args;
    if (args.length !== 3 || !isClass(cls, ARRAY_CLASSES))
      return context.inert('reduce', context.global, args);
    if (!isTuple(shape) || !shape.every((d) => d === 0) || shape.length === 0)
      return context.inert('reduce', context.global, args);
    if (!(dtype instanceof Uint8Array || typeof dtype === 'string' || dtype instanceof DType))
      return context.inert('reduce', context.global, args);
    return new NDArray({ dtype: DType.get('i1'), shape: [0], pyClass: cls });
  },
  setState(obj, state, context) {
    if (!(obj instanceof NDArray)) {
      (obj as { state: unknown }).state = state;
      return;
    }
    setArrayState(obj, state, context);
  },
};

const mareconstruct: Reconstructor = {
  // _mareconstruct(subtype, baseclass, baseshape, basetype)
  call(args, context) {
    const [cls, baseclass, shape] = args;
    if (args.length !== 4 || !isClass(cls, MASKED_CLASSES) || !isTuple(shape))
      return context.inert('reduce', context.global, args);
    return new NDArray({
      dtype: DType.get('i1'),
      shape: [0],
      pyClass: cls,
      masked: { mask: new Uint8Array(0), fillValue: null, baseclass },
    });
  },
  setState(obj, state, context) {
    if (!(obj instanceof NDArray)) {
      (obj as { state: unknown }).state = state;
      return;
    }
    setMaskedState(obj, state, context);
  },
};

const frombuffer: Reconstructor = {
  // _frombuffer(buffer, dtype, shape, order): protocol 5's contiguous arrays.
  call(args, context) {
    const [buffer, dtypeArg, shapeArg, order] = args;
    if (args.length !== 4) return context.inert('reduce', context.global, args);
    if (order !== 'C' && order !== 'F') return context.fail("_frombuffer order must be 'C' or 'F'");
    const dtype = asDType(dtypeArg, context);
    if (dtype.hasObject) context.fail('an object array cannot come from a buffer');
    const shape = checked(context, () => checkShape(shapeArg));
    const bytes = rawBytes(buffer, context, '_frombuffer buffer');
    if (dtype.itemsize === 0) context.fail('itemsize cannot be zero in type');
    checkData(shape, dtype, bytes.length, context);
    // A bytes object, or a read-only PickleBuffer, makes a read-only array (numpy's frombuffer).
    const readonly = buffer instanceof PickleBuffer ? buffer.readonly : !(buffer instanceof PyByteArray);
    return new NDArray({ dtype, shape, order, bytes, readonly });
  },
};

const scalar: Reconstructor = {
  // scalar(dtype, bytes): a numpy scalar; scalar(dtype('O'), obj) is obj, as numpy returns it.
  call(args, context) {
    const [dtypeArg, data] = args;
    if (args.length < 1 || args.length > 2 || !(dtypeArg instanceof DType))
      return context.inert('reduce', context.global, args);
    const dtype = asDType(dtypeArg as DType, context);
    if (dtype.kind === 'O' && dtype.fields === null) return data ?? null;
    if (dtype.hasObject) {
      // A structured scalar with object fields is pickled as a 0-d object array: keep it inert.
      return context.inert('reduce', context.global, args);
    }
    const bytes = args.length === 1 ? new Uint8Array(dtype.itemsize) : rawBytes(data, context, 'scalar data');
    if (bytes.length < dtype.itemsize)
      context.fail(`initialization string is too small: ${bytes.length} bytes for ${dtype.str}`);
    return new NDArray({ dtype, shape: [], bytes: bytes.subarray(0, dtype.itemsize), isScalar: true });
  },
};

const dtype: Reconstructor = {
  // numpy.dtype(obj, align, copy), then BUILD with the state.
  call(args, context) {
    if (args.length < 1 || args.length > 3) return context.inert('reduce', context.global, args);
    return checked(context, () => dtypeFromPickleArg(args[0], args[1]));
  },
  setState(obj, state, context) {
    if (!(obj instanceof DType)) context.fail('BUILD of a dtype on something else');
    checked(context, () => setDTypeState(obj as DType, state));
  },
};

/** The numpy globals brine reconstructs. */
export const numpyEntries: readonly Entry[] = [
  ...NUMPY_CORE_MODULES.flatMap((core): Entry[] => [
    [`${core}.multiarray`, '_reconstruct', reconstruct],
    [`${core}.multiarray`, 'scalar', scalar],
    [`${core}.numeric`, '_frombuffer', frombuffer],
  ]),
  ['numpy', 'dtype', dtype],
  ['numpy.ma.core', '_mareconstruct', mareconstruct],
];

/** numpy's reconstructor table: `registry.include(numpyTable)`. */
export const numpyTable: ReconstructorTable = { name: 'numpy', entries: numpyEntries };

export { NUMPY_SAFE_GLOBALS } from './safe-names.js';
