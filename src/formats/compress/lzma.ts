/**
 * LZMA decoder (the range coder, literal, match and repeat-match models),
 * shared by the `.lzma` ("LZMA alone") format and by LZMA2 inside `.xz`. The
 * output is the dictionary: every distance is checked against the bytes
 * written since the last dictionary reset.
 *
 * @module
 */
import {
  type CompressionFormat,
  DecompressionError,
  type DecompressOptions,
  Output,
  resolveMaxOutput,
} from './errors.js';

const NUM_STATES = 12;
const POS_STATES_MAX = 16;
const END_POS_MODEL_INDEX = 14;
const NUM_FULL_DISTANCES = 128;
const NUM_ALIGN_BITS = 4;
const MATCH_MIN_LEN = 2;
const TOP = 0x1000000;

class LengthModel {
  choice = new Uint16Array(2);
  low = new Uint16Array(POS_STATES_MAX << 3);
  mid = new Uint16Array(POS_STATES_MAX << 3);
  high = new Uint16Array(256);
  reset(): void {
    this.choice.fill(1024);
    this.low.fill(1024);
    this.mid.fill(1024);
    this.high.fill(1024);
  }
}

/** Decodes LZMA data into an {@link Output}. Properties and state survive between calls (LZMA2 chunks). */
export class LzmaDecoder {
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private literal = new Uint16Array(0x300);
  private readonly isMatch = new Uint16Array(NUM_STATES << 4);
  private readonly isRep = new Uint16Array(NUM_STATES);
  private readonly isRepG0 = new Uint16Array(NUM_STATES);
  private readonly isRepG1 = new Uint16Array(NUM_STATES);
  private readonly isRepG2 = new Uint16Array(NUM_STATES);
  private readonly isRep0Long = new Uint16Array(NUM_STATES << 4);
  private readonly posSlot = new Uint16Array(4 << 6);
  private readonly posSpecial = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX);
  private readonly align = new Uint16Array(1 << NUM_ALIGN_BITS);
  private readonly lenModel = new LengthModel();
  private readonly repLenModel = new LengthModel();
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  // Range decoder.
  private range = 0;
  private code = 0;
  private input: Uint8Array = new Uint8Array(0);
  /** Next input byte. */
  inPos = 0;
  private inEnd = 0;
  /** Where the dictionary starts in the output (the last dictionary reset). */
  dictStart = 0;
  readonly out: Output;
  private readonly format: CompressionFormat;

  constructor(out: Output, format: CompressionFormat) {
    this.out = out;
    this.format = format;
  }

  /** Sets lc, lp and pb from the properties byte; returns false when it is invalid. */
  setProperties(props: number): boolean {
    if (props >= 9 * 5 * 5) return false;
    const lc = props % 9;
    const rest = (props / 9) | 0;
    const lp = rest % 5;
    const pb = (rest / 5) | 0;
    if (this.format === 'xz' && lc + lp > 4) return false;
    this.lc = lc;
    this.lp = lp;
    this.pb = pb;
    const size = 0x300 << (lc + lp);
    if (this.literal.length !== size) this.literal = new Uint16Array(size);
    return true;
  }

  /** Resets the probabilities and the match state. */
  resetState(): void {
    this.literal.fill(1024);
    this.isMatch.fill(1024);
    this.isRep.fill(1024);
    this.isRepG0.fill(1024);
    this.isRepG1.fill(1024);
    this.isRepG2.fill(1024);
    this.isRep0Long.fill(1024);
    this.posSlot.fill(1024);
    this.posSpecial.fill(1024);
    this.align.fill(1024);
    this.lenModel.reset();
    this.repLenModel.reset();
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  private fail(reason: string, truncated = false): never {
    throw new DecompressionError(this.format, reason, Math.min(this.inPos, this.input.length), { truncated });
  }

  /** Starts the range decoder on `input[start, end)`. */
  initRange(input: Uint8Array, start: number, end: number): void {
    this.input = input;
    this.inPos = start;
    this.inEnd = end;
    if (start + 5 > end) this.fail('input ends inside the range coder header', end >= input.length);
    if (input[start] !== 0) this.fail('range coder header does not start with 0');
    this.code =
      ((input[start + 1]! << 24) |
        (input[start + 2]! << 16) |
        (input[start + 3]! << 8) |
        input[start + 4]!) >>>
      0;
    this.range = 0xffffffff;
    this.inPos = start + 5;
    if (this.code === this.range) this.fail('invalid range coder header');
  }

  /** True when the range decoder ended cleanly (its code is zero). */
  get rangeFinished(): boolean {
    return this.code === 0;
  }

  private bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if (this.range < TOP) {
      if (this.inPos >= this.inEnd) this.fail('input ends inside LZMA data', this.inEnd >= this.input.length);
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.input[this.inPos++]!) >>> 0;
    }
    return b;
  }

  private direct(count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      v = v * 2 + b;
      if (this.range < TOP) {
        if (this.inPos >= this.inEnd)
          this.fail('input ends inside LZMA data', this.inEnd >= this.input.length);
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.input[this.inPos++]!) >>> 0;
      }
    }
    return v;
  }

  private tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  private reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let v = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      v |= b << i;
    }
    return v;
  }

  private length(model: LengthModel, posState: number): number {
    if (this.bit(model.choice, 0) === 0) return this.tree(model.low, posState << 3, 3);
    if (this.bit(model.choice, 1) === 0) return 8 + this.tree(model.mid, posState << 3, 3);
    return 16 + this.tree(model.high, 0, 8);
  }

  private distance(len: number): number {
    const lenState = Math.min(len, 3);
    const slot = this.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** directBits;
    if (slot < END_POS_MODEL_INDEX) {
      dist += this.reverseTree(this.posSpecial, dist - slot, directBits);
    } else {
      dist += this.direct(directBits - NUM_ALIGN_BITS) * 16;
      dist += this.reverseTree(this.align, 0, NUM_ALIGN_BITS);
    }
    return dist;
  }

  /**
   * Decodes until `size` more bytes are written (when `size` is a number) or
   * until the end marker (`size` undefined). Returns true when an end marker
   * was read. With a size, an end marker is accepted only when `marker` is
   * true and is read only if present before the size is reached.
   */
  decode(size: number | undefined, marker: boolean): boolean {
    const out = this.out;
    const stop = size === undefined ? Number.POSITIVE_INFINITY : out.pos + size;
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    const literal = this.literal;
    const dictStart = this.dictStart;
    let buf = out.buf;
    let pos = out.pos;
    let state = this.state;
    try {
      while (pos < stop) {
        const rel = pos - dictStart;
        const posState = rel & pbMask;
        if (this.bit(this.isMatch, (state << 4) | posState) === 0) {
          const prev = rel > 0 ? buf[pos - 1]! : 0;
          const base = 0x300 * (((rel & lpMask) << lc) + (prev >>> (8 - lc)));
          let sym = 1;
          if (state >= 7) {
            let match = buf[pos - this.rep0 - 1]!;
            do {
              const mb = (match >>> 7) & 1;
              match <<= 1;
              const b = this.bit(literal, base + ((1 + mb) << 8) + sym);
              sym = (sym << 1) | b;
              if (mb !== b) break;
            } while (sym < 0x100);
          }
          while (sym < 0x100) sym = (sym << 1) | this.bit(literal, base + sym);
          if (pos >= buf.length) {
            out.pos = pos;
            out.reserve(1);
            buf = out.buf;
          }
          buf[pos++] = sym & 0xff;
          state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
          continue;
        }
        let len: number;
        if (this.bit(this.isRep, state) === 0) {
          len = this.length(this.lenModel, posState);
          state = state < 7 ? 7 : 10;
          const dist = this.distance(len);
          if (dist === 0xffffffff) {
            if (size !== undefined && !marker) this.fail('end marker where none is allowed');
            out.pos = pos;
            this.state = state;
            return true;
          }
          this.rep3 = this.rep2;
          this.rep2 = this.rep1;
          this.rep1 = this.rep0;
          this.rep0 = dist;
        } else {
          if (rel === 0) this.fail('repeated match before any output');
          if (this.bit(this.isRepG0, state) === 0) {
            if (this.bit(this.isRep0Long, (state << 4) | posState) === 0) {
              state = state < 7 ? 9 : 11;
              if (this.rep0 >= rel) this.fail(`distance ${this.rep0 + 1} reaches before the dictionary`);
              if (pos >= buf.length) {
                out.pos = pos;
                out.reserve(1);
                buf = out.buf;
              }
              buf[pos] = buf[pos - this.rep0 - 1]!;
              pos++;
              continue;
            }
          } else {
            let dist: number;
            if (this.bit(this.isRepG1, state) === 0) {
              dist = this.rep1;
            } else {
              if (this.bit(this.isRepG2, state) === 0) {
                dist = this.rep2;
              } else {
                dist = this.rep3;
                this.rep3 = this.rep2;
              }
              this.rep2 = this.rep1;
            }
            this.rep1 = this.rep0;
            this.rep0 = dist;
          }
          len = this.length(this.repLenModel, posState);
          state = state < 7 ? 8 : 11;
        }
        len += MATCH_MIN_LEN;
        const distance = this.rep0 + 1;
        if (distance > rel) this.fail(`distance ${distance} reaches before the dictionary`);
        if (pos + len > stop) this.fail('match runs past the declared size');
        if (pos + len > buf.length) {
          out.pos = pos;
          out.reserve(len);
          buf = out.buf;
        }
        let from = pos - distance;
        const end = pos + len;
        if (distance >= len) {
          buf.copyWithin(pos, from, end - distance);
          pos = end;
        } else {
          while (pos < end) buf[pos++] = buf[from++]!;
        }
      }
    } catch (error) {
      out.pos = pos;
      throw error;
    }
    out.pos = pos;
    this.state = state;
    return false;
  }
}

