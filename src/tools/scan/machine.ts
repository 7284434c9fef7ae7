/**
 * The abstract pickle machine: runs the opcodes of a pickle over abstract
 * values (a string constant, a global, the result of a call, a short tuple
 * of those, "some data" or "unknown"), so that the operands of STACK_GLOBAL
 * are known wherever they come from, a call is seen even when its result is
 * popped, and a global is rated as the loader resolves it. What a name is
 * worth comes from the {@link ScanRules} it is given (the libraries' data),
 * never from this module. Containers (zip, npy, streams) are read elsewhere.
 *
 * @module
 */
import { UnpicklingError } from '../../errors.js';
import { FloatParseError, parseFloatText } from '../../floats.js';
import { OPCODE_BY_CODE } from '../../opcodes.js';
import { resolveScanOptions } from '../../options.js';
import { py3Name } from '../../py2-names.js';
import type { PersistentIdShape, StreamLayout } from '../../scan-library.js';
import { decodeLatin1, decodeUtf8, TextDecodeError } from '../../text.js';
import { textModeHint } from '../../text-mode.js';
import { ATTRIBUTE_LOOKUP, isDangerousAttribute, type ScanRules, type Severity } from '../gadgets.js';
import { genops, memoKey, type PickleOp } from '../genops.js';
import { fileReading } from './file-reading.js';
import {
  RANK,
  type ScanCall,
  type ScanEvent,
  type ScanFinding,
  type ScanGlobal,
  type ScanOptions,
  type ScanPickle,
  type ScanProblem,
  type ScanReport,
  sortFindings,
  verdictOf,
} from './report.js';

/**
 * Scans a pickle or a stream of pickles. A stream is read twice: with the
 * memo carried from one pickle to the next (one Unpickler calling load() in
 * turn) and with a new memo for each pickle (pickle.load in a loop, PyTorch's
 * legacy format): MEMOIZE numbers slots differently and GET reads other
 * values in the two readings, and either may be the victim's.
 */
export function scanPickles(
  data: Uint8Array,
  options: ScanOptions | undefined,
  rules: ScanRules,
  strict = false,
  layout?: StreamLayout,
): ScanReport {
  const shared = new Scanner(data, options, rules, strict, false, undefined, layout);
  let report = shared.run();
  if (shared.pickleCount >= 2) {
    const fresh = new Scanner(data, options, rules, strict, true, undefined, layout).run();
    report = addReading(report, fresh, 'with a new memo for each pickle (pickle.load in a loop)');
  }
  const file = fileReading(data);
  if (file !== undefined) {
    const other = new Scanner(file.bytes, options, rules, strict, false).run();
    report = addReading(
      report,
      other,
      'as pickle.load reads it from a file object that cannot peek (io.BytesIO; torch.load reads data.pkl so), which takes an opcode that straddles the end of its frame from the bytes after the frame',
      file.toInput,
    );
  }
  return report;
}

/**
 * Scans the one pickle at the start of `data` (a container's pickle that other
 * data follows); its `pickles[0].end` is where it ends.
 */
export function scanOnePickle(
  data: Uint8Array,
  options: ScanOptions | undefined,
  rules: ScanRules,
): ScanReport {
  return new Scanner(data, options, rules, false, false, 1).run();
}

/** `report` with the findings, globals and calls only another reading of the same input has. */
function addReading(
  report: ScanReport,
  other: ScanReport,
  label: string,
  toInput: (offset: number) => number = (o) => o,
): ScanReport {
  const at = (o: number | undefined) => (o === undefined ? undefined : toInput(o));
  const messages = new Set(report.findings.map((f) => f.message));
  const extra = other.findings
    .filter((f) => f.severity !== 'info' && !messages.has(f.message))
    .map((f) => ({ ...f, offset: at(f.offset), message: `${label}: ${f.message}` }));
  if (extra.length === 0) return report;
  const globals = new Set(report.globals.map((g) => `${g.offset}\n${g.module}\n${g.name}`));
  const calls = new Set(report.calls.map((c) => `${c.offset}\n${c.callable}`));
  const findings = sortFindings([...report.findings, ...extra]);
  return {
    ...report,
    verdict: verdictOf(findings),
    findings,
    globals: [
      ...report.globals,
      ...other.globals
        .map((g) => ({ ...g, offset: toInput(g.offset) }))
        .filter((g) => !globals.has(`${g.offset}\n${g.module}\n${g.name}`)),
    ],
    calls: [
      ...report.calls,
      ...other.calls
        .map((c) => ({ ...c, offset: toInput(c.offset) }))
        .filter((c) => !calls.has(`${c.offset}\n${c.callable}`)),
    ],
  };
}

/** What the scanner knows about a global reference. */
interface GlobalRef {
  readonly module: string | null;
  readonly name: string | null;
  readonly rawModule: string | null;
  readonly rawName: string | null;
  readonly offset: number;
  readonly opcode: string;
  severity: Severity;
  reason: string;
  readonly pickle: number;
  /** builtins.getattr: rated by how it is used. */
  readonly lookup: boolean;
  staticUse: boolean;
  /** getattr(object the pickle built, 'plain name'). */
  objectUse: boolean;
  dynamicUse: boolean;
}

type Val =
  | { readonly k: 'data' }
  | { readonly k: 'str'; readonly s: string }
  | { readonly k: 'glob'; readonly ref: GlobalRef }
  | { readonly k: 'call'; readonly callee: Val }
  | { readonly k: 'tuple'; readonly items: readonly Val[] }
  | { readonly k: 'unknown' };

const DATA: Val = { k: 'data' };
const UNKNOWN: Val = { k: 'unknown' };
const EMPTY_TUPLE: Val = { k: 'tuple', items: [] };
/** Tuples longer than this keep no items (only short tuples are ever inspected). */
const TUPLE_ITEMS = 8;

const GLOBAL = 0x63;
const BUILD = 0x62;
const INST = 0x69;
const PERSID = 0x50;
const FLOAT = 0x46;
const STOP = 0x2e;
const FRAME = 0x95;
const GET = 0x67;
const PUT = 0x70;
/** Text opcodes whose number CPython's C unpickler reads more loosely than pickletools (NUL ends it, base 0). */
const TEXT_NUMBERS = new Set([0x49, 0x4c, FLOAT, GET, PUT]);

