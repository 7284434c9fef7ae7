/**
 * The float text of the FLOAT opcode, parsed as CPython's C unpickler does
 * (`PyOS_string_to_double`): a decimal literal or `inf` / `infinity` / `nan`
 * with an optional sign, case-insensitive; no whitespace, no underscores;
 * a finite literal too large for a double is an error.
 *
 * @module
 */
import { escapeUntrusted } from './python-repr.js';

/** Thrown by the parser; the unpickler turns it into an UnpicklingError at the current opcode. */
export class FloatParseError extends Error {}

/**
 * True when `text` is a decimal float literal, `[+-]? (d+ [. d*] | . d+)
 * ([eE] [+-]? d+)?`, read in one pass. A regular expression for it is
 * ambiguous without the dot and backtracks quadratically on a long run of
 * digits followed by a junk byte (200,000 digits took 40 s): this is the one
 * float-text recogniser of brine, shared by the loader, the disassembler and
 * the scanner.
 */
export function isDecimalFloat(text: string): boolean {
  const n = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 0x2b || c === 0x2d) i++;
  let digits = 0;
  while (i < n && isDigit(text.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < n && text.charCodeAt(i) === 0x2e) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (i < n) {
    c = text.charCodeAt(i);
    if (c !== 0x65 && c !== 0x45) return false;
    i++;
    c = text.charCodeAt(i);
    if (c === 0x2b || c === 0x2d) i++;
    const start = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === start) return false;
  }
  return i === n;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** `inf`, `infinity` or `nan` with an optional sign, any case: its value, or undefined. */
export function specialFloat(text: string): number | undefined {
  if (text.length > 9) return undefined;
  const sign = text[0] === '-' ? -1 : 1;
  const body = (text[0] === '-' || text[0] === '+' ? text.slice(1) : text).toLowerCase();
  if (body === 'nan') return Number.NaN;
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY;
  return undefined;
}

/** Parses FLOAT opcode text (linear in its length). */
export function parseFloatText(text: string): number {
  if (isDecimalFloat(text)) {
    const v = Number(text);
    if (!Number.isFinite(v))
      throw new FloatParseError(`value too large to convert to float: '${escapeUntrusted(text, 40)}'`);
    return v;
  }
  const special = specialFloat(text);
  if (special !== undefined) return special;
  throw new FloatParseError(`could not convert string to float: '${escapeUntrusted(text, 40)}'`);
}

/**
 * Python's `repr(float)`: the shortest text that reads back as the same
 * double, in fixed notation when the decimal exponent is in [-4, 16) (with
 * `.0` added to integral values), else in scientific notation with a signed,
 * at least two-digit exponent; `inf`, `-inf`, `nan`.
 */
export function formatFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() gives the shortest round-trip digits, as Python's repr does.
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, '0');
    const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
    return `${sign}${intPart}.${frac}`;
  }
  const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
}
