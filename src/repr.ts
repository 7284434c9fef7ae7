/**
 * Python's `repr()` of the values brine loads: the one engine behind
 * `repr`, `pformat`, the value classes' `toString` and the JSON view's `repr`
 * field.
 *
 * It is flat: a work stack of literal text, values and exit marks, never a
 * call per nesting level, so any depth prints. A value class prints through
 * its `PY_REPR`, which receives a `repr` callback for the values it holds;
 * the callback does not recurse: it returns a placeholder, and the engine
 * puts the values the class named in place of its placeholders through its own
 * work stack. Every run has an output budget (`maxLength`, counted in UTF-16
 * code units as it is written), so a small pickle of shared references that
 * expands exponentially stops at the budget with a {@link ReprLimitError}
 * instead of building the text first.
 *
 * The core knows only JavaScript's own types (numbers, strings, arrays,
 * `Map`, `Set`, `Uint8Array`, plain objects); every brine class prints
 * through `PY_REPR`.
 *
 * @module
 */
import { PickleError } from './errors.js';
import { formatFloatRepr } from './floats.js';
import { reprBytes, reprString } from './python-repr.js';
import { PY_REPR } from './types/protocol.js';

/** Default output budget of every function that renders a value: 16 Mi characters. */
export const DEFAULT_MAX_REPR_LENGTH: number = 16 * 1024 * 1024;

/**
 * Raised when the text of a value would be longer than the output budget
 * (`maxLength`). Nothing longer than the budget was built.
 */
export class ReprLimitError extends PickleError {
  /** The budget that was exceeded, in characters (UTF-16 code units). */
  readonly limit: number;
  constructor(what: string, limit: number) {
    super(
      `${what}: the text is longer than maxLength (${limit} characters); shared references can make a small pickle print exponentially long: raise maxLength to allow a longer text`,
    );
    this.limit = limit;
  }
  override get name(): string {
    return 'ReprLimitError';
  }
}

/** Options of every function that renders a value on one line. */
export interface ReprOptions {
  /**
   * Output budget in characters (UTF-16 code units): a longer text raises
   * {@link ReprLimitError} as soon as the budget is passed. Default
   * {@link DEFAULT_MAX_REPR_LENGTH}; `Infinity` for none.
   */
  maxLength?: number;
}

/**
 * Method key, optional beside `PY_REPR`: the text a value class prints when
 * it is met again inside itself (Python's `[...]` for a deque), for the
 * classes whose repr Python guards against recursion. A class without it
 * prints again when met inside itself (as Python's exceptions do), up to
 * twice on one path.
 */
export const PY_REPR_RECURSIVE: unique symbol = Symbol.for('brine.reprRecursive');

type ReprMethod = (repr?: (value: unknown) => string) => unknown;

/** pprint's `_safe_repr` for plain lists, tuples and dicts (sorted keys, `<Recursion on ...>`). @internal */
export interface SafeMode {
  /** The containers pprint is inside (its `context`). */
  readonly context: Set<object>;
  /** The text for a container met again inside itself. */
  recursion(obj: object): string;
  /** A dict's items, in the order pprint prints them. */
  items(dict: object): readonly (readonly [unknown, unknown])[];
}

/** One engine run: the text written so far and its budget. @internal */
export interface ReprRun {
  readonly out: string[];
  length: number;
  readonly limit: number;
  /** Containers inside Python's built-in repr (`Py_ReprEnter`). */
  readonly active: Set<object>;
  /** Value classes Python does not guard, and how many times each is on the current path. */
  readonly reentered: Map<object, number>;
  readonly safe: SafeMode | undefined;
  /** The start of the placeholders handed to value classes (unguessable per run). */
  readonly mark: string;
}

/** A new run with `limit` characters of budget. @internal */
export function newRun(limit: number, safe?: SafeMode): ReprRun {
  return {
    out: [],
    length: 0,
    limit,
    active: new Set(),
    reentered: new Map(),
    safe,
    mark: `\u0000${Math.random().toString(36).slice(2)}:`,
  };
}

