/**
 * numpy's `dtype`: the description of one array element, as numpy holds it
 * (kind, item size, byte order, structured fields with offsets and titles,
 * subarrays, datetime units and metadata), with numpy's own spellings
 * (`str`, `name`, `descr`) and its pickled form.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { FreshString } from '../fresh-string.js';
import { INSPECT, inspectRepr } from '../types/inspect.js';
import { PY_REDUCE, PY_REPR, type ReduceOptions, type Reduction } from '../types/protocol.js';
import { PyGlobal } from '../types/py-global.js';
import { isTuple, type Tuple, tuple } from '../types/tuple.js';

/** numpy's kind characters: bool, signed, unsigned, float, complex, str (UTF-32), bytes, void, object, datetime64, timedelta64. */
export type DTypeKind = 'b' | 'i' | 'u' | 'f' | 'c' | 'U' | 'S' | 'V' | 'O' | 'M' | 'm';

/** A byte order as numpy's `dtype.str` shows it: little, big, or not applicable. */
export type ByteOrder = '<' | '>' | '|';

/** One field of a structured dtype. */
export interface DTypeField {
  readonly name: string;
  readonly dtype: DType;
  /** Byte offset of the field in the element. */
  readonly offset: number;
  /** The field's title (numpy's `(title, name)` spelling), `null` when none. */
  readonly title: unknown;
}

/** The subarray of a dtype such as `('<f8', (2, 3))`: its element dtype and shape. */
export interface DTypeSubarray {
  readonly base: DType;
  readonly shape: readonly number[];
}

/** Datetime units numpy knows, as `M8[unit]` spells them. */
export const DATETIME_UNITS: readonly string[] = [
  'Y',
  'M',
  'W',
  'D',
  'h',
  'm',
  's',
  'ms',
  'us',
  'ns',
  'ps',
  'fs',
  'as',
  'generic',
];

/** Scalar values an element may hold beyond one per byte (overlapping fields could multiply them). */
const MAX_LEAVES = 1 << 16;
/** The largest element numpy accepts (its item size is a C int). */
const MAX_ITEMSIZE = 0x7fffffff;
/** The deepest nesting of structured and subarray dtypes brine reads. */
const MAX_DEPTH = 64;
/** The most dimensions numpy allows (NPY_MAXDIMS, numpy 1.x). */
export const MAX_DIMS = 32;

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** This machine's byte order, as numpy's `dtype.str` spells it. */
export const NATIVE: '<' | '>' = LITTLE ? '<' : '>';

const NPY_ITEM_HASOBJECT = 0x01;
const NPY_NEEDS_PYAPI = 0x10;
const NPY_FROM_FIELDS = 0x1b;
const NPY_ALIGNED_STRUCT = 0x80;

const G_DTYPE = new PyGlobal('numpy', 'dtype');

/** An error in a dtype description; reconstructors turn it into an UnpicklingError. @internal */
export class DTypeError extends PicklingError {}

/** Dtypes in use (inside another dtype, or by an array): BUILD may no longer change them, so no dtype can contain itself. */
const SEALED = new WeakSet<DType>();

/** Marks a dtype as in use. @internal */
export function sealDType(d: DType): void {
  SEALED.add(d);
}

/** Sets the parts of a dtype (the constructor, and BUILD on a dtype a pickle made). @internal */
export function assignDType(target: DType, init: DTypeInit): void {
  const t = target as unknown as Record<string, unknown>;
  const fields = init.fields ?? null;
  const subarray = init.subarray ?? null;
  t.kind = init.kind;
  t.itemsize = init.itemsize;
  t.fields = fields === null ? null : Object.freeze([...fields]);
  t.subarray = subarray;
  t.byteorder = normalizeOrder(init.kind, init.itemsize, init.byteorder ?? NATIVE, fields, subarray);
  t.unit = init.unit ?? (init.kind === 'M' || init.kind === 'm' ? 'generic' : null);
  t.count = init.count ?? 1;
  t.metadata = init.metadata ?? null;
  t.type = init.type ?? null;
  t.alignedStruct = init.alignedStruct ?? false;
  let depth = 0;
  let leaves = 1;
  if (subarray !== null) {
    depth = subarray.base.depth + 1;
    let n = subarray.base.leaves;
    for (const dim of subarray.shape) n *= dim;
    leaves = n;
  } else if (fields !== null) {
    leaves = 0;
    for (const f of fields) {
      depth = Math.max(depth, f.dtype.depth + 1);
      leaves += f.dtype.leaves;
    }
  }
  t.depth = depth;
  t.leaves = leaves;
  t.alignment = init.alignment ?? target.computeAlignment();
  t.flags = init.flags ?? target.computeFlags();
}

