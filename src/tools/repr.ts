/**
 * Python's `repr()` and `pprint.pformat()` for the values `loads` returns:
 * the text `python -m pickle` prints. Browser-safe: no Node module.
 *
 * Both are built on the core repr engine (`src/repr.ts`): `repr` is the
 * engine itself, and `pformat` uses it in pprint's `_safe_repr` mode (sorted
 * dict keys, `<Recursion on ...>`) for every piece it prints on one line.
 * Both are iterative and have an output budget (`maxLength`).
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
import { pyLen, reprBytes, reprString } from '../python-repr.js';
import {
  checkMaxLength,
  DEFAULT_MAX_REPR_LENGTH,
  isDict,
  newRun,
  ReprLimitError,
  type ReprOptions,
  reprInto,
  reprText,
  type SafeMode,
} from '../repr.js';
import { PyComplex, PyFloat, PyRange, PySlice } from '../types/builtins.js';
import { PyCounter, PyDefaultDict, PyDeque, PyOrderedDict } from '../types/collections.js';
import { FrozenSet } from '../types/frozen-set.js';
import { PY_REDUCE, PY_REPR, type Reduction } from '../types/protocol.js';
import { PyByteArray } from '../types/py-bytearray.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject } from '../types/py-object.js';
import { PySimpleNamespace } from '../types/stdlib.js';
import { tuple } from '../types/tuple.js';

export { isPrintable, reprByteArray, reprBytes, reprString } from '../python-repr.js';
export { DEFAULT_MAX_REPR_LENGTH, ReprLimitError, type ReprOptions } from '../repr.js';

function hasOwnRepr(value: object): boolean {
  return typeof (value as { [PY_REPR]?: unknown })[PY_REPR] === 'function';
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

/** The text pprint writes for a container met again inside itself. */
function recursionText(value: object, ids: Map<object, number>): string {
  let id = ids.get(value);
  if (id === undefined) {
    id = ids.size + 1;
    ids.set(value, id);
  }
  return `<Recursion on ${typeName(value).slice(8, -2)} with id=${id}>`;
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
 * @param options `maxLength`: the output budget in characters (default
 *   {@link DEFAULT_MAX_REPR_LENGTH}, 16 Mi).
 * @returns the text Python's `repr()` gives for the same object.
 * @throws {@link ReprLimitError} (a {@link PickleError}) as soon as the text
 *   passes `maxLength`: a few hundred bytes of shared references can stand for
 *   an exponentially long text.
 * @example
 * ```ts
 * repr({ a: 1, b: [1, 2.5] }); // "{'a': 1, 'b': [1, 2.5]}"
 * repr(tuple(1)); // '(1,)'
 * ```
 */
export function repr(value: unknown, options: ReprOptions = {}): string {
  return reprText(value, 'repr', checkMaxLength('repr', options.maxLength));
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
  /**
   * Output budget in characters (UTF-16 code units), counting everything
   * written, also through `write`. Default {@link DEFAULT_MAX_REPR_LENGTH}
   * (16 Mi); `Infinity` for none. A value whose text would be longer raises
   * {@link ReprLimitError}, before any output when the value's size alone
   * says so.
   */
  maxLength?: number;
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

type Task = string | (() => void);

class PrettyPrinter {
  readonly #width: number;
  readonly #indentPerLevel: number;
  readonly #compact: boolean;
  readonly #sortDicts: boolean;
  readonly #maxLength: number;
  /** Containers being written (pprint's `context`). */
  readonly #context = new Set<object>();
  readonly #ids = new Map<object, number>();
  readonly #safe: SafeMode;
  readonly #out: string[] = [];
  readonly #sink: ((text: string) => void) | undefined;
  /** Work still to do, last first: text to write, or a step that writes and pushes more work. */
  readonly #tasks: Task[] = [];
  #buffered = 0;
  #written = 0;

  constructor(options: PformatOptions) {
    this.#sink = options.write;
    this.#width = options.width ?? 80;
    this.#indentPerLevel = options.indent ?? 1;
    this.#compact = options.compact === true;
    this.#sortDicts = options.sortDicts ?? true;
    this.#maxLength = checkMaxLength('pformat', options.maxLength);
    if (!Number.isInteger(this.#width) || this.#width === 0)
      throw new PickleError('pformat: width must be a non-zero integer');
    if (!Number.isInteger(this.#indentPerLevel) || this.#indentPerLevel < 0)
      throw new PickleError('pformat: indent must be an integer >= 0');
    this.#safe = {
      context: this.#context,
      recursion: (obj) => recursionText(obj, this.#ids),
      items: (dict) => dictItems(dict, this.#sortDicts),
    };
  }

  run(value: unknown): string {
    checkShape(value, this.#maxLength);
    this.#tasks.push(() => this.#format(value, 0, 0, 0));
    while (this.#tasks.length > 0) {
      const task = this.#tasks.pop()!;
      if (typeof task === 'string') this.#write(task);
      else task();
    }
    if (this.#sink === undefined) return this.#out.join('');
    this.#flush();
    return '';
  }

  /** Schedules `tasks` to run in this order, before the work already scheduled. */
  #then(...tasks: Task[]): void {
    for (let i = tasks.length - 1; i >= 0; i--) this.#tasks.push(tasks[i]!);
  }

  #write(text: string): void {
    this.#written += text.length;
    if (this.#written > this.#maxLength) throw new ReprLimitError('pformat', this.#maxLength);
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

  /** The one-line text of a value within what is left of the budget. */
  #repr(value: unknown): string {
    const limit = this.#maxLength - this.#written;
    const run = newRun(limit, this.#safe);
    if (!reprInto(value, run)) throw new ReprLimitError('pformat', this.#maxLength);
    return run.out.join('');
  }

  /**
   * The one-line text of a value when it is at most `maxWidth` characters
   * (Python's `len`), else `undefined`, found without making more than twice
   * that many characters: the width test costs the width, not the value.
   */
  #fit(value: unknown, maxWidth: number): string | undefined {
    if (maxWidth < 0) return undefined;
    const room = this.#maxLength - this.#written;
    const limit = Math.min(2 * maxWidth, room);
    const run = newRun(limit, this.#safe);
    if (!reprInto(value, run)) {
      // Cut at the budget rather than the width: the text would not fit in the budget either.
      if (limit === room && limit < 2 * maxWidth) throw new ReprLimitError('pformat', this.#maxLength);
      return undefined;
    }
    const rep = run.out.join('');
    return pyLen(rep) <= maxWidth ? rep : undefined;
  }

  #format(value: unknown, indent: number, allowance: number, level: number): void {
    const context = this.#context;
    if (typeof value === 'object' && value !== null && context.has(value)) {
      this.#write(recursionText(value, this.#ids));
      return;
    }
    const maxWidth = this.#width - indent - allowance;
    const rep = this.#fit(value, maxWidth);
    if (rep !== undefined) {
      this.#write(rep);
      return;
    }
    const printer = this.#dispatch(value);
    if (printer === undefined) {
      this.#write(this.#repr(value));
      return;
    }
    if (typeof value === 'object' && value !== null) {
      // checkShape ran first; this keeps the bound whatever reaches here.
      if (level >= PFORMAT_MAX_DEPTH && !(value instanceof Uint8Array)) throw tooDeep();
      const obj = value;
      context.add(obj);
      this.#tasks.push(() => context.delete(obj));
    }
    printer(indent, allowance, level + 1);
  }

  #dispatch(value: unknown): ((indent: number, allowance: number, level: number) => void) | undefined {
    if (typeof value === 'string') {
      return value.length === 0 ? undefined : (i, a, l) => this.#pprintStr(value, i, a, l);
    }
    if (typeof value !== 'object' || value === null) return undefined;
    if (value instanceof PyByteArray) return (i, a, l) => this.#pprintByteArray(value, i, a, l);
    if (value instanceof FrozenSet) return (i, a, l) => this.#pprintSet(value, i, a, l);
    if (value instanceof PySimpleNamespace) return (i, a, l) => this.#pprintNamespace(value, i, a, l);
    const collection = this.#collectionPrinter(value);
    if (collection !== undefined || hasOwnRepr(value)) return collection;
    if (value instanceof Uint8Array) return (i, a, l) => this.#pprintBytes(value, i, a, l);
    if (Array.isArray(value)) {
      if (Object.isFrozen(value)) {
        const end = value.length === 1 ? ',)' : ')';
        return (i, a, l) => this.#then('(', () => this.#formatItems(value, i, a + end.length, l), end);
      }
      return (i, a, l) => this.#then('[', () => this.#formatItems(value, i, a + 1, l), ']');
    }
    if (value instanceof Set) return (i, a, l) => this.#pprintSet(value, i, a, l);
    if (isDict(value) && !(value instanceof PyObject)) return (i, a, l) => this.#pprintDict(value, i, a, l);
    return undefined;
  }

  #pprintSet(value: Set<unknown>, indent: number, allowance: number, level: number): void {
    if (value.size === 0) {
      this.#write(this.#repr(value));
      return;
    }
    if (value instanceof FrozenSet) {
      this.#then(
        'frozenset({',
        () => this.#formatItems(sortedItems(value), indent + 'frozenset'.length + 1, allowance + 2, level),
        '})',
      );
    } else this.#then('{', () => this.#formatItems(sortedItems(value), indent, allowance + 1, level), '}');
  }

  #pprintDict(value: object, indent: number, allowance: number, level: number): void {
    this.#write('{');
    if (this.#indentPerLevel > 1) this.#write(' '.repeat(this.#indentPerLevel - 1));
    const items = dictItems(value, this.#sortDicts);
    this.#then(() => {
      if (items.length > 0) this.#formatDictItems(items, indent, allowance + 1, level);
    }, '}');
  }

  /** pprint's `_pprint_simplenamespace` (Python 3.9 and later). */
  #pprintNamespace(value: PySimpleNamespace, indent: number, allowance: number, level: number): void {
    const items = Object.entries(value);
    indent += 'namespace'.length + 1;
    const delimnl = `,\n${' '.repeat(indent)}`;
    const last = items.length - 1;
    let i = 0;
    const step = (): void => {
      if (i > last) {
        this.#write(')');
        return;
      }
      const [key, entry] = items[i]!;
      const isLast = i === last;
      if (i > 0) this.#write(delimnl);
      i++;
      this.#write(`${key}=`);
      this.#tasks.push(step);
      if (typeof entry === 'object' && entry !== null && this.#context.has(entry)) this.#write('...');
      else {
        const keyLength = pyLen(key);
        this.#tasks.push(() => this.#format(entry, indent + keyLength + 1, isLast ? allowance : 1, level));
      }
    };
    this.#write('namespace(');
    step();
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
        const pairs = [...value].map(([k, v]) => tuple(k, v));
        this.#then('OrderedDict(', () => this.#format(pairs, i + 'OrderedDict'.length + 1, a + 1, l), ')');
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
        this.#then(() => this.#pprintDict(value, i, a + 1, l), ')');
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
        this.#then(() => this.#formatDictItems(items, i + 'Counter'.length + 1, a + 2, l), '})');
      };
    }
    if (value instanceof PyDeque) {
      return (i, a, l) => {
        if (empty) return flat();
        this.#write('deque([');
        i += 'deque'.length + 1;
        const items = [...value];
        if (value.maxlen === null) this.#then(() => this.#formatItems(items, i, a + 2, l), '])');
        else {
          const maxlen = value.maxlen;
          this.#then(
            () => this.#formatItems(items, i, 2, l),
            () => this.#write(`],\n${' '.repeat(i)}maxlen=${this.#repr(maxlen)})`),
          );
        }
      };
    }
    return undefined;
  }

  #formatDictItems(items: [unknown, unknown][], indent: number, allowance: number, level: number): void {
    indent += this.#indentPerLevel;
    const delim = `,\n${' '.repeat(indent)}`;
    const last = items.length - 1;
    let i = 0;
    const step = (): void => {
      if (i > last) return;
      if (i > 0) this.#write(delim);
      const [key, value] = items[i]!;
      const isLast = i === last;
      i++;
      const rep = this.#repr(key);
      this.#write(rep);
      this.#write(': ');
      this.#tasks.push(step);
      const column = indent + pyLen(rep) + 2;
      this.#tasks.push(() => this.#format(value, column, isLast ? allowance : 1, level));
    };
    step();
  }

  #formatItems(items: readonly unknown[], indent: number, allowance: number, level: number): void {
    indent += this.#indentPerLevel;
    if (this.#indentPerLevel > 1) this.#write(' '.repeat(this.#indentPerLevel - 1));
    const delimnl = `,\n${' '.repeat(indent)}`;
    let delim = '';
    let width = this.#width - indent + 1;
    let maxWidth = width;
    let i = 0;
    const step = (): void => {
      while (i < items.length) {
        const last = i === items.length - 1;
        if (last) {
          maxWidth -= allowance;
          width -= allowance;
        }
        const item = items[i++];
        if (this.#compact) {
          // The item's text is only needed when it can fit on a line (w <= max(width, maxWidth)).
          const rep = this.#fit(item, Math.max(width, maxWidth) - 2);
          const w = rep === undefined ? Number.POSITIVE_INFINITY : pyLen(rep) + 2;
          if (width < w) {
            width = maxWidth;
            if (delim) delim = delimnl;
          }
          if (width >= w) {
            width -= w;
            this.#write(delim);
            delim = ', ';
            this.#write(rep!);
            continue;
          }
        }
        this.#write(delim);
        delim = delimnl;
        this.#tasks.push(step);
        this.#format(item, indent, last ? allowance : 1, level);
        return;
      }
    };
    step();
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
    const separator = `\n${' '.repeat(indent)}`;
    if (level === 1) this.#write('(');
    for (let i = 0; i < chunks.length; i++) {
      if (i > 0) this.#write(separator);
      this.#write(chunks[i]!);
    }
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

function tooDeep(): PickleError {
  return new PickleError(
    `pformat: the value nests deeper than ${PFORMAT_MAX_DEPTH} containers; use repr() for a one-line text`,
  );
}

/**
 * Checks, before any output, the two things that make pformat refuse a value:
 * containers nested deeper than {@link PFORMAT_MAX_DEPTH}, and a text that
 * cannot fit in the budget. It walks the value as pformat prints it (a shared
 * container at every place it appears, a container inside itself not again),
 * counting one character per container and per item, a lower bound of the
 * text, so it stops after at most `maxLength` steps.
 */
function checkShape(root: unknown, maxLength: number): void {
  let count = 0;
  const onPath = new Set<object>();
  const values: unknown[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (depth < 0) {
      onPath.delete(value as object);
      continue;
    }
    if (typeof value !== 'object' || value === null || onPath.has(value)) continue;
    let children: Iterable<unknown>;
    let size: number;
    if (Array.isArray(value)) {
      children = value;
      size = value.length;
    } else if (value instanceof Set || value instanceof Map) {
      children = value instanceof Map ? value.values() : value;
      size = value.size;
    } else if (value instanceof PySimpleNamespace || (isDict(value) && !hasOwnRepr(value))) {
      const entries = Object.values(value);
      children = entries;
      size = entries.length;
    } else continue;
    if (depth > PFORMAT_MAX_DEPTH) throw tooDeep();
    count += 1 + size;
    if (count > maxLength) throw new ReprLimitError('pformat', maxLength);
    onPath.add(value);
    values.push(value);
    depths.push(-1);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
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
 * `PY_REPR` on one line. Iterative, and linear in its output: the test of
 * whether a piece fits on a line makes at most twice the width.
 *
 * @param value any value `loads` returns (load with `exact: true` so that integral floats print as floats).
 * @param options `width` (80), `indent` (1), `sortDicts` (true), `compact` (false), as pprint's;
 *   `write`, a sink for the text; `maxLength`, the output budget (16 Mi characters).
 * @returns the formatted text, without a final newline.
 * @throws {@link ReprLimitError} when the text would be longer than `maxLength`;
 *   {@link PickleError} for a value nested deeper than {@link PFORMAT_MAX_DEPTH}
 *   levels (use {@link repr}), or a bad option. Both are raised before any
 *   output when the shape of the value says so.
 * @example
 * ```ts
 * pformat({ b: 1, a: [1, 2] }); // "{'a': [1, 2], 'b': 1}"
 * ```
 */
export function pformat(value: unknown, options: PformatOptions = {}): string {
  return new PrettyPrinter(options).run(value);
}
