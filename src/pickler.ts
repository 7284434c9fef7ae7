/**
 * The pickler: JavaScript values to pickle bytes, with CPython's own
 * decisions (`Modules/_pickle.c`): opcode choice per protocol, memoization,
 * batches of 1000 with `_pickle.c`'s single-item rules, protocol 4 framing.
 * Iterative: an explicit work stack of frames, so nesting depth cannot
 * overflow the call stack (small lists and dicts are saved by recursion, at
 * most a few levels deep, without a frame).
 *
 * @module
 */

import type { Registry } from './default-registry.js';
import { PicklingError } from './errors.js';
import { ALL_FRESH, ExactStringMemo, FRESH, recordOf } from './exact-strings.js';
import { formatFloatRepr } from './floats.js';
import { FreshString } from './fresh-string.js';
import { GlobalMemo } from './global-memo.js';
import { IdentityMemo, UNSURE } from './identity-memo.js';
import {
  decimalText,
  INT32_MAX_BIG,
  INT32_MIN_BIG,
  longText,
  longTextBytes,
  writeLong,
  writeLongText,
} from './ints.js';
import { unhashableType } from './keys.js';
import { DEFAULT_PROTOCOL, type DumpOptions, resolveDumpOptions } from './options.js';
import { py2Name } from './py2-names.js';
import { recentUse } from './recent-use.js';
import { type GetattrForm, GetattrGlobal } from './reconstructors/getattr.js';
import { StringMemo } from './string-memo.js';
import { decodeLatin1 } from './text.js';
import { hashAtoms, NOT_ATOMS, OVERFLOW, TupleMemo } from './tuple-memo.js';
import { PyArray } from './types/array.js';
import { PickleBuffer, PyFloat } from './types/builtins.js';
import { PyDate, PyDateTime } from './types/datetime.js';
import { FrozenSet } from './types/frozen-set.js';
import {
  FRESH_STATE,
  PY_REDUCE,
  type PyValue,
  type ReduceOptions,
  type Reduction,
} from './types/protocol.js';
import { PyByteArray } from './types/py-bytearray.js';
import { G_GETATTR, G_OBJECT, G_RECONSTRUCTOR, PyGlobal } from './types/py-global.js';
import { PyObject } from './types/py-object.js';
import type { TypedArray } from './types/typed-array.js';
import {
  encodeUtf8Rest,
  FRAME_HEADER_SIZE,
  FRAME_SIZE_TARGET,
  SEGMENT_SIZE,
  UTF8_CACHE_MAX,
  UTF8_CACHE_MIN,
  utf8Cached,
  utf8Length,
  Writer,
} from './writer.js';

export { DEFAULT_PROTOCOL, type DumpOptions } from './options.js';

const BATCHSIZE = 1000;

/** Key of the internal method that gives a pickler the shared buffer and string memo of `dumps`. */
const USE_WRITER: unique symbol = Symbol('useWriter');

/**
 * Key of the internal method that pickles a value as a sequence of pieces (see `dumpChunks`).
 * @internal
 */
export const DUMP_CHUNKS: unique symbol = Symbol('dumpChunks');

const G_CODECS_ENCODE = new PyGlobal('_codecs', 'encode');
const G_BYTES = new PyGlobal('builtins', 'bytes');
const G_BYTEARRAY = new PyGlobal('builtins', 'bytearray');
const G_SET = new PyGlobal('builtins', 'set');
const G_FROZENSET = new PyGlobal('builtins', 'frozenset');
const G_NEWOBJ = new PyGlobal('copyreg', '__newobj__');
const G_DICT = new PyGlobal('builtins', 'dict');
const G_LIST = new PyGlobal('builtins', 'list');
const G_NEWOBJ_EX = new PyGlobal('copyreg', '__newobj_ex__');

/** Frame kinds of the work stack. */
const F_LIST = 0;
const F_DICT = 1;
/** Entries from which #saveMap reads a pickler's first big Map by `forEach` (see there). */
const BIG_MAP = 4096;
const F_TUPLE = 2;
const F_ADDITEMS = 3;
const F_FROZENSET = 4;
const F_STEPS = 5;
/** A plain object's entries: `items` are its keys, the values are read from `obj` as they are saved. */
const F_RECORD = 6;
const NO_ITEMS: readonly unknown[] = Object.freeze([]);
/** Frames a pickler keeps for reuse. */
const KEEP_FRAMES = 64;
/** The longest entry array of a Map a pickler keeps for reuse (8 MiB of slots). */
const KEEP_ENTRIES = 1 << 20;
/** Containers of at most this many atoms are written at once, without a frame on the work stack. */
const INLINE_MAX = 32;
/** Tuples of atoms a memo holds in the pickler's first tier before its TupleMemo (see #fewTuples). */
const FEW_TUPLES = 8;
/**
 * Lists and dicts of fewer items than a batch are saved by recursion, without
 * a frame, up to this many levels deep (then by frames: the depth of the call
 * stack stays bounded whatever the nesting).
 */
const INLINE_DEPTH = 8;
/** Strings are written from the cache of recent UTF-8 (see `utf8Cached`) while the memo holds at most this many entries: in small dumps. */
const CACHED_WHILE = 128;

/** Steps of an F_STEPS frame. */
const S_SAVE = 0; // save a value
const S_OP = 1; // write one opcode byte
const S_MEMO = 2; // memoize the object (or, if saving its arguments already did, POP and GET it)
const S_LIST = 3; // generic batched APPENDS of an array
const S_DICT = 4; // generic batched SETITEMS of [key, value] pairs
const S_ADD = 5; // batched ADDITEMS
const S_INST = 6; // INST module\nname\n of a PyGlobal
const S_GLOBAL_MEMO = 7; // memoize a global by its name
const S_SAVE_PLAIN = 8; // save a value without asking persistentId for it
const S_RAW = 9; // write raw bytes outside any frame (ClassReduction.rawAfterBuild)
const S_FRESH_TUPLE = 10; // save a tuple the pickler made (no one else holds it): memoized without a key

/** The reducers of brine's datetime and date: a new state `bytes` as the first argument. */
const DATETIME_REDUCE = PyDateTime.prototype[PY_REDUCE];
const DATE_REDUCE = PyDate.prototype[PY_REDUCE];

interface Frame {
  kind: number;
  obj: unknown;
  /** Items: array items, dict entries flattened [k0, v0, k1, v1 ...], or steps [kind, arg, ...]. */
  items: readonly unknown[];
  i: number;
  /** Items to save; for F_STEPS, 1 + the memo version at which its S_MEMO object was absent, or 0. */
  n: number;
  /** 1: exact container (CPython's batch_*_exact rule); for F_STEPS, unused. */
  exact: boolean;
  /** Pending suffix: 0 none, 1 the single-item opcode, 2 the batch opcode. */
  pending: number;
  /** The current batch is written in the single-item form (APPEND / SETITEM without MARK). */
  single: boolean;
  /** For error paths: what this frame is within its parent (`.listitems`), '' when nothing to add. */
  label: string;
}

/**
 * Writes pickles, like Python's `pickle.Pickler`. The memo is kept across
 * `dump()` calls (as Python's is), so a later pickle may refer to objects of
 * an earlier one; `clearMemo()` forgets them. The output buffer is reused.
 *
 * @example Write two pickles that share an object
 * ```ts
 * import { Pickler, Unpickler } from 'brine';
 * const shared = ['x'];
 * const pickler = new Pickler();
 * const first = pickler.dump({ a: shared });
 * const second = pickler.dump(shared); // refers to the memo of the first
 * ```
 */
/**
 * Writes an int32 (BININT1, BININT2 or BININT) or a float (BINFLOAT) at
 * `pos`, where 9 bytes are free, and returns the position after it.
 */
function putNumber(buf: Uint8Array, view: DataView, pos: number, v: number, float: boolean): number {
  if (float) {
    buf[pos] = 0x47; // BINFLOAT
    view.setFloat64(pos + 1, v, false);
    return pos + 9;
  }
  if (v >= 0 && v < 0x100) {
    buf[pos] = 0x4b; // BININT1
    buf[pos + 1] = v;
    return pos + 2;
  }
  if (v >= 0 && v < 0x10000) {
    buf[pos] = 0x4d; // BININT2
    buf[pos + 1] = v & 0xff;
    buf[pos + 2] = v >> 8;
    return pos + 3;
  }
  buf[pos] = 0x4a; // BININT
  view.setInt32(pos + 1, v, true);
  return pos + 5;
}

/**
 * The last position at which `#numberRun` writes a number (9 bytes at most)
 * with no frame to commit (it holds less than FRAME_SIZE_TARGET bytes) and no
 * room to make: -1 when a frame must be opened first.
 */
function numberLimit(w: Writer): number {
  const room = w.buf.length - 9;
  if (w.frameStart < 0) return w.framing ? -1 : room;
  return Math.min(room, w.frameStart + FRAME_HEADER_SIZE + FRAME_SIZE_TARGET - 1);
}