/** Checks a budget option: a positive number (or `Infinity`). @internal */
export function checkMaxLength(what: string, maxLength: number | undefined): number {
  const limit = maxLength ?? DEFAULT_MAX_REPR_LENGTH;
  if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0)
    throw new PickleError(`${what}: maxLength must be a number >= 0`);
  return limit;
}

/**
 * Python's `repr()` of a value, on one line: `{'a': 1, 'b': [1, 2.0]}`,
 * `(1,)`, `b'\x00'`, `{1, 2, 3}` (in the order CPython iterates the set when
 * the items are numbers), `deque([1, 2])`. Values of brine's classes print
 * their `PY_REPR`; inert values print as `<global module.name>` and
 * `<PyObject kind module.name(args) state=...>`.
 *
 * @param value any value `loads` returns.
 * @param options `maxLength`, the output budget (default {@link DEFAULT_MAX_REPR_LENGTH}).
 * @returns the text.
 * @throws {@link ReprLimitError} when the text would be longer than `maxLength`.
 * @example
 * ```ts
 * pyRepr([1, tuple(2.5), new Set([3, 1, 2])]); // '[1, (2.5,), {1, 2, 3}]'
 * ```
 */
export function pyRepr(value: unknown, options: ReprOptions = {}): string {
  return reprText(value, 'repr', checkMaxLength('repr', options.maxLength));
}

/** The repr of `value` within `limit` characters, or a {@link ReprLimitError} naming `what`. @internal */
export function reprText(value: unknown, what: string, limit: number): string {
  const run = newRun(limit);
  if (!reprInto(value, run)) throw new ReprLimitError(what, limit);
  return run.out.join('');
}

const TEXT = 0;
const SAFE = 1;
const PLAIN = 2;
const EXIT_SAFE = 3;
const EXIT_PLAIN = 4;
const EXIT_REENTERED = 5;

function leave(run: ReprRun, obj: object): void {
  const n = run.reentered.get(obj)! - 1;
  if (n === 0) run.reentered.delete(obj);
  else run.reentered.set(obj, n);
}

/**
 * Writes the repr of `root` into `run`, stopping as soon as the text passes
 * the run's limit. Returns `false` when it stopped (the text is then cut
 * short); the containers it entered are left again either way. @internal
 */
