/**
 * DEFLATE (RFC 1951) decoder: raw deflate, and the zlib (RFC 1950) and gzip
 * (RFC 1952) wrappers with their checksums checked. One pass over the input,
 * Huffman codes decoded through one lookup table per tree, the output used as
 * the window. Every claim is checked: code lengths that over-subscribe a tree,
 * a distance further back than the output, a stored length whose complement
 * does not match, input that ends early.
 *
 * @module
 */
import { crc32 } from '../zip.js';
import {
  type CompressionFormat,
  DecompressionError,
  type DecompressOptions,
  Output,
  resolveMaxOutput,
} from './errors.js';

const LEN_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
]);
const LEN_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
]);
const DIST_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
/** Order in which code length code lengths are sent. */
const CL_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

const REV8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = 0;
  for (let b = 0; b < 8; b++) if (i & (1 << b)) r |= 0x80 >>> b;
  REV8[i] = r;
}

/** A decoding table: `table[bits & mask]` is `symbol << 4 | length`, 0 for a bit pattern no code has. */
interface Huffman {
  table: Uint16Array;
  mask: number;
}

/**
 * Builds the table of a canonical Huffman code from its code lengths, or
 * returns a string saying why the lengths are invalid. Incomplete codes are
 * accepted (the missing patterns decode as invalid).
 */
function buildHuffman(lengths: Uint8Array, n: number): Huffman | string {
  const count = new Uint16Array(16);
  let maxBits = 0;
  for (let i = 0; i < n; i++) {
    const l = lengths[i]!;
    count[l]!++;
    if (l > maxBits) maxBits = l;
  }
  count[0] = 0;
  let left = 1;
  for (let l = 1; l < 16; l++) {
    left = (left << 1) - count[l]!;
    if (left < 0) return 'over-subscribed Huffman code';
  }
  const next = new Uint16Array(16);
  let code = 0;
  for (let l = 1; l < 16; l++) {
    code = (code + count[l - 1]!) << 1;
    next[l] = code;
  }
  const size = 1 << maxBits;
  const table = new Uint16Array(size);
  for (let s = 0; s < n; s++) {
    const l = lengths[s]!;
    if (l === 0) continue;
    const c = next[l]!++;
    const rev = ((REV8[c & 0xff]! << 8) | REV8[c >>> 8]!) >>> (16 - l);
    const entry = (s << 4) | l;
    for (let i = rev; i < size; i += 1 << l) table[i] = entry;
  }
  return { table, mask: size - 1 };
}

let fixedLit: Huffman | undefined;
let fixedDist: Huffman | undefined;

function fixedTables(): [Huffman, Huffman] {
  if (fixedLit === undefined || fixedDist === undefined) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixedLit = buildHuffman(l, 288) as Huffman;
    fixedDist = buildHuffman(new Uint8Array(30).fill(5), 30) as Huffman;
  }
  return [fixedLit, fixedDist];
}

/** The error for a problem at bit position `bp` (a function, so the decoder's locals stay in registers). */
function bad(
  format: CompressionFormat,
  reason: string,
  bp: number,
  length: number,
  truncated = false,
): DecompressionError {
  return new DecompressionError(format, reason, Math.min(bp >>> 3, length), { truncated });
}

/**
 * Inflates the raw deflate stream that starts at `start` in `input`, appending
 * to `out`. Distances may not reach before the output position at the call.
 *
 * @returns the byte offset just after the stream's final block.
 */
