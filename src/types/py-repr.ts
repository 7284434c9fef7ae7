/**
 * A small fallback for Python's `repr()`, used by the value classes'
 * `PY_REPR` when the caller passes no repr of its own.
 *
 * @module
 */
import { formatFloatRepr } from '../floats.js';
import { PY_REPR, type PyValue } from './protocol.js';

/** Python's repr of a str: single quotes unless the text has one and no double quote. */
export function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i]!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's repr of bytes: `b'...'`. */
export function reprBytes(data: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of data) {
    if (b === 0x27) hasSingle = true;
    else if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = `b${quote}`;
  for (const b of data) {
    if (b === quote.charCodeAt(0) || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out + quote;
}

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