export class Pickler {
  readonly #proto: number;
  readonly #bin: boolean;
  readonly #fixImports: boolean;
  readonly #persistentId: ((value: unknown) => unknown) | undefined;
  readonly #bufferCallback: ((buffer: PickleBuffer) => unknown) | undefined;
  readonly #extensions: Map<string, number> | null;
  readonly #registry: Registry | undefined;
  readonly #reduceOptions: ReduceOptions;
  /** The output buffer: made on the first dump (dumps() lends its shared one instead). */
  #w: Writer | null = null;
  /** Objects by identity -> memo index (see identity-memo.ts). */
  readonly #memo = new IdentityMemo();
  /** Tuples of atoms (see #saveAtomTuple) by identity -> memo index, without the Map. */
  #tuples = new TupleMemo();
  /**
   * The first FEW_TUPLES tuples of atoms of a memo, and their memo indices,
   * before #tuples: found again by identity, with no hash of their items (a
   * small dump holds a tuple or two). -1 once the memo moved on to #tuples.
   */
  readonly #fewTuples: (readonly unknown[] | null)[] = new Array<readonly unknown[] | null>(FEW_TUPLES).fill(
    null,
  );
  readonly #fewTupleIds = new Int32Array(FEW_TUPLES);
  #fewTupleCount = 0;
  /** Strings by value -> memo index. */
  #strings: StringMemo = new StringMemo();
  /** While dumping a value an exact load returned: #strings, replaying how the original wrote its strings. */
  #exact: ExactStringMemo | null = null;
  /**
   * While `dumps` writes a value whose exact load wrote every str once and read none back
   * (`ALL_FRESH`): strings are written and memoized without the memo by value, as the pickle did.
   */
  #freshTexts = false;
  /** Set by `dumps`, which lends its writer and string memo and clears the memo after each call. */
  #lent = false;
  /** While dumping a loaded value: its parts that were read as `getattr(owner, name)` (enum members), written so again. */
  #getattrForms: Map<object, GetattrForm> | null = null;
  /** Globals by `module\nname` -> memo index (one class is one object in Python). */
  readonly #globalMemo = new GlobalMemo();
  /** The last global written or read from #globalMemo, and its memo index (a run of one class's instances). */
  #lastModule = '';
  #lastName = '';
  #lastGlobal = -1;
  /** `copyreg._reconstructor` calls being written, whose arguments may lead back to them (see #saveObject). */
  #reconstructing: Set<object> | null = null;
  #memoCount = 0;
  /**
   * A global (`PyGlobal`) entered #memo by identity since the memo was last cleared (a getattr form, a
   * registered reduction of one): until then none is there, and #save looks none up. A plain global
   * is memoized by its name (#globalMemo), never by identity.
   */
  #keyedGlobals = false;
  /**
   * Set while the memo follows the record of an exact load (see exact-objects.ts), until `clearMemo`:
   * tuples of atoms are then memoized in #memo, not #tuples (see #saveAtomTuple).
   */
  #following = false;
  /** The last object #save did not find in #memo, and #memo's version then (see the S_MEMO step). */
  #absent: unknown = null;
  #absentAt = 0;
  #work: Frame[] = [];
  /** Frames done with, for reuse (at most KEEP_FRAMES). */
  #free: Frame[] = [];
  /** Empty arrays for the entries of Maps, for reuse (at most KEEP_FRAMES). */
  #spareEntries: unknown[][] = [];
  /** Slots of the largest entries array since the memo was last cleared, and of recent memos' (see clearMemo). */
  #entriesMax = 0;
  readonly #entriesUse = recentUse(8);
  /** The work loops return to their caller once this many bytes of finished output wait (streaming). */
  #yieldAt = Number.POSITIVE_INFINITY;
  /** Containers being saved by recursion (see #saveItems), at most INLINE_DEPTH. */
  #nested = 0;
  /**
   * Where an error thrown through containers saved by recursion was, for its
   * path: pairs [work stack depth, element label], innermost first.
   */
  #trail: (number | string)[] = [];
  /** The value `#entryRun` read and left for `#save`. */
  #runValue: unknown = undefined;
  /** The key `#entryRun` read and left for `#save` (or wrote, with its value left). */
  #runKey: unknown = undefined;

  constructor(options?: DumpOptions) {
    const resolved = resolveDumpOptions(options);
    this.#proto = resolved.protocol;
    this.#bin = resolved.protocol >= 1;
    this.#fixImports = resolved.fixImports;
    this.#persistentId = resolved.persistentId;
    this.#bufferCallback = resolved.bufferCallback;
    this.#registry = resolved.registry;
    this.#extensions = resolved.extensions;
    this.#reduceOptions = { numpyNames: resolved.numpyNames };
  }

  /** @internal `dumps` lends its reused buffer and string memo to a one-off pickler. */
  [USE_WRITER](writer: Writer, strings: StringMemo): this {
    this.#w = writer;
    this.#strings = strings;
    this.#lent = true;
    return this;
  }

  /** Forgets the objects earlier `dump()` calls wrote. */
  clearMemo(): void {
    // New tables, not clear() (inside IdentityMemo too): a pickler `dumps` reuses is an old object, and
    // a cleared Map regrows young tables that it then points to (write barriers and remembered-set work
    // on every set). The string and global memos keep their first entries in arrays of their own, emptied here.
    this.#memo.clear();
    const tuples = this.#fewTupleCount;
    if (tuples < 0) this.#tuples.clear();
    else for (let i = 0; i < tuples; i++) this.#fewTuples[i] = null;
    this.#fewTupleCount = 0;
    this.#strings.clear();
    this.#globalMemo.clear();
    this.#lastGlobal = -1;
    this.#memoCount = 0;
    this.#keyedGlobals = false;
    this.#following = false;
    // Entry arrays far longer than the recent dumps' Maps needed are let go.
    const spare = this.#spareEntries;
    if (spare.length > 0) {
      const keep = 2 * this.#entriesUse(this.#entriesMax) + 2 * BATCHSIZE;
      this.#spareEntries = spare.filter((entries) => entries.length <= keep);
    }
    this.#entriesMax = 0;
  }

  /**
   * Pickles `value` and returns the bytes (a copy: the internal buffer is reused).
   * A pickle of up to 1 KiB shares its `ArrayBuffer` with other small results,
   * as {@link dumps} says.
   *
   * @throws {@link PicklingError} for a value that cannot be pickled, naming where it is.
   */
  dump(value: unknown): Uint8Array {
    this.#w ??= new Writer();
    const w = this.#w!;
    this.#start(w, value, true);
    try {
      this.#save(value, true);
      this.#drain();
      this.#end(w);
      return w.result();
    } catch (error) {
      throw this.#failure(error);
    } finally {
      // Set only when not empty: the length setter is a builtin call, on every dump.
      if (this.#work.length !== 0) this.#work.length = 0;
      this.#forgetRecord();
      w.reset();
    }
  }

  /**
   * @internal Pickles `value` as a sequence of pieces, for writing to a file
   * or stream without holding the whole pickle: each piece is valid until the
   * next one is asked for (the buffers are reused), and large payloads
   * (bytes of 64 KiB or more) are given as they are, not copied. Pickling
   * goes on between pieces, so `value` must not change until the last one.
   *
   * @param value the value.
   * @param pieceSize finished output is given once this many bytes wait.
   */
  *[DUMP_CHUNKS](value: unknown, pieceSize = SEGMENT_SIZE): Generator<Uint8Array, void, undefined> {
    this.#w ??= new Writer();
    const w = this.#w!;
    this.#start(w, value, false);
    this.#yieldAt = pieceSize;
    try {
      this.#save(value, true);
      for (;;) {
        this.#drain();
        if (w.piecesBytes > 0) {
          yield* w.pieces;
          w.recycle();
        }
        if (this.#work.length === 0) break;
      }
      this.#end(w);
      yield* w.pieces;
      if (w.pos > 0) yield w.buf.subarray(0, w.pos);
    } catch (error) {
      throw this.#failure(error);
    } finally {
      this.#yieldAt = Number.POSITIVE_INFINITY;
      this.#work.length = 0;
      this.#forgetRecord();
      w.reset();
    }
  }

  /** After a dump: the string memo is this pickler's own again, no record of a loaded value applies, no value is held. */
  #forgetRecord(): void {
    this.#absent = null;
    this.#freshTexts = false;
    if (this.#exact !== null) {
      this.#strings = this.#exact.base;
      this.#exact = null;
    }
    this.#getattrForms = null;
  }

  /** Before a dump; `inSlab`: small output is written straight into the slab of small results (not when streaming). */
  #start(w: Writer, value: unknown, inSlab: boolean): void {
    w.reset(inSlab);
    if (this.#work.length !== 0) this.#work.length = 0;
    this.#nested = 0;
    if (this.#trail.length > 0) this.#trail = [];
    this.#reconstructing = null;
    const record = recordOf(value);
    if (record !== undefined) {
      const strings = record.strings;
      // Every str new to an empty memo that no later dump shares: none is looked up.
      if (strings === ALL_FRESH) this.#freshTexts = this.#lent && this.#memoCount === 0;
      else if (strings !== null) this.#strings = this.#exact = new ExactStringMemo(strings, this.#strings);
      this.#getattrForms = record.getattr;
      // The record's memo indices are the pickle's: from an empty memo only.
      if (record.objects !== null && this.#memoCount === 0 && this.#memo.follow(record.objects))
        this.#following = true;
    }
    if (this.#proto >= 2) w.byte2(0x80, this.#proto);
    if (this.#proto >= 4) w.framing = true;
  }

  #end(w: Writer): void {
    w.byte(0x2e); // STOP
    w.commitFrame();
    w.framing = false;
  }

  /** The error to throw for `error`, met while saving: the path to the value is added. */
  #failure(error: unknown): unknown {
    if (error instanceof PicklingError && error.path === undefined) {
      return new PicklingError(error.reason, this.#path(), { cause: error });
    }
    if (error instanceof RangeError) {
      return new PicklingError(`resources exhausted: ${error.message}`, this.#path(), { cause: error });
    }
    return error;
  }

  /** Where the value being saved sits: `root` then one step per frame or container saved by recursion. */
  #path(): string {
    let path = 'root';
    const work = this.#work;
    const trail = this.#trail;
    // The trail is innermost first: read from its end, each step before the frames above its depth.
    let t = trail.length - 2;
    for (let d = 0; d <= work.length; d++) {
      for (; t >= 0 && trail[t] === d; t -= 2) path += trail[t + 1] as string;
      if (d < work.length) path += work[d]!.label + elementLabel(work[d]!);
    }
    return path;
  }

  #push(kind: number, obj: unknown, items: readonly unknown[], n: number, exact: boolean): Frame {
    let frame = this.#free.pop();
    if (frame === undefined)
      frame = { kind, obj, items, i: 0, n, exact, pending: 0, single: false, label: '' };
    else {
      frame.kind = kind;
      frame.obj = obj;
      frame.items = items;
      frame.i = 0;
      frame.n = n;
      frame.exact = exact;
      frame.pending = 0;
      frame.single = false;
      frame.label = '';
    }
    this.#work.push(frame);
    return frame;
  }

  /** Pops the top frame; it is kept for reuse, without its references. */
  #pop(): void {
    const frame = this.#work.pop()!;
    if (frame.kind === F_DICT && frame.exact) {
      // A Map's entries (#saveMap): emptied in place, the array kept for the next Map.
      const entries = frame.items as unknown[];
      entries.fill(undefined, 0, frame.n * 2);
      if (this.#spareEntries.length < KEEP_FRAMES && entries.length <= KEEP_ENTRIES)
        this.#spareEntries.push(entries);
    }
    frame.obj = null;
    frame.items = NO_ITEMS;
    if (this.#free.length < KEEP_FRAMES) this.#free.push(frame);
  }

  /** Runs the work stack until it is down to `floor` frames (a container saved by recursion waits above them). */
  #drain(floor = 0): void {
    const work = this.#work;
    const w = this.#w!;
    while (work.length > floor) {
      if (w.piecesBytes >= this.#yieldAt) return;
      const f = work[work.length - 1]!;
      switch (f.kind) {
        case F_LIST:
          this.#stepList(f);
          break;
        case F_DICT:
          this.#stepDict(f);
          break;
        case F_RECORD:
          this.#stepRecord(f);
          break;
        case F_TUPLE:
          this.#stepTuple(f);
          break;
        case F_ADDITEMS:
          this.#stepAddItems(f);
          break;
        case F_FROZENSET:
          this.#stepFrozenSet(f);
          break;
        default:
          this.#stepSteps(f);
      }
    }
  }

  /**
   * APPEND / APPENDS batches; `exact` follows batch_list_exact, else
   * batch_list (generic). Saves items in a loop until one pushes a frame.
   */
  #stepList(f: Frame): void {
    const w = this.#w!;
    const items = f.items;
    const work = this.#work;
    const depth = work.length;
    if (!this.#bin) {
      for (;;) {
        if (f.pending !== 0) w.byte(0x61); // APPEND
        f.pending = 0;
        if (f.i >= f.n) {
          this.#pop();
          return;
        }
        f.pending = 1;
        this.#save(items[f.i++], true);
        if (work.length !== depth) return;
      }
    }
    for (;;) {
      if (f.pending !== 0) w.byte(f.pending === 1 ? 0x61 : 0x65); // APPEND : APPENDS
      f.pending = 0;
      if (f.i >= f.n) {
        this.#pop();
        return;
      }
      if (f.i % BATCHSIZE === 0) {
        f.single = f.exact ? f.n === 1 : f.n - f.i === 1;
        if (!f.single) w.byte(0x28); // MARK
      }
      // The batch's items, up to its last, which sets the pending suffix.
      const last = Math.min(f.n, f.i - (f.i % BATCHSIZE) + BATCHSIZE) - 1;
      const numbers = this.#persistentId === undefined;
      const texts = this.#textsHere();
      while (f.i < last) {
        if (numbers) {
          f.i = this.#numbers(items, f.i, last, texts);
          if (w.piecesBytes >= this.#yieldAt) return;
          if (f.i >= last) break;
        }
        this.#save(items[f.i++], true);
        if (work.length !== depth || w.piecesBytes >= this.#yieldAt) return;
      }
      const item = items[f.i++];
      f.pending = f.single ? 1 : 2;
      this.#save(item, true);
      if (work.length !== depth) return;
    }
  }

  /**
   * Writes the numbers (and `PyFloat`s) of `items` from `i` on, and with
   * `texts` (see `#textsHere`) their short strings, None and bools too, up to `end` or the
   * first other item or integer beyond 32 bits, with the bytes `#save` writes
   * for them, and returns where it stopped. One type test per item, the
   * writer's state in locals, and its bounds and frame checked inline.
   */
  #numbers(items: readonly unknown[], i: number, end: number, texts: boolean): number {
    // A run of numbers alone by the short loop (a list of a million floats is a fifth faster there),
    // then, where the run stops at a short string, None or a bool, the loop that takes them all.
    i = this.#numberRun(items, i, end);
    if (!texts || i >= end) return i;
    const item = items[i];
    return typeof item === 'string' || item === null || item === undefined || typeof item === 'boolean'
      ? this.#mixedRun(items, i, end)
      : i;
  }

  /** The numbers (and `PyFloat`s) of `items` from `i` on: see {@link #numbers}. */
  #numberRun(items: readonly unknown[], i: number, end: number): number {
    const w = this.#w!;
    let buf = w.buf;
    let view = w.view;
    let pos = w.pos;
    // Up to `limit`, the frame needs no commit and the buffer has room: one comparison an item.
    let limit = numberLimit(w);
    for (; i < end; i++) {
      const item = items[i];
      let v: number;
      let float: boolean;
      if (typeof item === 'number') {
        v = item;
        if ((v | 0) === v)
          float = v === 0 && 1 / v < 0; // -0 is a float
        else if (Number.isInteger(v))
          break; // LONG1: the general path
        else float = true;
      } else if (item instanceof PyFloat) {
        v = item.value;
        float = true;
      } else break;
      if (pos > limit) {
        // An opcode boundary: the frame is committed once it holds FRAME_SIZE_TARGET bytes.
        if (w.frameStart >= 0 && pos - w.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) {
          w.pos = pos;
          w.commitFrame();
        }
        if (pos + 9 > buf.length || (w.frameStart < 0 && w.framing)) {
          w.pos = pos;
          w.ensure(9);
          buf = w.buf;
          view = w.view;
          pos = w.pos;
        }
        limit = numberLimit(w);
      }
      pos = putNumber(buf, view, pos, v, float);
    }
    w.pos = pos;
    return i;
  }

  /** Numbers, short strings, None and bools of `items` from `i` on, with `texts`: see {@link #numbers}. */
  #mixedRun(items: readonly unknown[], i: number, end: number): number {
    const w = this.#w!;
    let buf = w.buf;
    let view = w.view;
    let pos = w.pos;
    for (; i < end; i++) {
      const item = items[i];
      let v = 0;
      let float = false;
      let op = 0;
      if (typeof item === 'number') {
        v = item;
        if ((v | 0) === v)
          float = v === 0 && 1 / v < 0; // -0 is a float
        else if (Number.isInteger(v))
          break; // LONG1: the general path
        else float = true;
      } else if (typeof item === 'string') {
        const n = item.length;
        if (n > 85) break;
        // An opcode boundary, as below.
        if (w.frameStart >= 0 && pos - w.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) {
          w.pos = pos;
          w.commitFrame();
        }
        const index = this.#freshTexts ? -1 : this.#strings.lookupOrAdd(item, this.#memoCount);
        if (index >= 0) {
          w.pos = pos;
          this.#writeGet(index);
          buf = w.buf;
          view = w.view;
          pos = w.pos;
          continue;
        }
        this.#memoCount++;
        if (pos + 3 + 3 * n > buf.length || (w.frameStart < 0 && w.framing)) {
          w.pos = pos;
          w.ensure(3 + 3 * n);
          buf = w.buf;
          view = w.view;
          pos = w.pos;
        }
        // SHORT_BINUNICODE (at most 255 bytes, whatever the text) and MEMOIZE, as #saveStr: ASCII here.
        const start = pos;
        pos += 2;
        let k = 0;
        const cached = this.#cachedUtf8(item);
        if (cached !== null) {
          buf.set(cached, pos);
          pos += cached.length;
          k = n;
        }
        // Two units a step, as #putItem.
        for (; k + 1 < n; k += 2) {
          const c = item.charCodeAt(k);
          const d = item.charCodeAt(k + 1);
          if ((c | d) >= 0x80) break;
          buf[pos] = c;
          buf[pos + 1] = d;
          pos += 2;
        }
        for (; k < n; k++) {
          const c = item.charCodeAt(k);
          if (c >= 0x80) break;
          buf[pos++] = c;
        }
        if (k < n) pos = encodeUtf8Rest(item, k, buf, pos);
        buf[start] = 0x8c;
        buf[start + 1] = pos - start - 2;
        buf[pos++] = 0x94;
        continue;
      } else if (item === null || item === undefined)
        op = 0x4e; // NONE
      else if (typeof item === 'boolean')
        op = item ? 0x88 : 0x89; // NEWTRUE : NEWFALSE
      else if (item instanceof PyFloat) {
        v = item.value;
        float = true;
      } else break;
      // An opcode boundary: the frame is committed once it holds FRAME_SIZE_TARGET bytes.
      if (w.frameStart >= 0 && pos - w.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) {
        w.pos = pos;
        w.commitFrame();
      }
      if (pos + 9 > buf.length || (w.frameStart < 0 && w.framing)) {
        w.pos = pos;
        w.ensure(9);
        buf = w.buf;
        view = w.view;
        pos = w.pos;
      }
      if (op !== 0) buf[pos++] = op;
      else pos = putNumber(buf, view, pos, v, float);
    }
    w.pos = pos;
    return i;
  }

  /**
   * Writes `item` as `#save` would when it is an int of 32 bits, a float, a
   * str of at most 85 units (looked up in the string memo: SHORT_BINUNICODE
   * and MEMOIZE, or a GET), a bool or None, at protocol 4+ with no
   * persistent ids and no record of an exact load (see `#textsHere`), and
   * returns true; false, with nothing written, for any other item. Small
   * enough for V8 to inline into the run loops.
   */
  #putItem(item: unknown): boolean {
    const w = this.#w!;
    let pos = w.pos;
    // An opcode boundary: the frame is committed once it holds FRAME_SIZE_TARGET bytes.
    if (w.frameStart >= 0 && pos - w.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) {
      w.commitFrame();
      pos = w.pos;
    }
    if (typeof item === 'string') {
      const n = item.length;
      if (n > 85) return false;
      const index = this.#freshTexts ? -1 : this.#strings.lookupOrAdd(item, this.#memoCount);
      if (index >= 0) {
        this.#writeGet(index);
        return true;
      }
      this.#memoCount++;
      if (pos + 3 + 3 * n > w.buf.length || (w.frameStart < 0 && w.framing)) {
        w.ensure(3 + 3 * n);
        pos = w.pos;
      }
      // SHORT_BINUNICODE (at most 255 bytes, whatever the text) and MEMOIZE, as #saveStr: ASCII here.
      const buf = w.buf;
      const start = pos;
      pos += 2;
      let k = 0;
      const cached = this.#cachedUtf8(item);
      if (cached !== null) {
        buf.set(cached, pos);
        pos += cached.length;
        k = n;
      }
      // Two units a step (the bounds and kind of the string are checked once for both).
      for (; k + 1 < n; k += 2) {
        const c = item.charCodeAt(k);
        const d = item.charCodeAt(k + 1);
        if ((c | d) >= 0x80) break;
        buf[pos] = c;
        buf[pos + 1] = d;
        pos += 2;
      }
      for (; k < n; k++) {
        const c = item.charCodeAt(k);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (k < n) pos = encodeUtf8Rest(item, k, buf, pos);
      buf[start] = 0x8c;
      buf[start + 1] = pos - start - 2;
      buf[pos] = 0x94;
      w.pos = pos + 1;
      return true;
    }
    let v = 0;
    let float = false;
    let op = 0;
    if (typeof item === 'number') {
      v = item;
      if ((v | 0) === v)
        float = v === 0 && 1 / v < 0; // -0 is a float
      else if (Number.isInteger(v))
        return false; // LONG1: the general path
      else float = true;
    } else if (item === null || item === undefined)
      op = 0x4e; // NONE
    else if (typeof item === 'boolean')
      op = item ? 0x88 : 0x89; // NEWTRUE : NEWFALSE
    else if (item instanceof PyFloat) {
      v = item.value;
      float = true;
    } else return false;
    if (pos + 9 > w.buf.length || (w.frameStart < 0 && w.framing)) {
      w.ensure(9);
      pos = w.pos;
    }
    if (op !== 0) {
      w.buf[pos] = op;
      w.pos = pos + 1;
    } else w.pos = putNumber(w.buf, w.view, pos, v, float);
    return true;
  }

  /**
   * Entries of a dict from its `i`th on, with `texts` (see `#textsHere`):
   * a plain object's (`record` and its `keys`: each value read after its key
   * is written, so that a getter runs then, as when both go through `#save`)
   * or a Map's (read by its key and value iterators in step, no array of
   * entries made). Each simple key and value (see `#putItem`) is written
   * here. Returns `2 * i` for a stop before the key of entry `i` (left in
   * `#runKey`, with a Map's value in `#runValue`), `2 * i + 1` for a stop
   * after its key (its value left in `#runValue`, read once).
   */
  #entryRun(
    keys: readonly unknown[] | null,
    record: Record<string, unknown> | null,
    keyIterator: Iterator<unknown> | null,
    valueIterator: Iterator<unknown> | null,
    i: number,
    end: number,
  ): number {
    for (; i < end; i++) {
      let key: unknown;
      let item: unknown;
      if (keys !== null) key = keys[i];
      else {
        const next = keyIterator!.next();
        if (next.done === true) throw new PicklingError('dictionary changed size during iteration');
        key = next.value;
        item = valueIterator!.next().value;
      }
      this.#runKey = key;
      if (!this.#putItem(key)) {
        this.#runValue = item;
        return 2 * i;
      }
      if (record !== null) item = record[key as string];
      if (!this.#putItem(item)) {
        this.#runValue = item;
        return 2 * i + 1;
      }
    }
    return 2 * i;
  }

  /** The UTF-8 of `text` from the cache of recent strings (see `utf8Cached`) in a small dump, else null. */
  #cachedUtf8(text: string): Uint8Array | null {
    const n = text.length;
    return n >= UTF8_CACHE_MIN && n <= UTF8_CACHE_MAX && this.#memoCount < CACHED_WHILE
      ? utf8Cached(text)
      : null;
  }

  /** True when `#numbers` may write the short strings of a list or dict here. */
  #textsHere(): boolean {
    return this.#proto >= 4 && this.#exact === null && this.#persistentId === undefined;
  }

  /** SETITEM / SETITEMS batches over a plain object's keys (values read as they are saved); as batch_dict_exact. */
  #stepRecord(f: Frame): void {
    const w = this.#w!;
    const keys = f.items;
    const record = f.obj as Record<string, unknown>;
    const slots = f.n * 2;
    const work = this.#work;
    const depth = work.length;
    if (!this.#bin) {
      for (;;) {
        if (f.pending !== 0) w.byte(0x73); // SETITEM
        f.pending = 0;
        if (f.i >= slots) {
          this.#pop();
          return;
        }
        const slot = f.i++;
        if (slot % 2 === 1) f.pending = 1;
        const key = keys[slot >> 1] as string;
        this.#save(slot % 2 === 0 ? key : record[key], true);
        if (work.length !== depth) return;
      }
    }
    for (;;) {
      if (f.pending !== 0) w.byte(f.pending === 1 ? 0x73 : 0x75); // SETITEM : SETITEMS
      f.pending = 0;
      if (f.i >= slots) {
        // batch_dict_exact loops while a batch was full: a multiple of 1000 items ends with an empty batch.
        if (f.n % BATCHSIZE === 0) w.byte2(0x28, 0x75); // MARK SETITEMS
        this.#pop();
        return;
      }
      const pair = f.i >> 1;
      if (f.i % 2 === 0 && pair % BATCHSIZE === 0) {
        f.single = f.n === 1;
        if (!f.single) w.byte(0x28); // MARK
      }
      const slot = f.i++;
      const key = keys[slot >> 1] as string;
      if (slot % 2 === 0) {
        this.#save(key, true);
      } else {
        if ((pair + 1) % BATCHSIZE === 0 || pair + 1 === f.n) f.pending = f.single ? 1 : 2;
        this.#save(record[key], true);
      }
      if (work.length !== depth || (f.pending === 0 && w.piecesBytes >= this.#yieldAt)) return;
    }
  }

  /** SETITEM / SETITEMS batches over flattened entries; `exact` follows batch_dict_exact. */
  #stepDict(f: Frame): void {
    const w = this.#w!;
    const items = f.items;
    const slots = f.n * 2;
    const work = this.#work;
    const depth = work.length;
    if (!this.#bin) {
      for (;;) {
        if (f.pending !== 0) w.byte(0x73); // SETITEM
        f.pending = 0;
        if (f.i >= slots) {
          this.#pop();
          return;
        }
        if (f.i % 2 === 1) f.pending = 1;
        this.#save(items[f.i++], true);
        if (work.length !== depth) return;
      }
    }
    for (;;) {
      if (f.pending !== 0) w.byte(f.pending === 1 ? 0x73 : 0x75); // SETITEM : SETITEMS
      f.pending = 0;
      if (f.i >= slots) {
        // batch_dict_exact loops while a batch was full: a multiple of 1000 items ends with an empty batch.
        if (f.exact && f.n % BATCHSIZE === 0) w.byte2(0x28, 0x75); // MARK SETITEMS
        this.#pop();
        return;
      }
      const pair = f.i >> 1;
      if (f.i % 2 === 0 && pair % BATCHSIZE === 0) {
        f.single = f.exact ? f.n === 1 : f.n - pair === 1;
        if (!f.single) w.byte(0x28); // MARK
      }
      const slot = f.i++;
      if (slot % 2 === 1 && ((pair + 1) % BATCHSIZE === 0 || pair + 1 === f.n)) f.pending = f.single ? 1 : 2;
      this.#save(items[slot], true);
      if (work.length !== depth || (f.pending === 0 && w.piecesBytes >= this.#yieldAt)) return;
    }
  }

  /** Saves the items of `f` left to save until one opens a frame of its own: true when all are saved. */
  #saveRest(f: Frame): boolean {
    const work = this.#work;
    const depth = work.length;
    const w = this.#w!;
    while (f.i < f.n) {
      this.#save(f.items[f.i++], true);
      if (work.length !== depth || (f.i < f.n && w.piecesBytes >= this.#yieldAt)) return false;
    }
    return true;
  }

  /** Tuple items, then TUPLE1-3 / TUPLE, or POP(s) and GET when saving the items memoized the tuple (recursion). */
  #stepTuple(f: Frame): void {
    if (!this.#saveRest(f)) return;
    const w = this.#w!;
    const n = f.n;
    const tuple = f.obj;
    this.#pop();
    const small = n <= 3 && this.#proto >= 2;
    const index = tuple === null ? undefined : this.#memo.get(tuple, this.#memoCount);
    if (index !== undefined) {
      if (small)
        for (let i = 0; i < n; i++) w.byte(0x30); // POP
      else if (this.#bin)
        w.byte(0x31); // POP_MARK
      else for (let i = 0; i <= n; i++) w.byte(0x30);
      this.#writeGet(index);
      return;
    }
    w.byte(small ? 0x84 + n : 0x74); // TUPLE1-3 or TUPLE
    this.#memoize(tuple);
  }

  #stepAddItems(f: Frame): void {
    const w = this.#w!;
    const work = this.#work;
    const depth = work.length;
    for (;;) {
      if (f.pending !== 0) w.byte(0x90); // ADDITEMS
      f.pending = 0;
      if (f.i >= f.n) {
        // save_set loops while a batch was full: a multiple of 1000 items ends with an empty batch.
        if (f.exact && f.n % BATCHSIZE === 0) w.byte2(0x28, 0x90); // MARK ADDITEMS
        this.#pop();
        return;
      }
      if (f.i % BATCHSIZE === 0) w.byte(0x28); // MARK
      const item = f.items[f.i++];
      if (f.i % BATCHSIZE === 0 || f.i === f.n) f.pending = 2;
      this.#save(item, true);
      if (work.length !== depth || w.piecesBytes >= this.#yieldAt) return;
    }
  }

  #stepFrozenSet(f: Frame): void {
    if (!this.#saveRest(f)) return;
    const set = f.obj;
    this.#pop();
    const index = this.#memo.get(set, this.#memoCount);
    if (index !== undefined) {
      this.#w!.byte(0x31); // POP_MARK
      this.#writeGet(index);
      return;
    }
    this.#w!.byte(0x91); // FROZENSET
    this.#memoize(set);
  }

  #stepSteps(f: Frame): void {
    if (f.i >= f.items.length) {
      this.#pop();
      return;
    }
    const kind = f.items[f.i] as number;
    const arg = f.items[f.i + 1];
    f.i += 2;
    switch (kind) {
      case S_SAVE:
        this.#save(arg, true);
        return;
      case S_SAVE_PLAIN:
        this.#save(arg, false);
        return;
      case S_FRESH_TUPLE:
        this.#saveFreshTuple(arg as readonly unknown[]);
        return;
      case S_OP:
        this.#w!.byte(arg as number);
        return;
      case S_MEMO: {
        // `n` (of a #saveObject's steps): 1 + the memo's version when #save did not find `arg` in it. No
        // object entered the memo since (the same version): `arg` is not there either, no lookup.
        const index =
          arg === null || (f.n !== 0 && f.n - 1 === this.#memo.version)
            ? undefined
            : this.#memo.get(arg, this.#memoCount);
        if (index !== undefined) {
          // The object was written while its arguments were: drop this copy, read that one, and
          // write nothing more for it (no items, no state), as CPython's C pickler returns here.
          this.#w!.byte(0x30); // POP
          this.#writeGet(index);
          f.i = f.items.length;
        } else {
          this.#memoize(arg);
        }
        return;
      }
      case S_LIST: {
        const items = arg as readonly unknown[];
        this.#push(F_LIST, null, items, items.length, false).label = '.listitems';
        return;
      }
      case S_DICT: {
        const pairs = arg as readonly (readonly [unknown, unknown])[];
        this.#push(F_DICT, null, pairs.flat(), pairs.length, false).label = '.dictitems';
        return;
      }
      case S_ADD: {
        const items = arg as readonly unknown[];
        this.#push(F_ADDITEMS, null, items, items.length, false).label = '.setitems';
        return;
      }
      case S_RAW: {
        const w = this.#w!;
        w.commitFrame();
        const bytes =
          typeof arg === 'function' ? (arg as (offset: number) => Uint8Array)(w.offset) : (arg as Uint8Array);
        const framing = w.framing;
        w.framing = false;
        w.bytes(bytes);
        w.framing = framing;
        return;
      }
      case S_GLOBAL_MEMO: {
        const global = arg as PyGlobal;
        this.#lastGlobal = -1;
        this.#globalMemo.set(global.module, global.name, this.#memoCount);
        this.#memoize(null);
        return;
      }
      default: {
        const global = arg as PyGlobal;
        this.#globalLine(0x69, global.module, global.name); // INST
      }
    }
  }

  /** Saves one value: atoms at once, containers by pushing a frame. */
  #save(value: unknown, allowPersistent: boolean): void {
    const w = this.#w!;
    if (w.frameStart >= 0) w.boundary();
    if (allowPersistent && this.#persistentId !== undefined) {
      const pid = this.#persistentId(value);
      if (pid !== undefined && pid !== null) {
        this.#savePersistent(pid);
        return;
      }
    }
    if (value === null || value === undefined) {
      w.byte(0x4e); // NONE
      return;
    }
    const type = typeof value;
    if (type === 'number') {
      const v = value as number;
      if (Number.isInteger(v) && !Object.is(v, -0)) this.#saveInt(v);
      else this.#saveFloat(v);
      return;
    }
    if (type === 'string') {
      this.#saveStr(value as string);
      return;
    }
    if (type === 'boolean') {
      if (this.#proto >= 2) w.byte(value ? 0x88 : 0x89);
      else w.ascii(value ? 'I01\n' : 'I00\n');
      return;
    }
    if (type === 'bigint') {
      this.#saveBigInt(value as bigint);
      return;
    }
    if (type !== 'object') {
      throw new PicklingError(`cannot pickle a ${type === 'function' ? 'function' : type}`);
    }
    const obj = value as object;
    // The plain containers first, told apart by their prototype (one read), with no class test on the way.
    const proto = Object.getPrototypeOf(obj);
    if (proto === Array.prototype && Array.isArray(obj)) {
      const frozen = Object.isFrozen(obj);
      if (frozen && this.#saveAtomTuple(obj as readonly unknown[])) return;
      // A tuple is memoized after its items, and looked up again then (#stepTuple): an UNSURE is no.
      let index = this.#memo.probe(obj, this.#memoCount);
      if (index === UNSURE) index = frozen ? undefined : this.#memo.get(obj, this.#memoCount);
      if (index !== undefined) {
        this.#writeGet(index);
        return;
      }
      this.#absent = obj;
      this.#absentAt = this.#memo.version;
      if (frozen) this.#saveTuple(obj as readonly unknown[]);
      else this.#saveList(obj as readonly unknown[], true);
      return;
    }
    if (proto === Object.prototype || proto === Map.prototype) {
      const index = this.#memo.get(obj, this.#memoCount);
      if (index !== undefined) {
        this.#writeGet(index);
        return;
      }
      this.#absent = obj;
      this.#absentAt = this.#memo.version;
      if (proto === Object.prototype) this.#saveDict(obj, Object.keys(obj));
      else this.#saveMap(obj as Map<unknown, unknown>);
      return;
    }
    if (obj instanceof PyFloat) {
      this.#saveFloat(obj.value);
      return;
    }
    // A global is in the memo by identity only once one entered it so (see #keyedGlobals).
    let index =
      obj instanceof PyGlobal && !this.#keyedGlobals ? undefined : this.#memo.probe(obj, this.#memoCount);
    if (index === UNSURE)
      index = lookedUpAgain(obj, this.#proto) ? undefined : this.#memo.get(obj, this.#memoCount);
    if (index !== undefined) {
      this.#writeGet(index);
      return;
    }
    this.#absent = obj;
    this.#absentAt = this.#memo.version;
    if (Array.isArray(obj)) {
      // Of another prototype (a plain array or tuple was saved above).
      if (this.#saveSpecial(obj)) return;
      if (Object.isFrozen(obj)) this.#saveTuple(obj);
      else this.#saveList(obj, true);
      return;
    }
    if (obj instanceof Uint8Array) {
      if (obj instanceof PyByteArray) this.#saveByteArray(obj, obj);
      else this.#saveBytes(obj, obj);
      return;
    }
    if (this.#saveSpecial(obj)) return;
    if (obj instanceof Map) {
      this.#saveMap(obj);
      return;
    }
    if (obj instanceof PyGlobal) {
      if (obj instanceof GetattrGlobal) this.#saveGetattr(obj);
      else this.#saveGlobal(obj.module, obj.name);
      return;
    }
    if (obj instanceof PyObject) {
      this.#saveObject(obj);
      return;
    }
    if (obj instanceof Set) {
      this.#saveSet(obj);
      return;
    }
    if (obj instanceof FreshString) {
      this.#saveString(obj.text, obj);
      return;
    }
    if (obj instanceof PickleBuffer) {
      this.#savePickleBuffer(obj);
      return;
    }
    if (obj instanceof ArrayBuffer) {
      this.#saveBytes(new Uint8Array(obj), obj);
      return;
    }
    if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      // Any other typed array: Python's array.array of the same machine type (typecodes b h H i I q Q f d;
      // Uint8ClampedArray is B). Registered reducers came first (numpyTypedArrays writes numpy arrays).
      const array = PyArray.ofTypedArray(obj as TypedArray);
      if (array === null) throw new PicklingError(`cannot pickle a ${obj.constructor.name}`);
      const r = array[PY_REDUCE](this.#proto);
      this.#saveReduction(obj, r, r.callable);
      return;
    }
    if (obj instanceof DataView) {
      this.#saveBytes(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength), obj);
      return;
    }
    if (obj instanceof String) {
      // A str that an exact load could not give as a string primitive (see exact-strings.ts).
      this.#save(obj.valueOf(), false);
      return;
    }
    const name = (obj as { constructor?: { name?: unknown } }).constructor?.name;
    throw new PicklingError(
      `cannot pickle ${typeof name === 'string' && name !== '' ? `a ${name} instance` : 'this object'}: brine pickles plain data, Map, Set, typed bytes and its own Python value classes`,
    );
  }

  #savePersistent(pid: unknown): void {
    if (this.#bin) {
      // The id is saved like any value (not itself checked for an id), then BINPERSID.
      this.#pushSteps([S_SAVE_PLAIN, pid, S_OP, 0x51], '.persistentId');
      return;
    }
    if (typeof pid !== 'string' || !/^[\x20-\x7e]*$/.test(pid) || pid.includes('\n')) {
      throw new PicklingError('persistent IDs in protocol 0 must be ASCII strings');
    }
    this.#w!.ascii(`P${pid}\n`);
  }

  /** A text opcode and its decimal argument (an integer of at most 32 bits): `g12\n`, `p3\n`, `I-5\n`. */
  #textLine(opcode: number, v: number): void {
    const w = this.#w!;
    w.ensure(13);
    const buf = w.buf;
    let p = w.pos;
    buf[p++] = opcode;
    if (v < 0) {
      buf[p++] = 0x2d; // -
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    p += digits;
    for (let i = 1; i <= digits; i++) {
      buf[p - i] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    buf[p++] = 0x0a;
    w.pos = p;
  }

  #writeGet(index: number): void {
    const w = this.#w!;
    if (!this.#bin)
      this.#textLine(0x67, index); // GET
    else if (index < 256) w.byte2(0x68, index);
    else {
      w.byte(0x6a);
      w.u32(index);
    }
  }

  /** Records `obj` at the next memo index and writes the memo opcode. `obj` null: memoize without a key. */
  #memoize(obj: unknown): void {
    const index = this.#memoCount++;
    if (typeof obj === 'string') this.#strings.set(obj, index);
    else if (obj !== null) {
      if (obj instanceof PyGlobal) this.#keyedGlobals = true;
      this.#memo.set(obj as object, index);
    }
    this.#writePut(index);
  }

  #writePut(index: number): void {
    const w = this.#w!;
    if (this.#proto >= 4)
      w.byte(0x94); // MEMOIZE
    else if (!this.#bin)
      this.#textLine(0x70, index); // PUT
    else if (index < 256) w.byte2(0x71, index);
    else {
      w.byte(0x72);
      w.u32(index);
    }
  }

  #saveInt(v: number): void {
    const w = this.#w!;
    if (v >= -0x80000000 && v <= 0x7fffffff) {
      if (!this.#bin)
        this.#textLine(0x49, v); // INT
      else if (v >= 0 && v < 0x100) w.byte2(0x4b, v);
      else if (v >= 0 && v < 0x10000) {
        w.ensure(3);
        w.buf[w.pos++] = 0x4d;
        w.buf[w.pos++] = v & 0xff;
        w.buf[w.pos++] = v >> 8;
      } else {
        w.byte(0x4a);
        w.i32(v);
      }
      return;
    }
    if (!Number.isSafeInteger(v)) {
      this.#saveBigInt(BigInt(v));
      return;
    }
    if (this.#proto < 2) {
      w.ascii(`L${v}L\n`);
      return;
    }
    // LONG1 of a safe integer without BigInt: 8 little-endian bytes from two 32-bit halves, then
    // _pickle.c's length: (bit length >> 3) + 1, less a redundant 0xff of a negative value.
    const abs = Math.abs(v);
    const nbits = abs >= 0x100000000 ? 64 - Math.clz32(Math.floor(abs / 0x100000000)) : 32 - Math.clz32(abs);
    let nbytes = (nbits >> 3) + 1;
    const hi = Math.floor(v / 0x100000000);
    const lo = v - hi * 0x100000000;
    w.ensure(2 + 8);
    const buf = w.buf;
    const at = w.pos + 2;
    w.view.setUint32(at, lo, true);
    w.view.setInt32(at + 4, hi, true);
    if (v < 0 && nbytes > 1 && buf[at + nbytes - 1] === 0xff && (buf[at + nbytes - 2]! & 0x80) !== 0)
      nbytes--;
    buf[w.pos] = 0x8a;
    buf[w.pos + 1] = nbytes;
    w.pos += 2 + nbytes;
  }

  #saveBigInt(v: bigint): void {
    const w = this.#w!;
    if (this.#proto < 2) {
      if (v >= INT32_MIN_BIG && v <= INT32_MAX_BIG) this.#saveInt(Number(v));
      else w.ascii(`L${decimalText(v)}L\n`);
      return;
    }
    // LONG1 straight into the buffer: the opcode, then the length once the bytes are written. The
    // count tells the rest apart without comparing first: at most 4 bytes is an int32 (BININT*,
    // nothing kept of what was written), more than 255 needs LONG4.
    w.ensure(2 + 256);
    const at = w.pos;
    const n = writeLong(v, w.view, at + 2);
    if (n <= 4) {
      this.#saveInt(Number(v));
      return;
    }
    if (n <= 255) {
      w.buf[at] = 0x8a;
      w.buf[at + 1] = n;
      w.pos = at + 2 + n;
      return;
    }
    // LONG4: the payload decoded from hex text straight into the output.
    const text = longText(v);
    const nbytes = longTextBytes(text);
    w.byte(0x8b);
    w.i32(nbytes);
    w.ensure(nbytes);
    writeLongText(text, v < 0n, w.buf, w.pos, nbytes);
    w.pos += nbytes;
  }

  #saveFloat(v: number): void {
    const w = this.#w!;
    if (this.#bin) {
      w.ensure(9);
      w.buf[w.pos] = 0x47; // BINFLOAT
      w.view.setFloat64(w.pos + 1, v, false);
      w.pos += 9;
    } else {
      w.byte(0x46); // FLOAT
      w.ascii(floatRepr(v));
      w.byte(0x0a);
    }
  }

  /**
   * A str met as a value: a memo read, or written and memoized. Kept small (V8 inlines the memo's
   * first tier and the writer into it); the common case, a short str at protocol 4+, is written
   * with its MEMOIZE in one bound check.
   */
  #saveStr(text: string): void {
    const index = this.#freshTexts ? FRESH : this.#strings.get(text);
    if (index >= 0) this.#writeGet(index);
    else if (text.length <= 85 && this.#proto >= 4 && (this.#exact === null || index === FRESH)) {
      // SHORT_BINUNICODE (at most 255 bytes, whatever the text), then MEMOIZE; by value unless the
      // record of an exact load says this str was written fresh at each occurrence.
      this.#w!.shortUtf8(0x8c, text, 0x94);
      const memo = this.#memoCount++;
      if (index !== FRESH) this.#strings.set(text, memo);
    } else this.#saveString(text, index === FRESH ? null : text);
  }

  /**
   * A str: UNICODE (protocol 0), SHORT_BINUNICODE, BINUNICODE or BINUNICODE8; then memoized (by
   * value, or without a key for `key` null: a str the record of an exact load does not plan).
   */
  #saveString(text: string, key: string | FreshString | null): void {
    const w = this.#w!;
    if (this.#exact !== null && key !== null) {
      const raw = this.#exact.writing(text, typeof key === 'string', this.#memoCount);
      if (raw !== null) {
        this.#writeStringPayload(raw);
        this.#memoize(key);
        return;
      }
    }
    if (!this.#bin) {
      w.byte(0x56); // UNICODE
      writeRawUnicodeEscape(w, text);
      w.byte(0x0a);
    } else {
      const cached = this.#cachedUtf8(text);
      if (cached === null && text.length <= 85) {
        // At most 255 bytes, whatever the text, so no measuring pass: SHORT_BINUNICODE, or BINUNICODE
        // below protocol 4, its length written after the text.
        w.shortUtf8(this.#proto >= 4 ? 0x8c : 0x58, text);
        this.#memoize(key);
        return;
      }
      const n = cached !== null ? cached.length : utf8Length(text);
      let unframed: boolean;
      if (n < 256 && this.#proto >= 4)
        unframed = w.header(0x8c, 1, n); // SHORT_BINUNICODE
      else if (n <= 0xffffffff)
        unframed = w.header(0x58, 4, n); // BINUNICODE
      else if (this.#proto >= 4)
        unframed = w.header(0x8d, 8, n); // BINUNICODE8
      else throw new PicklingError('cannot serialize a string larger than 4 GiB at protocols below 4');
      if (cached !== null) w.bytes(cached);
      else w.utf8(text, n);
      w.endPayload(unframed);
    }
    this.#memoize(key);
  }

  /** A str's payload as the original pickle spelled it (exact mode: surrogate pairs written apart). */
  #writeStringPayload(raw: Uint8Array): void {
    const w = this.#w!;
    if (!this.#bin) {
      w.byte(0x56); // UNICODE
      w.bytes(raw);
      w.byte(0x0a);
      return;
    }
    const n = raw.length;
    const unframed =
      n < 256 && this.#proto >= 4
        ? w.header(0x8c, 1, n)
        : n <= 0xffffffff
          ? w.header(0x58, 4, n)
          : w.header(0x8d, 8, n);
    w.bytes(raw);
    w.endPayload(unframed);
  }

  /** bytes: SHORT_BINBYTES / BINBYTES / BINBYTES8, or `_codecs.encode(latin1, 'latin1')` below protocol 3. */
  #saveBytes(data: Uint8Array, obj: object): void {
    if (this.#proto < 3) {
      if (data.length === 0) this.#saveReduce(G_BYTES, [], obj);
      else {
        // CPython's one-character Latin-1 strings are shared singletons (so memoized like any
        // string); longer ones are fresh objects, memoized but never met again.
        const text = decodeLatin1(data, 0, data.length);
        this.#saveReduce(G_CODECS_ENCODE, [text.length === 1 ? text : new FreshString(text), 'latin1'], obj);
      }
      return;
    }
    this.#writeBytes(data);
    this.#memoize(obj);
  }

  #writeBytes(data: Uint8Array): void {
    const w = this.#w!;
    const n = data.length;
    let unframed: boolean;
    if (n < 256)
      unframed = w.header(0x43, 1, n); // SHORT_BINBYTES
    else if (n <= 0xffffffff)
      unframed = w.header(0x42, 4, n); // BINBYTES
    else if (this.#proto >= 4)
      unframed = w.header(0x8e, 8, n); // BINBYTES8
    else throw new PicklingError('cannot serialize a bytes object larger than 4 GiB at protocols below 4');
    w.bytes(data);
    w.endPayload(unframed);
  }

  #writeByteArray(data: Uint8Array): void {
    const unframed = this.#w!.header(0x96, 8, data.length); // BYTEARRAY8
    this.#w!.bytes(data);
    this.#w!.endPayload(unframed);
  }

  /** bytearray: BYTEARRAY8 at protocol 5, else `bytearray(bytes)` through REDUCE. */
  #saveByteArray(data: Uint8Array, obj: object): void {
    if (this.#proto < 5) {
      this.#saveReduce(G_BYTEARRAY, data.length === 0 ? [] : [new Uint8Array(data)], obj);
      return;
    }
    this.#writeByteArray(data);
    this.#memoize(obj);
  }

  #savePickleBuffer(buffer: PickleBuffer): void {
    if (this.#proto < 5) throw new PicklingError('PickleBuffer can only be pickled with protocol >= 5');
    // As Python: out of band when the callback returns a false value (`undefined` included).
    const inBand = this.#bufferCallback === undefined || Boolean(this.#bufferCallback(buffer));
    if (inBand) {
      if (buffer.readonly) this.#writeBytes(buffer.data);
      else this.#writeByteArray(buffer.data);
      this.#memoize(buffer);
      return;
    }
    this.#w!.byte(0x97); // NEXT_BUFFER
    if (buffer.readonly) this.#w!.byte(0x98); // READONLY_BUFFER
  }

  #saveList(list: readonly unknown[], exact: boolean): void {
    if (this.#bin)
      this.#w!.byte(0x5d); // EMPTY_LIST
    else this.#w!.byte2(0x28, 0x6c); // MARK LIST
    this.#memoize(list);
    const n = list.length;
    if (n === 0) return;
    if (exact && n < BATCHSIZE && this.#recursing()) {
      // One batch (batch_list_exact's single-item rule), saved without a frame.
      const w = this.#w!;
      if (n > 1) w.byte(0x28); // MARK
      this.#saveItems(list, n);
      w.byte(n > 1 ? 0x65 : 0x61); // APPENDS : APPEND
      return;
    }
    this.#push(F_LIST, list, list, n, exact);
  }

  /**
   * True when a list or dict of fewer items than a batch may be saved by
   * recursion (#saveItems) here: binary protocols, no persistent ids, not
   * streaming (whose work loops return between pieces), and fewer than
   * INLINE_DEPTH containers saved so already.
   */
  #recursing(): boolean {
    return (
      this.#nested < INLINE_DEPTH &&
      this.#bin &&
      this.#persistentId === undefined &&
      this.#yieldAt === Number.POSITIVE_INFINITY
    );
  }

  /**
   * Saves a list's items `list[0, n)` in place, without a frame (a small
   * dict's entries take `#saveEntries`). A value that pushes a frame (a tuple
   * of containers, a Set, an object with a reducer) has its frames run before
   * the next item. An error thrown through here leaves a step in #trail, so
   * that its path names the item as a frame would.
   */
  #saveItems(list: readonly unknown[], n: number): void {
    const work = this.#work;
    const depth = work.length;
    this.#nested++;
    let i = 0;
    try {
      const texts = this.#textsHere();
      while (i < n) {
        i = this.#numbers(list, i, n, texts);
        if (i >= n) break;
        this.#save(list[i++], true);
        if (work.length !== depth) this.#drain(depth);
      }
    } catch (error) {
      this.#trail.push(depth, `[${i - 1}]`);
      throw error;
    } finally {
      this.#nested--;
    }
  }

  #saveTuple(items: readonly unknown[]): void {
    const n = items.length;
    if (n === 0) {
      if (this.#bin)
        this.#w!.byte(0x29); // EMPTY_TUPLE
      else this.#w!.byte2(0x28, 0x74); // MARK TUPLE
      return;
    }
    // A plain tuple of atoms does not come here (see #saveAtomTuple): a tuple of another prototype
    // (a subclass its reducer declined) does, and takes a frame whatever its items (the same bytes).
    if (n > 3 || this.#proto < 2) this.#w!.byte(0x28); // MARK
    this.#push(F_TUPLE, items, items, n, true);
  }

  /**
   * A plain tuple (a frozen array) of at most INLINE_MAX atoms, or the empty
   * tuple (never memoized), written at once; false for any other tuple. Such
   * a tuple is memoized in the TupleMemo (by the hash of its items and its
   * identity), not in the Map, and only here: whether a tuple is one is a
   * property of its items, which cannot change, so every lookup of it comes
   * here too.
   */
  #saveAtomTuple(items: readonly unknown[]): boolean {
    const n = items.length;
    const w = this.#w!;
    if (n === 0) {
      if (this.#bin)
        w.byte(0x29); // EMPTY_TUPLE
      else w.byte2(0x28, 0x74); // MARK TUPLE
      return true;
    }
    if (n > INLINE_MAX || this.#persistentId !== undefined) return false;
    if (this.#following) return this.#saveAtomTupleFollowing(items, n);
    const few = this.#fewTuples;
    const count = this.#fewTupleCount;
    if (count >= 0) {
      // The first tier: the first FEW_TUPLES tuples of a memo, compared by identity (no hash).
      for (let i = 0; i < count; i++)
        if (few[i] === items) {
          this.#writeGet(this.#fewTupleIds[i]!);
          return true;
        }
      if (!allAtoms(items)) return false;
      if (count < FEW_TUPLES) {
        this.#writeAtomTuple(items, n);
        const index = this.#memoCount++;
        few[count] = items;
        this.#fewTupleIds[count] = index;
        this.#fewTupleCount = count + 1;
        this.#writePut(index);
        return true;
      }
      // On to the TupleMemo, with the tuples so far (fewer than MAX_EQUAL of one hash: none overflows).
      for (let i = 0; i < count; i++) {
        const tuple = few[i]!;
        this.#tuples.add(tuple, hashAtoms(tuple), this.#fewTupleIds[i]!);
        few[i] = null;
      }
      this.#fewTupleCount = -1;
    }
    const h = hashAtoms(items);
    if (h === NOT_ATOMS) return false;
    const memo = this.#tuples;
    let index = memo.get(items, h);
    const overflow = index === OVERFLOW;
    if (overflow) index = this.#memo.get(items, this.#memoCount) ?? -1;
    if (index >= 0) {
      this.#writeGet(index);
      return true;
    }
    this.#writeAtomTuple(items, n);
    index = this.#memoCount++;
    if (overflow) this.#memo.set(items, index);
    else memo.add(items, h, index);
    this.#writePut(index);
    return true;
  }

  /**
   * #saveAtomTuple while the memo follows the record of an exact load: the tuple is memoized in #memo
   * (which holds it by a bit when it is the record's tuple at its index), as every tuple of that memo.
   */
  #saveAtomTupleFollowing(items: readonly unknown[], n: number): boolean {
    const memo = this.#memo;
    let index = memo.probe(items, this.#memoCount);
    if (index !== undefined && index >= 0) {
      this.#writeGet(index);
      return true;
    }
    if (!allAtoms(items)) return false;
    this.#writeAtomTuple(items, n);
    const at = this.#memoCount;
    if (index === UNSURE) {
      // Not the record's object at the index it would have had before its items, nor one read back: now.
      // Met before after all (the value changed since it was loaded): the tuple just built is dropped.
      index = memo.get(items, at);
      if (index !== undefined) {
        this.#w!.byte(0x30); // POP
        this.#writeGet(index);
        return true;
      }
    }
    this.#memoCount = at + 1;
    memo.set(items, at);
    this.#writePut(at);
    return true;
  }

  /** The items of a tuple of `n` atoms and TUPLE1-3 / MARK ... TUPLE (its memo opcode left to the caller). */
  #writeAtomTuple(items: readonly unknown[], n: number): void {
    const w = this.#w!;
    const small = n <= 3 && this.#proto >= 2;
    if (!small) w.byte(0x28); // MARK
    if (this.#textsHere()) {
      for (let i = 0; i < n; i++) if (!this.#putItem(items[i])) this.#save(items[i], false);
    } else for (let i = 0; i < n; i++) this.#save(items[i], false);
    w.byte(small ? 0x84 + n : 0x74); // TUPLE1-3 or TUPLE
  }

  #saveDict(obj: object, keys: string[]): void {
    const n = keys.length;
    if (n > 0 && n < BATCHSIZE && this.#recursing()) {
      this.#saveEntries(obj, keys, n);
      return;
    }
    if (this.#bin)
      this.#w!.byte(0x7d); // EMPTY_DICT
    else this.#w!.byte2(0x28, 0x64); // MARK DICT
    this.#memoize(obj);
    if (n > 0) this.#push(F_RECORD, obj, keys, n, true);
  }

  #saveMap(map: Map<unknown, unknown>): void {
    const n = map.size;
    // The entries flattened [k0, v0, k1, v1 ...] into an array of the pickler's own, reused (see #pop):
    // a new array per big dict costs its fresh pages, more than filling it.
    if (n === 0) {
      if (this.#bin) this.#w!.byte(0x7d);
      else this.#w!.byte2(0x28, 0x64);
      this.#memoize(map);
      return;
    }
    if (n < BATCHSIZE && this.#recursing()) {
      this.#saveEntries(map, null, n);
      return;
    }
    // A new array has its size from the start: grown entry by entry, it left garbage of about twice its
    // size (each outgrown copy, big ones in their own pages), resident until a collection.
    const spare = this.#spareEntries.pop();
    const entries = spare ?? new Array<unknown>(2 * n);
    // Keys, then values: no [key, value] array per entry as `for (const [k, v] of map)` makes.
    let i = 0;
    if (spare === undefined && n >= BIG_MAP) {
      // The first big Map of a pickler, by `forEach`: the iterators make a result object per key and
      // value until the loop is optimized, which a first dump of one big Map does not reach (200,000
      // entries: 15 MB). Once optimized they make none and run 5-10% faster than `forEach` here.
      map.forEach((v, k) => {
        if (typeof k === 'object' && k !== null) checkHashable(k, 'a dict key');
        entries[i++] = k;
        entries[i++] = v;
      });
    } else {
      // Many small Maps: the iterators, once optimized, make nothing; a closure each would.
      for (const k of map.keys()) {
        if (typeof k === 'object' && k !== null) checkHashable(k, 'a dict key');
        entries[i] = k;
        i += 2;
      }
      let j = 1;
      for (const v of map.values()) {
        entries[j] = v;
        j += 2;
      }
    }
    if (this.#bin) this.#w!.byte(0x7d);
    else this.#w!.byte2(0x28, 0x64);
    this.#memoize(map);
    const pairs = i >> 1;
    if (i > this.#entriesMax) this.#entriesMax = i;
    this.#push(F_DICT, null, entries, pairs, true);
  }

  /**
   * A dict of `n` entries, fewer than a batch, saved by recursion (see
   * `#saveItems`; one batch, batch_dict_exact's single-item rule): a plain
   * object with its `names`, or a Map (`names` null), read by its key and
   * value iterators in step (no array of entries made). With `#textsHere`,
   * runs of simple keys and values are written by `#entryRun`, the rest by
   * `#save`. A key that cannot be a dict key fails with the path of the
   * dict, as when the keys are checked before anything is written; a Map
   * whose size changes while its values are saved (by a getter of one of
   * them) fails, as CPython's dict iteration does.
   */
  #saveEntries(obj: object, names: readonly string[] | null, n: number): void {
    const w = this.#w!;
    w.byte(0x7d); // EMPTY_DICT
    this.#memoize(obj);
    if (n > 1) w.byte(0x28); // MARK
    const work = this.#work;
    const depth = work.length;
    const record = names === null ? null : (obj as Record<string, unknown>);
    const map = obj as Map<unknown, unknown>;
    const keys = names === null ? map.keys() : null;
    const values = names === null ? map.values() : null;
    const texts = this.#textsHere();
    this.#nested++;
    let key: unknown;
    // False while an error would be the dict's (a key that cannot be one, a change of size), not an entry's.
    let inEntry = false;
    let inRun = false;
    let i = 0;
    try {
      while (i < n) {
        let value: unknown;
        let at = 2 * i;
        if (texts) {
          inRun = true;
          at = this.#entryRun(names, record, keys, values, i, n);
          inRun = false;
          i = at >> 1;
          if (i >= n) break;
          key = this.#runKey;
          value = this.#runValue;
        } else if (names !== null) key = names[i];
        else {
          const next = keys!.next();
          if (next.done === true) break;
          key = next.value;
          value = values!.next().value;
        }
        if ((at & 1) === 0) {
          if (typeof key === 'object' && key !== null) checkHashable(key, 'a dict key');
          inEntry = true;
          this.#save(key, true);
          if (work.length !== depth) this.#drain(depth);
          // A plain object's value is read once its key is written (a getter runs then).
          if (record !== null) value = record[key as string];
        }
        inEntry = true;
        this.#save(value, true);
        if (work.length !== depth) this.#drain(depth);
        inEntry = false;
        i++;
      }
      if (i !== n || (keys !== null && (map.size !== n || keys.next().done !== true)))
        throw new PicklingError('dictionary changed size during iteration');
    } catch (error) {
      // In the run: a plain object's getter threw (a Map's run throws only for a change of size).
      if (inRun) {
        key = this.#runKey;
        inEntry = record !== null;
      }
      if (inEntry) this.#trail.push(depth, dictLabel(key));
      throw error;
    } finally {
      this.#runKey = undefined;
      this.#runValue = undefined;
      this.#nested--;
    }
    w.byte(n > 1 ? 0x75 : 0x73); // SETITEMS : SETITEM
  }

  #saveSet(set: Set<unknown>): void {
    const frozen = set instanceof FrozenSet;
    for (const item of set) checkHashable(item, frozen ? 'a frozenset item' : 'a set item');
    if (this.#proto < 4) {
      this.#saveReduce(frozen ? G_FROZENSET : G_SET, [[...set]], set);
      return;
    }
    const items = [...set];
    if (frozen) {
      this.#w!.byte(0x28); // MARK
      this.#push(F_FROZENSET, set, items, items.length, true);
      return;
    }
    this.#w!.byte(0x8f); // EMPTY_SET
    this.#memoize(set);
    if (items.length > 0) this.#push(F_ADDITEMS, set, items, items.length, true);
  }

  /** A global: EXT1/2/4, STACK_GLOBAL (protocol 4+), getattr for dotted names below 4, or GLOBAL. */
  #saveGlobal(module: string, name: string): void {
    if (this.#lastGlobal >= 0 && name === this.#lastName && module === this.#lastModule) {
      this.#writeGet(this.#lastGlobal);
      return;
    }
    const known = this.#globalMemo.get(module, name);
    if (known !== undefined) {
      this.#lastModule = module;
      this.#lastName = name;
      this.#lastGlobal = known;
      this.#writeGet(known);
      return;
    }
    const code =
      this.#proto >= 2 && this.#extensions !== null ? this.#extensions.get(`${module}\n${name}`) : undefined;
    if (code !== undefined) {
      const w = this.#w!;
      if (code <= 0xff) w.byte2(0x82, code);
      else if (code <= 0xffff) {
        w.byte2(0x83, code & 0xff);
        w.byte(code >> 8);
      } else {
        w.byte(0x84);
        w.i32(code);
      }
      return;
    }
    if (this.#proto >= 4) {
      this.#save(module, false);
      // CPython's module name and class name are distinct str objects even when equal (datetime.datetime).
      if (name === module && !this.#exact?.names(name)) this.#saveString(name, null);
      else this.#save(name, false);
      this.#w!.byte(0x93); // STACK_GLOBAL
    } else {
      const dot = name.lastIndexOf('.');
      if (dot > 0) {
        // Nested class below protocol 4: getattr(Outer, 'Inner'), as pickle does.
        const parent = new PyGlobal(module, name.slice(0, dot));
        const args = Object.freeze([parent, name.slice(dot + 1)]);
        this.#pushSteps(
          [S_SAVE, G_GETATTR, S_SAVE, args, S_OP, 0x52, S_GLOBAL_MEMO, new PyGlobal(module, name)],
          '',
        );
        return;
      }
      this.#globalLine(0x63, module, name); // GLOBAL
    }
    this.#globalMemo.set(module, name, this.#memoCount);
    this.#memoize(null);
  }

  /** `getattr(owner, name)` read from a pickle and not reconstructed: written back as that call, memoized as itself. */
  #saveGetattr(attribute: GetattrGlobal): void {
    const args = Object.freeze([attribute.owner, attribute.attribute]);
    this.#pushSteps([S_SAVE, G_GETATTR, S_SAVE, args, S_OP, 0x52, S_MEMO, attribute], '');
  }

  #globalLine(opcode: number, module: string, name: string): void {
    if (this.#proto < 3 && this.#fixImports) {
      [module, name] = py2Name(module, name);
    }
    const line = `${module}\n${name}\n`;
    const w = this.#w!;
    w.byte(opcode);
    if (this.#proto >= 3) {
      w.utf8(line, utf8Length(line));
    } else {
      if (!isAscii(line)) {
        throw new PicklingError(
          `cannot pickle global identifier '${module}.${name}' using pickle protocol ${this.#proto}: not ASCII`,
        );
      }
      w.ascii(line);
    }
  }

  #pushSteps(steps: unknown[], label: string, absentAt = -1): void {
    this.#push(F_STEPS, null, steps, absentAt + 1, false).label = label;
  }

  /** `callable(*args)` then memoize `obj`, as save_reduce does for built-in values. */
  #saveReduce(callable: PyGlobal, args: unknown[], obj: object): void {
    // Every caller makes `args` and its objects for this call: none is in the memo, nor met again.
    if (this.#following)
      for (const arg of args) if (typeof arg === 'object' && arg !== null) this.#memo.made(arg);
    this.#pushSteps([S_SAVE, callable, S_FRESH_TUPLE, Object.freeze(args), S_OP, 0x52, S_MEMO, obj], '');
  }

  /**
   * Objects that say how they pickle: instances of classes in the registry
   * (NEWOBJ, or NEWOBJ_EX with kwargs, of their Python class, then items and
   * BUILD), JS types with a reducer in the registry, brine's Python value
   * classes (`PY_REDUCE`), and JS `Date`s (aware UTC datetimes). False when
   * `obj` is none of them.
   */
  #saveSpecial(obj: object): boolean {
    const form = this.#getattrForms?.get(obj);
    if (form !== undefined) {
      this.#saveReduction(obj, form, null);
      return true;
    }
    const ctor = (obj as { constructor?: unknown }).constructor;
    const entry = this.#registry?.classFor(ctor);
    if (entry !== undefined) {
      const r = entry.reduce(obj);
      if (r instanceof PyGlobal) this.#saveGlobal(r.module, r.name);
      else this.#saveReduction(obj, r, new PyGlobal(entry.module, entry.name));
      return true;
    }
    const reducer = this.#registry?.reducerFor(ctor);
    if (reducer !== undefined) {
      const r = reducer(obj, this.#proto, this.#reduceOptions);
      if (typeof r !== 'object' || r === null || r.callable === undefined)
        throw new PicklingError(
          `the reducer registered for ${(ctor as { name?: string }).name || 'a class'} gave no callable`,
        );
      this.#saveReduction(obj, r, r.callable);
      return true;
    }
    const reduce = (obj as Partial<PyValue>)[PY_REDUCE];
    if (typeof reduce === 'function') {
      const r = reduce.call(obj, this.#proto, this.#reduceOptions);
      if (
        this.#proto >= 3 &&
        this.#persistentId === undefined &&
        (reduce === DATETIME_REDUCE || reduce === DATE_REDUCE) &&
        r.args !== undefined &&
        r.args[0] instanceof Uint8Array &&
        r.args.length <= 2
      ) {
        this.#saveFreshState(
          obj,
          r.callable as PyGlobal,
          r.args[0],
          r.args.length === 2 ? r.args[1] : undefined,
        );
        return true;
      }
      if (
        r[FRESH_STATE] === true &&
        r.kind === 'newobj' &&
        r.callable instanceof PyGlobal &&
        r.args.length === 0 &&
        this.#proto >= 2 &&
        this.#persistentId === undefined &&
        isAtomState(r.state)
      ) {
        this.#saveAtomNewObj(obj, r.callable as PyGlobal, r.state as Record<string, unknown>);
        return true;
      }
      if (this.#persistentId === undefined && isAtomReduction(r)) {
        this.#saveAtomReduction(obj, r.callable as PyGlobal, r.args!);
        return true;
      }
      this.#saveReduction(obj, r, r.callable);
      return true;
    }
    if (obj instanceof Date) {
      this.#saveReduction(obj, PyDateTime.fromDate(obj)[PY_REDUCE](this.#proto), null);
      return true;
    }
    return false;
  }

  /**
   * `callable(state)` or `callable(state, tzinfo)`, then memoized under `obj`:
   * what #saveReduction writes for the reduction of a datetime, whose state
   * bytes its reducer has just made. Nothing else can hold those
   * bytes nor the arguments' tuple, so both are memoized without a key (no
   * Map entry), and the callable and the bytes are written at once.
   */
  #saveFreshState(obj: object, callable: PyGlobal, state: Uint8Array, tzinfo: unknown): void {
    const w = this.#w!;
    // #save missed `obj` at this version of the memo (saving the callable moves #absent on).
    const absentAt = obj === this.#absent ? this.#absentAt : -1;
    this.#save(callable, true);
    // The arguments' tuple, then its first item: two opcode boundaries, where a frame may end.
    if (w.frameStart >= 0) w.boundary();
    this.#writeBytes(state);
    this.#memoize(null);
    if (tzinfo === undefined) {
      w.byte(0x85); // TUPLE1
      this.#memoize(null);
      w.byte(0x52); // REDUCE
      // #save's lookup of a memo following a record may have been UNSURE: look again, as #stepSteps' S_MEMO.
      const index = this.#following ? this.#memo.get(obj, this.#memoCount) : undefined;
      if (index !== undefined) {
        w.byte(0x30); // POP
        this.#writeGet(index);
        return;
      }
      this.#memoize(obj);
      return;
    }
    this.#pushSteps([S_SAVE, tzinfo, S_OP, 0x86, S_MEMO, null, S_OP, 0x52, S_MEMO, obj], '', absentAt);
  }

  /**
   * `callable(*args)` then memoized under `obj`, for a value class's reduction
   * to a global called with atoms alone (a Decimal, a timedelta): what
   * #saveReduction writes for it, without its PyObject, steps and frame. Saving
   * atoms enters nothing in the memo, so `obj`, which #save did not find, is
   * looked up again only when the memo follows a record.
   */
  #saveAtomReduction(obj: object, callable: PyGlobal, args: readonly unknown[]): void {
    const absentAt = obj === this.#absent ? this.#absentAt : -1;
    this.#save(callable, true);
    this.#saveFreshTuple(args.length === 0 ? NO_ARGS : args);
    const w = this.#w!;
    w.byte(0x52); // REDUCE
    const index =
      absentAt >= 0 && absentAt === this.#memo.version ? undefined : this.#memo.get(obj, this.#memoCount);
    if (index !== undefined) {
      w.byte(0x30); // POP
      this.#writeGet(index);
      return;
    }
    this.#memoize(obj);
  }

  /**
   * `cls.__new__(cls)` then BUILD of `state`, memoized under `obj`: a UUID's
   * reduction, whose state is a dict its reducer has just made, of str keys
   * and atoms. The bytes #saveNewObj writes for it, without the reduction's
   * PyObject, and the state memoized without a key (nothing else holds it).
   */
  #saveAtomNewObj(obj: object, cls: PyGlobal, state: Record<string, unknown>): void {
    const absentAt = obj === this.#absent ? this.#absentAt : -1;
    this.#save(cls, true);
    this.#saveFreshTuple(NO_ARGS);
    const w = this.#w!;
    w.byte(0x81); // NEWOBJ
    const index =
      absentAt >= 0 && absentAt === this.#memo.version ? undefined : this.#memo.get(obj, this.#memoCount);
    if (index !== undefined) {
      w.byte(0x30); // POP
      this.#writeGet(index);
      return;
    }
    this.#memoize(obj);
    // The state dict, as #saveEntries writes a small one (an opcode boundary before it, as in #save).
    if (w.frameStart >= 0) w.boundary();
    const keys = Object.keys(state);
    w.byte(0x7d); // EMPTY_DICT
    this.#memoize(null);
    if (keys.length > 1) w.byte(0x28); // MARK
    for (const key of keys) {
      this.#save(key, true);
      this.#save(state[key], true);
    }
    if (keys.length > 0) w.byte(keys.length > 1 ? 0x75 : 0x73); // SETITEMS : SETITEM
    w.byte(0x62); // BUILD
  }

  /** Writes a reduction (a registered class's or a value class's) for `obj`, memoized under `obj`. */
  #saveReduction(obj: object, r: Reduction, cls: unknown): void {
    const callable = r.callable ?? cls;
    const kind =
      ('kind' in r ? r.kind : undefined) ??
      (r.callable !== undefined ? 'reduce' : r.kwargs === undefined ? 'newobj' : 'newobj_ex');
    if (inertKeeper === null) inertKeeper = new PyObject('reduce', null, Object.freeze([]), null);
    const inert = new PyObject(kind, callable, Object.freeze([...(r.args ?? [])]), r.kwargs ?? null);
    inert.state = r.state;
    inert.listitems = r.listitems === undefined ? null : [...r.listitems];
    inert.dictitems = r.dictitems === undefined ? null : r.dictitems.map(([k, v]) => [k, v]);
    if ('stateSetter' in r && r.stateSetter !== undefined) inert.stateSetter = r.stateSetter;
    const raw = 'rawAfterBuild' in r ? r.rawAfterBuild : undefined;
    if (raw !== undefined && (inert.state === undefined || inert.stateSetter !== undefined)) {
      throw new PicklingError('rawAfterBuild needs a BUILD state'); // #failure adds the path
    }
    // Written again at each occurrence, never memoized: a reader replaces the object when it reads the raw bytes.
    this.#saveObject(inert, raw === undefined ? obj : {}, raw, true);
  }

  /**
   * A tuple the pickler made itself (the arguments of a reduction, copied):
   * nothing else refers to it, so it cannot be in the memo nor met again, and
   * it is memoized (the memo opcode written, as CPython memoizes the tuple its
   * `__reduce__` returns) without an entry of the Map or the TupleMemo.
   */
  #saveFreshTuple(items: readonly unknown[]): void {
    const n = items.length;
    if (n === 0 || this.#persistentId !== undefined) {
      this.#save(items, true);
      return;
    }
    const w = this.#w!;
    if (w.frameStart >= 0) w.boundary();
    const small = n <= 3 && this.#proto >= 2;
    if (!small) w.byte(0x28); // MARK
    if (n <= INLINE_MAX && allAtoms(items)) {
      for (let i = 0; i < n; i++) this.#save(items[i], false);
      w.byte(small ? 0x84 + n : 0x74); // TUPLE1-3 or TUPLE
      this.#memoize(null);
      return;
    }
    // No key: #stepTuple's check for a tuple its items memoized finds nothing, and it memoizes null.
    this.#push(F_TUPLE, null, items, n, true);
  }

  /** Writes a PyObject back the way it was built. */
  /**
   * The common class instance, `cls.__new__(cls)` then its state (NEWOBJ at
   * protocol 2+, no items, no state setter), saved by recursion as
   * `#saveItems` saves a container: the same bytes as the steps of
   * `#saveObject`, without their array and frame. A value inside that pushes
   * frames has them run before the next opcode. The steps' frame adds nothing
   * to an error's path, so neither does this.
   */
  #saveNewObj(obj: PyObject, memoKey: object, freshArgs: boolean): void {
    const work = this.#work;
    const depth = work.length;
    const absentAt = memoKey === this.#absent ? this.#absentAt : -1;
    this.#nested++;
    try {
      this.#save(obj.callable, true);
      if (work.length !== depth) this.#drain(depth);
      if (freshArgs) this.#saveFreshTuple(obj.args);
      else this.#save(obj.args, true);
      if (work.length !== depth) this.#drain(depth);
      const w = this.#w!;
      w.byte(0x81); // NEWOBJ
      // As the S_MEMO step: no lookup when no object entered the memo since #save missed this one.
      const index =
        absentAt >= 0 && absentAt === this.#memo.version
          ? undefined
          : this.#memo.get(memoKey, this.#memoCount);
      if (index !== undefined) {
        w.byte(0x30); // POP
        this.#writeGet(index);
        return;
      }
      this.#memoize(memoKey);
      if (obj.state !== undefined) {
        this.#save(obj.state, true);
        if (work.length !== depth) this.#drain(depth);
        this.#w!.byte(0x62); // BUILD
      }
    } finally {
      this.#nested--;
    }
  }

  #saveObject(
    obj: PyObject,
    memoKey: object = obj,
    raw?: Uint8Array | ((offset: number) => Uint8Array),
    freshArgs = false,
  ): void {
    if (
      obj.kind === 'newobj' &&
      raw === undefined &&
      obj.args.length === 0 &&
      obj.listitems === null &&
      obj.dictitems === null &&
      obj.setitems === null &&
      obj.stateSetter === undefined &&
      this.#proto >= 2 &&
      obj.callable instanceof PyGlobal &&
      this.#recursing()
    ) {
      this.#saveNewObj(obj, memoKey, freshArgs);
      return;
    }
    const proto = this.#proto;
    const steps: unknown[] = [];
    let kind = obj.kind;
    let callable = obj.callable;
    let args: readonly unknown[] = obj.args;
    let kwargs = obj.kwargs;
    /** `args` is a tuple of the pickler's own (see #saveFreshTuple). */
    let fresh = freshArgs;
    // copyreg.__newobj__ / __newobj_ex__ calls are what NEWOBJ / NEWOBJ_EX mean (save_reduce rewrites them).
    if (
      kind === 'reduce' &&
      callable instanceof PyGlobal &&
      callable.module === 'copyreg' &&
      args.length > 0
    ) {
      if (callable.name === '__newobj__' && proto >= 2) {
        kind = 'newobj';
        callable = args[0];
        args = Object.freeze(args.slice(1));
        fresh = true;
      } else if (callable.name === '__newobj_ex__' && proto >= 4 && args.length === 3) {
        kind = 'newobj_ex';
        callable = args[0];
        kwargs = args[2];
        args = args[1] as readonly unknown[];
        fresh = false;
      }
    }
    let { listitems, dictitems } = obj;
    if (kind === 'newobj' && proto < 2 && args.length === 0) {
      // What object.__reduce_ex__ writes below protocol 2: copyreg._reconstructor(cls, base, base_state),
      // the base being dict or list (with the items as its state) for their subclasses, else object.
      kind = 'reduce';
      if (dictitems !== null && listitems === null) {
        args = Object.freeze([callable, G_DICT, new Map(dictitems)]);
        dictitems = null;
      } else if (listitems !== null && dictitems === null) {
        args = Object.freeze([callable, G_LIST, listitems]);
        listitems = null;
      } else args = Object.freeze([callable, G_OBJECT, null]);
      callable = G_RECONSTRUCTOR;
      fresh = true;
    } else if (kind === 'newobj' && proto < 2) {
      kind = 'reduce';
      args = Object.freeze([callable, ...args]);
      callable = G_NEWOBJ;
      fresh = true;
    } else if (kind === 'newobj_ex' && proto < 4) {
      kind = 'reduce';
      args = Object.freeze([callable, args, kwargs]);
      callable = G_NEWOBJ_EX;
      fresh = true;
    }
    if ((kind === 'inst' || kind === 'obj') && !(callable instanceof PyGlobal)) kind = 'obj';
    if (kind === 'reduce' && isReconstructor(callable) && args.length === 3) {
      // _reconstructor(cls, dict|list, state) copies its state. CPython's reduce makes a new state
      // (dict(self)) on each call, so an object met again inside its own state is written a second
      // time with a new copy, complete when it is read. Do the same for the one brine holds.
      if (this.#reconstructing?.has(memoKey)) {
        const state = args[2];
        if (state instanceof Map) args = Object.freeze([args[0], args[1], new Map(state)]);
        else if (Array.isArray(state) && !Object.isFrozen(state))
          args = Object.freeze([args[0], args[1], [...state]]);
        else if (
          typeof state === 'object' &&
          state !== null &&
          Object.getPrototypeOf(state) === Object.prototype
        )
          args = Object.freeze([args[0], args[1], { ...state }]);
        if (args !== obj.args) fresh = true;
      } else {
        this.#reconstructing ??= new Set();
        this.#reconstructing.add(memoKey);
      }
    }
    const saveArgs = fresh ? S_FRESH_TUPLE : S_SAVE;
    switch (kind) {
      case 'newobj':
        steps.push(S_SAVE, callable, saveArgs, args, S_OP, 0x81);
        break;
      case 'newobj_ex':
        steps.push(S_SAVE, callable, saveArgs, args, S_SAVE, kwargs, S_OP, 0x92);
        break;
      case 'inst':
        steps.push(S_OP, 0x28);
        for (const arg of args) steps.push(S_SAVE, arg);
        steps.push(S_INST, callable);
        break;
      case 'obj':
        if (proto >= 1) {
          steps.push(S_OP, 0x28, S_SAVE, callable);
          for (const arg of args) steps.push(S_SAVE, arg);
          steps.push(S_OP, 0x6f);
        } else {
          steps.push(S_SAVE, callable, saveArgs, args, S_OP, 0x52);
        }
        break;
      default:
        steps.push(S_SAVE, callable, saveArgs, args, S_OP, 0x52);
    }
    steps.push(S_MEMO, memoKey);
    if (listitems !== null) steps.push(S_LIST, listitems);
    if (dictitems !== null) steps.push(S_DICT, dictitems);
    if (obj.setitems !== null && proto >= 4) steps.push(S_ADD, obj.setitems);
    if (obj.state !== undefined) {
      if (obj.stateSetter === undefined) {
        steps.push(S_SAVE, obj.state, S_OP, 0x62);
        if (raw !== undefined) steps.push(S_RAW, raw);
      }
      // The sixth item of __reduce__: state_setter(obj, state), its result POPped (TUPLE2 at every protocol, as CPython).
      else
        steps.push(
          S_SAVE,
          obj.stateSetter,
          S_SAVE,
          memoKey,
          S_SAVE,
          obj.state,
          S_OP,
          0x86,
          S_OP,
          0x52,
          S_OP,
          0x30,
        );
    }
    this.#pushSteps(steps, '', memoKey === this.#absent ? this.#absentAt : -1);
  }
}

