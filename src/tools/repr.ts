/**
 * Python's `repr()` and `pprint.pformat()` for the values `loads` returns:
 * the text `python -m pickle` prints. Browser-safe: no Node module.
 *
 * Integral floats print as ints unless they were loaded with `exact: true`
 * (which makes them `PyFloat`): a JavaScript number does not remember it was a
 * float. Values brine keeps inert print as what they are, never as if they
 * were the live Python object: a global as `<global module.name>`, an
 * instance as `<PyObject newobj module.Class(args) state=...>`.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { formatFloatRepr } from '../floats.js';
import { PickleBuffer, PyComplex, PyFloat, PyRange, PySlice } from '../types/builtins.js';
import { PyCounter, PyDefaultDict, PyDeque, PyOrderedDict } from '../types/collections.js';
import { FrozenSet } from '../types/frozen-set.js';
import { PY_REDUCE, PY_REPR, type Reduction } from '../types/protocol.js';
import { PyByteArray } from '../types/py-bytearray.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject } from '../types/py-object.js';
import { tuple } from '../types/tuple.js';

// Code points where Python 3.11's str.isprintable() (Unicode 14.0) changes value, starting
// from "not printable" at U+0000: base-36 deltas. JavaScript's own Unicode tables follow the
// engine's Unicode version, so the table is Python's, checked by test/tools-repr.test.ts.
const PRINTABLE_TOGGLES =
  'w,2n,y,c,1,ju,2,6,4,7,1,1,1,k,1,b1,1,12,2,1e,2,3,1,1j,8,r,4,6,h,m,1,5c,1,1c,2,1n,2,2t,e,1n,2,1d,2,f,1,s,2,1,1,' +
  'b,5,v,9,22,1,4h,1,8,2,2,2,m,1,7,1,1,3,4,2,9,2,2,2,4,8,1,4,2,1,5,2,p,2,3,1,6,4,2,2,m,1,7,1,2,1,2,1,2,2,1,1,5,4,' +
  '2,2,3,3,1,7,4,1,1,7,h,a,3,1,9,1,3,1,m,1,7,1,2,1,5,2,a,1,3,1,3,2,1,f,4,2,c,7,7,1,3,1,8,2,2,2,m,1,7,1,2,1,5,2,9,' +
  '2,2,2,3,7,3,4,2,1,5,2,i,a,2,1,6,3,3,1,4,3,2,1,1,1,2,3,2,3,3,3,c,4,5,3,3,1,4,2,1,6,1,e,l,5,d,1,3,1,n,1,g,2,9,1,' +
  '3,1,4,7,2,1,3,2,1,2,4,2,a,7,m,1,3,1,n,1,a,1,5,2,9,1,3,1,4,7,2,6,2,1,4,2,a,1,2,d,d,1,3,1,1f,1,3,1,6,4,g,2,q,1,3' +
  ',1,i,3,o,1,9,1,1,2,7,3,1,4,6,1,1,1,8,6,a,2,3,c,1m,4,t,11,2,1,1,1,5,1,o,1,1,1,n,2,5,1,1,1,6,2,a,2,4,w,20,1,10,4' +
  ',13,1,10,1,f,1,d,11,5i,1,1,5,1,2,ah,1,4,2,7,1,1,1,4,2,15,1,4,2,x,1,4,2,7,1,1,1,4,2,f,1,1l,1,4,2,1v,2,w,3,q,6,2' +
  'e,2,6,2,hs,1,s,3,2h,7,m,9,o,9,k,c,d,1,3,1,2,c,2m,2,a,6,a,6,e,1,b,6,2h,7,17,5,1y,a,v,1,c,4,c,4,1,3,16,2,5,b,18,' +
  '4,q,6,b,3,1q,2,1t,1,t,2,b,6,a,6,e,2,v,1d,25,3,1b,1,38,8,1o,3,f,3,1o,7,17,2,b,8,17,5,eu,2,6,2,12,2,6,2,8,1,1,1,' +
  '1,1,1,1,v,2,1h,1,f,1,e,2,6,1,j,2,3,1,9,h,o,8,1b,h,2,2,r,1,d,3,x,f,x,f,3w,4,if,p,b,l,1ec,2,w,1,9p,5,19,1,1,5,1,' +
  '2,1k,7,2,e,o,9,7,1,7,1,7,1,7,1,7,1,7,1,7,1,7,1,3i,y,q,1,2h,c,5y,q,c,5,1r,1,2e,2,2v,5,17,1,2m,1,2c,c,1b,1,mlp,3' +
  ',1j,9,9o,k,54,8,5n,5,2,1,1,1,5,o,1n,3,a,6,1k,8,1y,8,c,6,38,b,u,3,26,1,b,4,x,1,1j,9,e,2,a,2,2v,o,s,a,6,2,6,2,6,' +
  '9,7,1,7,1,1o,4,3i,2,a,6,8mc,c,n,4,1d,6is,a6,2,2y,12,7,c,5,5,q,1,5,1,1,1,2,1,2,1,3h,g,cd,2,1i,7,1,w,16,6,1f,1,j' +
  ',1,4,4,5,1,3r,4,5a,3,6,2,6,2,6,2,3,3,7,1,7,d,2,2,c,1,q,1,j,1,2,1,f,2,e,y,3f,5,3,4,19,3,2g,1,d,3,1,1b,1a,3m,t,3' +
  ',1d,f,s,4,10,9,u,5,17,5,u,1,11,4,e,16,4e,2,a,6,10,4,10,4,14,8,1g,b,c,1,f,1,7,1,2,1,b,1,f,1,7,1,2,1v,8n,9,m,a,8' +
  ',o,6,1,16,1,9,1x,6,2,1,1,18,1,2,3,1,2,n,1,20,8,9,1c,j,1,2,5,x,3,r,5,1,1s,1k,4,k,2,1e,1,2,5,8,1,3,1,t,2,3,4,a,7' +
  ',9,7,1s,w,13,4,c,9,1i,3,t,2,r,5,q,7,4,c,7,28,21,1j,1f,d,1f,7,1a,8,a,86,v,1,16,1,3,2,2,26,14,8,16,m,q,12,s,k,n,' +
  '9,26,4,10,9,1q,1,5,d,p,7,a,6,1h,1,i,8,13,9,2o,1,k,b,i,1,18,1t,7,1,1,1,4,1,f,1,b,6,1n,5,a,6,4,1,8,2,2,2,m,1,7,1' +
  ',2,1,5,1,a,2,2,2,3,2,1,6,1,5,7,2,7,3,5,3v,2k,1,5,u,20,8,a,4m,1i,2,12,y,1x,b,a,6,d,j,1m,6,a,1i,r,2,f,4,n,55,1o,' +
  '2s,2b,c,8,2,1,2,8,1,2,1,u,1,2,2,c,9,a,1y,8,2,1a,2,b,r,20,8,2b,d,21,7b,9,1,19,1,e,a,t,3,w,2,m,1,e,21,7,1,2,1,18' +
  ',3,1,1,2,1,9,8,a,6,6,1,2,1,11,1,2,1,6,7,a,8m,p,53,1,f,1e,d,pn,2u,33,1,5,b,5g,218,2r,d,tr,34h,g7,6nt,ft,7,v,1,a' +
  ',4,29,1,a,6,u,2,6,a,1y,a,a,1,7,1,l,5,j,j4,2j,2t,23,4,1l,7,h,1s,5,b,2,e,4qg,8,ye,16,9,6w7,4,1,7,1,2,1,83,19,3,h' +
  ',4,8,b0,1s4,2z,5,d,3,9,7,a,2,4,3mo,1a,2,n,9,38,1o,6u,a,13,2,22,8,34,l,1y,4a,k,c,2f,9,p,3r,2d,1,1z,1,2,2,1,2,2,' +
  '2,4,1,c,1,1,1,7,1,1t,1,4,2,8,1,7,1,s,1,4,1,5,1,1,3,7,1,9g,2,84,2,ji,f,5,1,f,uo,v,69,7,1,h,2,7,1,2,1,5,5x,19,3,' +
  'e,2,a,4,2,8w,v,h,1m,5,1,yo,7,1,4,1,2,1,f,1,5h,2,g,15,24,4,a,4,2,lt,1w,24,1p,5e,4,1,r,1,2,1,1,2,1,1,a,1,4,1,1,1' +
  ',1,6,1,4,1,1,1,1,1,1,3,1,2,1,1,2,1,1,1,1,1,1,1,1,1,1,2,1,1,2,4,1,7,1,4,1,4,1,1,1,a,1,h,5,3,1,5,1,h,1g,2,7i,18,' +
  '4,2s,c,f,2,f,1,f,1,11,a,4u,1k,t,d,18,4,9,7,2,e,6,4a,rc,5,g,3,d,3,38,c,2h,7,c,4,1,f,c,4,1k,8,a,6,14,8,u,2,2,26,' +
  '9g,c,e,2,5,3,5,3,7,9,t,3,b,5,6,a,a,6,8,8,7,9,43,1,1j,11,a,sm,wyo,w,37d,7,66,2,4g2,e,5rl,2e7,f2,15u,3t7,fcmt,6o';
let toggles: Uint32Array | undefined;

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
  if (toggles === undefined) {
    const deltas = PRINTABLE_TOGGLES.split(',');
    toggles = new Uint32Array(deltas.length);
    let at = 0;
    for (let i = 0; i < deltas.length; i++) {
      at += Number.parseInt(deltas[i]!, 36);
      toggles[i] = at;
    }
  }
  // Count the toggles at or below the code point: odd means printable.
  let lo = 0;
  let hi = toggles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (toggles[mid]! <= codePoint) lo = mid + 1;
    else hi = mid;
  }
  return (lo & 1) === 1;
}

const HEX = '0123456789abcdef';

function hex(n: number, digits: number): string {
  let out = '';
  for (let i = digits - 1; i >= 0; i--) out += HEX[(n >>> (4 * i)) & 15];
  return out;
}

const SIMPLE_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

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
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x7f) {
      if (ch === quote || ch === '\\') out += `\\${ch}`;
      else if (c >= 0x20) out += ch;
      else if (c === 0x09) out += '\\t';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else out += `\\x${hex(c, 2)}`;
    } else if (c !== 0x7f && isPrintable(c)) out += ch;
    else if (c <= 0xff) out += `\\x${hex(c, 2)}`;
    else if (c <= 0xffff) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return out + quote;
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
  let single = false;
  let double = false;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x27) single = true;
    else if (bytes[i] === 0x22) double = true;
  }
  const quote = single && !double ? 0x22 : 0x27;
  const parts: string[] = [];
  let chunk = quote === 0x22 ? 'b"' : "b'";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === quote || c === 0x5c) chunk += `\\${String.fromCharCode(c)}`;
    else if (c >= 0x20 && c < 0x7f) chunk += String.fromCharCode(c);
    else if (c === 0x09) chunk += '\\t';
    else if (c === 0x0a) chunk += '\\n';
    else if (c === 0x0d) chunk += '\\r';
    else chunk += `\\x${hex(c, 2)}`;
    if (chunk.length > 4096) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk + String.fromCharCode(quote));
  return parts.join('');
}

/** Python's `repr()` of an int or float held in a JavaScript number. */
function reprNumber(x: number): string {
  return Number.isSafeInteger(x) && !Object.is(x, -0) ? String(x) : reprFloat(x);
}

