/**
 * Small value classes for Python built-in types that have no JavaScript
 * equivalent: `complex`, `slice`, `range`, a float that must stay a float, and
 * PEP 574 pickle buffers.
 *
 * @module
 */
import { formatFloatRepr } from '../floats.js';
import { FLOAT_BRAND } from '../repr.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { PyGlobal } from './py-global.js';
import { PY_REPR_RECURSIVE, pyRepr, type ReprFn, reprBytes } from './py-repr.js';

const G_COMPLEX = new PyGlobal('builtins', 'complex');
const G_SLICE = new PyGlobal('builtins', 'slice');
const G_RANGE = new PyGlobal('builtins', 'range');

/** A Python `complex` number. */
export class PyComplex {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly real: number;
  readonly imag: number;
  constructor(real: number, imag = 0) {
    this.real = real;
    this.imag = imag;
  }

  /** Python's spelling, which is its repr: `(1+2j)`, `3j`, `(-0-1j)`, `(1e+16+1e-05j)`. */
  toString(): string {
    return this[PY_REPR]();
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    const imag = complexPart(this.imag);
    if (this.real === 0 && !Object.is(this.real, -0)) return `${imag}j`;
    return `(${complexPart(this.real)}${imag.startsWith('-') ? '' : '+'}${imag}j)`;
  }

  [PY_REDUCE](): Reduction {
    // complex.__reduce_ex__: complex(real, imag), both parts floats.
    return { callable: G_COMPLEX, args: [new PyFloat(this.real), new PyFloat(this.imag)] };
  }
}

/** A complex part: the float's repr without the `.0` Python leaves out inside a complex. */
function complexPart(x: number): string {
  const text = formatFloatRepr(x);
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** A Python `slice(start, stop, step)`; each part may be any value, `null` for None. */
export class PySlice {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly start: unknown;
  readonly stop: unknown;
  readonly step: unknown;
  constructor(start: unknown, stop: unknown, step: unknown = null) {
    this.start = start;
    this.stop = stop;
    this.step = step;
  }

  /** Python's `str()`, which is its repr: `slice(1, None, None)`. */
  toString(): string {
    return this[PY_REPR]();
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    return `slice(${repr(this.start)}, ${repr(this.stop)}, ${repr(this.step)})`;
  }

  /** A slice met again inside itself. */
  get [PY_REPR_RECURSIVE](): string {
    return 'slice(...)';
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_SLICE, args: [this.start, this.stop, this.step] };
  }
}

/** A Python `range(start, stop, step)`. Bounds are numbers, or bigints beyond 2^53. */
export class PyRange {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly start: number | bigint;
  readonly stop: number | bigint;
  readonly step: number | bigint;
  constructor(start: number | bigint, stop: number | bigint, step: number | bigint = 1) {
    this.start = start;
    this.stop = stop;
    this.step = step;
  }

  /** Python's `str()`, which is its repr: `range(0, 5)`, `range(0, 10, 2)`. */
  toString(): string {
    return this[PY_REPR]();
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    const { start, stop, step } = this;
    return step === 1 || step === 1n
      ? `range(${repr(start)}, ${repr(stop)})`
      : `range(${repr(start)}, ${repr(stop)}, ${repr(step)})`;
  }

  [PY_REDUCE](): Reduction {
    return { callable: G_RANGE, args: [this.start, this.stop, this.step] };
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
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

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
  /** Python's repr: `1.0`, `1e+16`. */
  [PY_REPR](): string {
    return formatFloatRepr(this.value);
  }
  /** Hashes (in a set's print order) as the float it is. @internal */
  get [FLOAT_BRAND](): boolean {
    return true;
  }
}

/**
 * A PEP 574 out-of-band buffer: the bytes of a protocol 5 `PickleBuffer`, and
 * whether the pickle asked for them read-only (READONLY_BUFFER). JavaScript
 * typed arrays cannot be made read-only, so `readonly` is advice.
 */
export class PickleBuffer {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  readonly data: Uint8Array;
  readonly readonly: boolean;
  constructor(data: Uint8Array | ArrayBuffer | ArrayBufferView, readonly = false) {
    this.data = toUint8Array(data);
    this.readonly = readonly;
  }
  /** brine's text for it (Python prints `<pickle.PickleBuffer object at 0x...>`): `<PickleBuffer b'...'>`. */
  [PY_REPR](): string {
    return `<PickleBuffer ${reprBytes(this.data)}${this.readonly ? ' readonly' : ''}>`;
  }
}

function toUint8Array(data: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