/**
 * Refuses a key or set item that Python cannot hash (a list, dict, set or
 * bytearray, or a tuple holding one): the pickle would fail to load in Python
 * with `unhashable type`.
 */
function checkHashable(key: unknown, what: string): void {
  const type = unhashableType(key);
  if (type === undefined) return;
  const hint =
    type === 'list' || type === 'collections.deque'
      ? '; use a tuple instead: tuple(...) in Python, tuple(...items) or Object.freeze([...]) in brine'
      : type === 'set'
        ? '; use a FrozenSet instead: frozenset(...) in Python'
        : '';
  throw new PicklingError(`${what} is unhashable in Python (unhashable type: '${type}')${hint}`);
}

/** A value saved without a frame and that cannot fail or refer to a container: a number, string, boolean, bigint, null or undefined. */
function isAtom(value: unknown): boolean {
  const type = typeof value;
  return type === 'number' || type === 'string' || type === 'boolean' || type === 'bigint' || value == null;
}

/** No arguments: the empty tuple. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * A value class's reduction that #saveAtomReduction writes: REDUCE of a global
 * (not one of copyreg's, which #saveObject rewrites) with at most INLINE_MAX
 * atoms as arguments, and nothing after it (no state, items or raw bytes).
 */
function isAtomReduction(r: Reduction): boolean {
  const callable = r.callable;
  const args = r.args;
  return (
    callable instanceof PyGlobal &&
    callable.module !== 'copyreg' &&
    (r.kind === undefined || r.kind === 'reduce') &&
    args !== undefined &&
    args.length <= INLINE_MAX &&
    r.state === undefined &&
    r.listitems === undefined &&
    r.dictitems === undefined &&
    r.kwargs === undefined &&
    r.stateSetter === undefined &&
    !('rawAfterBuild' in r && r.rawAfterBuild !== undefined) &&
    allAtoms(args)
  );
}

