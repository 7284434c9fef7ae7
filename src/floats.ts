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
