/**
 * bzip2 decoder: every stream of the input in turn (as Python's
 * `bz2.decompress`), each block's CRC and each stream's combined CRC checked.
 * Block contents are claims: a block longer than its stream's block size, an
 * origin pointer outside the block, too many selectors, an invalid Huffman
 * code are errors. Randomised blocks (written only by bzip2 before 0.9.5,
 * 1998) are refused.
 *
 * @module
 */
import { DecompressionError, type DecompressOptions, Output, resolveMaxOutput } from './errors.js';

const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const END_MAGIC_HI = 0x177245;
const END_MAGIC_LO = 0x385090;
const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const GROUP_SIZE = 50;

let crcTable: Uint32Array | undefined;

/** bzip2's CRC-32 table (the same polynomial as zip, most significant bit first). */
function bzCrcTable(): Uint32Array {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i << 24;
      for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
      crcTable[i] = c >>> 0;
    }
  }
  return crcTable;
}

/** True when `data` starts like a bzip2 stream (`BZh1`..`BZh9` then a block or end-of-stream magic). */
export function isBzip2(data: Uint8Array, offset = 0): boolean {
  if (data.length < offset + 10) return false;
  if (data[offset] !== 0x42 || data[offset + 1] !== 0x5a || data[offset + 2] !== 0x68) return false;
  const level = data[offset + 3]!;
  if (level < 0x31 || level > 0x39) return false;
  const m = offset + 4;
  return (
    (data[m] === 0x31 && data[m + 1] === 0x41 && data[m + 2] === 0x59 && data[m + 3] === 0x26) ||
    (data[m] === 0x17 && data[m + 1] === 0x72 && data[m + 2] === 0x45 && data[m + 3] === 0x38)
  );
}

class BitReader {
  private buf = 0;
  private count = 0;
  pos: number;
  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  /** Offset of the byte holding the next unread bit. */
  get offset(): number {
    return this.pos - ((this.count + 7) >>> 3);
  }
  read(n: number): number {
    while (this.count < n) {
      if (this.pos >= this.data.length) {
        throw new DecompressionError('bz2', 'input ends inside a stream', this.data.length, {
          truncated: true,
        });
      }
      this.buf = (this.buf << 8) | this.data[this.pos++]!;
      this.count += 8;
    }
    this.count -= n;
    return (this.buf >>> this.count) & ((1 << n) - 1);
  }
  bit(): number {
    return this.read(1);
  }
  /** Drops the bits left in the current byte. */
  align(): void {
    this.count -= this.count & 7;
  }
}

/**
 * Decompresses bzip2 data, as Python's `bz2.decompress` does: concatenated
 * streams are one output; bytes after the last stream that do not start
 * another are an error.
 *
 * @param data the compressed bytes.
 * @param options `maxOutput` caps the output (default 1 GiB).
 * @returns the decompressed bytes.
 * @throws {@link DecompressionError} for malformed, truncated or too large input, or a CRC mismatch.
 * @example
 * ```ts
 * import { bunzip2 } from 'brine';
 * // Python: joblib.dump(model, 'model.joblib.bz2'), a pickle in a bzip2 stream
 * const pickle = bunzip2(readFixture('test/fixtures/sklearn/DecisionTreeClassifier.joblib.bz2'));
 * pickle[0]; // 0x80, the PROTO opcode a pickle starts with
 * ```
 */
