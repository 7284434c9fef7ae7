/**
 * A JSON view of any value `loads` returns, and its inverse. Python types that
 * JSON lacks are written as tagged objects (`{"$tuple": [...]}`), shared
 * references and cycles as `{"$shared": [id, node]}` then `{"$ref": id}`.
 * The format is described in docs/json.md. Browser-safe: no Node module.
 *
 * @module
 */
import { defineKey, isArrayIndexKey } from '../dict-keys.js';
import { PickleError } from '../errors.js';
import { formatFloatRepr } from '../floats.js';
import { className, DEFAULT_MAX_REPR_LENGTH, ReprLimitError, reprText } from '../repr.js';
import { PickleBuffer, PyComplex, PyFloat, PyRange, PySlice } from '../types/builtins.js';
import { FrozenSet } from '../types/frozen-set.js';
import { isPyValue, PY_REDUCE, PY_REPR, type Reduction } from '../types/protocol.js';
import { PyByteArray } from '../types/py-bytearray.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject, type PyObjectKind } from '../types/py-object.js';
import { parseJSONText } from './json-text.js';

/** A JSON document as a JavaScript tree: what `JSON.parse` returns. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** Options of {@link toJSON} and {@link toJSONValue}. */
export interface ToJSONOptions {
  /**
   * Most JSON nodes (values, including every `$ref`) the view may hold.
   * Default 10,000,000.
   */
  maxNodes?: number;
  /**
   * Longest JSON text allowed, in characters (UTF-16 units; bytes for ASCII
   * text). Default 268,435,456 (256 Mi).
   */
  maxBytes?: number;
  /** Indentation of {@link toJSON}'s text: a number of spaces or a string, as `JSON.stringify`'s. Default: none. */
  indent?: number | string;
  /**
   * Write a value that is referenced several times in full at every place
   * (only cycles use `$ref`). Default `false`: the first place defines it
   * with `$shared`, the others refer to it with `$ref`. An expanded graph can be
   * exponentially larger than the pickle: `maxNodes` and `maxBytes` bound it.
   */
  expandShared?: boolean;
  /** Protocol given to the `PY_REDUCE` method of Python value classes. Default 5. */
  protocol?: number;
}

const DEFAULT_MAX_NODES = 10_000_000;
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** Tags that {@link fromJSON} reads; a one-key object with any other `$name` key is a plain dict. */
const TAGS = new Set([
  '$ref',
  '$shared',
  '$float',
  '$int',
  '$bytes',
  '$bytearray',
  '$tuple',
  '$dict',
  '$set',
  '$frozenset',
  '$global',
  '$object',
  '$complex',
  '$slice',
  '$range',
  '$buffer',
]);

// ---------------------------------------------------------------------------
// base64 (no Buffer, no atob: the core runs in browsers and must accept any byte)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | ((i + 1 < n ? bytes[i + 1]! : 0) << 8);
    const third = i + 1 < n ? B64[(v >> 6) & 63]! : '=';
    chunk += `${B64[v >> 18]!}${B64[(v >> 12) & 63]!}${third}=`;
  }
  parts.push(chunk);
  return parts.join('');
}

