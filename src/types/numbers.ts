/**
 * Python's exact numbers: `decimal.Decimal` and `fractions.Fraction`.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { narrow } from '../ints.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { PyGlobal } from './py-global.js';
import { reprString } from './py-repr.js';

const G_DECIMAL = new PyGlobal('decimal', 'Decimal');
const G_FRACTION = new PyGlobal('fractions', 'Fraction');

const DECIMAL_RE =
  /^([+-])?(?:(\d+(?:_\d+)*)?(?:\.(\d+(?:_\d+)*)?)?(?:e([+-]?\d+(?:_\d+)*))?|(inf(?:inity)?)|(s)?nan(\d*))$/i;

/**
 * Python's `decimal.Decimal`: sign, coefficient digits and exponent, or a
 * special value (Infinity, NaN, sNaN with an optional payload). It keeps the
 * exact value and its exponent (`1.50` is not `1.5`); `toString()` is
 * Python's `str()`, `valueOf()` the nearest JS number.
 */
export class PyDecimal {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** 1 for negative (also -0 and -NaN), else 0. */
  readonly sign: 0 | 1;
  /** The coefficient's decimal digits without leading zeros (`'0'` for zero); a NaN's payload, `''` when none. */
  readonly digits: string;
  /**
   * The exponent (`digits × 10^exponent`); 0 for specials. A number when it
   * is a safe integer, else a bigint (CPython allows exponents up to about
   * ±2×10^18), as brine loads Python ints.
   */
  readonly exponent: number | bigint;
  /** `'F'` finite, `'Infinity'`, `'NaN'` (quiet) or `'sNaN'` (signaling). */
  readonly kind: 'F' | 'Infinity' | 'NaN' | 'sNaN';

  /**
   * Parses a decimal string as Python's `Decimal(str)` does (`'1.5'`,
   * `'-0.00'`, `'1e-7'`, `'Infinity'`, `'-sNaN12'`, underscores between
   * digits, surrounding whitespace), or takes a JS number by its shortest
   * repr (`Decimal(repr(x))`), or a bigint.
   * @throws {@link PicklingError} for text that is not a decimal number.
   */
  constructor(value: string | number | bigint) {
    let text: string;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) text = 'NaN';
      else if (!Number.isFinite(value)) text = value > 0 ? 'Infinity' : '-Infinity';
      else text = Object.is(value, -0) ? '-0' : String(value);
    } else text = String(value);
    const plain = plainDecimal(text);
    if (plain !== undefined) {
      [this.sign, this.digits, this.exponent] = plain;
      this.kind = 'F';
      return;
    }
    const m = DECIMAL_RE.exec(text.trim());
    if (m === null || (m[2] === undefined && m[3] === undefined && m[5] === undefined && m[7] === undefined))
      throw new PicklingError(`invalid literal for Decimal: ${reprString(text)}`);
    this.sign = m[1] === '-' ? 1 : 0;
    if (m[5] !== undefined) {
      this.kind = 'Infinity';
      this.digits = '0';
      this.exponent = 0;
    } else if (m[7] !== undefined) {
      this.kind = m[6] === undefined ? 'NaN' : 'sNaN';
      this.digits = m[7].replace(/^0+/, '');
      this.exponent = 0;
    } else {
      this.kind = 'F';
      const intPart = (m[2] ?? '').replaceAll('_', '');
      const fracPart = (m[3] ?? '').replaceAll('_', '');
      this.digits = (intPart + fracPart).replace(/^0+(?=.)/, '');
      this.exponent = decimalExponent((m[4] ?? '0').replaceAll('_', ''), fracPart.length, this.digits, text);
    }
  }

  /** True for NaN and sNaN. */
  isNaN(): boolean {
    return this.kind === 'NaN' || this.kind === 'sNaN';
  }

  /** True for finite values. */
  isFinite(): boolean {
    return this.kind === 'F';
  }

  /** Python's `str()` (scientific notation when Python uses it): `'1.5E+3'`, `'0.000001'`, `'1E-7'`, `'-NaN'`. */
  toString(): string {
    const sign = this.sign === 1 ? '-' : '';
    if (this.kind === 'Infinity') return `${sign}Infinity`;
    if (this.kind !== 'F') return `${sign}${this.kind}${this.digits}`;
    const digits = this.digits;
    if (typeof this.exponent === 'bigint') {
      // Beyond 2^53 the notation is always scientific: one digit before the point.
      const adjusted = this.exponent + BigInt(digits.length - 1);
      const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
      return `${sign}${digits[0]}${frac}E${adjusted >= 0n ? '+' : ''}${adjusted}`;
    }
    const exp = this.exponent;
    const leftDigits = exp + digits.length;
    const dotPlace = exp <= 0 && leftDigits > -6 ? leftDigits : 1;
    let intPart: string;
    let fracPart: string;
    if (dotPlace <= 0) {
      intPart = '0';
      fracPart = `.${'0'.repeat(-dotPlace)}${digits}`;
    } else if (dotPlace >= digits.length) {
      intPart = digits + '0'.repeat(dotPlace - digits.length);
      fracPart = '';
    } else {
      intPart = digits.slice(0, dotPlace);
      fracPart = `.${digits.slice(dotPlace)}`;
    }
    const e =
      leftDigits === dotPlace ? '' : `E${leftDigits - dotPlace >= 0 ? '+' : ''}${leftDigits - dotPlace}`;
    return sign + intPart + fracPart + e;
  }

  /** The nearest JS number (NaN for NaN and sNaN). */
  valueOf(): number {
    if (this.kind === 'Infinity') return this.sign === 1 ? -Infinity : Infinity;
    if (this.kind !== 'F') return Number.NaN;
    return Number(`${this.sign === 1 ? '-' : ''}${this.digits}e${this.exponent}`);
  }

  toJSON(): string {
    return this.toString();
  }

  [PY_REPR](): string {
    return `Decimal('${this.toString()}')`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_DECIMAL, args: [this.toString()] };
  }
}

