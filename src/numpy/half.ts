/**
 * float16 and x87 long double codecs for numpy's `float16` and `longdouble`
 * (`float128` on x86-64 Linux: 80-bit extended precision in 16 bytes).
 *
 * @module
 */

/** An IEEE 754 binary16 value (its 16 bits) as a number. */
export function decodeFloat16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number rounded to binary16 (round half to even, as numpy's `astype('f2')`), as its 16 bits. */
export function encodeFloat16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  if (a >= 65520) return sign | 0x7c00; // rounds past the largest finite half
  if (a < 2 ** -14) {
    // Subnormal: units of 2^-24 (exact in a double), round half to even; 1024 units is the smallest normal.
    const units = a * 2 ** 24;
    const whole = Math.floor(units);
    const rest = units - whole;
    return sign | (rest > 0.5 || (rest === 0.5 && whole % 2 === 1) ? whole + 1 : whole);
  }
  // Normal: 10 fraction bits, from the exact double.
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp--;
  if (2 ** (exp + 1) <= a) exp++;
  const scaled = (a / 2 ** exp - 1) * 1024; // exact in a double
  let frac = Math.floor(scaled);
  const rest = scaled - frac;
  if (rest > 0.5 || (rest === 0.5 && frac % 2 === 1)) frac++;
  if (frac === 1024) {
    frac = 0;
    exp++;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | frac;
}

/**
 * An x87 80-bit extended value (numpy's longdouble, stored in 12 or 16
 * bytes) rounded to a number. Other layouts (IEEE quad) are read as quad.
 */
export function decodeLongDouble(bytes: Uint8Array, offset: number, width: number, little: boolean): number {
  const b = (i: number): number => (little ? bytes[offset + i]! : bytes[offset + width - 1 - i]!);
  // x87: 64-bit mantissa (explicit integer bit) in bytes 0-7, sign and 15-bit exponent in bytes 8-9.
  const se = b(8) | (b(9) << 8);
  const sign = se & 0x8000 ? -1 : 1;
  const exp = se & 0x7fff;
  let mant = 0n;
  for (let i = 7; i >= 0; i--) mant = (mant << 8n) | BigInt(b(i));
  if (exp === 0x7fff)
    return (mant & ((1n << 63n) - 1n)) === 0n ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (mant === 0n) return sign * 0;
  // value = mant * 2^(exp - 16383 - 63); Number(bigint) rounds to nearest.
  const e = (exp === 0 ? 1 : exp) - 16383 - 63;
  const m = Number(mant);
  if (e > 0) return sign * m * 2 ** Math.min(e, 1100);
  // Split the scaling so that intermediate values stay in range.
  let v = m;
  let k = e;
  while (k < -1000) {
    v *= 2 ** -1000;
    k += 1000;
  }
  return sign * v * 2 ** k;
}