/** Python's `repr()` of a float. */
function reprFloat(x: number): string {
  // Where Python's repr and JavaScript both write fixed notation, their shortest digits agree.
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(x);
    return text.includes('.') ? text : `${text}.0`;
  }
  return formatFloatRepr(x);
}

/** A complex part: float repr without the `.0` Python leaves out inside complex. */
function complexPart(x: number): string {
  const text = formatFloatRepr(x);
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

function reprComplex(z: PyComplex): string {
  const imag = complexPart(z.imag);
  if (z.real === 0 && !Object.is(z.real, -0)) return `${imag}j`;
  return `(${complexPart(z.real)}${imag.startsWith('-') ? '' : '+'}${imag}j)`;
}

function hasOwnRepr(value: object): value is { [PY_REPR](repr?: (v: unknown) => string): string } {
  return typeof (value as { [PY_REPR]?: unknown })[PY_REPR] === 'function';
}

function isDict(value: object): boolean {
  if (value instanceof Map) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python's type name of a loaded value, as `str(type(x))` spells it (pprint's fallback sort key). */
function typeName(value: unknown): string {
  let name: string;
  if (value === null || value === undefined) name = 'NoneType';
  else if (typeof value === 'boolean') name = 'bool';
  else if (typeof value === 'bigint') name = 'int';
  else if (typeof value === 'number')
    name = Number.isSafeInteger(value) && !Object.is(value, -0) ? 'int' : 'float';
  else if (typeof value === 'string') name = 'str';
  else if (typeof value !== 'object') name = typeof value;
  else if (value instanceof PyFloat) name = 'float';
  else if (value instanceof PyByteArray) name = 'bytearray';
  else if (value instanceof Uint8Array) name = 'bytes';
  else if (Array.isArray(value)) name = Object.isFrozen(value) ? 'tuple' : 'list';
  else if (value instanceof FrozenSet) name = 'frozenset';
  else if (value instanceof Set) name = 'set';
  else if (value instanceof PyComplex) name = 'complex';
  else if (value instanceof PySlice) name = 'slice';
  else if (value instanceof PyRange) name = 'range';
  else if (value instanceof PyGlobal) name = 'type';
  else if (value instanceof PyObject) {
    const cls = value.cls;
    name = cls instanceof PyGlobal ? cls.qualifiedName : 'object';
  } else if (typeof (value as { [PY_REDUCE]?: unknown })[PY_REDUCE] === 'function') {
    let callable: unknown;
    try {
      callable = ((value as { [PY_REDUCE](p: number): Reduction })[PY_REDUCE](5) as Reduction).callable;
    } catch {
      callable = undefined;
    }
    name = callable instanceof PyGlobal ? callable.qualifiedName : 'object';
  } else if (isDict(value)) name = 'dict';
  else name = 'object';
  return `<class '${name}'>`;
}

/** Thrown by {@link pyLess} where Python's `<` raises TypeError. */
class Incomparable {}
const INCOMPARABLE = new Incomparable();

function numeric(value: unknown): number | bigint | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof PyFloat) return value.value;
  return undefined;
}

