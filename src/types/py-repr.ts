/**
 * A small fallback for Python's `repr()`, used by the value classes'
 * `PY_REPR` when the caller passes no repr of its own. It never throws: a
 * value met again inside itself prints as Python prints it (`[...]`), nesting
 * deeper than Python's own repr goes prints `...`, and an object it does not
 * know prints as `<... object>`.
 *
 * @module
 */
import { formatFloatRepr } from '../floats.js';
import { reprBytes, reprString } from '../python-repr.js';
import { PY_REPR, type PyValue } from './protocol.js';
import { PyGlobal } from './py-global.js';
import { PyObject } from './py-object.js';

export { reprBytes, reprString } from '../python-repr.js';

/** The containers being printed, and how deep the printing is. */
const active = new Set<object>();
let depth = 0;
/** Python's repr gives up (RecursionError) near 1000 levels; this prints `...` before the JS stack would. */
const MAX_DEPTH = 500;

/**
 * Prints a container with `body`, or `recursive` when the container is
 * already being printed further up (Python's `Py_ReprEnter`). Value classes
 * that hold other values wrap their repr in it. @internal
 */
export function guardRepr(obj: object, recursive: string, body: () => string): string {
  if (active.has(obj)) return recursive;
  if (depth >= MAX_DEPTH) return '...';
  active.add(obj);
  depth++;
  try {
    return body();
  } finally {
    active.delete(obj);
    depth--;
  }
}

/** Python's repr of a class or function a pickle names: `<class 'list'>`, `<class 'collections.OrderedDict'>`. */
export function globalRepr(global: PyGlobal): string {
  return global.module === 'builtins' ? `<class '${global.name}'>` : `<class '${global.qualifiedName}'>`;
}

function entriesRepr(entries: Iterable<[unknown, unknown]>, repr: (v: unknown) => string): string {
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(`${repr(k)}: ${repr(v)}`);
  return `{${parts.join(', ')}}`;
}

/** A plain repr for the values the value classes hold: scalars, lists, tuples, dicts, sets and other value classes. */
export function basicRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : formatFloatRepr(value);
    case 'bigint':
      return String(value);
    case 'string':
      return reprString(value);
    case 'object':
      break;
    default:
      return `<${typeof value}>`;
  }
  if (value instanceof Uint8Array) return reprBytes(value);
  const method = (value as Partial<PyValue>)[PY_REPR];
  if (typeof method === 'function') {
    try {
      return method.call(value, basicRepr);
    } catch {
      return `<${className(value)} object>`;
    }
  }
  if (Array.isArray(value)) {
    const frozen = Object.isFrozen(value);
    return guardRepr(value, frozen ? '(...)' : '[...]', () => {
      const items = Array.prototype.map.call(value, (v) => basicRepr(v)) as string[];
      if (frozen) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
      return `[${items.join(', ')}]`;
    });
  }
  if (value instanceof Map) return guardRepr(value, '{...}', () => entriesRepr(value, basicRepr));
  if (value instanceof Set) {
    const frozen = Object.isFrozen(value);
    return guardRepr(value, '...', () => {
      if (value.size === 0) return frozen ? 'frozenset()' : 'set()';
      const items = `{${[...value].map((v) => basicRepr(v)).join(', ')}}`;
      return frozen ? `frozenset(${items})` : items;
    });
  }
  if (value instanceof PyGlobal) return globalRepr(value);
  if (value instanceof PyObject) {
    const cls = value.cls;
    return `<${cls instanceof PyGlobal ? cls.qualifiedName : 'unknown'} object>`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null)
    return guardRepr(value, '{...}', () => entriesRepr(Object.entries(value), basicRepr));
  return `<${className(value)} object>`;
}

/** The JS class name of an object, read without running anything it holds. */
function className(value: object): string {
  let proto = Object.getPrototypeOf(value) as object | null;
  while (proto !== null) {
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return 'object';
}

/**
 * A repr cut short: at most `budget` characters and `depth` levels, so that a
 * hostile value (deeply nested, or a graph of shared references that expands
 * exponentially) costs next to nothing. Used where a repr is made eagerly.
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
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) {
    const text = basicRepr(value);
    return text.length > budget ? `${text.slice(0, budget)}...` : text;
  }
  return `<${className(value)}>`;
}