/** The signed 8-bit value of numpy's `char` flags. */
function signedFlags(flags: number): number {
  return (flags << 24) >> 24;
}

const NAMES: Readonly<Record<string, string>> = {
  b1: 'bool',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  f16: 'float128',
  c8: 'complex64',
  c16: 'complex128',
  c32: 'complex256',
};

/** Item sizes of the fixed-size kinds numpy has on 64-bit Linux, macOS and Windows. */
const FIXED_SIZES: Readonly<Record<string, readonly number[]>> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 12, 16],
  c: [8, 16, 24, 32],
  M: [8],
  m: [8],
  O: [8],
};

/** numpy's one-letter type characters and their `kind + size`. */
const CHARS: Readonly<Record<string, string>> = {
  '?': 'b1',
  b: 'i1',
  B: 'u1',
  h: 'i2',
  H: 'u2',
  i: 'i4',
  I: 'u4',
  l: 'i8',
  L: 'u8',
  q: 'i8',
  Q: 'u8',
  p: 'i8',
  P: 'u8',
  e: 'f2',
  f: 'f4',
  d: 'f8',
  g: 'f16',
  F: 'c8',
  D: 'c16',
  G: 'c32',
  O: 'O8',
  M: 'M8',
  m: 'm8',
};

/** numpy's type names (`np.dtype('float32')`) and the torch names `from` also takes. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  bool: 'b1',
  bool_: 'b1',
  int8: 'i1',
  int16: 'i2',
  int32: 'i4',
  int64: 'i8',
  uint8: 'u1',
  uint16: 'u2',
  uint32: 'u4',
  uint64: 'u8',
  float16: 'f2',
  half: 'f2',
  float32: 'f4',
  single: 'f4',
  float64: 'f8',
  double: 'f8',
  float: 'f8',
  float128: 'f16',
  longdouble: 'f16',
  complex64: 'c8',
  complex128: 'c16',
  complex: 'c16',
  complex256: 'c32',
  int: 'i8',
  int_: 'i8',
  intp: 'i8',
  uint: 'u8',
  uintp: 'u8',
  long: 'i8',
  ulong: 'u8',
  longlong: 'i8',
  ulonglong: 'u8',
  short: 'i2',
  ushort: 'u2',
  intc: 'i4',
  uintc: 'u4',
  byte: 'i1',
  ubyte: 'u1',
  object: 'O8',
  object_: 'O8',
  str: 'U0',
  str_: 'U0',
  unicode: 'U0',
  bytes: 'S0',
  bytes_: 'S0',
  void: 'V0',
  datetime64: 'M8',
  timedelta64: 'm8',
};

/** The natural alignment of a fixed-size kind (numpy's on x86-64). */
function naturalAlignment(kind: DTypeKind, itemsize: number): number {
  switch (kind) {
    case 'c':
      return itemsize / 2;
    case 'O':
    case 'M':
    case 'm':
      return 8;
    case 'U':
      return 4;
    case 'S':
    case 'V':
      return 1;
    default:
      return itemsize;
  }
}

/** Parts of a dtype given to the constructor. @internal */
export interface DTypeInit {
  kind: DTypeKind;
  itemsize: number;
  byteorder?: ByteOrder;
  fields?: readonly DTypeField[] | null;
  subarray?: DTypeSubarray | null;
  unit?: string | null;
  count?: number;
  metadata?: unknown;
  alignment?: number;
  flags?: number;
  /** The class of a `numpy.record` dtype (recarray), else null. */
  type?: PyGlobal | null;
  alignedStruct?: boolean;
}

/**
 * A numpy dtype. Instances are immutable; the built-in native-order dtypes
 * are shared (`DType.get('float64') === DType.get('<f8')`), as numpy's are,
 * so that a pickle of several arrays writes each once.
 *
 * @example Describe an element type
 * ```ts
 * import { DType } from 'brine';
 * const t = DType.get('>i4');
 * t.str; // '>i4'
 * t.name; // 'int32'
 * t.itemsize; // 4
 * ```
 */
