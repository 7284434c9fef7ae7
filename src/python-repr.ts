/**
 * Python's `repr()` of text and bytes, shared by the value classes, the
 * pretty printer and the disassembler: the quote rule, the escapes, and
 * CPython 3.11's own table of printable characters (JavaScript's Unicode
 * tables follow the engine's Unicode version, not Python's).
 *
 * @module
 */
import { NON_PRINTABLE_RANGES } from './unicode-printable.js';

let ranges: [Int32Array, Int32Array] | undefined;

/** Range starts and ends (inclusive) of the code points `repr` escapes, decoded on first use. */
function nonPrintable(): [Int32Array, Int32Array] {
  if (ranges === undefined) {
    const pairs = NON_PRINTABLE_RANGES.split(' ');
    const lo = new Int32Array(pairs.length);
    const hi = new Int32Array(pairs.length);
    let last = 0;
    pairs.forEach((pair, i) => {
      const [gap = '0', len = '0'] = pair.split(',');
      lo[i] = last + Number.parseInt(gap, 36);
      hi[i] = lo[i]! + Number.parseInt(len, 36);
      last = hi[i]!;
    });
    ranges = [lo, hi];
  }
  return ranges;
}

/**
 * True when Python 3.11 prints the code point as itself in `repr()` (`str.isprintable()`).
 *
 * @param codePoint a Unicode code point (0 to 0x10FFFF).
 * @returns whether `repr` keeps the character.
 * @example
 * ```ts
 * isPrintable(0x41); // true
 * isPrintable(0x200b); // false: repr('\u200b') escapes it
 * ```
 */
export function isPrintable(codePoint: number): boolean {
  const [lo, hi] = nonPrintable();
  let a = 0;
  let b = lo.length - 1;
  while (a <= b) {
    const m = (a + b) >> 1;
    if (codePoint < lo[m]!) b = m - 1;
    else if (codePoint > hi[m]!) a = m + 1;
    else return false;
  }
  return true;
}

/** The code points of a JS string (a lone surrogate is one). */
function* stringCodePoints(text: string): Generator<number> {
  for (const ch of text) yield ch.codePointAt(0)!;
}

const SIMPLE_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/**
 * Python's `repr()` of a str given as code points (two lone surrogates are
 * two code points, where a JS string would read one pair).
 */
export function reprCodePoints(points: Iterable<number>): string {
  let single = false;
  let double = false;
  for (const c of points) {
    if (c === 0x27) single = true;
    else if (c === 0x22) double = true;
  }
  const quote = single && !double ? 0x22 : 0x27;
  // UTF-16 code units into a growing buffer, turned into text in slices: appending to a string
  // character by character builds a rope of one node per character, far more memory than the text.
  let units = new Uint16Array(256);
  let n = 0;
  const put = (unit: number): void => {
    if (n === units.length) {
      const grown = new Uint16Array(units.length * 2);
      grown.set(units);
      units = grown;
    }
    units[n++] = unit;
  };
  const putEscape = (prefix: number, value: number, digits: number): void => {
    put(0x5c);
    put(prefix);
    for (let shift = 4 * (digits - 1); shift >= 0; shift -= 4)
      put(HEX_DIGITS.charCodeAt((value >>> shift) & 15));
  };
  put(quote);
  for (const c of points) {
    if (c === quote || c === 0x5c) {
      put(0x5c);
      put(c);
    } else if (c === 0x09) putEscape(0x74, 0, 0);
    else if (c === 0x0a) putEscape(0x6e, 0, 0);
    else if (c === 0x0d) putEscape(0x72, 0, 0);
    else if (c < 0x20 || c === 0x7f) putEscape(0x78, c, 2);
    else if (c < 0x7f) put(c);
    else if (!isPrintable(c)) {
      if (c <= 0xff) putEscape(0x78, c, 2);
      else if (c <= 0xffff) putEscape(0x75, c, 4);
      else putEscape(0x55, c, 8);
    } else if (c > 0xffff) {
      put(0xd800 + ((c - 0x10000) >> 10));
      put(0xdc00 + ((c - 0x10000) & 0x3ff));
    } else put(c);
  }
  put(quote);
  return unitsToString(units, n);
}

const HEX_DIGITS = '0123456789abcdef';

/** Text from UTF-16 code units, a slice at a time (an argument list has a size limit). */
function unitsToString(units: Uint16Array | Uint8Array, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i += 0x2000)
    parts.push(
      String.fromCharCode.apply(null, units.subarray(i, Math.min(n, i + 0x2000)) as unknown as number[]),
    );
  return parts.join('');
}