/** CPython's exponent limits on 64-bit machines (`decimal.MAX_EMAX`, `decimal.MIN_ETINY`). */
const MAX_EMAX = 999_999_999_999_999_999n;
const MIN_ETINY = -1_999_999_999_999_999_997n;

/**
 * The exponent of `digits × 10^(text - shift)`, checked against CPython's
 * limits (beyond them `Decimal(str)` raises InvalidOperation): a number when
 * safe, else a bigint. Exponent text longer than any valid exponent is refused
 * before it is converted.
 */
function decimalExponent(text: string, shift: number, digits: string, source: string): number | bigint {
  const small = Number(text) - shift;
  if (Number.isSafeInteger(small) && Math.abs(small) < 1e15) return small;
  const bare = text.replace(/^[+-]?0*/, '');
  if (bare.length > 20) throw new PicklingError(`Decimal exponent out of range: ${source.slice(0, 100)}`);
  const exp = BigInt(text) - BigInt(shift);
  if (exp < MIN_ETINY || exp + BigInt(digits.length - 1) > MAX_EMAX)
    throw new PicklingError(`Decimal exponent out of range: ${source.slice(0, 100)}`);
  return Number.isSafeInteger(Number(exp)) && BigInt(Number(exp)) === exp ? Number(exp) : exp;
}

/**
 * The common case, `[-]digits[.digits]` (what `str(Decimal)` gives for most
 * values), without the regular expression: sign, digits and exponent, or
 * `undefined` for anything else.
 */
function plainDecimal(text: string): [0 | 1, string, number] | undefined {
  const n = text.length;
  const start = text.charCodeAt(0) === 0x2d ? 1 : 0;
  let dot = -1;
  for (let j = start; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x2e && dot < 0) dot = j;
    else if (c < 0x30 || c > 0x39) return undefined;
  }
  if (n === start || dot === start || dot === n - 1) return undefined;
  const digits = dot < 0 ? text.slice(start) : text.slice(start, dot) + text.slice(dot + 1);
  let z = 0;
  while (z < digits.length - 1 && digits.charCodeAt(z) === 0x30) z++;
  return [start === 1 ? 1 : 0, z === 0 ? digits : digits.slice(z), dot < 0 ? 0 : dot + 1 - n];
}

/**
 * The greatest common divisor, by Lehmer's algorithm (Knuth, TAOCP vol. 2,
 * 4.5.2, algorithm L): the steps of Euclid's algorithm are run on the leading
 * 48 bits of the two numbers as doubles, and applied to the bigints once per
 * ~24 bits of progress, instead of one bigint division per step. Euclid on
 * bigints made a Fraction of two 64 KiB ints take minutes to normalise;
 * CPython's `math.gcd` is Lehmer's too.
 */
export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  if (x < y) [x, y] = [y, x];
  let bits = bitLength(x);
  while (y !== 0n) {
    if (bits <= 64) {
      [x, y] = [y, x % y];
      if (y !== 0n) bits = bitLength(x);
      continue;
    }
    // The leading 48 bits of x, and y's bits at the same place.
    const shift = BigInt(bits - 48);
    let hx = Number(x >> shift);
    let hy = Number(y >> shift);
    let ca = 1;
    let cb = 0;
    let cc = 0;
    let cd = 1;
    // Every value stays below 2^49: exact in a double.
    for (;;) {
      if (hy + cc === 0 || hy + cd === 0) break;
      const q = Math.floor((hx + ca) / (hy + cc));
      if (q !== Math.floor((hx + cb) / (hy + cd))) break;
      [ca, cc] = [cc, ca - q * cc];
      [cb, cd] = [cd, cb - q * cd];
      [hx, hy] = [hy, hx - q * hy];
    }
    if (cb === 0) {
      [x, y] = [y, x % y];
      bits = bitLength(x);
    } else {
      [x, y] = [BigInt(ca) * x + BigInt(cb) * y, BigInt(cc) * x + BigInt(cd) * y];
      // x shrank by about what its leading digits did: one shift tells its size (the
      // text of a bigint costs more than the rest of a step).
      const top = Number(x >> shift);
      bits = top === 0 ? bitLength(x) : bits - 48 + (Math.floor(Math.log2(top)) + 1);
      if (top !== 0 && Number(x >> BigInt(bits - 1)) !== 1) bits = bitLength(x);
    }
  }
  return x;
}

