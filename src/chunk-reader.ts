/**
 * Pickles from bytes that arrive in pieces: a push-based reader that buffers
 * chunks, finds where each pickle ends with a light scan of its opcodes, and
 * loads a pickle once it is complete. Memory stays bounded by the largest
 * single pickle plus a chunk, whatever the length of the stream. It uses no
 * Node module (the file helpers of `brine/node` drive it).
 *
 * @module
 */
import { UnpicklingError } from './errors.js';
import { OPCODE_BY_CODE } from './opcodes.js';
import type { LoadOptions } from './options.js';
import { withTextModeHint } from './text-mode.js';
import { Unpickler } from './unpickler.js';

/** The smallest buffer the reader allocates. */
const MIN_CAPACITY = 64 * 1024;

/** pickletools' argument size of each opcode byte (see OpcodeInfo.argBytes), NOT_OPCODE for other bytes. */
const NOT_OPCODE = -100;
const ARG_BYTES = (() => {
  const table = new Int32Array(256).fill(NOT_OPCODE);
  for (let code = 0; code < 256; code++) {
    const info = OPCODE_BY_CODE[code];
    if (info !== undefined) table[code] = info.argBytes;
  }
  return table;
})();

const STOP = 0x2e;
const NEWLINE = 0x0a;
const GLOBAL = 0x63;
const INST = 0x69;

/** Options of {@link PickleChunkReader}: how to load, and a size limit for untrusted streams. */
export interface ChunkReaderOptions extends LoadOptions {
  /**
   * The largest single pickle accepted, in bytes: a pickle that is (or says it
   * will be) larger is an error as soon as that is known, instead of being
   * buffered while it arrives. Default: no limit (a pickle of any size loads,
   * as in Python). Not applied with `keepMemo`, which keeps the whole input.
   */
  maxPickleSize?: number;
}

/** What {@link PickleChunkReader.read} returns for a complete pickle. */
export interface ReadResult {
  /** The loaded value. */
  readonly value: unknown;
  /** Offset of the pickle's first byte in the whole stream. */
  readonly offset: number;
  /** Length of the pickle in bytes. */
  readonly length: number;
}

/**
 * Loads pickles written one after the other (Python's `pickle.dump` called
 * repeatedly on one file) from bytes given in chunks of any size. Push each
 * chunk with {@link PickleChunkReader.push}, then call
 * {@link PickleChunkReader.read} until it returns `undefined` (more bytes
 * needed); call {@link PickleChunkReader.end} when the input ends.
 *
 * Each pickle is scanned once, opcode by opcode, resuming where the previous
 * chunk stopped: a pickle arriving in a million one-byte chunks costs one
 * pass, not a million. It is then loaded once, with a fresh memo (as repeated
 * `pickle.load` calls do). Bytes of loaded pickles are dropped, and a buffer
 * is never written again once a pickle was loaded from it (loaded bytes
 * values are views into it, unless `copyBytes` is set).
 *
 * With `keepMemo`, later pickles may refer to objects of earlier ones, so the
 * whole input is kept and loaded by one {@link Unpickler} when it ends.
 *
 * @example Feed chunks as they arrive
 * ```ts
 * import { PickleChunkReader } from 'brine';
 * declare const chunks: Uint8Array[];
 * const reader = new PickleChunkReader();
 * const values = [];
 * for (const chunk of chunks) {
 *   reader.push(chunk);
 *   for (let r = reader.read(); r !== undefined; r = reader.read()) values.push(r.value);
 * }
 * reader.end();
 * for (let r = reader.read(); r !== undefined; r = reader.read()) values.push(r.value);
 * ```
 */
export class PickleChunkReader {
  readonly #options: ChunkReaderOptions | undefined;
  readonly #keepMemo: boolean;
  readonly #maxPickleSize: number;
  /** The buffer; bytes [#start, #end) are buffered and not loaded yet. */
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** Stream offset of `#buf[0]`. */
  #base = 0;
  /** Index in `#buf` of the next opcode to scan (at least `#start`). */
  #scan = 0;
  /** The scan resumes only once `#end` reaches this. */
  #need = 0;
  /** For an opcode whose argument ends at a newline: where to go on looking for it (0: not in one). */
  #lineFrom = 0;
  /** Newlines still to find for that opcode (GLOBAL and INST have two lines). */
  #linesLeft = 0;
  #ended = false;
  #failed: unknown = null;
  #peakBuffered = 0;
  #peakCapacity = 0;
  /** With keepMemo: the one unpickler over the whole input, made when it ends. */
  #whole: Unpickler | null = null;