/** Compares strings by code point, as Python does (JavaScript compares UTF-16 units). */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  // Compare whole code points at the first difference (back up into a shared high surrogate).
  if (i > 0) {
    const prev = a.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  return a.codePointAt(i)! - b.codePointAt(i)!;
}

function pyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x <= y && x >= y; // numbers and bigints, NaN never equal
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a === undefined || a === null) return b === undefined || b === null;
  if (Array.isArray(a) && Array.isArray(b) && Object.isFrozen(a) === Object.isFrozen(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEqual(a[i], b[i])) return false;
    return true;
  }
  return false;
}

/** Python's `a < b` for the values pprint sorts; throws {@link INCOMPARABLE} where Python raises TypeError. */
function pyLess(a: unknown, b: unknown): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x < y;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b) < 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
    return a.length < b.length;
  }
  if (Array.isArray(a) && Array.isArray(b) && Object.isFrozen(a) === Object.isFrozen(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!pyEqual(a[i], b[i])) return pyLess(a[i], b[i]);
    return a.length < b.length;
  }
  if (a instanceof Set && b instanceof Set && !isDict(a) && !isDict(b)) {
    if (a.size >= b.size) return false;
    for (const item of a) if (!b.has(item)) return false;
    return true;
  }
  throw INCOMPARABLE;
}

/** pprint's `_safe_key` ordering: Python's `<`, or the type names when the values cannot be compared. */
function safeCompare(a: unknown, b: unknown): number {
  try {
    if (pyLess(a, b)) return -1;
    if (pyLess(b, a)) return 1;
    return 0;
  } catch (error) {
    if (error !== INCOMPARABLE) throw error;
    const ta = typeName(a);
    const tb = typeName(b);
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  }
}

/** Items of a set in pprint's order (sorted by `_safe_key`). */
function sortedItems(items: Iterable<unknown>): unknown[] {
  return [...items].sort(safeCompare);
}

/** A dict's `[key, value]` pairs, in insertion order or pprint's sorted order. */
function dictItems(dict: object, sort: boolean): [unknown, unknown][] {
  if (dict instanceof Map) {
    const pairs = [...dict];
    return sort ? pairs.sort((p, q) => safeCompare(p[0], q[0])) : pairs;
  }
  const keys = Object.keys(dict);
  if (sort) keys.sort(compareStrings);
  return keys.map((k) => [k, (dict as Record<string, unknown>)[k]]);
}