/**
 * Python's `repr()` of a str: single quotes unless the text has a single quote
 * and no double quote; backslash escapes for control characters, quotes and
 * every character Python does not consider printable (lone surrogates too).
 *
 * @param text the string.
 * @returns its Python literal.
 * @example
 * ```ts
 * reprString("it's"); // "it's" in double quotes
 * ```
 */
export function reprString(text: string): string {
  if (SIMPLE_ASCII.test(text)) return `'${text}'`;
  return reprCodePoints({ [Symbol.iterator]: () => stringCodePoints(text) });
}

/**
 * Python's `repr()` of bytes: `b'...'` with the same quote rule as str,
 * `\xhh` for bytes outside printable ASCII.
 *
 * @param bytes the bytes.
 * @returns the bytes literal.
 * @example
 * ```ts
 * reprBytes(new Uint8Array([0, 65])); // "b'\\x00A'"
 * ```
 */
export function reprBytes(bytes: Uint8Array): string {
  return bytesLiteral(bytes, false);
}

/**
 * Python's `repr()` of a bytearray: `bytearray(b'...')`. CPython's bytearray
 * escapes a single quote even inside double quotes (`bytearray(b"\'")`),
 * where bytes does not (`b"'"`).
 *
 * @param bytes the bytearray's bytes.
 * @returns the text.
 * @example
 * ```ts
 * reprByteArray(new Uint8Array([0x27])); // `bytearray(b"\\'")`
 * ```
 */
export function reprByteArray(bytes: Uint8Array): string {
  return `bytearray(${bytesLiteral(bytes, true)})`;
}

function bytesLiteral(bytes: Uint8Array, bytearray: boolean): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  const escaped = (b: number): boolean => b === quote || b === 0x5c || (bytearray && b === 0x27);
  // The exact length first, then the ASCII text into one buffer (see reprCodePoints).
  let length = 3;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (escaped(b) || b === 0x09 || b === 0x0a || b === 0x0d) length += 2;
    else length += b >= 0x20 && b < 0x7f ? 1 : 4;
  }
  const out = new Uint8Array(length);
  let n = 0;
  out[n++] = 0x62; // b
  out[n++] = quote;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b < 0x7f && !escaped(b)) out[n++] = b;
    else {
      out[n++] = 0x5c;
      if (escaped(b)) out[n++] = b;
      else if (b === 0x09) out[n++] = 0x74;
      else if (b === 0x0a) out[n++] = 0x6e;
      else if (b === 0x0d) out[n++] = 0x72;
      else {
        out[n++] = 0x78;
        out[n++] = HEX_DIGITS.charCodeAt(b >> 4);
        out[n++] = HEX_DIGITS.charCodeAt(b & 15);
      }
    }
  }
  out[n++] = quote;
  return unitsToString(out, n);
}

/** Python's `len()` of a str: code points, not UTF-16 units (a surrogate pair is one). */
export function pyLen(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const PLAIN_TEXT = /^[\x20-\x7e]*$/;

/**
 * Text a pickle controls, made safe to print in a message or on a terminal:
 * every character that Python's `repr()` escapes (C0 and C1 controls, DEL,
 * bidi overrides, line and paragraph separators, lone surrogates, unassigned
 * code points) becomes `\xhh`, `\uhhhh` or `\Uhhhhhhhh`; printable text,
 * backslashes included, is kept. Text longer than `max` UTF-16 units is cut
 * and ends with `...`. Every message brine builds from input goes through it.
 *
 * @param text the untrusted text.
 * @param max the longest text kept before the cut (default: no cut).
 * @returns the text, with nothing a terminal would act on.
 * @example
 * ```ts
 * escapeUntrusted('a\x1b]0;title\x07b'); // 'a\\x1b]0;title\\x07b'
 * escapeUntrusted('x'.repeat(100), 10); // 'xxxxxxxxxx...'
 * ```
 */
export function escapeUntrusted(text: string, max = Number.POSITIVE_INFINITY): string {
  let cut = false;
  if (text.length > max) {
    let end = Math.max(0, Math.floor(max));
    // Never split a surrogate pair.
    const c = text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
    text = text.slice(0, end);
    cut = true;
  }
  if (PLAIN_TEXT.test(text)) return cut ? `${text}...` : text;
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f) out += ch;
    else if (isPrintable(c) && !(c >= 0xd800 && c <= 0xdfff)) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return cut ? `${out}...` : out;
}
