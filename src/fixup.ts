/**
 * The fix-up walk of the unpickler. A dict is created as a plain object and
 * becomes a Map when a key arrives that an object cannot hold (see
 * docs/decisions.md); when something already referred to the plain object,
 * the loaded graph is walked once, without recursion, and every reference is
 * replaced. Tuples are frozen, so a tuple holding a stale reference is
 * rebuilt, and whatever holds that tuple is patched in turn.
 *
 * @module
 */
import { UnpicklingError } from './errors.js';
import { PyGlobal } from './types/py-global.js';
import { PyObject } from './types/py-object.js';
import { isTuple, markTuple, type Tuple } from './types/tuple.js';

const setAdd = Set.prototype.add;
const setClear = Set.prototype.clear;

/**
 * True when `resolve` gave back something else than `value`. `Object.is`, not
 * `!==`: a NaN is the same NaN (with `!==` a tuple holding NaN looked changed
 * on every pass, and the walk never ended), and -0 is not 0.
 */
function differs(next: unknown, value: unknown): boolean {
  return !Object.is(next, value);
}

/**
 * Replaces, everywhere reachable from `root` and in the memo (its dense array
 * and its out-of-order ids), each object that `replaced` maps to a new one.
 * Returns the (possibly replaced) root. Costs what the graph and the memo
 * hold, never what a memo id claims.
 */
export function patchReferences(
  root: unknown,
  replaced: Map<object, object>,
  memo: unknown[],
  sparse: Map<number, unknown> | null = null,
): unknown {
  const resolve = (value: unknown): unknown => {
    let current = value;
    for (;;) {
      if (typeof current !== 'object' || current === null) return current;
      const next = replaced.get(current);
      if (next === undefined) return current;
      current = next;
    }
  };
  // Every container reachable from the root, in post-order (children first).
  const nodes: object[] = [];
  const seen = new Set<object>();
  const pending: [object, boolean][] = [];
  const push = (value: unknown): void => {
    const v = resolve(value);
    if (typeof v === 'object' && v !== null && !seen.has(v)) {
      seen.add(v);
      pending.push([v, false]);
    }
  };
  push(root);
  while (pending.length > 0) {
    const top = pending[pending.length - 1]!;
    if (top[1]) {
      pending.pop();
      nodes.push(top[0]);
      continue;
    }
    top[1] = true;
    for (const child of childrenOf(top[0])) push(child);
  }
  // Patch until no tuple has to be rebuilt any more.
  for (let pass = 0; ; pass++) {
    if (pass > nodes.length + 1) throw new UnpicklingError('cannot resolve the references of this pickle');
    let changed = false;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (replaced.has(node)) continue;
      if (isTuple(node)) {
        if (node.some((item) => differs(resolve(item), item))) {
          const rebuilt = markTuple(node.map(resolve));
          replaced.set(node, rebuilt);
          nodes.push(rebuilt);
          changed = true;
        }
      } else {
        patchInPlace(node, resolve);
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < memo.length; i++) if (memo[i] !== undefined) memo[i] = resolve(memo[i]);
  if (sparse !== null) for (const [id, value] of sparse) sparse.set(id, resolve(value));
  return resolve(root);
}

/** The values a loaded container refers to (for the fix-up walk). */
function childrenOf(node: object): unknown[] {
  if (Array.isArray(node)) return node;
  if (node instanceof Map) {
    const out: unknown[] = [];
    for (const [k, v] of node) out.push(k, v);
    return out;
  }
  if (node instanceof Set) return [...node];
  if (node instanceof PyObject) {
    return [node.callable, node.args, node.kwargs, node.state, node.listitems, node.dictitems, node.setitems];
  }
  if (ArrayBuffer.isView(node) || node instanceof PyGlobal) return [];
  return Object.values(node);
}

/** Replaces stale references inside a mutable container. */
function patchInPlace(node: object, resolve: (value: unknown) => unknown): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = resolve(node[i]);
  } else if (node instanceof Map) {
    let stale = false;
    for (const [k, v] of node) {
      if (differs(resolve(k), k)) stale = true;
      else if (differs(resolve(v), v)) node.set(k, resolve(v));
    }
    if (stale) {
      const entries = [...node].map(([k, v]) => [resolve(k), resolve(v)] as const);
      node.clear();
      for (const [k, v] of entries) node.set(k, v);
    }
  } else if (node instanceof Set) {
    const items = [...node];
    if (items.some((item) => differs(resolve(item), item))) {
      setClear.call(node);
      for (const item of items) setAdd.call(node, resolve(item));
    }
  } else if (node instanceof PyObject) {
    node.callable = resolve(node.callable);
    node.args = resolve(node.args) as Tuple;
    node.kwargs = resolve(node.kwargs);
    node.state = resolve(node.state);
  } else if (!ArrayBuffer.isView(node) && !(node instanceof PyGlobal) && !Object.isFrozen(node)) {
    for (const key of Object.keys(node)) {
      const record = node as Record<string, unknown>;
      const value = record[key];
      const next = resolve(value);
      if (differs(next, value)) record[key] = next;
    }
  }
}
