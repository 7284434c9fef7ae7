/**
 * A small DEFLATE compressor for {@link dumpJoblib}'s `compress` option:
 * greedy LZ77 matches found through a hash table of 3-byte prefixes, coded
 * with the fixed Huffman codes (RFC 1951, 3.2.6). Linear in the input,
 * browser-safe. It trades ratio for size of code: files are readable by
 * every zlib and gzip reader, if larger than zlib's own.
 *
 * @module
 */
import { adler32 } from '../formats/compress/inflate.js';
import { crc32 } from '../formats/zip.js';

const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];

const LEN_CODE = new Uint8Array(259);
for (let c = 0; c < 29; c++) {
  const end = c === 28 ? 259 : LEN_BASE[c + 1]!;
  for (let l = LEN_BASE[c]!; l < end; l++) LEN_CODE[l] = c;
}
LEN_CODE[258] = 28;

function distCode(d: number): number {
  let lo = 0;
  let hi = 29;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (DIST_BASE[mid]! <= d) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

class BitWriter {
  buf: Uint8Array;
  pos = 0;
  private acc = 0;
  private n = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(64, size));
  }
  /** Writes `count` bits of `value`, least significant first. */
  bits(value: number, count: number): void {
    this.acc |= value << this.n;
    this.n += count;
    while (this.n >= 8) {
      if (this.pos >= this.buf.length) {
        const next = new Uint8Array(this.buf.length * 2);
        next.set(this.buf);
        this.buf = next;
      }
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.n -= 8;
    }
  }
  /** Writes a Huffman code (most significant bit first). */
  code(code: number, length: number): void {
    let rev = 0;
    for (let i = 0; i < length; i++) rev |= ((code >>> i) & 1) << (length - 1 - i);
    this.bits(rev, length);
  }
  finish(): Uint8Array {
    if (this.n > 0) this.bits(0, 8 - this.n);
    return this.buf.subarray(0, this.pos);
  }
}

function literal(w: BitWriter, sym: number): void {
  if (sym < 144) w.code(0x30 + sym, 8);
  else if (sym < 256) w.code(0x190 + sym - 144, 9);
  else if (sym < 280) w.code(sym - 256, 7);
  else w.code(0xc0 + sym - 280, 8);
}

/** Raw DEFLATE of `data` (one fixed-Huffman block). */
export function deflateRaw(data: Uint8Array): Uint8Array {
  const w = new BitWriter(data.length / 2 + 64);
  w.bits(1, 1); // final block
  w.bits(1, 2); // fixed Huffman
  const HASH = 1 << 15;
  const head = new Int32Array(HASH).fill(-1);
  const n = data.length;
  let i = 0;
  while (i < n) {
    let len = 0;
    let dist = 0;
    if (i + 3 <= n) {
      const h = ((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) * 2654435761;
      const slot = (h >>> 17) & (HASH - 1);
      const cand = head[slot]!;
      head[slot] = i;
      if (cand >= 0 && i - cand <= 32768) {
        const max = Math.min(258, n - i);
        let l = 0;
        while (l < max && data[cand + l] === data[i + l]) l++;
        if (l >= 3) {
          len = l;
          dist = i - cand;
        }
      }
    }
    if (len === 0) {
      literal(w, data[i]!);
      i++;
      continue;
    }
    const lc = LEN_CODE[len]!;
    literal(w, 257 + lc);
    if (LEN_EXTRA[lc]! > 0) w.bits(len - LEN_BASE[lc]!, LEN_EXTRA[lc]!);
    const dc = distCode(dist);
    w.code(dc, 5);
    if (DIST_EXTRA[dc]! > 0) w.bits(dist - DIST_BASE[dc]!, DIST_EXTRA[dc]!);
    i += len;
  }
  literal(w, 256);
  return w.finish();
}

/** A zlib stream (RFC 1950) around raw deflate `body` of `data`. */
export function zlibWrap(body: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 6);
  out[0] = 0x78;
  out[1] = 0x5e; // level 3's flags (FLEVEL 1), check bits valid
  out.set(body, 2);
  const a = adler32(data);
  out[body.length + 2] = a >>> 24;
  out[body.length + 3] = a >>> 16;
  out[body.length + 4] = a >>> 8;
  out[body.length + 5] = a;
  return out;
}

/** A gzip member (RFC 1952) around raw deflate `body` of `data`. */
export function gzipWrap(body: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 18);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  out.set(body, 10);
  const view = new DataView(out.buffer);
  view.setUint32(body.length + 10, crc32(data), true);
  view.setUint32(body.length + 14, data.length % 2 ** 32, true);
  return out;
}
