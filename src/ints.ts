/**
 * Integer codecs of the pickle format: little-endian two's-complement longs
 * (LONG1, LONG4) and decimal text (INT, LONG, and the indices of GET / PUT).
 * Values that are safe integers come back as `number` without touching
 * BigInt; only larger ones are `bigint`.
 *
 * @module
 */

/** Python's default limit on the digits of an int given as decimal text (`sys.get_int_max_str_digits()`). */
export const MAX_STR_DIGITS = 4300;

/** Python's `int()` strips ASCII whitespace only, when given bytes. */
const ASCII_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** Thrown by the parsers; the unpickler turns it into an UnpicklingError at the current opcode. */
export class IntParseError extends Error {}

/**
 * Decodes `n` bytes at `start` as a little-endian two's-complement integer
 * (`n` = 0 is 0), as LONG1 and LONG4 store them.
 */
export function decodeLong(bytes: Uint8Array, view: DataView, start: number, n: number): number | bigint {
  if (n === 0) return 0;
  if (n <= 6) {
    // Up to 48 bits: exact in a double, no BigInt.
    let value = 0;
    let scale = 1;
    for (let i = 0; i < n; i++) {
      value += bytes[start + i]! * scale;
      scale *= 256;
    }
    // Sign: the top bit of the last byte.
    return bytes[start + n - 1]! >= 0x80 ? value - scale : value;
  }
  if (n <= 8) {
    // Up to 64 bits: two 32-bit halves, the high half signed.
    let lo = 0;
    for (let i = 0; i < 4; i++) lo += bytes[start + i]! * 2 ** (8 * i);
    let hi = 0;
    for (let i = 4; i < n; i++) hi += bytes[start + i]! * 2 ** (8 * (i - 4));
    if (bytes[start + n - 1]! >= 0x80) hi -= 2 ** (8 * (n - 4));
    // |hi| < 2^21 keeps hi * 2^32 + lo within the safe range.
    if (hi >= -0x200000 && hi < 0x200000) {
      const value = hi * 0x100000000 + lo;
      if (Number.isSafeInteger(value)) return value;
    }
  }
  return decodeLongBig(bytes, view, start, n);
}

/** LONG1/LONG4 beyond 2^53: 64 bits at a time, most significant first, then the sign. */
function decodeLongBig(bytes: Uint8Array, view: DataView, start: number, n: number): number | bigint {
  const head = n & 7;
  let value = 0n;
  if (head !== 0) {
    // The top `head` bytes (at most 7): an upper part of up to 3 bytes and a lower one of up to 4.
    const upper = head > 4 ? head - 4 : 0;
    let a = 0;
    for (let i = n - 1; i >= n - upper; i--) a = a * 256 + bytes[start + i]!;
    let b = 0;
    for (let i = n - 1 - upper; i >= n - head; i--) b = b * 256 + bytes[start + i]!;
    value = upper > 0 ? (BigInt(a) << 32n) | BigInt(b) : BigInt(b);
  }
  for (let p = start + n - head - 8; p >= start; p -= 8) value = (value << 64n) | view.getBigUint64(p, true);
  return narrow(BigInt.asIntN(8 * n, value));
}

/** A bigint as a number when it is a safe integer. */
export function narrow(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/**
 * Parses Python int text in base 10, as `int(text)`: surrounding whitespace,
 * an optional sign, digits with single underscores between them. At most
 * {@link MAX_STR_DIGITS} digits.
 */
export function parseDecimalInt(text: string): number | bigint {
  let s = text.replace(ASCII_SPACE, '');
  if (s.length === 0) throw new IntParseError('empty int literal');
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (!/^[0-9](?:_?[0-9])*$/.test(s))
    throw new IntParseError(`invalid literal for int() with base 10: '${clip(text)}'`);
  if (s.includes('_')) s = s.replaceAll('_', '');
  if (s.length > MAX_STR_DIGITS) {
    throw new IntParseError(`int text has ${s.length} digits, more than Python's limit of ${MAX_STR_DIGITS}`);
  }
  if (s.length <= 15) {
    const v = Number(s);
    return negative ? (v === 0 ? 0 : -v) : v;
  }
  const big = BigInt(s);
  return narrow(negative ? -big : big);
}

/** Parses a memo index written as decimal text (GET, PUT): a non-negative int. */
export function parseMemoIndex(text: string): number {
  const v = parseDecimalInt(text);
  if (typeof v === 'bigint' || v < 0) throw new IntParseError(`memo index '${clip(text)}' is out of range`);
  return v;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