/** A plain object of fewer than BATCHSIZE atoms: a state #saveAtomNewObj writes. */
function isAtomState(state: unknown): boolean {
  if (typeof state !== 'object' || state === null || Object.getPrototypeOf(state) !== Object.prototype)
    return false;
  const values = Object.values(state);
  return values.length < BATCHSIZE && allAtoms(values);
}

function allAtoms(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) if (!isAtom(items[i])) return false;
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** The element of a frame being saved, for error paths (computed only when an error needs it). */
function elementLabel(f: Frame): string {
  if (f.i === 0) return '';
  switch (f.kind) {
    case F_LIST:
    case F_TUPLE:
      return `[${f.i - 1}]`;
    case F_DICT:
      return dictLabel(f.items[(f.i - 1) & ~1]);
    case F_RECORD:
      return dictLabel(f.items[(f.i - 1) >> 1]);
    case F_ADDITEMS:
    case F_FROZENSET:
      return '{...}';
    default:
      return '';
  }
}

function dictLabel(key: unknown): string {
  if (typeof key === 'string') return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  if (typeof key === 'number' || typeof key === 'bigint') return `[${key}]`;
  return '[key]';
}

/** Python's `repr()` of a float: the shortest digits, as `formatFloatRepr`, without its work for the common range. */
function floatRepr(v: number): string {
  const abs = Math.abs(v);
  // Between 1e-4 and 1e16 both write plain decimals (JS switches to exponents only outside [1e-6, 1e21)),
  // with the same shortest round-trip digits; Python adds `.0` to an integral value.
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(v);
    return Number.isInteger(v) ? `${text}.0` : text;
  }
  return formatFloatRepr(v);
}

