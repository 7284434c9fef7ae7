/**
 * A JSON description of a value returned by `loads`, in the language that
 * scripts/vectors_lib.py (`describe`) writes for the Python value of a pickle.
 * Tests compare the two with {@link compareDescriptions}.
 *
 * The language (each node is an object with a type tag `t`):
 *
 * | node | JS value |
 * |---|---|
 * | `{t:'null'}` | `null` |
 * | `{t:'bool', v}` | a boolean |
 * | `{t:'number', v}` | a number; `v` is `String(x)`, except `'-0'` for -0 |
 * | `{t:'bigint', v}` | a bigint; `v` in decimal |
 * | `{t:'string', v}` | a string (lone surrogates included) |
 * | `{t:'bytes', hex}` | a plain `Uint8Array` (not a subclass, not a `Buffer`) |
 * | `{t:'bytearray', hex}` | a `PyByteArray` |
 * | `{t:'picklebuffer', hex, readonly}` | a `PickleBuffer` |
 * | `{t:'list', items}` | an `Array` that is not a tuple |
 * | `{t:'tuple', items}` | a frozen tuple (`isTuple`) |
 * | `{t:'object', entries: [[key, desc]...]}` | a plain object (prototype `Object.prototype`, only own enumerable data properties), keys in `Reflect.ownKeys` order |
 * | `{t:'map', entries: [[kdesc, vdesc]...]}` | a `Map` |
 * | `{t:'set', items}` / `{t:'frozenset', items}` | a `Set` / a `FrozenSet`, in iteration order |
 * | `{t:'number', v}` | also a `PyFloat` (a NaN key or set item): its value |
 * | `{t:'complex', real, imag}` | a `PyComplex` (parts are number nodes) |
 * | `{t:'slice', start, stop, step}` / `{t:'range', ...}` | a `PySlice` / a `PyRange` |
 * | `{t:'global', module, name}` | a `PyGlobal` |
 * | `{t:'object-inst', kind, callable, args, kwargs, state?, listitems, dictitems, setitems}` | a `PyObject`: `args` is a tuple node; `kwargs` a node or `null`; `state` absent when no BUILD; item lists `null` when none |
 * | `{t:'ref', id}` | the object that carries `id: n` earlier in the walk |
 *
 * Identity: the walk is depth-first, children in order (list, tuple and set
 * items; object values; map keys then values; slice and range start, stop, step;
 * PyObject callable, args, kwargs, state, listitems, dictitems, setitems). An
 * object met a second time is written `{t:'ref', id}`, and its first node gets
 * `id`, numbered by first occurrence among the objects met more than once.
 * Strings, numbers, bigints, booleans, `null`, `PyGlobal`s and empty tuples are
 * never refs (they have no identity in JS, or brine may share them freely).
 *
 * A JS `Set` or `Map` cannot hold -0 (SameValueZero makes it +0): the Python side
 * writes a -0.0 set item or dict key as `'0'`.
 *
 * Anything else is written `{t:'unknown', type}`, and a value that is almost
 * right gets a `bad` field that says what is wrong with it: either way the
 * comparison fails and shows it.
 *
 * Both the describer and the comparison are iterative: any nesting depth works.
 */

import {
  FrozenSet,
  isTuple,
  PickleBuffer,
  PyByteArray,
  PyComplex,
  PyFloat,
  PyGlobal,
  PyObject,
  PyRange,
  PySlice,
} from '../../src/index.js';
import { GetattrGlobal } from '../../src/reconstructors/getattr.js';

/** A node of a description. */
export interface Desc {
  t: string;
  [key: string]: unknown;
}

type Slot = string | number | null;
/** A pending node: describe `value` into `target[slot]`, or push it onto `target` when `slot` is null. */
type Task = [value: unknown, target: Record<string | number, unknown> | unknown[], slot: Slot];

/** JavaScript's `String(x)`, except that -0 is `'-0'` (as vectors_lib.js_number). */
export function numberText(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  if (proto === null) return 'object with null prototype';
  return proto.constructor?.name ?? 'object';
}

/** Values that take part in identity: every object but PyGlobals and empty tuples. */
function tracked(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof PyGlobal || value instanceof PyFloat) return false;
  if (isTuple(value) && value.length === 0) return false;
  return true;
}

