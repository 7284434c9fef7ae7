/**
 * Integer codecs of the pickle format: little-endian two's-complement longs
 * (LONG1, LONG4) and decimal text (INT, LONG, and the indices of GET / PUT).
 * Values that are safe integers come back as `number` without touching
 * BigInt; only larger ones are `bigint`.
 *
 * @module
 */
import { PicklingError } from './errors.js';
import { escapeUntrusted } from './python-repr.js';

/** Python's default limit on the digits of an int given as decimal text (`sys.get_int_max_str_digits()`). */
export const MAX_STR_DIGITS = 4300;

/** Thrown by the parsers; the unpickler turns it into an UnpicklingError at the current opcode. */
export class IntParseError extends Error {}

/**
 * Decodes `n` bytes at `start` as a little-endian two's-complement integer
 * (`n` = 0 is 0), as LONG1 and LONG4 store them. `view` is a DataView over
 * the same memory as `bytes` (same offset).
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
    // Beyond 2^53: one signed 64-bit read, or the high half placed by a double (exact: |hi| < 2^24).
    return n === 8 ? view.getBigInt64(start, true) : BigInt(hi * 0x100000000) + BigInt(lo);
  }
  if (n > MAX_WORDS_BYTES) return decodeLongBig(bytes, start, n);
  const value = decodeLongWords(view, start, n);
  // A last byte other than a sign extension puts |value| at 2^64 or more; only a non-minimal
  // encoding (which Python never writes) can hold a safe integer in 9 bytes or more.
  const last = bytes[start + n - 1]!;
  return last === 0 || last === 0xff ? narrow(value) : value;
}

/** The longest payload {@link decodeLongWords} takes; longer ones go through hex text. */
const MAX_WORDS_BYTES = 128;

/** `64 - 8r` as a bigint, by the number `r` of bytes in the partial top word. */
const TOP_SHIFT = [0n, 56n, 48n, 40n, 32n, 24n, 16n, 8n];

/**
 * `n` (9 to {@link MAX_WORDS_BYTES}) bytes of little-endian two's complement
 * from 64-bit words. The top word, partial or not, is read signed (a partial
 * one as the last 8 bytes, its extra low bytes shifted out), so the sign needs
 * no `asIntN`; each word below is shifted in. About 3 BigInt operations per
 * word, each of which allocates: several times cheaper than any text (a
 * TextDecoder call or string building costs more than the whole of this at
 * these sizes), but quadratic, hence the bound.
 */
function decodeLongWords(view: DataView, start: number, n: number): bigint {
  const r = n & 7;
  let k = n >> 3; // whole words below the top one
  let v: bigint;
  if (r === 0) {
    k--;
    v = view.getBigInt64(start + 8 * k, true);
  } else {
    v = view.getBigInt64(start + n - 8, true) >> TOP_SHIFT[r]!;
  }
  for (let w = k - 1; w >= 0; w--) v = (v << 64n) | view.getBigUint64(start + 8 * w, true);
  return v;
}

/**
 * How many LONG1 payloads wait for one {@link flushLongs}: a call of V8's deserializer costs a few
 * microseconds whatever it reads.
 */
export const LONG_BATCH = 256;

/** V8's `deserialize` (Node's `v8` module) when it reads BigInts as V8 writes them; null elsewhere; undefined before the first ask. */
let deserialize: ((bytes: Uint8Array) => unknown) | null | undefined;

/**
 * True when big ints can be made in batches (Node, through its `v8` module, found at run time
 * without an import: a browser has no `process` and takes the 64-bit words). Checked once, on
 * -(2^64 + 1) written as V8's serializer writes it.
 */
