/**
 * The float text of the FLOAT opcode, parsed as CPython's C unpickler does
 * (`PyOS_string_to_double`): a decimal literal or `inf` / `infinity` / `nan`
 * with an optional sign, case-insensitive; no whitespace, no underscores;
 * a finite literal too large for a double is an error.
 *
 * @module
 */

/** Thrown by the parser; the unpickler turns it into an UnpicklingError at the current opcode. */
export class FloatParseError extends Error {}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** Parses FLOAT opcode text. */
export function parseFloatText(text: string): number {
  if (DECIMAL.test(text)) {
    const v = Number(text);
    if (!Number.isFinite(v)) throw new FloatParseError(`value too large to convert to float: '${text}'`);
    return v;
  }
  const m = SPECIAL.exec(text);
  if (m !== null) {
    if (m[2]!.toLowerCase() === 'nan') return Number.NaN;
    return m[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  throw new FloatParseError(
    `could not convert string to float: '${text.length > 40 ? `${text.slice(0, 40)}...` : text}'`,
  );
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
