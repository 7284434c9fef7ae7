/**
 * Text codecs of the pickle format: UTF-8 with Python's `surrogatepass`
 * (lone surrogates are data, not errors), Latin-1 and ASCII, Python's
 * `escape_decode` (the STRING opcode) and `raw_unicode_escape` (UNICODE).
 *
 * Decoding runs in tiers (crossovers measured on Node 20): short strings in JS, long ones
 * natively (Node's `Buffer#latin1Slice` / `utf8Slice` when present, else
 * `TextDecoder`), and the exact JS decoder whenever the native one could have
 * replaced a lone surrogate or invalid byte with U+FFFD.
 *
 * No Node module is imported: `Buffer` is picked up from `globalThis` when it
 * exists, once, at load time.
 *
 * @module
 */

/** Thrown by the decoders; the unpickler turns it into an UnpicklingError at the current opcode. */
export class TextDecodeError extends Error {}

interface NodeBufferStatics {
  prototype: {
    latin1Slice?: (this: Uint8Array, start: number, end: number) => string;
    utf8Slice?: (this: Uint8Array, start: number, end: number) => string;
  };
}

const nodeBuffer = (globalThis as { Buffer?: NodeBufferStatics }).Buffer;
const nativeLatin1Slice = nodeBuffer?.prototype.latin1Slice;
const nativeUtf8Slice = nodeBuffer?.prototype.utf8Slice;
const textDecoder = new TextDecoder('utf-8');
const latin1Decoder = (() => {
  try {
    // 'latin1' is windows-1252 in TextDecoder, which differs in 0x80-0x9f; only used for ASCII.
    return new TextDecoder('latin1');
  } catch {
    return undefined;
  }
})();

/** Below this many bytes strings are built in JS by {@link shortAscii} (or the cache); from here {@link midAscii} to {@link MID_STRING}. */
const SHORT_STRING = 16;
/** Below this many bytes (and from {@link SHORT_STRING}) ASCII text is built by {@link midAscii}. */
const MID_STRING = 32;
/** Above this many bytes the native UTF-8 decoder wins even for non-ASCII text. */
const NATIVE_UTF8 = 128;
/**
 * Text of up to {@link NATIVE_UTF8} bytes whose first non-ASCII byte comes after this many ASCII
 * bytes goes through Node's `utf8Slice` (a street name with one accent, 33 bytes: 69 against 149 ns
 * in JS, measured on Node 20); text that is not ASCII from its start (CJK, emoji, accents
 * throughout: 24-40 bytes, 365 against 204 ns) stays with the JS decoder, and so does all of it
 * where `TextDecoder` is the native decoder (a view and a call more).
 */
const NATIVE_UTF8_PREFIX = 16;
/** `String.fromCharCode.apply` argument chunk (engines limit argument counts). */
const CHUNK = 0x1000;

/** Decodes `length` bytes at `start` as UTF-8 with `surrogatepass`. Invalid UTF-8 throws {@link TextDecodeError}. */
export function decodeUtf8(bytes: Uint8Array, start: number, length: number): string {
  const end = start + length;
  if (length < SHORT_STRING) {
    const ascii =
      length <= CACHED_STRING ? cachedShortAscii(bytes, start, length) : shortAscii(bytes, start, length);
    return ascii === null ? decodeUtf8Js(bytes, start, end) : ascii;
  }
  if (length < MID_STRING) {
    const ascii = midAscii(bytes, start, length);
    if (ascii !== null) return ascii;
  }
  if (length <= NATIVE_UTF8) {
    let i = start;
    // Four bytes a step, then byte by byte to the first non-ASCII one.
    while (i + 4 <= end && (bytes[i]! | bytes[i + 1]! | bytes[i + 2]! | bytes[i + 3]!) < 0x80) i += 4;
    while (i < end && bytes[i]! < 0x80) i++;
    if (i === end) return decodeAsciiNative(bytes, start, end);
    if (i - start < NATIVE_UTF8_PREFIX || !nativeUtf8Slice) return decodeUtf8Js(bytes, start, end);
  }
  const s = nativeUtf8Slice
    ? nativeUtf8Slice.call(bytes, start, end)
    : textDecoder.decode(bytes.subarray(start, end));
  // The native decoders replace lone surrogates and invalid bytes with U+FFFD: redo those exactly.
  return s.indexOf('\ufffd') === -1 ? s : decodeUtf8Js(bytes, start, end);
}

const fromCharCode = String.fromCharCode;

