// Checks a loaded value against the expectation that bench/make-data.py wrote
// to bench/data/summary.json (length plus sampled items in a canonical form).
// Lenient about representation, strict about content: a Python int may be a
// number or a bigint, a tuple any array, a dict a Map or a plain object, an
// instance a brine PyObject or an object carrying its attributes. A
// standard-library value (datetime, date, timedelta, Decimal, UUID,
// OrderedDict) must be an object holding its content under Python's attribute
// names (year, month, ..., tzinfo; days, seconds, microseconds; int), a
// Decimal an object whose string is Python's str(), an OrderedDict a mapping
// whose class is named OrderedDict: a plain string, number or dict would not
// dump back as the same Python type.

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
    case 'datetime': {
      const [iso, fold] = rest;
      const d = fields(v, DATETIME_FIELDS, path, 'a datetime');
      if (!('tzinfo' in v)) fail(path, 'a datetime with a tzinfo attribute', v);
      const text = `${isoDate(d)}T${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}${
        d.microsecond ? `.${pad(d.microsecond, 6)}` : ''
      }${isoOffset(v.tzinfo, path)}`;
      if (text !== iso) fail(path, `datetime ${iso}`, text);
      if ((v.fold ?? 0) !== fold) fail(path, `fold=${fold}`, v.fold);
      return;
    }
    case 'date': {
      const d = fields(v, DATE_FIELDS, path, 'a date');
      if ('hour' in v) fail(path, 'a date, not a datetime', v);
      if (isoDate(d) !== rest[0]) fail(path, `date ${rest[0]}`, isoDate(d));
      return;
    }
    case 'timedelta': {
      const d = fields(v, TIMEDELTA_FIELDS, path, 'a timedelta');
      const got = [d.days, d.seconds, d.microseconds];
      if (got.some((x, i) => x !== rest[i])) fail(path, `timedelta(${rest})`, `timedelta(${got})`);
      return;
    }
    case 'decimal': {
      if (v === null || typeof v !== 'object') fail(path, `Decimal('${rest[0]}') as an object`, v);
      if (String(v) !== rest[0]) fail(path, `Decimal('${rest[0]}')`, String(v));
      return;
    }
    case 'uuid': {
      const hex = typeof v?.int === 'bigint' ? v.int.toString(16).padStart(32, '0') : undefined;
      if (hex !== rest[0]) fail(path, `UUID with hex ${rest[0]}`, hex ?? v);
      return;
    }
    case 'odict': {
      if (!/OrderedDict/.test(v?.constructor?.name ?? '')) fail(path, 'an OrderedDict', v);
      match(['dict', rest[0]], v, path);
      return;
    }
    default:
      throw new Error(`unknown canonical tag ${tag}`);
  }
}

const DATE_FIELDS = ['year', 'month', 'day'];
const DATETIME_FIELDS = [...DATE_FIELDS, 'hour', 'minute', 'second', 'microsecond'];
const TIMEDELTA_FIELDS = ['days', 'seconds', 'microseconds'];

/** The integer attributes `names` of `v`, or a mismatch naming `what`. */
function fields(v, names, path, what) {
  if (v === null || typeof v !== 'object') fail(path, what, v);
  const out = {};
  for (const name of names) {
    const x = v[name];
    if (!Number.isSafeInteger(x)) fail(path, `${what} with an integer ${name}`, v);
    out[name] = x;
  }
  return out;
}

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

function isoDate(d) {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/**
 * Python's isoformat suffix for a fixed-offset tzinfo: '' when naive, else
 * `+HH:MM[:SS[.ffffff]]`. The tzinfo must hold its offset as a timedelta under
 * `offset`, as `datetime.timezone` does.
 */
function isoOffset(tz, path) {
  if (tz === null) return '';
  const off = fields(tz?.offset, TIMEDELTA_FIELDS, `${path}.tzinfo.offset`, 'a timedelta');
  let us = (off.days * 86_400 + off.seconds) * 1_000_000 + off.microseconds;
  const sign = us < 0 ? '-' : '+';
  us = Math.abs(us);
  const secs = Math.floor(us / 1_000_000);
  let out = `${sign}${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}`;
  if (secs % 60 || us % 1_000_000) out += `:${pad(secs % 60)}`;
  if (us % 1_000_000) out += `.${pad(us % 1_000_000, 6)}`;
  return out;
}
