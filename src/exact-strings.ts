/**
 * Byte identity of strings for `exact: true`.
 *
 * CPython memoizes by object identity: two equal str objects are written
 * twice, one object twice is written once and then read from the memo.
 * JavaScript strings have no identity, so the pickler memoizes them by value
 * and writes the second of two equal strings as a memo read. To give back the
 * bytes CPython wrote, an exact load records, after the value is built, how
 * the pickle spelled each string that it wrote more than once (or spelled in a
 * way the pickler would not): a {@link StringRecord}, kept beside the loaded
 * value (a `WeakMap` keyed by it, so the value itself is unchanged). Dumping
 * that same value replays the record: every occurrence of such a string is
 * written fresh or read from the memo entry of the copy the original read.
 *
 * The record follows the order in which the pickle met its strings, which is
 * the order in which the pickler meets them when it writes the same value. If
 * the value was changed in between, the order may no longer match: every
 * string is still written correctly (a fresh copy or a memo read of an equal
 * string), only the bytes may differ from the original's.
 *
 * Nothing here runs unless a load asked for `exact: true`: the default paths
 * of the unpickler and the pickler only test for a record's presence.
 *
 * @module
 */

import type { ObjectRecord } from './exact-objects.js';
import type { GetattrForm } from './reconstructors/getattr.js';
import { hashString, StringMemo } from './string-memo.js';
import { decodeRawUnicodeEscape, decodeUtf8 } from './text.js';
import { utf8Length } from './writer.js';

/** How the original pickle wrote one string value (equal JS strings share one plan). */
export interface StringPlan {
  /** Per occurrence, in pickle order: the copy it wrote (a new copy when it equals the number of copies so far) or read from the memo. */
  readonly uses: number[];
  /** Per copy: its payload bytes as written, when they are not what the pickler writes for the string (split surrogate pairs); else null. */
  readonly raw: (Uint8Array | null)[];
}

/**
 * How a loaded pickle wrote its strings, by value, where the pickler's memo by value would not
 * write them so: a plan for each string written more than once of which some copy was read from
 * the memo, or spelled unusually; {@link SHARED} for a string written once and read from the memo
 * after (the pickler's memo by value does what the pickle did). A string the record does not name
 * was written fresh (and memoized) at each of its occurrences and never read back from the memo:
 * the pickler writes it so again, without looking it up.
 */
export type StringRecord = Map<string, StringPlan>;

/** The plan of a shared string in a {@link StringRecord}: the pickler's memo by value does what the pickle did. */
export const SHARED: StringPlan = Object.freeze({ uses: [], raw: [] });

/**
 * The record of a pickle that memoized every str it wrote (fewer than
 * {@link RECORD_FRESH}), each text once, and read none back: each string of
 * the value is new to a dump from an empty memo, which may write them all
 * without the memo by value when no later dump shares its memo (`dumps`).
 * Shared, never changed.
 */
export const ALL_FRESH: StringRecord = new Map();

/** What an exact load remembers about how the pickle spelled its value. */
export interface ExactRecord {
  readonly strings: StringRecord | null;
  /** The objects the pickle memoized, in memo order (see exact-objects.ts). */
  readonly objects: ObjectRecord | null;
  /**
   * Shared values read as `getattr(owner, name)` through a registered owner, or as `_operator.or_(a, b)`
   * of registered Flag members (enum members of Python 3.11.2 to 3.11.4), with the call they were read from.
   */
  readonly getattr: Map<object, GetattrForm> | null;
}

const records = new WeakMap<object, ExactRecord>();
let anyRecord = false;

/** Keeps `record` beside a loaded value (an object: a string or number root needs none). @internal */
export function attachRecord(value: unknown, record: ExactRecord): void {
  if (typeof value !== 'object' || value === null) return;
  records.set(value, record);
  anyRecord = true;
}

/** The record of a value an exact load returned, if any. Costs one test until the first exact load. @internal */
export function recordOf(value: unknown): ExactRecord | undefined {
  if (!anyRecord || typeof value !== 'object' || value === null) return undefined;
  return records.get(value);
}