/** A control character, which no Python name holds. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Items (and marks) the stack holds before its bottom half is dropped (a JS array cannot grow much past 2^27). */
const STACK_LIMIT = 2 ** 24;
/** Indices below this may go in the memo's dense array. */
const DENSE_LIMIT = 2 ** 25;
/** Entries the memo's maps hold at most; past it, values are forgotten (read back as unknown). */
const SPARSE_LIMIT = 2 ** 22;
/** A PUT this far past the dense array's end goes to the maps instead (no huge holes). */
const DENSE_GAP = 1 << 16;
/** Errors after which the scan of an input stops (CPython stops at the first). */
const MAX_ERRORS = 10_000;

/**
 * The memo: a dense array for the indices CPython writes (0, 1, 2...) and
 * maps for scattered ones, sharded because one Map holds at most 2^24
 * entries while a pickle may memoize 2^32 values.
 */
class Memo {
  readonly #dense: (Val | undefined)[] = [];
  readonly #shards: Map<number | string, Val>[] = [];
  #count = 0;
  #sparse = 0;
  /** Whether values were dropped for size: a missing index is then no error, only an unknown value. */
  forgotten = false;

  /** How many slots are filled (where MEMOIZE writes next). */
  get size(): number {
    return this.#count;
  }

  get(key: number | string): Val | undefined {
    if (typeof key === 'number' && key < this.#dense.length) {
      const v = this.#dense[key];
      if (v !== undefined) return v;
    }
    return this.#shards.length === 0 ? undefined : this.#shard(key).get(key);
  }

