/**
 * The `.npy` container (numpy's `numpy.lib.format`, versions 1.0, 2.0 and
 * 3.0): the magic, the header length and the header, a Python dict literal
 * (`{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`) read by a
 * strict literal parser that accepts what Python's `ast.literal_eval` would
 * and nothing else (nothing is ever evaluated). The core, the scanner and the
 * numpy loader share it; turning `descr` into a dtype is the numpy module's
 * business.
 *
 * @module
 */
import { UnpicklingError } from '../errors.js';
import { tuple } from '../types/tuple.js';

/** `\x93NUMPY`. */
export const NPY_MAGIC: Uint8Array = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** numpy's default limit on the header's length (characters), as `max_header_size`. */
export const NPY_MAX_HEADER_SIZE = 10000;

/** numpy aligns the data that follows the header to 64 bytes. */
const ARRAY_ALIGN = 64;

/** numpy leaves room to grow the first (C) or last (F) axis of the shape in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** Raised for a `.npy` file that numpy would refuse: an {@link UnpicklingError} whose `offset` is in the file. */
export class NpyError extends UnpicklingError {
  constructor(reason: string, offset?: number) {
    super(reason, offset);
    this.message =
      offset === undefined
        ? `Cannot read .npy: ${reason}`
        : `Cannot read .npy at offset ${offset}: ${reason}`;
  }
  override get name(): string {
    return 'NpyError';
  }
}

/** A parsed `.npy` header. */
export interface NpyHeader {
  /** Format version: `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  readonly version: readonly [number, number];
  /** The `descr` value as the literal gives it: a str, or a list of field tuples (frozen arrays). */
  readonly descr: unknown;
  readonly fortranOrder: boolean;
  /** The shape; every dimension a non-negative safe integer. */
  readonly shape: readonly number[];
  /** Offset of the array data (magic, length and header). */
  readonly dataOffset: number;
}

/** True when `data` starts with the `.npy` magic. */
export function isNpy(data: Uint8Array): boolean {
  if (data.length < NPY_MAGIC.length) return false;
  for (let i = 0; i < NPY_MAGIC.length; i++) if (data[i] !== NPY_MAGIC[i]) return false;
  return true;
}

/** Options of {@link readNpyHeader}. */
export interface NpyHeaderOptions {
  /** The longest header accepted, in characters (numpy's `max_header_size`). Default 10000. */
  maxHeaderSize?: number;
}

/**
 * Reads the magic, version and header of a `.npy` file.
 * @throws {@link NpyError} for a file numpy would refuse.
 */
export function readNpyHeader(data: Uint8Array, options?: NpyHeaderOptions): NpyHeader {
  if (!isNpy(data)) throw new NpyError('the magic string is not \\x93NUMPY', 0);
  if (data.length < 8) throw new NpyError('the file ends inside the version', data.length);
  const major = data[6]!;
  const minor = data[7]!;
  if (minor !== 0 || major < 1 || major > 3)
    throw new NpyError(`unsupported format version ${major}.${minor} (brine reads 1.0, 2.0 and 3.0)`, 6);
  const lengthSize = major === 1 ? 2 : 4;
  if (data.length < 8 + lengthSize) throw new NpyError('the file ends inside the header length', data.length);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthSize;
  if (headerLength > data.length - start)
    throw new NpyError(
      `the header claims ${headerLength} bytes, the file has ${data.length - start} more`,
      8,
    );
  const raw = data.subarray(start, start + headerLength);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new NpyError('the header is not valid UTF-8', start);
    }
  } else {
    text = '';
    for (let i = 0; i < raw.length; i++) text += String.fromCharCode(raw[i]!);
  }
  const max = options?.maxHeaderSize ?? NPY_MAX_HEADER_SIZE;
  if (text.length > max)
    throw new NpyError(`the header is ${text.length} characters, more than the ${max} allowed`, start);
  let value: unknown;
  try {
    value = parseLiteral(text, major < 3);
  } catch (error) {
    if (error instanceof LiteralError)
      throw new NpyError(`cannot parse header: ${error.message}`, start + error.at);
    throw error;
  }
  if (!(value instanceof Map)) throw new NpyError('the header is not a dictionary', start);
  const keys = [...value.keys()];
  const expected = ['descr', 'fortran_order', 'shape'];
  if (keys.length !== 3 || !expected.every((k) => value.has(k)))
    throw new NpyError(`the header does not contain the correct keys: ${keys.map(String).join(', ')}`, start);
  const shapeValue = value.get('shape');
  if (!Array.isArray(shapeValue) || !Object.isFrozen(shapeValue))
    throw new NpyError('shape is not a tuple of ints', start);
  const shape: number[] = [];
  for (const dim of shapeValue) {
    if (typeof dim !== 'number' && typeof dim !== 'bigint')
      throw new NpyError('shape is not a tuple of ints', start);
    if (typeof dim === 'bigint' || dim < 0 || !Number.isSafeInteger(dim))
      throw new NpyError(`shape has a negative or huge dimension: ${String(dim)}`, start);
    shape.push(dim);
  }
  if (shape.length > 32) throw new NpyError(`shape has ${shape.length} dimensions, more than 32`, start);
  const fortran = value.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new NpyError('fortran_order is not a bool', start);
  return {
    version: [major, 0],
    descr: value.get('descr'),
    fortranOrder: fortran,
    shape: Object.freeze(shape),
    dataOffset: start + headerLength,
  };
}

