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
import { pyLen, reprBytes, reprString } from '../python-repr.js';
import { PickleBuffer, PyComplex, PyFloat, PyRange, PySlice } from '../types/builtins.js';
import { PyCounter, PyDefaultDict, PyDeque, PyOrderedDict } from '../types/collections.js';
import { FrozenSet } from '../types/frozen-set.js';
import { PY_REDUCE, PY_REPR, type Reduction } from '../types/protocol.js';
import { PyByteArray } from '../types/py-bytearray.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject } from '../types/py-object.js';
import { tuple } from '../types/tuple.js';

export { isPrintable, reprBytes, reprString } from '../python-repr.js';

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
  /**
   * Receives the text in pieces as it is made, as `pprint.pprint` writes to
   * its stream (then `pformat` returns `''`): a huge value is never held as
   * one string.
   */
  write?: (text: string) => void;
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

class PrettyPrinter {
  readonly #width: number;
  readonly #indentPerLevel: number;
  readonly #compact: boolean;
  readonly #state: ReprState;
  readonly #out: string[] = [];
  readonly #sink: ((text: string) => void) | undefined;
  #buffered = 0;

  constructor(options: PformatOptions) {
    this.#sink = options.write;
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
    if (this.#sink === undefined) return this.#out.join('');
    this.#flush();
    return '';
  }

  #write(text: string): void {
    this.#out.push(text);
    if (this.#sink !== undefined) {
      this.#buffered += text.length;
      if (this.#buffered >= 1 << 16) this.#flush();
    }
  }

  #flush(): void {
    if (this.#out.length > 0) this.#sink!(this.#out.join(''));
    this.#out.length = 0;
    this.#buffered = 0;
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
  // pprint's algorithm (grow the line 4 bytes at a time while its repr fits), with the length of
  // the repr kept as running counts instead of re-made for every group.
  const out: string[] = [];
  let start = 0;
  let end = 0;
  let sum = 0; // repr length of the bytes with no quote escaped
  let singles = 0;
  let doubles = 0;
  const last = Math.floor(bytes.length / 4) * 4;
  for (let i = 0; i < bytes.length; i += 4) {
    const partEnd = Math.min(i + 4, bytes.length);
    if (i === last) width -= allowance;
    let partSum = 0;
    let partSingles = 0;
    let partDoubles = 0;
    for (let k = i; k < partEnd; k++) {
      const b = bytes[k]!;
      partSum += byteReprLength(b);
      if (b === 0x27) partSingles++;
      else if (b === 0x22) partDoubles++;
    }
    const s2 = singles + partSingles;
    const d2 = doubles + partDoubles;
    // b'...' (3 characters), and a backslash for each quote that matches the one repr picks.
    const length = 3 + sum + partSum + (s2 > 0 && d2 === 0 ? 0 : s2);
    if (length > width) {
      if (end > start) out.push(reprBytes(bytes.subarray(start, end)));
      start = i;
      sum = partSum;
      singles = partSingles;
      doubles = partDoubles;
    } else {
      sum += partSum;
      singles = s2;
      doubles = d2;
    }
    end = partEnd;
  }
  if (end > start) out.push(reprBytes(bytes.subarray(start, end)));
  return out;
}

/** Length of one byte in a bytes repr, before quote escaping. */
function byteReprLength(b: number): number {
  if (b === 0x5c || b === 0x09 || b === 0x0a || b === 0x0d) return 2;
  return b >= 0x20 && b < 0x7f ? 1 : 4;
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