const HEX = '0123456789abcdef';

/**
 * Writes `text` as Python's pickle `raw-unicode-escape` for the UNICODE
 * opcode (with `\\`, NUL, LF, CR and 0x1a escaped too), straight into the
 * output: Latin-1 characters as their byte, others as `\uXXXX` or, for a
 * surrogate pair, `\UXXXXXXXX`.
 */
function writeRawUnicodeEscape(w: Writer, text: string): void {
  const n = text.length;
  let buf = w.buf;
  let p = w.pos;
  let room = 0; // units that fit in the buffer before the next ensure
  for (let i = 0; i < n; i++) {
    if (room-- === 0) {
      // Room for 4096 more steps of at most 10 bytes each (\uXXXX for a unit, \UXXXXXXXX for a pair).
      w.pos = p;
      w.ensure(10 * 4096);
      buf = w.buf;
      p = w.pos;
      room = 4096 - 1;
    }
    const c = text.charCodeAt(i);
    if (c < 0x100 && c !== 0x5c && c !== 0 && c !== 0x0a && c !== 0x0d && c !== 0x1a) {
      buf[p++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0x5c; // \
        buf[p++] = 0x55; // U
        for (let shift = 28; shift >= 0; shift -= 4) buf[p++] = HEX.charCodeAt((cp >>> shift) & 0xf);
        i++;
        continue;
      }
    }
    buf[p++] = 0x5c; // \
    buf[p++] = 0x75; // u
    for (let shift = 12; shift >= 0; shift -= 4) buf[p++] = HEX.charCodeAt((c >>> shift) & 0xf);
  }
  w.pos = p;
}