// ---------------------------------------------------------------------------
// CPython's set iteration order. A set's repr lists its hash table in slot
// order, which depends on the hashes and on the insertion history. The set
// Python prints was rebuilt from the pickle by adding the items in the order
// the pickle lists them; for numbers (whose hashes do not depend on the
// process) brine replays those insertions into a model of CPython 3.11's
// table (setobject.c: linear probes of 9, perturbation shift 5, growth at 3/5
// full). For other items (str and bytes hashes are salted per process) the
// pickle's order is kept.

const HASH_MODULUS = (1n << 61n) - 1n;
const U64 = (1n << 64n) - 1n;

/** Python's `hash()` of an int, as an unsigned 64-bit value. */
function hashInt(n: bigint): bigint {
  const negative = n < 0n;
  let h = (negative ? -n : n) % HASH_MODULUS;
  if (negative) h = -h;
  if (h === -1n) h = -2n;
  return h & U64;
}

/** Python's `hash()` of a float (`_Py_HashDouble`), or `undefined` for NaN (hashed by address). */
function hashFloat(v: number): bigint | undefined {
  if (Number.isNaN(v)) return undefined;
  if (!Number.isFinite(v)) return (v > 0 ? 314159n : -314159n) & U64;
  if (Number.isInteger(v)) return hashInt(BigInt(v));
  // frexp: v = m * 2**e with 0.5 <= |m| < 1
  let e = Math.floor(Math.log2(Math.abs(v))) + 1;
  let m = v / 2 ** e;
  while (Math.abs(m) >= 1) {
    m /= 2;
    e++;
  }
  while (Math.abs(m) < 0.5) {
    m *= 2;
    e--;
  }
  let sign = 1n;
  if (m < 0) {
    sign = -1n;
    m = -m;
  }
  let x = 0n;
  while (m !== 0) {
    x = ((x << 28n) & HASH_MODULUS) | (x >> 33n);
    m *= 268435456;
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += BigInt(y);
    if (x >= HASH_MODULUS) x -= HASH_MODULUS;
  }
  const shift = BigInt(e >= 0 ? e % 61 : 60 - ((-1 - e) % 61));
  x = ((x << shift) & HASH_MODULUS) | (x >> (61n - shift));
  x = (x * sign) & U64;
  if (x === U64) x = U64 - 1n;
  return x;
}

function pyHash(value: unknown): bigint | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'bigint') return hashInt(value);
  if (typeof value === 'number') return hashFloat(value);
  if (value instanceof PyFloat) return hashFloat(value.value);
  return undefined;
}

/** The items in the order CPython iterates a set built by adding them in this order, when it can be known. */
function cpythonSetOrder(items: unknown[]): unknown[] {
  if (items.length < 2) return items;
  const hashes: bigint[] = [];
  for (const item of items) {
    const h = pyHash(item);
    if (h === undefined) return items;
    hashes.push(h);
  }
  let mask = 7;
  let table = new Int32Array(8).fill(-1);
  const place = (t: Int32Array, m: number, index: number): void => {
    const hash = hashes[index]!;
    let perturb = hash;
    let i = Number(hash & BigInt(m));
    for (;;) {
      const probes = i + 9 <= m ? 9 : 0;
      for (let j = 0; j <= probes; j++) {
        if (t[i + j] === -1) {
          t[i + j] = index;
          return;
        }
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(m));
    }
  };
  let used = 0;
  for (let index = 0; index < items.length; index++) {
    place(table, mask, index);
    used++;
    if (used * 5 >= mask * 3) {
      const minused = used > 50000 ? used * 2 : used * 4;
      let size = 8;
      while (size <= minused) size *= 2;
      const next = new Int32Array(size).fill(-1);
      for (const at of table) if (at !== -1) place(next, size - 1, at);
      table = next;
      mask = size - 1;
    }
  }
  const out: unknown[] = [];
  for (const at of table) if (at !== -1) out.push(items[at]);
  return out;
}

// ---------------------------------------------------------------------------
// Flat repr, iterative: a work stack of literal text, values and exit marks.

const TEXT = 0;
const SAFE = 1; // a value in pprint's _safe_repr: sorted dicts, <Recursion on ...>
const PLAIN = 2; // a value in Python's built-in repr: insertion order, [...]
const EXIT_SAFE = 3;
const EXIT_PLAIN = 4;

interface ReprState {
  readonly sortDicts: boolean;
  /** Containers being written by pprint (its `context`). */
  readonly safeContext: Set<object>;
  /** Containers being written by the built-in repr (Python's Py_ReprEnter list). */
  readonly plainContext: Set<object>;
  readonly ids: Map<object, number>;
  /** Value class reprs being written (each calls back into this module). */
  valueClassDepth: number;
}

function recursionText(value: object, state: ReprState): string {
  let id = state.ids.get(value);
  if (id === undefined) {
    id = state.ids.size + 1;
    state.ids.set(value, id);
  }
  return `<Recursion on ${typeName(value).slice(8, -2)} with id=${id}>`;
}