  /**
   * @param options see {@link LoadOptions} and `maxPickleSize`; `keepMemo` keeps the whole input
   *   (see the class description); `buffers` are taken in order across all
   *   the pickles (each NEXT_BUFFER takes the next one).
   */
  constructor(options?: ChunkReaderOptions) {
    const buffers = options?.buffers;
    if (buffers === undefined) {
      this.#options = options;
    } else {
      // One iterator for the whole input: each pickle takes the next buffers,
      // as when Python's pickle.load is given the same iterator every time.
      const shared = buffers[Symbol.iterator]();
      this.#options = { ...options, buffers: { [Symbol.iterator]: () => shared } };
    }
    this.#keepMemo = options?.keepMemo === true;
    this.#maxPickleSize = options?.maxPickleSize ?? Number.POSITIVE_INFINITY;
  }

  /** Bytes buffered and not yet loaded. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** The most bytes ever buffered at once. */
  get peakBuffered(): number {
    return this.#peakBuffered;
  }

  /** The largest buffer the reader allocated, in bytes. */
  get peakCapacity(): number {
    return this.#peakCapacity;
  }

  /** Stream offset of the first byte not loaded yet (where the next pickle starts). */
  get position(): number {
    return this.#whole === null ? this.#base + this.#start : this.#whole.position;
  }