export function bunzip2(data: Uint8Array, options?: DecompressOptions): Uint8Array {
  const out = new Output('bz2', resolveMaxOutput('bz2', options), data.length * 6);
  let pos = 0;
  let streams = 0;
  let tt: Uint32Array | undefined;
  while (streams === 0 || pos < data.length) {
    const magic = [0x42, 0x5a, 0x68];
    for (let i = 0; i < 3 && pos + i < data.length; i++) {
      if (data[pos + i] !== magic[i]) {
        throw new DecompressionError(
          'bz2',
          streams === 0 ? 'not a bzip2 stream' : 'data after the last stream',
          pos,
        );
      }
    }
    if (pos + 4 > data.length) {
      throw new DecompressionError('bz2', 'input ends inside a stream header', pos, { truncated: true });
    }
    const level = data[pos + 3]! - 0x30;
    if (level < 1 || level > 9) throw new DecompressionError('bz2', `invalid block size ${level}`, pos + 3);
    const blockMax = level * 100000;
    if (tt === undefined || tt.length < blockMax) tt = new Uint32Array(blockMax);
    const br = new BitReader(data, pos + 4);
    let combined = 0;
    for (;;) {
      const at = br.offset;
      const hi = br.read(24);
      const lo = br.read(24);
      if (hi === BLOCK_MAGIC_HI && lo === BLOCK_MAGIC_LO) {
        const blockCrc = ((br.read(16) << 16) | br.read(16)) >>> 0;
        const crc = decodeBlock(br, tt, blockMax, out);
        if (crc !== blockCrc) throw new DecompressionError('bz2', 'block CRC does not match the data', at);
        combined = (((combined << 1) | (combined >>> 31)) ^ crc) >>> 0;
      } else if (hi === END_MAGIC_HI && lo === END_MAGIC_LO) {
        const want = ((br.read(16) << 16) | br.read(16)) >>> 0;
        if (want !== combined) throw new DecompressionError('bz2', 'stream CRC does not match the data', at);
        br.align();
        pos = br.offset;
        break;
      } else {
        throw new DecompressionError('bz2', 'invalid block magic', at);
      }
    }
    streams++;
  }
  return out.result();
}

