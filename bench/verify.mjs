// Checks a loaded value against the expectation that bench/make-data.py wrote
// to bench/data/summary.json (length plus sampled items in a canonical form).
// Lenient about representation, strict about content: a Python int may be a
// number or a bigint, a tuple any array, a dict a Map or a plain object, an
// instance a brine PyObject or an object carrying its attributes.

import { createHash } from 'node:crypto';

/** Returns null when `actual` matches `expect`, else a description of the first difference. */
export function verify(expect, actual) {
  try {
    switch (expect.kind) {
      case 'list': {
        if (!Array.isArray(actual)) return `expected a list, got ${show(actual)}`;
        if (actual.length !== expect.length) return `expected ${expect.length} items, got ${actual.length}`;
        for (const [i, c] of expect.samples) match(c, actual[i], `[${i}]`);
        return null;
      }
      case 'dict': {
        const entries = dictEntries(actual, '');
        if (entries.length !== expect.length)
          return `expected ${expect.length} entries, got ${entries.length}`;
        for (const [i, k, v] of expect.samples) {
          const [key, value] = entries[i];
          match(k, key, `key #${i}`);
          match(v, value, `[${JSON.stringify(key)}]`);
        }
        return null;
      }
      case 'value':
        match(expect.value, actual, 'value');
        return null;
      default:
        return `unknown expectation kind ${expect.kind}`;
    }
  } catch (e) {
    if (e instanceof Mismatch) return e.message;
    throw e;
  }
}

class Mismatch extends Error {}

function fail(path, what, actual) {
  throw new Mismatch(`${path}: expected ${what}, got ${show(actual)}`);
}

function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (v instanceof Uint8Array) return `${v.constructor.name}(${v.length})`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (v !== null && typeof v === 'object')
    return `${v.constructor?.name ?? 'object'} {${Object.keys(v).slice(0, 6)}}`;
  return String(v);
}

function floatHex(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, false);
  let s = '';
  for (let i = 0; i < 8; i++) s += view.getUint8(i).toString(16).padStart(2, '0');
  return s;
}

function dictEntries(v, path) {
  if (v instanceof Map) return [...v.entries()];
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
    return Object.keys(v).map((k) => [k, v[k]]);
  }
  return fail(path, 'a dict', v);
}

function match(c, v, path) {
  if (c === null) {
    if (v !== null) fail(path, 'None (null)', v);
    return;
  }
  if (typeof c === 'boolean' || typeof c === 'string') {
    if (v !== c) fail(path, JSON.stringify(c), v);
    return;
  }
  const [tag, ...rest] = c;
  switch (tag) {
    case 'int': {
      const ok =
        (typeof v === 'number' && Number.isSafeInteger(v) && String(v) === rest[0]) ||
        (typeof v === 'bigint' && v.toString() === rest[0]);
      if (!ok) fail(path, `int ${rest[0]}`, v);
      return;
    }
    case 'float': {
      const x = typeof v === 'object' && v !== null ? v.valueOf() : v;
      if (typeof x !== 'number' || floatHex(x) !== rest[0]) fail(path, `float with bits ${rest[0]}`, v);
      return;
    }
    case 'bytes': {
      const [length, sha] = rest;
      if (!(v instanceof Uint8Array) || v.length !== length) fail(path, `bytes of length ${length}`, v);
      if (createHash('sha256').update(v).digest('hex') !== sha) fail(path, 'bytes with other content', v);
      return;
    }
    case 'list':
    case 'tuple': {
      const items = rest[0];
      if (!Array.isArray(v) || v.length !== items.length) fail(path, `${tag} of ${items.length}`, v);
      for (let i = 0; i < items.length; i++) match(items[i], v[i], `${path}[${i}]`);
      return;
    }
    case 'dict': {
      const pairs = rest[0];
      const entries = dictEntries(v, path);
      if (entries.length !== pairs.length) fail(path, `dict of ${pairs.length}`, v);
      for (let i = 0; i < pairs.length; i++) {
        match(pairs[i][0], entries[i][0], `${path} key #${i}`);
        match(pairs[i][1], entries[i][1], `${path}[${JSON.stringify(entries[i][0])}]`);
      }
      return;
    }
    case 'obj': {
      const [module, name, state] = rest;
      if (v === null || typeof v !== 'object') fail(path, `${module}.${name} instance`, v);
      if ('callable' in v && 'state' in v) {
        // brine PyObject: the class is a PyGlobal, the attributes are the BUILD state.
        const cls = v.cls ?? v.callable;
        if (cls?.module !== module || cls?.name !== name) fail(path, `${module}.${name} instance`, v);
        match(state, v.state, `${path}.state`);
      } else {
        // Libraries that construct an object and assign the state to it.
        if (v.__module__ !== undefined && (v.__module__ !== module || v.__name__ !== name)) {
          fail(path, `${module}.${name} instance`, v);
        }
        match(state, v, `${path}.__dict__`);
      }
      return;
    }
    default:
      throw new Error(`unknown canonical tag ${tag}`);
  }
}