export function longBatches(): boolean {
  if (deserialize === undefined) {
    deserialize = null;
    try {
      const f = (
        globalThis as {
          process?: { getBuiltinModule?(id: string): { deserialize?(b: Uint8Array): unknown } };
        }
      ).process?.getBuiltinModule?.('v8')?.deserialize;
      const probe = f?.(new Uint8Array([0xff, 13, 0x5a, 33, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
      if (probe === -(1n << 64n) - 1n) deserialize = f!;
    } catch {}
  }
  return deserialize !== null;
}

/** Where each waiting payload starts, its length, and the index of `target` it goes to. */
const waiting = new Int32Array(3 * LONG_BATCH);
let waitingCount = 0;
let scratch: Uint8Array | null = null;

/**
 * True when the `n` bytes (9 or more) at `start` are a minimal two's complement (the top byte not a
 * mere repeat of the sign), as Python writes every int: the value is then at least 2^63 in
 * magnitude, never a safe integer, and can wait for {@link flushLongs}.
 */
export function minimalLong(bytes: Uint8Array, start: number, n: number): boolean {
  const last = bytes[start + n - 1]!;
  return (last !== 0 && last !== 0xff) || (bytes[start + n - 2]! ^ last) >= 0x80;
}

/**
 * Queues the LONG1 payload of `n` bytes (9 to 255, {@link minimalLong}) at `start` for `target[slot]`;
 * returns how many wait (at {@link LONG_BATCH}, call {@link flushLongs}).
 */
export function queueLong(start: number, n: number, slot: number): number {
  const at = 3 * waitingCount;
  waiting[at] = start;
  waiting[at + 1] = n;
  waiting[at + 2] = slot;
  return ++waitingCount;
}

/**
 * Makes the queued payloads of `bytes` into BigInts, each stored at its slot of `target`: their
 * magnitudes written as V8's serializer writes an array of BigInts (a BigInt is its sign and its
 * 64-bit digits, little-endian), read back by one call of V8's deserializer, which makes each BigInt
 * in one allocation of its size. The 64-bit words ({@link decodeLongWords}) take 5 to 11 BigInt
 * operations per int, each an allocation, and the garbage makes the scavenger copy the ints made
 * so far again and again. Nothing of the input reaches the deserializer but digits. Returns 0, the
 * count left waiting.
 */
export function flushLongs(bytes: Uint8Array, target: unknown[]): 0 {
  const count = waitingCount;
  waitingCount = 0;
  if (count === 0) return 0;
  scratch ??= new Uint8Array(LONG_BATCH * 268 + 16);
  const s = scratch;
  s[0] = 0xff;
  s[1] = 13; // the format's version: BigInts since 12
  s[2] = 0x41; // a dense array
  s[3] = 0x80 | (count & 0x7f); // its length (at most LONG_BATCH = 256) as two varint bytes
  s[4] = count >> 7;
  let at = 5;
  for (let i = 0; i < 3 * count; i += 3) {
    const start = waiting[i]!;
    const n = waiting[i + 1]!;
    const size = (n + 7) & ~7;
    const negative = bytes[start + n - 1]! >= 0x80;
    s[at] = 0x5a; // a BigInt: its byte length times 2 plus the sign, as a varint, then the digits
    const bits = 2 * size + (negative ? 1 : 0);
    s[at + 1] = 0x80 | (bits & 0x7f);
    s[at + 2] = bits >> 7;
    at += 3;
    // The magnitude: a negative value's bytes complemented, plus one.
    const flip = negative ? 0xff : 0;
    let carry = flip & 1;
    for (let j = 0; j < n; j++) {
      const b = (bytes[start + j]! ^ flip) + carry;
      s[at + j] = b;
      carry = b >> 8;
    }
    for (let j = n; j < size; j++) s[at + j] = 0;
    at += size;
  }
  s[at] = 0x24; // the end of the dense array: no properties, its length again
  s[at + 1] = 0;
  s[at + 2] = 0x80 | (count & 0x7f);
  s[at + 3] = count >> 7;
  let made: unknown;
  try {
    made = deserialize!(s.subarray(0, at + 4));
  } catch {}
  if (Array.isArray(made) && made.length === count) {
    for (let i = 0; i < count; i++) target[waiting[3 * i + 2]!] = made[i];
  } else {
    // The deserializer failed (it never has on these bytes): the 64-bit words, one int at a time.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < 3 * count; i += 3)
      target[waiting[i + 2]!] = decodeLong(bytes, view, waiting[i]!, waiting[i + 1]!);
  }
  return 0;
}

/** The ASCII codes of the hex digits. */
const HEX_CODES = /* @__PURE__ */ Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const asciiDecoder = /* @__PURE__ */ new TextDecoder('latin1');

/**
 * Bytes of little-endian two's complement (a LONG1 / LONG4 payload) beyond
 * {@link MAX_WORDS_BYTES}. Linear in `n`: the bytes become one flat hex text
 * (written as ASCII bytes and decoded at once), which V8 reads into a bigint
 * in linear time. Shifting and or-ing 64-bit words into a growing bigint, as
 * {@link decodeLongWords} does for short payloads, copies the whole value per
 * word and is quadratic (256 KiB took a minute); so is a hex text grown by
 * `+=`, which V8 parses character by character through the rope.
 */
function decodeLongBig(bytes: Uint8Array, start: number, n: number): number | bigint {
  const text = new Uint8Array(2 + 2 * n);
  text[0] = 0x30; // 0
  text[1] = 0x78; // x
  for (let i = 0, at = 2; i < n; i++, at += 2) {
    const b = bytes[start + n - 1 - i]!;
    text[at] = HEX_CODES[b >> 4]!;
    text[at + 1] = HEX_CODES[b & 15]!;
  }
  return narrow(BigInt.asIntN(8 * n, BigInt(asciiDecoder.decode(text))));
}

/** The values LONG1 holds: at most 255 bytes of two's complement, [-2^2039, 2^2039). */
export const LONG1_MIN = -(1n << 2039n);
/** One past the largest value LONG1 holds (see {@link LONG1_MIN}). */
export const LONG1_LIMIT = 1n << 2039n;

/** The int32 bounds as bigints: module constants (a literal `-0x80000000n` in a function is a negation, and an allocation, at every call). */
export const INT32_MIN_BIG = -0x80000000n;
/** See {@link INT32_MIN_BIG}. */
export const INT32_MAX_BIG = 0x7fffffffn;

/** `2^(64k - 1)` by k (1 to 32): a value in [-HALF[k], HALF[k]) fits k 64-bit words of two's complement. */
const HALF_WORDS = /* @__PURE__ */ Array.from({ length: 33 }, (_, k) =>
  k === 0 ? 0n : 1n << BigInt(64 * k - 1),
);
const NEG_HALF_WORDS = /* @__PURE__ */ HALF_WORDS.map((h) => -h);

/**
 * Writes the minimal little-endian two's-complement bytes of `v`, as
 * `_pickle.c` `save_long` writes them for LONG1, at `at` in `view`, and
 * returns how many there are (1 for 0): from 1 to
 * 256, or 257 when `v` needs more than 32 words (nothing is written then).
 * A count above 255 is a value LONG1 cannot hold (outside [{@link LONG1_MIN},
 * {@link LONG1_LIMIT})); one of at most 4 is an int32. The 256 bytes from
 * `at` must be writable (whole words are written, the count then read from
 * the top one). The word count comes from comparisons with constants (one
 * per word, no allocation); then one shift (an allocation) per word past the
 * first, the top word written signed.
 */
export function writeLong(v: bigint, view: DataView, at: number): number {
  let k = 1;
  const negative = v < 0n;
  if (negative) {
    while (v < NEG_HALF_WORDS[k]!) if (++k > 32) return 257;
  } else {
    while (v >= HALF_WORDS[k]!) if (++k > 32) return 257;
  }
  let x = v;
  for (let w = 0; w < k - 1; w++) {
    // setBigUint64 stores the low 64 bits of any bigint: no asUintN (an allocation) needed.
    view.setBigUint64(at + 8 * w, x, true);
    x >>= 64n;
  }
  const top = at + 8 * (k - 1);
  view.setBigInt64(top, x, true);
  // The top word keeps the bytes of its magnitude (its bits other than the sign's repeats) and one
  // bit for the sign: (bit length >> 3) + 1 bytes, the bit length that of the word, or of its
  // complement when negative. k is minimal, so the words below are all needed.
  const flip = negative ? -1 : 0;
  const hi = view.getInt32(top + 4, true) ^ flip;
  const lo = view.getInt32(top, true) ^ flip;
  const bits = hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo);
  return 8 * (k - 1) + (bits >> 3) + 1;
}

/**
 * The hex digits LONG4's payload of `v` is made from: those of `v`, or of
 * `~v` (which is not negative) when `v` is negative. One conversion, linear
 * in V8 at any size; no `asUintN` of a negative value and no padding (each a
 * copy as long as the value).
 */
export function longText(v: bigint): string {
  return (v < 0n ? ~v : v).toString(16);
}

/**
 * The byte count of the payload made from {@link longText}: (bit length >> 3)
 * + 1, `_pickle.c`'s, less the redundant 0xff it drops for a negative value
 * (the bit length being that of `~v`).
 */
export function longTextBytes(text: string): number {
  return ((4 * text.length + 28 - Math.clz32(hexDigit(text.charCodeAt(0)))) >> 3) + 1;
}

/**
 * Writes the `nbytes` payload bytes of {@link longText}'s `text` at `at`:
 * little-endian, byte i from the hex pair 2i digits before the end (digits
 * before the text's start are 0), each byte complemented when the value is
 * `negative` (the bytes of `~v` complemented are those of `v`).
 */
export function writeLongText(
  text: string,
  negative: boolean,
  bytes: Uint8Array,
  at: number,
  nbytes: number,
): void {
  const flip = negative ? 0xff : 0;
  const whole = text.length >> 1; // bytes made of two digits of the text
  for (let i = 0, d = text.length - 2; i < whole; i++, d -= 2) {
    bytes[at + i] = ((hexDigit(text.charCodeAt(d)) << 4) | hexDigit(text.charCodeAt(d + 1))) ^ flip;
  }
  // A first digit without a pair, then the sign bytes.
  let i = whole;
  if ((text.length & 1) === 1) bytes[at + i++] = hexDigit(text.charCodeAt(0)) ^ flip;
  for (; i < nbytes; i++) bytes[at + i] = flip;
}

function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** A bigint as a number when it is a safe integer. */
export function narrow(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** 10^4300, made on first use: ints at or beyond it have more than {@link MAX_STR_DIGITS} digits. */
let tooManyDigits: bigint | undefined;

/**
 * The decimal text of `v` for the LONG opcode of protocols 0 and 1, as
 * `_pickle.c` writes it with `repr()`: which refuses more than
 * {@link MAX_STR_DIGITS} digits, so that such a pickle is never written (no
 * Python could load it, nor brine). The bound also keeps the conversion,
 * quadratic in V8 at these sizes, bounded.
 */
export function decimalText(v: bigint): string {
  tooManyDigits ??= 10n ** BigInt(MAX_STR_DIGITS);
  if (v >= tooManyDigits || v <= -tooManyDigits) {
    throw new PicklingError(
      `an int of more than ${MAX_STR_DIGITS} digits needs protocol 2 or higher (Python refuses it as text)`,
    );
  }
  return v.toString();
}

/**
 * Parses Python int text in base 10, as `int(text)`: surrounding whitespace,
 * an optional sign, digits with single underscores between them. At most
 * {@link MAX_STR_DIGITS} digits.
 */
export function parseDecimalInt(text: string): number | bigint {
  let s = trimAsciiSpace(text);
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

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * `text` without leading and trailing ASCII whitespace, as `int()` and
 * `float()` strip it from bytes. A loop: the usual `/\s+$/` backtracks
 * quadratically over a long run of spaces that is not at the end.
 */
export function trimAsciiSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isAsciiSpace(text.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Parses a memo index written as decimal text (GET, PUT): a non-negative int. */
export function parseMemoIndex(text: string): number {
  const v = parseDecimalInt(text);
  if (typeof v === 'bigint' || v < 0) throw new IntParseError(`memo index '${clip(text)}' is out of range`);
  return v;
}

function clip(text: string): string {
  return escapeUntrusted(text, 40);
}
