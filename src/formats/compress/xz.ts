/**
 * The `.xz` container: streams of blocks filtered by LZMA2, each block's
 * check (none, CRC-32, CRC-64 or SHA-256) verified, the index and the stream
 * footer checked against the blocks read. Other filters (BCJ, delta) are
 * refused with a clear message; Python's `lzma` module never writes them
 * unless asked.
 *
 * @module
 */
import { crc32 } from '../zip.js';
import { crc64, sha256 } from './checks.js';
import { DecompressionError, type DecompressOptions, Output, resolveMaxOutput } from './errors.js';
import { LzmaDecoder } from './lzma.js';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];
const CHECK_NAMES: Record<number, string> = { 0: 'none', 1: 'CRC-32', 4: 'CRC-64', 10: 'SHA-256' };
const FILTER_NAMES: Record<number, string> = {
  3: 'delta',
  4: 'BCJ x86',
  5: 'BCJ PowerPC',
  6: 'BCJ IA-64',
  7: 'BCJ ARM',
  8: 'BCJ ARM-Thumb',
  9: 'BCJ SPARC',
  10: 'BCJ ARM64',
  11: 'BCJ RISC-V',
};

/** True when `data` starts with the xz magic. */
export function isXz(data: Uint8Array, offset = 0): boolean {
  if (data.length < offset + 6) return false;
  for (let i = 0; i < 6; i++) if (data[offset + i] !== MAGIC[i]) return false;
  return true;
}

function fail(reason: string, offset: number, truncated = false): never {
  throw new DecompressionError('xz', reason, offset, { truncated });
}

function u32(d: Uint8Array, p: number): number {
  return (d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24)) >>> 0;
}

/** Reads a variable-length integer; returns [value, next offset]. */
function vli(d: Uint8Array, p: number, end: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    if (p >= end) fail('input ends inside a variable-length integer', p, end >= d.length);
    const b = d[p++]!;
    v += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) fail('variable-length integer not in its shortest form', p - 1);
      if (v > Number.MAX_SAFE_INTEGER) fail('variable-length integer too large', p - 1);
      return [v, p];
    }
  }
  return fail('variable-length integer longer than 9 bytes', p);
}

/**
 * Decompresses `.xz` data, as Python's `lzma.decompress` does: concatenated
 * streams and stream padding are one output; bytes after the last stream
 * that do not start another stream are ignored.
 *
 * @param data the compressed bytes.
 * @param options `maxOutput` caps the output (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for malformed, truncated or too large input, a check that does not
 *   match, or an unsupported filter or check type.
 * @example
 * ```ts
 * import { unxz } from 'brine';
 * // Python: joblib.dump(model, 'model.joblib.xz'), a pickle in an .xz stream
 * const pickle = unxz(readFixture('test/fixtures/sklearn/DecisionTreeClassifier.joblib.xz'));
 * pickle[0]; // 0x80, the PROTO opcode a pickle starts with
 * ```
 */
export function unxz(data: Uint8Array, options?: DecompressOptions): Uint8Array {
  const out = new Output('xz', resolveMaxOutput('xz', options), data.length * 4);
  let pos = 0;
  let streams = 0;
  for (;;) {
    if (streams > 0) {
      while (pos + 4 <= data.length && u32(data, pos) === 0) pos += 4;
      if (!isXz(data, pos)) break;
    }
    pos = readStream(data, pos, out);
    streams++;
  }
  return out.result();
}

