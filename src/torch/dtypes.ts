/**
 * PyTorch's element types: their names, sizes, the storage classes that name
 * them in a pickle, and how their bytes decode.
 *
 * @module
 */

/** A dtype as torch names it without `torch.`: `'float32'`, `'bfloat16'`, `'int64'`, `'bool'`... */
export type TorchDType =
  | 'float64'
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'complex128'
  | 'complex64'
  | 'complex32'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint64'
  | 'uint32'
  | 'uint16'
  | 'uint8'
  | 'bool'
  | 'float8_e4m3fn'
  | 'float8_e5m2'
  | 'float8_e4m3fnuz'
  | 'float8_e5m2fnuz'
  | 'qint8'
  | 'quint8'
  | 'qint32'
  | 'quint4x2'
  | 'quint2x4';

/** What brine knows of a dtype. */
export interface DTypeInfo {
  readonly name: TorchDType;
  /** Bytes per element (for the sub-byte quantized kinds, per stored byte). */
  readonly size: number;
  /** The typed storage class torch pickles for it (`FloatStorage`). */
  readonly storage: string;
  /** How elements decode: a float of some kind, a signed or unsigned integer, a bool, a complex pair. */
  readonly kind: 'float' | 'int' | 'uint' | 'bool' | 'complex';
  /** The safetensors name (`F32`), when safetensors has one. */
  readonly safetensors?: string;
}

const TABLE: readonly DTypeInfo[] = [
  { name: 'float64', size: 8, storage: 'DoubleStorage', kind: 'float', safetensors: 'F64' },
  { name: 'float32', size: 4, storage: 'FloatStorage', kind: 'float', safetensors: 'F32' },
  { name: 'float16', size: 2, storage: 'HalfStorage', kind: 'float', safetensors: 'F16' },
  { name: 'bfloat16', size: 2, storage: 'BFloat16Storage', kind: 'float', safetensors: 'BF16' },
  { name: 'complex128', size: 16, storage: 'ComplexDoubleStorage', kind: 'complex', safetensors: 'C128' },
  { name: 'complex64', size: 8, storage: 'ComplexFloatStorage', kind: 'complex', safetensors: 'C64' },
  { name: 'complex32', size: 4, storage: 'ComplexHalfStorage', kind: 'complex' },
  { name: 'int64', size: 8, storage: 'LongStorage', kind: 'int', safetensors: 'I64' },
  { name: 'int32', size: 4, storage: 'IntStorage', kind: 'int', safetensors: 'I32' },
  { name: 'int16', size: 2, storage: 'ShortStorage', kind: 'int', safetensors: 'I16' },
  { name: 'int8', size: 1, storage: 'CharStorage', kind: 'int', safetensors: 'I8' },
  { name: 'uint64', size: 8, storage: 'UInt64Storage', kind: 'uint', safetensors: 'U64' },
  { name: 'uint32', size: 4, storage: 'UInt32Storage', kind: 'uint', safetensors: 'U32' },
  { name: 'uint16', size: 2, storage: 'UInt16Storage', kind: 'uint', safetensors: 'U16' },
  { name: 'uint8', size: 1, storage: 'ByteStorage', kind: 'uint', safetensors: 'U8' },
  { name: 'bool', size: 1, storage: 'BoolStorage', kind: 'bool', safetensors: 'BOOL' },
  { name: 'float8_e4m3fn', size: 1, storage: 'Float8_e4m3fnStorage', kind: 'float', safetensors: 'F8_E4M3' },
  { name: 'float8_e5m2', size: 1, storage: 'Float8_e5m2Storage', kind: 'float', safetensors: 'F8_E5M2' },
  { name: 'float8_e4m3fnuz', size: 1, storage: 'Float8_e4m3fnuzStorage', kind: 'float' },
  { name: 'float8_e5m2fnuz', size: 1, storage: 'Float8_e5m2fnuzStorage', kind: 'float' },
  { name: 'qint8', size: 1, storage: 'QInt8Storage', kind: 'int' },
  { name: 'quint8', size: 1, storage: 'QUInt8Storage', kind: 'uint' },
  { name: 'qint32', size: 4, storage: 'QInt32Storage', kind: 'int' },
  { name: 'quint4x2', size: 1, storage: 'QUInt4x2Storage', kind: 'uint' },
  { name: 'quint2x4', size: 1, storage: 'QUInt2x4Storage', kind: 'uint' },
];

