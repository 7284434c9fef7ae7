/**
 * The objects of an exact load, in memo order, for dumps without the memo's lookups.
 *
 * The pickler memoizes by identity every list, dict, tuple, set, bytes and
 * class instance it writes, and most of them are met once: the memo is asked
 * about each (a miss) and records each, through V8's identity hash. A value an
 * exact load returned is written back, unchanged, with exactly the memo
 * indices of the original pickle. So the load keeps, beside the value, the
 * objects the pickle memoized, by memo index ({@link ObjectRecord}); the
 * pickler, about to memoize object X at index n, checks `objects[n] === X`:
 * when it holds, and no object appears twice in the array, X is met for the
 * first time, and needs no lookup and no insertion (see identity-memo.ts,
 * which takes the record, and falls back to the full memo at the first
 * object that does not match).
 *
 * That the array holds no object twice is what makes this sound, and what
 * this walk proves about the pickle that just loaded. An object enters the
 * array only when the memo store that holds it comes right after the opcode
 * that made it:
 *
 * - after EMPTY_LIST, EMPTY_DICT, EMPTY_SET, LIST, DICT, TUPLE1-3, TUPLE,
 *   FROZENSET, the bytes opcodes and BYTEARRAY8, the object is new: made by
 *   that opcode (the empty tuple, one shared object, is left out), so no two
 *   such stores hold one object;
 * - after REDUCE, NEWOBJ, NEWOBJ_EX, OBJ and INST, the object is what a
 *   reconstructor returned, which may be any object (a shared member, one of
 *   its arguments): these are checked, by a `Set`, against each other and
 *   against every object of the first kind;
 * - a store after anything else (a GET, DUP, a global, another store) holds
 *   an object that may be in the array already, and is left out.
 *
 * A reconstructor that returns anything but an inert `PyObject`, bytes (the
 * latin-1 text of bytes below protocol 3) or a set (below protocol 4) gives
 * the pickle no record: brine's value classes (datetimes, UUIDs, Decimals...)
 * are rebuilt from arguments and states that the value does not hold, which
 * the array would keep alive as long as the value, and the pickler writes
 * new ones of its own.
 *
 * CPython stores every object right after the opcode that made it, so only a
 * hand-made pickle loses entries here. A pickle whose stores are not in
 * order (each id the number of stores before it, as CPython writes them), or
 * that stores an id twice, gets no record at all. The pickler's memo numbering
 * then differs from the array, and a record with every entry left out would
 * only cost a check per object before the full memo takes over.
 *
 * The record also says whether the array holds a plain JS object: an exact
 * load makes none (its dicts are `Map`s), so the pickler can tell, without a
 * lookup, that a plain object it meets (a state a reducer just made, as for
 * a UUID) is none of the record's.
 *
 * @module
 */

import { decimal, skipArgument } from './exact-strings.js';
import { PyObject } from './types/py-object.js';
import { EMPTY_TUPLE } from './types/tuple.js';

/** The objects a pickle memoized, by memo index, and the memo indices it read back. */
export interface ObjectRecord {
  /** Memo index -> the object stored there, or undefined (not an object, or left out: see the module). No object twice. */
  readonly objects: readonly unknown[];
  /** Memo indices of objects the pickle read back (GET, BINGET, LONG_BINGET), with repeats. */
  readonly reads: readonly number[];
  /** The objects read back -> their memo index, made on first use. */
  shared?: Map<object, number> | null;
  /**
   * True when no object of the array is a plain JS object (`Object.prototype`): an exact load makes
   * every dict a `Map`, so a plain object the pickler meets (a state a reducer made) is not one of them.
   */
  readonly noPlain: boolean;
}

/** Opcodes after which a memo store holds a new object (see the module). */
const MADE = 1;
/** Opcodes after which a memo store holds what a reconstructor returned. */
const RETURNED = 2;
const KIND = /* @__PURE__ */ kinds();

function kinds(): Uint8Array {
  const k = new Uint8Array(256);
  for (const op of [0x5d, 0x7d, 0x8f, 0x6c, 0x64, 0x74, 0x85, 0x86, 0x87, 0x91, 0x42, 0x43, 0x8e, 0x96])
    k[op] = MADE;
  for (const op of [0x52, 0x81, 0x92, 0x6f, 0x69]) k[op] = RETURNED;
  return k;
}

