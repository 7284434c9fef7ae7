/**
 * The opcodes of a pickle, one by one, with their arguments decoded as
 * Python's `pickletools.genops` decodes them. Nothing is executed and nothing
 * is built but the arguments; the walk is iterative and every length the input
 * claims is checked against the bytes that remain before anything is read.
 *
 * The decoders mirror pickletools' readers, including their error messages
 * (`expected 7 bytes in a bytes4, but only 2 remain`, `'utf-8' codec can't
 * decode byte 0xff in position 0: invalid start byte` ...), so that the
 * disassembler can fail exactly where and as `pickletools.dis` fails.
 *
 * @module
 */
import { UnpicklingError } from '../errors.js';
import { isDecimalFloat, specialFloat } from '../floats.js';
import { decodeLong, MAX_STR_DIGITS, narrow, trimAsciiSpace } from '../ints.js';
import { OPCODE_BY_CODE, type OpcodeInfo } from '../opcodes.js';
import { reprBytes } from '../python-repr.js';
import { escapeDecode as decodeEscapes, hexValue, TextDecodeError } from '../text.js';

/** One opcode of a pickle, as {@link genops} yields it. */
export interface PickleOp {
  /** The opcode byte. */
  readonly code: number;
  /** The opcode's description (name, argument kind, protocol, stack effect, doc). */
  readonly info: OpcodeInfo;
  /**
   * The argument, decoded as `pickletools.genops` decodes it, or `null` when
   * the opcode has none: an int is a `number` when it is a safe integer, else
   * a `bigint` (INT's `00` and `01` are `false` and `true`); a float is a
   * `number`; str is a `string`; bytes and bytearray are `Uint8Array` views
   * into the input (no copy); GLOBAL and INST give `'module name'`.
   */
  readonly arg: PickleArg;
  /** GLOBAL and INST only: the module and the name. */
  readonly global?: readonly [module: string, name: string];
  /** Offset of the opcode byte in the input. */
  readonly pos: number;
  /** Offset just after the opcode's argument. */
  readonly end: number;
}

/** The decoded argument of an opcode (see {@link PickleOp.arg}). */
export type PickleArg = number | bigint | boolean | string | Uint8Array | null;

/** Options of {@link genops}. */
export interface GenopsOptions {
  /** Offset of the first opcode (default 0). Offsets reported stay relative to the whole input. */
  start?: number;
  /**
   * Accept the text pickletools refuses but `pickle.loads` reads: a STRING
   * whose bytes are not ASCII is read as Latin-1, and a PERSID, GLOBAL or INST
   * argument that is not ASCII as UTF-8 (as the unpickler reads GLOBAL).
   * Default false: exactly pickletools' decoding.
   */
  lenient?: boolean;
}

/** The Python exception class pickletools raises for the same input. */
export type PythonErrorType = 'ValueError' | 'UnicodeDecodeError' | 'IndexError';

/**
 * An {@link UnpicklingError} that also says which Python exception
 * pickletools raises for the same input. `reason` is pickletools' message,
 * word for word.
 */
export class PickletoolsError extends UnpicklingError {
  /** The Python exception class (`ValueError`, `UnicodeDecodeError`, `IndexError`). */
  readonly pythonType: PythonErrorType;
  constructor(
    reason: string,
    offset: number | undefined,
    opcode: string | undefined,
    pythonType: PythonErrorType = 'ValueError',
    options?: { cause?: unknown; truncated?: boolean },
  ) {
    super(reason, offset, opcode, options);
    this.pythonType = pythonType;
  }
}

/** Thrown by the argument readers; genops adds the opcode's offset and name. */
class ArgError extends Error {
  constructor(
    message: string,
    readonly pythonType: PythonErrorType = 'ValueError',
    readonly truncated = false,
  ) {
    super(message);
  }
}

const STOP = 0x2e;
const NEWLINE = 0x0a;
/** sys.maxsize on 64-bit builds. */
const MAX_SIZE = 2n ** 63n - 1n;

