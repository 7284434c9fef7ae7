/**
 * Python's `array.array`: a typecode and a typed array of the machine type
 * CPython uses on 64-bit Linux and macOS (`l`/`L` are 64-bit, `u` is UTF-32).
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { formatFloatRepr } from '../floats.js';
import { PyFloat } from './builtins.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { PyGlobal } from './py-global.js';
import { pyRepr, type ReprFn, reprString } from './py-repr.js';
import type { TypedArray } from './typed-array.js';

const G_ARRAY = new PyGlobal('array', 'array');
const G_ARRAY_RECONSTRUCTOR = new PyGlobal('array', '_array_reconstructor');

/** The typed array that holds each typecode's items (any of brine's {@link TypedArray}s). */
export type ArrayData = TypedArray;

/** An `array.array` typecode. */
export type ArrayTypecode = 'b' | 'B' | 'u' | 'w' | 'h' | 'H' | 'i' | 'I' | 'l' | 'L' | 'q' | 'Q' | 'f' | 'd';

interface TypeInfo {
  readonly make: (n: number) => ArrayData;
  /** Machine format code of this typecode (little-endian), as `array._array_reconstructor` takes it. */
  readonly mformat: number;
}

const TYPES: Readonly<Record<ArrayTypecode, TypeInfo>> = {
  b: { make: (n) => new Int8Array(n), mformat: 1 },
  B: { make: (n) => new Uint8Array(n), mformat: 0 },
  u: { make: (n) => new Uint32Array(n), mformat: 20 },
  w: { make: (n) => new Uint32Array(n), mformat: 20 },
  h: { make: (n) => new Int16Array(n), mformat: 4 },
  H: { make: (n) => new Uint16Array(n), mformat: 2 },
  i: { make: (n) => new Int32Array(n), mformat: 8 },
  I: { make: (n) => new Uint32Array(n), mformat: 6 },
  l: { make: (n) => new BigInt64Array(n), mformat: 12 },
  L: { make: (n) => new BigUint64Array(n), mformat: 10 },
  q: { make: (n) => new BigInt64Array(n), mformat: 12 },
  Q: { make: (n) => new BigUint64Array(n), mformat: 10 },
  f: { make: (n) => new Float32Array(n), mformat: 14 },
  d: { make: (n) => new Float64Array(n), mformat: 16 },
};

/** The typecode of each JS typed array's machine type (the first of equal ones: `i` not `l`-sized). */
const TYPECODE_OF = /* @__PURE__ */ new Map<unknown, ArrayTypecode>([
  [Int8Array, 'b'],
  [Uint8Array, 'B'],
  [Uint8ClampedArray, 'B'],
  [Int16Array, 'h'],
  [Uint16Array, 'H'],
  [Int32Array, 'i'],
  [Uint32Array, 'I'],
  [BigInt64Array, 'q'],
  [BigUint64Array, 'Q'],
  [Float32Array, 'f'],
  [Float64Array, 'd'],
]);

/** True for a typecode brine knows. @internal */
export function isArrayTypecode(code: unknown): code is ArrayTypecode {
  return typeof code === 'string' && Object.hasOwn(TYPES, code);
}

/** `[item size, signed, float, utf-16/32 text]` of a machine format code (0..21). */
const MFORMATS: readonly (readonly [size: number, signed: boolean, float: boolean])[] = [
  [1, false, false],
  [1, true, false],
  [2, false, false],
  [2, false, false],
  [2, true, false],
  [2, true, false],
  [4, false, false],
  [4, false, false],
  [4, true, false],
  [4, true, false],
  [8, false, false],
  [8, false, false],
  [8, true, false],
  [8, true, false],
  [4, true, true],
  [4, true, true],
  [8, true, true],
  [8, true, true],
  [2, false, false],
  [2, false, false],
  [4, false, false],
  [4, false, false],
];

/**
 * Python's `array.array`. `data` is a typed array of the typecode's machine
 * type; for `'u'` (and `'w'`) it holds code points and `toString()` is the text.
 */
export class PyArray {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly typecode: ArrayTypecode;
  readonly data: ArrayData;

  /**
   * `array(typecode, items)`: from numbers, bigints (64-bit codes), a typed
   * array, or a string for `'u'`.
   * @throws {@link PicklingError} for an unknown typecode or items of the wrong kind.
   */
  constructor(typecode: ArrayTypecode, items: Iterable<number | bigint | string> | ArrayData | string = []) {
    const info = TYPES[typecode];
    if (info === undefined)
      throw new PicklingError(`bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)`);
    this.typecode = typecode;
    let list: unknown[];
    if (typeof items === 'string') {
      if (typecode !== 'u' && typecode !== 'w')
        throw new PicklingError('cannot use a str to initialize an array with typecode other than u or w');
      list = [...items].map((ch) => ch.codePointAt(0)!);
    } else list = [...(items as Iterable<unknown>)];
    const data = info.make(list.length);
    const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
    const floats = typecode === 'f' || typecode === 'd';
    for (let i = 0; i < list.length; i++) {
      let v = list[i];
      if (v instanceof PyFloat) v = v.value; // an integral float loaded with exact: true
      if (typeof v === 'string' && (typecode === 'u' || typecode === 'w') && [...v].length === 1)
        v = v.codePointAt(0);
      if (typeof v !== 'number' && typeof v !== 'bigint')
        throw new PicklingError(`array item must be a number, got ${v === null ? 'None' : typeof v}`);
      if (big) {
        if (typeof v === 'number' && !Number.isInteger(v))
          throw new PicklingError(`array item must be an integer, got ${v}`);
        const n = BigInt(v);
        (data as BigInt64Array)[i] = n as never;
        if ((data as BigInt64Array)[i] !== n)
          throw new PicklingError(`array item ${n} does not fit typecode '${typecode}'`);
      } else {
        const n = Number(v);
        (data as Float64Array)[i] = n;
        // Integer codes hold what fits, as Python's OverflowError says; f rounds to float32.
        if (!floats && (data as Float64Array)[i] !== n)
          throw new PicklingError(`array item ${n} does not fit typecode '${typecode}'`);
      }
    }
    if (typecode === 'u' || typecode === 'w') checkCodePoints(data as Uint32Array);
    this.data = data;
  }

