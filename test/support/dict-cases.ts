/**
 * Dicts as CPython loads them, for the tests of the loader's dict paths: each
 * pickle with its items in CPython's order, and whether brine must load it as
 * a Map (a key that is not a string, or one a JS object would reorder).
 */
import assert from 'node:assert/strict';
import { runPython } from './python.js';

export interface DictCase {
  name: string;
  hex: string;
  /** `list(pickle.loads(data).items())`, as CPython loads it (a NaN value as null). */
  items: [unknown, unknown][];
  /** True when a key is one a JS object would reorder (an array index): the dict loads as a Map. */
  map: boolean;
}

/**
 * Runs Python code that fills `cases` with (name, pickle bytes) pairs (json,
 * math, pickle, random and struct are imported) and returns each with
 * CPython's items.
 */
export function dictCases(code: string): DictCase[] {
  return dictCasesOf(runPython(dictCasesCode(code)));
}

/** The code {@link dictCases} runs (a piece for `runPythonPieces`); {@link dictCasesOf} reads its output. */
export function dictCasesCode(code: string): string {
  return `
import json, math, pickle, random, struct
cases = []
${code}
def is_index(k):
    return isinstance(k, str) and k.isdigit() and k.isascii() and (k == '0' or k[0] != '0') and int(k) <= 4294967294
def plain(v):
    return None if isinstance(v, float) and math.isnan(v) else v
out = []
for name, data in cases:
    d = pickle.loads(data)
    out.append({'name': name, 'hex': data.hex(), 'items': [[k, plain(v)] for k, v in d.items()],
                'map': any(not isinstance(k, str) or is_index(k) for k in d)})
print(json.dumps(out))
`;
}

/** The cases that the output of {@link dictCasesCode}'s code gives. */
export function dictCasesOf(output: string): DictCase[] {
  return JSON.parse(output) as DictCase[];
}

/**
 * The entries of a loaded dict, checked to be what its case says it is: a Map,
 * or a plain object whose own keys are all plain data properties (a NaN value
 * read as null, as {@link dictCases} gives it).
 */
export function entriesOf(value: unknown, c: DictCase): [unknown, unknown][] {
  if (c.map) {
    assert.ok(value instanceof Map, `${c.name}: a Map`);
    return [...value.entries()];
  }
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${c.name}: a plain object`);
  const dict = value as Record<string, unknown>;
  const keys = Reflect.ownKeys(dict);
  for (const key of keys) {
    const desc = Object.getOwnPropertyDescriptor(dict, key)!;
    assert.ok(
      desc.writable && desc.enumerable && desc.configurable && 'value' in desc,
      `${c.name}: ${String(key)} is a plain data property`,
    );
  }
  return keys.map((k) => {
    const v = dict[k as string];
    return [k, typeof v === 'number' && Number.isNaN(v) ? null : v];
  });
}