/**
 * Walks one pickle from `options.start` through its STOP opcode, as
 * `pickletools.genops` does, yielding each opcode with its decoded argument.
 *
 * @param data - the bytes holding the pickle (and possibly more after its STOP)
 * @param options - `start`: offset of the pickle's first opcode (default 0)
 * @returns a generator of {@link PickleOp}, the last one being STOP
 * @throws {@link PickletoolsError} (an {@link UnpicklingError}) for an unknown
 *   opcode byte, an argument running past the end of the input, an argument
 *   pickletools cannot decode, or input ending before STOP; `reason` is
 *   pickletools' message and `offset` / `opcode` say where
 * @example
 * ```ts
 * for (const op of genops(dumps([1, 2]))) console.log(op.pos, op.info.name, op.arg);
 * ```
 */
export function* genops(data: Uint8Array, options?: GenopsOptions): Generator<PickleOp, void, undefined> {
  const start = options?.start ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new PickletoolsError(
      `start must be a non-negative integer, not ${String(start)}`,
      undefined,
      undefined,
    );
  }
  const reader = new ArgReader(data, options?.lenient === true);
  let pos = start;
  for (;;) {
    if (pos >= data.length) {
      throw new PickletoolsError(
        'pickle exhausted before seeing STOP',
        data.length,
        undefined,
        'ValueError',
        {
          truncated: true,
        },
      );
    }
    const code = data[pos]!;
    const info = OPCODE_BY_CODE[code];
    if (info === undefined) {
      throw new PickletoolsError(
        `at position ${pos}, opcode ${reprBytes(data.subarray(pos, pos + 1))} unknown`,
        pos,
        undefined,
      );
    }
    let op: PickleOp;
    try {
      op = reader.read(info, pos);
    } catch (error) {
      if (!(error instanceof ArgError)) throw error;
      throw new PickletoolsError(error.message, pos, info.name, error.pythonType, {
        truncated: error.truncated,
      });
    }
    yield op;
    if (code === STOP) return;
    pos = op.end;
  }
}

/**
 * {@link genops} with `lenient: true`: walks pickles that `pickle.loads` reads
 * but pickletools refuses (Python 2 STRING data that is not ASCII, UTF-8 names).
 *
 * @param data - the bytes holding the pickle
 * @param options - `start`: offset of the pickle's first opcode (default 0)
 * @returns a generator of {@link PickleOp}, the last one being STOP
 * @throws {@link PickletoolsError} for malformed input, as {@link genops}
 * @example
 * ```ts
 * const names = [...genopsLenient(data)].map((op) => op.info.name);
 * ```
 */
export function genopsLenient(
  data: Uint8Array,
  options?: GenopsOptions,
): Generator<PickleOp, void, undefined> {
  return genops(data, { ...options, lenient: true });
}