function flatRepr(root: unknown, safe: boolean, state: ReprState): string {
  const out: string[] = [];
  // The work stack, in two parallel arrays; entries are pushed in reverse output order.
  const kinds: number[] = [safe ? SAFE : PLAIN];
  const items: unknown[] = [root];
  const text = (t: string): void => {
    kinds.push(TEXT);
    items.push(t);
  };
  /** Pushes `open item, item, ... close` (items of `kind`), then `exit` to run after them. */
  const sequence = (values: readonly unknown[], kind: number, open: string, close: string): void => {
    text(close);
    for (let i = values.length - 1; i >= 0; i--) {
      kinds.push(kind);
      items.push(values[i]);
      if (i > 0) text(', ');
    }
    text(open);
  };
  const pairs = (entries: readonly (readonly [unknown, unknown])[], kind: number): void => {
    text('}');
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i]!;
      kinds.push(kind, TEXT, kind);
      items.push(v, ': ', k);
      if (i > 0) text(', ');
    }
    text('{');
  };
  while (kinds.length > 0) {
    const kind = kinds.pop()!;
    const item = items.pop();
    if (kind === TEXT) {
      out.push(item as string);
      continue;
    }
    if (kind === EXIT_SAFE) {
      state.safeContext.delete(item as object);
      continue;
    }
    if (kind === EXIT_PLAIN) {
      state.plainContext.delete(item as object);
      continue;
    }
    const scalar = scalarRepr(item);
    if (scalar !== undefined) {
      out.push(scalar);
      continue;
    }
    const obj = item as object;
    if (hasOwnRepr(obj)) {
      out.push(valueClassRepr(obj, state));
      continue;
    }
    const isList = Array.isArray(obj);
    const isTuple = isList && Object.isFrozen(obj);
    const dict = !isList && isDict(obj);
    if (kind === SAFE && (isList || dict)) {
      // pprint's own walk: dicts sorted, recursion spelled out.
      const empty = isList ? (obj as unknown[]).length === 0 : dictSize(obj) === 0;
      if (empty) {
        out.push(isTuple ? '()' : isList ? '[]' : '{}');
        continue;
      }
      if (state.safeContext.has(obj)) {
        out.push(recursionText(obj, state));
        continue;
      }
      state.safeContext.add(obj);
      kinds.push(EXIT_SAFE);
      items.push(obj);
      if (isList) {
        const list = obj as unknown[];
        sequence(list, SAFE, isTuple ? '(' : '[', isTuple ? (list.length === 1 ? ',)' : ')') : ']');
      } else pairs(dictItems(obj, state.sortDicts), SAFE);
      continue;
    }
    // Python's built-in repr.
    if (state.plainContext.has(obj)) {
      out.push(plainRecursion(obj));
      continue;
    }
    state.plainContext.add(obj);
    kinds.push(EXIT_PLAIN);
    items.push(obj);
    if (isList) {
      const list = obj as unknown[];
      sequence(list, PLAIN, isTuple ? '(' : '[', isTuple ? (list.length === 1 ? ',)' : ')') : ']');
    } else if (obj instanceof Set) {
      const frozen = obj instanceof FrozenSet;
      if (obj.size === 0) text(frozen ? 'frozenset()' : 'set()');
      else sequence(cpythonSetOrder([...obj]), PLAIN, frozen ? 'frozenset({' : '{', frozen ? '})' : '}');
    } else if (obj instanceof PySlice) {
      sequence([obj.start, obj.stop, obj.step], PLAIN, 'slice(', ')');
    } else if (obj instanceof PyObject) {
      // Pushed in reverse: the closing '>' first, the kind and callable last.
      text('>');
      if (obj.setitems !== null) {
        sequence(obj.setitems, PLAIN, '{', '}');
        text(' setitems=');
      }
      if (obj.dictitems !== null) {
        pairs(obj.dictitems, PLAIN);
        text(' dictitems=');
      }
      if (obj.listitems !== null) {
        sequence(obj.listitems, PLAIN, '[', ']');
        text(' listitems=');
      }
      if (obj.state !== undefined) {
        kinds.push(PLAIN);
        items.push(obj.state);
        text(' state=');
      }
      text(')');
      if (obj.kwargs !== null && obj.kwargs !== undefined) {
        kinds.push(PLAIN);
        items.push(obj.kwargs);
        text(obj.args.length > 0 ? ', **' : '**');
      }
      sequence(obj.args, PLAIN, '(', '');
      if (obj.callable instanceof PyGlobal) text(obj.callable.qualifiedName);
      else {
        kinds.push(PLAIN);
        items.push(obj.callable);
      }
      text(`<PyObject ${obj.kind} `);
    } else pairs(dictItems(obj, false), PLAIN);
  }
  return out.join('');
}

/** Deepest nesting of value classes inside value classes that repr follows (each level is a call). */
const MAX_VALUE_CLASS_DEPTH = 200;

/** A value class's own repr, given this module's repr for the values it holds. */
function valueClassRepr(obj: { [PY_REPR](repr?: (v: unknown) => string): string }, state: ReprState): string {
  if (state.plainContext.has(obj)) return '...';
  if (state.valueClassDepth >= MAX_VALUE_CLASS_DEPTH) {
    throw new PickleError(`repr: value classes nested deeper than ${MAX_VALUE_CLASS_DEPTH} levels`);
  }
  state.plainContext.add(obj);
  state.valueClassDepth++;
  try {
    return String(obj[PY_REPR]((v) => flatRepr(v, false, state)));
  } finally {
    state.valueClassDepth--;
    state.plainContext.delete(obj);
  }
}

/** What Python's built-in repr writes for a container it is already inside. */
function plainRecursion(obj: object): string {
  if (Array.isArray(obj)) return Object.isFrozen(obj) ? '(...)' : '[...]';
  if (obj instanceof FrozenSet) return 'frozenset(...)';
  if (obj instanceof Set) return 'set(...)';
  if (obj instanceof PyObject) return '<PyObject ...>';
  if (obj instanceof PySlice) return 'slice(...)';
  return '{...}';
}

