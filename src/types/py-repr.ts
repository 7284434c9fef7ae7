/**
 * A small fallback for Python's `repr()`, used by the value classes'
 * `PY_REPR` when the caller passes no repr of its own.
 *
 * @module
 */
import { formatFloatRepr } from '../floats.js';
import { reprBytes, reprString } from '../python-repr.js';
import { PY_REPR, type PyValue } from './protocol.js';

export { reprBytes, reprString } from '../python-repr.js';

/** A plain repr for the values the value classes hold: scalars, arrays, and other value classes. */
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
    default:
  }
  if (value instanceof Uint8Array) return reprBytes(value);
  if (Array.isArray(value)) {
    const items = value.map(basicRepr);
    if (Object.isFrozen(value)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  const method = (value as Partial<PyValue>)[PY_REPR];
  if (typeof method === 'function') return method.call(value, basicRepr);
  return String(value);
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
  return `<${(value as object).constructor?.name ?? 'object'}>`;
}