/** Decodes one block (after its CRC) into `out`; returns the CRC of the bytes written. */
function decodeBlock(br: BitReader, tt: Uint32Array, blockMax: number, out: Output): number {
  const fail = (reason: string): never => {
    throw new DecompressionError('bz2', reason, br.offset);
  };
  if (br.bit()) {
    fail('randomised blocks (bzip2 before 0.9.5) are not supported');
  }
  const origPtr = br.read(24);
  // Symbols in use.
  const used = br.read(16);
  const seqToUnseq = new Uint8Array(256);
  let nInUse = 0;
  for (let i = 0; i < 16; i++) {
    if (used & (0x8000 >>> i)) {
      const bits = br.read(16);
      for (let j = 0; j < 16; j++) if (bits & (0x8000 >>> j)) seqToUnseq[nInUse++] = i * 16 + j;
    }
  }
  if (nInUse === 0) fail('block uses no symbols');
  const alphaSize = nInUse + 2;
  const nGroups = br.read(3);
  if (nGroups < 2 || nGroups > MAX_GROUPS) fail(`invalid number of Huffman tables ${nGroups}`);
  const nSelectors = br.read(15);
  if (nSelectors < 1) fail('no selectors');
  // Selectors, move-to-front coded in unary.
  const selectors = new Uint8Array(nSelectors);
  const groupMtf = [0, 1, 2, 3, 4, 5];
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (br.bit()) {
      j++;
      if (j >= nGroups) fail('invalid selector');
    }
    const v = groupMtf[j]!;
    for (let k = j; k > 0; k--) groupMtf[k] = groupMtf[k - 1]!;
    groupMtf[0] = v;
    selectors[i] = v;
  }
  // Code lengths and decoding tables of each group.
  const limits: Int32Array[] = [];
  const bases: Int32Array[] = [];
  const perms: Uint16Array[] = [];
  const minLens: number[] = [];
  const lens = new Uint8Array(MAX_ALPHA);
  for (let t = 0; t < nGroups; t++) {
    let curr = br.read(5);
    for (let i = 0; i < alphaSize; i++) {
      for (;;) {
        if (curr < 1 || curr > MAX_CODE_LEN) fail('invalid code length');
        if (!br.bit()) break;
        curr += br.bit() ? -1 : 1;
      }
      lens[i] = curr;
    }
    let minLen = MAX_CODE_LEN;
    let maxLen = 0;
    for (let i = 0; i < alphaSize; i++) {
      if (lens[i]! < minLen) minLen = lens[i]!;
      if (lens[i]! > maxLen) maxLen = lens[i]!;
    }
    const limit = new Int32Array(MAX_CODE_LEN + 2).fill(-1);
    const base = new Int32Array(MAX_CODE_LEN + 2);
    const perm = new Uint16Array(alphaSize);
    let pp = 0;
    let code = 0;
    for (let l = minLen; l <= maxLen; l++) {
      const first = pp;
      for (let s = 0; s < alphaSize; s++) if (lens[s] === l) perm[pp++] = s;
      const count = pp - first;
      base[l] = code - first;
      code += count;
      limit[l] = code - 1;
      code <<= 1;
    }
    limits.push(limit);
    bases.push(base);
    perms.push(perm);
    minLens.push(minLen);
  }
  // Huffman, run-length (RUNA/RUNB) and move-to-front decoding into tt.
  const eob = nInUse + 1;
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const counts = new Int32Array(256);
  let n = 0;
  let sel = 0;
  let left = 0;
  let limit = limits[0]!;
  let base = bases[0]!;
  let perm = perms[0]!;
  let minLen = 0;
  let run = 0;
  let runBit = 1;
  for (;;) {
    if (left === 0) {
      if (sel >= nSelectors) fail('more symbols than selectors');
      const g = selectors[sel++]!;
      limit = limits[g]!;
      base = bases[g]!;
      perm = perms[g]!;
      minLen = minLens[g]!;
      left = GROUP_SIZE;
    }
    left--;
    let l = minLen;
    let v = br.read(l);
    while (v > limit[l]!) {
      l++;
      if (l > MAX_CODE_LEN) fail('invalid Huffman code');
      v = (v << 1) | br.bit();
    }
    const idx = v - base[l]!;
    if (idx < 0 || idx >= alphaSize) fail('invalid Huffman code');
    const sym = perm[idx]!;
    if (sym <= 1) {
      // RUNA / RUNB: a bijective base-2 run length of the front symbol.
      if (runBit > blockMax) fail('run longer than the block');
      run += runBit << sym;
      runBit <<= 1;
      continue;
    }
    if (run > 0) {
      if (n + run > blockMax) fail('block longer than its stream block size');
      const uc = seqToUnseq[mtf[0]!]!;
      counts[uc] = counts[uc]! + run;
      tt.fill(uc, n, n + run);
      n += run;
      run = 0;
      runBit = 1;
    }
    if (sym === eob) break;
    if (n >= blockMax) fail('block longer than its stream block size');
    const j = sym - 1;
    const v2 = mtf[j]!;
    mtf.copyWithin(1, 0, j);
    mtf[0] = v2;
    const uc = seqToUnseq[v2]!;
    counts[uc] = counts[uc]! + 1;
    tt[n++] = uc;
  }
  if (origPtr >= n) fail(`origin pointer ${origPtr} outside the block of ${n} bytes`);
  // Inverse Burrows-Wheeler transform.
  const cf = new Int32Array(256);
  for (let i = 0, s = 0; i < 256; i++) {
    cf[i] = s;
    s += counts[i]!;
  }
  for (let i = 0; i < n; i++) {
    const uc = tt[i]! & 0xff;
    tt[cf[uc]!++]! |= i << 8;
  }
  // Undo the initial run-length coding (4 equal bytes then a count) while writing.
  const table = bzCrcTable();
  let crc = 0xffffffff;
  let tPos = tt[origPtr]! >>> 8;
  let last = -1;
  let same = 0;
  let buf = out.buf;
  let cap = buf.length;
  let op = out.pos;
  for (let i = 0; i < n; i++) {
    const e = tt[tPos]!;
    const b = e & 0xff;
    tPos = e >>> 8;
    if (same === 4) {
      if (b > 0) {
        out.pos = op;
        out.reserve(b);
        buf = out.buf;
        cap = buf.length;
        buf.fill(last, op, op + b);
        for (let k = 0; k < b; k++) crc = (crc << 8) ^ table[((crc >>> 24) ^ last) & 0xff]!;
        op += b;
      }
      same = 0;
      last = -1;
      continue;
    }
    if (b === last) same++;
    else {
      last = b;
      same = 1;
    }
    if (op >= cap) {
      out.pos = op;
      out.reserve(1);
      buf = out.buf;
      cap = buf.length;
    }
    buf[op++] = b;
    crc = (crc << 8) ^ table[((crc >>> 24) ^ b) & 0xff]!;
  }
  out.pos = op;
  return ~crc >>> 0;
}
