/**
 * Decompression in pure TypeScript, for Node and the browser: DEFLATE with
 * its zlib and gzip wrappers, bzip2, xz and `.lzma`. Synchronous, one pass,
 * linear in the input, every output bounded by `maxOutput` (1 GiB unless
 * told), every error a {@link DecompressionError} with the offset.
 *
 * @module
 */
import { bunzip2, isBzip2 } from './bzip2.js';
import {
  type CompressionFormat,
  DecompressionError,
  type DecompressOptions,
  resolveMaxOutput,
} from './errors.js';
import { gunzip, inflateRaw, isZlibHeader, zlibDecompress } from './inflate.js';
import { isLzmaAlone, unlzma } from './lzma.js';
import { isXz, unxz } from './xz.js';

export { bunzip2 } from './bzip2.js';
export { crc64, sha256 } from './checks.js';
export {
  type CompressionFormat,
  DEFAULT_MAX_OUTPUT,
  DecompressionError,
  type DecompressOptions,
  type ErrorFormat,
} from './errors.js';
export { adler32, gunzip, inflateRaw, zlibDecompress } from './inflate.js';
export { unlzma } from './lzma.js';
export { unxz } from './xz.js';

/**
 * Says which compression format `data` starts with, from its magic bytes:
 * `'gzip'` (`1f 8b 08`), `'zlib'` (`78` and a valid check byte: the 32 KiB
 * window every common writer uses), `'bz2'` (`BZh1`-`BZh9` then a block or
 * end magic), `'xz'` (`fd 37 7a 58 5a 00`), `'lzma'` (`.lzma` files:
 * `5d 00`, the default properties, as joblib checks), `'zstd'`
 * (`28 b5 2f fd`) or `'lz4'` (`04 22 4d 18`), and `undefined` for anything
 * else (a pickle never starts like any of them). zstd and lz4 are recognised
 * but {@link decompress} does not decode them.
 *
 * @param data the first bytes of a file (at least 13 for `.lzma`).
 * @returns the format, or `undefined`.
 * @example
 * ```ts
 * import { sniffCompression } from 'brine';
 * sniffCompression(new Uint8Array([0x1f, 0x8b, 8, 0])); // 'gzip'
 * sniffCompression(new Uint8Array([0x80, 5, 0x4b, 1, 0x2e])); // undefined
 * ```
 */
export function sniffCompression(data: Uint8Array): CompressionFormat | undefined {
  if (data.length < 2) return undefined;
  const b0 = data[0]!;
  const b1 = data[1]!;
  if (b0 === 0x1f && b1 === 0x8b && data[2] === 8) return 'gzip';
  if (b0 === 0x78 && isZlibHeader(data) && (b1 & 0x20) === 0) return 'zlib';
  if (isBzip2(data)) return 'bz2';
  if (isXz(data)) return 'xz';
  if (isLzmaAlone(data)) return 'lzma';
  if (b0 === 0x28 && b1 === 0xb5 && data[2] === 0x2f && data[3] === 0xfd) return 'zstd';
  if (b0 === 0x04 && b1 === 0x22 && data[2] === 0x4d && data[3] === 0x18) return 'lz4';
  return undefined;
}

/** Options of {@link decompress}. */
export interface DecompressAnyOptions extends DecompressOptions {
  /** The format, when known; by default {@link sniffCompression} decides. `'deflate'` is raw deflate. */
  format?: CompressionFormat;
}

/**
 * Decompresses gzip, zlib, raw deflate, bzip2, xz or `.lzma` data, the
 * format taken from `options.format` or sniffed from the magic bytes. As
 * Python's modules do: gzip members, bzip2 and xz streams that follow each
 * other are one output.
 *
 * @param data the compressed bytes.
 * @param options `format` (default: sniffed) and `maxOutput` (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for an unknown or unsupported format (zstd, lz4), malformed,
 *   truncated or too large input, or a checksum that does not match.
 * @example Read a gzipped pickle
 * ```ts
 * import { decompress, dumps, loads } from 'brine';
 * import { gzipSync } from 'node:zlib';
 * const gz = gzipSync(dumps({ a: [1, 2] }));
 * loads(decompress(gz, { maxOutput: 1 << 20 })); // { a: [1, 2] }
 * ```
 */
export function decompress(data: Uint8Array, options?: DecompressAnyOptions): Uint8Array {
  const format = options?.format ?? sniffCompression(data);
  if (format === undefined) {
    throw new DecompressionError(
      'gzip',
      'not a compressed format brine knows (gzip, zlib, bz2, xz, lzma)',
      0,
    );
  }
  resolveMaxOutput(format, options);
  switch (format) {
    case 'gzip':
      return gunzip(data, options);
    case 'zlib':
      return zlibDecompress(data, options);
    case 'deflate':
      return inflateRaw(data, options);
    case 'bz2':
      return bunzip2(data, options);
    case 'xz':
      return unxz(data, options);
    case 'lzma':
      return unlzma(data, options);
    case 'zstd':
    case 'lz4':
      throw new DecompressionError(
        format,
        `${format} is recognised but not supported: decompress it first (for example with the ${format} command, or Python's ${format === 'zstd' ? 'zstandard' : 'lz4'} package)`,
        0,
      );
    default:
      throw new DecompressionError(format, `unknown format ${String(format)}`);
  }
}