/** Reads opcode arguments the way pickletools' ArgumentDescriptor readers do. */
class ArgReader {
  private readonly view: DataView;
  /** Position of the next byte to read. */
  private p = 0;
  constructor(
    private readonly data: Uint8Array,
    private readonly lenient: boolean,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  read(info: OpcodeInfo, pos: number): PickleOp {
    this.p = pos + 1;
    let arg: PickleArg = null;
    let global: [string, string] | undefined;
    switch (info.arg) {
      case null:
        break;
      case 'uint1':
        arg = this.uint(1, 'uint1');
        break;
      case 'uint2':
        arg = this.uint(2, 'uint2');
        break;
      case 'int4':
        arg = this.int4('int4');
        break;
      case 'uint4':
        arg = this.uint(4, 'uint4');
        break;
      case 'uint8':
        arg = narrow(this.uint8('uint8'));
        break;
      case 'float8':
        arg = this.float8();
        break;
      case 'stringnl':
        arg = this.text(escapeDecode(this.stripQuotes(this.line('stringnl'))), latin1);
        break;
      case 'stringnl_noescape':
        arg = this.text(escapeDecode(this.line('stringnl')), utf8String);
        break;
      case 'stringnl_noescape_pair': {
        const module = this.text(escapeDecode(this.line('stringnl')), utf8String);
        const name = this.text(escapeDecode(this.line('stringnl')), utf8String);
        global = [module, name];
        arg = `${module} ${name}`;
        break;
      }
      case 'string1':
        arg = latin1(this.counted(this.uint(1, 'uint1'), 'string1'));
        break;
      case 'string4': {
        const n = this.int4('int4');
        if (n < 0) throw new ArgError(`string4 byte count < 0: ${n}`);
        arg = latin1(this.counted(n, 'string4'));
        break;
      }
      case 'bytes1':
        arg = this.counted(this.uint(1, 'uint1'), 'bytes1');
        break;
      case 'bytes4':
        arg = this.counted(this.uint(4, 'uint4'), 'bytes4');
        break;
      case 'bytes8':
      case 'bytearray8':
      case 'unicodestring8': {
        const n = this.uint8('uint8');
        if (n > MAX_SIZE) throw new ArgError(`${info.arg} byte count > sys.maxsize: ${n}`);
        const bytes = this.counted(n, info.arg);
        arg = info.arg === 'unicodestring8' ? utf8String(bytes) : bytes;
        break;
      }
      case 'unicodestring1':
        arg = utf8String(this.counted(this.uint(1, 'uint1'), 'unicodestring1'));
        break;
      case 'unicodestring4':
        arg = utf8String(this.counted(this.uint(4, 'uint4'), 'unicodestring4'));
        break;
      case 'unicodestringnl':
        arg = codePointsToString(rawUnicodeEscapeDecode(this.line('unicodestringnl')));
        break;
      case 'decimalnl_short': {
        const text = this.line('stringnl');
        if (text.length === 2 && text[0] === 0x30 && (text[1] === 0x30 || text[1] === 0x31)) {
          arg = text[1] === 0x31; // pickletools reads 00 and 01 as False and True
        } else {
          arg = parsePythonInt(text);
        }
        break;
      }
      case 'decimalnl_long': {
        const text = this.line('stringnl');
        arg = parsePythonInt(text.length > 0 && text[text.length - 1] === 0x4c ? text.subarray(0, -1) : text);
        break;
      }
      case 'floatnl':
        arg = parsePythonFloat(this.line('stringnl'));
        break;
      case 'long1': {
        const n = this.uint(1, 'uint1');
        if (this.remaining() < n)
          throw new ArgError('not enough data in stream to read long1', 'ValueError', true);
        arg = decodeLong(this.data, this.view, this.p, n);
        this.p += n;
        break;
      }
      case 'long4': {
        const n = this.int4('int4');
        if (n < 0) throw new ArgError(`long4 byte count < 0: ${n}`);
        if (this.remaining() < n)
          throw new ArgError('not enough data in stream to read long4', 'ValueError', true);
        arg = decodeLong(this.data, this.view, this.p, n);
        this.p += n;
        break;
      }
      default:
        throw new ArgError(`unknown argument kind ${info.arg}`);
    }
    const op: { -readonly [K in keyof PickleOp]: PickleOp[K] } = {
      code: info.code,
      info,
      arg,
      pos,
      end: this.p,
    };
    if (global !== undefined) op.global = global;
    return op;
  }

  /** ASCII text, as pickletools reads it; when lenient, what is not ASCII goes to `fallback`. */
  private text(bytes: Uint8Array, fallback: (bytes: Uint8Array) => string): string {
    if (this.lenient && !isAscii(bytes)) return fallback(bytes);
    return asciiString(bytes);
  }

  private remaining(): number {
    return this.data.length - this.p;
  }

  private need(n: number, what: string): void {
    if (this.remaining() < n)
      throw new ArgError(`not enough data in stream to read ${what}`, 'ValueError', true);
  }

  private uint(n: 1 | 2 | 4, what: string): number {
    this.need(n, what);
    const p = this.p;
    this.p += n;
    if (n === 1) return this.data[p]!;
    if (n === 2) return this.view.getUint16(p, true);
    return this.view.getUint32(p, true);
  }

  private int4(what: string): number {
    this.need(4, what);
    this.p += 4;
    return this.view.getInt32(this.p - 4, true);
  }

  private uint8(what: string): bigint {
    this.need(8, what);
    this.p += 8;
    return this.view.getBigUint64(this.p - 8, true);
  }

  private float8(): number {
    this.need(8, 'float8');
    this.p += 8;
    return this.view.getFloat64(this.p - 8, false);
  }

  /** `n` bytes, or pickletools' "expected n bytes in a <kind>, but only m remain". */
  private counted(n: number | bigint, kind: string): Uint8Array {
    const remaining = this.remaining();
    if (n > remaining) {
      throw new ArgError(
        `expected ${n} bytes in a ${kind}, but only ${remaining} remain`,
        'ValueError',
        true,
      );
    }
    const count = Number(n);
    this.p += count;
    return this.data.subarray(this.p - count, this.p);
  }

  /** The bytes up to the next newline (which is consumed), as `readline()` then dropping the newline. */
  private line(kind: string): Uint8Array {
    const nl = this.data.indexOf(NEWLINE, this.p);
    if (nl < 0) {
      this.p = this.data.length;
      throw new ArgError(`no newline found when trying to read ${kind}`, 'ValueError', true);
    }
    const line = this.data.subarray(this.p, nl);
    this.p = nl + 1;
    return line;
  }

  /** read_stringnl's quote check: the text must start and end with the same quote. */
  private stripQuotes(line: Uint8Array): Uint8Array {
    for (const q of [0x22, 0x27]) {
      if (line[0] === q) {
        if (line[line.length - 1] !== q) {
          throw new ArgError(
            `strinq quote ${reprBytes(Uint8Array.of(q))} not found at both ends of ${reprBytes(line)}`,
          );
        }
        return line.subarray(1, Math.max(1, line.length - 1));
      }
    }
    throw new ArgError(`no string quotes around ${reprBytes(line)}`);
  }
}

/**
 * The memo key of a PUT / GET argument, as Python's memo dict sees it: `True`
 * is 1 and `False` 0, an int is itself whatever its JS type (a number when it
 * is safe, so that it can index a dense array), a larger one its decimal text.
 */
export function memoKey(arg: unknown): number | string {
  if (typeof arg === 'boolean') return arg ? 1 : 0;
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'bigint' && arg <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(arg);
  return String(arg);
}

// ---------------------------------------------------------------------------
// Text codecs, with CPython's error messages

/** Latin-1 text (SHORT_BINSTRING, BINSTRING). */
function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x1000) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x1000) as unknown as number[]);
  }
  return out;
}

