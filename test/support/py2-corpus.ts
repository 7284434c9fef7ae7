/**
 * The Python 2 corpus of scripts/gen-py2-pickles.py (test/vectors/py2/corpus.json,
 * written again when missing or older than the generator or vectors_lib.py), and
 * the helpers test/python2.test.ts needs around it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FrozenSet, isTuple, PyObject, type PyObjectKind, tuple } from '../../src/index.js';
import { PyComplex, PyRange, PySlice } from '../../src/types/builtins.js';
import { isPyValue as implementsReduce, PY_REDUCE, type PyValue } from '../../src/types/protocol.js';

/** A brine value class the generator describes by its reduction (not complex, slice or range, which it describes as themselves). */
function isPyValue(v: unknown): v is PyValue {
  return implementsReduce(v) && !(v instanceof PyComplex || v instanceof PySlice || v instanceof PyRange);
}

import type { Desc } from './describe.js';
import { PYTHON, ROOT } from './python.js';

export const PY2_SCRIPT = join(ROOT, 'scripts', 'gen-py2-pickles.py');
export const PY2_CORPUS = join(ROOT, 'test', 'vectors', 'py2', 'corpus.json');

/** The encodings every case is loaded with, as python3 names them. */
export const ENCODINGS = ['ASCII', 'latin1', 'bytes', 'utf-8'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** What python3 makes of a case at one encoding (see the generator's docstring). */
export interface Py2Result {
  expect?: Desc;
  repr?: string;
  python3Error?: { error: string; message: string };
  inertInBrine?: Desc;
  error?: string;
  message?: string;
  same?: Encoding;
}

export interface Py2Case {
  name: string;
  /** Where the bytes come from: `Py2Pickler` or the CPython test file and constant. */
  source: string;
  /** How Python 2 produced them. */
  how: string;
  protocol: number;
  pickle: string;
  globals: [string, string][];
  rawGlobals: [string, string][];
  results: Record<Encoding, Py2Result>;
  noFix?: Desc;
  noFixEncoding?: Encoding;
  needs?: [string, string][];
}

/** isTuple without narrowing (a list is an array too). */
function isTupleValue(value: unknown): boolean {
  return isTuple(value);
}

function mtime(path: string): number {
  return statSync(path).mtimeMs;
}

/** The corpus, generated again when it is missing or older than its generator. */
export function loadPy2Corpus(): Py2Case[] {
  const sources = [PY2_SCRIPT, join(ROOT, 'scripts', 'vectors_lib.py')];
  if (!existsSync(PY2_CORPUS) || sources.some((source) => mtime(source) > mtime(PY2_CORPUS))) {
    execFileSync(PYTHON, [PY2_SCRIPT, PY2_CORPUS], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return JSON.parse(readFileSync(PY2_CORPUS, 'utf8')) as Py2Case[];
}

/** The result of `c` at `encoding`, following `same` links. */
export function resultFor(c: Py2Case, encoding: Encoding): Py2Result {
  let result = c.results[encoding];
  while (result.same !== undefined) result = c.results[result.same];
  return result;
}

/** `'module.name'`, as `allowGlobals` takes it. */
export function dotted([module, name]: [string, string]): string {
  return `${module}.${name}`;
}

/** The built-ins scripts/vectors_lib.py models as data (its RECONSTRUCTORS). */
export const MODELLED: readonly [string, string][] = [
  ['builtins', 'set'],
  ['builtins', 'frozenset'],
  ['builtins', 'complex'],
  ['builtins', 'slice'],
  ['builtins', 'range'],
  ['builtins', 'bytearray'],
  ['builtins', 'bytes'],
  ['_codecs', 'encode'],
  ['builtins', 'getattr'],
];

/** The value view of one case at one encoding, or python3's error. */
export interface Py2View {
  view?: Desc;
  inert?: Desc;
  error?: string;
  message?: string;
}

/**
 * For every corpus case and encoding, what python3 builds when the given
 * names are python3's own objects (brine's value classes) and every other
 * name stays inert; each python3 object is described as its
 * `__reduce_ex__(2)` (compare with {@link reducedView} of brine's value).
 */
export function pythonViews(names: [string, string][]): Record<Encoding, Py2View>[] {
  const out = execFileSync(PYTHON, [PY2_SCRIPT, '--views', PY2_CORPUS], {
    cwd: ROOT,
    input: JSON.stringify(names),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out) as Record<Encoding, Py2View>[];
}

/** One request of the generator's `--roundtrip` mode. */
export interface RoundTripRequest {
  name: string;
  encoding: string;
  original: string;
  redump: string;
}

/** Asks python3 whether each re-dump loads to a value equal to its original: null, or why not. */
export function pythonRoundTrip(requests: RoundTripRequest[]): (string | null)[] {
  const out = execFileSync(PYTHON, [PY2_SCRIPT, '--roundtrip'], {
    cwd: ROOT,
    input: JSON.stringify(requests),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out) as (string | null)[];
}

/**
 * A copy of a loaded value in which every brine value class (anything with
 * `PY_REDUCE`: the datetime classes) is replaced by the inert `PyObject` its
 * `PY_REDUCE(2)` describes, as the generator writes python3's datetime values
 * (`__reduce_ex__(2)`). Shared objects stay shared. Recursive: for the small
 * values of the corpus only.
 */
export function reducedView(value: unknown): unknown {
  return containsPyValue(value) ? copyReduced(value, new Map()) : value;
}

/** True when a brine value class is reachable from `value` (iterative). */
function containsPyValue(value: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (isPyValue(v)) return true;
    if (Array.isArray(v) || v instanceof Set) stack.push(...v);
    else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof PyObject) {
      stack.push(v.callable, v.args, v.kwargs, v.state, v.listitems, v.setitems);
      for (const pair of v.dictitems ?? []) stack.push(...pair);
    } else if (Object.getPrototypeOf(v) === Object.prototype) stack.push(...Object.values(v));
  }
  return false;
}

/**
 * A dict of a reduction as `loads` would give it back: a `Map` whose keys are
 * all strings that a JS object keeps in order becomes a plain object (a value
 * class may hold its dict as a `Map` either way; the pickle is the same).
 */
function asLoaded(value: unknown): unknown {
  if (!(value instanceof Map)) return value;
  for (const key of value.keys()) {
    if (typeof key !== 'string' || (/^(0|[1-9][0-9]*)$/.test(key) && Number(key) <= 2 ** 32 - 2))
      return value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of value as Map<string, unknown>) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** reducedView's copy. A tuple is copied after its items: a cycle through a tuple with a value class inside is not supported (the corpus has none). */
function copyReduced(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (isPyValue(value)) {
    const r = value[PY_REDUCE](2);
    const kind: PyObjectKind = r.kind ?? 'reduce';
    const args = r.args.map((a) => copyReduced(asLoaded(a), seen));
    const out = new PyObject(kind, r.callable, tuple(...args));
    seen.set(value, out);
    if (r.kwargs !== undefined) out.kwargs = copyReduced(asLoaded(r.kwargs), seen);
    if (r.state !== undefined) out.state = copyReduced(asLoaded(r.state), seen);
    if (r.listitems !== undefined) out.listitems = r.listitems.map((x) => copyReduced(x, seen));
    if (r.dictitems !== undefined) {
      out.dictitems = r.dictitems.map(([k, v]) => [copyReduced(k, seen), copyReduced(v, seen)]);
    }
    return out;
  }
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (isTupleValue(items)) {
      const out = tuple(...items.map((x) => copyReduced(x, seen)));
      seen.set(value, out);
      return out;
    }
    const out: unknown[] = [];
    seen.set(value, out);
    for (const x of items) out.push(copyReduced(x, seen));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value) out.set(copyReduced(k, seen), copyReduced(v, seen));
    return out;
  }
  if (value instanceof FrozenSet) {
    const out = new FrozenSet([...value].map((x) => copyReduced(x, seen)));
    seen.set(value, out);
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const x of value) out.add(copyReduced(x, seen));
    return out;
  }
  if (value instanceof PyObject) {
    const out = new PyObject(value.kind, copyReduced(value.callable, seen), tuple());
    seen.set(value, out);
    out.args = tuple(...value.args.map((x) => copyReduced(x, seen)));
    out.kwargs = copyReduced(value.kwargs, seen);
    out.state = copyReduced(value.state, seen);
    out.listitems = value.listitems?.map((x) => copyReduced(x, seen)) ?? null;
    out.dictitems = value.dictitems?.map(([k, v]) => [copyReduced(k, seen), copyReduced(v, seen)]) ?? null;
    out.setitems = value.setitems?.map((x) => copyReduced(x, seen)) ?? null;
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: copyReduced(v, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value; // bytes, bytearray, PyGlobal, PyComplex ...: no value class inside
}