  set(key: number | string, value: Val): void {
    const dense = this.#dense;
    if (typeof key === 'number' && key >= 0 && key < DENSE_LIMIT && key <= dense.length + DENSE_GAP) {
      while (dense.length < key) dense.push(undefined);
      if (dense[key] === undefined && !(this.#shards.length > 0 && this.#shard(key).delete(key)))
        this.#count++;
      dense[key] = value;
      return;
    }
    const shard = this.#shard(key);
    if (shard.has(key)) {
      shard.set(key, value);
      return;
    }
    this.#count++;
    if (this.#sparse >= SPARSE_LIMIT) {
      this.forgotten = true;
      return;
    }
    this.#sparse++;
    shard.set(key, value);
  }

  #shard(key: number | string): Map<number | string, Val> {
    if (this.#shards.length === 0) for (let i = 0; i < 256; i++) this.#shards.push(new Map());
    const i =
      typeof key === 'number'
        ? ((key % 256) + 256) % 256
        : (key.length + (key.charCodeAt(key.length - 1) || 0)) % 256;
    return this.#shards[i]!;
  }
}

class Scanner {
  readonly #data: Uint8Array;
  readonly #rules: ScanRules;
  /** The persistent ids the loading program is expected to resolve to data. */
  readonly #pidShapes: readonly PersistentIdShape[];
  readonly #max: number;
  #omitted = 0;
  readonly #refs: GlobalRef[] = [];
  readonly #calls: ScanCall[] = [];
  readonly #extensions: ScanEvent[] = [];
  readonly #pids: ScanEvent[] = [];
  readonly #buffers: ScanEvent[] = [];
  readonly #protocols = new Set<number>();
  readonly #pickles: ScanPickle[] = [];
  readonly #malformed: ScanProblem[] = [];
  /** Findings not tied to a global, keyed by message (first offset kept). */
  readonly #findings = new Map<string, ScanFinding>();
  /** The memo persists across the pickles of one input, as in Python's Unpickler. */
  #memo = new Memo();
  /** A new memo for each pickle (pickle.load in a loop) instead of one carried over (Unpickler.load in turn). */
  readonly #freshMemo: boolean;
  #pickleCount = 0;
  #errors = 0;
  /** The getattr reference shared by every getattr beyond the report's cap (its uses add up). */
  #overflowLookup: GlobalRef | undefined;
  /** Ratings by raw name (and whether Python 2 names are mapped). */
  readonly #rated = new Map<string, Rated>();
  #stack: Val[] = [];
  #marks: number[] = [];
  #fence = 0;
  /** Items dropped from the bottom of the stack (see #bound). */
  #floor = 0;
  #droppedMarks = 0;
  #proto = 0;
  #pickle = 0;
  /** Set at the first error of the current pickle: from then on values are guessed and errors only counted. */
  #failed = false;
  /** Set at the first error of the current pickle that CPython's loader makes too: it has stopped there. */
  #cpythonStopped = false;
  #laterErrors = 0;
  /** The worst severity among the kept findings. */
  #worstFinding = 0;
  #op: PickleOp | undefined;

  /** Stop at the first error (no lenient reading on, no next pickle). */
  readonly #strict: boolean;
  #stopped = false;
  /** Pickles read at most (a container that holds one pickle and then other data). */
  readonly #maxPickles: number;
  /** Raw data a library's loader reads after a BUILD (joblib's arrays): offset after the BUILD → where the stream resumes. */
  readonly #skips: ReadonlyMap<number, number> | undefined;

  constructor(
    data: Uint8Array,
    options: ScanOptions | undefined,
    rules: ScanRules,
    strict: boolean,
    freshMemo = false,
    maxPickles = Number.POSITIVE_INFINITY,
    layout?: StreamLayout,
  ) {
    this.#maxPickles = maxPickles;
    this.#skips = layout?.skips;
    this.#data = data;
    this.#rules = rules;
    this.#pidShapes = rules.persistentIds(options?.persistentIds);
    this.#strict = strict;
    this.#freshMemo = freshMemo;
    this.#max = resolveScanOptions(options).maxReported;
  }

  /** How many pickles (complete or not) the input held. */
  get pickleCount(): number {
    return this.#pickleCount;
  }

  run(): ScanReport {
    const data = this.#data;
    let pos = 0;
    if (data.length === 0) {
      this.#problem(0, undefined, 'empty input: not a pickle');
      this.#pickles.push({ start: 0, end: 0, protocol: 0, complete: false });
      this.#pickleCount = 1;
    }
    while (pos < data.length) {
      const start = pos;
      this.#stack = [];
      this.#marks = [];
      this.#fence = 0;
      this.#floor = 0;
      this.#droppedMarks = 0;
      this.#proto = 0;
      this.#failed = false;
      this.#cpythonStopped = false;
      if (this.#freshMemo) this.#memo = new Memo();
      const end = this.#runOne(start);
      this.#pickleCount++;
      this.#keep(this.#pickles, {
        start,
        end: end < 0 ? data.length : end,
        protocol: this.#proto,
        complete: end >= 0 && !this.#failed,
      });
      if (end < 0 || this.#stopped || this.#pickleCount >= this.#maxPickles) break;
      pos = end;
      this.#pickle++;
    }
    if (this.#pickleCount > 1) {
      const complete = this.#pickles.filter((p) => p.complete).length;
      this.#finding(
        'info',
        this.#pickles[1]?.start,
        `${this.#pickleCount - 1} more pickle(s) or data after the first STOP (${complete} of the first ${this.#pickles.length} complete); a loader reading in turn runs them all`,
      );
    }
    return this.#report();
  }

  /** Scans one pickle from `start`; returns the offset after its STOP, or -1 when it never ends. */
  #runOne(start: number): number {
    const data = this.#data;
    let pos = start;
    let frameEnd = -1;
    outer: for (;;) {
      try {
        for (const op of genops(data, { start: pos })) {
          if (this.#stopped) return -1;
          this.#op = op;
          if (frameEnd >= 0 && op.pos >= frameEnd) frameEnd = -1;
          if (frameEnd >= 0 && op.end > frameEnd) {
            this.#error(`opcode runs past the end of its frame at offset ${frameEnd}`, true);
            frameEnd = -1; // read on as CPython's in-memory loader does: a frame is only a bounds check
          }
          if (op.code === FRAME) {
            const n = Number(op.arg);
            if (frameEnd >= 0) this.#error('beginning of a new frame before end of current frame', true);
            else if (op.end + n > data.length) this.#error(`pickle data was truncated: frame of ${n} bytes`);
            else if (n > 0) frameEnd = op.end + n;
            pos = op.end;
            continue;
          }
          this.#step(op);
          pos = op.end;
          if (op.code === STOP) return op.end;
          if (op.code === BUILD && this.#skips !== undefined && !this.#failed) {
            const resume = this.#skips.get(op.end);
            const built = this.#stack[this.#stack.length - 1];
            // Only a BUILD of a constructed object (the loader's array wrapper) is followed by raw data.
            if (resume !== undefined && built?.k === 'call' && built.callee.k === 'glob') {
              pos = resume;
              frameEnd = -1;
              continue outer;
            }
          }
        }
        return -1; // genops always ends with STOP or throws; not reached
      } catch (error) {
        if (!(error instanceof UnpicklingError)) throw error;
        const at = error.offset ?? data.length;
        const code = data[at];
        // Names are decoded as the loader decodes them (UTF-8, no escapes), not as pickletools does.
        if (code === GLOBAL || code === INST || code === PERSID) {
          const end = this.#ownLineOp(at, code);
          if (end >= 0) {
            if (frameEnd >= 0 && end > frameEnd) {
              this.#error(`opcode runs past the end of its frame at offset ${frameEnd}`, true);
              frameEnd = -1;
            }
            if (this.#stopped) return -1;
            pos = end;
            continue;
          }
        }
        this.#problem(at, error.opcode, error.reason);
        if (this.#stopped) return -1;
        if (TEXT_NUMBERS.has(code ?? -1)) {
          // Read as CPython's C unpickler reads it (the number ends at a NUL, INT and LONG in base 0):
          // the stack and the memo stay as the victim's, so what follows is rated on the right operands.
          const end = this.#textNumberOp(at, code!);
          if (end >= 0) {
            if (frameEnd >= 0 && end > frameEnd) frameEnd = -1;
            pos = end;
            continue;
          }
        }
        const next = skipOp(data, at);
        if (next < 0) return -1;
        pos = next;
        if (frameEnd >= 0 && pos > frameEnd) frameEnd = -1;
      }
    }
  }

  /** INT, LONG, FLOAT, GET or PUT whose text genops refused: its effect on the stack and memo. Returns the end, or -1. */
  #textNumberOp(at: number, code: number): number {
    const data = this.#data;
    const nl = data.indexOf(0x0a, at + 1);
    if (nl < 0) return -1;
    this.#op = { code, info: OPCODE_BY_CODE[code]!, arg: null, pos: at, end: nl + 1 };
    if (code !== GET && code !== PUT) {
      this.#stack.push(DATA);
      return nl + 1;
    }
    const nul = data.indexOf(0, at + 1);
    const text = decodeLatin1(data, at + 1, (nul >= 0 && nul < nl ? nul : nl) - at - 1).trim();
    const key = /^\+?\d+(?:_\d+)*$/.test(text) ? memoKey(BigInt(text.replace(/[+_]/g, ''))) : undefined;
    if (code === GET) this.#stack.push((key === undefined ? undefined : this.#memo.get(key)) ?? UNKNOWN);
    else if (key !== undefined) this.#memo.set(key, this.#top());
    return nl + 1;
  }

  /** GLOBAL, INST or PERSID that genops could not decode: read as the loader does. Returns the end, or -1. */
  #ownLineOp(at: number, code: number): number {
    const data = this.#data;
    const nl1 = data.indexOf(0x0a, at + 1);
    if (nl1 < 0) return -1;
    const opName = code === GLOBAL ? 'GLOBAL' : code === INST ? 'INST' : 'PERSID';
    const info = OPCODE_BY_CODE[code]!;
    if (code === PERSID) {
      // The loader (like CPython) wants ASCII; only pickletools' escape decoding differs.
      for (let i = at + 1; i < nl1; i++) if (data[i]! >= 0x80) return -1;
      const end = nl1 + 1;
      this.#op = { code, info, arg: null, pos: at, end };
      this.#pid(at, 'PERSID', decodeLatin1(data, at + 1, nl1 - at - 1), undefined);
      return end;
    }
    const nl2 = data.indexOf(0x0a, nl1 + 1);
    if (nl2 < 0) return -1;
    let module: string;
    let name: string;
    try {
      module = decodeUtf8(data, at + 1, nl1 - at - 1);
      name = decodeUtf8(data, nl1 + 1, nl2 - nl1 - 1);
    } catch (error) {
      if (!(error instanceof TextDecodeError)) throw error;
      return -1;
    }
    this.#op = { code, info, arg: null, global: [module, name], pos: at, end: nl2 + 1 };
    if (code === GLOBAL) this.#stack.push(this.#global(module, name, at, opName));
    else this.#inst(module, name, at);
    return nl2 + 1;
  }

  // --- errors and findings ----------------------------------------------------

  /**
   * An error of the pickle machine at the current opcode. `cpythonReads`: an
   * error for brine that CPython's C loader does not make (a frame boundary is
   * only a buffer size there), so what follows still runs in Python.
   */
  #error(reason: string, cpythonReads = false): void {
    const op = this.#op;
    this.#problem(op?.pos, op?.info.name, reason, cpythonReads);
  }