export function inflateInto(
  input: Uint8Array,
  start: number,
  out: Output,
  format: CompressionFormat = 'deflate',
): number {
  const d = input;
  const totalBits = d.length * 8;
  let bp = start * 8;
  let buf = out.buf;
  let op = out.pos;
  const windowStart = op;
  const lens = new Uint8Array(320);
  let final = 0;
  do {
    if (bp + 3 > totalBits) throw bad(format, 'input ends inside a block header', bp, d.length, true);
    let o = bp >>> 3;
    const head = ((d[o]! | (d[o + 1]! << 8)) >>> (bp & 7)) & 7;
    bp += 3;
    final = head & 1;
    const type = head >>> 1;
    if (type === 0) {
      bp = (bp + 7) & ~7;
      o = bp >>> 3;
      if (o + 4 > d.length) throw bad(format, 'input ends inside a stored block header', bp, d.length, true);
      const len = d[o]! | (d[o + 1]! << 8);
      const nlen = d[o + 2]! | (d[o + 3]! << 8);
      if ((len ^ 0xffff) !== nlen)
        throw bad(format, 'stored block length does not match its complement', bp, d.length);
      o += 4;
      if (o + len > d.length) {
        bp = o * 8;
        throw bad(format, 'input ends inside a stored block', bp, d.length, true);
      }
      out.pos = op;
      out.reserve(len);
      buf = out.buf;
      buf.set(d.subarray(o, o + len), op);
      op += len;
      bp = (o + len) * 8;
      continue;
    }
    if (type === 3) throw bad(format, 'invalid block type 3', bp, d.length);
    let lit: Huffman;
    let dist: Huffman;
    if (type === 1) {
      [lit, dist] = fixedTables();
    } else {
      if (bp + 14 > totalBits)
        throw bad(format, 'input ends inside a dynamic block header', bp, d.length, true);
      o = bp >>> 3;
      const h = (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16)) >>> (bp & 7);
      const hlit = (h & 31) + 257;
      const hdist = ((h >>> 5) & 31) + 1;
      const hclen = ((h >>> 10) & 15) + 4;
      bp += 14;
      if (hlit > 286) throw bad(format, `${hlit} literal/length codes, more than 286`, bp, d.length);
      if (hdist > 30) throw bad(format, `${hdist} distance codes, more than 30`, bp, d.length);
      const clLens = new Uint8Array(19);
      if (bp + hclen * 3 > totalBits)
        throw bad(format, 'input ends inside the code length code', bp, d.length, true);
      for (let i = 0; i < hclen; i++) {
        o = bp >>> 3;
        clLens[CL_ORDER[i]!] = ((d[o]! | (d[o + 1]! << 8)) >>> (bp & 7)) & 7;
        bp += 3;
      }
      const cl = buildHuffman(clLens, 19);
      if (typeof cl === 'string') throw bad(format, `code length code: ${cl}`, bp, d.length);
      const n = hlit + hdist;
      lens.fill(0);
      for (let i = 0; i < n; ) {
        o = bp >>> 3;
        const bits = (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16)) >>> (bp & 7);
        const e = cl.table[bits & cl.mask]!;
        const l = e & 15;
        if (l === 0) throw bad(format, 'invalid code length code', bp, d.length);
        bp += l;
        if (bp > totalBits) throw bad(format, 'input ends inside the code lengths', bp, d.length, true);
        const sym = e >>> 4;
        if (sym < 16) {
          lens[i++] = sym;
          continue;
        }
        let prev = 0;
        let rep: number;
        const x = bits >>> l;
        if (sym === 16) {
          if (i === 0) throw bad(format, 'code length repeat with no previous length', bp, d.length);
          prev = lens[i - 1]!;
          rep = 3 + (x & 3);
          bp += 2;
        } else if (sym === 17) {
          rep = 3 + (x & 7);
          bp += 3;
        } else {
          rep = 11 + (x & 127);
          bp += 7;
        }
        if (bp > totalBits) throw bad(format, 'input ends inside the code lengths', bp, d.length, true);
        if (i + rep > n) throw bad(format, 'code length repeat runs past the last code', bp, d.length);
        lens.fill(prev, i, i + rep);
        i += rep;
      }
      if (lens[256] === 0) throw bad(format, 'no code for end of block', bp, d.length);
      const lt = buildHuffman(lens.subarray(0, hlit), hlit);
      if (typeof lt === 'string') throw bad(format, `literal/length code: ${lt}`, bp, d.length);
      const dt = buildHuffman(lens.subarray(hlit, n), hdist);
      if (typeof dt === 'string') throw bad(format, `distance code: ${dt}`, bp, d.length);
      lit = lt;
      dist = dt;
    }
    const lt = lit.table;
    const lm = lit.mask;
    const dt = dist.table;
    const dm = dist.mask;
    let cap = buf.length;
    for (;;) {
      let o2 = bp >>> 3;
      // 25 bits: a 15-bit code and up to 5 extra length bits.
      let bits = (d[o2]! | (d[o2 + 1]! << 8) | (d[o2 + 2]! << 16) | (d[o2 + 3]! << 24)) >>> (bp & 7);
      const e = lt[bits & lm]!;
      const l = e & 15;
      if (l === 0) throw bad(format, 'invalid literal/length code', bp, d.length);
      bp += l;
      if (bp > totalBits) throw bad(format, 'input ends inside a block', bp, d.length, true);
      const sym = e >>> 4;
      if (sym < 256) {
        if (op >= cap) {
          out.pos = op;
          out.reserve(1);
          buf = out.buf;
          cap = buf.length;
        }
        buf[op++] = sym;
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) throw bad(format, `invalid length symbol ${sym}`, bp, d.length);
      let len = LEN_BASE[li]!;
      const le = LEN_EXTRA[li]!;
      if (le > 0) {
        len += (bits >>> l) & ((1 << le) - 1);
        bp += le;
      }
      o2 = bp >>> 3;
      bits = (d[o2]! | (d[o2 + 1]! << 8) | (d[o2 + 2]! << 16)) >>> (bp & 7);
      const de = dt[bits & dm]!;
      const dl = de & 15;
      if (dl === 0) throw bad(format, 'invalid distance code', bp, d.length);
      bp += dl;
      const ds = de >>> 4;
      if (ds >= 30) throw bad(format, `invalid distance symbol ${ds}`, bp, d.length);
      let distance = DIST_BASE[ds]!;
      const dx = DIST_EXTRA[ds]!;
      if (dx > 0) {
        o2 = bp >>> 3;
        distance += ((d[o2]! | (d[o2 + 1]! << 8) | (d[o2 + 2]! << 16)) >>> (bp & 7)) & ((1 << dx) - 1);
        bp += dx;
      }
      if (bp > totalBits) throw bad(format, 'input ends inside a block', bp, d.length, true);
      if (distance > op - windowStart)
        throw bad(format, `distance ${distance} reaches before the start of the output`, bp, d.length);
      if (op + len > cap) {
        out.pos = op;
        out.reserve(len);
        buf = out.buf;
        cap = buf.length;
      }
      let from = op - distance;
      if (len > 64 && distance >= len) {
        buf.copyWithin(op, from, from + len);
        op += len;
      } else {
        // Short copies (most matches) are faster by hand than through copyWithin's call.
        const end = op + len;
        while (op < end) buf[op++] = buf[from++]!;
      }
    }
  } while (final === 0);
  out.pos = op;
  return (bp + 7) >>> 3;
}