/** True when `data` starts like an `.lzma` ("LZMA alone") file as LZMA utils and Python write it. */
export function isLzmaAlone(data: Uint8Array, offset = 0): boolean {
  if (data.length < offset + 13) return false;
  // lc=3, lp=0, pb=2 (every encoder's default) and a dictionary size whose low byte is 0, as joblib checks.
  if (data[offset] !== 0x5d || data[offset + 1] !== 0x00) return false;
  // An unknown size (all ones) or a size below 2^56.
  return data[offset + 12] === 0xff || data[offset + 12] === 0x00;
}

/**
 * Decompresses an `.lzma` file ("LZMA alone", the format of LZMA utils and of
 * Python's `lzma.FORMAT_ALONE`): a 13-byte header (properties, dictionary
 * size, uncompressed size or all ones) then LZMA data, ending at the size or
 * at the end marker. Bytes after the stream are ignored, as Python does.
 *
 * @param data the compressed bytes.
 * @param options `maxOutput` caps the output (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for malformed, truncated or too large input.
 * @example
 * ```ts
 * import { unlzma } from 'brine';
 * // Python: joblib.dump(model, 'model.joblib.lzma'), a pickle in an .lzma (LZMA-alone) stream
 * const pickle = unlzma(readFixture('test/fixtures/sklearn/DecisionTreeClassifier.joblib.lzma'));
 * pickle[0]; // 0x80, the PROTO opcode a pickle starts with
 * ```
 */
