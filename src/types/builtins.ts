/**
 * Small value classes for Python built-in types that have no JavaScript
 * equivalent: `complex`, `slice`, `range`, a float that must stay a float, and
 * PEP 574 pickle buffers.
 *
 * @module
 */

/** A Python `complex` number. */
export class PyComplex {
  readonly real: number;
  readonly imag: number;
  constructor(real: number, imag = 0) {
    this.real = real;
    this.imag = imag;
  }
  /** Python's spelling: `(1+2j)`, `3j`, `(-0-1j)`. */
  toString(): string {
    const imag = `${formatComplexPart(this.imag)}j`;
    if (this.real === 0 && !Object.is(this.real, -0)) return imag;
    const sign = this.imag < 0 || Object.is(this.imag, -0) || Number.isNaN(this.imag) ? '' : '+';
    return `(${formatComplexPart(this.real)}${sign}${imag})`;
  }
}

function formatComplexPart(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** A Python `slice(start, stop, step)`; each part may be any value, `null` for None. */
export class PySlice {
  readonly start: unknown;
  readonly stop: unknown;
  readonly step: unknown;
  constructor(start: unknown, stop: unknown, step: unknown = null) {
    this.start = start;
    this.stop = stop;
    this.step = step;
  }
}

/** A Python `range(start, stop, step)`. Bounds are numbers, or bigints beyond 2^53. */
export class PyRange {
  readonly start: number | bigint;
  readonly stop: number | bigint;
  readonly step: number | bigint;
  constructor(start: number | bigint, stop: number | bigint, step: number | bigint = 1) {
    this.start = start;
    this.stop = stop;
    this.step = step;
  }
  /** Number of items, like `len(range)`. */
  get length(): number {
    const { start, stop, step } = this;
    if (typeof start === 'number' && typeof stop === 'number' && typeof step === 'number') {
      const n = step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
      return Math.max(n, 0);
    }
    const b = BigInt(start);
    const e = BigInt(stop);
    const s = BigInt(step);
    const n = s > 0n ? (e - b + s - 1n) / s : (b - e - s - 1n) / -s;
    return n > 0n ? Number(n) : 0;
  }
  /** Iterates over the values, as numbers (or bigints when a bound is a bigint). */
  *[Symbol.iterator](): IterableIterator<number | bigint> {
    const { start, stop, step } = this;
    if (typeof start === 'number' && typeof stop === 'number' && typeof step === 'number') {
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) yield i;
      return;
    }
    const e = BigInt(stop);
    const s = BigInt(step);
    for (let i = BigInt(start); s > 0n ? i < e : i > e; i += s) yield i;
  }
}

/**
 * A number that is a Python `float` even when it is integral: `new PyFloat(1)`
 * dumps as `1.0`, where the number `1` would dump as the int `1`. Loading with
 * `exact: true` returns integral floats as `PyFloat`.
 */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return String(this.value);
  }
}

/**
 * A PEP 574 out-of-band buffer: the bytes of a protocol 5 `PickleBuffer`, and
 * whether the pickle asked for them read-only (READONLY_BUFFER). JavaScript
 * typed arrays cannot be made read-only, so `readonly` is advice.
 */
export class PickleBuffer {
  readonly data: Uint8Array;
  readonly readonly: boolean;
  constructor(data: Uint8Array | ArrayBuffer | ArrayBufferView, readonly = false) {
    this.data = toUint8Array(data);
    this.readonly = readonly;
  }
}

function toUint8Array(data: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