/**
 * The magic, length and header numpy writes for an array with this `descr`
 * literal (already Python's repr), order and shape: version 1.0 when the
 * header fits, else 2.0, else 3.0 when it is not latin-1.
 */
export function writeNpyHeader(
  descrRepr: string,
  fortranOrder: boolean,
  shape: readonly number[],
): Uint8Array {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': ${descrRepr}, 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) {
    const axis = String(shape[fortranOrder ? shape.length - 1 : 0]);
    header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - axis.length));
  }
  let latin1 = true;
  for (let i = 0; i < header.length; i++) if (header.charCodeAt(i) > 0xff) latin1 = false;
  const encoded = latin1 ? latin1Bytes(header) : new TextEncoder().encode(header);
  const hlen = encoded.length + 1;
  let major = latin1 ? 1 : 3;
  if (major === 1 && hlen + pad(10, hlen) > 0xffff) major = 2;
  const prefix = major === 1 ? 10 : 12;
  const padlen = pad(prefix, hlen);
  const out = new Uint8Array(prefix + hlen + padlen);
  out.set(NPY_MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, hlen + padlen, true);
  else view.setUint32(8, hlen + padlen, true);
  out.set(encoded, prefix);
  out.fill(0x20, prefix + encoded.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}

function pad(prefix: number, hlen: number): number {
  return ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

class LiteralError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** The deepest nesting the literal parser follows. */
const MAX_LITERAL_DEPTH = 64;

/**
 * A Python literal, as `ast.literal_eval` reads it: dicts (as `Map`), lists,
 * tuples (frozen arrays), str, bytes, int (number, or bigint beyond 2^53),
 * float, True, False, None, and unary minus on numbers. `longSuffix` accepts
 * Python 2's `123L` (numpy filters it from version 1.0 and 2.0 headers).
 * @internal
 */
export function parseLiteral(text: string, longSuffix = false): unknown {
  let pos = 0;
  const n = text.length;
  const fail = (message: string): never => {
    throw new LiteralError(message, pos);
  };
  const skip = (): void => {
    while (pos < n) {
      const c = text[pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') pos++;
      else if (c === '\\' && text[pos + 1] === '\n') pos += 2;
      else break;
    }
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_LITERAL_DEPTH) fail('nesting too deep');
    skip();
    if (pos >= n) fail('unexpected end');
    const c = text[pos]!;
    if (c === '{') return container('}', depth, true) as Map<unknown, unknown>;
    if (c === '[') return container(']', depth, false);
    if (c === '(') return container(')', depth, false);
    if (c === "'" || c === '"') return stringLiteral(false);
    if (
      (c === 'b' || c === 'B' || c === 'u' || c === 'U') &&
      (text[pos + 1] === "'" || text[pos + 1] === '"')
    ) {
      pos++;
      return stringLiteral(c === 'b' || c === 'B');
    }
    if (c === '-' || c === '+' || (c >= '0' && c <= '9') || c === '.') return number();
    const word = /^[A-Za-z_]\w*/.exec(text.slice(pos, pos + 16))?.[0];
    if (word === 'True') {
      pos += 4;
      return true;
    }
    if (word === 'False') {
      pos += 5;
      return false;
    }
    if (word === 'None') {
      pos += 4;
      return null;
    }
    return fail(`unexpected ${JSON.stringify(c)}`);
  };
  const container = (close: string, depth: number, dict: boolean): unknown => {
    const open = text[pos];
    pos++;
    const items: unknown[] = [];
    const map = new Map<unknown, unknown>();
    let trailingComma = false;
    for (;;) {
      skip();
      if (text[pos] === close) {
        pos++;
        break;
      }
      if (items.length + map.size > 0 && !trailingComma) fail(`expected ',' or '${close}'`);
      const item = value(depth + 1);
      if (dict) {
        skip();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        const v = value(depth + 1);
        if (!isHashable(item)) fail('unhashable dict key');
        map.set(hashKey(item), v);
      } else items.push(item);
      skip();
      trailingComma = text[pos] === ',';
      if (trailingComma) pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
    if (dict) return map;
    if (open === '(') {
      // (x) is x, (x,) a tuple.
      if (items.length === 1 && !trailingComma) return items[0];
      return tuple(...items);
    }
    return items;
  };
  const stringLiteral = (bytes: boolean): unknown => {
    const quote = text[pos]!;
    const triple = text.startsWith(quote.repeat(3), pos);
    pos += triple ? 3 : 1;
    let out = '';
    for (;;) {
      if (pos >= n) fail('unterminated string');
      const c = text[pos]!;
      if (triple ? text.startsWith(quote.repeat(3), pos) : c === quote) {
        pos += triple ? 3 : 1;
        break;
      }
      if (!triple && c === '\n') fail('newline in a string');
      if (bytes && c.charCodeAt(0) > 0x7f) fail('bytes can only contain ASCII literal characters');
      if (c !== '\\') {
        out += c;
        pos++;
        continue;
      }
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '\n':
          break;
        case '\\':
        case "'":
        case '"':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'a':
          out += '\x07';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          out += String.fromCharCode(hex(2));
          break;
        case 'u':
          if (bytes) out += '\\u';
          else out += String.fromCharCode(hex(4));
          break;
        case 'U': {
          if (bytes) {
            out += '\\U';
            break;
          }
          const cp = hex(8);
          if (cp > 0x10ffff) fail('illegal Unicode character');
          out += String.fromCodePoint(cp);
          break;
        }
        default:
          if (e !== undefined && e >= '0' && e <= '7') {
            let v = Number(e);
            for (let k = 0; k < 2 && text[pos]! >= '0' && text[pos]! <= '7'; k++)
              v = v * 8 + Number(text[pos++]);
            out += String.fromCharCode(v);
          } else out += `\\${e ?? ''}`;
      }
    }
    if (!bytes) return out;
    const b = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) b[i] = out.charCodeAt(i) & 0xff;
    return b;
  };
  const hex = (digits: number): number => {
    const part = text.slice(pos, pos + digits);
    if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(part)) fail('truncated escape');
    pos += digits;
    return Number.parseInt(part, 16);
  };
  const number = (): unknown => {
    let sign = 1;
    while (text[pos] === '-' || text[pos] === '+') {
      if (text[pos] === '-') sign = -sign;
      pos++;
      skip();
    }
    const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*)?(\.\d[\d_]*)?([eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 400),
    );
    const lit = m?.[0] ?? '';
    if (lit === '' || lit === '.') fail('expected a number');
    pos += lit.length;
    if (lit.includes('__') || lit.endsWith('_')) fail('invalid number');
    const clean = lit.replace(/_/g, '');
    const isFloat = /^[^xob]*[.eE]/i.test(clean) && !/^0[xob]/i.test(clean);
    if (isFloat) {
      if (text[pos] === 'j' || text[pos] === 'J') fail('complex numbers are not supported');
      return sign * Number(clean);
    }
    if (/^0\d/.test(clean) && !/^0+$/.test(clean)) fail('leading zeros in a decimal integer');
    if (longSuffix && (text[pos] === 'L' || text[pos] === 'l')) pos++;
    if (clean.length > 4300) fail('integer too long');
    const big = BigInt(clean) * BigInt(sign);
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  };
  const result = value(0);
  skip();
  if (pos !== n) fail('unexpected text after the literal');
  return result;
}

function isHashable(value: unknown): boolean {
  if (value instanceof Map) return false;
  if (Array.isArray(value)) return Object.isFrozen(value) && value.every(isHashable);
  return true;
}

/** Dict keys: str, int and the like by value; a tuple key by its identity (numpy headers have none). */
function hashKey(value: unknown): unknown {
  return value;
}