  /**
   * Wraps a typed array of the typecode's machine type as it is (no copy).
   * @throws {@link PicklingError} when `data` is not that type.
   */
  static wrap(typecode: ArrayTypecode, data: ArrayData): PyArray {
    const info = TYPES[typecode];
    if (info === undefined || info.make(0).constructor !== data.constructor)
      throw new PicklingError(`typecode '${typecode}' does not hold a ${data.constructor.name}`);
    const array = Object.create(PyArray.prototype) as { typecode: ArrayTypecode; data: ArrayData };
    array.typecode = typecode;
    array.data = data;
    return array as PyArray;
  }

  /**
   * The `array.array` of a JS typed array's machine type, sharing its memory
   * (`Int32Array` is `'i'`, `Float64Array` `'d'`, `BigInt64Array` `'q'`,
   * `Uint8ClampedArray` `'B'` ...), or `null` for a typed array with no
   * typecode. How `dumps` writes a typed array (a `Uint8Array` is `bytes`).
   * @internal
   */
  static ofTypedArray(data: TypedArray | Uint8ClampedArray): PyArray | null {
    const code = TYPECODE_OF.get(data.constructor);
    if (code === undefined) return null;
    return PyArray.wrap(
      code,
      code === 'B' ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : (data as ArrayData),
    );
  }

  /**
   * `array._array_reconstructor(array, typecode, mformat_code, items)`: the
   * items in any of CPython's machine formats, converted to this machine's.
   * @internal
   */
  static fromMachineBytes(typecode: ArrayTypecode, mformat: number, bytes: Uint8Array): PyArray {
    const format = MFORMATS[mformat];
    if (format === undefined) throw new PicklingError(`invalid machine format code ${mformat}`);
    const [size, signed, float] = format;
    if (bytes.length % size !== 0) throw new PicklingError('string length not a multiple of item size');
    const little = mformat < 2 || mformat % 2 === 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = bytes.length / size;
    const data = TYPES[typecode].make(n);
    const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
    for (let i = 0; i < n; i++) {
      const at = i * size;
      let v: number | bigint;
      if (float) v = size === 4 ? view.getFloat32(at, little) : view.getFloat64(at, little);
      else if (size === 1) v = signed ? view.getInt8(at) : view.getUint8(at);
      else if (size === 2) v = signed ? view.getInt16(at, little) : view.getUint16(at, little);
      else if (size === 4) v = signed ? view.getInt32(at, little) : view.getUint32(at, little);
      else v = signed ? view.getBigInt64(at, little) : view.getBigUint64(at, little);
      if (big) (data as BigInt64Array)[i] = BigInt(v);
      else (data as Float64Array)[i] = Number(v);
    }
    if (typecode === 'u' || typecode === 'w') checkCodePoints(data as Uint32Array);
    return PyArray.wrap(typecode, data);
  }

  /** Number of items. */
  get length(): number {
    return this.data.length;
  }

  /** The items as JS numbers (bigints for 64-bit integer codes; strings of one character for `'u'`). */
  toArray(): (number | bigint | string)[] {
    if (this.typecode === 'u' || this.typecode === 'w') return [...this.toString()];
    return [...(this.data as Iterable<number | bigint>)];
  }

  /** The text of a `'u'`/`'w'` array; the items joined by commas otherwise. */
  toString(): string {
    if (this.typecode === 'u' || this.typecode === 'w') {
      let out = '';
      for (const cp of this.data as Uint32Array) out += String.fromCodePoint(cp);
      return out;
    }
    return this.data.join(',');
  }

  toJSON(): unknown {
    return this.typecode === 'u' || this.typecode === 'w'
      ? this.toString()
      : this.toArray().map((v) => (typeof v === 'bigint' ? String(v) : v));
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    if (this.length === 0) return `array('${this.typecode}')`;
    if (this.typecode === 'u' || this.typecode === 'w')
      return `array('${this.typecode}', ${reprString(this.toString())})`;
    const floats = this.typecode === 'f' || this.typecode === 'd';
    const items = this.toArray().map((v) => (floats ? formatFloatRepr(v as number) : repr(v)));
    return `array('${this.typecode}', [${items.join(', ')}])`;
  }

  [PY_REDUCE](protocol: number): Reduction {
    if (protocol < 3) {
      const floats = this.typecode === 'f' || this.typecode === 'd';
      const items = floats ? [...(this.data as Float64Array)].map((v) => new PyFloat(v)) : this.toArray();
      return { callable: G_ARRAY, args: [this.typecode, items] };
    }
    const info = TYPES[this.typecode];
    const bytes = new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return {
      callable: G_ARRAY_RECONSTRUCTOR,
      args: [G_ARRAY, this.typecode, info.mformat, littleEndian(bytes, this.data.BYTES_PER_ELEMENT)],
    };
  }
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndian(bytes: Uint8Array, size: number): Uint8Array {
  if (LITTLE || size === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size)
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

/** A `'u'` array holds characters: every item a Unicode code point, as Python checks. */
function checkCodePoints(data: Uint32Array): void {
  for (const cp of data)
    if (cp > 0x10ffff)
      throw new PicklingError(`character U+${cp.toString(16)} is not in range [U+0000; U+10ffff]`);
}