// ---------------------------------------------------------------------------
// Load side: the record, from the bytes of a pickle that loaded

/**
 * How the pickle `data[start, end)` (one that just loaded: its opcodes are
 * known to be well formed) wrote its strings, when CPython wrote some string
 * more than once or spelled one unusually, or memoized at least
 * {@link RECORD_FRESH} strings. `null` otherwise (the pickler's memo by value
 * then writes what CPython wrote), when the pickle holds Python 2 strings
 * (their value is not what is written back) or an opcode this walk does not
 * know.
 *
 * One pass, no object per string: the memo is two parallel arrays (the text
 * and copy number of each memoized str, the number marked once the entry is
 * read), and every occurrence goes to a flat log (text, copy) that is grouped
 * by string at the end, for the strings that need a plan only.
 */
export function recordStrings(data: Uint8Array, start: number, end: number): StringRecord | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  /** Copies of each str memoized so far. */
  const copies = new Map<string, number>();
  /** The memo: the str (or undefined) and its copy number at each id. Sparse ids go to a Map. */
  const memoText: (string | undefined)[] = [];
  const memoCopy: number[] = [];
  let memoSize = 0;
  let sparse: Map<number, [string | undefined, number]> | null = null;
  /** Strings some copy of which a memo read gave. */
  const read = new Set<string>();
  /** Every occurrence of a memoized str, in order. */
  const logText: string[] = [];
  const logCopy: number[] = [];
  /** Unusual payloads, by the index of the occurrence that wrote them. */
  let raws: Map<number, Uint8Array> | null = null;
  // The str on top of the stack when the previous opcode pushed one: fresh (copy -1) or read from the memo.
  let topText: string | undefined;
  let topCopy = -1;
  let topRaw: Uint8Array | null = null;
  let repeated = false;
  /** Copies of strings memoized. */
  let fresh = 0;
  let pos = start;

  while (pos < end) {
    const op = data[pos++]!;
    let put = -1;
    let get = -1;
    switch (op) {
      case 0x56: {
        // UNICODE
        let nl = data.indexOf(0x0a, pos);
        if (nl < 0 || nl > end) nl = end;
        topText = decodeRawUnicodeEscape(data, pos, nl);
        topCopy = -1;
        topRaw = splitPairEscape(data, pos, nl) ? data.slice(pos, nl) : null;
        pos = nl + 1;
        continue;
      }
      case 0x58: // BINUNICODE
      case 0x8c: // SHORT_BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        let n: number;
        if (op === 0x8c) n = data[pos++]!;
        else if (op === 0x58) {
          n = view.getUint32(pos, true);
          pos += 4;
        } else {
          n = Number(view.getBigUint64(pos, true));
          pos += 8;
        }
        topText = decodeUtf8(data, pos, n);
        topCopy = -1;
        // A surrogate pair written as two lone surrogates is 6 bytes where the JS string's character takes 4.
        topRaw = topText.length !== n && utf8Length(topText) !== n ? data.slice(pos, pos + n) : null;
        pos += n;
        continue;
      }
      case 0x53: // STRING
      case 0x54: // BINSTRING
      case 0x55: // SHORT_BINSTRING
        return null;
      case 0x94: // MEMOIZE
        put = memoSize;
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
      case 0x95: // FRAME: between opcodes, changes nothing
        pos += 8;
        continue;
      default: {
        topText = undefined;
        pos = skipArgument(data, view, op, pos, end);
        if (pos < 0) return null;
        continue;
      }
    }
    if (put >= 0) {
      // A str CPython wrote is memoized right away: one that is not (a hand-made pickle) is no copy the
      // pickler could reproduce, and is left out (the pickler then writes what CPython writes for the value).
      if (topText !== undefined && topCopy < 0) {
        const copy = copies.get(topText) ?? 0;
        copies.set(topText, copy + 1);
        fresh++;
        if (copy > 0) repeated = true;
        topCopy = copy;
        if (topRaw !== null) {
          raws ??= new Map();
          raws.set(logText.length, topRaw);
          repeated = true;
        }
        logText.push(topText);
        logCopy.push(copy);
      }
      if (sparse === null && put === memoText.length) {
        memoText.push(topText);
        memoCopy.push(topCopy);
        memoSize++;
      } else {
        sparse ??= new Map();
        if (put >= memoText.length && !sparse.has(put)) memoSize++;
        if (put < memoText.length) {
          memoText[put] = topText;
          memoCopy[put] = topCopy;
        } else sparse.set(put, [topText, topCopy]);
      }
      continue;
    }
    // get
    let text: string | undefined;
    let copy = -1;
    if (get < memoText.length) {
      text = memoText[get];
      copy = memoCopy[get]!;
      if (copy <= -2) copy = -copy - 2;
      else if (text !== undefined && copy >= 0) {
        // The first read of this entry: its string is read from the memo (the mark holds until a store over it).
        memoCopy[get] = -copy - 2;
        read.add(text);
      }
    } else {
      const entry = sparse?.get(get);
      if (entry !== undefined) {
        [text, copy] = entry;
        if (text !== undefined && copy >= 0) read.add(text);
      }
    }
    topText = text;
    topCopy = copy;
    topRaw = null;
    if (text !== undefined && copy >= 0) {
      logText.push(text);
      logCopy.push(copy);
    }
  }
  // Every str written once: the memo by value writes what CPython wrote. A record still spares a big dump
  // its lookups (the strings never read back are written without them); a small one keeps the memo's runs.
  if (!repeated && fresh < RECORD_FRESH) return read.size === 0 && fresh > 0 ? ALL_FRESH : null;
  const unusual = new Set<string>();
  if (raws !== null) for (const k of raws.keys()) unusual.add(logText[k]!);
  // A string of one copy that was read: the pickler's memo by value reads it the same way. A string never
  // read, of any number of copies, was written fresh each time: the pickler does so without a plan.
  const plans: StringRecord = new Map();
  const planned = new Set<string>(unusual);
  for (const text of read) {
    if (copies.get(text)! > 1) planned.add(text);
    else if (!unusual.has(text)) plans.set(text, SHARED);
  }
  if (planned.size > 0) {
    for (let i = 0; i < logText.length; i++) {
      const text = logText[i]!;
      if (!planned.has(text)) continue;
      let plan = plans.get(text) as { uses: number[]; raw: (Uint8Array | null)[] } | undefined;
      if (plan === undefined) {
        plan = { uses: [], raw: [] };
        plans.set(text, plan);
      }
      const copy = logCopy[i]!;
      plan.uses.push(copy);
      if (copy === plan.raw.length) plan.raw.push(raws?.get(i) ?? null);
    }
  }
  return plans;
}