/**
 * Pickles a value, like Python's `pickle.dumps`: protocol 5 by default.
 *
 * @param value the value (see the value model in the README).
 * @param options see {@link DumpOptions}.
 * @returns the pickle bytes. A pickle of up to 1 KiB is a view into an
 * 8 KiB `ArrayBuffer` that holds other small results too, as Node's
 * `Buffer.from` pools small buffers: its `byteOffset` and `byteLength` say
 * where it is, and no later call writes there. Use `data.slice()` for bytes
 * with a buffer of their own, for example before transferring `data.buffer`
 * to a worker (which would detach the other results) or keeping one small
 * result for long (it keeps the 8 KiB alive). Larger pickles have a buffer
 * of their own.
 * @throws {@link PicklingError} for a value that cannot be pickled, with the path to it.
 *   Also when a `Map` changes size while it is dumped (a getter of one of its
 *   values adds or deletes an entry), as CPython refuses a dict that changes
 *   during its iteration: "dictionary changed size during iteration".
 *
 * @example Write a pickle Python can load
 * ```ts
 * import { dumps, tuple } from 'brine';
 * const data = dumps({ name: 'Ada', scores: [1, 2.5], pair: tuple(1, 2) }, { protocol: 4 });
 * ```
 */
export function dumps(value: unknown, options?: DumpOptions): Uint8Array {
  // One buffer for every call, so the output does not grow from scratch each
  // time; a dumps() nested in a callback finds it taken and makes its own.
  // The same for the string memo, whose tables cost page faults to create.
  // The same for the pickler of each plain set of options (no callback, registry or extensions):
  // besides its own setup, a new one each call lets V8 collect the hidden classes of picklers and
  // frames between calls, and a collection then deoptimizes the save loop (see `plainPicklers`).
  const writer = sharedWriter ?? new Writer();
  const strings = sharedStrings ?? new StringMemo();
  sharedWriter = null;
  sharedStrings = null;
  const slot = plainSlot(options);
  const pickler = (slot >= 0 ? plainPicklers[slot] : null) ?? new Pickler(options);
  if (slot >= 0) plainPicklers[slot] = null;
  try {
    return pickler[USE_WRITER](writer, strings).dump(value);
  } finally {
    // Emptied once a call (the memos count their calls: see recent-use.ts); clearMemo empties `strings` too.
    if (slot >= 0) {
      pickler.clearMemo();
      plainPicklers[slot] = pickler;
    } else strings.clear();
    sharedWriter = writer;
    sharedStrings = strings;
  }
}

