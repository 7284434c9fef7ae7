/**
 * The unpickler: one pass over the input, one function with one `switch` over
 * the opcode byte, state in locals (V8 keeps them in registers and compiles
 * the switch to a jump table). Nothing a pickle names is executed: globals
 * resolve only through the {@link Registry}, and what it does not hold stays
 * inert (`PyGlobal`, `PyObject`).
 *
 * @module
 */

import { defaultRegistry } from './default-registry.js';
import { defineField, defineKey, isArrayIndexKey } from './dict-keys.js';
import { isPickleError, UnpicklingError } from './errors.js';
import { recordObjects } from './exact-objects.js';
import { ALL_FRESH, attachRecord, recordStrings } from './exact-strings.js';
import { patchReferences } from './fixup.js';
import { FloatParseError, parseFloatText } from './floats.js';
import { formatHint } from './formats/sniff.js';
import {
  decodeLong,
  flushLongs,
  IntParseError,
  LONG_BATCH,
  longBatches,
  minimalLong,
  parseDecimalInt,
  parseMemoIndex,
  queueLong,
} from './ints.js';
import {
  FLOOD_WATCH_SIZE,
  FloodWatch,
  HashFloodError,
  pyKeys,
  pyMapSet,
  pySetAdd,
  releaseKeyIndexes,
  UnhashableError,
} from './keys.js';
import { transcodeLatin1 } from './latin1-transcode.js';
import { opcodeName } from './opcodes.js';
import {
  type AfterBuildHook,
  type LoadOptions,
  type ResolvedLoadOptions,
  resolveLoadOptions,
} from './options.js';
import { py3Name } from './py2-names.js';
import { escapeUntrusted } from './python-repr.js';
import type { ReconstructContext, Reconstructor } from './reconstruct.js';
import { BUILTIN_FUNCTIONS } from './reconstructors/builtin-functions.js';
import { codecsEncode } from './reconstructors/codecs.js';
import { type GetattrForm, restoreGetattrForms, takeGetattrForms } from './reconstructors/getattr.js';
import {
  decodeLatin1,
  decodeRawUnicodeEscape,
  decodeUtf8,
  decodeUtf8Value,
  escapeDecode,
  TextDecodeError,
} from './text.js';
import { startTextModeHint } from './text-mode.js';
import { PickleBuffer, PyFloat } from './types/builtins.js';
import { PyDeque, trimDeque } from './types/collections.js';
import { FrozenSet } from './types/frozen-set.js';
import { PyByteArray } from './types/py-bytearray.js';
import { PyGlobal } from './types/py-global.js';
import { PyObject, type PyObjectKind } from './types/py-object.js';
import { EMPTY_TUPLE, isTuple, markTuple, type Tuple } from './types/tuple.js';

/** Options resolved for a load that gave none (shareable: it holds no iterator), made on first use. */
let defaultLoadOptions: ResolvedLoadOptions | undefined;

/** The highest protocol brine (and CPython 3.11) knows. */
export const HIGHEST_PROTOCOL = 5;

const OBJECT_PROTO = Object.prototype;
/**
 * Lists longer than this are over-allocated while they load (see
 * Unpickler#appendList). Four CPython batches of 1000: small lists stay packed.
 */
const GROWN_LIST = 4096;
/** A memo of this many entries that needs more room gets it for what the opcodes ahead store (see Unpickler#presizeMemo). */
const MEMO_PRESIZE = 4096;
/**
 * A batch loop reads this many floats by {@link readFloat64} before it makes a DataView over the
 * input (about 85 ns, then 1-2 ns a float, against about 5 ns a float without one): a small
 * pickle with a few floats makes none, a list of many floats makes one after these.
 */
const FEW_FLOATS = 16;
/** The batch loops read no further than this offset, and no list longer than this many items: past it the main loop goes on. */
const RUN_LIMIT = 0x3fffffff;

/**
 * A plain object with 4 in-object fields turns into a hash table when a keyed store (`o[k] = v`)
 * adds its 20th property, and again at the 23rd, 26th, 29th and 32nd (its out-of-object
 * fields grow three at a time); a property added by `Object.defineProperty` does not, and once
 * V8 has that hidden-class transition, keyed stores of the same key follow it and stay fast.
 * So a SETITEMS batch of 20 pairs or more adds the keys at those places with `defineField`,
 * unless its first keys are, in order, the keys of the last such batch: then an object of ours
 * given the same keys the same way (in `wideWitness`, holding no value of the pickle) keeps those
 * transitions alive, and the keyed store follows them (about 180 ns saved a key). Every
 * {@link WIDE_RENEW}th batch rebuilds it anyway, in case V8 replaced the transitions (a field
 * whose representation changed), and shapes that keep changing rebuild it only now and then.
 * Only a matter of speed: the stores are the same either way.
 */
const WIDE_KEYS = 32;
const WIDE_RENEW = 256;
let wideKeys: unknown[] = [];
/** Holds the witness object alive. */
const wideWitness: object[] = [];
let wideUses = 0;
let wideMisses = 0;

function rememberWide(items: unknown[], from: number, to: number): void {
  const keys: unknown[] = [];
  const witness: Record<string, unknown> = {};
  for (let i = from, j = 0; i < to && j < WIDE_KEYS; i += 2, j++) {
    const key = items[i] as string;
    // Keys are kept alive until the next such batch: not long ones.
    if (key.length > 64) return;
    const v = items[i + 1];
    // A placeholder of the value's field representation (small int, double, or reference).
    const p = typeof v !== 'number' ? null : (v | 0) === v ? 0 : 0.5;
    if (j >= 19 && (j - 19) % 3 === 0) defineField(witness, key, p);
    else defineKey(witness, key, p);
    keys.push(key);
  }
  wideKeys = keys;
  wideWitness[0] = witness;
  wideUses = 0;
}

/**
 * The pairs of the SETITEMS batch #setItemsRun is reading (one batch at a time: it calls none of the
 * caller's code). Shared by every load so that a small load does not grow one of its own.
 */
const dictBatch: unknown[] = [];

function isPlainDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === OBJECT_PROTO;
}

function describeType(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (isTuple(value)) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyByteArray) return 'bytearray';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof FrozenSet) return 'frozenset';
  if (value instanceof Set) return 'set';
  if (value instanceof Map || isPlainDict(value)) return 'dict';
  if (value instanceof PyGlobal) return `global ${escapeUntrusted(value.qualifiedName, 200)}`;
  if (value instanceof PyObject) return 'object';
  return className(value);
}

/**
 * The JS class name of a value, for a message: read from the prototype, never
 * from the value itself (a loaded object's own `constructor` property is
 * pickle data, and may be anything), and escaped.
 */
function className(value: unknown): string {
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null) return 'object';
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
    const name =
      typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
    return typeof name === 'string' && name !== '' ? escapeUntrusted(name, 60) : 'object';
  } catch {
    return 'object';
  }
}

function toBytes(data: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new UnpicklingError(
    `expected a Uint8Array, ArrayBuffer or ArrayBufferView, got ${describeType(data)}`,
  );
}

/**
 * Reads pickles from a buffer, one per {@link Unpickler.load} call, like
 * Python's `pickle.Unpickler` over a file: several pickles written one after
 * the other (`pickle.dump` called repeatedly) load in turn, and
 * {@link Unpickler.position} tells where the next one starts. Each pickle is
 * independent (as with repeated `pickle.load(f)` calls) unless `keepMemo` is
 * set for a stream that one `Pickler` wrote with several `dump()` calls.
 *
 * @example Load every pickle of a buffer
 * ```ts
 * import { Unpickler } from 'brine';
 * declare const data: Uint8Array; // several pickles, one after the other
 * const unpickler = new Unpickler(data);
 * const values = [];
 * while (!unpickler.done) values.push(unpickler.load());
 * ```
 */
export class Unpickler {
  readonly #data: Uint8Array;
  /** Made on first use (see #view): most small pickles need none, and it costs a builtin call. */
  #dataView: DataView | null = null;
  readonly #options: ResolvedLoadOptions;
  #pos = 0;
  /**
   * The memo: a dense array of the ids 0, 1, 2... that CPython writes in
   * order, and a Map for any id stored out of order (made on first use). A
   * pickle chooses its ids: `LONG_BINPUT 0xFFFFFFFE` in an array would make it
   * 2^32 long, and every walk over it as slow; the memo costs what it holds.
   */
  #memo: unknown[] = [];
  #sparse: Map<number, unknown> | null = null;
  /** How many memo ids are set: MEMOIZE stores at this index, as Python's `len(memo)`. */
  #memoLen = 0;
  /** Dicts that changed from a plain object to a Map after they were created: old object -> Map. */
  #converted: Map<object, Map<unknown, unknown>> | null = null;
  /** Plain-object dicts fetched from the memo or duplicated while still being filled. */
  #exposed: Set<object> | null = null;
  /** Set when a converted dict had been exposed: the result needs its references patched. */
  #needsFixup = false;
  /** Lists filled past their length by #appendList, with their real length (made on first use). */
  #grown: Map<unknown[], number> | null = null;
  /** Large Maps being loaded, watched for hash flooding (made on first use, dropped after each load). */
  #floodWatch: Map<Map<unknown, unknown>, FloodWatch> | null = null;
  /** The buffers NEXT_BUFFER took from the caller (READONLY_BUFFER wraps them; in-band bytes stay bytes). */
  #outOfBand: Set<unknown> | null = null;
  /** Bounded deques left longer than their maxlen by APPEND / APPENDS (see extendDeque), trimmed when settled. */
  #overlong: Set<PyDeque> | null = null;
  /** Globals resolved through the registry in this unpickler, with their reconstructor (made on first use). */
  #resolved: Map<PyGlobal, Reconstructor> | null = null;
  /** Values made by reconstructors that take BUILD state, with their reconstructor (made on first use). */
  #made: Map<object, Reconstructor> | null = null; // a Map, dropped after each load: a WeakMap costs much more to fill
  /** Interned globals: one `PyGlobal` per name (made on first use). */
  #globals: Map<string, PyGlobal> | null = null;
  #proto = 0;
  /** What reconstructors are told (made on first use: most pickles call none). */
  #context: (ReconstructContext & { global: PyGlobal }) | null = null;
  #entered = false;
  /** Where #appendRun stopped, and the end of the data or frame it was reading then. */
  #runPos = 0;
  #runEnd = 0;
  #runFrameEnd = -1;
  /** How far #countRun has read ahead in this load. */
  #scanned = 0;
  /** How far #presizeMemo has read ahead in this load. */
  #memoScanned = 0;
  /**
   * Set when #presizeMemo found that no opcode up to this pickle's STOP reads
   * the memo: the memo opcodes that remain store nothing (see #presizeMemo).
   */
  #memoDead = false;
  /**
   * Set by #presizeMemo when the opcodes up to this pickle's STOP read the memo
   * only by BINGET and LONG_BINGET: one bit per memo id below `8 * length`,
   * set for the ids they read. A memo store of an id whose bit is clear keeps
   * a placeholder instead of the value (see #kept).
   */
  #memoKeep: Uint8Array | null = null;
  /** The memo ids the opcodes #codecsLatin1 skipped over added to the memo. */
  #codecsMemoAdded = 0;
  /** The last scan of #memoReadsFrom: from where, its STOP, the last read of each memo id. */
  #readScan: { from: number; stop: number; reads: Map<number, number> } | null = null;

  /**
   * @param data the pickle bytes (a `Buffer` is a `Uint8Array` too); loaded
   *   bytes objects are views into it unless `copyBytes` is set.
   * @param options see {@link LoadOptions}.
   */
  constructor(data: Uint8Array | ArrayBuffer | ArrayBufferView, options?: LoadOptions) {
    this.#data = toBytes(data);
    if (options !== undefined) this.#options = resolveLoadOptions(options, defaultRegistry);
    else {
      defaultLoadOptions ??= Object.freeze(resolveLoadOptions(undefined, defaultRegistry));
      this.#options = defaultLoadOptions;
    }
  }

