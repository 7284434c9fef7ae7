/**
 * The output buffer of the pickler: growable, reused across dumps of one
 * `Pickler`, with protocol 4 framing done the way `_pickle.c` does it (frames
 * opened lazily, committed at an opcode boundary once they hold 64 KiB, a
 * header dropped when the frame holds under 4 bytes, large payloads written
 * outside any frame).
 *
 * @module
 */

/** `_pickle.c` FRAME_SIZE_TARGET: a frame is committed at the first opcode boundary past this size. */
export const FRAME_SIZE_TARGET = 64 * 1024;
/** `_pickle.c` FRAME_SIZE_MIN: a frame smaller than this loses its header. */
const FRAME_SIZE_MIN = 4;
const FRAME_HEADER_SIZE = 9;

const nodeBuffer = (
  globalThis as {
    Buffer?: {
      prototype: { utf8Write?: (this: Uint8Array, s: string, offset: number, length: number) => number };
    };
  }
).Buffer;
const nativeUtf8Write = nodeBuffer?.prototype.utf8Write;
const textEncoder = new TextEncoder();

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  /** Offset of the reserved header of the open frame, -1 when none is open. */
  frameStart = -1;
  /** True while protocol 4+ framing is on. */
  framing = false;

  constructor(size = 4096) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.pos = 0;
    this.frameStart = -1;
    this.framing = false;
  }

  /** Makes room for `n` more bytes, opening a frame first when framing is on and none is open. */
  ensure(n: number): void {
    if (this.framing && this.frameStart < 0) {
      this.frameStart = this.pos;
      n += FRAME_HEADER_SIZE;
      this.grow(n);
      this.pos += FRAME_HEADER_SIZE;
      return;
    }
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
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

  bytes(data: Uint8Array): void {
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
   * A short string (at most 85 UTF-16 units, so at most 255 bytes) after a
   * one-byte length: no measuring pass, the length byte is written afterwards.
   */
  shortUtf8(opcode: number, text: string): void {
    this.ensure(2 + 3 * text.length);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = opcode;
    let p = start + 2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
        continue;
      }
      // Not ASCII: encode the whole string again with the general encoder.
      this.pos = start + 2;
      const n = utf8Length(text);
      this.utf8(text, n);
      buf[start + 1] = n;
      return;
    }
    buf[start + 1] = p - start - 2;
    this.pos = p;
  }

  /** UTF-8 with lone surrogates written as Python's `surrogatepass`. Returns the byte length written. */
  utf8(text: string, byteLength: number): void {
    this.ensure(byteLength);
    const buf = this.buf;
    let p = this.pos;
    if (byteLength === text.length) {
      for (let i = 0; i < text.length; i++) buf[p++] = text.charCodeAt(i);
      this.pos = p;
      return;
    }
    if (text.length > 64 && text.isWellFormed()) {
      if (nativeUtf8Write) p += nativeUtf8Write.call(buf, text, p, byteLength);
      else p += textEncoder.encodeInto(text, buf.subarray(p, p + byteLength)).written;
      this.pos = p;
      return;
    }
    for (let i = 0; i < text.length; i++) {
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
    this.pos = p;
  }

  /** The bytes written so far: a copy, or a view of the internal buffer. */
  result(copy: boolean): Uint8Array {
    return copy ? this.buf.slice(0, this.pos) : this.buf.subarray(0, this.pos);
  }
}

/** Byte length of `text` in UTF-8 with `surrogatepass` (a lone surrogate is 3 bytes, a pair 4). */
export function utf8Length(text: string): number {
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
