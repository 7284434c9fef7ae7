/**
 * Text to bytes, as `str.encode` and `_codecs.encode` do for the codecs
 * pickles use: a module of its own, apart from the tables, because the
 * unpickler recognises `_codecs.encode` (see Unpickler#codecsLatin1) and
 * must not import a reconstructor table.
 *
 * @module
 */

import type { ReconstructContext, Reconstructor } from '../reconstruct.js';

/** Python's codec names for the text encodings pickles use, normalised like `codecs.lookup`. */
function normaliseCodec(name: string): string {
  return name.toLowerCase().replace(/[-_ ]/g, '');
}

/** Node's `Buffer#latin1Write`, taken from `globalThis` when it exists (no Node module is imported). */
const nativeLatin1Write = (
  globalThis as {
    Buffer?: {
      prototype: { latin1Write?: (this: Uint8Array, s: string, offset: number, length: number) => number };
    };
  }
).Buffer?.prototype.latin1Write;
/** From this many characters on, latin-1 and ASCII text is checked by a regular expression and copied natively. */
const NATIVE_ENCODE = 256;
const NOT_LATIN1 = /[\u0100-\uffff]/;
const NOT_ASCII = /[\x80-\uffff]/;

function encodeFailure(c: number, encoding: string, context: ReconstructContext): never {
  return context.fail(`cannot encode character U+${c.toString(16).padStart(4, '0')} with ${encoding}`);
}

/** `str.encode(encoding)` for the codecs CPython's pickler uses (latin-1), plus ascii and utf-8. */
export function encodeText(
  text: string,
  encoding: string,
  context: ReconstructContext,
): Uint8Array | undefined {
  const codec = normaliseCodec(encoding);
  if (
    codec === 'latin1' ||
    codec === 'iso88591' ||
    codec === 'l1' ||
    codec === 'ascii' ||
    codec === 'usascii'
  ) {
    const ascii = codec === 'ascii' || codec === 'usascii';
    const out = new Uint8Array(text.length);
    if (text.length >= NATIVE_ENCODE && nativeLatin1Write !== undefined) {
      // A regular expression finds a character out of range without a loop in JS (for latin-1 at
      // no cost at all when V8 holds the text as one byte per character), then one native copy.
      const bad = text.search(ascii ? NOT_ASCII : NOT_LATIN1);
      if (bad >= 0) encodeFailure(text.charCodeAt(bad), encoding, context);
      nativeLatin1Write.call(out, text, 0, text.length);
      return out;
    }
    const limit = ascii ? 0x80 : 0x100;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= limit) encodeFailure(c, encoding, context);
      out[i] = c;
    }
    return out;
  }
  if (codec === 'utf8') {
    if (!text.isWellFormed()) context.fail(`cannot encode a lone surrogate with ${encoding}`);
    return new TextEncoder().encode(text);
  }
  return undefined;
}

/**
 * `_codecs.encode(text, encoding)`, which protocols 0-2 write for a bytes
 * object (`_codecs.encode(<the bytes as Latin-1 text>, 'latin1')`). The
 * unpickler recognises that call spelled out around a long text and makes the
 * bytes without the text when this is the reconstructor of `_codecs.encode`
 * (see Unpickler#codecsLatin1): the result is the same.
 */
export const codecsEncode: Reconstructor = {
  call(args, context) {
    const [text, encoding = 'utf-8'] = args;
    if (args.length <= 2 && typeof text === 'string' && typeof encoding === 'string') {
      const bytes = encodeText(text, encoding, context);
      if (bytes !== undefined) return bytes;
    }
    return context.inert('reduce', context.global, args);
  },
};