/**
 * Strings memoized, past which a pickle that wrote every str once still gets
 * a record: the string memo's typed table starts at 2048 strings (see
 * string-memo.ts).
 */
const RECORD_FRESH = 2048;

const NOT_AN_OPCODE = -9;

/**
 * The argument of each opcode, as pickletools describes it (src/opcodes.ts,
 * which the loader does not carry): a fixed size, or -1 up to a newline (two
 * lines for GLOBAL and INST), -2 a 1-byte length then data, -3 / -4 a 4-byte
 * length then data, -5 an 8-byte length then data.
 */
/** @internal */
export const ARG_SIZES: Int8Array = /* @__PURE__ */ argSizes();

function argSizes(): Int8Array {
  const sizes = new Int8Array(256).fill(NOT_AN_OPCODE);
  const groups: [size: number, codes: string][] = [
    [0, '.()012NQR]abdelostu}\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98'],
    [1, 'Khq\x80\x82'],
    [2, 'M\x83'],
    [4, 'Jjr\x84'],
    [8, 'G\x95'],
    [-1, 'ILSVFgpciP'],
    [-2, 'UC\x8a\x8c'],
    [-3, 'T\x8b'],
    [-4, 'BX'],
    [-5, '\x8e\x96\x8d'],
  ];
  for (const [size, codes] of groups)
    for (let i = 0; i < codes.length; i++) sizes[codes.charCodeAt(i)] = size;
  return sizes;
}