  /**
   * Appends a chunk of input. The bytes are copied: the caller may reuse the chunk.
   *
   * @param chunk the next bytes of the input.
   * @throws {@link UnpicklingError} after {@link PickleChunkReader.end}.
   */
  push(chunk: Uint8Array): void {
    if (this.#ended) throw new UnpicklingError('input pushed after its end');
    const n = chunk.length;
    if (n === 0) return;
    if (this.#end + n > this.#buf.length) this.#grow(n);
    this.#buf.set(chunk, this.#end);
    this.#end += n;
    if (this.#end - this.#start > this.#peakBuffered) this.#peakBuffered = this.#end - this.#start;
  }

  /**
   * Marks the end of the input. Then {@link PickleChunkReader.read} loads the
   * last pickles and throws for bytes that do not make a whole one.
   */
  end(): void {
    this.#ended = true;
  }

  /** True once the input has ended and every byte was loaded. */
  get done(): boolean {
    if (!this.#ended) return false;
    return this.#whole === null ? this.#start >= this.#end : this.#whole.done;
  }

  /**
   * Loads the next complete pickle.
   *
   * @returns the value and where its pickle was in the stream, or `undefined`
   *   when more input is needed (or, after {@link PickleChunkReader.end}, when
   *   every pickle was read).
   * @throws {@link UnpicklingError} for bad input, with the offset in the whole
   *   stream; `truncated` when the input ended inside a pickle. The reader is
   *   then done: every later call throws the same error.
   */
  read(): ReadResult | undefined {
    if (this.#failed !== null) throw this.#failed;
    try {
      return this.#keepMemo ? this.#readKeepingMemo() : this.#read();
    } catch (error) {
      this.#failed = error;
      throw error;
    }
  }

  #read(): ReadResult | undefined {
    if (this.#start >= this.#end) return undefined;
    if (this.#end < this.#need && !this.#ended) return undefined;
    const stop = this.#findStop();
    // Bad or cut data: the loader says what is wrong, and at which offset.
    if (stop === -2 || (stop === -1 && this.#ended)) return this.#load(this.#end);
    if (stop === -1) {
      const size = Math.max(this.#need, this.#end) - this.#start;
      if (size > this.#maxPickleSize) {
        throw new UnpicklingError(
          `the pickle is larger than maxPickleSize (${this.#maxPickleSize} bytes): it needs at least ${size}`,
          this.#base + this.#start,
        );
      }
      return undefined;
    }
    return this.#load(stop);
  }

  /** Loads the pickle in [#start, stop) and moves past it. */
  #load(stop: number): ReadResult {
    const start = this.#start;
    const offset = this.#base + start;
    const data = this.#buf.subarray(start, stop);
    const unpickler = new Unpickler(data, this.#options);
    let value: unknown;
    try {
      value = unpickler.load();
    } catch (error) {
      if (error instanceof UnpicklingError) throw withTextModeHint(error, data, offset);
      throw error;
    }
    const length = unpickler.position;
    this.#start = start + length;
    this.#scan = this.#start;
    this.#need = 0;
    this.#lineFrom = 0;
    this.#linesLeft = 0;
    return { value, offset, length };
  }

  #readKeepingMemo(): ReadResult | undefined {
    if (!this.#ended) return undefined;
    if (this.#whole === null) {
      this.#whole = new Unpickler(this.#buf.subarray(0, this.#end), this.#options);
    }
    const whole = this.#whole;
    if (whole.done) return undefined;
    const offset = whole.position;
    try {
      const value = whole.load();
      return { value, offset, length: whole.position - offset };
    } catch (error) {
      if (error instanceof UnpicklingError) {
        throw withTextModeHint(error, this.#buf.subarray(0, this.#end), 0);
      }
      throw error;
    }
  }

  /**
   * Walks opcodes from `#scan` and returns the index just past the STOP that
   * ends the current pickle; -1 when more bytes are needed (`#need` then says
   * how many, or `#lineFrom` where a newline search stopped), -2 for a byte
   * that is not an opcode or a negative length (the loader reports it).
   */
  #findStop(): number {
    const buf = this.#buf;
    const end = this.#end;
    let pos = this.#scan;
    // One loop, no recursion: a text opcode starts a newline search and the walk goes on
    // after it (a recursive call per text opcode overflowed the stack on 10,000 of them).
    for (;;) {
      if (this.#linesLeft > 0) {
        // Resume a newline search where it stopped.
        let from = this.#lineFrom;
        while (this.#linesLeft > 0) {
          const found = buf.subarray(from, end).indexOf(NEWLINE);
          if (found < 0) {
            this.#lineFrom = end;
            this.#need = end + 1;
            return -1;
          }
          from += found + 1;
          this.#linesLeft--;
        }
        pos = from;
        this.#lineFrom = 0;
      }
      for (;;) {
        if (pos >= end) {
          this.#scan = pos;
          this.#need = pos + 1;
          return -1;
        }
        const op = buf[pos]!;
        if (op === STOP) {
          this.#scan = pos + 1;
          return pos + 1;
        }
        const size = ARG_BYTES[op]!;
        if (size === NOT_OPCODE) return -2;
        let next: number;
        if (size >= 0) {
          next = pos + 1 + size;
        } else if (size === -1) {
          this.#scan = pos;
          this.#linesLeft = op === GLOBAL || op === INST ? 2 : 1;
          this.#lineFrom = pos + 1;
          this.#need = 0;
          break;
        } else {
          const width = size === -2 ? 1 : size === -5 ? 8 : 4;
          if (pos + 1 + width > end) {
            this.#scan = pos;
            this.#need = pos + 1 + width;
            return -1;
          }
          let n: number;
          if (width === 1) {
            n = buf[pos + 1]!;
          } else if (width === 4) {
            n = readUint32(buf, pos + 1);
            if (size === -3 && n >= 0x80000000) return -2;
          } else {
            // An 8-byte length: what cannot be a safe integer can only be
            // waited for until the input ends (it is a truncation then).
            const low = readUint32(buf, pos + 1);
            const high = readUint32(buf, pos + 5);
            n = high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + low;
          }
          next = pos + 1 + width + n;
        }
        if (next > end) {
          this.#scan = pos;
          this.#need = next;
          return -1;
        }
        pos = next;
      }
    }
  }

  /** Makes room for `n` more bytes in a new buffer (the old one may back loaded values). */
  #grow(n: number): void {
    const live = this.#end - this.#start;
    const capacity = Math.max(MIN_CAPACITY, (live + n) * 2);
    const next = new Uint8Array(capacity);
    if (this.#keepMemo) {
      next.set(this.#buf.subarray(0, this.#end));
    } else {
      next.set(this.#buf.subarray(this.#start, this.#end));
      const shift = this.#start;
      this.#base += shift;
      this.#end -= shift;
      this.#scan -= shift;
      if (this.#need > 0) this.#need = Math.max(0, this.#need - shift);
      if (this.#lineFrom > 0) this.#lineFrom -= shift;
      this.#start = 0;
    }
    this.#buf = next;
    if (capacity > this.#peakCapacity) this.#peakCapacity = capacity;
  }
}

function readUint32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}