export function unlzma(data: Uint8Array, options?: DecompressOptions): Uint8Array {
  const max = resolveMaxOutput('lzma', options);
  if (data.length < 13)
    throw new DecompressionError('lzma', 'input ends inside the header', 0, { truncated: true });
  const lo = (data[5]! | (data[6]! << 8) | (data[7]! << 16) | (data[8]! << 24)) >>> 0;
  const hi = (data[9]! | (data[10]! << 8) | (data[11]! << 16) | (data[12]! << 24)) >>> 0;
  let size: number | undefined;
  if (lo === 0xffffffff && hi === 0xffffffff) size = undefined;
  else {
    size = hi * 2 ** 32 + lo;
    if (size > max) {
      throw new DecompressionError(
        'lzma',
        `header declares ${size} bytes, more than maxOutput (${max} bytes)`,
        5,
        { tooLarge: true },
      );
    }
  }
  // The declared size is a claim: preallocate at most what the input could plausibly expand to.
  const out = new Output('lzma', max, Math.min(size ?? data.length * 4, data.length * 8));
  const dec = new LzmaDecoder(out, 'lzma');
  if (!dec.setProperties(data[0]!))
    throw new DecompressionError('lzma', `invalid properties byte ${data[0]}`, 0);
  dec.resetState();
  dec.initRange(data, 13, data.length);
  const ended = dec.decode(size, true);
  if (size === undefined && !ended) throw new DecompressionError('lzma', 'no end marker', dec.inPos);
  return out.result();
}