export class DType {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** numpy's kind character. */
  readonly kind!: DTypeKind;
  /** Bytes per element. */
  readonly itemsize!: number;
  /** `'<'`, `'>'`, or `'|'` when byte order does not apply. */
  readonly byteorder!: ByteOrder;
  /** The fields of a structured dtype in order (numpy's `names`), `null` otherwise. */
  readonly fields!: readonly DTypeField[] | null;
  /** The subarray of a dtype like `('<f8', (2,))`, `null` otherwise. */
  readonly subarray!: DTypeSubarray | null;
  /** Datetime/timedelta unit (`'ns'`, `'D'`, `'generic'`), `null` for other kinds. */
  readonly unit!: string | null;
  /** Datetime/timedelta units per tick (`M8[10ms]` has 10), 1 otherwise. */
  readonly count!: number;
  /** numpy's `dtype.metadata` dict (loaded value), `null` when none. */
  readonly metadata!: unknown;
  /** numpy's `dtype.alignment`. */
  readonly alignment!: number;
  /** numpy's `dtype.flags` (a signed char). */
  readonly flags!: number;
  /** The scalar type when it is not the default for the kind (`numpy.record` for a recarray's dtype), else `null`. */
  readonly type!: PyGlobal | null;
  /** A structured dtype made with `align=True`. */
  readonly alignedStruct!: boolean;

  /** @internal How deep fields and subarrays nest (0 for a plain dtype). */
  readonly depth!: number;
  /** @internal Scalar values per element (fields times subarray sizes), bounded on load. */
  readonly leaves!: number;

  /** @internal Use {@link DType.get}; the constructor trusts its input. */
  constructor(init: DTypeInit) {
    assignDType(this, init);
  }

  /** @internal The parts of this dtype, to make a changed copy. */
  init(): DTypeInit {
    return {
      kind: this.kind,
      itemsize: this.itemsize,
      byteorder: this.byteorder,
      fields: this.fields,
      subarray: this.subarray,
      unit: this.unit,
      count: this.count,
      metadata: this.metadata,
      type: this.type,
      alignedStruct: this.alignedStruct,
    };
  }

  /** @internal */
  computeAlignment(): number {
    if (this.subarray !== null) return this.subarray.base.alignment;
    if (this.fields !== null) {
      if (!this.alignedStruct) return 1;
      let a = 1;
      for (const f of this.fields) a = Math.max(a, f.dtype.alignment);
      return a;
    }
    return naturalAlignment(this.kind, this.itemsize);
  }

  /** @internal */
  computeFlags(): number {
    if (this.kind === 'O') return 63;
    if (this.kind === 'U') return 8;
    if (this.subarray !== null) return this.subarray.base.flags;
    if (this.fields !== null) {
      let flags = NPY_NEEDS_PYAPI;
      for (const f of this.fields) flags |= f.dtype.flags & NPY_FROM_FIELDS;
      if (this.alignedStruct) flags |= NPY_ALIGNED_STRUCT;
      return signedFlags(flags);
    }
    return 0;
  }

  /**
   * The dtype numpy means by `spec`: a type string (`'<f8'`, `'i4'`, `'U5'`,
   * `'|S3'`, `'V12'`, `'O'`, `'M8[ns]'`, `'?'`), a type name (`'float32'`,
   * `'int64'`, `'bool'`, `'datetime64[ms]'`), or a DType.
   * @throws {@link PicklingError} for a spec numpy would refuse.
   */
  static get(spec: string | DType): DType {
    if (spec instanceof DType) return spec;
    if (typeof spec !== 'string') throw new DTypeError(`data type ${String(spec)} not understood`);
    const cached = CACHE.get(spec);
    if (cached !== undefined) return cached;
    const parsed = parseTypeString(spec);
    if (parsed === undefined) throw new DTypeError(`data type '${printable(spec)}' not understood`);
    return parsed;
  }

  /** True for a structured dtype (numpy's `dtype.names is not None`). */
  get isStructured(): boolean {
    return this.fields !== null;
  }

  /** True when an element holds Python objects (numpy's `hasobject`). */
  get hasObject(): boolean {
    return (this.flags & NPY_ITEM_HASOBJECT) !== 0;
  }

  /** numpy's `dtype.names`, `null` for an unstructured dtype. */
  get names(): readonly string[] | null {
    return this.fields === null ? null : this.fields.map((f) => f.name);
  }

  /** numpy's `dtype.str`: `'<f8'`, `'|b1'`, `'<U5'`, `'|O'`, `'<M8[ns]'`, `'|V12'`. */
  get str(): string {
    if (this.kind === 'O') return '|O';
    if (this.fields !== null || this.subarray !== null) return `|V${this.itemsize}`;
    const size = this.kind === 'U' ? this.itemsize / 4 : this.itemsize;
    return `${this.byteorder}${this.kind}${size}${this.#unitSuffix()}`;
  }