function readStream(d: Uint8Array, start: number, out: Output): number {
  if (d.length < start + 12) {
    if (!isXz(d, start) && d.length >= start + 6) fail('not an xz stream', start);
    fail('input ends inside the stream header', start, true);
  }
  if (!isXz(d, start)) fail('not an xz stream', start);
  const flags = start + 6;
  if (crc32(d.subarray(flags, flags + 2)) !== u32(d, flags + 2))
    fail('stream header CRC does not match', flags);
  if (d[flags] !== 0 || d[flags + 1]! > 0x0f) fail('unsupported stream flags', flags);
  const check = d[flags + 1]!;
  if (!(check in CHECK_NAMES)) fail(`unsupported check type ${check}`, flags + 1);
  const checkSize = CHECK_SIZES[check]!;
  let pos = start + 12;
  const records: [number, number][] = [];
  for (;;) {
    if (pos >= d.length) fail('input ends before the index', pos, true);
    if (d[pos] === 0) break;
    const blockStart = pos;
    const headerSize = (d[pos]! + 1) * 4;
    if (pos + headerSize > d.length) fail('input ends inside a block header', pos, true);
    const hEnd = pos + headerSize - 4;
    if (crc32(d.subarray(pos, hEnd)) !== u32(d, hEnd)) fail('block header CRC does not match', pos);
    const bflags = d[pos + 1]!;
    if (bflags & 0x3c) fail('reserved block flags set', pos + 1);
    const nFilters = (bflags & 3) + 1;
    let p = pos + 2;
    let compressedSize: number | undefined;
    let uncompressedSize: number | undefined;
    if (bflags & 0x40) [compressedSize, p] = vli(d, p, hEnd);
    if (bflags & 0x80) [uncompressedSize, p] = vli(d, p, hEnd);
    let dictProps = -1;
    for (let i = 0; i < nFilters; i++) {
      let id: number;
      let propSize: number;
      const at = p;
      [id, p] = vli(d, p, hEnd);
      [propSize, p] = vli(d, p, hEnd);
      if (p + propSize > hEnd) fail('filter properties run past the block header', p);
      if (id !== 0x21) {
        const name = FILTER_NAMES[id];
        fail(
          `filter ${name === undefined ? `0x${id.toString(16)}` : name} is not supported (only LZMA2)`,
          at,
        );
      }
      if (i !== nFilters - 1) fail('LZMA2 must be the last filter', at);
      if (propSize !== 1) fail('LZMA2 properties must be one byte', at);
      dictProps = d[p]!;
      if (dictProps > 40) fail(`invalid LZMA2 dictionary size ${dictProps}`, p);
      p += propSize;
    }
    for (; p < hEnd; p++) if (d[p] !== 0) fail('block header padding is not zero', p);
    const dataStart = blockStart + headerSize;
    const outStart = out.pos;
    const dataEnd = readLzma2(d, dataStart, out);
    const packed = dataEnd - dataStart;
    const unpacked = out.pos - outStart;
    if (compressedSize !== undefined && compressedSize !== packed) {
      fail(`block declares ${compressedSize} compressed bytes but holds ${packed}`, blockStart);
    }
    if (uncompressedSize !== undefined && uncompressedSize !== unpacked) {
      fail(`block declares ${uncompressedSize} bytes but decodes to ${unpacked}`, blockStart);
    }
    pos = dataEnd;
    while (pos & 3) {
      if (pos >= d.length) fail('input ends inside block padding', pos, true);
      if (d[pos] !== 0) fail('block padding is not zero', pos);
      pos++;
    }
    if (pos + checkSize > d.length) fail('input ends inside a block check', pos, true);
    if (check !== 0) {
      const content = out.buf.subarray(outStart, out.pos);
      let ok: boolean;
      if (check === 1) ok = crc32(content) === u32(d, pos);
      else {
        const want = check === 4 ? crc64(content) : sha256(content);
        ok = want.every((b, i) => d[pos + i] === b);
      }
      if (!ok) fail(`${CHECK_NAMES[check]} check does not match the data`, pos);
    }
    pos += checkSize;
    records.push([headerSize + packed + checkSize, unpacked]);
  }
  // Index.
  const indexStart = pos;
  const [count, afterCount] = vli(d, pos + 1, d.length);
  let p = afterCount;
  if (count !== records.length)
    fail(`index lists ${count} blocks, the stream holds ${records.length}`, pos + 1);
  for (const [unpadded, unpacked] of records) {
    let a: number;
    let b: number;
    const at = p;
    [a, p] = vli(d, p, d.length);
    [b, p] = vli(d, p, d.length);
    if (a !== unpadded || b !== unpacked) fail('index does not match the blocks', at);
  }
  while ((p - indexStart) & 3) {
    if (p >= d.length) fail('input ends inside the index', p, true);
    if (d[p] !== 0) fail('index padding is not zero', p);
    p++;
  }
  if (p + 4 > d.length) fail('input ends inside the index', p, true);
  if (crc32(d.subarray(indexStart, p)) !== u32(d, p)) fail('index CRC does not match', p);
  p += 4;
  // Footer.
  if (p + 12 > d.length) fail('input ends inside the stream footer', p, true);
  if (crc32(d.subarray(p + 4, p + 10)) !== u32(d, p)) fail('stream footer CRC does not match', p);
  const backward = (u32(d, p + 4) + 1) * 4;
  if (backward !== p - indexStart) fail('stream footer backward size does not match the index', p + 4);
  if (d[p + 8] !== d[flags] || d[p + 9] !== d[flags + 1])
    fail('stream footer flags differ from the header', p + 8);
  if (d[p + 10] !== 0x59 || d[p + 11] !== 0x5a) fail('stream footer magic missing', p + 10);
  return p + 12;
}