/**
 * The position after the argument of opcode `op` (which starts at `pos`) in a pickle that loaded up
 * to `end`, for the walks that record how it was written; -1 for a byte that is no opcode.
 * @internal
 */
export function skipArgument(data: Uint8Array, view: DataView, op: number, pos: number, end: number): number {
  const size = ARG_SIZES[op]!;
  if (size >= 0) return pos + size;
  if (size === -1) {
    const lines = op === 0x63 || op === 0x69 ? 2 : 1; // GLOBAL, INST: two lines
    for (let k = 0; k < lines; k++) {
      const nl = data.indexOf(0x0a, pos);
      pos = nl < 0 || nl > end ? end : nl + 1;
    }
    return pos;
  }
  if (size === -2) return pos + 1 + data[pos]!;
  if (size === -3 || size === -4) return pos + 4 + view.getUint32(pos, true);
  if (size === -5) return pos + 8 + Number(view.getBigUint64(pos, true));
  return -1;
}

/** The decimal digits of `data[from, to)` as a number (the argument of PUT and GET). @internal */
export function decimal(data: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = data[i]! - 0x30;
    if (c >= 0 && c <= 9) n = n * 10 + c;
  }
  return n;
}

/** A raw-unicode-escape line with `\uD8xx\uDCxx`: a pair of surrogates the JS string joins into one character. */
function splitPairEscape(data: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i + 12 <= end; i++) {
    if (data[i] !== 0x5c || data[i + 1] !== 0x75 || (data[i + 2]! | 0x20) !== 0x64) continue;
    const high = data[i + 3]! | 0x20;
    if (high !== 0x38 && high !== 0x39 && high !== 0x61 && high !== 0x62) continue; // d8..db
    if (data[i + 6] !== 0x5c || data[i + 7] !== 0x75 || (data[i + 8]! | 0x20) !== 0x64) continue;
    const low = data[i + 9]! | 0x20;
    if (low === 0x63 || low === 0x64 || low === 0x65 || low === 0x66) return true; // dc..df
  }
  return false;
}

// ---------------------------------------------------------------------------
// Dump side: the pickler's string memo, replaying a record

interface Replay {
  /** Occurrences met so far. */
  next: number;
  /** Memo index of each copy written so far. */
  ids: number[];
}

/**
 * One memo kept alive from the first exact dump on, holding nothing (no plan,
 * an empty base) but one replay. A memo lives only for one dump, and the
 * hidden classes of a memo with all its fields and of a replay are reachable
 * only through weak links (map transitions, the object literal map cache):
 * with none alive, a full collection between two dumps would drop them, and V8
 * would throw away the optimized code that checks for them (the save loop and
 * this class's methods, a "weak objects" deoptimization), to compile it again
 * during the next dump.
 */
let keeper: ExactStringMemo | null | undefined;

/**
 * What {@link ExactStringMemo.get} returns for a string the record does not
 * name: write it fresh and memoize it without an entry by value (the original
 * wrote it fresh at each occurrence and never read it back). @internal
 */
export const FRESH = -2;

/**
 * The pickler's string memo while it writes a value that has a
 * {@link StringRecord}: strings the record does not name are written fresh
 * at each occurrence, without a memo entry by value (no lookup, no insertion);
 * the shared strings go to the ordinary memo; for the planned ones, each
 * occurrence is written fresh or read from the copy the original read. @internal
 */
export class ExactStringMemo extends StringMemo {
  readonly base: StringMemo;
  readonly #plans: StringRecord;
  /** The record names no string: every string is fresh. */
  readonly #none: boolean;
  readonly #replays = new Map<string, Replay>();
  /** The payload of the copy about to be written, when the original spelled it unusually. */
  #raw: Uint8Array | null = null;
  /**
   * The string whose `get` just asked for a new copy, and its replay: the `set` that follows
   * (the pickler memoizes the copy it writes) finds it here without a lookup.
   */
  #pendingText: string | null = null;
  #pendingReplay: Replay | null = null;
  /**
   * One bit per value of the memo's hash (masked) of the strings the record names: most strings
   * are not named, and a clear bit says so without a `Map` lookup (which reads other strings to compare).
   */
  readonly #filter: Int32Array;
  readonly #filterMask: number;