function decodeBase64(text: string, where: string): Uint8Array {
  const clean = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  if (clean.length % 4 === 1) throw jsonError(`${where}: invalid base64 length`);
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) throw jsonError(`${where}: invalid base64 character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function jsonError(message: string): PickleError {
  return new PickleError(message);
}

// ---------------------------------------------------------------------------
// toJSONValue

/** A float as JSON: a number when JSON can hold it and it reads back as a float, else its Python repr. */
function floatPart(x: number): number | string {
  return Number.isFinite(x) && !Object.is(x, -0) ? x : formatFloatRepr(x);
}

function floatNode(x: number): JSONValue {
  return Number.isFinite(x) && !Number.isInteger(x) ? x : { $float: formatFloatRepr(x) };
}

/** An int as dumps writes it: a JSON number when safe, else `{"$int": digits}`; a float number gives its float node. */
function intNode(x: number | bigint): JSONValue {
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || Object.is(x, -0)) return floatNode(x);
    return Number.isSafeInteger(x) ? x : { $int: BigInt(x).toString() };
  }
  return x >= -0x1fffffffffffffn && x <= 0x1fffffffffffffn ? Number(x) : { $int: x.toString() };
}

/** The keys with every key that starts with `$` given one more `$` (the same array when none does). */
function escapeKeys(keys: string[]): string[] {
  for (let i = 0; i < keys.length; i++) {
    if (keys[i]!.charCodeAt(0) === 0x24) return keys.map((k) => (k.charCodeAt(0) === 0x24 ? `$${k}` : k));
  }
  return keys;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A Map whose keys are all strings that a JSON object keeps in order (no array-index key). */
function isStringKeyedMap(map: Map<unknown, unknown>): boolean {
  for (const key of map.keys()) {
    if (typeof key !== 'string' || isArrayIndexKey(key)) return false;
  }
  return true;
}

/** Objects that are written in place every time (small immutable values) rather than shared. */
function isLeafObject(value: object, reductions: Map<object, Reduction>, protocol: number): boolean {
  if (value instanceof PyGlobal || value instanceof PyFloat) return true;
  if (Array.isArray(value)) return value.length === 0 && Object.isFrozen(value);
  if (!isPyValue(value)) return false;
  const tag = builtinTag(reductionOf(value, reductions, protocol));
  return tag === '$complex' || tag === '$range';
}

/**
 * The tag of a value class whose reduction is a built-in value the JSON view
 * has a tag for: `complex(real, imag)`, `range(start, stop, step)`,
 * `slice(start, stop, step)` (see docs/json.md).
 */
function builtinTag(r: Reduction): '$complex' | '$range' | '$slice' | undefined {
  const c = r.callable;
  if (!(c instanceof PyGlobal) || c.module !== 'builtins' || (r.kind ?? 'reduce') !== 'reduce')
    return undefined;
  if (r.state !== undefined || r.listitems !== undefined || r.dictitems !== undefined) return undefined;
  const args = r.args ?? [];
  const isReal = (v: unknown) => typeof v === 'number' || v instanceof PyFloat;
  const isInt = (v: unknown) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
  if (c.name === 'complex' && args.length === 2 && args.every(isReal)) return '$complex';
  if (c.name === 'range' && args.length === 3 && args.every(isInt)) return '$range';
  if (c.name === 'slice' && args.length === 3) return '$slice';
  return undefined;
}

/** The objects a value refers to, for the sharing pass. */
function childrenOf(value: object, reductions: Map<object, Reduction>, protocol: number): unknown[] {
  if (isPyValue(value)) {
    const r = reductionOf(value, reductions, protocol);
    const out: unknown[] = [r.callable, ...(r.args ?? []), r.kwargs, r.state];
    if (r.listitems !== undefined) out.push(...r.listitems);
    if (r.dictitems !== undefined) for (const [k, v] of r.dictitems) out.push(k, v);
    return out;
  }
  if (Array.isArray(value)) return value;
  if (value instanceof Uint8Array || value instanceof PickleBuffer) return [];
  if (value instanceof Map) {
    const out: unknown[] = [];
    for (const [k, v] of value) out.push(k, v);
    return out;
  }
  if (value instanceof Set) return [...value];
  if (value instanceof PyObject) {
    const out: unknown[] = [value.callable, value.args, value.kwargs, value.state];
    if (value.listitems !== null) out.push(...value.listitems);
    if (value.dictitems !== null) for (const [k, v] of value.dictitems) out.push(k, v);
    if (value.setitems !== null) out.push(...value.setitems);
    return out;
  }
  if (isPlainObject(value)) return Object.values(value);
  return [];
}

function reductionOf(value: object, reductions: Map<object, Reduction>, protocol: number): Reduction {
  let r = reductions.get(value);
  if (r === undefined) {
    r = (value as { [PY_REDUCE](p: number): Reduction })[PY_REDUCE](protocol);
    reductions.set(value, r);
  }
  return r;
}

/** Finds the objects that need an id: referenced twice (or, expanding, reached again on their own path). */
function findShared(root: unknown, expand: boolean, reductions: Map<object, Reduction>, protocol: number) {
  const shared = new Set<object>();
  const state = new Map<object, number>(); // 1: on the path (expand mode) or seen; 2: done
  if (typeof root !== 'object' || root === null) return shared;
  const stack: unknown[] = [root];
  const EXIT = stack; // a marker: the next entry is an object whose children are done
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === EXIT) {
      state.set(stack.pop() as object, 2);
      continue;
    }
    if (typeof item !== 'object' || item === null || isLeafObject(item, reductions, protocol)) continue;
    const s = state.get(item);
    if (s !== undefined) {
      if (!expand || s === 1) shared.add(item);
      continue;
    }
    state.set(item, 1);
    if (expand) stack.push(item, EXIT);
    const children = childrenOf(item, reductions, protocol);
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i];
      if (typeof c === 'object' && c !== null) stack.push(c);
    }
  }
  return shared;
}

/** How a frame stores its children: pushed on an array, ... */
const Mode = {
  /** out is an array; each child is pushed. */
  Array: 0,
  /** out is an object; keys[i] names child i. */
  Object: 1,
  /** out is an array of [k, v] pairs; children are k0, v0, k1, v1 ... */
  Pairs: 2,
  /** out is an object; the frame's fields say which child goes where. */
  Fields: 3,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

interface Frame {
  children: readonly unknown[];
  i: number;
  mode: Mode;
  out: JSONValue[] | Record<string, JSONValue>;
  keys?: readonly string[];
  /** Fields mode: `[field, count, how]` segments over the children ('one', 'list', 'pairs'). */
  fields?: readonly (readonly [string, number, 'one' | 'list' | 'pairs'])[];
}

/**
 * Builds the JSON view of a value as a JavaScript tree (see docs/json.md).
 * Iterative: nesting depth does not use the call stack.
 *
 * @param value any value `loads` returns (or that `dumps` accepts).
 * @param options limits and how shared values are written; see {@link ToJSONOptions}.
 * @returns a tree of `null`, booleans, numbers, strings, arrays and plain objects.
 * @throws {@link PickleError} when the view would exceed `maxNodes` or `maxBytes`
 *   (the message names the option to raise), or for a value with no JSON form (a function, a symbol).
 *
 * @example A tuple and a set
 * ```ts
 * import { toJSONValue, tuple } from 'brine';
 * toJSONValue({ pair: tuple(1, 2), tags: new Set(['a']) });
 * // { pair: { $tuple: [1, 2] }, tags: { $set: ['a'] } }
 * ```
 */
export function toJSONValue(value: unknown, options: ToJSONOptions = {}): JSONValue {
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const protocol = options.protocol ?? 5;
  const expand = options.expandShared === true;
  const reductions = new Map<object, Reduction>();
  const shared = findShared(value, expand, reductions, protocol);
  const ids = new Map<object, number>();
  let nodes = 0;
  let bytes = 0;
  const stack: Frame[] = [];

  const count = (extra: number): void => {
    nodes++;
    bytes += extra;
    if (nodes > maxNodes) {
      throw jsonError(
        `The JSON view exceeds maxNodes (${maxNodes} nodes): raise the maxNodes option to allow a larger output`,
      );
    }
    if (bytes > maxBytes) throw maxBytesError(maxBytes);
  };

  const push = (frame: Frame): void => {
    if (frame.children.length > 0) stack.push(frame);
  };

  /** The node of one value; containers are returned empty and filled by the frame pushed for them. */
  const node = (v: unknown): JSONValue => {
    switch (typeof v) {
      case 'string':
        count(v.length + 2);
        return v;
      case 'number':
        count(8);
        return intNode(v);
      case 'boolean':
        count(5);
        return v;
      case 'bigint':
        count(8);
        return intNode(v);
      case 'undefined':
        count(4);
        return null;
      case 'object':
        break;
      default:
        throw jsonError(`A ${typeof v} has no JSON form`);
    }
    if (v === null) {
      count(4);
      return null;
    }
    count(2);
    const obj = v as object;
    if (shared.has(obj)) {
      const id = ids.get(obj);
      if (id !== undefined) return { $ref: id };
      const next = ids.size + 1;
      ids.set(obj, next);
      return { $shared: [next, build(obj)] };
    }
    return build(obj);
  };

  const build = (obj: object): JSONValue => {
    // First: a value class may extend Map, Set or Array, and its reduction is what Python needs.
    if (isPyValue(obj)) {
      const r = reductionOf(obj, reductions, protocol);
      const tag = builtinTag(r);
      const args = r.args ?? [];
      if (tag === '$complex') return { $complex: [floatPart(Number(args[0])), floatPart(Number(args[1]))] };
      if (tag === '$range') return { $range: args.map((v) => intNode(v as number | bigint)) };
      if (tag === '$slice') {
        const out: JSONValue[] = [];
        push({ children: args, i: 0, mode: Mode.Array, out });
        return { $slice: out };
      }
      const fields = objectFields(r.kind ?? 'reduce', r.callable, r.args ?? [], {
        kwargs: r.kwargs ?? null,
        state: r.state,
        listitems: r.listitems ?? null,
        dictitems: r.dictitems ?? null,
        setitems: null,
      });
      if (typeof (obj as { [PY_REPR]?: unknown })[PY_REPR] === 'function') {
        // The repr counts against maxBytes, and is never made longer than what is left of it, nor
        // than repr's own budget: a value class over shared references can print exponentially long.
        const room = Math.max(0, maxBytes - bytes - 9);
        let text: string;
        try {
          text = reprText(obj, 'toJSON', Math.min(room, DEFAULT_MAX_REPR_LENGTH));
        } catch (error) {
          if (!(error instanceof ReprLimitError)) throw error;
          if (room <= DEFAULT_MAX_REPR_LENGTH) throw maxBytesError(maxBytes);
          throw jsonError(
            `The repr field of a ${className(obj)} is longer than ${DEFAULT_MAX_REPR_LENGTH} characters (repr's maxLength)`,
          );
        }
        bytes += text.length + 9; // "repr":"...", before escapes
        defineKey(fields, 'repr', text);
      }
      const readable = readableValue(obj);
      if (readable !== undefined) {
        bytes += jsonLength(readable) + 9;
        if (bytes > maxBytes) throw maxBytesError(maxBytes);
        defineKey(fields, 'value', readable);
      }
      return { $object: fields };
    }
    if (Array.isArray(obj)) {
      const out: JSONValue[] = [];
      push({ children: obj, i: 0, mode: Mode.Array, out });
      return Object.isFrozen(obj) ? { $tuple: out } : out;
    }
    if (obj instanceof Uint8Array) {
      const text = encodeBase64(obj);
      bytes += text.length;
      if (bytes > maxBytes) throw maxBytesError(maxBytes);
      return obj instanceof PyByteArray ? { $bytearray: text } : { $bytes: text };
    }
    if (obj instanceof Map) {
      if (isStringKeyedMap(obj)) {
        const out: Record<string, JSONValue> = {};
        const keys = [...obj.keys()] as string[];
        push({ children: [...obj.values()], i: 0, mode: Mode.Object, out, keys: escapeKeys(keys) });
        return out;
      }
      const out: JSONValue[] = [];
      const children: unknown[] = [];
      for (const [k, v2] of obj) children.push(k, v2);
      push({ children, i: 0, mode: Mode.Pairs, out });
      return { $dict: out };
    }
    if (obj instanceof Set) {
      const out: JSONValue[] = [];
      push({ children: [...obj], i: 0, mode: Mode.Array, out });
      return obj instanceof FrozenSet ? { $frozenset: out } : { $set: out };
    }
    if (obj instanceof PyGlobal) return { $global: [obj.module, obj.name] };
    if (obj instanceof PyFloat) return { $float: formatFloatRepr(obj.value) };
    if (obj instanceof PickleBuffer) {
      const text = encodeBase64(obj.data);
      bytes += text.length;
      if (bytes > maxBytes) throw maxBytesError(maxBytes);
      return { $buffer: { data: text, readonly: obj.readonly } };
    }
    if (obj instanceof PyObject) {
      return { $object: objectFields(obj.kind, obj.callable, obj.args, obj) };
    }
    if (isPlainObject(obj)) {
      const out: Record<string, JSONValue> = {};
      const keys = Object.keys(obj);
      push({ children: Object.values(obj), i: 0, mode: Mode.Object, out, keys: escapeKeys(keys) });
      return out;
    }
    if (obj instanceof ArrayBuffer) return { $bytes: encodeBase64(new Uint8Array(obj)) };
    const name = (obj as { constructor?: { name?: unknown } }).constructor?.name;
    throw jsonError(
      `A ${typeof name === 'string' && name !== '' ? name : 'object'} instance has no JSON form: the JSON view covers the values loads returns`,
    );
  };

  /** Pushes the frame that fills a `$object` node and returns its fields object. */
  const objectFields = (
    kind: PyObjectKind,
    callable: unknown,
    args: readonly unknown[],
    rest: {
      kwargs: unknown;
      state: unknown;
      listitems: readonly unknown[] | null;
      dictitems: readonly (readonly [unknown, unknown])[] | null;
      setitems: readonly unknown[] | null;
    },
  ): Record<string, JSONValue> => {
    const out: Record<string, JSONValue> = { kind };
    const children: unknown[] = [callable];
    const fields: [string, number, 'one' | 'list' | 'pairs'][] = [['callable', 1, 'one']];
    // The args tuple is written as a bare array unless it is itself shared.
    if (shared.has(args)) {
      children.push(args);
      fields.push(['args', 1, 'one']);
    } else {
      children.push(...args);
      fields.push(['args', args.length, 'list']);
    }
    if (rest.kwargs !== null && rest.kwargs !== undefined) {
      children.push(rest.kwargs);
      fields.push(['kwargs', 1, 'one']);
    }
    if (rest.state !== undefined) {
      children.push(rest.state);
      fields.push(['state', 1, 'one']);
    }
    if (rest.listitems !== null) {
      children.push(...rest.listitems);
      fields.push(['listitems', rest.listitems.length, 'list']);
    }
    if (rest.dictitems !== null) {
      for (const [k, v] of rest.dictitems) children.push(k, v);
      fields.push(['dictitems', rest.dictitems.length * 2, 'pairs']);
    }
    if (rest.setitems !== null) {
      children.push(...rest.setitems);
      fields.push(['setitems', rest.setitems.length, 'list']);
    }
    // Every field now, in this order (filled as the children are written), so that repr and value come last.
    for (const [field, , how] of fields) defineKey(out, field, how === 'one' ? null : []);
    stack.push({ children, i: 0, mode: Mode.Fields, out, fields });
    return out;
  };

  const root = node(value);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { i } = frame;
    if (i >= frame.children.length) {
      stack.pop();
      continue;
    }
    frame.i = i + 1;
    const child = node(frame.children[i]);
    switch (frame.mode) {
      case Mode.Array:
        (frame.out as JSONValue[]).push(child);
        break;
      case Mode.Object:
        defineKey(frame.out as Record<string, JSONValue>, frame.keys![i]!, child);
        bytes += frame.keys![i]!.length + 4;
        break;
      case Mode.Pairs: {
        const out = frame.out as JSONValue[];
        if ((i & 1) === 0) out.push([child]);
        else (out[out.length - 1] as JSONValue[]).push(child);
        break;
      }
      default:
        putField(frame, i, child);
    }
  }
  return root;
}

