/**
 * The error every decompressor raises, and the bounded output buffer they
 * write into.
 *
 * @module
 */
import { PickleError } from '../../errors.js';

/** A compression format {@link sniffCompression} recognises. */
export type CompressionFormat = 'gzip' | 'zlib' | 'deflate' | 'bz2' | 'xz' | 'lzma' | 'zstd' | 'lz4';

/** The format a {@link DecompressionError} names: `'unknown'` when no format was recognised. */
export type ErrorFormat = CompressionFormat | 'unknown';

/**
 * Raised for compressed input that cannot be decompressed: malformed or
 * truncated data, a checksum that does not match, a format brine recognises
 * but does not decode (zstd, lz4), or output larger than `maxOutput` (a
 * decompression bomb).
 */
export class DecompressionError extends PickleError {
  /** The format being decoded. */
  readonly format: ErrorFormat;
  /** Byte offset in the compressed input where the problem was found, when known. */
  readonly offset: number | undefined;
  /** The message without the format and offset. */
  readonly reason: string;
  /** True when the input ended before the compressed stream did. */
  readonly truncated: boolean;
  /** True when the output would exceed `maxOutput`. */
  readonly tooLarge: boolean;
  constructor(
    format: ErrorFormat,
    reason: string,
    offset?: number,
    flags?: { truncated?: boolean; tooLarge?: boolean },
  ) {
    super(
      offset === undefined
        ? `Cannot decompress ${format}: ${reason}`
        : `Cannot decompress ${format} at offset ${offset}: ${reason}`,
    );
    this.format = format;
    this.offset = offset;
    this.reason = reason;
    this.truncated = flags?.truncated === true;
    this.tooLarge = flags?.tooLarge === true;
  }
  override get name(): string {
    return 'DecompressionError';
  }
}

/** Default cap on decompressed output: 1 GiB. */
export const DEFAULT_MAX_OUTPUT = 1 << 30;

/** Options every decompressor takes. */
export interface DecompressOptions {
  /**
   * The most bytes the output may hold (default {@link DEFAULT_MAX_OUTPUT},
   * 1 GiB). Output beyond it raises a {@link DecompressionError} whose
   * `tooLarge` is true, before the memory is allocated.
   */
  maxOutput?: number;
}

/** Resolves `maxOutput`, refusing nonsense. */
export function resolveMaxOutput(format: CompressionFormat, options: DecompressOptions | undefined): number {
  const max = options?.maxOutput ?? DEFAULT_MAX_OUTPUT;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new DecompressionError(format, `maxOutput must be a non-negative integer, not ${String(max)}`);
  }
  // A Uint8Array cannot be longer than this in current engines.
  return Math.min(max, 2 ** 32);
}

/**
 * A growable output buffer that refuses to grow past `max`. Decoders write
 * `buf[pos++]` directly after `reserve(n)` (the window of LZ77 decoders is
 * the output itself).
 */
export class Output {
  buf: Uint8Array;
  pos = 0;
  readonly max: number;
  readonly format: CompressionFormat;
  constructor(format: CompressionFormat, max: number, hint: number) {
    this.format = format;
    this.max = max;
    this.buf = new Uint8Array(Math.max(0, Math.min(max, Math.max(hint, 1024))));
  }
  /** Makes room for `n` more bytes (or throws when that would exceed `max`). */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    if (need > this.max) {
      throw new DecompressionError(
        this.format,
        `output exceeds maxOutput (${this.max} bytes); raise maxOutput to accept it`,
        undefined,
        { tooLarge: true },
      );
    }
    let size = this.buf.length * 2;
    if (size < need) size = need;
    if (size > this.max) size = this.max;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  /** The bytes written, trimmed (a copy only when the buffer is much larger). */
  result(): Uint8Array {
    if (this.pos === this.buf.length) return this.buf;
    if (this.pos > this.buf.length * 0.75) return this.buf.subarray(0, this.pos);
    return this.buf.slice(0, this.pos);
  }
}
