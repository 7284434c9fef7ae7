/**
 * The output buffer of the pickler: growable, reused across dumps of one
 * `Pickler`, with protocol 4 framing done the way `_pickle.c` does it (frames
 * opened lazily, committed at an opcode boundary once they hold 64 KiB, a
 * header dropped when the frame holds under 4 bytes, large payloads written
 * outside any frame).
 *
 * @module
 */

import { recentUse, wrote } from './recent-use.js';

/** `_pickle.c` FRAME_SIZE_TARGET: a frame is committed at the first opcode boundary past this size. */
export const FRAME_SIZE_TARGET = 64 * 1024;
/** `_pickle.c` FRAME_SIZE_MIN: a frame smaller than this loses its header. */
const FRAME_SIZE_MIN = 4;
/** FRAME opcode and its 8-byte length. */
export const FRAME_HEADER_SIZE = 9;

const nodeBuffer = (
  globalThis as {
    Buffer?: {
      prototype: { utf8Write?: (this: Uint8Array, s: string, offset: number, length: number) => number };
    };
  }
).Buffer;
const nativeUtf8Write = nodeBuffer?.prototype.utf8Write;
const nativeAllocUnsafeSlow = (nodeBuffer as { allocUnsafeSlow?: (size: number) => Uint8Array } | undefined)
  ?.allocUnsafeSlow;
/**
 * A result of at least this many bytes gets memory that is not zeroed first
 * (Node's `Buffer.allocUnsafeSlow`, an `ArrayBuffer` of its own), which the
 * copy then writes in full: zeroing it was a pass over the result as long as
 * the copy (1M floats: the copy into a zeroed 9 MB result was 40% of the dump).
 */
const UNZEROED_MIN = 64 * 1024;

/** A Uint8Array of `n` bytes with an ArrayBuffer of exactly that size, whose bytes the caller must all write. */
function uninitialized(n: number): Uint8Array {
  if (nativeAllocUnsafeSlow === undefined || n < UNZEROED_MIN) return new Uint8Array(n);
  const b = nativeAllocUnsafeSlow(n);
  // A plain Uint8Array (not a Buffer) over the same memory, as every other result.
  return new Uint8Array(b.buffer, b.byteOffset, n);
}
const nativeByteLength = (
  nodeBuffer as { byteLength?: (text: string, encoding: 'utf8') => number } | undefined
)?.byteLength;
/**
 * Strings of at least this many UTF-16 units go to Node's native UTF-8
 * encoder when they are well formed: its call costs about what a JS loop
 * pays for two dozen units (measured alone: 45 ns a call, 2 ns a unit). Not
 * in `shortUtf8`: there it made the `records` dump 5% slower (strings of
 * 24-85 units, each a native call).
 */
const NATIVE_MIN = 24;
const textEncoder = new TextEncoder();

/**
 * Payloads of at least this many bytes are not copied into the buffer: the
 * output takes a reference to them as a piece of its own (they are written
 * outside any frame, so no frame header needs them next to it).
 */
const PIECE_MIN = FRAME_SIZE_TARGET;
/**
 * The buffer grows by doubling up to this size; past it the output goes on in
 * a new segment instead (only the open frame, at most about 128 KiB, moves),
 * so a big pickle is never copied to grow, and peak memory stays near the
 * pickle's size plus one segment.
 */
export const SEGMENT_SIZE = 1024 * 1024;
/**
 * The largest size the first buffer reaches by doubling; its next growth is
 * to SEGMENT_SIZE at once (see `grow`).
 */
const HOME_JUMP = 256 * 1024;
/**
 * Segments a writer keeps for reuse after `reset`: fresh pages cost a fault
 * each on first touch. At most this many, and no more than the recent dumps
 * had in hand at once (see recent-use.ts).
 */