export function reprInto(root: unknown, run: ReprRun): boolean {
  const out = run.out;
  // The work stack, in two parallel arrays; entries are pushed in reverse output order.
  const kinds: number[] = [run.safe !== undefined ? SAFE : PLAIN];
  const items: unknown[] = [root];
  const emit = (text: string): void => {
    out.push(text);
    run.length += text.length;
  };
  const text = (t: string): void => {
    kinds.push(TEXT);
    items.push(t);
  };
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
    if (run.length > run.limit) {
      // Leave the containers this run entered.
      for (let i = 0; i < kinds.length; i++) {
        if (kinds[i] === EXIT_SAFE) run.safe!.context.delete(items[i] as object);
        else if (kinds[i] === EXIT_PLAIN) run.active.delete(items[i] as object);
        else if (kinds[i] === EXIT_REENTERED) leave(run, items[i] as object);
      }
      return false;
    }
    const kind = kinds.pop()!;
    const item = items.pop();
    if (kind === TEXT) {
      emit(item as string);
      continue;
    }
    if (kind === EXIT_SAFE) {
      run.safe!.context.delete(item as object);
      continue;
    }
    if (kind === EXIT_PLAIN) {
      run.active.delete(item as object);
      continue;
    }
    if (kind === EXIT_REENTERED) {
      leave(run, item as object);
      continue;
    }
    if (typeof item !== 'object' || item === null) {
      // A long str or bytes is not made when its shortest repr is already over the budget.
      if (typeof item === 'string' && run.length + item.length + 2 > run.limit) {
        run.length = run.limit + 1;
        continue;
      }
      emit(scalarRepr(item));
      continue;
    }
    const obj = item as object;
    const method = (obj as { [PY_REPR]?: unknown })[PY_REPR];
    if (typeof method === 'function') {
      const recursive = (obj as { [PY_REPR_RECURSIVE]?: unknown })[PY_REPR_RECURSIVE];
      const guarded = typeof recursive === 'string';
      // A class Python guards (deque, OrderedDict ...) prints its mark when met again inside itself.
      // One Python does not guard (an exception, a datetime) prints again: the container that
      // holds it is what stops the cycle, as in Python; a third time on the same path is `...`.
      if (guarded ? run.active.has(obj) : (run.reentered.get(obj) ?? 0) >= 2) {
        emit(guarded ? recursive : '...');
        continue;
      }
      const held: unknown[] = [];
      let own: string;
      try {
        own = String(
          (method as ReprMethod).call(obj, (v: unknown) => {
            held.push(v);
            return `${run.mark}${held.length - 1}\u0000`;
          }),
        );
      } catch (error) {
        if (error instanceof PickleError) throw error;
        emit(`<${className(obj)} object>`);
        continue;
      }
      if (held.length === 0) {
        emit(own);
        continue;
      }
      if (guarded) {
        run.active.add(obj);
        kinds.push(EXIT_PLAIN);
      } else {
        run.reentered.set(obj, (run.reentered.get(obj) ?? 0) + 1);
        kinds.push(EXIT_REENTERED);
      }
      items.push(obj);
      pushWithPlaceholders(own, held, run.mark, kinds, items);
      continue;
    }
    if (obj instanceof Uint8Array) {
      if (run.length + obj.length + 3 > run.limit) {
        run.length = run.limit + 1;
        continue;
      }
      emit(reprBytes(obj));
      continue;
    }
    const isList = Array.isArray(obj);
    const isTuple = isList && Object.isFrozen(obj);
    if (isList && (obj as unknown[]).length === 0) {
      emit(isTuple ? '()' : '[]');
      continue;
    }
    const dict = !isList && !(obj instanceof Set) && isDict(obj);
    if (!isList && !dict && !(obj instanceof Set)) {
      emit(`<${className(obj)} object>`);
      continue;
    }
    if (kind === SAFE && (isList || dict)) {
      // pprint's own walk: dicts sorted, recursion spelled out.
      const safe = run.safe!;
      const empty = isList ? (obj as unknown[]).length === 0 : dictSize(obj) === 0;
      if (empty) {
        emit(isTuple ? '()' : isList ? '[]' : '{}');
        continue;
      }
      if (safe.context.has(obj)) {
        emit(safe.recursion(obj));
        continue;
      }
      safe.context.add(obj);
      kinds.push(EXIT_SAFE);
      items.push(obj);
      if (isList) {
        const list = obj as unknown[];
        sequence(list, SAFE, isTuple ? '(' : '[', isTuple ? (list.length === 1 ? ',)' : ')') : ']');
      } else pairs(safe.items(obj), SAFE);
      continue;
    }
    // Python's built-in repr.
    if (run.active.has(obj)) {
      emit(isTuple ? '(...)' : isList ? '[...]' : obj instanceof Set ? 'set(...)' : '{...}');
      continue;
    }
    if (obj instanceof Set && obj.size === 0) {
      emit('set()');
      continue;
    }
    run.active.add(obj);
    kinds.push(EXIT_PLAIN);
    items.push(obj);
    if (isList) {
      const list = obj as unknown[];
      sequence(list, PLAIN, isTuple ? '(' : '[', isTuple ? (list.length === 1 ? ',)' : ')') : ']');
    } else if (obj instanceof Set) sequence(cpythonSetOrder([...obj]), PLAIN, '{', '}');
    else pairs(dictEntries(obj), PLAIN);
  }
  return run.length <= run.limit;
}

/** Pushes a value class's text with the values it named in place of its placeholders. */
function pushWithPlaceholders(
  own: string,
  held: readonly unknown[],
  mark: string,
  kinds: number[],
  items: unknown[],
): void {
  const segments: number[] = [];
  const values: number[] = [];
  let pos = 0;
  for (;;) {
    const at = own.indexOf(mark, pos);
    if (at < 0) break;
    const end = own.indexOf('\u0000', at + mark.length);
    if (end < 0) break;
    const digits = own.slice(at + mark.length, end);
    const index = /^\d{1,9}$/.test(digits) ? Number(digits) : -1;
    if (index < 0 || index >= held.length) {
      pos = end;
      continue;
    }
    segments.push(at, end + 1);
    values.push(index);
    pos = end + 1;
  }
  // In reverse: the text after the last placeholder first.
  let tail = own.length;
  for (let i = values.length - 1; i >= 0; i--) {
    const start = segments[2 * i]!;
    const after = segments[2 * i + 1]!;
    if (after < tail) {
      kinds.push(TEXT);
      items.push(own.slice(after, tail));
    }
    kinds.push(PLAIN);
    items.push(held[values[i]!]);
    tail = start;
  }
  if (tail > 0) {
    kinds.push(TEXT);
    items.push(own.slice(0, tail));
  }
}