/**
 * The picklers `dumps` reuses, one per plain set of options (protocol,
 * `fixImports`, `numpyNames`), null while a call uses it. They keep the
 * hidden classes of a pickler and its work frames alive: those are reachable
 * only through weak links (map transitions, the object literal map cache),
 * so with a new pickler per call a full collection between two dumps drops
 * them and V8 throws away the optimized save loop that checks for them (a
 * "weak objects" deoptimization), to compile it again during the next dump.
 */
const plainPicklers: (Pickler | null)[] = new Array(24).fill(null);

/** The slot in `plainPicklers` of these options, -1 when they hold a callback, a registry or extensions. */
function plainSlot(options: DumpOptions | undefined): number {
  if (options === undefined) return DEFAULT_PROTOCOL * 4 + 2;
  if (
    options.persistentId !== undefined ||
    options.bufferCallback !== undefined ||
    options.registry !== undefined ||
    options.extensions !== undefined
  )
    return -1;
  const protocol = options.protocol ?? DEFAULT_PROTOCOL;
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 5) return -1; // the constructor refuses it
  return protocol * 4 + ((options.fixImports ?? true) ? 2 : 0) + (options.numpyNames === 2 ? 1 : 0);
}

/**
 * Pickles a value as a sequence of byte pieces, for a file or a stream: the
 * whole pickle is never held in memory. Each piece is valid until the next
 * is asked for; `value` must not change until the last one.
 * @internal
 */