/** `bytes.decode('ascii')`. */
function asciiString(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      throw new ArgError(
        `'ascii' codec can't decode byte 0x${hex2(bytes[i]!)} in position ${i}: ordinal not in range(128)`,
        'UnicodeDecodeError',
      );
    }
  }
  return latin1(bytes);
}

/** `codecs.escape_decode`: the backslash escapes of a Python bytes literal (the loader's own decoder). */
function escapeDecode(bytes: Uint8Array): Uint8Array {
  if (!bytes.includes(0x5c)) return bytes;
  try {
    return decodeEscapes(bytes, 0, bytes.length);
  } catch (error) {
    if (error instanceof TextDecodeError) throw new ArgError(error.message);
    throw error;
  }
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** A UnicodeDecodeError message, as CPython formats it. */
function decodeErrorMessage(codec: string, bytes: Uint8Array, start: number, end: number, reason: string) {
  const what =
    end - start === 1
      ? `byte 0x${hex2(bytes[start]!)} in position ${start}`
      : `bytes in position ${start}-${end - 1}`;
  return new ArgError(`'${codec}' codec can't decode ${what}: ${reason}`, 'UnicodeDecodeError');
}

/**
 * `str(bytes, 'raw-unicode-escape')` as CPython 3.11 decodes it, as code
 * points (lone surrogates stay separate code points, as in Python).
 */
export function rawUnicodeEscapeDecode(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const end = bytes.length;
  let i = 0;
  while (i < end) {
    const b = bytes[i++]!;
    if (b !== 0x5c) {
      out.push(b);
      continue;
    }
    const start = i - 1;
    if (i >= end) {
      out.push(0x5c);
      break;
    }
    const c = bytes[i++]!;
    let count: number;
    let message: string;
    if (c === 0x75) {
      count = 4;
      message = 'truncated \\uXXXX escape';
    } else if (c === 0x55) {
      count = 8;
      message = 'truncated \\UXXXXXXXX escape';
    } else {
      out.push(0x5c, c);
      continue;
    }
    let cp = 0;
    for (; count > 0; count--, i++) {
      const h = i < end ? hexValue(bytes[i]) : -1;
      if (h < 0) throw decodeErrorMessage('rawunicodeescape', bytes, start, i, message);
      cp = cp * 16 + h;
    }
    if (cp > 0x10ffff)
      throw decodeErrorMessage('rawunicodeescape', bytes, start, i, '\\Uxxxxxxxx out of range');
    out.push(cp);
  }
  return out;
}

/** Code points as a JS string (a lone surrogate is one UTF-16 unit). */
export function codePointsToString(codePoints: readonly number[]): string {
  let out = '';
  for (let i = 0; i < codePoints.length; i += 0x1000) {
    const chunk = codePoints.slice(i, i + 0x1000);
    out += String.fromCodePoint(...chunk);
  }
  return out;
}

const CONTINUATION = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/**
 * `str(bytes, 'utf-8', 'surrogatepass')` as CPython decodes it, with its error
 * messages. Pushes the code points onto `out` when given; returns whether the
 * text held an encoded surrogate.
 */
export function utf8Decode(bytes: Uint8Array, out: number[] | null): boolean {
  const end = bytes.length;
  let surrogates = false;
  let i = 0;
  while (i < end) {
    const ch = bytes[i]!;
    if (ch < 0x80) {
      out?.push(ch);
      i++;
      continue;
    }
    // 0 = end of data, 1 = invalid start byte, 2..4 = invalid continuation at that byte
    let fail = -1;
    let size = 0;
    let cp = 0;
    if (ch < 0xc2) fail = 1;
    else if (ch < 0xe0) {
      if (end - i < 2) fail = 0;
      else if (!CONTINUATION(bytes[i + 1])) fail = 2;
      else {
        size = 2;
        cp = ((ch & 0x1f) << 6) | (bytes[i + 1]! & 0x3f);
      }
    } else if (ch < 0xf0) {
      const ch2 = bytes[i + 1];
      if (end - i < 3) {
        if (end - i < 2) fail = 0;
        else if (!CONTINUATION(ch2) || (ch2! < 0xa0 ? ch === 0xe0 : ch === 0xed)) fail = 2;
        else fail = 0;
      } else if (!CONTINUATION(ch2) || (ch === 0xe0 && ch2! < 0xa0) || (ch === 0xed && ch2! >= 0xa0)) {
        fail = 2;
      } else if (!CONTINUATION(bytes[i + 2])) fail = 3;
      else {
        size = 3;
        cp = ((ch & 0x0f) << 12) | ((ch2! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      }
    } else if (ch < 0xf5) {
      const ch2 = bytes[i + 1];
      if (end - i < 4) {
        if (end - i < 2) fail = 0;
        else if (!CONTINUATION(ch2) || (ch2! < 0x90 ? ch === 0xf0 : ch === 0xf4)) fail = 2;
        else if (end - i < 3) fail = 0;
        else if (!CONTINUATION(bytes[i + 2])) fail = 3;
        else fail = 0;
      } else if (!CONTINUATION(ch2) || (ch === 0xf0 && ch2! < 0x90) || (ch === 0xf4 && ch2! >= 0x90)) {
        fail = 2;
      } else if (!CONTINUATION(bytes[i + 2])) fail = 3;
      else if (!CONTINUATION(bytes[i + 3])) fail = 4;
      else {
        size = 4;
        cp =
          ((ch & 0x07) << 18) |
          ((ch2! & 0x3f) << 12) |
          ((bytes[i + 2]! & 0x3f) << 6) |
          (bytes[i + 3]! & 0x3f);
      }
    } else fail = 1;
    if (fail < 0) {
      out?.push(cp);
      i += size;
      continue;
    }
    // surrogatepass: a three-byte encoding of U+D800..U+DFFF is a code point.
    if (end - i >= 3 && (ch & 0xf0) === 0xe0 && CONTINUATION(bytes[i + 1]) && CONTINUATION(bytes[i + 2])) {
      const s = ((ch & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      if (s >= 0xd800 && s <= 0xdfff) {
        out?.push(s);
        surrogates = true;
        i += 3;
        continue;
      }
    }
    if (fail === 0) throw decodeErrorMessage('utf-8', bytes, i, end, 'unexpected end of data');
    if (fail === 1) throw decodeErrorMessage('utf-8', bytes, i, i + 1, 'invalid start byte');
    throw decodeErrorMessage('utf-8', bytes, i, i + fail - 1, 'invalid continuation byte');
  }
  return surrogates;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** UTF-8 text with surrogatepass (the BINUNICODE family). */
function utf8String(bytes: Uint8Array): string {
  if (isAscii(bytes)) return latin1(bytes);
  if (!utf8Decode(bytes, null)) return utf8Decoder.decode(bytes); // valid UTF-8 without surrogates
  const codePoints: number[] = [];
  utf8Decode(bytes, codePoints);
  return codePointsToString(codePoints);
}

// ---------------------------------------------------------------------------
// int() and float() of bytes

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d);
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** The error of `int(bytes)` for text that is not an int. */
function invalidInt(text: Uint8Array): ArgError {
  const shown = reprBytes(text.subarray(0, 200));
  return new ArgError(`invalid literal for int() with base 10: ${[...shown].slice(0, 200).join('')}`);
}

/** `int(bytes)` in base 10, as CPython 3.11 parses it (whitespace, sign, single underscores, digit limit). */
export function parsePythonInt(text: Uint8Array): number | bigint {
  const end = text.length;
  let i = 0;
  while (i < end && isSpace(text[i])) i++;
  let negative = false;
  if (text[i] === 0x2b) i++;
  else if (text[i] === 0x2d) {
    negative = true;
    i++;
  }
  if (text[i] === 0x5f) throw invalidInt(text);
  const digitsStart = i;
  let digits = 0;
  let prev = 0;
  while (i < end && (isDigit(text[i]) || text[i] === 0x5f)) {
    if (text[i] === 0x5f) {
      if (prev === 0x5f) throw invalidInt(text);
    } else digits++;
    prev = text[i]!;
    i++;
  }
  if (prev === 0x5f) throw invalidInt(text);
  if (digits > MAX_STR_DIGITS) {
    throw new ArgError(
      `Exceeds the limit (${MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  const digitsEnd = i;
  if (digitsEnd === digitsStart) throw invalidInt(text);
  while (i < end && isSpace(text[i])) i++;
  if (i !== end) throw invalidInt(text);
  let s = latin1(text.subarray(digitsStart, digitsEnd));
  if (s.includes('_')) s = s.replaceAll('_', '');
  if (s.length <= 15) {
    const v = Number(s);
    return negative && v !== 0 ? -v : v;
  }
  return narrow(negative ? -BigInt(s) : BigInt(s));
}

/** `float(bytes)`, as CPython 3.11 parses it (whitespace, underscores between digits, inf and nan). */
export function parsePythonFloat(text: Uint8Array): number {
  const error = () => new ArgError(`could not convert string to float: ${reprBytes(text)}`);
  let s = latin1(text);
  const nul = s.indexOf('\0');
  if ((nul < 0 ? s : s.slice(0, nul)).includes('_')) {
    let prev = '';
    let kept = '';
    for (const c of s) {
      if (c === '_') {
        if (!(prev >= '0' && prev <= '9')) throw error();
      } else {
        if (prev === '_' && !(c >= '0' && c <= '9')) throw error();
        kept += c;
      }
      prev = c;
    }
    if (prev === '_') throw error();
    s = kept;
  }
  s = trimAsciiSpace(s);
  if (isDecimalFloat(s)) return Number(s);
  const special = specialFloat(s);
  if (special === undefined) throw error();
  return special;
}

// ---------------------------------------------------------------------------
// repr

export { reprBytes };
