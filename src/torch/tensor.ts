/**
 * `Tensor` and `Storage`: torch's tensors as views (shape, stride, storage
 * offset) over storages that tensors share as they do in Python, with the
 * storage's bytes read when they are first asked for.
 *
 * @module
 */
import { PicklingError, UnpicklingError } from '../errors.js';
import { PyComplex } from '../types/builtins.js';
import { PyOrderedDict } from '../types/collections.js';
import { INSPECT, inspectRepr } from '../types/inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from '../types/protocol.js';
import { PyGlobal } from '../types/py-global.js';
import { tuple } from '../types/tuple.js';
import type { TypedArray } from '../types/typed-array.js';
import {
  bfloat16ToNumber,
  type DTypeInfo,
  dtypeInfo,
  float8ToNumber,
  halfToNumber,
  numberToBfloat16,
  numberToHalf,
  type TorchDType,
} from './dtypes.js';

export type { TypedArray };

/** Most dimensions a tensor may have. */
const MAX_NDIM = 64;
/**
 * Most bytes one gather allocates by default: the larger of 64 MiB and 16
 * times the storage (a view with zero strides can be far larger than the
 * bytes that back it; a tensor that is its storage always fits).
 */
const EXPANSION_FLOOR = 64 * 2 ** 20;
const EXPANSION_RATIO = 16;

/** Reads a storage's bytes: synchronously when the source can, else only asynchronously. */
export interface StorageReader {
  readSync?: () => Uint8Array;
  read: () => Promise<Uint8Array>;
}

/**
 * A storage: a flat run of bytes that tensors view. Loaded from a file, it
 * knows its size and where its bytes are, and reads them on first use (a
 * lazily read file), or holds them from the start (bytes in memory).
 */
export class Storage {
  /** The dtype of the storage class the pickle named (`uint8` for `UntypedStorage`). */
  readonly dtype: TorchDType;
  /** Its size in bytes. */
  readonly nbytes: number;
  /** The key of its record (`data/<key>` in a zip file), or `''` for a storage made in JS. */
  readonly key: string;
  /** The device torch saved it from (`'cpu'`, `'cuda:0'`). */
  readonly location: string;
  /** The byte order of its elements in `bytes()`. */
  readonly byteOrder: 'little' | 'big';
  #bytes: Uint8Array | undefined;
  readonly #reader: StorageReader | undefined;

  constructor(init: {
    dtype: TorchDType;
    nbytes: number;
    key?: string;
    location?: string;
    byteOrder?: 'little' | 'big';
    bytes?: Uint8Array;
    reader?: StorageReader;
  }) {
    this.dtype = init.dtype;
    this.nbytes = init.nbytes;
    this.key = init.key ?? '';
    this.location = init.location ?? 'cpu';
    this.byteOrder = init.byteOrder ?? 'little';
    this.#bytes = init.bytes;
    this.#reader = init.reader;
    if (init.bytes !== undefined && init.bytes.length !== init.nbytes) {
      throw new UnpicklingError(`storage ${init.key} holds ${init.bytes.length} bytes, not ${init.nbytes}`);
    }
  }

  /** Its size in elements of its own dtype. */
  get size(): number {
    return Math.floor(this.nbytes / (dtypeInfo(this.dtype)?.size ?? 1));
  }

  /** Whether its bytes are in memory. */
  get loaded(): boolean {
    return this.#bytes !== undefined;
  }