/** The description of `value`. */
export function describe(value: unknown): Desc {
  const first = new Map<object, Desc>();
  const order: object[] = [];
  const refs: [Desc, object][] = [];
  const root: unknown[] = [];
  const tasks: Task[] = [[value, root, null]];
  while (tasks.length > 0) {
    const [v, target, slot] = tasks.pop()!;
    let node: Desc;
    let sub: Task[] = [];
    if (tracked(v)) {
      if (first.has(v)) {
        node = { t: 'ref' };
        refs.push([node, v]);
      } else {
        [node, sub] = describeNode(v);
        first.set(v, node);
        order.push(v);
      }
    } else {
      [node, sub] = describeNode(v);
    }
    if (slot === null) (target as unknown[]).push(node);
    else (target as Record<string | number, unknown>)[slot] = node;
    for (let i = sub.length - 1; i >= 0; i--) tasks.push(sub[i]!);
  }
  if (refs.length > 0) {
    const referenced = new Set(refs.map(([, v]) => v));
    const numbers = new Map<object, number>();
    for (const v of order) {
      if (!referenced.has(v)) continue;
      const n = numbers.size;
      numbers.set(v, n);
      first.get(v)!.id = n;
    }
    for (const [node, v] of refs) node.id = numbers.get(v);
  }
  return root[0] as Desc;
}

function itemsNode(t: string, items: Iterable<unknown>): [Desc, Task[]] {
  const out: unknown[] = [];
  const sub: Task[] = [];
  for (const item of items) sub.push([item, out, null]);
  return [{ t, items: out }, sub];
}

function pairsInto(out: unknown[], pairs: Iterable<readonly [unknown, unknown]>, sub: Task[]): void {
  for (const [k, v] of pairs) {
    const pair: unknown[] = [];
    out.push(pair);
    sub.push([k, pair, null], [v, pair, null]);
  }
}

function describeNode(v: unknown): [Desc, Task[]] {
  switch (typeof v) {
    case 'undefined':
      return [{ t: 'undefined' }, []];
    case 'boolean':
      return [{ t: 'bool', v }, []];
    case 'number':
      return [{ t: 'number', v: numberText(v) }, []];
    case 'bigint':
      return [{ t: 'bigint', v: v.toString() }, []];
    case 'string':
      return [{ t: 'string', v }, []];
    case 'object':
      break;
    default:
      return [{ t: 'unknown', type: typeof v }, []];
  }
  if (v === null) return [{ t: 'null' }, []];
  const proto = Object.getPrototypeOf(v);

  if (v instanceof PyGlobal) {
    const node: Desc = { t: 'global', module: v.module, name: v.name };
    // GetattrGlobal: a global read as getattr(owner, name), which dumps back in that form.
    if (proto !== PyGlobal.prototype && !(v instanceof GetattrGlobal)) node.bad = `a ${typeName(v)}`;
    return [node, []];
  }
  if (v instanceof Uint8Array) {
    if (proto === Uint8Array.prototype) return [{ t: 'bytes', hex: hex(v) }, []];
    if (proto === PyByteArray.prototype) return [{ t: 'bytearray', hex: hex(v) }, []];
    return [{ t: 'bytes', hex: hex(v), bad: `a ${typeName(v)}` }, []];
  }
  if (v instanceof PickleBuffer) {
    return [{ t: 'picklebuffer', hex: hex(v.data), readonly: v.readonly }, []];
  }
  if (Array.isArray(v)) {
    if (isTuple(v)) {
      const [node, sub] = itemsNode('tuple', v);
      if (!Object.isFrozen(v)) node.bad = 'tuple not frozen';
      return [node, sub];
    }
    const [node, sub] = itemsNode('list', v);
    if (proto !== Array.prototype) node.bad = `a ${typeName(v)}`;
    return [node, sub];
  }
  if (v instanceof Map) {
    const entries: unknown[] = [];
    const sub: Task[] = [];
    pairsInto(entries, v, sub);
    const node: Desc = { t: 'map', entries };
    if (proto !== Map.prototype) node.bad = `a ${typeName(v)}`;
    return [node, sub];
  }
  if (v instanceof Set) {
    if (v instanceof FrozenSet) {
      const [node, sub] = itemsNode('frozenset', v);
      if (!Object.isFrozen(v)) node.bad = 'frozenset not frozen';
      return [node, sub];
    }
    const [node, sub] = itemsNode('set', v);
    if (proto !== Set.prototype) node.bad = `a ${typeName(v)}`;
    return [node, sub];
  }
  // A float that must stay a float (a NaN dict key or set item, or exact mode): its number.
  if (v instanceof PyFloat) return describeNode(v.value);
  if (v instanceof PyComplex) {
    return [{ t: 'complex', real: describeNode(v.real)[0], imag: describeNode(v.imag)[0] }, []];
  }
  if (v instanceof PySlice || v instanceof PyRange) {
    const node: Desc = { t: v instanceof PySlice ? 'slice' : 'range' };
    return [
      node,
      [
        [v.start, node, 'start'],
        [v.stop, node, 'stop'],
        [v.step, node, 'step'],
      ],
    ];
  }
  if (v instanceof PyObject) {
    const node: Desc = {
      t: 'object-inst',
      kind: v.kind,
      kwargs: null,
      listitems: null,
      dictitems: null,
      setitems: null,
    };
    const sub: Task[] = [
      [v.callable, node, 'callable'],
      [v.args, node, 'args'],
    ];
    if (v.kwargs !== null) sub.push([v.kwargs, node, 'kwargs']);
    if (v.state !== undefined) sub.push([v.state, node, 'state']);
    if (v.listitems !== null) {
      const items: unknown[] = [];
      node.listitems = items;
      for (const item of v.listitems) sub.push([item, items, null]);
    }
    if (v.dictitems !== null) {
      const pairs: unknown[] = [];
      node.dictitems = pairs;
      pairsInto(pairs, v.dictitems, sub);
    }
    if (v.setitems !== null) {
      const items: unknown[] = [];
      node.setitems = items;
      for (const item of v.setitems) sub.push([item, items, null]);
    }
    return [node, sub];
  }
  if (proto === Object.prototype || proto === null) {
    const entries: unknown[] = [];
    const sub: Task[] = [];
    const node: Desc = { t: 'object', entries };
    const problems: string[] = [];
    if (proto === null) problems.push('null prototype');
    for (const key of Reflect.ownKeys(v)) {
      const property = Object.getOwnPropertyDescriptor(v, key)!;
      if (typeof key === 'symbol') {
        problems.push(`symbol key ${String(key)}`);
        continue;
      }
      if (!('value' in property)) problems.push(`accessor property ${key}`);
      else if (!property.enumerable) problems.push(`non-enumerable property ${key}`);
      const pair: unknown[] = [key];
      entries.push(pair);
      sub.push([property.value, pair, null]);
    }
    if (problems.length > 0) node.bad = problems.join(', ');
    return [node, sub];
  }
  return [{ t: 'unknown', type: typeName(v) }, []];
}