  #unitSuffix(): string {
    if (this.kind !== 'M' && this.kind !== 'm') return '';
    if (this.unit === 'generic') return '';
    return `[${this.count === 1 ? '' : this.count}${this.unit}]`;
  }

  /** numpy's `dtype.name`: `'float64'`, `'bool'`, `'str160'`, `'bytes40'`, `'void96'`, `'object'`, `'datetime64[ns]'`. */
  get name(): string {
    const bits = this.itemsize * 8;
    switch (this.kind) {
      case 'O':
        return 'object';
      case 'U':
        return `str${bits}`;
      case 'S':
        return `bytes${bits}`;
      case 'V':
        return this.type?.name === 'record' ? `record${bits}` : `void${bits}`;
      case 'M':
      case 'm':
        return `${this.kind === 'M' ? 'datetime64' : 'timedelta64'}${this.#unitSuffix()}`;
      default:
        return NAMES[`${this.kind}${this.itemsize}`] ?? `${this.kind}${this.itemsize}`;
    }
  }

  /** numpy's `dtype.char`: `'d'`, `'f'`, `'?'`, `'U'`, `'S'`, `'V'`, `'O'`, `'M'`, `'m'` ... */
  get char(): string {
    switch (this.kind) {
      case 'b':
        return '?';
      case 'i':
        return ({ 1: 'b', 2: 'h', 4: 'i', 8: 'l' } as Record<number, string>)[this.itemsize] ?? 'q';
      case 'u':
        return ({ 1: 'B', 2: 'H', 4: 'I', 8: 'L' } as Record<number, string>)[this.itemsize] ?? 'Q';
      case 'f':
        return ({ 2: 'e', 4: 'f', 8: 'd' } as Record<number, string>)[this.itemsize] ?? 'g';
      case 'c':
        return ({ 8: 'F', 16: 'D' } as Record<number, string>)[this.itemsize] ?? 'G';
      default:
        return this.kind;
    }
  }

  /**
   * numpy's `dtype.descr`: `[['', '<f8']]` for a plain dtype, the fields
   * (with `['', '|V4']` padding, `[title, name]` names and subarray shapes)
   * for a structured one. Tuples are frozen arrays.
   */
  get descr(): unknown[] {
    if (this.fields === null) return [tuple('', arrayDescr(this))];
    return arrayDescr(this) as unknown[];
  }

  /** The same dtype in another byte order (numpy's `newbyteorder`), for the kinds where it applies. */
  withByteOrder(order: '<' | '>'): DType {
    if (this.byteorder === '|' || this.byteorder === order) return this;
    return new DType({ ...this.init(), byteorder: order });
  }

  /** True when both describe the same element as numpy's `==` on dtypes would (metadata aside). */
  equals(other: DType): boolean {
    if (this === other) return true;
    if (
      this.kind !== other.kind ||
      this.itemsize !== other.itemsize ||
      this.byteorder !== other.byteorder ||
      this.unit !== other.unit ||
      this.count !== other.count
    )
      return false;
    if ((this.subarray === null) !== (other.subarray === null)) return false;
    if (this.subarray !== null && other.subarray !== null) {
      if (!this.subarray.base.equals(other.subarray.base)) return false;
      if (this.subarray.shape.join(',') !== other.subarray.shape.join(',')) return false;
    }
    if ((this.fields === null) !== (other.fields === null)) return false;
    if (this.fields !== null && other.fields !== null) {
      if (this.fields.length !== other.fields.length) return false;
      for (let i = 0; i < this.fields.length; i++) {
        const a = this.fields[i]!;
        const b = other.fields[i]!;
        if (a.name !== b.name || a.offset !== b.offset || a.title !== b.title || !a.dtype.equals(b.dtype))
          return false;
      }
    }
    return true;
  }

  toString(): string {
    return this.fields === null && this.subarray === null ? this.name : String(this.descr);
  }

  [PY_REPR](repr?: (value: unknown) => string): string {
    if (this.fields === null && this.subarray === null) return `dtype('${this.str}')`;
    const show = repr ?? ((v: unknown) => JSON.stringify(v));
    if (this.subarray !== null)
      return `dtype((${this.subarray.base[PY_REPR](repr)}, (${this.subarray.shape.join(', ')}${this.subarray.shape.length === 1 ? ',' : ''})))`;
    return `dtype(${show(this.descr)})`;
  }

  /**
   * numpy's `dtype.__reduce__`: `numpy.dtype('<kind><size>', False, True)`
   * then BUILD with the version 3 state (version 4 with datetime units or
   * metadata). The type string is a fresh str each time, as numpy makes it.
   */
  [PY_REDUCE](_protocol: number, _options?: ReduceOptions): Reduction {
    let typeArg: unknown;
    if (this.type !== null) typeArg = this.type;
    else {
      const size = this.kind === 'U' ? this.itemsize / 4 : this.itemsize;
      const text = this.kind === 'M' || this.kind === 'm' ? `${this.kind}8` : `${this.kind}${size}`;
      typeArg = new FreshString(text);
    }
    const extended = this.kind === 'U' || this.kind === 'S' || this.kind === 'V';
    const names = this.fields?.map((f) => f.name) ?? null;
    const parts: unknown[] = [
      this.byteorder,
      this.subarray === null ? null : tuple<unknown>(this.subarray.base, tuple(...this.subarray.shape)),
      names === null ? null : tuple(...names),
      this.fields === null || names === null ? null : fieldsDict(this.fields, names),
      extended ? this.itemsize : -1,
      extended ? this.alignment : -1,
      this.flags,
    ];
    let state: Tuple;
    if (this.kind === 'M' || this.kind === 'm') {
      const meta = this.metadata ?? {};
      state = tuple<unknown>(
        4,
        ...parts,
        tuple<unknown>(meta, tuple<unknown>(latin1Bytes(this.unit ?? 'generic'), this.count, 1, 1)),
      );
    } else if (this.metadata !== null) state = tuple<unknown>(4, ...parts, this.metadata);
    else state = tuple<unknown>(3, ...parts);
    return { callable: G_DTYPE, args: [typeArg, false, true], state };
  }
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** numpy's `fields` dict: name -> (dtype, offset[, title]), and title -> the same tuple. */
function fieldsDict(fields: readonly DTypeField[], names: readonly unknown[]): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (const [i, f] of fields.entries()) {
    const entry =
      f.title === null ? tuple<unknown>(f.dtype, f.offset) : tuple<unknown>(f.dtype, f.offset, f.title);
    map.set(names[i], entry);
    if (f.title !== null) map.set(f.title, entry);
  }
  return map;
}