  constructor(plans: StringRecord, base: StringMemo) {
    super();
    if (keeper === undefined) {
      keeper = null;
      keeper = new ExactStringMemo(new Map(), new StringMemo());
      keeper.#replay('');
    }
    this.base = base;
    this.#plans = plans;
    this.#none = plans.size === 0;
    let bits = 1024;
    while (bits < plans.size * 16 && bits < 1 << 24) bits *= 2;
    this.#filter = new Int32Array(bits >> 5);
    this.#filterMask = bits - 1;
    for (const text of plans.keys()) {
      const bit = hashString(text) & this.#filterMask;
      this.#filter[bit >> 5]! |= 1 << (bit & 31);
    }
  }

  override get size(): number {
    return this.base.size;
  }

  #replay(text: string): Replay {
    let replay = this.#replays.get(text);
    if (replay === undefined) {
      replay = { next: 0, ids: [] };
      this.#replays.set(text, replay);
    }
    return replay;
  }

  /**
   * The memo index to read for this occurrence of `text`; -1 to write it and memoize it by value
   * (`set`); {@link FRESH} to write it and memoize it without an entry by value.
   */
  override get(text: string): number {
    if (this.#none) return FRESH;
    const h = hashString(text);
    const bit = h & this.#filterMask;
    if ((this.#filter[bit >> 5]! & (1 << (bit & 31))) === 0) return FRESH;
    // The base memo holds the shared strings met so far (only those: planned and fresh ones never enter it).
    const index = this.base.getHashed(text, h);
    if (index >= 0) return index;
    const plan = this.#plans.get(text);
    if (plan === undefined) return FRESH;
    if (plan === SHARED) return -1;
    const replay = this.#replay(text);
    const n = replay.next++;
    const copy = n < plan.uses.length ? plan.uses[n]! : -1;
    const ids = replay.ids;
    if (copy >= 0 && copy < ids.length) return ids[copy]!;
    if (copy === ids.length) {
      this.#raw = plan.raw[copy] ?? null;
      this.#pendingText = text;
      this.#pendingReplay = replay;
      return -1;
    }
    // The value changed since it was loaded: any copy will do.
    this.#raw = null;
    return ids.length > 0 ? ids[ids.length - 1]! : -1;
  }

  override set(text: string, index: number): void {
    const replay = this.#pendingReplay;
    if (replay !== null && this.#pendingText === text) {
      this.#pendingText = null;
      this.#pendingReplay = null;
      replay.ids.push(index);
      return;
    }
    // A shared str, whose `get` just asked the base memo and missed (no second lookup there); or a
    // planned one met more often than the pickle had it, before any copy of it was written.
    const plan = this.#plans.get(text);
    if (plan === undefined || plan === SHARED) this.base.set(text, index);
    else this.#replay(text).ids.push(index);
  }

  override clear(): void {
    this.base.clear();
    this.#replays.clear();
    this.#pendingText = null;
    this.#pendingReplay = null;
  }

  /**
   * Called by the pickler as it writes a str opcode for `text`, about to be
   * memoized at `index`. `byValue`: the write follows a `get` that returned
   * -1; otherwise the pickler writes this str without asking the memo (a
   * global's name, `_codecs.encode`'s text), which is one more occurrence.
   * Returns the payload to write instead of encoding `text`, or null.
   */
  writing(text: string, byValue: boolean, index: number): Uint8Array | null {
    if (byValue) {
      const raw = this.#raw;
      this.#raw = null;
      return raw;
    }
    const plan = this.#plans.get(text);
    if (plan === undefined || plan === SHARED) return null;
    const replay = this.#replay(text);
    const n = replay.next++;
    if (n < plan.uses.length && plan.uses[n] === replay.ids.length) {
      const raw = plan.raw[replay.ids.length] ?? null;
      replay.ids.push(index);
      return raw;
    }
    return null;
  }

  /** True when the record names `text`: the pickler then asks the memo even where it would not. */
  names(text: string): boolean {
    const plan = this.#plans.get(text);
    return plan !== undefined && plan !== SHARED;
  }
}