const KEEP_SEGMENTS = 64;

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  /**
   * Where this output starts in `buf`: 0, except while it is written
   * straight into the shared slab of small results (see `reset`), where it
   * starts at the slab's next free byte.
   */
  base = 0;
  /** Offset of the reserved header of the open frame, -1 when none is open. */
  frameStart = -1;
  /** True while protocol 4+ framing is on. */
  framing = false;
  /** Finished output before `buf`, in order: full segments and large payloads (by reference). */
  pieces: Uint8Array[] = [];
  /** Bytes in `pieces`. */
  piecesBytes = 0;
  /** Segments of SEGMENT_SIZE bytes that are free for reuse. */
  #spare: Uint8Array[] = [];
  /** Segments lent to `pieces`, given back to `#spare` by `reset` and `recycle`. */
  #lent: Uint8Array[] = [];
  /** The first buffer, grown by doubling up to SEGMENT_SIZE; `reset` writes into it again. */
  #home: Uint8Array;

  /** The DataView of `#home`, kept: a return to it after a dump in the slab makes none. */
  #homeView: DataView;
  /** Segments in hand at the end of recent outputs: `#spare` keeps no more. */
  readonly #segmentUse = recentUse(SEGMENT_SIZE);

  constructor(size = 4096) {
    this.buf = new Uint8Array(size);
    this.#home = this.buf;
    this.view = new DataView(this.buf.buffer);
    this.#homeView = this.view;
  }

  /**
   * Empties the output. `inSlab`: the output is written straight into the
   * shared slab of small results (when no other writer is writing there), so
   * that a small result is a view of it with no copy (see `result`); it
   * moves to the writer's own buffer once it outgrows the slab.
   */
  reset(inSlab = false): void {
    // An output ends here (a reset with nothing written starts one): the segments it had in hand.
    const size = this.pos - this.base + this.piecesBytes;
    const used = size > 0 ? this.#lent.length + (this.#isSegment(this.buf) ? 1 : 0) : -1;
    wrote(size);
    this.recycle();
    if (slabWriter === this) slabWriter = null;
    if (this.buf !== this.#home) {
      if (this.buf !== slab) this.#release(this.buf);
      this.buf = this.#home;
      this.view = this.#homeView;
    }
    // Nothing to let go without spare segments: a small dump's reset asks nothing more.
    if (used >= 0 && this.#spare.length > 0) {
      const keep = this.#segmentUse(used);
      if (this.#spare.length > keep) this.#spare.length = keep;
    }
    this.pos = 0;
    this.base = 0;
    this.frameStart = -1;
    this.framing = false;
    if (inSlab && slabWriter === null) {
      if (slabPos + SLAB_RESULT_MAX > SLAB_SIZE || slab.length === 0) newSlab();
      slabWriter = this;
      this.buf = slab;
      this.view = slabView;
      this.pos = this.base = slabPos;
    }
  }

  /** Moves the output out of the slab into the writer's own buffer, with room for `n` more bytes. */
  #leaveSlab(n: number): void {
    const base = this.base;
    const used = this.pos - base;
    let home = this.#home;
    if (used + n > home.length && home.length < SEGMENT_SIZE) {
      // Grown by doubling up to a segment, as `grow` does (it takes over past that): room for `used`
      // (at most the slab) in any case.
      let size = home.length * 2;
      while (size < used + n && size < SEGMENT_SIZE) size *= 2;
      home = new Uint8Array(size);
      this.#home = home;
      this.#homeView = new DataView(home.buffer);
    }
    home.set(slab.subarray(base, this.pos));
    slabWriter = null;
    this.buf = home;
    this.view = this.#homeView;
    this.pos = used;
    this.base = 0;
    if (this.frameStart >= 0) this.frameStart -= base;
  }

  /** Drops `pieces` (the caller is done with them) and keeps their segments for reuse. */
  recycle(): void {
    // New arrays only when there was something in them: a reset of a small dump allocates nothing.
    if (this.pieces.length > 0) this.pieces = [];
    this.piecesBytes = 0;
    if (this.#lent.length > 0) {
      for (const segment of this.#lent) this.#release(segment);
      this.#lent = [];
    }
  }

  /** A segment of the writer's own is free again: kept for reuse. */
  #release(buffer: Uint8Array): void {
    if (this.#isSegment(buffer) && this.#spare.length < KEEP_SEGMENTS) this.#spare.push(buffer);
  }

  #isSegment(buffer: Uint8Array): boolean {
    return buffer !== this.#home && buffer.length === SEGMENT_SIZE;
  }

  #nextSegment(): Uint8Array {
    return this.#spare.pop() ?? new Uint8Array(SEGMENT_SIZE);
  }

  /** Bytes written so far (the offset in the whole output of the next byte). */
  get offset(): number {
    return this.piecesBytes + this.pos - this.base;
  }

  /** Makes room for `n` more bytes, opening a frame first when framing is on and none is open. */
  ensure(n: number): void {
    if (this.framing && this.frameStart < 0) {
      if (this.pos + n + FRAME_HEADER_SIZE > this.buf.length) this.grow(n + FRAME_HEADER_SIZE);
      this.frameStart = this.pos;
      this.pos += FRAME_HEADER_SIZE;
      return;
    }
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  /**
   * Makes room for `n` more bytes: doubles a small buffer; a big one is
   * finished as a piece and a new segment takes over, with the open frame
   * moved to its start (a frame must stay in one piece for its header).
   */
  grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.buf === slab) {
      this.#leaveSlab(n);
      if (this.pos + n <= this.buf.length) return;
    }
    const keep = this.frameStart >= 0 ? this.frameStart : this.pos;
    const tail = this.pos - keep;
    if (this.buf === this.#home && this.pos + n <= SEGMENT_SIZE) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      // Past HOME_JUMP straight to a segment's size: the buffers outgrown on the way are garbage
      // that is resident until a collection (512 KiB by doubling to 1 MiB from 4 KiB, at most 256 KiB this way).
      if (size > HOME_JUMP) size = SEGMENT_SIZE;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.pos));
      this.#home = next;
      this.#setBuffer(next);
      this.#homeView = this.view;
      return;
    }
    const old = this.buf;
    if (keep > 0) this.#finish(old.subarray(0, keep), old);
    const need = tail + n;
    // An open frame past a segment (nothing commits it while containers close: a tuple nested a
    // million deep writes TUPLE1 MEMOIZE a million times in a row) grows by doubling, never to its
    // exact size: one byte more must not copy the whole frame again.
    const next =
      need <= SEGMENT_SIZE ? this.#nextSegment() : new Uint8Array(Math.max(need, 2 * tail, SEGMENT_SIZE));
    if (tail > 0) next.set(old.subarray(keep, this.pos));
    if (keep === 0) this.#release(old);
    this.#setBuffer(next);
    this.pos = tail;
    if (this.frameStart >= 0) this.frameStart = 0;
  }

  #setBuffer(next: Uint8Array): void {
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Appends a finished piece; `source` is the buffer behind it (a segment is reused once the piece is consumed). */
  #finish(piece: Uint8Array, source: Uint8Array | null): void {
    this.pieces.push(piece);
    this.piecesBytes += piece.length;
    if (source !== null && this.#isSegment(source)) this.#lent.push(source);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  byte2(a: number, b: number): void {
    this.ensure(2);
    this.buf[this.pos++] = a;
    this.buf[this.pos++] = b;
  }

  /**
   * Raw bytes. A large payload outside any frame is taken by reference as a
   * piece of the output, not copied: it must not change until the output is
   * used (`result`, or the pieces given to a stream).
   */
  bytes(data: Uint8Array): void {
    if (data.length >= PIECE_MIN && this.frameStart < 0 && !this.framing) {
      if (this.buf === slab) this.#leaveSlab(0);
      if (this.pos >= SEGMENT_SIZE / 2) {
        // A buffer at least half full becomes a piece as it is, and writing goes on in another.
        this.#finish(this.buf.subarray(0, this.pos), this.buf);
        this.#setBuffer(this.#nextSegment());
        this.pos = 0;
      } else if (this.pos > 0) {
        // Less: a copy of what it holds, so that a run of large payloads does not use a buffer each.
        this.#finish(this.buf.slice(0, this.pos), null);
        this.pos = 0;
      }
      this.#finish(data, null);
      return;
    }
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Latin-1 text (every char code below 256). */
  ascii(text: string): void {
    this.ensure(text.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < text.length; i++) buf[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  /** At an opcode boundary (the start of every save): commits the open frame once it is big enough. */
  boundary(): void {
    if (this.frameStart >= 0 && this.pos - this.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET)
      this.commitFrame();
  }

  commitFrame(): void {
    const start = this.frameStart;
    if (start < 0) return;
    const len = this.pos - start - FRAME_HEADER_SIZE;
    if (len >= FRAME_SIZE_MIN) {
      this.buf[start] = 0x95;
      this.view.setUint32(start + 1, len % 0x100000000, true);
      this.view.setUint32(start + 5, Math.floor(len / 0x100000000), true);
    } else {
      this.buf.copyWithin(start, start + FRAME_HEADER_SIZE, this.pos);
      this.pos -= FRAME_HEADER_SIZE;
    }
    this.frameStart = -1;
  }

  /**
   * The header of a length-prefixed payload of `size` bytes: the opcode and a
   * 1-, 4- or 8-byte little-endian length. A payload of 64 KiB or more goes
   * outside any frame: the open frame is committed and framing paused; the
   * caller writes the payload, then calls `endPayload` with what this returned.
   */
  header(opcode: number, lengthBytes: 1 | 4 | 8, size: number): boolean {
    const unframed = this.framing && size >= FRAME_SIZE_TARGET;
    if (unframed) {
      this.commitFrame();
      this.framing = false;
    }
    this.ensure(1 + lengthBytes);
    this.buf[this.pos++] = opcode;
    if (lengthBytes === 1) {
      this.buf[this.pos++] = size;
    } else {
      this.view.setUint32(this.pos, size % 0x100000000, true);
      if (lengthBytes === 8) this.view.setUint32(this.pos + 4, Math.floor(size / 0x100000000), true);
      this.pos += lengthBytes;
    }
    return unframed;
  }

  /** Ends a payload started by `header`: framing resumes, and the next opcode opens a new frame. */
  endPayload(unframed: boolean): void {
    if (unframed) this.framing = true;
  }

  /**
   * A short string (at most 85 UTF-16 units, so at most 255 bytes) after its
   * length (4 bytes for BINUNICODE, 0x58; else 1): no measuring pass, the
   * length is written afterwards. `after`, when not -1, is one more
   * opcode byte written behind it (the MEMOIZE that follows a str at protocol
   * 4+), within the same bound check.
   */
  shortUtf8(opcode: number, text: string, after = -1): void {
    const n = text.length;
    this.ensure(5 + 3 * n);
    const buf = this.buf;
    const start = this.pos;
    const wide = opcode === 0x58;
    const head = start + (wide ? 5 : 2);
    buf[start] = opcode;
    let p = head;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    // Not ASCII: the rest in the general encoding, in the same pass (there is room for 3 bytes a unit).
    if (i < n) p = encodeUtf8Rest(text, i, buf, p);
    buf[start + 1] = p - head;
    if (wide) buf[start + 2] = buf[start + 3] = buf[start + 4] = 0;
    if (after >= 0) buf[p++] = after;
    this.pos = p;
  }

  /** UTF-8 with lone surrogates written as Python's `surrogatepass`. Returns the byte length written. */
  utf8(text: string, byteLength: number): void {
    this.ensure(byteLength);
    const buf = this.buf;
    const p = this.pos;
    // Long: Node's encoder from NATIVE_MIN units; TextEncoder (a browser's) past 64. Strings of at
    // most 85 units are written by `shortUtf8`: what is short here is rare (a global's text line).
    if (text.length >= (nativeUtf8Write !== undefined ? NATIVE_MIN : 65) && text.isWellFormed())
      this.pos =
        p +
        (nativeUtf8Write
          ? nativeUtf8Write.call(buf, text, p, byteLength)
          : textEncoder.encodeInto(text, buf.subarray(p, p + byteLength)).written);
    else this.pos = encodeUtf8Rest(text, 0, buf, p);
  }

  /** The bytes written so far: a view of their exact size into a shared slab (up to SLAB_RESULT_MAX bytes), else a buffer of their own. */
  result(): Uint8Array {
    if (this.pieces.length === 0) {
      const base = this.base;
      const n = this.pos - base;
      if (this.buf === slab) {
        // Written in the slab: a small result is a view of it, and the slab's free part starts after it.
        if (n > SLAB_RESULT_MAX) return slab.slice(base, this.pos);
        slabPos = (this.pos + 7) & ~7;
        return new Uint8Array(slab.buffer, base, n);
      }
      if (n <= SLAB_RESULT_MAX) return fromSlab(this.buf, n);
      const copy = uninitialized(n);
      copy.set(this.buf.subarray(0, n));
      return copy;
    }
    // Every byte of `out` is written below: the pieces, then the buffer's bytes, end to end.
    const out = uninitialized(this.piecesBytes + this.pos);
    let at = 0;
    for (const piece of this.pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    out.set(this.buf.subarray(0, this.pos), at);
    return out;
  }
}

/**
 * Results of at most this many bytes are cut from a shared slab, as Node's
 * `Buffer` pool does: a new `ArrayBuffer` per result (its backing store
 * allocated and tracked apart from the heap) cost about 0.6 µs, a quarter of
 * a 300-byte dump.
 */
const SLAB_RESULT_MAX = 1024;
/** Bytes of a slab. A result keeps its slab alive: at most 8 KiB for a small result kept alone. */
const SLAB_SIZE = 8 * 1024;
let slab = new Uint8Array(0);
let slabView = new DataView(slab.buffer);
/** The next free byte of `slab` (results start at multiples of 8, as Node's pool aligns them). */
let slabPos = 0;
/** The writer writing its output in the slab from `slabPos` on, if any (one at a time: a dump nested in a getter writes elsewhere). */
let slabWriter: Writer | null = null;

function newSlab(): void {
  slab = new Uint8Array(SLAB_SIZE);
  slabView = new DataView(slab.buffer);
  slabPos = 0;
}

/** A copy of `buf[0, n)` in the slab (a new slab when it has no room left). */
function fromSlab(buf: Uint8Array, n: number): Uint8Array {
  // Another writer is writing from slabPos on (this one is a dump nested in a getter): a buffer of its own.
  if (slabWriter !== null) return buf.slice(0, n);
  let at = slabPos;
  if (at + n > slab.length) {
    newSlab();
    at = 0;
  }
  slabPos = (at + n + 7) & ~7;
  slab.set(buf.subarray(0, n), at);
  return slab.subarray(at, at + n);
}

/**
 * Writes `text` from unit `i` on as UTF-8 with `surrogatepass` at `p` (room
 * for 3 bytes a unit is there) and returns the offset after it.
 * @internal
 */
export function encodeUtf8Rest(text: string, i: number, buf: Uint8Array, p: number): number {
  for (; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) buf[p++] = c;
    else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      // Includes lone surrogates (surrogatepass).
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/**
 * The UTF-8 of strings dumped recently, as CPython keeps a str's UTF-8 in the
 * str once made: a small dump of the same strings again copies their bytes
 * (one `Map` lookup, whose hash V8 keeps in the string, and one `set`: about
 * 20 ns whatever the length) instead of reading them a unit at a time (about
 * 2.3 ns a unit). For strings of UTF8_CACHE_MIN to UTF8_CACHE_MAX units; the
 * pickler asks only for the first strings of a memo, so a big dump pays
 * nothing. A string met the first time is only remembered (null); its bytes
 * are kept when it is met again. Bounded: at most UTF8_CACHE_UNITS units of
 * strings, their bytes in one pool of UTF8_CACHE_BYTES; when either is full
 * the `Map` and the pool are replaced (every entry dropped). Each string
 * met the first time counts one, each met again takes UTF8_CACHE_CREDIT off
 * the count: at UTF8_CACHE_MISSES (strings mostly met once, which only pay
 * for a lookup and an entry) it steps aside for the next UTF8_CACHE_SKIP.
 */
export const UTF8_CACHE_MIN = 32;
export const UTF8_CACHE_MAX = 512;
const UTF8_CACHE_BYTES = 16 * 1024;
const UTF8_CACHE_UNITS = 16 * 1024;
const UTF8_CACHE_MISSES = 256;
const UTF8_CACHE_CREDIT = 4;
const UTF8_CACHE_SKIP = 4096;
let utf8Cache = new Map<string, Uint8Array | null>();
let cachePool = new Uint8Array(0);
let cachePos = 0;
let cacheUnits = 0;
let cacheMisses = 0;
let cacheSkip = 0;

/**
 * The UTF-8 (`surrogatepass`) of `text` (UTF8_CACHE_MIN to UTF8_CACHE_MAX
 * units) from the cache, encoded and kept there when met before; null for
 * a string met the first time, and while the cache steps aside. The bytes
 * must not be changed.
 */
export function utf8Cached(text: string): Uint8Array | null {
  if (cacheSkip > 0) {
    cacheSkip--;
    return null;
  }
  let bytes = utf8Cache.get(text);
  if (bytes === undefined) {
    if (++cacheMisses >= UTF8_CACHE_MISSES) {
      cacheMisses = 0;
      cacheSkip = UTF8_CACHE_SKIP;
    }
    if (cacheUnits + text.length > UTF8_CACHE_UNITS) {
      utf8Cache = new Map();
      cacheUnits = 0;
    }
    cacheUnits += text.length;
    utf8Cache.set(text, null);
    return null;
  }
  // A string met again is worth a few met once (a copy saved against a lookup and an entry spent).
  cacheMisses = cacheMisses > UTF8_CACHE_CREDIT ? cacheMisses - UTF8_CACHE_CREDIT : 0;
  if (bytes !== null) return bytes;
  if (cachePos + 3 * text.length > cachePool.length) {
    // A full pool: a new one, and the entries whose bytes were in the old one dropped with it.
    if (cachePos !== 0) {
      utf8Cache = new Map();
      cacheUnits = text.length;
    }
    cachePool = new Uint8Array(UTF8_CACHE_BYTES);
    cachePos = 0;
  }
  const start = cachePos;
  cachePos = encodeUtf8Rest(text, 0, cachePool, start);
  bytes = cachePool.subarray(start, cachePos);
  utf8Cache.set(text, bytes);
  return bytes;
}

/** Byte length of `text` in UTF-8 with `surrogatepass` (a lone surrogate is 3 bytes, a pair 4). */
export function utf8Length(text: string): number {
  // Node's count, for a well-formed string (where every encoder agrees): 7-50 ns where the loop
  // below reads every unit (1-2 ns each).
  if (nativeByteLength !== undefined && text.isWellFormed()) return nativeByteLength(text, 'utf8');
  return utf8LengthJs(text);
}

/** {@link utf8Length} in JavaScript: the browser's, and that of a string with lone surrogates. @internal */
export function utf8LengthJs(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for 2 units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}