/** numpy's `_internal._array_descr`. */
function arrayDescr(d: DType): unknown {
  if (d.fields === null) {
    if (d.subarray !== null) return tuple(arrayDescr(d.subarray.base), tuple(...d.subarray.shape));
    return d.str;
  }
  const out: unknown[] = [];
  let offset = 0;
  const ordered = [...d.fields];
  for (const f of ordered) {
    if (f.offset > offset) {
      out.push(tuple('', `|V${f.offset - offset}`));
      offset = f.offset;
    } else if (f.offset < offset) {
      // numpy raises here; the descr of such a dtype lists the fields as they are.
      offset = f.offset;
    }
    const name = f.title === null ? f.name : tuple(f.title, f.name);
    if (f.dtype.subarray !== null)
      out.push(tuple(name, arrayDescr(f.dtype.subarray.base), tuple(...f.dtype.subarray.shape)));
    else out.push(tuple(name, arrayDescr(f.dtype)));
    offset += f.dtype.itemsize;
  }
  if (d.itemsize > offset) out.push(tuple('', `|V${d.itemsize - offset}`));
  return out;
}

function normalizeOrder(
  kind: DTypeKind,
  itemsize: number,
  order: string,
  fields: readonly DTypeField[] | null,
  subarray: DTypeSubarray | null,
): ByteOrder {
  if (fields !== null || subarray !== null) return '|';
  if (kind === 'b' || kind === 'O' || kind === 'S' || kind === 'V') return '|';
  if ((kind === 'i' || kind === 'u') && itemsize === 1) return '|';
  if (order === '=') return NATIVE;
  return order === '>' ? '>' : order === '|' ? NATIVE : '<';
}