/** Python's `repr()` of an int or float held in a JavaScript number. */
export function reprNumber(x: number): string {
  if (Number.isSafeInteger(x) && !Object.is(x, -0)) return String(x);
  // Where Python's repr and JavaScript both write fixed notation, their shortest digits agree.
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(x);
    return text.includes('.') ? text : `${text}.0`;
  }
  return formatFloatRepr(x);
}

/** The repr of a value that is not an object. */
function scalarRepr(value: unknown): string {
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
    case 'function':
      return '<function>';
    default:
      return value === null ? 'None' : `<${typeof value}>`;
  }
}

/** True for a dict: a `Map`, or an object with no prototype but Object's (or none). @internal */
export function isDict(value: object): boolean {
  if (value instanceof Map) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function dictSize(dict: object): number {
  return dict instanceof Map ? dict.size : Object.keys(dict).length;
}

/** A dict's `[key, value]` pairs in insertion order. @internal */
export function dictEntries(dict: object): [unknown, unknown][] {
  if (dict instanceof Map) return [...dict];
  return Object.keys(dict).map((k) => [k, (dict as Record<string, unknown>)[k]]);
}

/** The JS class name of an object, read without running anything it holds. @internal */
export function className(value: object): string {
  let proto = Object.getPrototypeOf(value) as object | null;
  while (proto !== null) {
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    if (typeof ctor === 'function') {
      const name = Object.getOwnPropertyDescriptor(ctor, 'name')?.value as unknown;
      if (typeof name === 'string' && name !== '') return name;
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return 'object';
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

/** Python's hash of a number-like item, or `undefined` when it depends on the process. */
function pyHash(value: unknown): bigint | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'bigint') return hashInt(value);
  if (typeof value === 'number') return hashFloat(value);
  // A PyFloat (an integral float loaded with exact: true) hashes as its value.
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { [FLOAT_BRAND]?: unknown })[FLOAT_BRAND] === true
  )
    return hashFloat(Number(value));
  return undefined;
}

/** Marks a value class that hashes as the float it holds (`PyFloat`). @internal */
export const FLOAT_BRAND: unique symbol = Symbol.for('brine.float');

/**
 * The items in the order CPython iterates a set built by adding them in this
 * order, when it can be known (numbers); otherwise the order given. @internal
 */
export function cpythonSetOrder(items: unknown[]): unknown[] {
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

/**
 * A repr cut short: at most about `budget` characters and `depth` levels, for
 * text made eagerly as a value loads (an exception's message). It never calls
 * a value class: a shared value referenced many times costs next to nothing.
 */
export function shortRepr(value: unknown, budget = 200, depth = 4): string {
  if (typeof value === 'string')
    return value.length > budget ? `${reprString(value.slice(0, budget))}...` : reprString(value);
  if (Array.isArray(value)) {
    if (depth <= 0) return Object.isFrozen(value) ? '(...)' : '[...]';
    let out = '';
    for (let i = 0; i < value.length; i++) {
      if (out.length > budget) {
        out += ', ...';
        break;
      }
      out += (i > 0 ? ', ' : '') + shortRepr(value[i], budget - out.length, depth - 1);
    }
    if (Object.isFrozen(value)) return value.length === 1 ? `(${out},)` : `(${out})`;
    return `[${out}]`;
  }
  if (value instanceof Uint8Array) {
    const text = reprBytes(value.length > budget ? value.subarray(0, budget) : value);
    return value.length > budget ? `${text}...` : text;
  }
  if (value === null || typeof value !== 'object') return scalarRepr(value);
  return `<${className(value)}>`;
}