function dictSize(dict: object): number {
  return dict instanceof Map ? dict.size : Object.keys(dict).length;
}

/** The repr of a value that holds no other value, or `undefined` for a container. */
function scalarRepr(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return reprString(value);
    case 'number':
      return reprNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'True' : 'False';
    case 'undefined':
      return 'None';
    case 'object':
      break;
    case 'function':
      return `<function ${value.name || 'anonymous'}>`;
    default:
      return `<${typeof value}>`;
  }
  if (value === null) return 'None';
  if (value instanceof PyFloat)
    return (
      reprNumber(value.value) + (Number.isSafeInteger(value.value) && !Object.is(value.value, -0) ? '.0' : '')
    );
  if (value instanceof PyByteArray) return `bytearray(${reprBytes(value)})`;
  if (value instanceof Uint8Array) return reprBytes(value);
  if (value instanceof PyGlobal) return `<global ${value.qualifiedName}>`;
  if (value instanceof PyComplex) return reprComplex(value);
  if (value instanceof PyRange) {
    const { start, stop, step } = value;
    return step === 1 || step === 1n ? `range(${start}, ${stop})` : `range(${start}, ${stop}, ${step})`;
  }
  if (value instanceof PickleBuffer) {
    return `<PickleBuffer ${reprBytes(value.data)}${value.readonly ? ' readonly' : ''}>`;
  }
  if (hasOwnRepr(value) || Array.isArray(value) || value instanceof Set || value instanceof PyObject) {
    return undefined;
  }
  if (value instanceof PySlice || isDict(value)) return undefined;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `<${typeof name === 'string' && name !== '' ? name : 'object'} object>`;
}

function newState(sortDicts: boolean): ReprState {
  return { sortDicts, safeContext: new Set(), plainContext: new Set(), ids: new Map(), valueClassDepth: 0 };
}

/**
 * Python's `repr()` of a loaded value: `{'a': 1, 'b': [1, 2.0]}`, `(1,)`,
 * `b'\x00'`, `True`, `None`, `{1, 2}`, `frozenset({1})`, `bytearray(b'')`,
 * `(1+2j)`. Dicts keep their order; values of brine's Python value classes
 * print their own repr (`PY_REPR`); inert values print as
 * `<global module.name>` and `<PyObject kind module.name(args) state=...>`.
 * Iterative: any nesting depth.
 *
 * @param value any value `loads` returns.
 * @returns the text Python's `repr()` gives for the same object.
 * @example
 * ```ts
 * repr({ a: 1, b: [1, 2.5] }); // "{'a': 1, 'b': [1, 2.5]}"
 * repr(tuple(1)); // '(1,)'
 * ```
 */
export function repr(value: unknown): string {
  return flatRepr(value, false, newState(false));
}

/** Options of {@link pformat}. */
export interface PformatOptions {
  /** Wanted maximum number of columns. Default 80. */
  width?: number;
  /** Spaces added per nesting level. Default 1. */
  indent?: number;
  /** Sort dict keys, as pprint does by default. Default `true`. */
  sortDicts?: boolean;
  /** Put as many items on each line as fit (pprint's `compact`). Default `false`. */
  compact?: boolean;
}

/** Deepest nesting {@link pformat} splits over lines (Python's own pprint stops near 330). */
export const PFORMAT_MAX_DEPTH = 1000;

/** Python's `str.splitlines(True)`. */
function splitLinesKeepEnds(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 0x0a ||
      c === 0x0d ||
      c === 0x0b ||
      c === 0x0c ||
      c === 0x1c ||
      c === 0x1d ||
      c === 0x1e ||
      c === 0x85 ||
      c === 0x2028 ||
      c === 0x2029
    ) {
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      lines.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** Python's `str.isspace()` for one UTF-16 unit (every space character is in the BMP). */
function isPySpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** `re.findall(r'\S*\s*', line)` without the final empty match. */
function wordsWithSpaces(line: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < line.length) {
    const start = i;
    while (i < line.length && !isPySpace(line.charCodeAt(i))) i++;
    while (i < line.length && isPySpace(line.charCodeAt(i))) i++;
    parts.push(line.slice(start, i));
  }
  return parts;
}