export function dumpChunks(value: unknown, options?: DumpOptions): Generator<Uint8Array, void, undefined> {
  return new Pickler(options)[DUMP_CHUNKS](value);
}

/**
 * One PyObject kept alive from the first reduction on (it holds nothing). A
 * dump makes PyObjects of its own for the reductions it writes (`Date`s,
 * brine's value classes, registered classes), and a value made only of those
 * holds no PyObject: the hidden class of a PyObject with its fields set is
 * reachable from its constructor only through map transitions, weak links, so
 * a full collection between two dumps would drop it, and V8 would throw away
 * the optimized code that checks for it (`#saveReduction`, `#saveObject`, the
 * PyObject constructor; a "weak objects" deoptimization) and compile it again
 * during the next dump.
 */
let inertKeeper: PyObject | null = null;

/** The buffer `dumps` reuses between calls (null while a call uses it); it keeps at most 64 MiB. */
let sharedWriter: Writer | null = null;
/** The string memo `dumps` reuses between calls, emptied after each. */
let sharedStrings: StringMemo | null = null;

/**
 * Objects (past #save's plain containers) that #save looks up before writing
 * them and that are looked up again (or never memoized) once their parts are
 * written: a memo's UNSURE answer (see identity-memo.ts) is taken for "not
 * there" for them. Class instances, globals, frozensets, and what is written
 * as a reduction: brine's value classes, `Date`s, typed arrays, and at low
 * protocols bytes, bytearrays and sets. Not bytes written at once (protocol 3
 * and up: #save's bytes branch comes before any reducer), nor lists, Maps or
 * sets, memoized before their items.
 */
function lookedUpAgain(obj: object, proto: number): boolean {
  if (obj instanceof Uint8Array) return proto < (obj instanceof PyByteArray ? 5 : 3);
  if (obj instanceof PyObject || obj instanceof PyGlobal || obj instanceof FrozenSet || obj instanceof Date)
    return true;
  if (typeof (obj as Partial<PyValue>)[PY_REDUCE] === 'function') return true;
  if (obj instanceof Set) return proto < 4;
  return ArrayBuffer.isView(obj) && !(obj instanceof DataView);
}

/** `copyreg._reconstructor`, as a pickle names it. */
function isReconstructor(callable: unknown): boolean {
  return callable instanceof PyGlobal && callable.module === 'copyreg' && callable.name === '_reconstructor';
}