  /** A DataView over the input, for the opcodes the hot loops read without one (see readInt32). */
  get #view(): DataView {
    this.#dataView ??= new DataView(this.#data.buffer, this.#data.byteOffset, this.#data.byteLength);
    return this.#dataView;
  }

  #makeContext(): ReconstructContext & { global: PyGlobal } {
    return {
      global: new PyGlobal('builtins', 'object'),
      registry: this.#options.registry,
      exact: this.#options.exact,
      inert: (kind: PyObjectKind, callable: unknown, args: Tuple, kwargs: unknown = null) =>
        new PyObject(kind, callable, args, kwargs),
      fail: (reason: string): never => {
        throw new LoadFailure(reason);
      },
      resolve: (module: string, name: string, refusal?: string) => this.#findGlobal(module, name, refusal),
      construct: (cls: unknown, args: Tuple, kwargs: unknown) => {
        if (!(cls instanceof PyGlobal)) return undefined;
        const reconstructor = this.#resolved?.get(cls);
        if (reconstructor?.construct === undefined) return undefined;
        return this.#track(reconstructor.construct(args, kwargs, this.#contextFor(cls)), reconstructor);
      },
    };
  }

  /** Offset of the next unread byte: where the next pickle starts after a `load()`. */
  get position(): number {
    return this.#pos;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.#pos >= this.#data.length;
  }

  /** The protocol of the last pickle loaded (0 when it had no PROTO opcode). */
  get protocol(): number {
    return this.#proto;
  }

  /**
   * Loads the next pickle and returns its value.
   *
   * @throws {@link UnpicklingError} for bad input, refused globals, or no input left.
   */
  load(): unknown {
    if (this.#pos >= this.#data.length) throw new UnpicklingError('Ran out of input', this.#pos);
    if (this.#entered) throw new UnpicklingError('load() called again while loading');
    this.#entered = true;
    this.#scanned = 0;
    this.#memoScanned = 0;
    this.#memoDead = false;
    this.#memoKeep = null;
    if (!this.#options.keepMemo) {
      this.#memo = [];
      this.#sparse = null;
      this.#memoLen = 0;
      this.#converted = null;
    }
    const start = this.#pos;
    const outerForms = takeGetattrForms();
    try {
      const value = this.#run();
      const result = this.#needsFixup ? this.#fixup(value) : value;
      const forms = takeGetattrForms();
      return this.#options.exact || forms !== null ? this.#recordExact(result, start, forms) : result;
    } finally {
      restoreGetattrForms(outerForms);
      releaseKeyIndexes();
      if (this.#grown !== null || this.#overlong !== null) this.#settleAll();
      this.#entered = false;
      this.#floodWatch = null;
      this.#exposed = null;
      this.#needsFixup = false;
      if (!this.#options.keepMemo) this.#made = null;
    }
  }

  /** `exact: true`: how the pickle spelled what the value cannot hold (see exact-strings.ts), kept beside it. */
  #recordExact(value: unknown, start: number, getattr: Map<object, GetattrForm> | null): unknown {
    // A stream read with keepMemo refers to strings of earlier pickles: its record would not be complete.
    const full = this.#options.exact && !this.#options.keepMemo;
    let strings = full ? recordStrings(this.#data, start, this.#pos) : null;
    // Strings all fresh: nothing to keep for a string or number root (a str primitive holds no record).
    if (strings === ALL_FRESH && (typeof value !== 'object' || value === null)) strings = null;
    // The objects it memoized, in memo order, when the memo holds every one (see exact-objects.ts): the
    // memo array itself, which the next load does not reuse.
    let objects = null;
    if (
      full &&
      typeof value === 'object' &&
      value !== null &&
      this.#sparse === null &&
      this.#converted === null
    ) {
      objects = recordObjects(this.#data, start, this.#pos, this.#memo, UNREAD);
      this.#memo = [];
      this.#memoLen = 0;
    }
    // A member alone is a shared object (an enum's member): no record on it.
    if (getattr?.has(value as object)) getattr = null;
    if (strings === null && getattr === null && objects === null) return value;
    // A str spelled in a way a string primitive cannot keep (a surrogate pair written apart) needs an object to hold its record.
    const result = typeof value === 'string' && strings !== null ? Object(value) : value;
    attachRecord(result, { strings, getattr, objects });
    return result;
  }

  /** Loads every remaining pickle, in order. */
  *[Symbol.iterator](): IterableIterator<unknown> {
    while (!this.done) yield this.load();
  }

  /** The single hot loop. Everything it touches per opcode is a local (no closures: they would move locals to the heap). */
  #run(): unknown {
    const data = this.#data;
    const opts = this.#options;
    const dataEnd = data.length;
    const stack: unknown[] = [];
    const marks: number[] = [];
    const keepFloats = opts.keepFloats;
    const dictsAsMap = opts.dictsAsMap;
    const memo = this.#memo;
    let memoLen = this.#memoLen;
    /**
     * The plain-object dict EMPTY_DICT made last: a MARK over it needs no prototype check (a builtin call).
     * Before the first, an object no pickle can put on the stack (not null: None would pass for a dict).
     */
    let lastDict: object = {};
    /**
     * The list EMPTY_LIST made last, where its opcode ended and the memo length then: a list filled right
     * after it (see #freshStore) is remade at its size.
     */
    let freshList: unknown[] | null = null;
    let freshEnd = 0;
    let freshMemo = 0;
    let fence = 0;
    let pos = this.#pos;
    let end = dataEnd;
    let frameEnd = -1;
    let opPos = pos;
    let op = -1;
    this.#proto = 0;

    try {
      for (;;) {
        if (pos >= end) {
          if (frameEnd >= 0 && pos === frameEnd) {
            end = dataEnd;
            frameEnd = -1;
          }
          if (pos >= end) throw this.#truncated(pos, 1, frameEnd);
        }
        opPos = pos;
        op = data[pos++]!;
        switch (op) {
          case 0x28: {
            // MARK
            const n = stack.length;
            if (n > fence) {
              // A batch of APPENDS into the list on top goes straight into the list (see #appendRun).
              const top = stack[n - 1];
              if (Array.isArray(top) && !Object.isFrozen(top) && !this.#extendsItself(top)) {
                const fresh =
                  top === freshList && top.length === 0
                    ? freshStore(data, freshEnd, pos - 1, freshMemo, false)
                    : NOT_FRESH;
                const next = this.#appendRun(top, pos, end, frameEnd, memoLen, stack, fresh);
                memoLen = this.#memoLen;
                end = this.#runEnd;
                frameEnd = this.#runFrameEnd;
                if (next >= 0) {
                  pos = next;
                  continue;
                }
                // Not a batch of simple items: what it read is now on the stack above the mark.
                marks.push(n);
                fence = n;
                pos = this.#runPos;
                continue;
              }
              if (!dictsAsMap && (top === lastDict || isPlainDict(top))) {
                // A batch of SETITEMS into the dict on top (see #setItemsRun).
                const next = this.#setItemsRun(pos, end, frameEnd, memoLen, stack, n);
                memoLen = this.#memoLen;
                end = this.#runEnd;
                frameEnd = this.#runFrameEnd;
                if (next >= 0) {
                  pos = next;
                  continue;
                }
                marks.push(n);
                fence = n;
                pos = this.#runPos;
                continue;
              }
            }
            marks.push(n);
            fence = n;
            continue;
          }
          case 0x29: // EMPTY_TUPLE
            stack.push(EMPTY_TUPLE);
            continue;
          case 0x2e: // STOP
            if (stack.length <= fence) throw underflow();
            if (this.#grown !== null || this.#overlong !== null) this.#settleAll();
            this.#pos = pos;
            this.#memoLen = memoLen;
            return stack[stack.length - 1];
          case 0x30: // POP (of the top item, or of a MARK right on top)
            if (marks.length > 0 && marks[marks.length - 1] === stack.length) {
              popMark(marks);
              fence = fenceOf(marks);
            } else if (stack.length <= fence) {
              throw underflow();
            } else {
              const top = stack[stack.length - 1];
              if (top instanceof PyObject && top.kind === 'reduce') this.#stateSetterCall(top);
              stack.length--;
            }
            continue;
          case 0x31: // POP_MARK
            stack.length = popMark(marks);
            fence = fenceOf(marks);
            continue;
          case 0x32: {
            // DUP
            if (stack.length <= fence) throw underflow();
            const top = stack[stack.length - 1];
            if (isPlainDict(top)) this.#markExposed(top);
            stack.push(top);
            continue;
          }
          case 0x42: {
            // BINBYTES
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            const n = u32(data, pos);
            pos += 4;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(this.#bytes(pos, n));
            pos += n;
            continue;
          }
          case 0x43: {
            // SHORT_BINBYTES
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            const n = data[pos++]!;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(this.#bytes(pos, n));
            pos += n;
            continue;
          }
          case 0x46: {
            // FLOAT
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            if (data[nl - 1] === 0x0d) throw crLine(data);
            const v = parseFloatText(decodeLatin1(data, pos, nl - pos));
            pos = nl + 1;
            stack.push(keepFloats && Number.isInteger(v) ? new PyFloat(v) : v);
            continue;
          }
          case 0x47: {
            // BINFLOAT
            if (pos + 8 > end) throw this.#truncated(pos, 8, frameEnd);
            const v = readFloat64(data, pos);
            pos += 8;
            stack.push(keepFloats && Number.isInteger(v) ? new PyFloat(v) : v);
            continue;
          }
          case 0x49: {
            // INT: exactly '00' and '01' are False and True (protocol 0 bools)
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            if (data[nl - 1] === 0x0d) throw crLine(data);
            if (nl - pos === 2 && data[pos] === 0x30 && (data[pos + 1] === 0x30 || data[pos + 1] === 0x31)) {
              stack.push(data[pos + 1] === 0x31);
            } else {
              stack.push(parseIntText(data, pos, nl));
            }
            pos = nl + 1;
            continue;
          }
          case 0x4a: // BININT
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            stack.push(readInt32(data, pos));
            pos += 4;
            continue;
          case 0x4b: // BININT1
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            stack.push(data[pos++]);
            continue;
          case 0x4c: {
            // LONG: decimal text with an optional 'L' suffix
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            if (data[nl - 1] === 0x0d) throw crLine(data);
            const stop = nl > pos && data[nl - 1] === 0x4c ? nl - 1 : nl;
            stack.push(parseIntText(data, pos, stop));
            pos = nl + 1;
            continue;
          }
          case 0x4d: // BININT2
            if (pos + 2 > end) throw this.#truncated(pos, 2, frameEnd);
            stack.push(data[pos]! | (data[pos + 1]! << 8));
            pos += 2;
            continue;
          case 0x4e: // NONE
            stack.push(null);
            continue;
          case 0x50: {
            // PERSID
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            const pid = decodeAsciiOr(
              data,
              pos,
              nl - pos,
              'persistent IDs in protocol 0 must be ASCII strings',
            );
            pos = nl + 1;
            stack.push(this.#persistentLoad(pid));
            continue;
          }
          case 0x51: // BINPERSID
            if (stack.length <= fence) throw underflow();
            stack.push(this.#persistentLoad(stack.pop()));
            continue;
          case 0x52: {
            // REDUCE
            if (stack.length - 2 < fence) throw underflow();
            const args = stack.pop();
            stack[stack.length - 1] = this.#reduce(stack[stack.length - 1], args);
            continue;
          }
          case 0x53: {
            // STRING: a quoted Python 2 str literal with backslash escapes
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            const q = data[pos];
            if (nl - pos < 2 || (q !== 0x27 && q !== 0x22) || data[nl - 1] !== q) {
              throw new LoadFailure(
                `the STRING opcode argument must be quoted${data[nl - 1] === 0x0d ? startTextModeHint(data) : ''}`,
              );
            }
            const raw = escapeDecode(data, pos + 1, nl - 1);
            pos = nl + 1;
            stack.push(this.#py2String(raw, 0, raw.length, true));
            continue;
          }
          case 0x54: {
            // BINSTRING
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            const n = readInt32(data, pos);
            pos += 4;
            if (n < 0) throw new LoadFailure('BINSTRING pickle has negative byte count');
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(this.#py2String(data, pos, n, false));
            pos += n;
            continue;
          }
          case 0x55: {
            // SHORT_BINSTRING
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            const n = data[pos++]!;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(this.#py2String(data, pos, n, false));
            pos += n;
            continue;
          }
          case 0x56: {
            // UNICODE: raw-unicode-escape text
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            stack.push(decodeRawUnicodeEscape(data, pos, nl));
            pos = nl + 1;
            continue;
          }
          case 0x58: {
            // BINUNICODE
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            const n = u32(data, pos);
            pos += 4;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            if (
              n >= CODECS_LATIN1_MIN &&
              stack.length > fence &&
              stack[stack.length - 1] instanceof PyGlobal
            ) {
              // Perhaps `_codecs.encode(<this text>, 'latin1')`, a bytes object of protocols 0-2.
              const at = this.#codecsLatin1(stack, pos, n, end);
              if (at >= 0) {
                memoLen += this.#codecsMemoAdded;
                pos = at;
                continue;
              }
            }
            stack.push(decodeUtf8(data, pos, n));
            pos += n;
            continue;
          }
          case 0x5d: {
            // EMPTY_LIST
            const list: unknown[] = [];
            stack.push(list);
            if (dataEnd >= FRESH_INPUT) {
              freshList = list;
              freshEnd = pos;
              freshMemo = memoLen;
            }
            continue;
          }
          case 0x61: {
            // APPEND
            const n = stack.length;
            if (n - 2 < fence) throw underflow();
            const target = stack[n - 2];
            if (Array.isArray(target) && !Object.isFrozen(target) && !this.#extendsItself(target)) {
              const value = stack[n - 1];
              if (
                target === freshList &&
                target.length === 0 &&
                (typeof value !== 'object' || value === null)
              ) {
                // A list of one item, as CPython writes it (EMPTY_LIST, a memo store, the item, APPEND): made
                // at its size. A push gives an empty array room for 17 items (152 bytes for 8).
                const id = freshStore(data, freshEnd, opPos, freshMemo, true);
                if (id !== NOT_FRESH) {
                  const list = [value];
                  if (this.#memoFollows(id, target, list)) {
                    stack[n - 2] = list;
                    stack.pop();
                    continue;
                  }
                }
              }
              // From the stack itself: an array of the one value per APPEND was garbage.
              if (this.#grown === null) target.push(value);
              else this.#appendList(target, stack, n - 1, n);
              stack.pop();
            } else {
              this.#appendOther(target, [stack.pop()], 0, 'APPEND');
            }
            continue;
          }
          case 0x62: {
            // BUILD
            if (stack.length - 2 < fence) throw underflow();
            const state = stack.pop();
            const target = stack[stack.length - 1];
            if (target instanceof PyObject) build(target, state);
            else this.#setState(target, state);
            if (opts.afterBuild !== undefined) {
              const next = afterBuild(opts.afterBuild, target, pos, data);
              if (next !== undefined) {
                if (frameEnd >= 0 && pos !== frameEnd) {
                  throw new LoadFailure('raw data after BUILD inside a frame');
                }
                stack[stack.length - 1] = next.value;
                pos = next.offset;
                end = dataEnd;
                frameEnd = -1;
              }
            }
            continue;
          }
          case 0x63: {
            // GLOBAL
            const nl1 = lineEnd(data, pos, end);
            const nl2 = nl1 < 0 ? -1 : lineEnd(data, nl1 + 1, end);
            if (nl2 < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            const module = decodeUtf8(data, pos, nl1 - pos);
            const name = decodeUtf8(data, nl1 + 1, nl2 - nl1 - 1);
            pos = nl2 + 1;
            stack.push(this.#findGlobal(module, name));
            continue;
          }
          case 0x64: {
            // DICT
            const mark = popMark(marks);
            fence = fenceOf(marks);
            if ((stack.length - mark) % 2 !== 0) throw new LoadFailure('odd number of items for DICT');
            const dict = newDict(stack, mark, dictsAsMap);
            if (dict instanceof Map && dict.size >= FLOOD_WATCH_SIZE) this.#watchAll(dict);
            truncate(stack, mark);
            stack.push(dict);
            continue;
          }
          case 0x65: {
            // APPENDS
            const mark = popMark(marks);
            fence = fenceOf(marks);
            if (mark === 0 || mark > stack.length) throw underflow();
            if (mark === stack.length) continue; // nothing to append: CPython returns early
            const target = stack[mark - 1];
            const n = stack.length;
            if (Array.isArray(target) && !Object.isFrozen(target) && !this.#extendsItself(target)) {
              this.#appendList(target, stack, mark, n);
            } else {
              this.#appendOther(target, stack, mark, 'APPENDS');
            }
            truncate(stack, mark);
            continue;
          }
          case 0x67: {
            // GET
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            if (data[nl - 1] === 0x0d) throw crLine(data);
            const index = parseIndexText(data, pos, nl);
            pos = nl + 1;
            stack.push(this.#memoGet(index));
            continue;
          }
          case 0x68: // BINGET
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            stack.push(this.#memoGet(data[pos++]!));
            continue;
          case 0x69: {
            // INST
            const nl1 = lineEnd(data, pos, end);
            const nl2 = nl1 < 0 ? -1 : lineEnd(data, nl1 + 1, end);
            if (nl2 < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            const module = decodeUtf8(data, pos, nl1 - pos);
            const name = decodeUtf8(data, nl1 + 1, nl2 - nl1 - 1);
            pos = nl2 + 1;
            const mark = popMark(marks);
            fence = fenceOf(marks);
            const args = mark === stack.length ? EMPTY_TUPLE : markTuple(stack.slice(mark));
            truncate(stack, mark);
            stack.push(this.#instantiate('inst', this.#findGlobal(module, name), args));
            continue;
          }
          case 0x6a: // LONG_BINGET
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            stack.push(this.#memoGet(u32(data, pos)));
            pos += 4;
            continue;
          case 0x6c: {
            // LIST
            const mark = popMark(marks);
            fence = fenceOf(marks);
            const list = stack.slice(mark);
            truncate(stack, mark);
            stack.push(list);
            continue;
          }
          case 0x6f: {
            // OBJ
            const mark = popMark(marks);
            fence = fenceOf(marks);
            if (mark >= stack.length) throw underflow();
            const cls = stack[mark];
            const args = mark + 1 === stack.length ? EMPTY_TUPLE : markTuple(stack.slice(mark + 1));
            truncate(stack, mark);
            stack.push(this.#instantiate('obj', cls, args));
            continue;
          }
          case 0x70: {
            // PUT
            const nl = lineEnd(data, pos, end);
            if (nl < 0) throw this.#truncated(pos, dataEnd - pos + 1, frameEnd);
            if (data[nl - 1] === 0x0d) throw crLine(data);
            const index = parseIndexText(data, pos, nl);
            pos = nl + 1;
            if (stack.length <= fence) throw underflow();
            memoLen += this.#memoPut(index, stack[stack.length - 1], pos);
            continue;
          }
          case 0x71: // BINPUT
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            if (stack.length <= fence) throw underflow();
            memoLen += this.#memoPut(data[pos]!, stack[stack.length - 1], ++pos);
            continue;
          case 0x72: // LONG_BINPUT
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            if (stack.length <= fence) throw underflow();
            memoLen += this.#memoPut(u32(data, pos), stack[stack.length - 1], pos + 4);
            pos += 4;
            continue;
          case 0x73: {
            // SETITEM
            if (stack.length - 3 < fence) throw underflow();
            const n = stack.length - 3;
            const target = stack[n];
            stack[n] =
              target instanceof Map
                ? this.#mapSet(target, stack[n + 1], stack[n + 2])
                : this.#setItems(target, stack, n + 1);
            stack.pop();
            stack.pop();
            continue;
          }
          case 0x74: {
            // TUPLE
            const mark = popMark(marks);
            fence = fenceOf(marks);
            const t = mark === stack.length ? EMPTY_TUPLE : markTuple(stack.slice(mark));
            truncate(stack, mark);
            stack.push(t);
            continue;
          }
          case 0x75: {
            // SETITEMS
            const mark = popMark(marks);
            fence = fenceOf(marks);
            if (mark === 0 || mark > stack.length) throw underflow();
            if ((stack.length - mark) % 2 !== 0) throw new LoadFailure('odd number of items for SETITEMS');
            const target = stack[mark - 1];
            if (target instanceof Map) {
              for (let i = mark; i < stack.length; i += 2) this.#mapSet(target, stack[i], stack[i + 1]);
            } else {
              stack[mark - 1] = this.#setItems(target, stack, mark, target === lastDict);
            }
            truncate(stack, mark);
            continue;
          }
          case 0x7d: // EMPTY_DICT
            if (dictsAsMap) stack.push(new Map());
            else {
              lastDict = {};
              stack.push(lastDict);
            }
            continue;
          case 0x80: {
            // PROTO
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            const proto = data[pos++]!;
            if (proto > HIGHEST_PROTOCOL) throw new LoadFailure(`unsupported pickle protocol: ${proto}`);
            this.#proto = proto;
            continue;
          }
          case 0x81: {
            // NEWOBJ
            if (stack.length - 2 < fence) throw underflow();
            const args = stack.pop();
            const n = stack.length - 1;
            if (!isTuple(args))
              throw new LoadFailure(`NEWOBJ expected an argument tuple, got ${describeType(args)}`);
            stack[n] = this.#newObject(stack[n], args, null);
            continue;
          }
          case 0x82: // EXT1
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            stack.push(this.#extension(data[pos++]!));
            continue;
          case 0x83: // EXT2
            if (pos + 2 > end) throw this.#truncated(pos, 2, frameEnd);
            stack.push(this.#extension(data[pos]! | (data[pos + 1]! << 8)));
            pos += 2;
            continue;
          case 0x84: // EXT4
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            stack.push(this.#extension(readInt32(data, pos)));
            pos += 4;
            continue;
          case 0x85: {
            // TUPLE1
            if (stack.length - 1 < fence) throw underflow();
            const n = stack.length - 1;
            stack[n] = markTuple([stack[n]]);
            continue;
          }
          case 0x86: {
            // TUPLE2
            if (stack.length - 2 < fence) throw underflow();
            const b = stack.pop();
            const n = stack.length - 1;
            stack[n] = markTuple([stack[n], b]);
            continue;
          }
          case 0x87: {
            // TUPLE3
            if (stack.length - 3 < fence) throw underflow();
            const c = stack.pop();
            const b = stack.pop();
            const n = stack.length - 1;
            stack[n] = markTuple([stack[n], b, c]);
            continue;
          }
          case 0x88: // NEWTRUE
            stack.push(true);
            continue;
          case 0x89: // NEWFALSE
            stack.push(false);
            continue;
          case 0x8a: {
            // LONG1
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            const n = data[pos++]!;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(decodeLong(data, this.#view, pos, n));
            pos += n;
            continue;
          }
          case 0x8b: {
            // LONG4
            if (pos + 4 > end) throw this.#truncated(pos, 4, frameEnd);
            const n = readInt32(data, pos);
            pos += 4;
            if (n < 0) throw new LoadFailure('LONG pickle has negative byte count');
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(decodeLong(data, this.#view, pos, n));
            pos += n;
            continue;
          }
          case 0x8c: {
            // SHORT_BINUNICODE
            if (pos + 1 > end) throw this.#truncated(pos, 1, frameEnd);
            const n = data[pos++]!;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(decodeUtf8(data, pos, n));
            pos += n;
            continue;
          }
          case 0x8d: {
            // BINUNICODE8
            if (pos + 8 > end) throw this.#truncated(pos, 8, frameEnd);
            const n = size8(data, pos);
            pos += 8;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(decodeUtf8(data, pos, n));
            pos += n;
            continue;
          }
          case 0x8e: {
            // BINBYTES8
            if (pos + 8 > end) throw this.#truncated(pos, 8, frameEnd);
            const n = size8(data, pos);
            pos += 8;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            stack.push(this.#bytes(pos, n));
            pos += n;
            continue;
          }
          case 0x8f: // EMPTY_SET
            stack.push(new Set());
            continue;
          case 0x90: {
            // ADDITEMS
            const mark = popMark(marks);
            fence = fenceOf(marks);
            if (mark === 0 || mark > stack.length) throw underflow();
            if (mark === stack.length) continue; // nothing to add: CPython returns early
            addItems(stack[mark - 1], stack, mark);
            truncate(stack, mark);
            continue;
          }
          case 0x91: {
            // FROZENSET
            const mark = popMark(marks);
            fence = fenceOf(marks);
            const set = new FrozenSet(pyKeys(stack.slice(mark)));
            truncate(stack, mark);
            stack.push(set);
            continue;
          }
          case 0x92: {
            // NEWOBJ_EX
            if (stack.length - 3 < fence) throw underflow();
            const kwargs = stack.pop();
            const args = stack.pop();
            const n = stack.length - 1;
            if (!isTuple(args)) {
              throw new LoadFailure(`NEWOBJ_EX args argument must be a tuple, not ${describeType(args)}`);
            }
            if (!(kwargs instanceof Map || isPlainDict(kwargs))) {
              throw new LoadFailure(`NEWOBJ_EX kwargs argument must be a dict, not ${describeType(kwargs)}`);
            }
            stack[n] = this.#newObject(stack[n], args, kwargs);
            continue;
          }
          case 0x93: {
            // STACK_GLOBAL
            if (stack.length - 2 < fence) throw underflow();
            const name = stack.pop();
            const module = stack.pop();
            if (typeof module !== 'string' || typeof name !== 'string')
              throw new LoadFailure('STACK_GLOBAL requires str');
            stack.push(this.#findGlobal(module, name));
            continue;
          }
          case 0x94: {
            // MEMOIZE
            if (stack.length <= fence) throw underflow();
            const value = stack[stack.length - 1];
            if (memoLen < memo.length && memo[memoLen] === undefined) {
              // The usual case once the memo has room (see #presizeMemo): the next free slot.
              memo[memoLen] = this.#kept(memoLen, value);
              memoLen++;
            } else if (memoLen === memo.length && this.#sparse === null) {
              // The memo is dense and full: it appends (unless nothing reads it again in this load).
              if (!this.#memoDead && memoLen >= MEMO_PRESIZE) this.#presizeMemo(pos);
              if (!this.#memoDead) memo[memoLen] = this.#kept(memoLen, value);
              memoLen++;
            } else {
              memoLen += this.#memoPut(memoLen, value);
            }
            continue;
          }
          case 0x95: {
            // FRAME: a bounds check; no opcode may run past its end
            if (pos + 8 > end) throw this.#truncated(pos, 8, frameEnd);
            const n = size8(data, pos);
            pos += 8;
            if (frameEnd >= 0) throw new LoadFailure('beginning of a new frame before end of current frame');
            if (pos + n > dataEnd) throw this.#truncated(pos, n, frameEnd);
            if (n > 0) {
              frameEnd = pos + n;
              end = frameEnd;
            }
            continue;
          }
          case 0x96: {
            // BYTEARRAY8
            if (pos + 8 > end) throw this.#truncated(pos, 8, frameEnd);
            const n = size8(data, pos);
            pos += 8;
            if (pos + n > end) throw this.#truncated(pos, n, frameEnd);
            const out = new PyByteArray(n);
            out.set(data.subarray(pos, pos + n));
            pos += n;
            stack.push(out);
            continue;
          }
          case 0x97: // NEXT_BUFFER
            stack.push(this.#nextBuffer());
            continue;
          case 0x98: {
            // READONLY_BUFFER
            if (stack.length <= fence) throw underflow();
            const n = stack.length - 1;
            const top = stack[n];
            // In-band bytes are read-only already: CPython keeps them as they are.
            if (!(top instanceof Uint8Array && !(top instanceof PyByteArray) && !this.#outOfBand?.has(top)))
              stack[n] = readonlyBuffer(top);
            continue;
          }
          default: {
            const shown =
              op >= 0x20 && op < 0x7f
                ? `'${String.fromCharCode(op)}'`
                : `'\\x${op.toString(16).padStart(2, '0')}'`;
            throw new LoadFailure(`invalid load key, ${shown}${startTextModeHint(data)}`);
          }
        }
      }
    } catch (error) {
      this.#pos = pos;
      this.#memoLen = memoLen;
      if (
        error instanceof LoadFailure ||
        error instanceof TextDecodeError ||
        error instanceof IntParseError ||
        error instanceof FloatParseError ||
        error instanceof UnhashableError ||
        error instanceof HashFloodError
      ) {
        throw new UnpicklingError(
          error.message + formatHint(data, opPos),
          opPos,
          op < 0 ? undefined : opcodeName(op),
          {
            cause: error,
            truncated: error instanceof LoadFailure && error.truncated,
          },
        );
      }
      if (error instanceof RangeError && /call stack|allocation|Invalid array length/i.test(error.message)) {
        throw new UnpicklingError(
          `resources exhausted: ${error.message}`,
          opPos,
          op < 0 ? undefined : opcodeName(op),
        );
      }
      throw error;
    }
  }

  /**
   * The common body of a big list: MARK, then items that each push one value
   * (ints, floats, strings, None, bools, with MEMOIZE, BINPUT or LONG_BINPUT
   * of the next id after any of them, and TUPLE1-3 of the items just read),
   * then APPENDS. Read by a loop
   * that pushes each value straight onto `target`, so a float list stays a
   * double array and nothing passes through the stack: no boxed number per
   * float, no copy per batch. `target` (the list under the MARK) stands for
   * the stack above the mark while the loop runs.
   *
   * Frames are crossed as the main loop crosses them (the caller's `end` and
   * `frameEnd` are left in `#runEnd` and `#runFrameEnd`).
   *
   * Returns the position after APPENDS. Anything else (another opcode, a
   * frame in error, bad data) stops the loop and returns -1, with the
   * position where it stopped in `#runPos`: the caller moves what was
   * appended back to the stack above a MARK, and the main loop goes on from
   * there (and reports any error as it would have). Memo entries made meanwhile
   * stay: they hold the same values either way. The memo length is left in
   * `#memoLen`.
   */
  #appendRun(
    target: unknown[],
    pos: number,
    end: number,
    frameEnd: number,
    memoLen: number,
    stack: unknown[],
    fresh: number,
  ): number {
    const data = this.#data;
    const memo = this.#memo;
    const keepFloats = this.#options.keepFloats;
    // Made at the first BINFLOAT: V8 inlines getFloat64 in the loop (1-2 ns a float, where a byte copy costs 6-8).
    let view = this.#dataView;
    let few = FEW_FLOATS;
    // Big ints wait for a batch (flushLongs) where the host has V8's deserializer; any opcode that
    // reads the items appended (a memo store, a tuple) and the end of the loop make them first.
    const batches = longBatches();
    let waiting = 0;
    let grown = this.#grown;
    let real = grown === null ? undefined : grown.get(target);
    // Each item takes a byte at least: with GROWN_LIST bytes or fewer left, no count can pass GROWN_LIST.
    if (real === undefined && target.length === 0 && pos >= this.#scanned && data.length - pos > GROWN_LIST) {
      // A new list: count the items of the batches ahead and make room for all of them at once.
      const count = this.#countRun(pos);
      if (count > GROWN_LIST) {
        // A list that starts with a float is made a double array before it is sized: growing a
        // small-int array and then converting it would allocate it twice.
        if (data[pos] === 0x47 && !keepFloats) target[0] = 0.5;
        target.length = count;
        real = 0;
        grown ??= this.#grown = new Map();
        grown.set(target, 0);
      }
    }
    const start = real ?? target.length;
    // Positions, ends and the list length as int32s for the optimizing compiler (doubles otherwise, converted
    // at every item): the loop stops at RUN_LIMIT, and the main loop reads on past it.
    const dataEnd = Math.min(data.length, RUN_LIMIT) | 0;
    end = Math.min(end, RUN_LIMIT) | 0;
    let len = Math.min(start, RUN_LIMIT) | 0;
    let done = false;
    // Past RUN_LIMIT (a list that long, or this far into the input), the main loop reads it all.
    if (start <= RUN_LIMIT && pos <= RUN_LIMIT) {
      pos |= 0;
      try {
        for (;;) {
          if (pos >= end) {
            // The end of a frame: the next opcode is read up to the end of the data (or of its FRAME).
            if (frameEnd < 0 || pos !== frameEnd) break;
            end = dataEnd;
            frameEnd = -1;
            if (pos >= end) break;
          }
          switch (data[pos]) {
            case 0x95: {
              // FRAME, between two frames: checked as the main loop does, which reports what is wrong
              if (frameEnd >= 0 || pos + 9 > end) break;
              const lo = u32(data, pos + 1);
              const hi = u32(data, pos + 5);
              if (hi !== 0 || pos + 9 + lo > dataEnd) break;
              pos += 9;
              if (lo > 0) {
                frameEnd = pos + lo;
                end = frameEnd;
              }
              continue;
            }
            case 0x47: {
              // BINFLOAT
              if (pos + 9 > end) break;
              if (view === null) {
                if (few > 0) {
                  // The first floats without a DataView (see FEW_FLOATS). A path of its own: merging
                  // it with the DataView read made a list of a million floats load 10% slower.
                  few--;
                  const w = readFloat64(data, pos + 1);
                  target[len++] = keepFloats && Number.isInteger(w) ? new PyFloat(w) : w;
                  pos += 9;
                  continue;
                }
                view = this.#view;
              }
              const v = view.getFloat64(pos + 1);
              target[len++] = keepFloats && Number.isInteger(v) ? new PyFloat(v) : v;
              pos += 9;
              continue;
            }
            case 0x4a: // BININT
              if (pos + 5 > end) break;
              target[len++] = readInt32(data, pos + 1);
              pos += 5;
              continue;
            case 0x4b: // BININT1
              if (pos + 2 > end) break;
              target[len++] = data[pos + 1]!;
              pos += 2;
              continue;
            case 0x4d: // BININT2
              if (pos + 3 > end) break;
              target[len++] = data[pos + 1]! | (data[pos + 2]! << 8);
              pos += 3;
              continue;
            case 0x4e: // NONE
              target[len++] = null;
              pos++;
              continue;
            case 0x88: // NEWTRUE
              target[len++] = true;
              pos++;
              continue;
            case 0x89: // NEWFALSE
              target[len++] = false;
              pos++;
              continue;
            case 0x8c: {
              // SHORT_BINUNICODE
              if (pos + 2 > end) break;
              const n = data[pos + 1]!;
              if (pos + 2 + n > end) break;
              target[len++] = decodeUtf8Value(data, pos + 2, n);
              pos += 2 + n;
              continue;
            }
            case 0x58: {
              // BINUNICODE
              if (pos + 5 > end) break;
              const n = u32(data, pos + 1);
              if (pos + 5 + n > end) break;
              target[len++] = decodeUtf8(data, pos + 5, n);
              pos += 5 + n;
              continue;
            }
            case 0x8a: {
              // LONG1: straight into the list, as the other items (through the stack, a list of big ints
              // grew and cut back the stack at every batch)
              if (pos + 2 > end) break;
              const n = data[pos + 1]!;
              if (pos + 2 + n > end) break;
              if (batches && n > 8 && minimalLong(data, pos + 2, n)) {
                target[len] = null;
                waiting = queueLong(pos + 2, n, len++);
                if (waiting === LONG_BATCH) waiting = flushLongs(data, target);
              } else {
                target[len++] = decodeLong(data, this.#view, pos + 2, n);
              }
              pos += 2 + n;
              continue;
            }
            case 0x94: // MEMOIZE, into a free slot or at the end of a dense memo
              if (waiting !== 0) waiting = flushLongs(data, target);
              if (len === start) break;
              if (this.#memoDead) {
                pos++;
                continue;
              }
              if (memoLen < memo.length && memo[memoLen] === undefined) {
                memo[memoLen] = this.#kept(memoLen, target[len - 1]);
                memoLen++;
              } else if (memoLen === memo.length && this.#sparse === null) {
                if (memoLen >= MEMO_PRESIZE) this.#presizeMemo(pos + 1);
                if (!this.#memoDead) memo[memoLen] = this.#kept(memoLen, target[len - 1]);
                memoLen++;
              } else {
                break;
              }
              pos++;
              continue;
            case 0x71: // BINPUT of the next id, into a free slot or at the end of a dense memo
              if (waiting !== 0) waiting = flushLongs(data, target);
              if (pos + 2 > end || len === start) break;
              if (this.#memoDead) {
                pos += 2;
                continue;
              }
              if (data[pos + 1] !== memoLen) break;
              if (memoLen < memo.length && memo[memoLen] === undefined) {
                memo[memoLen] = this.#kept(memoLen, target[len - 1]);
                memoLen++;
              } else if (memoLen === memo.length && this.#sparse === null) {
                if (memoLen >= MEMO_PRESIZE) this.#presizeMemo(pos + 2);
                if (!this.#memoDead) memo[memoLen] = this.#kept(memoLen, target[len - 1]);
                memoLen++;
              } else {
                break;
              }
              pos += 2;
              continue;
            case 0x72: // LONG_BINPUT of the next id (protocols 1-3 past id 255), as BINPUT
              if (waiting !== 0) waiting = flushLongs(data, target);
              if (pos + 5 > end || len === start) break;
              if (this.#memoDead) {
                pos += 5;
                continue;
              }
              if (u32(data, pos + 1) !== memoLen) break;
              if (memoLen < memo.length && memo[memoLen] === undefined) {
                memo[memoLen] = this.#kept(memoLen, target[len - 1]);
                memoLen++;
              } else if (memoLen === memo.length && this.#sparse === null) {
                if (memoLen >= MEMO_PRESIZE) this.#presizeMemo(pos + 5);
                if (!this.#memoDead) memo[memoLen] = this.#kept(memoLen, target[len - 1]);
                memoLen++;
              } else {
                break;
              }
              pos += 5;
              continue;
            case 0x85: // TUPLE1
              if (waiting !== 0) waiting = flushLongs(data, target);
              if (len - 1 < start) break;
              target[len - 1] = markTuple([target[len - 1]]);
              pos++;
              continue;
            case 0x86: // TUPLE2
              if (waiting !== 0) waiting = flushLongs(data, target);
              if (len - 2 < start) break;
              target[len - 2] = markTuple([target[len - 2], target[len - 1]]);
              len--;
              pos++;
              continue;
            case 0x87: // TUPLE3
              if (waiting !== 0) waiting = flushLongs(data, target);
              if (len - 3 < start) break;
              target[len - 3] = markTuple([target[len - 3], target[len - 2], target[len - 1]]);
              len -= 2;
              pos++;
              continue;
            case 0x65: // APPENDS
              pos++;
              done = true;
              break;
          }
          break;
        }
      } catch {
        // Invalid text: the main loop reads it again and reports it.
      }
      if (waiting !== 0) flushLongs(data, target);
    }
    if (!done) {
      // Back to the stack, above the caller's MARK.
      for (let i = start; i < len; i++) stack.push(target[i]);
      len = start;
    }
    if (real !== undefined) grown!.set(target, len);
    else if (target.length !== len) target.length = len;
    if (done && fresh !== NOT_FRESH && real === undefined && len <= FRESH_COPY) {
      // A new list filled by one batch (EMPTY_LIST, a memo store, MARK, the items, APPENDS): a copy of its
      // size takes its place. Filled by index, an empty array took room for 17 items.
      const copy = target.slice(0, len);
      if (this.#memoFollows(fresh, target, copy)) stack[stack.length - 1] = copy;
    }
    this.#memoLen = memoLen;
    this.#runPos = pos;
    this.#runEnd = frameEnd >= 0 ? frameEnd : data.length;
    this.#runFrameEnd = frameEnd;
    return done ? pos : -1;
  }

  /**
   * The common body of a big dict: MARK, then keys and values that each push
   * one value (str, ints, floats, None, bools, a BINGET or LONG_BINGET of any
   * of them, with MEMOIZE, BINPUT or LONG_BINPUT after any of them), then SETITEMS, and again while
   * a MARK follows. Read by a loop that knows only these opcodes and does
   * what the main loop does for each (the same stack, memo and #setItems),
   * without its dispatch over every opcode and its checks for what cannot
   * happen here.
   *
   * `pos` is just after a MARK, `n` the height of the stack at the MARK, with
   * the dict on top. Returns the position after the last SETITEMS, with no
   * MARK open. Anything else (another opcode, a frame in error, bad data)
   * stops the loop and returns -1: what the batch has read so far is on the
   * stack above height `n`, the caller opens the MARK there, and the main loop
   * goes on from `#runPos` (and reports any error as it would have). Frames
   * and the memo length are left as #appendRun leaves them.
   */
  #setItemsRun(
    pos: number,
    end: number,
    frameEnd: number,
    memoLen: number,
    stack: unknown[],
    n: number,
  ): number {
    const data = this.#data;
    const memo = this.#memo;
    const keepFloats = this.#options.keepFloats;
    let view = this.#dataView; // made past the first floats, as in #appendRun
    let few = FEW_FLOATS;
    // A plain-object dict (the caller checked): each batch goes into it while it stays one.
    const dict = stack[n - 1];
    // Int32 positions, as in #appendRun: past RUN_LIMIT the main loop reads on.
    const dataEnd = Math.min(data.length, RUN_LIMIT) | 0;
    end = Math.min(end, RUN_LIMIT) | 0;
    let done = false;
    // The pairs of a batch go into `batch`, never shortened: a stack cut back after each SETITEMS gave its
    // room back to V8, and the next batch grew it again, copying it each time. Emptied before returning.
    const batch = dictBatch;
    let k = 0;
    let high = 0;
    if (pos <= RUN_LIMIT) {
      pos |= 0;
      try {
        for (;;) {
          if (pos >= end) {
            // The end of a frame: the next opcode is read up to the end of the data (or of its FRAME).
            if (frameEnd < 0 || pos !== frameEnd) break;
            end = dataEnd;
            frameEnd = -1;
            if (pos >= end) break;
          }
          switch (data[pos]) {
            case 0x95: {
              // FRAME, between two frames: checked as the main loop does, which reports what is wrong
              if (frameEnd >= 0 || pos + 9 > end) break;
              const lo = u32(data, pos + 1);
              const hi = u32(data, pos + 5);
              if (hi !== 0 || pos + 9 + lo > dataEnd) break;
              pos += 9;
              if (lo > 0) {
                frameEnd = pos + lo;
                end = frameEnd;
              }
              continue;
            }
            case 0x8c: {
              // SHORT_BINUNICODE
              if (pos + 2 > end) break;
              const len = data[pos + 1]!;
              if (pos + 2 + len > end) break;
              batch[k] = (k & 1) === 0 ? decodeUtf8(data, pos + 2, len) : decodeUtf8Value(data, pos + 2, len);
              k++;
              pos += 2 + len;
              continue;
            }
            case 0x58: {
              // BINUNICODE
              if (pos + 5 > end) break;
              const len = u32(data, pos + 1);
              if (pos + 5 + len > end) break;
              batch[k++] = decodeUtf8(data, pos + 5, len);
              pos += 5 + len;
              continue;
            }
            case 0x4a: // BININT
              if (pos + 5 > end) break;
              batch[k++] = readInt32(data, pos + 1);
              pos += 5;
              continue;
            case 0x4b: // BININT1
              if (pos + 2 > end) break;
              batch[k++] = data[pos + 1]!;
              pos += 2;
              continue;
            case 0x4d: // BININT2
              if (pos + 3 > end) break;
              batch[k++] = data[pos + 1]! | (data[pos + 2]! << 8);
              pos += 3;
              continue;
            case 0x47: {
              // BINFLOAT
              if (pos + 9 > end) break;
              if (view === null) {
                if (few > 0) {
                  // As in #appendRun.
                  few--;
                  const w = readFloat64(data, pos + 1);
                  batch[k++] = keepFloats && Number.isInteger(w) ? new PyFloat(w) : w;
                  pos += 9;
                  continue;
                }
                view = this.#view;
              }
              const v = view.getFloat64(pos + 1);
              batch[k++] = keepFloats && Number.isInteger(v) ? new PyFloat(v) : v;
              pos += 9;
              continue;
            }
            case 0x4e: // NONE
              batch[k++] = null;
              pos++;
              continue;
            case 0x88: // NEWTRUE
              batch[k++] = true;
              pos++;
              continue;
            case 0x89: // NEWFALSE
              batch[k++] = false;
              pos++;
              continue;
            case 0x68: {
              // BINGET of a str, number, bool or None (objects are read by the main loop, which tracks them)
              if (pos + 2 > end) break;
              const index = data[pos + 1]!;
              const value = index < memo.length ? memo[index] : undefined;
              if (value === undefined || (typeof value === 'object' && value !== null)) break;
              batch[k++] = value;
              pos += 2;
              continue;
            }
            case 0x94: {
              // MEMOIZE, as the main loop does
              if (k === 0) break;
              const value = batch[k - 1];
              if (this.#memoDead) {
                // Nothing reads the memo again in this load.
              } else if (memoLen < memo.length && memo[memoLen] === undefined) {
                memo[memoLen] = this.#kept(memoLen, value);
                memoLen++;
              } else if (memoLen === memo.length && this.#sparse === null) {
                if (memoLen >= MEMO_PRESIZE) this.#presizeMemo(pos + 1);
                if (!this.#memoDead) memo[memoLen] = this.#kept(memoLen, value);
                memoLen++;
              } else {
                memoLen += this.#memoPut(memoLen, value);
              }
              pos++;
              continue;
            }
            case 0x71: // BINPUT
              if (pos + 2 > end || k === 0) break;
              memoLen += this.#memoPut(data[pos + 1]!, batch[k - 1], pos + 2);
              pos += 2;
              continue;
            case 0x72: // LONG_BINPUT
              if (pos + 5 > end || k === 0) break;
              memoLen += this.#memoPut(u32(data, pos + 1), batch[k - 1], pos + 5);
              pos += 5;
              continue;
            case 0x6a: {
              // LONG_BINGET, as BINGET
              if (pos + 5 > end) break;
              const index = u32(data, pos + 1);
              const value = index < memo.length ? memo[index] : undefined;
              if (value === undefined || (typeof value === 'object' && value !== null)) break;
              batch[k++] = value;
              pos += 5;
              continue;
            }
            case 0x75: {
              // SETITEMS, and the next batch into the same dict when a MARK follows
              if ((k & 1) !== 0) break;
              const result = this.#setItems(dict, batch, 0, true, k);
              stack[n - 1] = result;
              if (k > high) high = k;
              k = 0;
              pos++;
              if (pos < end && data[pos] === 0x28 && result === dict) {
                pos++;
                continue;
              }
              done = true;
              break;
            }
          }
          break;
        }
      } catch (error) {
        // Invalid text: the main loop reads it again and reports it.
        if (!(error instanceof TextDecodeError)) throw error;
      }
    }
    // Not a whole batch: what it read goes on the stack above the caller's MARK.
    for (let i = 0; i < k; i++) stack.push(batch[i]);
    // Nothing of this load stays reachable from the module.
    if (k > high) high = k;
    for (let i = 0; i < high; i++) batch[i] = undefined;
    this.#memoLen = memoLen;
    this.#runPos = pos;
    this.#runEnd = frameEnd >= 0 ? frameEnd : data.length;
    this.#runFrameEnd = frameEnd;
    return done ? pos : -1;
  }

  /**
   * How many items the batches starting at `pos` (just after a MARK) append
   * to the list under them, when they are all of the kind #appendRun reads:
   * a claim made by the input that costs at most its own size, never more
   * than one item per byte. Every byte is counted at most once per load
   * (`#scanned`), so the scans of a load cost at most its size.
   */
  #countRun(pos: number): number {
    const data = this.#data;
    const end = data.length;
    let count = 0;
    let batch = 0;
    for (;;) {
      if (pos >= end) break;
      const op = data[pos]!;
      const skip = RUN_SKIP[op]!;
      if (skip > 0) {
        // An item of fixed length: one table load instead of a chain of tests that a mix of
        // BININT1 / BININT2 / BININT mispredicts.
        pos += skip;
        batch++;
        continue;
      }
      if (skip < 0) {
        // A memo store or a FRAME: no item.
        pos -= skip;
        continue;
      }
      if (op === 0x8c || op === 0x8a) {
        // SHORT_BINUNICODE, LONG1 (a list of big ints is sized once too)
        if (pos + 2 > end) break;
        pos += 2 + data[pos + 1]!;
      } else if (op === 0x58) {
        if (pos + 5 > end) break;
        pos += 5 + u32(data, pos + 1);
      } else if (op === 0x85 || op === 0x86 || op === 0x87) {
        const taken = op - 0x85; // TUPLE1-3 leave one item in place of 1-3
        if (batch < taken + 1) break;
        batch -= taken;
        pos++;
        continue;
      } else if (op === 0x65) {
        // APPENDS, then another batch for the same list if a MARK follows (maybe after a FRAME).
        count += batch;
        batch = 0;
        pos++;
        if (pos + 9 <= end && data[pos] === 0x95) pos += 9;
        if (pos < end && data[pos] === 0x28) {
          pos++;
          continue;
        }
        break;
      } else break;
      batch++;
    }
    this.#scanned = pos;
    return Math.min(count, end);
  }

  /**
   * APPEND / APPENDS into a list. A list that grows past {@link GROWN_LIST}
   * items gets room for twice its size at once and is filled by index: V8
   * grows an array by half its size per overflowing push, copying it each
   * time into fresh memory, which costs more than everything else in loading a
   * big list of numbers. Such a list holds its real length in `#grown` until it
   * is settled: at STOP, or when it is passed to a reconstructor or persistentLoad.
   */
  #appendList(target: unknown[], items: unknown[], from: number, to: number): void {
    let length = this.#grown?.get(target);
    if (length === undefined) {
      length = target.length;
      if (length + to - from <= GROWN_LIST) {
        for (let i = from; i < to; i++) target.push(items[i]);
        return;
      }
      this.#grown ??= new Map();
    }
    if (length + to - from > target.length) target.length = Math.max(2 * target.length, length + to - from);
    for (let i = from; i < to; i++) target[length++] = items[i];
    this.#grown!.set(target, length);
  }

  /**
   * Points memo id `id` (-1: none), which holds `old` when the memo kept it, at `copy`, a list that
   * replaces `old` before anything else could refer to it. False when a sparse memo holds `old` (then
   * `old` stays).
   */
  #memoFollows(id: number, old: unknown[], copy: unknown[]): boolean {
    if (id < 0) return true;
    const memo = this.#memo;
    if (id < memo.length) {
      if (memo[id] === old) memo[id] = copy;
      return true;
    }
    return this.#sparse === null || this.#sparse.get(id) !== old;
  }

  /** Gives every over-allocated list its real length. */
  #settleAll(): void {
    if (this.#grown !== null) for (const [list, length] of this.#grown) list.length = length;
    this.#grown = null;
    if (this.#overlong !== null) for (const deque of this.#overlong) trimDeque(deque);
    this.#overlong = null;
  }

  /** Gives the over-allocated lists among `values` (arguments about to be passed to code) their real length. */
  #settle(values: readonly unknown[], depth = 0): void {
    if (this.#grown === null && this.#overlong === null) return;
    // An indexed loop: `for of` here called the array iterator's `next` for each value, and each call
    // made a result object (30 MB of garbage in a load of 50,000 records of datetimes and decimals).
    for (let i = 0; i < values.length; i++) this.#settleValue(values[i], depth);
  }

  /** {@link #settle} of one value (BUILD's state: no array made to hold it). */
  #settleValue(value: unknown, depth = 0): void {
    const overlong = this.#overlong;
    if (overlong !== null && value instanceof PyDeque && overlong.delete(value)) trimDeque(value);
    const grown = this.#grown;
    if (grown === null || !Array.isArray(value)) return;
    const length = grown.get(value);
    if (length !== undefined) {
      value.length = length;
      grown.delete(value);
    } else if (depth < 2 && Object.isFrozen(value) && value.length <= 16) {
      // A list inside a small argument tuple is read too (numpy's array state holds the items).
      this.#settle(value, depth + 1);
    }
  }

  /** A bytes value: a view into the input, or a copy with `copyBytes`. */
  #bytes(pos: number, n: number): Uint8Array {
    const data = this.#data;
    return this.#options.copyBytes
      ? data.slice(pos, pos + n)
      : new Uint8Array(data.buffer, data.byteOffset + pos, n);
  }

  #truncated(pos: number, needed: number, frameEnd: number): LoadFailure {
    const left = this.#data.length - pos;
    if (frameEnd >= 0 && needed <= left)
      return new LoadFailure(`opcode runs past the end of its frame at offset ${frameEnd}`);
    const failure = new LoadFailure(
      `pickle data was truncated: needed ${needed} bytes, ${left} left${startTextModeHint(this.#data)}`,
    );
    failure.truncated = true;
    return failure;
  }

  /**
   * `map.set(key, value)` for a dict being loaded: the key as Python has it
   * (see keys.ts), and large Maps watched for keys chosen to collide.
   */
  #mapSet(map: Map<unknown, unknown>, key: unknown, value: unknown): Map<unknown, unknown> {
    const before = map.size;
    const k = pyMapSet(map, key, value);
    if (
      map.size > before &&
      map.size >= FLOOD_WATCH_SIZE &&
      (typeof k === 'number' || typeof k === 'bigint')
    ) {
      this.#floodWatch ??= new Map();
      const watch = this.#floodWatch.get(map);
      if (watch === undefined) this.#floodWatch.set(map, new FloodWatch(map));
      else watch.add(map, k);
    }
    return map;
  }

  /** Watches a Map built whole (DICT) for colliding keys. */
  #watchAll(map: Map<unknown, unknown>): void {
    this.#floodWatch ??= new Map();
    this.#floodWatch.set(map, new FloodWatch(map));
  }

  /**
   * Stores a memo entry; returns 1 when the id was unused (the memo has one
   * more entry), else 0. `from` is the offset of the next opcode, where
   * #presizeMemo may count what comes (-1: not counted).
   */
  /** `value`, or a placeholder when no opcode up to this pickle's STOP reads memo id `index` (see #memoKeep). */
  #kept(index: number, value: unknown): unknown {
    const keep = this.#memoKeep;
    if (keep === null || index >= keep.length * 8) return value;
    return (keep[index >> 3]! & (1 << (index & 7))) !== 0 ? value : UNREAD;
  }

  #memoPut(index: number, value: unknown, from = -1): number {
    if (this.#memoDead) return 0;
    const memo = this.#memo;
    const sparse = this.#sparse;
    if (index < memo.length) {
      // A slot made by #presizeMemo is a hole until it is set.
      const added = memo[index] === undefined ? 1 : 0;
      memo[index] = this.#kept(index, value);
      return added;
    }
    if (index === memo.length) {
      if (index >= MEMO_PRESIZE && sparse === null && from >= 0) {
        this.#presizeMemo(from);
        if (this.#memoDead) return 0;
      }
      memo[index] = this.#kept(index, value);
      return sparse?.delete(index) ? 0 : 1;
    }
    this.#sparse ??= new Map();
    const added = this.#sparse.has(index) ? 0 : 1;
    this.#sparse.set(index, value);
    return added;
  }

  /**
   * Makes room in the full memo for the memo entries the opcodes ahead will
   * store, counted by {@link countMemoOps}: a memo that V8 grew by half its size
   * per overflowing store was copied about three times over into fresh memory,
   * which cost more than a fifth of loading a big dict of strings. The room
   * is a claim the input makes at its own cost (one byte per entry at least),
   * and every byte is counted at most once per load (`#memoScanned`). Call
   * only with a dense memo (no `#sparse`): the new slots are holes, which
   * #memoPut and MEMOIZE fill in order.
   */
  #presizeMemo(from: number): void {
    if (from < this.#memoScanned) return;
    const data = this.#data;
    const opts = this.#options;
    // An exact load keeps every value it stores, for its record of objects (see #recordExact), unless a
    // global of the registry was met: the record is then most likely dropped (see exact-objects.ts),
    // and the arguments its reconstructors are rebuilt from had better die young.
    const exact = !opts.keepMemo && opts.afterBuild === undefined && (!opts.exact || this.#resolved !== null);
    const count = countMemoOps(data, from, data.length);
    this.#memoScanned = countMemoStop;
    if (exact && data[countMemoStop] === 0x2e) {
      // The opcodes from here to this pickle's STOP were read as the load will read them (nothing
      // but an afterBuild hook moves the load past bytes).
      if (countMemoReads === 0) {
        // None reads the memo: the memo opcodes that remain need not store anything, and the
        // memo need not grow.
        this.#memoDead = true;
        return;
      }
      // Only BINGET and LONG_BINGET read it (a GET's id is text, and may be any): the ids they
      // read are known, and a store of any other id keeps a placeholder, not the value, which
      // can then die young (a load of many records keeps every argument tuple otherwise).
      // A second pass over the same opcodes marks them, one bit per id the memo can hold densely
      // once it has room for what the first pass counted (a read of a larger id reads a store that
      // #kept keeps anyway).
      if (!countMemoTextReads) {
        const bits = new Uint8Array((this.#memo.length + count + 9) >> 3);
        countMemoReadBits = bits;
        try {
          countMemoOps(data, from, data.length);
        } finally {
          countMemoReadBits = null;
        }
        this.#memoKeep = bits;
      }
    }
    // One more for the entry about to be stored.
    if (count > 0) this.#memo.length += count + 1;
  }

  /**
   * At a BINUNICODE of `n` bytes at `pos` (its payload) with a `PyGlobal` on
   * top of the stack: when that global is `_codecs.encode` (brine's own
   * reconstructor) and the opcodes after the text are those of
   * `_codecs.encode(<text>, 'latin1')` as protocols 0-2 write a bytes object,
   * makes the bytes straight from the UTF-8 text, without the string (whose
   * decoding, and the pages of a string as long as the bytes, were most of
   * such a load), and returns the position after the REDUCE, with the bytes on
   * top of the stack in place of the global and how many memo ids the opcodes
   * skipped over set in #codecsMemoAdded. Returns -1, having changed nothing,
   * when the opcodes are anything else, the text is not all code points up to
   * U+00FF, or a memo id that would hold the text or the argument tuple is read
   * again before this pickle's STOP (its value would be the text): then the
   * opcodes run as usual, with the same result.
   *
   * Recognised: the text, `[store]`, `'latin1'` (SHORT_BINUNICODE or
   * BINUNICODE, or a BINGET / LONG_BINGET of a memo id that holds 'latin1'),
   * `[store]`, TUPLE2, `[store]`, REDUCE; a store is BINPUT or LONG_BINPUT
   * (what protocols 1-3 write; MEMOIZE is protocol 4's, which writes bytes as
   * BINBYTES). Memo ids skipped over get their values, except that the ids of
   * the text and the tuple, which nothing reads, get a placeholder.
   */
  #codecsLatin1(stack: unknown[], pos: number, n: number, end: number): number {
    if (this.#resolved?.get(stack[stack.length - 1] as PyGlobal) !== codecsEncode) return -1;
    const opts = this.#options;
    if (opts.keepMemo || opts.afterBuild !== undefined) return -1;
    const data = this.#data;
    let p = pos + n;
    const textStore = memoStoreLength(data, p, end);
    const textAt = p;
    p += textStore;
    // 'latin1', written out or fetched from the memo.
    let latinStored = false;
    if (data[p] === 0x8c && p + 8 <= end && data[p + 1] === 6 && isLatin1Name(data, p + 2)) {
      p += 8;
      latinStored = true;
    } else if (data[p] === 0x58 && p + 11 <= end && u32(data, p + 1) === 6 && isLatin1Name(data, p + 5)) {
      p += 11;
      latinStored = true;
    } else {
      const get = data[p] === 0x68 ? 2 : data[p] === 0x6a ? 5 : 0;
      if (get === 0 || p + get > end) return -1;
      const index = get === 2 ? data[p + 1]! : u32(data, p + 1);
      if (textStore > 0 && index === memoStoreIndex(data, textAt)) return -1;
      const value = index < this.#memo.length ? this.#memo[index] : this.#sparse?.get(index);
      if (value !== 'latin1') return -1;
      p += get;
    }
    const latinStore = latinStored ? memoStoreLength(data, p, end) : 0;
    const latinAt = p;
    p += latinStore;
    if (p >= end || data[p] !== 0x86) return -1; // TUPLE2
    p++;
    const tupleStore = memoStoreLength(data, p, end);
    const tupleAt = p;
    p += tupleStore;
    if (p >= end || data[p] !== 0x52) return -1; // REDUCE
    p++;
    // Nothing may read the text's or the tuple's memo id after it is stored.
    if (textStore > 0 || tupleStore > 0) {
      const reads = this.#memoReadsFrom(p);
      if (reads === null) return -1;
      const any = reads.get(-1) ?? -1;
      if (textStore > 0 && Math.max(any, reads.get(memoStoreIndex(data, textAt)) ?? -1) > textAt) return -1;
      if (tupleStore > 0 && Math.max(any, reads.get(memoStoreIndex(data, tupleAt)) ?? -1) > tupleAt)
        return -1;
    }
    const bytes = transcodeLatin1(data, pos, pos + n);
    if (bytes === null) return -1;
    let added = 0;
    if (textStore > 0) added += this.#memoPut(memoStoreIndex(data, textAt), UNREAD, textAt + textStore);
    if (latinStore > 0) added += this.#memoPut(memoStoreIndex(data, latinAt), 'latin1', latinAt + latinStore);
    if (tupleStore > 0) added += this.#memoPut(memoStoreIndex(data, tupleAt), UNREAD, tupleAt + tupleStore);
    this.#codecsMemoAdded = added;
    stack[stack.length - 1] = bytes;
    return p;
  }

  /**
   * The memo reads from `pos` (an opcode's position) to this pickle's STOP, by
   * memo id (see countMemoReadAt), or `null` when the scan did not end at a
   * STOP. One scan per load serves every later position of the same pickle
   * (the map then also holds reads before `pos`, at smaller positions).
   */
  #memoReadsFrom(pos: number): Map<number, number> | null {
    let scan = this.#readScan;
    if (scan === null || pos < scan.from || pos > scan.stop) {
      const reads = new Map<number, number>();
      countMemoReadAt = reads;
      try {
        countMemoOps(this.#data, pos, this.#data.length);
      } finally {
        countMemoReadAt = null;
      }
      scan = this.#readScan = { from: pos, stop: countMemoStop, reads };
    }
    return this.#data[scan.stop] === 0x2e ? scan.reads : null;
  }

  #memoGet(index: number): unknown {
    const value = index < this.#memo.length ? this.#memo[index] : this.#sparse?.get(index);
    if (value === undefined || value === UNREAD)
      throw new LoadFailure(`Memo value not found at index ${index}`);
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === OBJECT_PROTO) {
      return this.#expose(value, index);
    }
    return value;
  }

  #nextBuffer(): unknown {
    const buffers = this.#options.buffers;
    if (buffers === undefined) {
      throw new LoadFailure('pickle stream refers to out-of-band data but no buffers argument was given');
    }
    const next = buffers.next();
    if (next.done) throw new LoadFailure('not enough out-of-band buffers');
    if (typeof next.value === 'object' && next.value !== null) {
      this.#outOfBand ??= new Set();
      this.#outOfBand.add(next.value);
    }
    return next.value;
  }

  /** A plain-object dict read from the memo: follow its conversion to a Map, or note that it is now shared. */
  #expose(value: object, index: number): unknown {
    const converted = this.#converted?.get(value);
    if (converted !== undefined) {
      this.#memoPut(index, converted);
      return converted;
    }
    this.#markExposed(value);
    return value;
  }

  #markExposed(value: object): void {
    this.#exposed ??= new Set();
    this.#exposed.add(value);
  }

  /**
   * SETITEM / SETITEMS into anything but a Map: stores the `items[from..]`
   * pairs and returns the dict, which is a new Map when a plain-object dict
   * received a key that a JS object cannot hold in order.
   */
  #setItems(target: unknown, items: unknown[], from: number, plain = false, to = items.length): unknown {
    if (plain || isPlainDict(target)) {
      const dict = target as Record<string, unknown>;
      if (this.#exposed !== null && this.#converted !== null) {
        // A stale copy of a dict that became a Map (reached through DUP or the memo).
        const converted = this.#converted.get(dict);
        if (converted !== undefined) return this.#setItems(converted, items, from, false, to);
      }
      if (to - from < 40) {
        for (let i = from; i < to; i += 2) {
          const key = items[i];
          if (typeof key === 'string' && !isArrayIndexKey(key)) defineKey(dict, key, items[i + 1]);
          else return this.#setItems(this.#convert(dict), items, i, false, to);
        }
        return dict;
      }
      // 20 pairs or more: see WIDE_KEYS.
      const known = wideKeys;
      let same = ++wideUses < WIDE_RENEW;
      let missed = false;
      for (let i = from; i < to; i += 2) {
        const key = items[i];
        if (typeof key !== 'string' || isArrayIndexKey(key))
          return this.#setItems(this.#convert(dict), items, i, false, to);
        const j = (i - from) >> 1;
        if (j < WIDE_KEYS) {
          if (same && key !== known[j]) same = false;
          if (!same && j >= 19 && (j - 19) % 3 === 0) {
            defineField(dict, key, items[i + 1]);
            missed = true;
            continue;
          }
        }
        defineKey(dict, key, items[i + 1]);
      }
      if (!missed) wideMisses = 0;
      // Shapes that keep changing (alternating records) rebuild the witness only now and then.
      else if (++wideMisses < 8 || (wideMisses & 15) === 0) rememberWide(items, from, to);
      return dict;
    }
    if (target instanceof Map) {
      for (let i = from; i < to; i += 2) this.#mapSet(target, items[i], items[i + 1]);
      return target;
    }
    if (target instanceof PyObject) {
      target.dictitems ??= [];
      for (let i = from; i < to; i += 2) target.dictitems.push([items[i], items[i + 1]]);
      return target;
    }
    const reconstructor = typeof target === 'object' && target !== null ? this.#made?.get(target) : undefined;
    if (reconstructor?.setItems !== undefined) {
      const pairs: [unknown, unknown][] = [];
      for (let i = from; i < to; i += 2) pairs.push([items[i], items[i + 1]]);
      this.#settle(pairs.flat());
      reconstructor.setItems(target, pairs, this.#contextFor(null));
      return target;
    }
    throw new LoadFailure(`cannot set items of ${describeType(target)}: not a dict`);
  }

  /**
   * Replaces a plain-object dict by a Map with the same entries. The memo
   * swaps it on its next read (see #expose); if anything already refers to the
   * old object, the loaded graph is patched at the end (see #fixup).
   */
  #convert(dict: Record<string, unknown>): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>(Object.entries(dict));
    this.#converted ??= new Map();
    this.#converted.set(dict, map);
    if (this.#exposed?.has(dict)) this.#needsFixup = true;
    return map;
  }

  /** Resolves a global name as Python's `find_class`, through the registry only. */
  #findGlobal(module: string, name: string, refusal?: string): unknown {
    checkName(module, 'module');
    checkName(name, 'name');
    const opts = this.#options;
    if (this.#proto < 3 && opts.fixImports) [module, name] = py3Name(module, name);
    const key = `${module}\n${name}`;
    this.#globals ??= new Map();
    let global = this.#globals.get(key);
    if (global === undefined) {
      const reconstructor = opts.registry.get(module, name);
      if (
        reconstructor === undefined &&
        opts.strict &&
        !this.#allowed(module, name) &&
        !this.#isNewOf(module, name)
      ) {
        throw new LoadFailure(refusal ?? strictMessage(module, name));
      }
      global = new PyGlobal(module, name);
      this.#globals.set(key, global);
      if (reconstructor !== undefined) {
        this.#resolved ??= new Map();
        this.#resolved.set(global, reconstructor);
        if (reconstructor.value !== undefined) return reconstructor.value;
      }
    } else {
      const reconstructor = this.#resolved?.get(global);
      if (reconstructor?.value !== undefined) return reconstructor.value;
    }
    return global;
  }

  /** `Class.__new__` of a class the registry constructs (reached through `getattr` in the partial form of NEWOBJ_EX). */
  #isNewOf(module: string, name: string): boolean {
    return (
      name.endsWith('.__new__') &&
      this.#options.registry.get(module, name.slice(0, -8))?.construct !== undefined
    );
  }

  /** The allow-list of strict mode: exact names, or every plain (not dotted) name of a listed module. */
  #allowed(module: string, name: string): boolean {
    const opts = this.#options;
    return opts.allowNames.has(`${module}.${name}`) || (opts.allowModules.has(module) && !name.includes('.'));
  }

  #extension(code: number): unknown {
    if (code <= 0) throw new LoadFailure('EXT specifies code <= 0');
    const entry = this.#options.extensions?.get(code);
    if (entry === undefined) throw new LoadFailure(`unregistered extension code ${code}`);
    return this.#findGlobal(entry[0], entry[1]);
  }

  /** BUILD on a value a reconstructor made: its setState hook, or an error. */
  #setState(target: unknown, state: unknown): void {
    const reconstructor = typeof target === 'object' && target !== null ? this.#made?.get(target) : undefined;
    if (reconstructor?.setState === undefined) {
      throw new LoadFailure(`BUILD cannot set the state of ${describeType(target)}`);
    }
    this.#settleValue(state);
    reconstructor.setState(target, state, this.#contextFor(null));
  }

  /** APPEND / APPENDS into anything but a list: an inert object records them, a registered one takes them through `extend`. */
  #appendOther(target: unknown, items: unknown[], from: number, opcode: string): void {
    const reconstructor =
      typeof target === 'object' && target !== null && !(target instanceof PyObject)
        ? this.#made?.get(target)
        : undefined;
    if (reconstructor?.extend !== undefined) {
      const added = items.slice(from);
      this.#settle(added);
      reconstructor.extend(target, added, this.#contextFor(null));
      if (target instanceof PyDeque && target.maxlen !== null && target.length > target.maxlen) {
        this.#overlong ??= new Set();
        this.#overlong.add(target);
      }
      return;
    }
    for (let i = from; i < items.length; i++) appendTo(target, items[i], opcode);
  }

  /** An array made by a reconstructor with an `extend` hook (a deque with `maxlen`) takes items through it. */
  #extendsItself(target: unknown[]): boolean {
    return this.#made !== null && this.#made.get(target)?.extend !== undefined;
  }

  /** Remembers which reconstructor made `value` when it can take BUILD state or items later. */
  #track(value: unknown, reconstructor: Reconstructor): unknown {
    if (
      (reconstructor.setState !== undefined ||
        reconstructor.extend !== undefined ||
        reconstructor.setItems !== undefined) &&
      typeof value === 'object' &&
      value !== null
    ) {
      this.#made ??= new Map();
      this.#made.set(value, reconstructor);
    }
    return value;
  }

  /**
   * An inert call whose result the pickle drops (REDUCE then POP) is how
   * `__reduce__`'s sixth item, `state_setter(obj, state)`, is written. An
   * inert object gets the state and the setter recorded, so that it dumps the
   * same way; an object a reconstructor made gets the state through its
   * `setState` hook.
   */
  #stateSetterCall(call: PyObject): void {
    if (
      call.args.length !== 2 ||
      call.state !== undefined ||
      call.listitems !== null ||
      call.dictitems !== null
    )
      return;
    const [target, state] = call.args;
    if (target instanceof PyObject) {
      if (target.state === undefined && target.stateSetter === undefined) {
        target.state = state;
        target.stateSetter = call.callable;
      }
      return;
    }
    if (typeof target === 'object' && target !== null && this.#made?.get(target)?.setState !== undefined)
      this.#setState(target, state);
  }

  /**
   * `functools.partial(cls.__new__, cls, *args, **kwargs)()`, which CPython
   * writes for `__getnewargs_ex__` below protocol 4: constructed through the
   * registry as NEWOBJ_EX would be; `undefined` when the registry cannot.
   */
  #partialNew(partial: PyObject, callArgs: Tuple): unknown {
    const fn = partial.callable;
    if (!(fn instanceof PyGlobal) || fn.module !== 'functools' || fn.name !== 'partial') return undefined;
    const state = partial.state;
    if (!isTuple(state) || state.length !== 4) return undefined;
    const [func, args, kwargs] = state;
    if (!(func instanceof PyGlobal) || !func.name.endsWith('.__new__') || !isTuple(args) || args.length === 0)
      return undefined;
    const cls = args[0];
    if (!(cls instanceof PyGlobal) || cls.module !== func.module || `${cls.name}.__new__` !== func.name)
      return undefined;
    const positional = markTuple([...args.slice(1), ...callArgs]);
    return this.#contextFor(cls).construct(cls, positional, kwargs ?? null);
  }

  #contextFor(global: PyGlobal | null): ReconstructContext {
    this.#context ??= this.#makeContext();
    if (global !== null) this.#context.global = global;
    return this.#context;
  }

  /** REDUCE: `callable(*args)`. */
  #reduce(callable: unknown, args: unknown): unknown {
    if (!isTuple(args)) throw new LoadFailure(`REDUCE expected an argument tuple, got ${describeType(args)}`);
    this.#settle(args);
    if (callable instanceof PyGlobal) {
      const reconstructor = this.#resolved?.get(callable);
      if (reconstructor?.call !== undefined) {
        return this.#track(reconstructor.call(args, this.#contextFor(callable)), reconstructor);
      }
      return new PyObject('reduce', callable, args);
    }
    if (callable instanceof PyObject) {
      const made = this.#partialNew(callable, args);
      return made === undefined ? new PyObject('reduce', callable, args) : made;
    }
    throw new LoadFailure(`REDUCE cannot call ${describeType(callable)}`);
  }

  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`. */
  #newObject(cls: unknown, args: Tuple, kwargs: unknown): unknown {
    this.#settle(args);
    const kind = kwargs === null ? 'newobj' : 'newobj_ex';
    if (cls instanceof PyGlobal) {
      if (cls.module === 'builtins' && BUILTIN_FUNCTIONS.has(cls.name)) {
        throw new LoadFailure(
          `${kind === 'newobj' ? 'NEWOBJ' : 'NEWOBJ_EX'} class argument must be a type, not the function ${cls.qualifiedName}`,
        );
      }
      const reconstructor = this.#resolved?.get(cls);
      if (reconstructor?.construct !== undefined) {
        return this.#track(reconstructor.construct(args, kwargs, this.#contextFor(cls)), reconstructor);
      }
      return new PyObject(kind, cls, args, kwargs);
    }
    if (cls instanceof PyObject) return new PyObject(kind, cls, args, kwargs);
    throw new LoadFailure(
      `${kind === 'newobj' ? 'NEWOBJ' : 'NEWOBJ_EX'} class argument must be a class, not ${describeType(cls)}`,
    );
  }

  /** INST / OBJ: `cls(*args)` for Python 2's old-style classes. */
  #instantiate(kind: 'inst' | 'obj', cls: unknown, args: Tuple): unknown {
    this.#settle(args);
    if (cls instanceof PyGlobal) {
      const reconstructor = this.#resolved?.get(cls);
      if (reconstructor?.call !== undefined) {
        return this.#track(reconstructor.call(args, this.#contextFor(cls)), reconstructor);
      }
      return new PyObject(kind, cls, args);
    }
    if (cls instanceof PyObject) return new PyObject(kind, cls, args);
    throw new LoadFailure(`${kind === 'inst' ? 'INST' : 'OBJ'} cannot instantiate ${describeType(cls)}`);
  }

  #persistentLoad(pid: unknown): unknown {
    this.#settleValue(pid);
    const load = this.#options.persistentLoad;
    if (load === undefined) {
      throw new LoadFailure(
        'A load persistent id instruction was encountered, but no persistentLoad function was specified',
      );
    }
    return load(pid);
  }

  /**
   * A Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING) decoded per the
   * `encoding` option; with `'bytes'` it stays bytes (a view into `data` unless
   * `copyBytes`, or when `data` is already a private copy).
   */
  #py2String(data: Uint8Array, start: number, n: number, fresh: boolean): unknown {
    const decode = this.#options.decodePy2String;
    if (decode !== null) return decode(data, start, n);
    return this.#options.copyBytes && !fresh
      ? data.slice(start, start + n)
      : new Uint8Array(data.buffer, data.byteOffset + start, n);
  }

  /** Patches references to dicts that became Maps after something referred to them (see fixup.ts). */
  #fixup(root: unknown): unknown {
    return patchReferences(root, new Map<object, object>(this.#converted ?? []), this.#memo, this.#sparse);
  }
}

/** A text argument whose line ends in CR LF: CPython never writes one, a text-mode file does. */
function crLine(data: Uint8Array): LoadFailure {
  const hint = startTextModeHint(data);
  return new LoadFailure(
    `the argument line ends with a carriage return${hint === '' ? ': the pickle looks like it went through a file opened in text mode' : hint}`,
  );
}

/** A module or attribute name must be non-empty and free of control characters (which Python names never hold). */
function checkName(name: string, what: 'module' | 'name'): void {
  if (name.length === 0) throw new LoadFailure(`empty ${what} name in a global`);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      const hint =
        c === 0x0d ? ': a carriage return, as a file opened in text mode leaves before each newline' : '';
      throw new LoadFailure(
        `${what} name '${escapeUntrusted(name, 200)}' of a global holds a control character${hint}`,
      );
    }
  }
}

/** Where the last {@link countMemoOps} stopped. */
let countMemoStop = 0;
/** How many memo reads (GET, BINGET, LONG_BINGET) the last {@link countMemoOps} passed. */
let countMemoReads = 0;
/**
 * When set, {@link countMemoOps} records in it, by memo id, the position of
 * the last opcode it passed that reads that id (a GET, whose id is text, under
 * -1: it may be any id).
 */
let countMemoReadAt: Map<number, number> | null = null;
/**
 * When set, {@link countMemoOps} sets in it the bit of each memo id a BINGET
 * or LONG_BINGET reads (ids past its length are not recorded), and counts
 * GETs in {@link countMemoTextReads}.
 */
let countMemoReadBits: Uint8Array | null = null;
/** Whether the last {@link countMemoOps} passed a GET (a read of a memo id given as text). */
let countMemoTextReads = false;

/**
 * How many memo entries (MEMOIZE, BINPUT, LONG_BINPUT, PUT) the opcodes from
 * `pos` store, read by their lengths alone up to STOP, the end, or anything
 * that is not an opcode: an estimate that sizes the memo, never trusted for
 * anything else (raw data after BUILD, a bad length or a wrong guess only
 * make it end early or count a little more). Costs one step per opcode; leaves
 * where it stopped in `countMemoStop`.
 */
export function countMemoOps(data: Uint8Array, pos: number, end: number): number {
  let count = 0;
  countMemoReads = 0;
  countMemoTextReads = false;
  while (pos < end) {
    const op = data[pos]!;
    let n = 1; // the opcode's length
    switch (op) {
      case 0x94: // MEMOIZE
        count++;
        break;
      case 0x71: // BINPUT
        count++;
        n = 2;
        break;
      case 0x72: // LONG_BINPUT
        count++;
        n = 5;
        break;
      case 0x28: // MARK
      case 0x29: // EMPTY_TUPLE
      case 0x30: // POP
      case 0x31: // POP_MARK
      case 0x32: // DUP
      case 0x4e: // NONE
      case 0x51: // BINPERSID
      case 0x52: // REDUCE
      case 0x5d: // EMPTY_LIST
      case 0x61: // APPEND
      case 0x62: // BUILD
      case 0x64: // DICT
      case 0x65: // APPENDS
      case 0x6c: // LIST
      case 0x6f: // OBJ
      case 0x73: // SETITEM
      case 0x74: // TUPLE
      case 0x75: // SETITEMS
      case 0x7d: // EMPTY_DICT
      case 0x81: // NEWOBJ
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: // TUPLE3
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
      case 0x8f: // EMPTY_SET
      case 0x90: // ADDITEMS
      case 0x91: // FROZENSET
      case 0x92: // NEWOBJ_EX
      case 0x93: // STACK_GLOBAL
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        break;
      case 0x68: // BINGET
        countMemoReads++;
        n = 2;
        if (pos + 2 <= end) {
          if (countMemoReadBits !== null) markRead(countMemoReadBits, data[pos + 1]!);
          if (countMemoReadAt !== null) countMemoReadAt.set(data[pos + 1]!, pos);
        }
        break;
      case 0x4b: // BININT1
      case 0x80: // PROTO
      case 0x82: // EXT1
        n = 2;
        break;
      case 0x4d: // BININT2
      case 0x83: // EXT2
        n = 3;
        break;
      case 0x6a: // LONG_BINGET
        countMemoReads++;
        n = 5;
        if (pos + 5 <= end) {
          if (countMemoReadBits !== null) markRead(countMemoReadBits, u32(data, pos + 1));
          if (countMemoReadAt !== null) countMemoReadAt.set(u32(data, pos + 1), pos);
        }
        break;
      case 0x4a: // BININT
      case 0x84: // EXT4
        n = 5;
        break;
      case 0x47: // BINFLOAT
      case 0x95: // FRAME
        n = 9;
        break;
      case 0x8c: // SHORT_BINUNICODE
      case 0x43: // SHORT_BINBYTES
      case 0x55: // SHORT_BINSTRING
      case 0x8a: // LONG1
        if (pos + 2 > end) return stopCount(pos, count);
        n = 2 + data[pos + 1]!;
        break;
      case 0x58: // BINUNICODE
      case 0x42: // BINBYTES
      case 0x54: // BINSTRING
      case 0x8b: // LONG4
        if (pos + 5 > end) return stopCount(pos, count);
        n = 5 + u32(data, pos + 1);
        break;
      case 0x8d: // BINUNICODE8
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        if (pos + 9 > end || u32(data, pos + 5) !== 0) return stopCount(pos, count);
        n = 9 + u32(data, pos + 1);
        break;
      case 0x70: // PUT
        count++;
        n = lineLength(data, pos, end);
        break;
      case 0x46: // FLOAT
      case 0x49: // INT
      case 0x4c: // LONG
      case 0x53: // STRING
      case 0x56: // UNICODE
      case 0x50: // PERSID
        n = lineLength(data, pos, end);
        break;
      case 0x67: // GET
        countMemoReads++;
        n = lineLength(data, pos, end);
        countMemoReadAt?.set(-1, pos); // any id: not parsed here
        countMemoTextReads = true;
        break;
      case 0x63: // GLOBAL
      case 0x69: // INST
        n = lineLength(data, pos, end);
        if (n > 0) n = lineLength(data, pos + n - 1, end) + n - 1;
        break;
      default: // STOP, or not an opcode
        return stopCount(pos, count);
    }
    if (n <= 0) return stopCount(pos, count);
    pos += n;
  }
  return stopCount(pos, count);
}

/**
 * Unpickler#countRun's table by opcode: the length of an item of fixed length
 * (BINFLOAT, BININT, BININT1, BININT2, NONE, NEWTRUE, NEWFALSE), minus the
 * length of what is no item (MEMOIZE, BINPUT, LONG_BINPUT, FRAME), 0 for the
 * rest.
 */
const RUN_SKIP = /* @__PURE__ */ (() => {
  const table = new Int8Array(256);
  for (const [op, n] of [
    [0x47, 9],
    [0x4a, 5],
    [0x4b, 2],
    [0x4d, 3],
    [0x4e, 1],
    [0x88, 1],
    [0x89, 1],
    [0x94, -1],
    [0x71, -2],
    [0x72, -5],
    [0x95, -9],
  ] as const)
    table[op] = n;
  return table;
})();

/** Bytes at or beyond this many go through Unpickler#codecsLatin1 when they follow a global. */
const CODECS_LATIN1_MIN = 4096;

/** What the memo holds for a text or a tuple that Unpickler#codecsLatin1 skipped, which nothing reads. */
const UNREAD: unknown = Object.freeze(Object.create(null));

/** Sets memo id `id`'s bit in `bits`, when it has one. */
function markRead(bits: Uint8Array, id: number): void {
  if (id < bits.length * 8) bits[id >>> 3]! |= 1 << (id & 7);
}

/** The length of a BINPUT (2) or LONG_BINPUT (5) at `p` that ends by `end`, else 0. */
function memoStoreLength(data: Uint8Array, p: number, end: number): number {
  const op = data[p];
  if (op === 0x71) return p + 2 <= end ? 2 : 0;
  if (op === 0x72) return p + 5 <= end ? 5 : 0;
  return 0;
}

/** The memo id of the BINPUT or LONG_BINPUT at `p`. */
function memoStoreIndex(data: Uint8Array, p: number): number {
  return data[p] === 0x71 ? data[p + 1]! : u32(data, p + 1);
}

/** Whether the 6 bytes at `p` are `latin1`. */
function isLatin1Name(data: Uint8Array, p: number): boolean {
  return (
    data[p] === 0x6c &&
    data[p + 1] === 0x61 &&
    data[p + 2] === 0x74 &&
    data[p + 3] === 0x69 &&
    data[p + 4] === 0x6e &&
    data[p + 5] === 0x31
  );
}

function stopCount(pos: number, count: number): number {
  countMemoStop = pos;
  return count;
}

/** The length of a text opcode at `pos` up to and with its newline, or 0 when no newline ends it before `end`. */
function lineLength(data: Uint8Array, pos: number, end: number): number {
  const nl = lineEnd(data, pos + 1, end);
  return nl < 0 ? 0 : nl + 1 - pos;
}

/** {@link freshStore}: the opcodes are not those of a list filled right after EMPTY_LIST. */
const NOT_FRESH = -2;
/**
 * Inputs from this size have their new lists remade at their size (see freshStore): in a small pickle the
 * memory is a few KiB and the copies cost time.
 */
const FRESH_INPUT = 0x10000;
/** Lists of up to this many items, filled by one batch right after EMPTY_LIST, are copied at their size. */
const FRESH_COPY = 16;

/**
 * Whether the opcodes from `from` (just after an EMPTY_LIST) to `to` are what CPython writes between a
 * list's EMPTY_LIST and its APPEND (`item`: an optional memo store, one opcode that pushes a str, int,
 * float, None, bool or memo read, an optional memo store) or its first MARK (an optional memo store),
 * so that nothing but the stack and the memo can hold the list yet. Returns the memo id the list was
 * stored under (MEMOIZE stores under `next`), -1 for none, or {@link NOT_FRESH}.
 */
function freshStore(data: Uint8Array, from: number, to: number, next: number, item: boolean): number {
  let p = from;
  let id = -1;
  const op = data[p];
  if (op === 0x94) {
    id = next;
    p++;
  } else if (op === 0x71) {
    id = data[p + 1]!;
    p += 2;
  } else if (op === 0x72) {
    id = u32(data, p + 1);
    p += 5;
  }
  if (item) {
    const n = pushLength(data, p);
    if (n === 0) return NOT_FRESH;
    p += n;
    const after = data[p];
    p += after === 0x94 ? 1 : after === 0x71 ? 2 : after === 0x72 ? 5 : 0;
  }
  return p === to ? id : NOT_FRESH;
}

/** The length of an opcode at `p` that pushes a str, int, float, None, bool or memo read; 0 for any other. */
function pushLength(data: Uint8Array, p: number): number {
  switch (data[p]) {
    case 0x8c: // SHORT_BINUNICODE
    case 0x8a: // LONG1
      return 2 + data[p + 1]!;
    case 0x58: // BINUNICODE
      return 5 + u32(data, p + 1);
    case 0x4a: // BININT
    case 0x6a: // LONG_BINGET
      return 5;
    case 0x4b: // BININT1
    case 0x68: // BINGET
      return 2;
    case 0x4d: // BININT2
      return 3;
    case 0x47: // BINFLOAT
      return 9;
    case 0x4e: // NONE
    case 0x88: // NEWTRUE
    case 0x89: // NEWFALSE
      return 1;
    default:
      return 0;
  }
}

/** Drops the stack above `length`: pops for up to 64 items (the length setter is a builtin call of about 80 ns). */
function truncate(stack: unknown[], length: number): void {
  if (stack.length - length <= 64) {
    while (stack.length > length) stack.pop();
  } else {
    stack.length = length;
  }
}

/** A decimal int from text bytes: plain digits straight from the bytes, anything else through `int()`'s rules. */
function parseIntText(data: Uint8Array, start: number, end: number): number | bigint {
  let i = start;
  const negative = data[i] === 0x2d;
  if (negative) i++;
  if (end - i > 0 && end - i <= 15) {
    let value = 0;
    for (; i < end; i++) {
      const d = data[i]! - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === end) return negative ? (value === 0 ? 0 : -value) : value;
  }
  return parseDecimalInt(decodeLatin1(data, start, end - start));
}

/** A memo index (GET, PUT) from text bytes. */
function parseIndexText(data: Uint8Array, start: number, end: number): number {
  if (end - start > 0 && end - start <= 15) {
    let value = 0;
    let i = start;
    for (; i < end; i++) {
      const d = data[i]! - 0x30;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (i === end) return value;
  }
  return parseMemoIndex(decodeLatin1(data, start, end - start));
}

/** An error inside the load loop; the loop adds the offset and opcode and raises it as an UnpicklingError. */
/** The strict-mode refusal of a global, with the one line that registers it. */
function strictMessage(module: string, name: string): string {
  const short = name.slice(name.lastIndexOf('.') + 1);
  const jsName = /^[A-Za-z_$][\w$]*$/.test(short) ? short : 'YourClass';
  const line = /^[A-Z]/.test(short)
    ? `registry.registerClass(${jsName}, { module: '${module}', name: '${name}' })`
    : `registry.register('${module}', '${name}', { call: (args) => ... })`;
  return `global '${module}.${name}' is not allowed in strict mode; register it with \`${line}\` and pass { registry }, or load it inert with allowGlobals: ['${module}.${name}']`;
}

/** Runs a {@link LoadOptions.afterBuild} hook: checks the offset it returns, turns its PickleErrors into load failures. */
function afterBuild(
  hook: AfterBuildHook,
  target: unknown,
  pos: number,
  data: Uint8Array,
): { value: unknown; offset: number } | undefined {
  let next: { value: unknown; offset: number } | undefined;
  try {
    next = hook(target, pos, data);
  } catch (error) {
    if (!isPickleError(error)) throw error;
    const failure = new LoadFailure(error instanceof UnpicklingError ? error.reason : error.message, {
      cause: error,
    });
    failure.truncated = error instanceof UnpicklingError && error.truncated;
    throw failure;
  }
  if (next === undefined) return undefined;
  if (!Number.isSafeInteger(next.offset) || next.offset < pos || next.offset > data.length) {
    throw new LoadFailure(`afterBuild returned offset ${next.offset}, outside ${pos}..${data.length}`);
  }
  return next;
}

class LoadFailure extends Error {
  /** The input ended before the pickle did. */
  truncated = false;
}

function underflow(): LoadFailure {
  return new LoadFailure('unpickling stack underflow');
}

function popMark(marks: number[]): number {
  const mark = marks.pop();
  if (mark === undefined) throw new LoadFailure('could not find MARK');
  return mark;
}

/** The stack height below which the current MARK forbids popping. */
function fenceOf(marks: number[]): number {
  return marks.length === 0 ? 0 : marks[marks.length - 1]!;
}

/** Index of the newline that ends the line at `pos`, or -1 when there is none before `end`. */
function lineEnd(data: Uint8Array, pos: number, end: number): number {
  // A loop: lines are short, and Buffer#indexOf is a slow call for a few bytes.
  for (let i = pos; i < end; i++) if (data[i] === 0x0a) return i;
  return -1;
}

/** An 8-byte little-endian length, refused when it exceeds what any input could hold (2^53). */
/**
 * The little-endian uint32 at `pos` (the caller has checked the bounds). Read
 * byte by byte: in the big load loops `DataView#getUint32` cost about 18 ns a
 * call (a BINUNICODE length), where this is inlined.
 */
/** A little-endian int32 from the bytes: no DataView, which would cost a builtin call per load to make. */
function readInt32(data: Uint8Array, pos: number): number {
  return data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24);
}

const floatBox = new Float64Array(1);
const floatBoxBytes = new Uint8Array(floatBox.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 2^(e - 1075) for each biased exponent e of a normal float64 (1-2046), made by exact doublings and halvings. */
const POW2 = new Float64Array(2047);
for (let e = 1075, x = 1; e < 2047; e++, x *= 2) POW2[e] = x;
for (let e = 1074, x = 0.5; e >= 1; e--, x /= 2) POW2[e] = x;

/**
 * A big-endian float64 (BINFLOAT) from the bytes, with no DataView to make and no scratch: a
 * normal number is its 53-bit significand (exact in a double) times a power of two, which is
 * exact. Zero, subnormals, infinities and NaN (whose bits must stay as written) go through
 * {@link readFloat64Box}.
 */
function readFloat64(data: Uint8Array, pos: number): number {
  const hi = (data[pos]! << 24) | (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!;
  const e = (hi >>> 20) & 0x7ff;
  if (e === 0 || e === 0x7ff) return readFloat64Box(data, pos);
  const lo = ((data[pos + 4]! << 24) | (data[pos + 5]! << 16) | (data[pos + 6]! << 8) | data[pos + 7]!) >>> 0;
  const v = ((hi & 0xfffff) * 4294967296 + lo + 4503599627370496) * POW2[e]!;
  return hi < 0 ? -v : v;
}

/** A big-endian float64 (BINFLOAT) from the bytes, through an 8-byte scratch. */
function readFloat64Box(data: Uint8Array, pos: number): number {
  const b = floatBoxBytes;
  if (littleEndian) {
    b[0] = data[pos + 7]!;
    b[1] = data[pos + 6]!;
    b[2] = data[pos + 5]!;
    b[3] = data[pos + 4]!;
    b[4] = data[pos + 3]!;
    b[5] = data[pos + 2]!;
    b[6] = data[pos + 1]!;
    b[7] = data[pos]!;
  } else {
    for (let i = 0; i < 8; i++) b[i] = data[pos + i]!;
  }
  return floatBox[0]!;
}

function u32(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}

function size8(data: Uint8Array, pos: number): number {
  const lo = u32(data, pos);
  const hi = u32(data, pos + 4);
  if (hi >= 0x200000)
    throw new LoadFailure(`length ${(BigInt(hi) << 32n) | BigInt(lo)} is larger than any input`);
  return hi * 0x100000000 + lo;
}

function decodeAsciiOr(data: Uint8Array, start: number, n: number, reason: string): string {
  for (let i = start; i < start + n; i++) if (data[i]! >= 0x80) throw new LoadFailure(reason);
  return decodeLatin1(data, start, n);
}

/** APPEND / APPENDS into anything but a list: a list subclass records its items; the rest is an error. */
function appendTo(target: unknown, value: unknown, opcode: string): void {
  if (Array.isArray(target) && !Object.isFrozen(target)) target.push(value);
  else if (target instanceof PyObject) {
    target.listitems ??= [];
    target.listitems.push(value);
  } else throw new LoadFailure(`${opcode} needs a list, got ${describeType(target)}`);
}

/** ADDITEMS: a set takes the items, a set subclass records them; the rest is an error. */
function addItems(target: unknown, stack: unknown[], from: number): void {
  if (target instanceof Set && !(target instanceof FrozenSet)) {
    for (let i = from; i < stack.length; i++) pySetAdd(target, stack[i]);
  } else if (target instanceof PyObject) {
    target.setitems ??= [];
    for (let i = from; i < stack.length; i++) target.setitems.push(stack[i]);
  } else {
    throw new LoadFailure(`ADDITEMS needs a set, got ${describeType(target)}`);
  }
}

/**
 * BUILD: only an inert `PyObject` takes state (it records it; a dict state
 * updates an earlier dict state, as `__dict__.update`). Any other value, a
 * global above all, is refused: BUILD never changes what the pickle did not
 * create as an instance.
 */
function build(target: unknown, state: unknown): void {
  if (!(target instanceof PyObject))
    throw new LoadFailure(`BUILD cannot set the state of ${describeType(target)}`);
  if (target.state !== undefined && isPlainDict(target.state) && isPlainDict(state)) {
    for (const [k, v] of Object.entries(state)) defineKey(target.state, k, v);
  } else {
    target.state = state;
  }
}

/** READONLY_BUFFER: the buffer on top becomes a read-only `PickleBuffer`. */
function readonlyBuffer(buffer: unknown): PickleBuffer {
  if (buffer instanceof PickleBuffer) return buffer.readonly ? buffer : new PickleBuffer(buffer.data, true);
  if (buffer instanceof ArrayBuffer || ArrayBuffer.isView(buffer)) return new PickleBuffer(buffer, true);
  throw new LoadFailure(`READONLY_BUFFER needs a buffer, got ${describeType(buffer)}`);
}

/** A dict from the `stack[from..]` key/value pairs (DICT opcode). */
function newDict(
  stack: unknown[],
  from: number,
  asMap: boolean,
): Record<string, unknown> | Map<unknown, unknown> {
  if (!asMap) {
    let plain = true;
    for (let i = from; i < stack.length; i += 2) {
      const key = stack[i];
      if (typeof key !== 'string' || isArrayIndexKey(key)) {
        plain = false;
        break;
      }
    }
    if (plain) {
      const dict: Record<string, unknown> = {};
      for (let i = from; i < stack.length; i += 2) defineKey(dict, stack[i] as string, stack[i + 1]);
      return dict;
    }
  }
  const map = new Map<unknown, unknown>();
  for (let i = from; i < stack.length; i += 2) pyMapSet(map, stack[i], stack[i + 1]);
  return map;
}

/**
 * Loads one pickle from `data`, like Python's `pickle.loads`. Bytes after the
 * pickle's STOP opcode are ignored. Nothing the pickle names is executed.
 *
 * @param data the pickle bytes.
 * @param options see {@link LoadOptions}.
 * @returns the loaded value (see the value model in the README).
 * @throws {@link UnpicklingError} for bad input and refused globals.
 *
 * @example Load a pickle written by Python
 * ```ts
 * import { loads } from 'brine';
 * // pickle.dumps({'a': [1, 2.5, None]}, protocol=2)
 * const data = Uint8Array.from([
 *   0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x5d, 0x71, 0x02, 0x28, 0x4b,
 *   0x01, 0x47, 0x40, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4e, 0x65, 0x73, 0x2e,
 * ]);
 * loads(data); // { a: [1, 2.5, null] }
 * ```
 */
export function loads(data: Uint8Array | ArrayBuffer | ArrayBufferView, options?: LoadOptions): unknown {
  if (shapeKeeper === null) shapeKeeper = keepShape();
  return new Unpickler(data, options).load();
}

/**
 * One unpickler kept alive after a load of a small pickle, holding nothing of
 * any caller's data. V8 holds an object's hidden class only while an object
 * has it, and optimized code holds the hidden classes it checks only weakly:
 * with no unpickler alive, every full collection between two `loads` calls
 * dropped them and threw away the compiled load loop (2.5 µs per 300-byte
 * load became 9-12 µs until it was compiled again). Its pickle ends with a
 * UUID, built by a reconstructor, so that it also keeps a reconstruct context
 * (an object literal made once per unpickler) and a UUID: without them, a
 * value of standard-library types lost the optimized code of `#reduce`,
 * `#newObject`, `#contextFor` and the UUID's state setter at each full
 * collection. See docs/decisions.md.
 */
let shapeKeeper: Unpickler | null = null;

function keepShape(): Unpickler {
  // pickle.dumps([{'a': 1}, 'b', 2.5, (1,), uuid.UUID(int=1)], protocol=5)
  const keeper = new Unpickler(
    Uint8Array.from([
      0x80, 0x05, 0x95, 0x3e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5d, 0x94, 0x28, 0x7d, 0x94, 0x8c,
      0x01, 0x61, 0x94, 0x4b, 0x01, 0x73, 0x8c, 0x01, 0x62, 0x94, 0x47, 0x40, 0x04, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x4b, 0x01, 0x85, 0x94, 0x8c, 0x04, 0x75, 0x75, 0x69, 0x64, 0x94, 0x8c, 0x04, 0x55, 0x55,
      0x49, 0x44, 0x94, 0x93, 0x94, 0x29, 0x81, 0x94, 0x7d, 0x94, 0x8c, 0x03, 0x69, 0x6e, 0x74, 0x94, 0x4b,
      0x01, 0x73, 0x62, 0x65, 0x2e,
    ]),
  );
  keeper.load();
  return keeper;
}