/** Python's `len()`: code points, not UTF-16 units. */
function pyLen(text: string): number {
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

class PrettyPrinter {
  readonly #width: number;
  readonly #indentPerLevel: number;
  readonly #compact: boolean;
  readonly #state: ReprState;
  readonly #out: string[] = [];

  constructor(options: PformatOptions) {
    this.#width = options.width ?? 80;
    this.#indentPerLevel = options.indent ?? 1;
    this.#compact = options.compact === true;
    this.#state = newState(options.sortDicts ?? true);
    if (!Number.isInteger(this.#width) || this.#width === 0)
      throw new PickleError('pformat: width must be a non-zero integer');
    if (!Number.isInteger(this.#indentPerLevel) || this.#indentPerLevel < 0)
      throw new PickleError('pformat: indent must be an integer >= 0');
  }

  run(value: unknown): string {
    if (containerDepth(value) > PFORMAT_MAX_DEPTH) {
      throw new PickleError(
        `pformat: the value nests deeper than ${PFORMAT_MAX_DEPTH} containers; use repr() for a one-line text`,
      );
    }
    this.#format(value, 0, 0, 0);
    return this.#out.join('');
  }

  #write(text: string): void {
    this.#out.push(text);
  }

  #repr(value: unknown): string {
    return flatRepr(value, true, this.#state);
  }

  #format(value: unknown, indent: number, allowance: number, level: number): void {
    const context = this.#state.safeContext;
    if (typeof value === 'object' && value !== null && context.has(value)) {
      this.#write(recursionText(value, this.#state));
      return;
    }
    const rep = this.#repr(value);
    const maxWidth = this.#width - indent - allowance;
    if (pyLen(rep) > maxWidth) {
      const printer = this.#dispatch(value);
      if (printer !== undefined) {
        const obj = value as object;
        const isObject = typeof value === 'object' && value !== null;
        if (isObject) context.add(obj);
        printer(indent, allowance, level + 1);
        if (isObject) context.delete(obj);
        return;
      }
    }
    this.#write(rep);
  }

  #dispatch(value: unknown): ((indent: number, allowance: number, level: number) => void) | undefined {
    if (typeof value === 'string') {
      return value.length === 0 ? undefined : (i, a, l) => this.#pprintStr(value, i, a, l);
    }
    if (typeof value !== 'object' || value === null) return undefined;
    const collection = this.#collectionPrinter(value);
    if (collection !== undefined || hasOwnRepr(value)) return collection;
    if (value instanceof PyByteArray) return (i, a, l) => this.#pprintByteArray(value, i, a, l);
    if (value instanceof Uint8Array) return (i, a, l) => this.#pprintBytes(value, i, a, l);
    if (Array.isArray(value)) {
      if (Object.isFrozen(value)) {
        return (i, a, l) => {
          this.#write('(');
          const end = value.length === 1 ? ',)' : ')';
          this.#formatItems(value, i, a + end.length, l);
          this.#write(end);
        };
      }
      return (i, a, l) => {
        this.#write('[');
        this.#formatItems(value, i, a + 1, l);
        this.#write(']');
      };
    }
    if (value instanceof Set) {
      return (i, a, l) => {
        if (value.size === 0) {
          this.#write(this.#repr(value));
          return;
        }
        let end = '}';
        if (value instanceof FrozenSet) {
          this.#write('frozenset({');
          end = '})';
          i += 'frozenset'.length + 1;
        } else this.#write('{');
        this.#formatItems(sortedItems(value), i, a + end.length, l);
        this.#write(end);
      };
    }
    if (isDict(value) && !(value instanceof PyObject)) return (i, a, l) => this.#pprintDict(value, i, a, l);
    return undefined;
  }

  #pprintDict(value: object, indent: number, allowance: number, level: number): void {
    this.#write('{');
    if (this.#indentPerLevel > 1) this.#write(' '.repeat(this.#indentPerLevel - 1));
    const items = dictItems(value, this.#state.sortDicts);
    if (items.length > 0) this.#formatDictItems(items, indent, allowance + 1, level);
    this.#write('}');
  }

  /** pprint's printers for collections.OrderedDict, defaultdict, Counter and deque. */
  #collectionPrinter(
    value: object,
  ): ((indent: number, allowance: number, level: number) => void) | undefined {
    const empty = (value instanceof Map ? value.size : (value as unknown[]).length) === 0;
    const flat = (): void => this.#write(this.#repr(value));
    if (value instanceof PyOrderedDict) {
      return (i, a, l) => {
        if (empty) return flat();
        this.#write('OrderedDict(');
        this.#format(
          [...value].map(([k, v]) => tuple(k, v)),
          i + 'OrderedDict'.length + 1,
          a + 1,
          l,
        );
        this.#write(')');
      };
    }
    if (value instanceof PyDefaultDict) {
      return (i, a, l) => {
        if (empty) return flat();
        const factory = value.defaultFactory;
        const rdf =
          factory instanceof PyGlobal
            ? `<class '${factory.module === 'builtins' ? factory.name : factory.qualifiedName}'>`
            : this.#repr(factory);
        i += 'defaultdict'.length + 1;
        this.#write(`defaultdict(${rdf},\n${' '.repeat(i)}`);
        this.#pprintDict(value, i, a + 1, l);
        this.#write(')');
      };
    }
    if (value instanceof PyCounter) {
      return (i, a, l) => {
        if (empty) return flat();
        this.#write('Counter({');
        if (this.#indentPerLevel > 1) this.#write(' '.repeat(this.#indentPerLevel - 1));
        const items = [...value].sort((x, y) => (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0)) as [
          unknown,
          unknown,
        ][];
        this.#formatDictItems(items, i + 'Counter'.length + 1, a + 2, l);
        this.#write('})');
      };
    }
    if (value instanceof PyDeque) {
      return (i, a, l) => {
        if (empty) return flat();
        this.#write('deque([');
        i += 'deque'.length + 1;
        const items = [...value];
        if (value.maxlen === null) {
          this.#formatItems(items, i, a + 2, l);
          this.#write('])');
        } else {
          this.#formatItems(items, i, 2, l);
          this.#write(`],\n${' '.repeat(i)}maxlen=${this.#repr(value.maxlen)})`);
        }
      };
    }
    return undefined;
  }

  #formatDictItems(items: [unknown, unknown][], indent: number, allowance: number, level: number): void {
    indent += this.#indentPerLevel;
    const delim = `,\n${' '.repeat(indent)}`;
    const last = items.length - 1;
    for (let i = 0; i <= last; i++) {
      const [key, value] = items[i]!;
      const rep = this.#repr(key);
      this.#write(rep);
      this.#write(': ');
      this.#format(value, indent + pyLen(rep) + 2, i === last ? allowance : 1, level);
      if (i !== last) this.#write(delim);
    }
  }

  #formatItems(items: readonly unknown[], indent: number, allowance: number, level: number): void {
    indent += this.#indentPerLevel;
    if (this.#indentPerLevel > 1) this.#write(' '.repeat(this.#indentPerLevel - 1));
    const delimnl = `,\n${' '.repeat(indent)}`;
    let delim = '';
    let width = this.#width - indent + 1;
    let maxWidth = width;
    for (let i = 0; i < items.length; i++) {
      const last = i === items.length - 1;
      if (last) {
        maxWidth -= allowance;
        width -= allowance;
      }
      const item = items[i];
      if (this.#compact) {
        const rep = this.#repr(item);
        const w = pyLen(rep) + 2;
        if (width < w) {
          width = maxWidth;
          if (delim) delim = delimnl;
        }
        if (width >= w) {
          width -= w;
          this.#write(delim);
          delim = ', ';
          this.#write(rep);
          continue;
        }
      }
      this.#write(delim);
      delim = delimnl;
      this.#format(item, indent, last ? allowance : 1, level);
    }
  }

  #pprintStr(text: string, indent: number, allowance: number, level: number): void {
    const chunks: string[] = [];
    const lines = splitLinesKeepEnds(text);
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const maxWidth = this.#width - indent;
    let maxWidth1 = maxWidth;
    let rep = '';
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      rep = reprString(line);
      const lastLine = i === lines.length - 1;
      if (lastLine) maxWidth1 -= allowance;
      if (pyLen(rep) <= maxWidth1) {
        chunks.push(rep);
        continue;
      }
      const parts = wordsWithSpaces(line);
      let maxWidth2 = maxWidth;
      let current = '';
      for (let j = 0; j < parts.length; j++) {
        const candidate = current + parts[j]!;
        if (j === parts.length - 1 && lastLine) maxWidth2 -= allowance;
        if (pyLen(reprString(candidate)) > maxWidth2) {
          if (current) chunks.push(reprString(current));
          current = parts[j]!;
        } else current = candidate;
      }
      if (current) chunks.push(reprString(current));
    }
    if (chunks.length === 1) {
      this.#write(rep);
      return;
    }
    if (level === 1) this.#write('(');
    this.#write(chunks.join(`\n${' '.repeat(indent)}`));
    if (level === 1) this.#write(')');
  }

  #pprintBytes(bytes: Uint8Array, indent: number, allowance: number, level: number): void {
    if (bytes.length <= 4) {
      this.#write(reprBytes(bytes));
      return;
    }
    const parens = level === 1;
    if (parens) {
      indent += 1;
      allowance += 1;
      this.#write('(');
    }
    let delim = '';
    for (const rep of wrapBytesRepr(bytes, this.#width - indent, allowance)) {
      this.#write(delim);
      this.#write(rep);
      if (!delim) delim = `\n${' '.repeat(indent)}`;
    }
    if (parens) this.#write(')');
  }

  #pprintByteArray(bytes: Uint8Array, indent: number, allowance: number, level: number): void {
    this.#write('bytearray(');
    this.#pprintBytes(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      indent + 10,
      allowance + 1,
      level + 1,
    );
    this.#write(')');
  }
}