/** As {@link decodeUtf8}, without the short-string cache. */
export function decodeUtf8Value(bytes: Uint8Array, start: number, length: number): string {
  if (length < SHORT_STRING) {
    const ascii = shortAscii(bytes, start, length);
    return ascii === null ? decodeUtf8Js(bytes, start, start + length) : ascii;
  }
  return decodeUtf8(bytes, start, length);
}

/**
 * Short ASCII strings seen before, by a hash of their bytes: the same text
 * gives the same string object, so dict keys repeated across pickles are
 * strings V8 has already internalized as property names (a property store
 * with a fresh key string costs a string-table lookup), and repeated values
 * allocate nothing.
 */
const cache: (string | undefined)[] = new Array(4096).fill(undefined);
/**
 * Only strings up to this many bytes go through the cache: dict keys are
 * short, and for longer, mostly distinct values the lookup cost more than it
 * saved (measured: +20% on a million distinct 5-20 byte strings, -20% on
 * records whose keys repeat).
 */
const CACHED_STRING = 10;
/** The bytes of each cached string, 16 per slot: compared as bytes, not through `charCodeAt`. */
const cacheBytes = new Uint8Array(4096 * 16);

/**
 * After this many misses in a row the cache is left alone for the next
 * {@link CACHE_REST} strings: a big dict of distinct keys (or a list of
 * distinct short strings) only paid for it, a hash and a store into an old
 * array per string (measured: 131 -> 119 ms of CPU for a dict of 100,000
 * distinct 'key%d' keys). A stream of small pickles whose keys repeat hits it
 * on every key and never gets here.
 */
const CACHE_MISSES = 256;
const CACHE_REST = 4096;
/** [misses in a row, strings left to skip the cache for]: a typed array, cheaper to update than module variables. */
const cacheState = new Int32Array(2);

function cachedShortAscii(b: Uint8Array, p: number, n: number): string | null {
  if (cacheState[1]! > 0) {
    cacheState[1]!--;
    return shortAscii(b, p, n);
  }
  let h = n;
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + b[p + i]!) | 0;
  const slot = (h ^ (h >>> 12)) & 4095;
  const hit = cache[slot];
  if (hit !== undefined && hit.length === n) {
    const at = slot << 4;
    let i = 0;
    while (i < n && cacheBytes[at + i] === b[p + i]) i++;
    if (i === n) {
      cacheState[0] = 0;
      return hit;
    }
  }
  const s = shortAscii(b, p, n);
  if (s !== null) {
    cache[slot] = s;
    const at = slot << 4;
    for (let i = 0; i < n; i++) cacheBytes[at + i] = b[p + i]!;
    if (++cacheState[0]! >= CACHE_MISSES) {
      cacheState[0] = 0;
      cacheState[1] = CACHE_REST;
    }
  }
  return s;
}

/**
 * A pure-ASCII string of fewer than 16 bytes with one `fromCharCode` call and
 * no intermediate strings (msgpackr's `shortStringInJS`); `null` when a byte is
 * not ASCII.
 */
function shortAscii(b: Uint8Array, p: number, n: number): string | null {
  if (n < 4) {
    if (n === 0) return '';
    const a = b[p]!;
    if (n === 1) return a < 0x80 ? fromCharCode(a) : null;
    const c = b[p + 1]!;
    if (n === 2) return (a | c) < 0x80 ? fromCharCode(a, c) : null;
    const d = b[p + 2]!;
    return (a | c | d) < 0x80 ? fromCharCode(a, c, d) : null;
  }
  const a = b[p]!;
  const c = b[p + 1]!;
  const d = b[p + 2]!;
  const e = b[p + 3]!;
  if ((a | c | d | e) >= 0x80) return null;
  if (n < 8) {
    if (n === 4) return fromCharCode(a, c, d, e);
    const f = b[p + 4]!;
    if (n === 5) return f < 0x80 ? fromCharCode(a, c, d, e, f) : null;
    const g = b[p + 5]!;
    if (n === 6) return (f | g) < 0x80 ? fromCharCode(a, c, d, e, f, g) : null;
    const h = b[p + 6]!;
    return (f | g | h) < 0x80 ? fromCharCode(a, c, d, e, f, g, h) : null;
  }
  const f = b[p + 4]!;
  const g = b[p + 5]!;
  const h = b[p + 6]!;
  const i = b[p + 7]!;
  if ((f | g | h | i) >= 0x80) return null;
  if (n === 8) return fromCharCode(a, c, d, e, f, g, h, i);
  const j = b[p + 8]!;
  if (n === 9) return j < 0x80 ? fromCharCode(a, c, d, e, f, g, h, i, j) : null;
  const k = b[p + 9]!;
  if (n === 10) return (j | k) < 0x80 ? fromCharCode(a, c, d, e, f, g, h, i, j, k) : null;
  const l = b[p + 10]!;
  if (n === 11) return (j | k | l) < 0x80 ? fromCharCode(a, c, d, e, f, g, h, i, j, k, l) : null;
  const m = b[p + 11]!;
  if ((j | k | l | m) >= 0x80) return null;
  if (n === 12) return fromCharCode(a, c, d, e, f, g, h, i, j, k, l, m);
  const o = b[p + 12]!;
  if (n === 13) return o < 0x80 ? fromCharCode(a, c, d, e, f, g, h, i, j, k, l, m, o) : null;
  const q = b[p + 13]!;
  if (n === 14) return (o | q) < 0x80 ? fromCharCode(a, c, d, e, f, g, h, i, j, k, l, m, o, q) : null;
  const r = b[p + 14]!;
  return (o | q | r) < 0x80 ? fromCharCode(a, c, d, e, f, g, h, i, j, k, l, m, o, q, r) : null;
}