function putField(frame: Frame, index: number, child: JSONValue): void {
  const out = frame.out as Record<string, JSONValue>;
  let start = 0;
  for (const [field, n, how] of frame.fields!) {
    if (index < start + n) {
      if (how === 'one') defineKey(out, field, child);
      else if (how === 'list') (out[field] as JSONValue[]).push(child);
      else {
        const pairs = out[field] as JSONValue[];
        if (((index - start) & 1) === 0) pairs.push([child]);
        else (pairs[pairs.length - 1] as JSONValue[]).push(child);
      }
      return;
    }
    start += n;
  }
}

function maxBytesError(maxBytes: number): PickleError {
  return jsonError(
    `The JSON view exceeds maxBytes (${maxBytes} characters): raise the maxBytes option to allow a larger output`,
  );
}

/** The length of a readable value's JSON text (without escapes). */
function jsonLength(value: JSONValue): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return String(value).length;
  return JSON.stringify(value).length;
}

/** The value of a Python value class's `toJSON()`, when it has one and it gives plain JSON. */
function readableValue(obj: object): JSONValue | undefined {
  const method = (obj as { toJSON?: unknown }).toJSON;
  if (typeof method !== 'function') return undefined;
  const result: unknown = method.call(obj);
  if (result === null || ['string', 'boolean'].includes(typeof result)) return result as JSONValue;
  if (typeof result === 'number') return Number.isFinite(result) ? result : String(result);
  if (typeof result === 'bigint') return result.toString();
  try {
    const text = JSON.stringify(result);
    return text === undefined ? undefined : (JSON.parse(text) as JSONValue);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// toJSON: an iterative JSON.stringify of the tree

/**
 * Writes the JSON view of a value as JSON text (see docs/json.md): Python's
 * tuples, sets, bytes, big ints, special floats, dicts with non-string keys,
 * globals and objects are tagged objects; shared references and cycles are
 * `$shared` / `$ref`; dict keys starting with `$` are escaped by one more `$`.
 *
 * @param value any value `loads` returns.
 * @param options limits, indentation and sharing; see {@link ToJSONOptions}.
 * @returns JSON text that {@link fromJSON} reads back.
 * @throws {@link PickleError} when the output would exceed `maxNodes` or
 *   `maxBytes` (the message names the option to raise), or for a value with no JSON form.
 *
 * @example Export a loaded pickle
 * ```ts
 * import { loads } from 'brine';
 * import { toJSON } from 'brine';
 * toJSON(loads(data), { indent: 2 });
 * ```
 */
export function toJSON(value: unknown, options: ToJSONOptions = {}): string {
  return stringifyJSON(toJSONValue(value, options), options);
}

interface WriteFrame {
  items: readonly JSONValue[] | null;
  keys: readonly string[] | null;
  obj: Record<string, JSONValue> | null;
  i: number;
  indent: string;
}

/**
 * `JSON.stringify(tree, null, indent)` without recursion, with a length limit.
 *
 * @param tree a JSON tree (as {@link toJSONValue} returns).
 * @param options `indent` and `maxBytes` of {@link ToJSONOptions}.
 * @returns the JSON text.
 * @throws {@link PickleError} when the text would be longer than `maxBytes`.
 *
 * @example
 * ```ts
 * stringifyJSON([1, { a: 'b' }], { indent: 2 });
 * ```
 */
export function stringifyJSON(
  tree: JSONValue,
  options: Pick<ToJSONOptions, 'indent' | 'maxBytes'> = {},
): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const step =
    typeof options.indent === 'number'
      ? ' '.repeat(Math.max(0, Math.min(10, Math.floor(options.indent))))
      : (options.indent ?? '').slice(0, 10);
  const pretty = step !== '';
  const colon = pretty ? ': ' : ':';
  const parts: string[] = [];
  let length = 0;
  const write = (s: string): void => {
    parts.push(s);
    length += s.length;
    if (length > maxBytes) throw maxBytesError(maxBytes);
  };
  const stack: WriteFrame[] = [];
  /** Writes a scalar, or opens a container and returns its frame. */
  const open = (v: JSONValue, indent: string): void => {
    if (v === null) write('null');
    else if (typeof v === 'string') write(JSON.stringify(v));
    else if (typeof v === 'number') write(Number.isFinite(v) ? String(v) : 'null');
    else if (typeof v === 'boolean') write(v ? 'true' : 'false');
    else if (Array.isArray(v)) {
      if (v.length === 0) write('[]');
      else {
        write('[');
        stack.push({ items: v, keys: null, obj: null, i: 0, indent });
      }
    } else {
      const keys = Object.keys(v);
      if (keys.length === 0) write('{}');
      else {
        write('{');
        stack.push({ items: null, keys, obj: v, i: 0, indent });
      }
    }
  };
  open(tree, '');
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const n = f.items !== null ? f.items.length : f.keys!.length;
    if (f.i >= n) {
      stack.pop();
      write(pretty ? `\n${f.indent}${f.items !== null ? ']' : '}'}` : f.items !== null ? ']' : '}');
      continue;
    }
    const inner = f.indent + step;
    const sep = f.i > 0 ? ',' : '';
    write(pretty ? `${sep}\n${inner}` : sep);
    const i = f.i++;
    if (f.items !== null) open(f.items[i]!, inner);
    else {
      const key = f.keys![i]!;
      write(JSON.stringify(key) + colon);
      open(f.obj![key]!, inner);
    }
  }
  return parts.join('');
}