/** Deepest nesting of the lists, tuples, dicts and sets that pformat splits over lines (iterative). */
function containerDepth(root: unknown): number {
  let max = 0;
  const values: unknown[] = [root];
  const depths: number[] = [1];
  const seen = new Set<object>();
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value !== 'object' || value === null || seen.has(value) || hasOwnRepr(value)) continue;
    let children: Iterable<unknown>;
    if (Array.isArray(value) || value instanceof Set) children = value;
    else if (value instanceof Map) children = value.values();
    else if (isDict(value) && !(value instanceof PyObject)) children = Object.values(value);
    else continue;
    seen.add(value);
    if (depth > max) max = depth;
    if (max > PFORMAT_MAX_DEPTH) return max;
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return max;
}

/** pprint's `_wrap_bytes_repr`: the bytes in 4-byte groups, as many per line as fit. */
function wrapBytesRepr(bytes: Uint8Array, width: number, allowance: number): string[] {
  const out: string[] = [];
  let start = 0;
  let end = 0;
  const last = Math.floor(bytes.length / 4) * 4;
  for (let i = 0; i < bytes.length; i += 4) {
    const partEnd = Math.min(i + 4, bytes.length);
    if (i === last) width -= allowance;
    if (reprBytes(bytes.subarray(start, partEnd)).length > width) {
      if (end > start) out.push(reprBytes(bytes.subarray(start, end)));
      start = i;
    }
    end = partEnd;
  }
  if (end > start) out.push(reprBytes(bytes.subarray(start, end)));
  return out;
}

/**
 * Python's `pprint.pformat()` of a loaded value: the text `python -m pickle`
 * prints for the same object (same line breaks, indentation, sorted dict keys,
 * strings and bytes split across lines). Python value classes print their
 * `PY_REPR` on one line.
 *
 * @param value any value `loads` returns (load with `exact: true` so that integral floats print as floats).
 * @param options `width` (80), `indent` (1), `sortDicts` (true), `compact` (false), as pprint's.
 * @returns the formatted text, without a final newline.
 * @throws {@link PickleError} for a value nested deeper than {@link PFORMAT_MAX_DEPTH}
 *   levels that does not fit on one line (use {@link repr}), or a bad option.
 * @example
 * ```ts
 * pformat({ b: 1, a: [1, 2] }); // "{'a': [1, 2], 'b': 1}"
 * ```
 */
export function pformat(value: unknown, options: PformatOptions = {}): string {
  return new PrettyPrinter(options).run(value);
}
