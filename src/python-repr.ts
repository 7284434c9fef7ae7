/**
 * Python's `repr()` of text and bytes, shared by the value classes, the
 * pretty printer and the disassembler: the quote rule, the escapes, and
 * CPython 3.11's own table of printable characters (JavaScript's Unicode
 * tables follow the engine's Unicode version, not Python's).
 *
 * @module
 */
import { NON_PRINTABLE_RANGES } from './opcodes.js';

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

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
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
  const parts: string[] = [String.fromCharCode(quote)];
  let run = '';
  for (const c of points) {
    if (c === quote || c === 0x5c) run += `\\${String.fromCharCode(c)}`;
    else if (c === 0x09) run += '\\t';
    else if (c === 0x0a) run += '\\n';
    else if (c === 0x0d) run += '\\r';
    else if (c < 0x20 || c === 0x7f) run += `\\x${hex(c, 2)}`;
    else if (c < 0x7f) run += String.fromCharCode(c);
    else if (!isPrintable(c)) {
      if (c <= 0xff) run += `\\x${hex(c, 2)}`;
      else if (c <= 0xffff) run += `\\u${hex(c, 4)}`;
      else run += `\\U${hex(c, 8)}`;
    } else run += String.fromCodePoint(c);
    if (run.length > 4096) {
      parts.push(run);
      run = '';
    }
  }
  parts.push(run, String.fromCharCode(quote));
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
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  const parts: string[] = [quote === 0x22 ? 'b"' : "b'"];
  let run = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === quote || b === 0x5c) run += `\\${String.fromCharCode(b)}`;
    else if (b === 0x09) run += '\\t';
    else if (b === 0x0a) run += '\\n';
    else if (b === 0x0d) run += '\\r';
    else if (b < 0x20 || b >= 0x7f) run += `\\x${hex(b, 2)}`;
    else run += String.fromCharCode(b);
    if (run.length > 4096) {
      parts.push(run);
      run = '';
    }
  }
  parts.push(run, quote === 0x22 ? '"' : "'");
  return parts.join('');
}