function printable(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const CACHE = new Map<string, DType>();

/**
 * Parses a numpy type string. Returns `undefined` when numpy would refuse it.
 * @internal
 */
export function parseTypeString(spec: string): DType | undefined {
  const named = TYPE_NAMES[spec];
  if (named !== undefined) return parseTypeString(named);
  // datetime64[ns] / timedelta64[10ms]
  const long = /^(datetime64|timedelta64)\[(\d*)([A-Za-z]+)\]$/.exec(spec);
  if (long !== null) return parseTypeString(`${long[1] === 'datetime64' ? 'M' : 'm'}8[${long[2]}${long[3]}]`);
  const m = /^([<>|=]?)([?bBhHiIlLqQpPeEfdgFDGOMmUSaVcbiufc]{1})(\d*)(?:\[(\d*)([A-Za-z]+)\])?$/.exec(spec);
  if (m === null) return undefined;
  const order = m[1] ?? '';
  let letter = m[2]!;
  let digits = m[3] ?? '';
  const unitCount = m[4];
  const unit = m[5];
  if (letter === 'a') letter = 'S';
  if (letter === 'c' && digits === '') {
    // 'c' alone is numpy's S1 character type.
    letter = 'S';
    digits = '1';
  }
  let kind: DTypeKind;
  let itemsize: number;
  if (digits === '') {
    const code = CHARS[letter];
    if (letter === 'U' || letter === 'S' || letter === 'V') {
      kind = letter;
      itemsize = 0;
    } else if (code !== undefined) {
      kind = code[0] as DTypeKind;
      itemsize = Number(code.slice(1));
    } else if (letter === 'b' && order === '') {
      kind = 'i';
      itemsize = 1;
    } else return undefined;
  } else {
    if (digits.length > 10) return undefined;
    const n = Number(digits);
    if (letter === 'U' || letter === 'S' || letter === 'V') {
      kind = letter;
      itemsize = letter === 'U' ? n * 4 : n;
    } else if (letter === 'O') {
      if (n !== 8) return undefined;
      kind = 'O';
      itemsize = 8;
    } else if ('biufcMm'.includes(letter)) {
      kind = letter as DTypeKind;
      itemsize = n;
      if (!FIXED_SIZES[kind]!.includes(itemsize)) return undefined;
    } else return undefined;
  }
  if (!Number.isSafeInteger(itemsize) || itemsize > MAX_ITEMSIZE) return undefined;
  if (kind === 'b' && itemsize !== 1) return undefined;
  let dtUnit: string | null = null;
  let count = 1;
  if (unit !== undefined) {
    if (kind !== 'M' && kind !== 'm') return undefined;
    if (!DATETIME_UNITS.includes(unit)) return undefined;
    dtUnit = unit;
    count = unitCount === undefined || unitCount === '' ? 1 : Number(unitCount);
    if (!Number.isSafeInteger(count) || count < 1 || count > 0x7fffffff) return undefined;
    if (unit === 'generic' && count !== 1) return undefined;
  } else if (kind === 'M' || kind === 'm') dtUnit = 'generic';
  const byteorder: ByteOrder = order === '>' ? '>' : order === '<' ? '<' : order === '|' ? '|' : NATIVE;
  const d = new DType({ kind, itemsize, byteorder, unit: dtUnit, count });
  // Share the canonical native-order dtypes, as numpy's are singletons.
  const key = d.str;
  const canonical = CACHE.get(key);
  if (canonical?.equals(d)) return canonical;
  if (d.byteorder === NATIVE || d.byteorder === '|') CACHE.set(key, d);
  return d;
}

/** Checks a shape claim: non-negative safe integers, at most {@link MAX_DIMS} of them. @internal */
export function checkShape(shape: unknown, what = 'shape'): number[] {
  const items = Array.isArray(shape)
    ? shape
    : typeof shape === 'number' || typeof shape === 'bigint'
      ? [shape]
      : null;
  if (items === null) throw new DTypeError(`${what} must be a tuple of ints`);
  if (items.length > MAX_DIMS)
    throw new DTypeError(`${what} has ${items.length} dimensions, more than ${MAX_DIMS}`);
  const out: number[] = [];
  for (const item of items) {
    const v =
      typeof item === 'bigint'
        ? item >= 0n && item <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(item)
          : -1
        : item;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new DTypeError(`${what} has a negative, huge or non-integer dimension: ${String(item)}`);
    out.push(v);
  }
  return out;
}

/**
 * The number of elements of `shape` times `itemsize`, or `undefined` when it
 * exceeds `limit` (any product that overflows 64 bits does). @internal
 */
export function byteLength(shape: readonly number[], itemsize: number, limit: number): number | undefined {
  let n = 1n;
  const cap = BigInt(limit);
  let zero = false;
  for (const dim of shape) if (dim === 0) zero = true;
  if (zero) return 0;
  for (const dim of shape) {
    n *= BigInt(dim);
    if (n > cap) return undefined;
  }
  n *= BigInt(itemsize);
  return n > cap ? undefined : Number(n);
}

/** The dtype of the first argument of `numpy.dtype(obj, align, copy)` in a pickle. @internal */
export function dtypeFromPickleArg(obj: unknown, align: unknown): DType {
  if (obj instanceof PyGlobal) {
    if (obj.name === 'record' && (obj.module === 'numpy' || /^numpy\.(_?core\.)?records$/.test(obj.module)))
      return new DType({ kind: 'V', itemsize: 0, type: obj });
    throw new DTypeError(`numpy.dtype of ${obj.qualifiedName} is not a data type brine knows`);
  }
  // A Python 2 pickle loaded with encoding 'bytes' gives the type string as bytes.
  if (obj instanceof Uint8Array && obj.length <= 32) obj = String.fromCharCode(...obj);
  if (typeof obj !== 'string') throw new DTypeError('numpy.dtype expects a type string');
  // numpy's own pickles write 'O8', 'U5' (characters), 'M8', 'b1' ...; a fresh dtype, as BUILD changes it.
  const d = parseTypeString(obj);
  if (d === undefined) throw new DTypeError(`data type '${printable(obj)}' not understood`);
  void align;
  return new DType(d.init());
}

/**
 * numpy's `dtype.__setstate__` for the states numpy writes (versions 3 and
 * 4): the byte order, subarray, fields, sizes, flags and metadata, checked.
 * @internal
 */
export function setDTypeState(base: DType, state: unknown): void {
  if (SEALED.has(base)) throw new DTypeError('a dtype already in use cannot take a new state');
  if (!isTuple(state)) throw new DTypeError('dtype state must be a tuple');
  const version = state[0];
  if (!((state.length === 8 && version === 3) || (state.length === 9 && version === 4))) {
    throw new DTypeError(
      `dtype state version ${String(version)} with ${state.length} items: brine reads versions 3 and 4`,
    );
  }
  const [, endianArg, subarrayState, names, fieldsState, elsize, alignment, flags] = state;
  const endian =
    endianArg instanceof Uint8Array && endianArg.length === 1
      ? String.fromCharCode(endianArg[0]!)
      : endianArg;
  if (endian !== '<' && endian !== '>' && endian !== '|' && endian !== '=')
    throw new DTypeError(`invalid byte order '${String(endian)}' in dtype state`);
  if (typeof elsize !== 'number' || !Number.isInteger(elsize) || elsize < -1 || elsize > MAX_ITEMSIZE)
    throw new DTypeError('invalid item size in dtype state');
  if (typeof alignment !== 'number' || !Number.isInteger(alignment) || alignment < -1 || alignment > 4096)
    throw new DTypeError('invalid alignment in dtype state');
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < -128 || flags > 255)
    throw new DTypeError('invalid flags in dtype state');
  const extended = base.kind === 'U' || base.kind === 'S' || base.kind === 'V';
  let itemsize = base.itemsize;
  if (extended) {
    if (elsize < 0) throw new DTypeError('a flexible dtype state needs its item size');
    itemsize = elsize;
    if (base.kind === 'U' && itemsize % 4 !== 0)
      throw new DTypeError('a str dtype holds 4 bytes per character');
  }
  let subarray: DTypeSubarray | null = null;
  if (subarrayState !== null) {
    if (!isTuple(subarrayState) || subarrayState.length !== 2 || !(subarrayState[0] instanceof DType))
      throw new DTypeError('dtype subarray state must be (dtype, shape)');
    const sub = subarrayState[0];
    const shape = checkShape(subarrayState[1], 'subarray shape');
    const total = byteLength(shape, sub.itemsize, MAX_ITEMSIZE);
    if (total === undefined || total !== itemsize)
      throw new DTypeError('subarray shape and dtype do not fill the item size');
    if (sub.depth + 1 > MAX_DEPTH) throw new DTypeError('dtype nesting too deep');
    if (sub.leaves * Math.max(1, total / Math.max(1, sub.itemsize)) > itemsize + MAX_LEAVES)
      throw new DTypeError('dtype describes too many values per element');
    subarray = { base: sub, shape: Object.freeze(shape) };
  }
  let fields: DTypeField[] | null = null;
  if (names !== null || fieldsState !== null) {
    if (!isTuple(names) || fieldsState === null || typeof fieldsState !== 'object')
      throw new DTypeError('dtype names must be a tuple with a fields dict');
    if (base.kind !== 'V') throw new DTypeError('only a void dtype has fields');
    const entries = fieldsState instanceof Map ? fieldsState : new Map(Object.entries(fieldsState as object));
    fields = [];
    let leaves = 0;
    const seen = new Set<string>();
    for (const name of names) {
      if (typeof name !== 'string') throw new DTypeError('dtype field names must be str');
      if (seen.has(name)) throw new DTypeError(`duplicate field name '${name}'`);
      seen.add(name);
      const entry = entries.get(name);
      if (!isTuple(entry) || (entry.length !== 2 && entry.length !== 3))
        throw new DTypeError(`dtype field '${name}' must be (dtype, offset[, title])`);
      const [fd, offset, title = null] = entry;
      if (!(fd instanceof DType)) throw new DTypeError(`dtype field '${name}' has no dtype`);
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0)
        throw new DTypeError(`dtype field '${name}' has an invalid offset`);
      if (offset + fd.itemsize > itemsize)
        throw new DTypeError(`dtype field '${name}' runs past the end of the element`);
      if (fd.depth + 1 > MAX_DEPTH) throw new DTypeError('dtype nesting too deep');
      leaves += fd.leaves;
      if (leaves > itemsize + MAX_LEAVES) throw new DTypeError('dtype describes too many values per element');
      fields.push({ name, dtype: fd, offset, title });
    }
  }
  let unit: string | null = base.unit;
  let count = base.count;
  let metadata: unknown = null;
  if (state.length === 9) {
    const extra = state[8];
    if (base.kind === 'M' || base.kind === 'm') {
      if (!isTuple(extra) || extra.length !== 2)
        throw new DTypeError('datetime dtype state must end with (metadata, (unit, count, 1, 1))');
      const [meta, info] = extra;
      if (!isTuple(info) || info.length < 2)
        throw new DTypeError('datetime dtype state needs (unit, count, ...)');
      const u = info[0];
      const unitText =
        typeof u === 'string'
          ? u
          : u instanceof Uint8Array
            ? String.fromCharCode(...u.subarray(0, 16))
            : undefined;
      if (unitText === undefined || !DATETIME_UNITS.includes(unitText))
        throw new DTypeError(`invalid datetime unit in dtype state`);
      const c = info[1];
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 0x7fffffff)
        throw new DTypeError('invalid datetime unit count in dtype state');
      unit = unitText;
      count = c;
      metadata = isEmptyDict(meta) ? null : meta;
    } else metadata = extra;
  }
  if (subarray !== null) sealDType(subarray.base);
  if (fields !== null) for (const f of fields) sealDType(f.dtype);
  if (SEALED.has(base)) throw new DTypeError('a dtype cannot contain itself');
  assignDType(base, {
    kind: base.kind,
    itemsize,
    byteorder: endian === '=' ? NATIVE : endian,
    fields,
    subarray,
    unit,
    count,
    metadata,
    alignment: extended ? alignment : undefined,
    flags,
    type: base.type,
    alignedStruct: (flags & NPY_ALIGNED_STRUCT) !== 0,
  });
}