  /**
   * Its bytes, read now if they were not (a file read synchronously).
   *
   * @throws {@link UnpicklingError} when the bytes can only be read asynchronously (a `Blob`): `await load()` first.
   */
  bytes(): Uint8Array {
    if (this.#bytes !== undefined) return this.#bytes;
    if (this.#reader?.readSync === undefined) {
      throw new UnpicklingError(
        `the bytes of storage ${this.key} are read asynchronously: await tensor.load() before reading its data`,
      );
    }
    return this.#accept(this.#reader.readSync());
  }

  /** Reads its bytes (once) and returns them. */
  async load(): Promise<Uint8Array> {
    if (this.#bytes !== undefined) return this.#bytes;
    if (this.#reader === undefined) throw new UnpicklingError(`storage ${this.key} has no data`);
    return this.#accept(await this.#reader.read());
  }

  /** Drops bytes read from a file (they are read again when next asked for); a storage made in memory keeps them. */
  release(): void {
    if (this.#reader !== undefined) this.#bytes = undefined;
  }

  #accept(bytes: Uint8Array): Uint8Array {
    if (bytes.length !== this.nbytes) {
      throw new UnpicklingError(`storage ${this.key}: read ${bytes.length} bytes, expected ${this.nbytes}`);
    }
    this.#bytes = bytes;
    return bytes;
  }
}

/** Per-tensor affine quantization, as `torch._utils._rebuild_qtensor` gives it. */
export interface Quantizer {
  /** `'per_tensor_affine'`, `'per_channel_affine'`... */
  readonly scheme: string;
  readonly scale?: number;
  readonly zeroPoint?: number;
  /** The rest of torch's quantizer parameters, as loaded. */
  readonly params: readonly unknown[];
}

/** How a tensor is made from JS data. */
export interface TensorOptions {
  /** Default: the shape of the nested arrays, or `[length]` for a flat array. */
  shape?: readonly number[];
  /** Torch's name (`'float32'`, `'int64'`, `'bfloat16'`) or numpy's (`'<f4'`). Default: from the typed array, or as `torch.tensor` infers it. */
  dtype?: string;
  requiresGrad?: boolean;
}

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * A torch tensor: a view of `shape` with `stride` (in elements) from
 * `storageOffset` into a {@link Storage} that other tensors may share.
 * `toTypedArray()` and `toArray()` gather the view in C order.
 */
export class Tensor {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** torch's dtype name without `torch.`: `'float32'`, `'bfloat16'`, `'int64'`, `'bool'`. */
  readonly dtype: TorchDType;
  readonly shape: readonly number[];
  /** Steps between elements of each dimension, in elements. */
  readonly stride: readonly number[];
  /** Offset of the first element in the storage, in elements of this dtype. */
  readonly storageOffset: number;
  readonly requiresGrad: boolean;
  /** True for a `torch.nn.Parameter`. */
  readonly isParameter: boolean;
  /** The storage; `null` for a tensor without data (a `meta` tensor). */
  readonly storage: Storage | null;
  /** Quantization parameters of a quantized tensor. */
  readonly quantizer: Quantizer | undefined;
  /** Python state a Parameter carried (`_rebuild_parameter_with_state`), else `undefined`. */
  readonly state: unknown;

  /**
   * Makes a view and checks it against its storage: integer sizes and
   * strides, and every element inside the storage.
   *
   * @throws {@link UnpicklingError} for a view its storage cannot hold.
   */
  constructor(init: {
    storage: Storage | null;
    dtype?: TorchDType;
    shape: readonly number[];
    stride?: readonly number[];
    storageOffset?: number;
    requiresGrad?: boolean;
    isParameter?: boolean;
    quantizer?: Quantizer;
    state?: unknown;
  }) {
    const dtype = init.dtype ?? init.storage?.dtype;
    if (dtype === undefined || dtypeInfo(dtype) === undefined) {
      throw new UnpicklingError(`unknown tensor dtype ${String(dtype)}`);
    }
    const shape = init.shape;
    const stride = init.stride ?? contiguousStride(shape);
    const offset = init.storageOffset ?? 0;
    if (!Array.isArray(shape) || shape.length > MAX_NDIM || !shape.every(isIndex)) {
      throw new UnpicklingError(`tensor size ${describe(shape)} is not a list of at most ${MAX_NDIM} sizes`);
    }
    if (!Array.isArray(stride) || stride.length !== shape.length || !stride.every(isIndex)) {
      throw new UnpicklingError(
        `tensor stride ${describe(stride)} does not match its size ${describe(shape)}`,
      );
    }
    if (!isIndex(offset))
      throw new UnpicklingError(`tensor storage offset ${describe(offset)} is not an index`);
    let numel = 1;
    let last = offset;
    for (let i = 0; i < shape.length; i++) {
      numel *= shape[i]!;
      if (shape[i]! > 0) last += (shape[i]! - 1) * stride[i]!;
    }
    if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(last)) {
      throw new UnpicklingError(`tensor of size ${describe(shape)} is too large`);
    }
    if (init.storage !== null && numel > 0) {
      const capacity = Math.floor(init.storage.nbytes / dtypeInfo(dtype)!.size);
      if (last >= capacity) {
        throw new UnpicklingError(
          `tensor of size ${describe(shape)}, stride ${describe(stride)} and offset ${offset} reaches element ${last} of a storage of ${capacity} ${dtype} elements`,
        );
      }
    }
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.stride = Object.freeze([...stride]);
    this.storageOffset = offset;
    this.requiresGrad = init.requiresGrad ?? false;
    this.isParameter = init.isParameter ?? false;
    this.storage = init.storage;
    this.quantizer = init.quantizer;
    this.state = init.state;
  }

  /**
   * A tensor of JS data, contiguous in a new storage.
   *
   * @param data a typed array, or (nested) arrays of numbers, bigints or booleans.
   * @param options shape, dtype and requiresGrad.
   * @returns the tensor.
   * @throws {@link PicklingError} for data that does not fit the shape or the dtype.
   * @example
   * ```ts
   * const t = Tensor.from([[1, 2], [3, 4]], { dtype: 'float32' });
   * t.shape; // [2, 2]
   * ```
   */
  static from(data: unknown, options?: TensorOptions): Tensor {
    const { values, shape: found } = flatten(data);
    const shape = options?.shape ?? found;
    if (!shape.every(isIndex)) throw new PicklingError(`bad shape ${describe(shape)}`);
    const numel = shape.reduce((a, b) => a * b, 1);
    if (numel !== values.length) {
      throw new PicklingError(`${values.length} values do not fill a tensor of shape ${describe(shape)}`);
    }
    const name = options?.dtype ?? inferDType(data, values);
    const info = dtypeInfo(name);
    if (info === undefined) throw new PicklingError(`unknown dtype ${JSON.stringify(name)}`);
    const bytes = encodeValues(values, info);
    const storage = new Storage({ dtype: info.name, nbytes: bytes.length, bytes });
    return new Tensor({ storage, shape, requiresGrad: options?.requiresGrad ?? false });
  }

  /** Number of elements. */
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The device torch saved it from (`'cpu'`, `'cuda:0'`; `'meta'` for no data). */
  get device(): string {
    return this.storage?.location ?? 'meta';
  }

  /** Bytes per element. */
  get elementSize(): number {
    return dtypeInfo(this.dtype)!.size;
  }

  /** Whether the view is C-contiguous (as `tensor.is_contiguous()`). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] === 1) continue;
      if (this.shape[i] === 0) return true;
      if (this.stride[i] !== expected) return false;
      expected *= this.shape[i]!;
    }
    return true;
  }

  /** Reads the storage's bytes if they are not in memory yet (needed before `toArray()` for a `Blob`). */
  async load(): Promise<this> {
    await this.storage?.load();
    return this;
  }

  /**
   * The view's elements in C order, little-endian, as raw bytes (what
   * `tensor.contiguous()` holds, and safetensors stores).
   *
   * @param maxBytes refuse a result larger than this (an expanded view can be much larger than its
   *   storage). Default: the larger of 64 MiB and 16 times the storage's size.
   * @throws {@link UnpicklingError} when the storage cannot be read, or the result is too large.
   */
  contiguousBytes(maxBytes?: number): Uint8Array {
    const storage = this.storage;
    if (storage === null) throw new UnpicklingError(`a ${this.device} tensor has no data`);
    maxBytes ??= Math.max(EXPANSION_FLOOR, EXPANSION_RATIO * storage.nbytes);
    const size = this.elementSize;
    const total = this.numel * size;
    if (total > maxBytes) {
      throw new UnpicklingError(
        `a tensor of ${this.numel} ${this.dtype} elements needs ${total} bytes, more than ${maxBytes}`,
      );
    }
    const src = storage.bytes();
    const swap = storage.byteOrder === 'big' && size > 1;
    const start = this.storageOffset * size;
    // Always a copy (a Buffer's own slice would be a view of the storage).
    if (this.isContiguous() && !swap) return Uint8Array.prototype.slice.call(src, start, start + total);
    const out = new Uint8Array(total);
    const ndim = this.shape.length;
    const numel = this.numel;
    const index = new Array<number>(ndim).fill(0);
    let pos = start;
    const unit = this.dtype.startsWith('complex') ? size / 2 : size;
    for (let n = 0, o = 0; n < numel; n++, o += size) {
      if (swap) {
        for (let part = 0; part < size; part += unit)
          for (let b = 0; b < unit; b++) out[o + part + b] = src[pos + part + unit - 1 - b]!;
      } else {
        for (let b = 0; b < size; b++) out[o + b] = src[pos + b]!;
      }
      for (let d = ndim - 1; d >= 0; d--) {
        index[d]!++;
        pos += this.stride[d]! * size;
        if (index[d]! < this.shape[d]!) break;
        pos -= this.shape[d]! * this.stride[d]! * size;
        index[d] = 0;
      }
    }
    return out;
  }

  /**
   * The elements in C order as a typed array, native (little-endian) order:
   * `Float32Array` for float32 and for the kinds JS has no array for
   * (float16, bfloat16, float8, decoded), `Float64Array` for float64,
   * interleaved real and imaginary parts for complex, `BigInt64Array` for
   * int64, `Uint8Array` for bool and uint8.
   *
   * @param maxBytes refuse a result larger than this. Default: the larger of 64 MiB and 16 times the storage.
   * @returns the elements.
   * @example
   * ```ts
   * Tensor.from([1.5, 2.5]).toTypedArray(); // Float32Array [1.5, 2.5]
   * ```
   */
  toTypedArray(maxBytes?: number): TypedArray {
    const bytes = this.contiguousBytes(maxBytes);
    // contiguousBytes returns a fresh copy: its buffer is used as it is, copied only if it is not its own.
    const buffer = (
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    ) as ArrayBuffer;
    const n = this.numel;
    switch (this.dtype) {
      case 'float64':
        return new Float64Array(buffer);
      case 'float32':
        return new Float32Array(buffer);
      case 'complex128':
        return new Float64Array(buffer);
      case 'complex64':
        return new Float32Array(buffer);
      case 'int64':
        return new BigInt64Array(buffer);
      case 'uint64':
        return new BigUint64Array(buffer);
      case 'int32':
      case 'qint32':
        return new Int32Array(buffer);
      case 'uint32':
        return new Uint32Array(buffer);
      case 'int16':
        return new Int16Array(buffer);
      case 'uint16':
        return new Uint16Array(buffer);
      case 'int8':
      case 'qint8':
        return new Int8Array(buffer);
      case 'float16':
      case 'bfloat16':
      case 'complex32': {
        const halves = new Uint16Array(buffer);
        const out = new Float32Array(halves.length);
        const decode = this.dtype === 'bfloat16' ? bfloat16ToNumber : halfToNumber;
        for (let i = 0; i < halves.length; i++) out[i] = decode(halves[i]!);
        return out;
      }
      case 'float8_e4m3fn':
      case 'float8_e5m2':
      case 'float8_e4m3fnuz':
      case 'float8_e5m2fnuz': {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = float8ToNumber(bytes[i]!, this.dtype);
        return out;
      }
      default:
        return new Uint8Array(buffer);
    }
  }

  /**
   * The elements as nested arrays, as `tensor.tolist()`: numbers (an int64
   * beyond 2^53 as a bigint), booleans, `PyComplex` for complex; a 0-d
   * tensor gives its one value. A quantized tensor gives its dequantized
   * values when its quantization is per tensor.
   *
   * @param maxBytes refuse data larger than this. Default: the larger of 64 MiB and 16 times the storage.
   * @returns the nested values.
   * @example
   * ```ts
   * Tensor.from([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]]
   * ```
   */
  toArray(maxBytes?: number): unknown {
    const flat = this.toTypedArray(maxBytes);
    const values: unknown[] = [];
    const n = this.numel;
    if (this.dtype.startsWith('complex')) {
      for (let i = 0; i < n; i++)
        values.push(new PyComplex(flat[2 * i] as number, flat[2 * i + 1] as number));
    } else if (this.dtype === 'bool') {
      for (let i = 0; i < n; i++) values.push(flat[i] !== 0);
    } else if (flat instanceof BigInt64Array || flat instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) {
        const v = flat[i]!;
        values.push(v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v);
      }
    } else if (this.quantizer?.scale !== undefined && this.quantizer.zeroPoint !== undefined) {
      const { scale, zeroPoint } = this.quantizer;
      for (let i = 0; i < n; i++) values.push(((flat[i] as number) - zeroPoint) * scale);
    } else {
      for (let i = 0; i < n; i++) values.push(flat[i]);
    }
    return nest(values, this.shape);
  }

  /** A short description: `tensor(dtype=float32, shape=[2, 3], values=[0.0, 1.0, ...])`. */
  [PY_REPR](): string {
    return tensorRepr(this);
  }

  /**
   * What `torch.save` writes for the tensor: `_rebuild_tensor_v2` over its
   * storage (which {@link dumpTorch} turns into a persistent id), wrapped in
   * `_rebuild_parameter` for a Parameter.
   */
  [PY_REDUCE](): Reduction {
    const hooks = new PyOrderedDict();
    let data: Reduction;
    if (this.storage === null) {
      data = {
        callable: new PyGlobal('torch._utils', '_rebuild_meta_tensor_no_storage'),
        args: [
          new PyGlobal('torch', this.dtype),
          tuple(...this.shape),
          tuple(...this.stride),
          this.requiresGrad && !this.isParameter,
        ],
      };
    } else if (this.quantizer !== undefined) {
      data = {
        callable: new PyGlobal('torch._utils', '_rebuild_qtensor'),
        args: [
          this.storage,
          this.storageOffset,
          tuple(...this.shape),
          tuple(...this.stride),
          tuple(...this.quantizer.params),
          this.requiresGrad && !this.isParameter,
          hooks,
        ],
      };
    } else {
      data = {
        callable: new PyGlobal('torch._utils', '_rebuild_tensor_v2'),
        args: [
          new StorageView(this.storage, this.dtype),
          this.storageOffset,
          tuple(...this.shape),
          tuple(...this.stride),
          this.requiresGrad && !this.isParameter,
          hooks,
        ],
      };
    }
    if (!this.isParameter) return data;
    const inner = new Tensor({ ...this, isParameter: false, requiresGrad: false, stride: this.stride });
    const args: unknown[] = [inner, this.requiresGrad, hooks];
    if (this.state !== undefined) args.push(this.state);
    return {
      callable: new PyGlobal(
        'torch._utils',
        this.state === undefined ? '_rebuild_parameter' : '_rebuild_parameter_with_state',
      ),
      args,
    };
  }
}

/** A storage as one dtype sees it, for the persistent id a dump writes (torch saves typed storages). @internal */
export class StorageView {
  constructor(
    readonly storage: Storage,
    readonly dtype: TorchDType,
  ) {}
}

/** The strides of a C-contiguous tensor of this shape. */
export function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = step;
    step *= Math.max(1, shape[i] ?? 1);
  }
  return stride;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => describe(v)).join(', ')}]`;
  return typeof value === 'bigint' ? `${value}` : typeof value === 'number' ? `${value}` : typeof value;
}

function nest(values: unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  let level: unknown[] = values;
  for (let d = shape.length - 1; d >= 1; d--) {
    const size = shape[d]!;
    const next: unknown[] = [];
    const count = level.length / Math.max(1, size);
    if (size === 0) {
      const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
      for (let i = 0; i < outer; i++) next.push([]);
    } else {
      for (let i = 0; i < count; i++) next.push(level.slice(i * size, (i + 1) * size));
    }
    level = next;
  }
  return level;
}

function flatten(data: unknown): { values: unknown[]; shape: number[] } {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const arr = data as unknown as ArrayLike<unknown>;
    return { values: Array.from(arr), shape: [arr.length] };
  }
  if (!Array.isArray(data)) return { values: [data], shape: [] };
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new PicklingError('nested arrays of uneven depth');
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new PicklingError('nested arrays of uneven lengths');
    for (const item of v) walk(item, depth + 1);
  };
  walk(data, 0);
  return { values, shape };
}

function inferDType(data: unknown, values: unknown[]): string {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.some((v) => v instanceof PyComplex)) return 'complex64';
  if (
    values.every(
      (v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && !Object.is(v, -0)),
    )
  )
    return values.length === 0 ? 'float32' : 'int64';
  return 'float32';
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  throw new PicklingError(`a tensor element is a ${typeof v}, not a number`);
}

function toBigInt(v: unknown, signed: boolean): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'boolean') b = v ? 1n : 0n;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else throw new PicklingError(`${String(v)} is not an integer`);
  return signed ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
}

/** JS values to the little-endian bytes of `info`'s dtype. */
export function encodeValues(values: readonly unknown[], info: DTypeInfo): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * info.size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const at = i * info.size;
    switch (info.name) {
      case 'float64':
        view.setFloat64(at, toNumber(v), true);
        break;
      case 'float32':
        view.setFloat32(at, toNumber(v), true);
        break;
      case 'float16':
        view.setUint16(at, numberToHalf(toNumber(v)), true);
        break;
      case 'bfloat16':
        view.setUint16(at, numberToBfloat16(toNumber(v)), true);
        break;
      case 'complex128':
      case 'complex64': {
        const c = v instanceof PyComplex ? v : new PyComplex(toNumber(v), 0);
        if (info.name === 'complex128') {
          view.setFloat64(at, c.real, true);
          view.setFloat64(at + 8, c.imag, true);
        } else {
          view.setFloat32(at, c.real, true);
          view.setFloat32(at + 4, c.imag, true);
        }
        break;
      }
      case 'int64':
        view.setBigInt64(at, toBigInt(v, true), true);
        break;
      case 'uint64':
        view.setBigUint64(at, toBigInt(v, false), true);
        break;
      case 'int32':
        view.setInt32(at, toNumber(v), true);
        break;
      case 'uint32':
        view.setUint32(at, toNumber(v), true);
        break;
      case 'int16':
        view.setInt16(at, toNumber(v), true);
        break;
      case 'uint16':
        view.setUint16(at, toNumber(v), true);
        break;
      case 'int8':
        view.setInt8(at, toNumber(v));
        break;
      case 'uint8':
        view.setUint8(at, toNumber(v));
        break;
      case 'bool':
        view.setUint8(at, toNumber(v) !== 0 ? 1 : 0);
        break;
      default:
        throw new PicklingError(`Tensor.from cannot encode ${info.name}`);
    }
  }
  return out;
}

/** How many values a repr shows. */
const REPR_VALUES = 6;

/**
 * A short, torch-flavoured description of a tensor, with a few values when
 * its data is in memory or can be read synchronously:
 * `tensor(dtype=float32, shape=[2, 3], values=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0])`.
 *
 * @param tensor the tensor.
 * @param maxValues how many values to show (default 6; 0 for none).
 * @returns the description.
 * @example
 * ```ts
 * tensorRepr(Tensor.from([1, 2, 3])); // 'tensor(dtype=int64, shape=[3], values=[1, 2, 3])'
 * ```
 */
export function tensorRepr(tensor: Tensor, maxValues = REPR_VALUES): string {
  const parts = [`dtype=${tensor.dtype}`, `shape=[${tensor.shape.join(', ')}]`];
  if (tensor.isParameter) parts.push('parameter');
  if (tensor.requiresGrad) parts.push('requires_grad=True');
  if (tensor.device !== 'cpu') parts.push(`device=${JSON.stringify(tensor.device)}`);
  const values = maxValues > 0 ? someValues(tensor, maxValues) : undefined;
  if (values !== undefined) parts.push(`values=${values}`);
  return `tensor(${parts.join(', ')})`;
}

function someValues(tensor: Tensor, max: number): string | undefined {
  const storage = tensor.storage;
  if (storage === null) return undefined;
  try {
    if (!storage.loaded) storage.bytes();
  } catch {
    return undefined; // asynchronous data not loaded yet
  }
  try {
    const n = tensor.numel;
    if (n === 0) return '[]';
    // Only the first elements: a view of the first row(s) is cheap to gather.
    let flat: unknown[];
    if (n <= max * 4) {
      flat = [tensor.toArray()].flat(tensor.ndim) as unknown[];
    } else {
      const first = firstElements(tensor, max);
      flat = [first.toArray()].flat(first.ndim) as unknown[];
    }
    const float = /^(float|bfloat|complex)/.test(tensor.dtype);
    const shown = flat.slice(0, max).map((v) => formatValue(v, float));
    return `[${shown.join(', ')}${n > max ? ', ...' : ''}]`;
  } catch {
    return undefined;
  }
}

/** A 1-d view of the first `count` elements in C order (their storage positions). */
function firstElements(tensor: Tensor, count: number): Tensor {
  const last = tensor.ndim - 1;
  const take = Math.min(count, tensor.shape[last]!);
  const shape = tensor.shape.map((s, i) => (i === last ? take : Math.min(1, s)));
  return new Tensor({
    storage: tensor.storage,
    dtype: tensor.dtype,
    shape,
    stride: tensor.stride,
    storageOffset: tensor.storageOffset,
    quantizer: tensor.quantizer,
  });
}

/** A value as Python prints it in a list (`1.0`, `nan`, `True`). */
function formatValue(v: unknown, float: boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (Object.is(v, -0)) return '-0.0';
    const text = String(v);
    return float && Number.isInteger(v) && !/e/.test(text) ? `${text}.0` : text;
  }
  return String(v);
}