/** The number of bits of a non-negative bigint (0 for 0): linear, from its hex text. */
function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0]!, 16)));
}

function toBigInt(value: number | bigint, name: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) throw new PicklingError(`Fraction ${name} must be an integer, got ${value}`);
  return BigInt(value);
}

const MAX_DIGITS = 4300;

/**
 * The largest numerator or denominator a {@link PyFraction} takes, in bits
 * (8 KiB, about 19,700 decimal digits). Normalising is a gcd, quadratic in the
 * size even by Lehmer's algorithm; at this size it costs about 0.1 s. CPython
 * has no such limit, but its `str()` of either int stops at 4300 digits.
 */
export const MAX_FRACTION_BITS = 65536;

const FRACTION_RE = /^([+-]?)(\d+(?:_\d+)*)?(?:\/(\d+(?:_\d+)*)|(?:\.(\d+(?:_\d+)*)?)?(?:e([+-]?\d+))?)$/i;

/**
 * Python's `fractions.Fraction`: an exact rational, normalised (lowest terms,
 * positive denominator). `valueOf()` is the nearest JS number.
 */
export class PyFraction {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly numerator: bigint;
  readonly denominator: bigint;

  /**
   * `Fraction(numerator, denominator)` from integers, or `Fraction(text)` from
   * `'3/4'`, `'-1.25'`, `'1e-3'` as Python parses it.
   * @throws {@link PicklingError} for a zero denominator or bad text.
   */
  constructor(numerator: number | bigint | string, denominator: number | bigint = 1n) {
    let n: bigint;
    let d: bigint;
    if (typeof numerator === 'string') {
      const m = FRACTION_RE.exec(numerator.trim());
      if (m === null || (m[2] === undefined && m[4] === undefined))
        throw new PicklingError(`Invalid literal for Fraction: ${reprString(numerator.slice(0, 100))}`);
      // Python's int() refuses more than 4300 digits; an exponent is a power of ten to compute.
      if (numerator.length > MAX_DIGITS || Math.abs(Number(m[5] ?? '0')) > MAX_DIGITS)
        throw new PicklingError(`Fraction text exceeds the limit of ${MAX_DIGITS} digits`);
      n = BigInt((m[2] ?? '0').replaceAll('_', ''));
      d = 1n;
      if (m[3] !== undefined) d = BigInt(m[3].replaceAll('_', ''));
      else {
        const frac = (m[4] ?? '').replaceAll('_', '');
        n = n * 10n ** BigInt(frac.length) + BigInt(frac === '' ? '0' : frac);
        d = 10n ** BigInt(frac.length);
        const exp = Number(m[5] ?? '0');
        if (exp >= 0) n *= 10n ** BigInt(exp);
        else d *= 10n ** BigInt(-exp);
      }
      if (m[1] === '-') n = -n;
      d *= toBigInt(denominator, 'denominator');
    } else {
      n = toBigInt(numerator, 'numerator');
      d = toBigInt(denominator, 'denominator');
    }
    if (d === 0n) throw new PicklingError(`Fraction(${n}, 0)`);
    if (bitLength(n < 0n ? -n : n) > MAX_FRACTION_BITS || bitLength(d < 0n ? -d : d) > MAX_FRACTION_BITS)
      throw new PicklingError(
        `Fraction numerator and denominator are limited to ${MAX_FRACTION_BITS} bits (${MAX_FRACTION_BITS / 8192} KiB) each: normalising larger ones costs quadratic time`,
      );
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    this.numerator = g > 1n ? n / g : n;
    this.denominator = g > 1n ? d / g : d;
  }

  /** Python's `str()`: `'3/4'`, or `'3'` for an integer. */
  toString(): string {
    return this.denominator === 1n ? String(this.numerator) : `${this.numerator}/${this.denominator}`;
  }

  /** The nearest JS number. */
  valueOf(): number {
    return Number(this.numerator) / Number(this.denominator);
  }

  toJSON(): string {
    return this.toString();
  }

  [PY_REPR](): string {
    return `Fraction(${this.numerator}, ${this.denominator})`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_FRACTION, args: [narrow(this.numerator), narrow(this.denominator)] };
  }
}