/**
 * A pure-ASCII string of 16-31 bytes, as {@link shortAscii}: `fromCharCode` with the bytes as its
 * arguments costs 24-47 ns here, against 43-47 ns for a call of Node's `latin1Slice` plus 8-16 ns
 * for the ASCII scan before it (measured on Node 20); `null` when a byte is not ASCII.
 */
function midAscii(b: Uint8Array, p: number, n: number): string | null {
  const x0 = b[p]!,
    x1 = b[p + 1]!,
    x2 = b[p + 2]!,
    x3 = b[p + 3]!,
    x4 = b[p + 4]!,
    x5 = b[p + 5]!,
    x6 = b[p + 6]!,
    x7 = b[p + 7]!,
    x8 = b[p + 8]!,
    x9 = b[p + 9]!,
    x10 = b[p + 10]!,
    x11 = b[p + 11]!,
    x12 = b[p + 12]!,
    x13 = b[p + 13]!,
    x14 = b[p + 14]!,
    x15 = b[p + 15]!;
  let m = x0 | x1 | x2 | x3 | x4 | x5 | x6 | x7 | x8 | x9 | x10 | x11 | x12 | x13 | x14 | x15;
  if (n === 16)
    return m < 0x80
      ? fromCharCode(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15)
      : null;
  const x16 = b[p + 16]!;
  m |= x16;
  if (n === 17)
    return m < 0x80
      ? fromCharCode(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16)
      : null;
  const x17 = b[p + 17]!;
  m |= x17;
  if (n === 18)
    return m < 0x80
      ? fromCharCode(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17)
      : null;
  const x18 = b[p + 18]!;
  m |= x18;
  if (n === 19)
    return m < 0x80
      ? fromCharCode(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18)
      : null;
  const x19 = b[p + 19]!;
  m |= x19;
  if (n === 20)
    return m < 0x80
      ? fromCharCode(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17, x18, x19)
      : null;
  const x20 = b[p + 20]!;
  m |= x20;
  if (n === 21)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
        )
      : null;
  const x21 = b[p + 21]!;
  m |= x21;
  if (n === 22)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
        )
      : null;
  const x22 = b[p + 22]!;
  m |= x22;
  if (n === 23)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
        )
      : null;
  const x23 = b[p + 23]!;
  m |= x23;
  if (n === 24)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
        )
      : null;
  const x24 = b[p + 24]!;
  m |= x24;
  if (n === 25)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
          x24,
        )
      : null;
  const x25 = b[p + 25]!;
  m |= x25;
  if (n === 26)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
          x24,
          x25,
        )
      : null;
  const x26 = b[p + 26]!;
  m |= x26;
  if (n === 27)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
          x24,
          x25,
          x26,
        )
      : null;
  const x27 = b[p + 27]!;
  m |= x27;
  if (n === 28)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
          x24,
          x25,
          x26,
          x27,
        )
      : null;
  const x28 = b[p + 28]!;
  m |= x28;
  if (n === 29)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
          x24,
          x25,
          x26,
          x27,
          x28,
        )
      : null;
  const x29 = b[p + 29]!;
  m |= x29;
  if (n === 30)
    return m < 0x80
      ? fromCharCode(
          x0,
          x1,
          x2,
          x3,
          x4,
          x5,
          x6,
          x7,
          x8,
          x9,
          x10,
          x11,
          x12,
          x13,
          x14,
          x15,
          x16,
          x17,
          x18,
          x19,
          x20,
          x21,
          x22,
          x23,
          x24,
          x25,
          x26,
          x27,
          x28,
          x29,
        )
      : null;
  const x30 = b[p + 30]!;
  m |= x30;
  return m < 0x80
    ? fromCharCode(
        x0,
        x1,
        x2,
        x3,
        x4,
        x5,
        x6,
        x7,
        x8,
        x9,
        x10,
        x11,
        x12,
        x13,
        x14,
        x15,
        x16,
        x17,
        x18,
        x19,
        x20,
        x21,
        x22,
        x23,
        x24,
        x25,
        x26,
        x27,
        x28,
        x29,
        x30,
      )
    : null;
}