const BY_NAME = new Map<string, DTypeInfo>(TABLE.map((d) => [d.name, d]));
const BY_STORAGE = new Map<string, DTypeInfo>(TABLE.map((d) => [d.storage, d]));
/** Torch's other spellings (`torch.float` is float32, `torch.long` int64...). */
const ALIASES: Record<string, TorchDType> = {
  float: 'float32',
  double: 'float64',
  half: 'float16',
  cfloat: 'complex64',
  cdouble: 'complex128',
  chalf: 'complex32',
  long: 'int64',
  int: 'int32',
  short: 'int16',
};
const BY_SAFETENSORS = new Map<string, DTypeInfo>(
  TABLE.filter((d) => d.safetensors !== undefined).map((d) => [d.safetensors!, d]),
);
const NUMPY_NAMES: Record<string, TorchDType> = {
  '<f8': 'float64',
  '<f4': 'float32',
  '<f2': 'float16',
  '<c16': 'complex128',
  '<c8': 'complex64',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '<u8': 'uint64',
  '<u4': 'uint32',
  '<u2': 'uint16',
  '|u1': 'uint8',
  '|b1': 'bool',
};

/**
 * The dtype named `name`: torch's name with or without `torch.`, an alias
 * (`float`, `long`), or numpy's little-endian str (`'<f4'`).
 *
 * @param name the name.
 * @returns the dtype's description, or `undefined` for a name torch does not have.
 */
export function dtypeInfo(name: string): DTypeInfo | undefined {
  const bare = name.startsWith('torch.') ? name.slice(6) : name;
  return BY_NAME.get(bare) ?? BY_NAME.get(ALIASES[bare] ?? '') ?? BY_NAME.get(NUMPY_NAMES[bare] ?? '');
}

/** The dtype of a typed storage class name (`FloatStorage`), or `undefined`. */
export function dtypeOfStorageClass(name: string): DTypeInfo | undefined {
  return BY_STORAGE.get(name);
}

/** The dtype of a safetensors name (`F32`), or `undefined`. */
export function dtypeOfSafetensors(name: string): DTypeInfo | undefined {
  return BY_SAFETENSORS.get(name);
}

/** Every dtype brine knows, in torch's order. */
export const TORCH_DTYPES: readonly DTypeInfo[] = TABLE;

// ---- scalar codecs ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits to a number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number to IEEE binary16 bits, rounding to nearest even (as torch's `.half()`). */
export function numberToHalf(value: number): number {
  f32[0] = value; // the float32 rounding first is what torch does from a float32 tensor
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

/** bfloat16 bits to a number. */
export function bfloat16ToNumber(b: number): number {
  u32[0] = b << 16;
  return f32[0]!;
}

/** A number to bfloat16 bits, rounding to nearest even (as torch does). */
export function numberToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff; // NaN stays NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** An 8-bit float to a number: `bias` and the NaN/infinity conventions of each kind. */
export function float8ToNumber(b: number, kind: TorchDType): number {
  const e4 = kind === 'float8_e4m3fn' || kind === 'float8_e4m3fnuz';
  const fnuz = kind.endsWith('fnuz');
  const mBits = e4 ? 3 : 2;
  const eBits = e4 ? 4 : 5;
  const bias = (e4 ? 7 : 15) + (fnuz ? 1 : 0);
  if (fnuz && b === 0x80) return Number.NaN;
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> mBits) & ((1 << eBits) - 1);
  const frac = b & ((1 << mBits) - 1);
  if (kind === 'float8_e4m3fn' && exp === 15 && frac === 7) return Number.NaN;
  if (kind === 'float8_e5m2' && exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (exp === 0) return sign * frac * 2 ** (1 - bias - mBits);
  return sign * (1 + frac / (1 << mBits)) * 2 ** (exp - bias);
}