/**
 * The {@link ObjectRecord} of the pickle `data[start, end)`, which just loaded
 * with `memo` (the loader's memo, dense, holding every value stored: no
 * placeholders but `placeholder`). The record takes `memo` as its array and
 * changes it in place (entries left out become undefined). Null when the
 * stores are not in order or an id is stored twice, when a reconstructor
 * returned an object stored elsewhere too, or for an opcode this walk does
 * not know.
 */
export function recordObjects(
  data: Uint8Array,
  start: number,
  end: number,
  memo: unknown[],
  placeholder: unknown,
): ObjectRecord | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let stores = 0;
  let last = -1;
  let before = -1;
  const reads: number[] = [];
  let returned: Set<unknown> | null = null;
  let noPlain = true;
  let pos = start;
  while (pos < end) {
    const op = data[pos++]!;
    if (op !== 0x95) {
      before = last;
      last = op;
    }
    let put = -1;
    let get = -1;
    switch (op) {
      case 0x94: // MEMOIZE
        put = stores;
        break;
      case 0x71: // BINPUT
        put = data[pos++]!;
        break;
      case 0x72: // LONG_BINPUT
        put = view.getUint32(pos, true);
        pos += 4;
        break;
      case 0x70: {
        // PUT
        let nl = data.indexOf(0x0a, pos);
        if (nl < 0 || nl > end) nl = end;
        put = decimal(data, pos, nl);
        pos = nl + 1;
        break;
      }
      case 0x68: // BINGET
        get = data[pos++]!;
        break;
      case 0x6a: // LONG_BINGET
        get = view.getUint32(pos, true);
        pos += 4;
        break;
      case 0x67: {
        // GET
        let nl = data.indexOf(0x0a, pos);
        if (nl < 0 || nl > end) nl = end;
        get = decimal(data, pos, nl);
        pos = nl + 1;
        break;
      }
      default:
        pos = skipArgument(data, view, op, pos, end);
        if (pos < 0) return null;
        continue;
    }
    if (get >= 0) {
      if (get < stores) {
        const value = memo[get];
        if (typeof value === 'object' && value !== null) reads.push(get);
      }
      continue;
    }
    // A store: of the next id, as CPython numbers them, or no record.
    if (put !== stores) return null;
    stores++;
    const value = memo[put];
    if (typeof value !== 'object' || value === null) continue;
    const kind = before >= 0 ? KIND[before]! : 0;
    if (kind === 0 || value === EMPTY_TUPLE || value === placeholder) {
      memo[put] = undefined;
      continue;
    }
    if (noPlain && Object.getPrototypeOf(value) === Object.prototype) noPlain = false;
    if (kind === RETURNED) {
      // What brine's own value classes are rebuilt from (a datetime's arguments and state bytes, a UUID's
      // state) is no part of the value: the array would keep it alive. Their pickles get no record.
      if (!(value instanceof PyObject || value instanceof Uint8Array || value instanceof Set)) return null;
      returned ??= new Set();
      const size = returned.size;
      returned.add(value);
      if (returned.size === size) return null;
    }
  }
  if (memo.length !== stores) memo.length = stores;
  if (returned !== null) {
    // Every object of the array once: a returned object found more often than the returned ones are many is also a made one.
    let found = 0;
    for (let i = 0; i < stores; i++) {
      const value = memo[i];
      if (typeof value === 'object' && value !== null && returned.has(value)) found++;
    }
    if (found !== returned.size) return null;
  }
  // Reads of entries left out are not shared objects of the array.
  let kept = 0;
  for (let i = 0; i < reads.length; i++) if (memo[reads[i]!] !== undefined) reads[kept++] = reads[i]!;
  reads.length = kept;
  return { objects: memo, reads, noPlain };
}

/** The objects read back -> their memo index (null when there are none). @internal */
export function sharedObjects(record: ObjectRecord): Map<object, number> | null {
  if (record.shared !== undefined) return record.shared;
  let shared: Map<object, number> | null = null;
  const { objects, reads } = record;
  for (let i = 0; i < reads.length; i++) {
    const k = reads[i]!;
    shared ??= new Map();
    shared.set(objects[k] as object, k);
  }
  record.shared = shared;
  return shared;
}