function decodeAsciiNative(bytes: Uint8Array, start: number, end: number): string {
  if (nativeLatin1Slice) return nativeLatin1Slice.call(bytes, start, end);
  if (latin1Decoder) return latin1Decoder.decode(bytes.subarray(start, end));
  return textDecoder.decode(bytes.subarray(start, end));
}

/**
 * The UTF-16 code units of the string being decoded, written by index: a
 * scratch array reset with `length = 0` per string paid a builtin call per
 * string (an eighth of loading 200,000 short strings). Packed small ints.
 */
const scratchUnits: number[] = new Array<number>(CHUNK + 2).fill(0);
/** Longest string made through {@link unitPool}. */
const POOLED = 64;
/**
 * One array per length up to {@link POOLED}: a decoded short string is copied
 * into the array of its exact length and made with one `fromCharCode.apply`,
 * which takes every item of the array it is given (measured: twice as fast
 * as pushing into a cleared array for 4-16 characters).
 */
const unitPool: number[][] = Array.from({ length: POOLED + 1 }, (_, n) => new Array<number>(n).fill(0));

/** A string from the first `n` code units of `units`. */
function fromUnits(units: number[], n: number): string {
  if (n <= POOLED) {
    const exact = unitPool[n]!;
    for (let i = 0; i < n; i++) exact[i] = units[i]!;
    return fromCharCode.apply(null, exact);
  }
  return fromCharCode.apply(null, units.slice(0, n));
}

/**
 * The exact UTF-8 decoder: like CPython's `utf-8` codec with `surrogatepass`.
 * Rejects overlong forms, code points above U+10FFFF and truncated sequences.
 */
export function decodeUtf8Js(bytes: Uint8Array, start: number, end: number): string {
  // One scratch array for every call: no allocation besides the string itself.
  const units = scratchUnits;
  let k = 0;
  let out = '';
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      units[k++] = b0;
      i++;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      const b1 = bytes[i + 1]!;
      if (i + 1 >= end || (b1 & 0xc0) !== 0x80) throw utf8Error(bytes, i, start);
      units[k++] = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      const b1 = bytes[i + 1]!;
      const b2 = bytes[i + 2]!;
      if (i + 2 >= end || (b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b0 === 0xe0 && b1 < 0xa0)) {
        throw utf8Error(bytes, i, start);
      }
      // surrogatepass: ED A0..BF xx are lone surrogates, kept as such.
      units[k++] = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const b1 = bytes[i + 1]!;
      const b2 = bytes[i + 2]!;
      const b3 = bytes[i + 3]!;
      if (
        i + 3 >= end ||
        (b1 & 0xc0) !== 0x80 ||
        (b2 & 0xc0) !== 0x80 ||
        (b3 & 0xc0) !== 0x80 ||
        (b0 === 0xf0 && b1 < 0x90) ||
        (b0 === 0xf4 && b1 >= 0x90)
      ) {
        throw utf8Error(bytes, i, start);
      }
      const cp = (((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) - 0x10000;
      units[k++] = 0xd800 | (cp >> 10);
      units[k++] = 0xdc00 | (cp & 0x3ff);
      i += 4;
    } else {
      throw utf8Error(bytes, i, start);
    }
    if (k >= CHUNK) {
      out += fromUnits(units, k);
      k = 0;
    }
  }
  return k === 0 ? out : out + fromUnits(units, k);
}

function utf8Error(bytes: Uint8Array, at: number, start: number): TextDecodeError {
  const byte = bytes[at];
  const shown = byte === undefined ? 'end of data' : `0x${byte.toString(16).padStart(2, '0')}`;
  return new TextDecodeError(`invalid UTF-8 at byte ${at - start} of the string (${shown})`);
}