  #problem(
    offset: number | undefined,
    opcode: string | undefined,
    reason: string,
    cpythonReads = false,
  ): void {
    if (!cpythonReads) this.#cpythonStopped = true;
    if (++this.#errors > MAX_ERRORS && !this.#stopped) {
      // Reading on through garbage only serves lenient readers; none reads on past this many errors.
      this.#stopped = true;
      this.#finding(
        'info',
        offset,
        `scan stopped after ${MAX_ERRORS} errors (CPython stops at the first); the rest of the input was not read`,
      );
    }
    if (this.#failed) {
      this.#laterErrors++;
      return;
    }
    this.#failed = true;
    if (this.#strict && !cpythonReads) this.#stopped = true;
    this.#keep(this.#malformed, { offset, opcode, reason, pickle: this.#pickle });
  }

  #finding(severity: ScanFinding['severity'], offset: number | undefined, message: string): void {
    if (this.#findings.has(message)) return;
    // Past the cap, only a finding worse than all kept ones is added: the verdict stays whole.
    if (this.#findings.size >= this.#max && RANK[severity] <= this.#worstFinding) {
      this.#omitted++;
      return;
    }
    this.#worstFinding = Math.max(this.#worstFinding, RANK[severity]);
    this.#findings.set(message, { severity, offset, message });
  }

  #keep<T>(list: T[], item: T): void {
    if (list.length < this.#max) list.push(item);
    else this.#omitted++;
  }

  // --- stack ------------------------------------------------------------------

  // Positions (marks, the fence) count every item pushed; the bottom `#floor` items may have been
  // dropped from the array (a stack too deep to hold), and read back as unknown values.

  /** The logical stack depth. */
  #depth(): number {
    return this.#stack.length + this.#floor;
  }

  /** Keeps the stack and the marks under their limits by dropping their bottom halves (read back as unknown). */
  #bound(): void {
    const stack = this.#stack;
    if (stack.length >= STACK_LIMIT) {
      const n = stack.length >> 1;
      stack.splice(0, n);
      this.#floor += n;
      this.#limitFinding();
    }
    if (this.#marks.length >= STACK_LIMIT) {
      const n = this.#marks.length >> 1;
      this.#marks.splice(0, n);
      this.#droppedMarks += n;
      this.#limitFinding();
    }
  }

  #limitFinding(): void {
    this.#finding(
      'review',
      this.#op?.pos,
      `more than ${STACK_LIMIT} items or marks on the stack: the deepest were dropped and are read back as unknown values`,
    );
  }

  /** Pops `n` values (deepest first); on underflow reports it and pads with unknown values. */
  #pop(n: number): Val[] {
    const stack = this.#stack;
    let depth = this.#depth();
    if (depth - n < this.#fence) this.#error('unpickling stack underflow');
    const out: Val[] = new Array(n).fill(UNKNOWN);
    for (let i = n - 1; i >= 0 && depth > this.#fence; i--, depth--) {
      if (stack.length > 0) out[i] = stack.pop()!;
      else this.#floor--;
    }
    return out;
  }

  #top(): Val {
    const stack = this.#stack;
    if (this.#depth() <= this.#fence) {
      this.#error('unpickling stack underflow');
      return UNKNOWN;
    }
    return stack.length > 0 ? stack[stack.length - 1]! : UNKNOWN;
  }

  /** Pops the items above the topmost MARK and the MARK. */
  #popMark(): Val[] {
    let mark = this.#marks.pop();
    const stack = this.#stack;
    if (mark === undefined && this.#droppedMarks > 0) {
      // A mark dropped for depth: where it was is not known; everything held is taken as its items.
      this.#droppedMarks--;
      mark = this.#floor;
    }
    this.#fence = this.#marks.length === 0 ? 0 : this.#marks[this.#marks.length - 1]!;
    if (mark === undefined) {
      this.#error('could not find MARK');
      return [];
    }
    const from = mark - this.#floor;
    if (from >= 0) {
      const items = stack.slice(from);
      stack.length = from;
      return items;
    }
    const items = [UNKNOWN, ...stack];
    stack.length = 0;
    this.#floor = mark;
    return items;
  }

  /** The value below a MARK'd slice (APPENDS, SETITEMS, ADDITEMS target). */
  #below(): Val {
    const stack = this.#stack;
    if (this.#depth() === 0) {
      this.#error('unpickling stack underflow');
      return UNKNOWN;
    }
    return stack.length > 0 ? stack[stack.length - 1]! : UNKNOWN;
  }

  #tuple(items: Val[]): Val {
    for (const v of items) this.#consume(v);
    if (items.length === 0) return EMPTY_TUPLE;
    return items.length <= TUPLE_ITEMS ? { k: 'tuple', items } : DATA;
  }

  /** A value is used by an operation (put in a container, passed, called): `getattr` so used is a general callable. */
  #consume(v: Val): void {
    if (v.k === 'glob' && v.ref.lookup) v.ref.dynamicUse = true;
  }

  /** APPEND(S), SETITEM(S), ADDITEMS into `target`. */
  #mutate(target: Val, items: readonly Val[], opcode: string): void {
    for (const v of items) this.#consume(v);
    if (target.k === 'glob') {
      // Past an error CPython has stopped: structure read on through damage (or through a file that
      // is no pickle at all) is not evidence of a gadget, only of bytes worth a look.
      this.#finding(
        this.#cpythonStopped ? 'review' : 'dangerous',
        this.#op?.pos,
        `${opcode} changes the module-level object ${describeRef(target.ref)} (module state that later code uses)${this.#cpythonStopped ? ', after an error' : ''}`,
      );
    }
  }

  // --- globals ------------------------------------------------------------------

  #global(rawModule: string, rawName: string, offset: number, opcode: string): Val {
    const key = `${this.#proto < 3 ? 1 : 0}\n${rawModule}\n${rawName}`;
    let rated = this.#rated.get(key);
    if (rated === undefined) {
      rated = rateNames(this.#rules, rawModule, rawName, this.#proto < 3);
      this.#rated.set(key, rated);
    }
    const { module, name } = rated;
    let severity = rated.severity;
    let reason = rated.reason;
    const unresolvable = opcode === 'REDUCE' ? undefined : unresolvableName(name, this.#proto);
    if (unresolvable !== undefined && severity === 'dangerous' && !this.#rules.isDangerousModule(module)) {
      // find_class imports the module and then fails: nothing the name reaches is ever called.
      severity = 'review';
      reason = `CPython cannot resolve this name (${unresolvable}): loading fails at it after importing ${module}, before anything is called`;
    }
    if (module.length === 0 || name.length === 0) {
      this.#error('empty module or name in a global');
      if (severity === 'safe') severity = 'review';
    } else if (CONTROL.test(module) || CONTROL.test(name)) {
      // As the loader: no Python name holds one (a CR is what a text-mode file leaves before a newline).
      this.#error(
        `the ${CONTROL.test(module) ? 'module' : 'attribute'} name of a global holds a control character`,
      );
      if (severity === 'safe') severity = 'review';
    }
    const ref: GlobalRef = {
      module,
      name,
      rawModule,
      rawName,
      offset,
      opcode,
      severity,
      reason,
      pickle: this.#pickle,
      lookup: `${module}.${name}` === ATTRIBUTE_LOOKUP,
      staticUse: false,
      objectUse: false,
      dynamicUse: false,
    };
    return { k: 'glob', ref: this.#addRef(ref) };
  }

  /** Keeps a reference for the report; past the cap, its rating still reaches the verdict. Returns the reference to use. */
  #addRef(ref: GlobalRef): GlobalRef {
    if (this.#refs.length < this.#max) {
      this.#refs.push(ref);
      return ref;
    }
    this.#omitted++;
    if (ref.lookup) {
      // getattr is rated by its uses: past the cap every getattr shares one reference, whose uses add up.
      if (this.#overflowLookup === undefined) {
        this.#overflowLookup = ref;
        this.#refs.push(ref);
      }
      return this.#overflowLookup;
    }
    this.#finding(ref.severity, ref.offset, `${describeRef(ref)}: ${ref.reason}`);
    return ref;
  }

  #dynamicGlobal(offset: number, why: string): Val {
    const ref: GlobalRef = {
      module: null,
      name: null,
      rawModule: null,
      rawName: null,
      offset,
      opcode: 'STACK_GLOBAL',
      severity: 'review',
      reason: `STACK_GLOBAL operands are not constant strings (${why}): the global is computed while loading`,
      pickle: this.#pickle,
      lookup: false,
      staticUse: false,
      objectUse: false,
      dynamicUse: false,
    };
    this.#addRef(ref);
    return UNKNOWN;
  }

  #inst(module: string, name: string, offset: number): void {
    const args = this.#popMark();
    const cls = this.#global(module, name, offset, 'INST');
    this.#stack.push(this.#call(cls, this.#tuple(args), 'INST'));
  }

  // --- calls --------------------------------------------------------------------

  #call(callee: Val, args: Val, opcode: string): Val {
    const offset = this.#op?.pos ?? 0;
    this.#consume(args);
    if (
      callee.k === 'glob' &&
      callee.ref.lookup &&
      opcode === 'REDUCE' &&
      args.k === 'tuple' &&
      args.items.length === 2 &&
      args.items[0]!.k === 'glob' &&
      args.items[0]!.ref.module !== null &&
      args.items[1]!.k === 'str'
    ) {
      // getattr(Outer, 'Inner'): how protocols 0-3 pickle nested classes; rated as the dotted name.
      callee.ref.staticUse = true;
      const target = args.items[0]!.ref;
      const attr = args.items[1]!.s;
      const result = this.#global(target.module!, `${target.name}.${attr}`, offset, 'REDUCE');
      const ref = (result as { ref: GlobalRef }).ref;
      this.#keep(this.#calls, {
        offset,
        opcode,
        callable: ATTRIBUTE_LOOKUP,
        severity: ref.severity,
        pickle: this.#pickle,
      });
      return result;
    }
    if (
      callee.k === 'glob' &&
      callee.ref.lookup &&
      opcode === 'REDUCE' &&
      args.k === 'tuple' &&
      args.items.length === 2 &&
      args.items[0]!.k === 'call' &&
      args.items[1]!.k === 'str' &&
      !isDangerousAttribute(args.items[1]!.s)
    ) {
      // getattr(obj, 'method'): how a bound method pickles. The object's class (rated on its own) decides what it gives.
      callee.ref.objectUse = true;
      this.#keep(this.#calls, {
        offset,
        opcode,
        callable: ATTRIBUTE_LOOKUP,
        severity: 'review',
        pickle: this.#pickle,
      });
      return { k: 'call', callee };
    }
    this.#consume(callee);
    if (callee.k === 'glob') {
      const ref = callee.ref;
      this.#keep(this.#calls, {
        offset,
        opcode,
        callable: ref.module === null ? null : `${ref.module}.${ref.name}`,
        severity: ref.lookup ? 'dangerous' : ref.severity,
        pickle: this.#pickle,
      });
    } else {
      this.#keep(this.#calls, { offset, opcode, callable: null, severity: 'review', pickle: this.#pickle });
      this.#finding(
        'review',
        offset,
        `${opcode} calls a value that is not a constant global (${describeVal(callee)}): what runs is decided while loading`,
      );
    }
    return { k: 'call', callee };
  }

  #build(target: Val, state: Val): void {
    const offset = this.#op?.pos ?? 0;
    this.#consume(state);
    let callable: string | null = null;
    let severity: Severity = 'safe';
    if (target.k === 'glob') {
      callable = target.ref.module === null ? null : `${target.ref.module}.${target.ref.name}`;
      severity = 'dangerous';
      this.#finding(
        'dangerous',
        offset,
        `BUILD sets attributes of the global ${describeRef(target.ref)} (the modelscan #330 gadget: an allow-listed callable is rewired)`,
      );
    } else if (target.k === 'call' && target.callee.k === 'glob') {
      const ref = target.callee.ref;
      callable = ref.module === null ? null : `${ref.module}.${ref.name}`;
      severity = ref.severity;
    } else if (target.k !== 'data') {
      severity = 'review';
    }
    this.#keep(this.#calls, { offset, opcode: 'BUILD', callable, severity, pickle: this.#pickle });
  }

  #pid(offset: number, opcode: string, text: string | undefined, pid: Val | undefined): void {
    const shape = pid === undefined ? undefined : this.#pidShapes.find((s) => matchesShape(s, pid));
    const known = shape !== undefined;
    const severity: Severity = known ? 'safe' : 'review';
    this.#keep(this.#pids, {
      offset,
      opcode,
      detail: shape !== undefined ? shape.name : (text ?? describeVal(pid ?? UNKNOWN)),
      severity,
      pickle: this.#pickle,
    });
    if (!known) {
      this.#finding(
        'review',
        offset,
        'persistent id: the loading program resolves it (persistent_load), the scanner cannot know to what',
      );
    }
    this.#stack.push(UNKNOWN);
  }

  // --- one opcode ---------------------------------------------------------------

  #step(op: PickleOp): void {
    if (this.#stack.length >= STACK_LIMIT || this.#marks.length >= STACK_LIMIT) this.#bound();
    const stack = this.#stack;
    const code = op.code;
    if (TEXT_NUMBERS.has(code) && this.#data[op.end - 2] === 0x0d) {
      // The loader refuses a CR before the newline (what a text-mode file leaves); CPython reads
      // INT, LONG, GET and PUT through it (whitespace to int()), and refuses FLOAT.
      this.#error(
        'the argument line ends with a carriage return: the pickle looks like it went through a file opened in text mode',
        code !== FLOAT,
      );
    }
    switch (code) {
      case 0x28: // MARK
        this.#marks.push(this.#depth());
        this.#fence = this.#depth();
        return;
      case STOP:
        this.#consume(this.#top());
        return;
      case 0x30: // POP (the top item, or a MARK right on top)
        if (this.#marks.length > 0 && this.#marks[this.#marks.length - 1] === this.#depth()) this.#popMark();
        else this.#pop(1);
        return;
      case 0x31: // POP_MARK
        this.#popMark();
        return;
      case 0x32: // DUP
        stack.push(this.#top());
        return;
      case 0x53: // STRING
      case 0x54: // BINSTRING
      case 0x55: // SHORT_BINSTRING
      case 0x56: // UNICODE
      case 0x58: // BINUNICODE
      case 0x8c: // SHORT_BINUNICODE
      case 0x8d: // BINUNICODE8
        stack.push({
          k: 'str',
          s:
            typeof op.arg === 'string'
              ? op.arg
              : op.arg instanceof Uint8Array
                ? decodeLatin1(op.arg, 0, op.arg.length)
                : '',
        });
        return;
      case FLOAT:
        // The loader reads FLOAT as CPython's C code does (no spaces, no underscores).
        try {
          parseFloatText(decodeLatin1(this.#data, op.pos + 1, op.end - op.pos - 2));
        } catch (error) {
          if (!(error instanceof FloatParseError)) throw error;
          this.#error(error.message);
        }
        stack.push(DATA);
        return;
      case 0x29: // EMPTY_TUPLE
        stack.push(EMPTY_TUPLE);
        return;
      case 0x61: {
        // APPEND
        const [target, value] = this.#pop(2);
        stack.push(target!);
        this.#mutate(target!, [value!], 'APPEND');
        return;
      }
      case 0x65: // APPENDS
      case 0x90: // ADDITEMS
      case 0x75: {
        // SETITEMS
        const items = this.#popMark();
        if (code === 0x75 && items.length % 2 !== 0) this.#error('odd number of items for SETITEMS');
        this.#mutate(this.#below(), items, op.info.name);
        return;
      }
      case 0x73: {
        // SETITEM
        const [target, key, value] = this.#pop(3);
        stack.push(target!);
        this.#mutate(target!, [key!, value!], 'SETITEM');
        return;
      }
      case 0x6c: // LIST
      case 0x64: // DICT
      case 0x91: {
        // FROZENSET
        const items = this.#popMark();
        if (code === 0x64 && items.length % 2 !== 0) this.#error('odd number of items for DICT');
        for (const v of items) this.#consume(v);
        stack.push(DATA);
        return;
      }
      case 0x74: // TUPLE
        stack.push(this.#tuple(this.#popMark()));
        return;
      case 0x85: // TUPLE1
        stack.push(this.#tuple(this.#pop(1)));
        return;
      case 0x86: // TUPLE2
        stack.push(this.#tuple(this.#pop(2)));
        return;
      case 0x87: // TUPLE3
        stack.push(this.#tuple(this.#pop(3)));
        return;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = memoKey(op.arg);
        const value = this.#memo.get(key);
        if (value === undefined) {
          if (!this.#memo.forgotten) this.#error(`Memo value not found at index ${String(key)}`);
          stack.push(UNKNOWN);
        } else {
          stack.push(value);
        }
        return;
      }
      case 0x70: // PUT
      case 0x71: // BINPUT
      case 0x72: {
        // LONG_BINPUT
        const key = memoKey(op.arg);
        if (typeof key === 'number' && key < 0) this.#error('negative PUT argument');
        this.#memo.set(key, this.#top());
        return;
      }
      case 0x94: // MEMOIZE
        this.#memo.set(this.#memo.size, this.#top());
        return;
      case GLOBAL: {
        const module = op.global?.[0] ?? '';
        const name = op.global?.[1] ?? '';
        // Decoded again as the loader does: UTF-8, no escapes (pickletools applies escapes).
        const own = this.#loaderNames(op);
        stack.push(this.#global(own?.[0] ?? module, own?.[1] ?? name, op.pos, 'GLOBAL'));
        return;
      }
      case INST: {
        const module = op.global?.[0] ?? '';
        const name = op.global?.[1] ?? '';
        const own = this.#loaderNames(op);
        this.#inst(own?.[0] ?? module, own?.[1] ?? name, op.pos);
        return;
      }
      case 0x93: {
        // STACK_GLOBAL
        const [module, name] = this.#pop(2) as [Val, Val];
        if (module.k === 'str' && name.k === 'str') {
          stack.push(this.#global(module.s, name.s, op.pos, 'STACK_GLOBAL'));
        } else if (isNonString(module) || isNonString(name)) {
          this.#error('STACK_GLOBAL requires str');
          stack.push(this.#dynamicGlobal(op.pos, 'not strings'));
        } else {
          stack.push(this.#dynamicGlobal(op.pos, `${describeVal(module)}, ${describeVal(name)}`));
        }
        return;
      }
      case 0x52: {
        // REDUCE
        const [callee, args] = this.#pop(2);
        stack.push(this.#call(callee!, args!, 'REDUCE'));
        return;
      }
      case 0x81: {
        // NEWOBJ
        const [cls, args] = this.#pop(2);
        stack.push(this.#call(cls!, args!, 'NEWOBJ'));
        return;
      }
      case 0x92: {
        // NEWOBJ_EX
        const [cls, args, kwargs] = this.#pop(3);
        this.#consume(kwargs!);
        stack.push(this.#call(cls!, args!, 'NEWOBJ_EX'));
        return;
      }
      case 0x6f: {
        // OBJ
        const items = this.#popMark();
        if (items.length === 0) {
          this.#error('unpickling stack underflow');
          stack.push(UNKNOWN);
          return;
        }
        stack.push(this.#call(items[0]!, this.#tuple(items.slice(1)), 'OBJ'));
        return;
      }
      case 0x62: {
        // BUILD
        const [target, state] = this.#pop(2);
        stack.push(target!);
        this.#build(target!, state!);
        return;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4
        const n = Number(op.arg);
        if (n <= 0) this.#error('EXT specifies code <= 0');
        this.#keep(this.#extensions, {
          offset: op.pos,
          opcode: op.info.name,
          detail: String(n),
          severity: 'review',
          pickle: this.#pickle,
        });
        this.#finding(
          'review',
          op.pos,
          "extension code: copyreg's extension registry of the loading process decides which global it is",
        );
        stack.push(UNKNOWN);
        return;
      }
      case PERSID:
        this.#pid(op.pos, 'PERSID', typeof op.arg === 'string' ? op.arg : undefined, undefined);
        return;
      case 0x51: {
        // BINPERSID
        const [pid] = this.#pop(1);
        this.#consume(pid!);
        this.#pid(op.pos, 'BINPERSID', undefined, pid);
        return;
      }
      case 0x97: // NEXT_BUFFER
        this.#keep(this.#buffers, {
          offset: op.pos,
          opcode: 'NEXT_BUFFER',
          detail: 'out-of-band buffer',
          severity: 'safe',
          pickle: this.#pickle,
        });
        stack.push(DATA);
        return;
      case 0x98: // READONLY_BUFFER
        this.#top();
        this.#keep(this.#buffers, {
          offset: op.pos,
          opcode: 'READONLY_BUFFER',
          detail: 'read-only buffer',
          severity: 'safe',
          pickle: this.#pickle,
        });
        return;
      case 0x80: {
        // PROTO
        const proto = Number(op.arg);
        this.#protocols.add(proto);
        if (proto > 5) this.#error(`unsupported pickle protocol: ${proto}`);
        this.#proto = proto;
        return;
      }
      default:
        // Every other opcode pushes data: ints, floats, bytes, None, bools, empty containers, bytearray.
        stack.push(DATA);
    }
  }

  /** GLOBAL / INST names as the loader decodes them (UTF-8, no escapes); undefined when they are not valid UTF-8. */
  #loaderNames(op: PickleOp): [string, string] | undefined {
    const data = this.#data;
    const nl1 = data.indexOf(0x0a, op.pos + 1);
    if (nl1 < 0 || nl1 >= op.end) return undefined;
    try {
      return [decodeUtf8(data, op.pos + 1, nl1 - op.pos - 1), decodeUtf8(data, nl1 + 1, op.end - nl1 - 2)];
    } catch (error) {
      if (!(error instanceof TextDecodeError)) throw error;
      this.#error('global names are not valid UTF-8');
      return undefined;
    }
  }

  // --- the report -----------------------------------------------------------------

  #report(): ScanReport {
    const findings: ScanFinding[] = [];
    const globals: ScanGlobal[] = [];
    const seen = new Set<string>();
    for (const ref of this.#refs) {
      if (ref.lookup) {
        if (ref.dynamicUse) {
          ref.severity = 'dangerous';
          ref.reason = 'getattr used as a general callable: it reaches any attribute of any object';
        } else if (ref.objectUse) {
          ref.severity = 'review';
          ref.reason =
            "getattr(object built by the pickle, 'name') (a pickled bound method): the object's class decides what it returns";
        } else if (ref.staticUse) {
          ref.severity = 'safe';
          ref.reason =
            'only static lookups getattr(global, constant name), rated as the dotted names they give';
        } else {
          ref.severity = 'review';
          ref.reason = 'getattr referenced but not called';
        }
      }
      const key = `${ref.severity}\n${describeRef(ref)}\n${ref.reason}`;
      if (!seen.has(key)) {
        seen.add(key);
        if (ref.severity !== 'safe') {
          findings.push({
            severity: ref.severity,
            offset: ref.offset,
            message: `${describeRef(ref)}: ${ref.reason}`,
          });
        }
      }
      if (globals.length < this.#max) {
        globals.push({
          module: ref.module,
          name: ref.name,
          rawModule: ref.rawModule,
          rawName: ref.rawName,
          offset: ref.offset,
          opcode: ref.opcode,
          severity: ref.severity,
          reason: ref.reason,
          pickle: ref.pickle,
        });
      } else {
        this.#omitted++;
      }
    }
    for (const f of this.#findings.values()) findings.push(f);
    for (const p of this.#malformed) {
      const where =
        p.offset === undefined
          ? ''
          : ` at offset ${p.offset}${p.opcode === undefined ? '' : ` (${p.opcode})`}`;
      if (p.pickle === 0) {
        findings.push({
          severity: 'malformed',
          offset: p.offset,
          message: `not a valid pickle${where}: ${p.reason}${/text mode/.test(p.reason) ? '' : textModeHint(this.#data, p.offset)}`,
        });
      } else {
        findings.push({
          severity: 'review',
          offset: p.offset,
          message: `data after the first pickle is not a valid pickle${where}: ${p.reason}`,
        });
      }
    }
    if (this.#laterErrors > 0) {
      findings.push({
        severity: 'info',
        offset: undefined,
        message: `${this.#laterErrors} more error(s) after the first one (scanned on for globals a lenient loader would reach)`,
      });
    }
    return {
      verdict: verdictOf(findings),
      findings: sortFindings(findings),
      globals,
      calls: this.#calls,
      extensions: this.#extensions,
      persistentIds: this.#pids,
      buffers: this.#buffers,
      protocols: [...this.#protocols].sort((a, b) => a - b),
      pickles: this.#pickles,
      malformed: this.#malformed,
      omitted: this.#omitted,
    };
  }
}

interface Rated {
  readonly module: string;
  readonly name: string;
  readonly severity: Severity;
  readonly reason: string;
}

/** A global as the loader resolves it (Python 2 names mapped below protocol 3), rated; a dangerous spelling, raw or mapped, stays dangerous whatever the protocol. */
function rateNames(rules: ScanRules, rawModule: string, rawName: string, fixImports: boolean): Rated {
  const [mappedModule, mappedName] = py3Name(rawModule, rawName);
  const module = fixImports ? mappedModule : rawModule;
  const name = fixImports ? mappedName : rawName;
  let { severity, reason } = rules.rate(module, name);
  for (const [m, n] of [
    [rawModule, rawName],
    [mappedModule, mappedName],
  ] as const) {
    if (severity !== 'dangerous') {
      const other = rules.rate(m, n);
      if (other.severity === 'dangerous') ({ severity, reason } = other);
    }
  }
  return { module, name, severity, reason };
}

/**
 * Why CPython's find_class cannot resolve `name`, or undefined when it can:
 * below protocol 4 a name is one attribute (`getattr(module, 'a.b')` fails),
 * and a `<locals>` step is refused at any protocol.
 */
function unresolvableName(name: string, proto: number): string | undefined {
  if (!name.includes('.')) return undefined;
  if (proto < 4) return `a dotted name below protocol 4 is looked up as one attribute`;
  if (name.split('.').includes('<locals>')) return 'a <locals> step';
  return undefined;
}

function describeRef(ref: GlobalRef): string {
  if (ref.module === null) return 'computed global';
  const raw =
    ref.rawModule !== ref.module || ref.rawName !== ref.name
      ? ` (written ${ref.rawModule}.${ref.rawName})`
      : '';
  return `${ref.module}.${ref.name}${raw}`;
}

function describeVal(v: Val): string {
  switch (v.k) {
    case 'str':
      return 'a string';
    case 'glob':
      return `the global ${describeRef(v.ref)}`;
    case 'call':
      return 'the result of a call';
    case 'tuple':
      return 'a tuple';
    case 'data':
      return 'data';
    default:
      return 'an unknown value';
  }
}

/** A value known not to be a str (STACK_GLOBAL refuses it). */
function isNonString(v: Val): boolean {
  return v.k === 'data' || v.k === 'tuple' || v.k === 'glob';
}

/** The offset after the opcode at `pos`, from its structure only (used to read on after an error), or -1. */
function skipOp(data: Uint8Array, pos: number): number {
  const info = OPCODE_BY_CODE[data[pos] ?? -1];
  if (info === undefined) return pos < data.length ? pos + 1 : -1;
  const p = pos + 1;
  const n = info.argBytes;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let end: number;
  if (n >= 0) end = p + n;
  else if (n === -1) {
    const nl = data.indexOf(0x0a, p);
    if (nl < 0) return -1;
    end = nl + 1;
    if (info.code === GLOBAL || info.code === INST) {
      const nl2 = data.indexOf(0x0a, end);
      if (nl2 < 0) return -1;
      end = nl2 + 1;
    }
  } else if (n === -2) end = p + 1 + (data[p] ?? 0);
  else if (n === -3 || n === -4) {
    if (p + 4 > data.length) return -1;
    const len = n === -3 ? view.getInt32(p, true) : view.getUint32(p, true);
    end = p + 4 + Math.max(0, len);
  } else {
    if (p + 8 > data.length) return -1;
    end = p + 8 + view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
  }
  return end <= data.length ? end : -1;
}

/** Whether a persistent id is a tuple of the shape: its tag, a class of the list, one of the lengths. */
function matchesShape(shape: PersistentIdShape, pid: Val): boolean {
  if (pid.k !== 'tuple' || !shape.lengths.includes(pid.items.length)) return false;
  const [kind, cls] = pid.items;
  return (
    kind?.k === 'str' &&
    kind.s === shape.tag &&
    cls?.k === 'glob' &&
    shape.classes.includes(`${cls.ref.module}.${cls.ref.name}`)
  );
}