/** Decodes the LZMA2 chunks starting at `pos`; returns the offset after the end chunk. */
function readLzma2(d: Uint8Array, pos: number, out: Output): number {
  const dec = new LzmaDecoder(out, 'xz');
  let needDict = true;
  let needProps = true;
  let needState = true;
  for (;;) {
    if (pos >= d.length) fail('input ends inside LZMA2 data', pos, true);
    const at = pos;
    const c = d[pos++]!;
    if (c === 0) return pos;
    if (c === 1 || c === 2) {
      if (c === 2 && needDict) fail('LZMA2 chunk without the dictionary reset the stream starts with', at);
      if (c === 1) {
        dec.dictStart = out.pos;
        needDict = false;
        needState = true;
      }
      if (pos + 2 > d.length) fail('input ends inside an LZMA2 chunk header', pos, true);
      const size = ((d[pos]! << 8) | d[pos + 1]!) + 1;
      pos += 2;
      if (pos + size > d.length) fail('input ends inside an uncompressed LZMA2 chunk', d.length, true);
      out.reserve(size);
      out.buf.set(d.subarray(pos, pos + size), out.pos);
      out.pos += size;
      pos += size;
      continue;
    }
    if (c < 0x80) fail(`invalid LZMA2 control byte 0x${c.toString(16)}`, at);
    if (pos + 4 > d.length) fail('input ends inside an LZMA2 chunk header', pos, true);
    const usize = (c & 0x1f) * 65536 + ((d[pos]! << 8) | d[pos + 1]!) + 1;
    const psize = ((d[pos + 2]! << 8) | d[pos + 3]!) + 1;
    pos += 4;
    const reset = (c >>> 5) & 3;
    if (needDict && reset !== 3) fail('LZMA2 chunk without the dictionary reset the stream starts with', at);
    if (reset === 3) {
      dec.dictStart = out.pos;
      needDict = false;
    }
    if (reset >= 2) {
      if (pos >= d.length) fail('input ends inside an LZMA2 chunk header', pos, true);
      if (!dec.setProperties(d[pos]!)) fail(`invalid LZMA properties 0x${d[pos]!.toString(16)}`, pos);
      pos++;
      needProps = false;
    } else if (needProps) fail('LZMA2 chunk without properties', at);
    if (reset >= 1) {
      dec.resetState();
      needState = false;
    } else if (needState) fail('LZMA2 chunk without the state reset it needs', at);
    const end = pos + psize;
    dec.initRange(d, pos, Math.min(end, d.length));
    if (end > d.length) {
      // Decode what is there for a precise error, which will be a truncation.
      dec.decode(usize, false);
      fail('input ends inside an LZMA2 chunk', d.length, true);
    }
    dec.decode(usize, false);
    if (dec.inPos !== end || !dec.rangeFinished)
      fail('LZMA2 chunk does not end where its size says', dec.inPos);
    pos = end;
  }
}