// ---------------------------------------------------------------------------
// fromJSON

interface ReadFrame {
  /** JSON nodes to decode, in document order. */
  nodes: readonly JSONValue[];
  i: number;
  values: unknown[];
  finish: (values: unknown[]) => void;
}

/**
 * Reads JSON text written by {@link toJSON} (or any JSON) back into the values
 * `dumps` writes: tags become tuples, sets, bytes, `Map` dicts, `PyGlobal`,
 * `PyObject` ...; `$ref` gives the very object its `$shared` defined, so
 * shared references and cycles come back. Plain JSON converts as Python's
 * `json.loads` reads it: objects are dicts, arrays lists, a number without
 * fraction or exponent an int (a `bigint` beyond 2^53, never rounded), any
 * other number a float (`2.0` a `PyFloat`, so that it dumps as a float),
 * `NaN` and `Infinity` floats. Python value classes (exported with a
 * reduction) come back as `PyObject`s that dump the same reduction.
 * Iterative: any nesting depth.
 *
 * @param text JSON text.
 * @returns the value.
 * @throws {@link PickleError} for text that is not JSON (the message says
 *   what was expected and where, in Python's words), an int of more than
 *   4300 digits, or a malformed tag (the message says where: a path such as
 *   `root[3].a`).
 *
 * @example
 * ```ts
 * import { dumps } from 'brine';
 * import { fromJSON } from 'brine';
 * dumps(fromJSON('{"point": {"$tuple": [1, 2]}}')); // Python loads {'point': (1, 2)}
 * ```
 */