/** Decodes bytes as Latin-1 (each byte is one code point). */
export function decodeLatin1(bytes: Uint8Array, start: number, length: number): string {
  const end = start + length;
  if (length < SHORT_STRING) {
    const ascii = shortAscii(bytes, start, length);
    if (ascii !== null) return ascii;
    let out = '';
    for (let i = start; i < end; i++) out += fromCharCode(bytes[i]!);
    return out;
  }
  if (nativeLatin1Slice) return nativeLatin1Slice.call(bytes, start, end);
  let out = '';
  for (let i = start; i < end; i += CHUNK) {
    // A plain Uint8Array view: `subarray` of a Node buffer would construct another Node buffer, slowly.
    const chunk = new Uint8Array(bytes.buffer, bytes.byteOffset + i, Math.min(end, i + CHUNK) - i);
    out += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return out;
}

/** Decodes bytes as ASCII; a byte >= 0x80 throws {@link TextDecodeError}, as Python's 'ascii' codec. */
export function decodeAscii(bytes: Uint8Array, start: number, length: number): string {
  for (let i = start; i < start + length; i++) {
    if (bytes[i]! >= 0x80) {
      throw new TextDecodeError(
        `'ascii' codec cannot decode byte 0x${bytes[i]!.toString(16)} at position ${i - start}`,
      );
    }
  }
  return decodeLatin1(bytes, start, length);
}

/**
 * Python's `raw_unicode_escape` decoding (the UNICODE opcode): bytes are
 * Latin-1 code points, except `\uXXXX` and `\UXXXXXXXX` after an odd number of
 * backslashes.
 */
export function decodeRawUnicodeEscape(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  let i = start;
  let runStart = start;
  while (i < end) {
    if (bytes[i] !== 0x5c) {
      i++;
      continue;
    }
    // A run of backslashes: only the last one of an odd-length run can start an escape.
    let j = i;
    while (j < end && bytes[j] === 0x5c) j++;
    const count = j - i;
    const next = bytes[j];
    if (count % 2 === 1 && j < end && (next === 0x75 || next === 0x55)) {
      out += decodeLatin1(bytes, runStart, j - 1 - runStart);
      const digits = next === 0x75 ? 4 : 8;
      let cp = 0;
      for (let k = 0; k < digits; k++) {
        const h = hexValue(bytes[j + 1 + k]);
        if (j + 1 + k >= end || h < 0) {
          throw new TextDecodeError(`truncated \\${next === 0x75 ? 'uXXXX' : 'UXXXXXXXX'} escape`);
        }
        cp = cp * 16 + h;
      }
      if (cp > 0x10ffff) throw new TextDecodeError('\\Uxxxxxxxx out of range');
      out += String.fromCodePoint(cp);
      i = j + 1 + digits;
      runStart = i;
    } else {
      i = j;
    }
  }
  return out + decodeLatin1(bytes, runStart, end - runStart);
}

/** The value of a hex digit's character code, -1 for anything else. */
export function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * Python's `codecs.escape_decode` (the body of a STRING opcode's quoted
 * argument): backslash escapes of a bytes literal. Returns bytes.
 */
export function escapeDecode(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  let i = start;
  while (i < end) {
    const b = bytes[i++]!;
    if (b !== 0x5c) {
      out[n++] = b;
      continue;
    }
    if (i >= end) throw new TextDecodeError('Trailing \\ in string');
    const c = bytes[i++]!;
    switch (c) {
      case 0x0a: // backslash-newline: line continuation
        break;
      case 0x5c:
      case 0x27:
      case 0x22:
        out[n++] = c;
        break;
      case 0x61: // \a
        out[n++] = 7;
        break;
      case 0x62: // \b
        out[n++] = 8;
        break;
      case 0x66: // \f
        out[n++] = 12;
        break;
      case 0x6e: // \n
        out[n++] = 10;
        break;
      case 0x72: // \r
        out[n++] = 13;
        break;
      case 0x74: // \t
        out[n++] = 9;
        break;
      case 0x76: // \v
        out[n++] = 11;
        break;
      case 0x78: {
        // \xhh: exactly two hex digits
        const h1 = i < end ? hexValue(bytes[i]) : -1;
        const h2 = i + 1 < end ? hexValue(bytes[i + 1]) : -1;
        if (h1 < 0 || h2 < 0) throw new TextDecodeError(`invalid \\x escape at position ${i - 2 - start}`);
        out[n++] = h1 * 16 + h2;
        i += 2;
        break;
      }
      default:
        if (c >= 0x30 && c <= 0x37) {
          // \o, \oo, \ooo (octal, truncated to a byte like CPython)
          let v = c - 0x30;
          for (let k = 0; k < 2 && i < end && bytes[i]! >= 0x30 && bytes[i]! <= 0x37; k++)
            v = v * 8 + bytes[i++]! - 0x30;
          out[n++] = v & 0xff;
        } else {
          out[n++] = 0x5c;
          out[n++] = c;
        }
    }
  }
  return out.subarray(0, n);
}