/**
 * Inflates raw DEFLATE data (no zlib or gzip header), as
 * `zlib.decompress(data, -15)` does. Bytes after the final block are ignored.
 *
 * @param data the compressed bytes.
 * @param options `maxOutput` caps the output (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for malformed, truncated or too large input.
 * @example
 * ```ts
 * import { inflateRaw } from 'brine';
 * inflateRaw(new Uint8Array([0x4b, 0x4c, 0x04, 0x00])); // bytes of 'aa'
 * ```
 */
export function inflateRaw(data: Uint8Array, options?: DecompressOptions): Uint8Array {
  const out = new Output('deflate', resolveMaxOutput('deflate', options), data.length * 4);
  inflateInto(data, 0, out, 'deflate');
  return out.result();
}

/** Adler-32 of `bytes` (zlib's checksum). */
export function adler32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let a = 1;
  let b = 0;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + 3800);
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** True when the two bytes at `offset` are a zlib header (deflate, window at most 32 KiB, check bits right). */
export function isZlibHeader(data: Uint8Array, offset = 0): boolean {
  if (data.length < offset + 2) return false;
  const cmf = data[offset]!;
  const flg = data[offset + 1]!;
  return (cmf & 0x0f) === 8 && cmf >>> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Decompresses one zlib stream (RFC 1950), as Python's `zlib.decompress`
 * does: header, deflate data, Adler-32 checked. Bytes after the checksum are
 * ignored. Preset dictionaries are refused.
 *
 * @param data the compressed bytes.
 * @param options `maxOutput` caps the output (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for malformed, truncated or too large input, or a checksum mismatch.
 * @example
 * ```ts
 * import { zlibDecompress } from 'brine';
 * zlibDecompress(new Uint8Array([0x78, 0x9c, 0x4b, 0x4c, 0x04, 0x00, 0x01, 0x25, 0x00, 0xc3])); // 'aa'
 * ```
 */
export function zlibDecompress(data: Uint8Array, options?: DecompressOptions): Uint8Array {
  const max = resolveMaxOutput('zlib', options);
  if (data.length < 2)
    throw new DecompressionError('zlib', 'input ends inside the header', 0, { truncated: true });
  if (!isZlibHeader(data)) throw new DecompressionError('zlib', 'not a zlib header', 0);
  if (data[1]! & 0x20) throw new DecompressionError('zlib', 'preset dictionaries are not supported', 1);
  const out = new Output('zlib', max, data.length * 4);
  const end = inflateInto(data, 2, out, 'zlib');
  if (end + 4 > data.length) {
    throw new DecompressionError('zlib', 'input ends inside the Adler-32 checksum', end, { truncated: true });
  }
  const want = ((data[end]! << 24) | (data[end + 1]! << 16) | (data[end + 2]! << 8) | data[end + 3]!) >>> 0;
  if (adler32(out.buf, 0, out.pos) !== want) {
    throw new DecompressionError('zlib', 'Adler-32 checksum does not match the data', end);
  }
  return out.result();
}

/**
 * Decompresses gzip data (RFC 1952), as Python's `gzip.decompress` does:
 * every member in turn (concatenated members are one output), zero padding
 * between and after members skipped, each member's CRC-32 and length
 * checked; any other trailing bytes are an error.
 *
 * @param data the compressed bytes.
 * @param options `maxOutput` caps the output (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for malformed, truncated or too large input, or a checksum mismatch.
 * @example
 * ```ts
 * import { gzipSync } from 'node:zlib';
 * import { gunzip } from 'brine';
 * const gzBytes = gzipSync('hello'); // as Python's gzip.compress(b'hello')
 * const text = new TextDecoder().decode(gunzip(gzBytes)); // 'hello'
 * ```
 */
export function gunzip(data: Uint8Array, options?: DecompressOptions): Uint8Array {
  const max = resolveMaxOutput('gzip', options);
  const out = new Output('gzip', max, data.length * 4);
  let pos = 0;
  let members = 0;
  for (;;) {
    while (members > 0 && pos < data.length && data[pos] === 0) pos++;
    if (members > 0 && pos >= data.length) break;
    pos = gzipHeader(data, pos);
    const begin = out.pos;
    const end = inflateInto(data, pos, out, 'gzip');
    if (end + 8 > data.length) {
      throw new DecompressionError('gzip', 'input ends inside the member trailer', end, { truncated: true });
    }
    const crc = (data[end]! | (data[end + 1]! << 8) | (data[end + 2]! << 16) | (data[end + 3]! << 24)) >>> 0;
    const size =
      (data[end + 4]! | (data[end + 5]! << 8) | (data[end + 6]! << 16) | (data[end + 7]! << 24)) >>> 0;
    if (crc32(out.buf.subarray(begin, out.pos)) !== crc) {
      throw new DecompressionError('gzip', 'CRC-32 does not match the data', end);
    }
    if (size !== (out.pos - begin) % 2 ** 32) {
      throw new DecompressionError('gzip', 'the length in the trailer does not match the data', end + 4);
    }
    pos = end + 8;
    members++;
  }
  return out.result();
}

/** Reads a gzip member header at `pos`; returns the offset of its deflate data. */
function gzipHeader(d: Uint8Array, pos: number): number {
  const fail = (reason: string, at: number, truncated = false): never => {
    throw new DecompressionError('gzip', reason, at, { truncated });
  };
  if (pos + 10 > d.length) {
    if (d.length - pos >= 2 && (d[pos] !== 0x1f || d[pos + 1] !== 0x8b)) fail('not a gzip member', pos);
    fail('input ends inside a member header', pos, true);
  }
  if (d[pos] !== 0x1f || d[pos + 1] !== 0x8b) fail('not a gzip member', pos);
  if (d[pos + 2] !== 8) fail(`unknown compression method ${d[pos + 2]}`, pos + 2);
  const flags = d[pos + 3]!;
  if (flags & 0xe0) fail('reserved header flags set', pos + 3);
  const begin = pos;
  pos += 10;
  if (flags & 4) {
    if (pos + 2 > d.length) fail('input ends inside the extra field', pos, true);
    const xlen = d[pos]! | (d[pos + 1]! << 8);
    pos += 2 + xlen;
    if (pos > d.length) fail('input ends inside the extra field', d.length, true);
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const z = d.indexOf(0, pos);
      if (z < 0)
        fail(bit === 8 ? 'input ends inside the file name' : 'input ends inside the comment', d.length, true);
      pos = z + 1;
    }
  }
  if (flags & 2) {
    if (pos + 2 > d.length) fail('input ends inside the header CRC', pos, true);
    const want = d[pos]! | (d[pos + 1]! << 8);
    if ((crc32(d.subarray(begin, pos)) & 0xffff) !== want) fail('header CRC does not match', pos);
    pos += 2;
  }
  return pos;
}