export function fromJSON(text: string): unknown {
  return fromJSONValue(parseJSONText(text) as JSONValue);
}

/**
 * {@link fromJSON} for a tree already parsed (`JSON.parse`'s result).
 *
 * @param tree a JSON tree.
 * @returns the value.
 * @throws {@link PickleError} for a malformed tag.
 *
 * @example
 * ```ts
 * fromJSONValue({ $set: [1, 2] }); // Set {1, 2}
 * ```
 */
export function fromJSONValue(tree: JSONValue): unknown {
  const defined = new Map<number, unknown>();
  const stack: ReadFrame[] = [];
  const fail = (message: string): never => {
    const path = stack.map((s) => `[${s.i - 1}]`).join('');
    throw jsonError(`Cannot read the JSON view at root${path}: ${message}`);
  };
  const frame = (nodes: readonly JSONValue[], finish: (values: unknown[]) => void): void => {
    if (nodes.length === 0) finish([]);
    else stack.push({ nodes, i: 0, values: [], finish });
  };
  const arrayOf = (v: JSONValue | undefined, what: string): JSONValue[] =>
    Array.isArray(v) ? v : fail(`${what} must be an array`);
  const floatOf = (v: JSONValue | undefined): number => {
    if (typeof v === 'number') return v;
    if ((v as unknown) instanceof PyFloat) return (v as unknown as PyFloat).value; // a lossless parse's 2.0
    if (typeof v !== 'string') return fail('a float must be a number or a string');
    const s = v.trim().toLowerCase();
    if (s === 'nan' || s === '+nan' || s === '-nan') return Number.NaN;
    if (s === 'inf' || s === '+inf' || s === 'infinity' || s === '+infinity') return Number.POSITIVE_INFINITY;
    if (s === '-inf' || s === '-infinity') return Number.NEGATIVE_INFINITY;
    const x = s === '' ? Number.NaN : Number(s);
    return Number.isNaN(x) ? fail(`not a float: ${JSON.stringify(v)}`) : x;
  };
  const intOf = (v: JSONValue | undefined): number | bigint => {
    if (typeof v === 'bigint') return v; // a lossless parse's big int
    if (typeof v === 'number') {
      return Number.isInteger(v) ? v : fail(`not an int: ${v}`);
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.$int === 'string') {
      return intOf(v.$int);
    }
    if (typeof v !== 'string' || !/^[+-]?[0-9]+$/.test(v.trim()))
      return fail('an int must be an integer or a string of digits');
    const b = BigInt(v.trim());
    return b >= -0x1fffffffffffffn && b <= 0x1fffffffffffffn ? Number(b) : b;
  };

  /** Decodes one node; a container is returned at once (empty) and filled by the frame pushed for it. */
  const decode = (node: JSONValue, id?: number): unknown => {
    // A PyFloat leaf comes from a lossless parse (the command's), as a bigint does.
    if (node === null || typeof node !== 'object' || (node as unknown) instanceof PyFloat) return node;
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      if (id !== undefined) defined.set(id, out);
      frame(node, (values) => {
        for (const v of values) out.push(v);
      });
      return out;
    }
    const keys = Object.keys(node);
    const tag = keys.length === 1 && TAGS.has(keys[0]!) ? keys[0]! : undefined;
    if (tag === undefined) {
      const out: Record<string, unknown> = {};
      if (id !== undefined) defined.set(id, out);
      const names = keys.map((k) => (k.startsWith('$$') ? k.slice(1) : k));
      frame(
        keys.map((k) => node[k]!),
        (values) => {
          for (let i = 0; i < names.length; i++) {
            Object.defineProperty(out, names[i]!, {
              value: values[i],
              writable: true,
              enumerable: true,
              configurable: true,
            });
          }
        },
      );
      return out;
    }
    const arg = node[tag]!;
    const result = decodeTag(tag, arg, id);
    return result;
  };

  const decodeTag = (tag: string, arg: JSONValue, id: number | undefined): unknown => {
    const define = <T>(value: T): T => {
      if (id !== undefined) defined.set(id, value);
      return value;
    };
    switch (tag) {
      case '$ref': {
        if (typeof arg !== 'number' || !defined.has(arg))
          return fail(`$ref ${JSON.stringify(arg)} names no earlier $shared value`);
        return defined.get(arg);
      }
      case '$shared': {
        const [n, inner, ...extra] = arrayOf(arg, '$shared');
        if (typeof n !== 'number' || !Number.isInteger(n) || inner === undefined || extra.length > 0)
          return fail('$shared must be [id, value]');
        if (defined.has(n)) return fail(`$shared id ${n} is defined twice`);
        if (id !== undefined) return fail('$shared directly inside $shared');
        const value = decode(inner, n);
        if (!defined.has(n)) defined.set(n, value);
        return value;
      }
      case '$float': {
        const x = floatOf(arg);
        return define(Number.isInteger(x) && !Object.is(x, -0) ? new PyFloat(x) : x);
      }
      case '$int':
        return define(intOf(arg));
      case '$bytes':
        if (typeof arg !== 'string') return fail('$bytes must be a base64 string');
        return define(decodeBase64(arg, '$bytes'));
      case '$bytearray': {
        if (typeof arg !== 'string') return fail('$bytearray must be a base64 string');
        return define(PyByteArray.from(decodeBase64(arg, '$bytearray')));
      }
      case '$tuple': {
        const items = arrayOf(arg, '$tuple');
        const out: unknown[] = define([]);
        frame(items, (values) => {
          for (const v of values) out.push(v);
          Object.freeze(out);
        });
        if (items.length === 0) Object.freeze(out);
        return out;
      }
      case '$dict': {
        const pairs = arrayOf(arg, '$dict');
        const flat: JSONValue[] = [];
        for (const p of pairs) {
          if (!Array.isArray(p) || p.length !== 2)
            return fail('$dict must be an array of [key, value] pairs');
          flat.push(p[0]!, p[1]!);
        }
        const out = define(new Map<unknown, unknown>());
        frame(flat, (values) => {
          for (let i = 0; i < values.length; i += 2) out.set(values[i], values[i + 1]);
        });
        return out;
      }
      case '$set': {
        const out = define(new Set<unknown>());
        frame(arrayOf(arg, '$set'), (values) => {
          for (const v of values) out.add(v);
        });
        return out;
      }
      case '$frozenset': {
        // Built unfrozen so that a cycle through it can refer to it, frozen when complete.
        const out = define(Reflect.construct(Set, [], FrozenSet) as FrozenSet<unknown>);
        const add = Set.prototype.add;
        const items = arrayOf(arg, '$frozenset');
        frame(items, (values) => {
          for (const v of values) add.call(out, v);
          Object.freeze(out);
        });
        if (items.length === 0) Object.freeze(out);
        return out;
      }
      case '$global': {
        const parts = arrayOf(arg, '$global');
        if (parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string')
          return fail('$global must be [module, name]');
        return define(new PyGlobal(parts[0], parts[1]));
      }
      case '$complex': {
        const parts = arrayOf(arg, '$complex');
        if (parts.length !== 2) return fail('$complex must be [real, imag]');
        return define(new PyComplex(floatOf(parts[0]), floatOf(parts[1])));
      }
      case '$range': {
        const parts = arrayOf(arg, '$range');
        if (parts.length !== 3) return fail('$range must be [start, stop, step]');
        return define(new PyRange(intOf(parts[0]), intOf(parts[1]), intOf(parts[2])));
      }
      case '$slice': {
        const parts = arrayOf(arg, '$slice');
        if (parts.length !== 3) return fail('$slice must be [start, stop, step]');
        const out = define(new PySlice(null, null, null));
        frame(parts, (values) => {
          Object.assign(out as { start: unknown }, { start: values[0], stop: values[1], step: values[2] });
        });
        return out;
      }
      case '$buffer': {
        if (typeof arg !== 'object' || arg === null || Array.isArray(arg) || typeof arg.data !== 'string')
          return fail('$buffer must be {"data": base64, "readonly": boolean}');
        return define(new PickleBuffer(decodeBase64(arg.data, '$buffer'), arg.readonly === true));
      }
      default:
        return decodeObject(arg, define);
    }
  };

  const decodeObject = (arg: JSONValue, define: <T>(value: T) => T): unknown => {
    if (typeof arg !== 'object' || arg === null || Array.isArray(arg))
      return fail('$object must be an object');
    const kind = arg.kind ?? 'reduce';
    if (kind !== 'reduce' && kind !== 'newobj' && kind !== 'newobj_ex' && kind !== 'inst' && kind !== 'obj')
      return fail(`$object kind ${JSON.stringify(kind)} is not reduce, newobj, newobj_ex, inst or obj`);
    if (!('callable' in arg)) return fail('$object needs a callable');
    const out = define(new PyObject(kind, null, Object.freeze([])));
    const nodes: JSONValue[] = [arg.callable!];
    const segments: [string, number][] = [['callable', 1]];
    const argsNode = arg.args ?? [];
    if (Array.isArray(argsNode)) {
      nodes.push(...argsNode);
      segments.push(['args', argsNode.length]);
    } else {
      nodes.push(argsNode);
      segments.push(['argsValue', 1]);
    }
    for (const field of ['kwargs', 'state'] as const) {
      if (field in arg) {
        nodes.push(arg[field]!);
        segments.push([field, 1]);
      }
    }
    for (const field of ['listitems', 'setitems'] as const) {
      if (field in arg && arg[field] !== null) {
        const items = arrayOf(arg[field], `$object ${field}`);
        nodes.push(...items);
        segments.push([field, items.length]);
      }
    }
    if ('dictitems' in arg && arg.dictitems !== null) {
      const pairs = arrayOf(arg.dictitems, '$object dictitems');
      for (const p of pairs) {
        if (!Array.isArray(p) || p.length !== 2) return fail('$object dictitems must be [key, value] pairs');
        nodes.push(p[0]!, p[1]!);
      }
      segments.push(['dictitems', pairs.length * 2]);
    }
    frame(nodes, (values) => {
      let at = 0;
      for (const [field, n] of segments) {
        const part = values.slice(at, at + n);
        at += n;
        switch (field) {
          case 'callable':
            out.callable = part[0];
            break;
          case 'args':
            out.args = Object.freeze(part);
            break;
          case 'argsValue':
            if (!Array.isArray(part[0])) fail('$object args must be an array or a tuple');
            out.args = part[0] as unknown[];
            break;
          case 'kwargs':
            out.kwargs = part[0];
            break;
          case 'state':
            out.state = part[0];
            break;
          case 'listitems':
            out.listitems = part;
            break;
          case 'setitems':
            out.setitems = part;
            break;
          default: {
            const pairs: [unknown, unknown][] = [];
            for (let i = 0; i < part.length; i += 2) pairs.push([part[i], part[i + 1]]);
            out.dictitems = pairs;
          }
        }
      }
    });
    return out;
  };

  const root = decode(tree);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.nodes.length) {
      stack.pop();
      f.finish(f.values);
      continue;
    }
    const i = f.i++;
    f.values.push(decode(f.nodes[i]!));
  }
  return root;
}