/**
 * The first difference between two descriptions, as a message with its path
 * (`$.items[3].entries[0][1]`) and both sides; `undefined` when they are equal.
 */
export function compareDescriptions(actual: unknown, expected: unknown): string | undefined {
  const stack: [unknown, unknown, string][] = [[actual, expected, '$']];
  while (stack.length > 0) {
    const [a, e, path] = stack.pop()!;
    if (a === e) continue;
    const differ = () =>
      `descriptions differ at ${path}\n  actual:   ${preview(a)}\n  expected: ${preview(e)}`;
    if (typeof a !== 'object' || typeof e !== 'object' || a === null || e === null) return differ();
    if (Array.isArray(a) !== Array.isArray(e)) return differ();
    if (Array.isArray(a)) {
      const ea = e as unknown[];
      if (a.length !== ea.length) {
        return `${differ()}\n  (length ${a.length}, expected ${ea.length})`;
      }
      for (let i = a.length - 1; i >= 0; i--) stack.push([a[i], ea[i], `${path}[${i}]`]);
      continue;
    }
    const ao = a as Record<string, unknown>;
    const eo = e as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(eo)]);
    // The type tag first, so that a wrong type is reported as such, not as a missing field.
    if (ao.t !== eo.t) return `${differ()}\n  (type ${String(ao.t)}, expected ${String(eo.t)})`;
    for (const key of [...keys].reverse()) {
      if (!(key in ao) || !(key in eo)) {
        return `${differ()}\n  (field ${key} ${key in ao ? 'unexpected' : 'missing'})`;
      }
      stack.push([ao[key], eo[key], `${path}.${key}`]);
    }
  }
  return undefined;
}

/** A short, depth-limited rendering of a description for messages. */
export function preview(value: unknown, maxLength = 400): string {
  const text = render(value, 6);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value !== 'object' || value === null) return String(value);
  if (depth === 0) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) {
    const items = value.slice(0, 8).map((item) => render(item, depth - 1));
    if (value.length > 8) items.push(`… ${value.length - 8} more`);
    return `[${items.join(',')}]`;
  }
  const fields = Object.entries(value).map(([k, v]) => `${k}:${render(v, depth - 1)}`);
  return `{${fields.join(',')}}`;
}