function isEmptyDict(value: unknown): boolean {
  if (value instanceof Map) return value.size === 0;
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0
  );
}

/** A structured dtype from fields, as `np.dtype({'names', 'formats', 'offsets', 'titles', 'itemsize'})`. */
export function structuredDType(
  fields: readonly { name: string; dtype: DType | string; offset?: number; title?: unknown }[],
  options?: { itemsize?: number; align?: boolean; type?: PyGlobal | null },
): DType {
  const out: DTypeField[] = [];
  let offset = 0;
  let maxAlign = 1;
  const seen = new Set<unknown>();
  for (const f of fields) {
    const dtype = DType.get(f.dtype);
    if (seen.has(f.name) || (f.title != null && seen.has(f.title)))
      throw new DTypeError(`duplicate field name '${f.name}'`);
    seen.add(f.name);
    if (f.title != null) seen.add(f.title);
    let at = f.offset ?? offset;
    if (f.offset === undefined && options?.align === true)
      at = Math.ceil(at / dtype.alignment) * dtype.alignment;
    if (!Number.isSafeInteger(at) || at < 0) throw new DTypeError(`field '${f.name}' has an invalid offset`);
    out.push({ name: f.name, dtype, offset: at, title: f.title ?? null });
    offset = Math.max(offset, at + dtype.itemsize);
    maxAlign = Math.max(maxAlign, dtype.alignment);
  }
  if (options?.align === true) offset = Math.ceil(offset / maxAlign) * maxAlign;
  const itemsize = options?.itemsize ?? offset;
  if (itemsize < offset || itemsize > MAX_ITEMSIZE) throw new DTypeError('itemsize too small for the fields');
  return new DType({
    kind: 'V',
    itemsize,
    fields: out,
    type: options?.type ?? null,
    alignedStruct: options?.align === true,
  });
}

/** A subarray dtype, as `np.dtype((base, shape))`. */
export function subarrayDType(base: DType | string, shape: readonly number[]): DType {
  const b = DType.get(base);
  const dims = checkShape([...shape], 'subarray shape');
  const total = byteLength(dims, b.itemsize, MAX_ITEMSIZE);
  if (total === undefined) throw new DTypeError('subarray too large');
  return new DType({ kind: 'V', itemsize: total, subarray: { base: b, shape: Object.freeze(dims) } });
}
