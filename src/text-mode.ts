/**
 * Recognizes pickles damaged by text mode (newline translation, decoding and
 * re-encoding as text) when loading one fails, and says so in the error.
 * The core hints at it when the damage shows at the start of the data or in a
 * truncation; this looks at the whole of what was read.
 *
 * @module
 */
import { UnpicklingError } from './errors.js';

const ADVICE = 'read and write pickles in binary mode';

/**
 * The loader's quick hint, from the start of the data only (and its first
 * CR LF): data that was decoded and re-encoded as text, or written with
 * newline translation. `''` when there is none. {@link textModeHint} looks
 * at the whole data when a load has failed.
 */
export function startTextModeHint(data: Uint8Array): string {
  const b0 = data[0];
  const b1 = data[1];
  if (b0 === 0xc2 && b1 !== undefined && b1 >= 0x80 && b1 <= 0xbf) {
    return `; the data starts with the UTF-8 encoding of a byte >= 0x80: it looks like a pickle that was decoded and re-encoded as text (a file opened in text mode); ${ADVICE}`;
  }
  if (b0 === 0xef && b1 === 0xbf && data[2] === 0xbd) {
    return `; the data starts with U+FFFD: it looks like a pickle that was decoded as text with replacement characters (a file opened in text mode); ${ADVICE}`;
  }
  const cr = data.indexOf(0x0d);
  if (cr !== -1 && data[cr + 1] === 0x0a) {
    return `; the data contains CR LF line ends: it looks like a pickle written or read in text mode with newline translation; ${ADVICE}`;
  }
  return '';
}

/**
 * Returns `error` with a text-mode hint added when `data` shows signs of text
 * mode and the message has none yet, and with `base` added to its offset.
 *
 * @param error what the loader threw for `data`.
 * @param data the bytes the error's offset counts from.
 * @param base offset of `data[0]` in the whole input.
 * @returns `error` itself when there is nothing to change, else a new error
 *   with the same opcode, reason (plus the hint) and `truncated` flag, and
 *   `error` as its cause.
 */
export function withTextModeHint(error: UnpicklingError, data: Uint8Array, base: number): UnpicklingError {
  const hint = /text mode/.test(error.reason) ? '' : textModeHint(data, error.offset);
  if (hint === '' && base === 0) return error;
  return new UnpicklingError(
    error.reason + hint,
    error.offset === undefined ? undefined : error.offset + base,
    error.opcode,
    { cause: error, truncated: error.truncated },
  );
}

/**
 * A hint for data that looks damaged by text mode, or `''`. `at` is where
 * loading failed.
 */
export function textModeHint(data: Uint8Array, at: number | undefined): string {
  if (at !== undefined) {
    const b = data[at];
    const c = data[at + 1];
    if ((b === 0xc2 || b === 0xc3) && c !== undefined && c >= 0x80 && c <= 0xbf) {
      return `; the bytes at the failing offset are the UTF-8 encoding of the byte 0x${(((b & 0x03) << 6) | (c & 0x3f)).toString(16)}: it looks like a pickle that was decoded and re-encoded as text (a file opened in text mode); ${ADVICE}`;
    }
  }
  if (isLatin1AsUtf8(data)) {
    return `; every byte >= 0x80 of the data is part of the UTF-8 encoding of a Latin-1 character: it looks like a pickle that was decoded and re-encoded as text (a file opened in text mode); ${ADVICE}`;
  }
  if (hasReplacementCharacter(data)) {
    return `; the data contains U+FFFD replacement characters: it may be a pickle that was decoded as text (a file opened in text mode); ${ADVICE}`;
  }
  if (onlyCrLf(data)) {
    return `; every line feed of the data follows a carriage return: it looks like a pickle written or read in text mode with newline translation; ${ADVICE}`;
  }
  return '';
}

/** True when the data has bytes >= 0x80 and each is one of the two-byte UTF-8 sequences of U+0080 to U+00FF. */
function isLatin1AsUtf8(data: Uint8Array): boolean {
  let pairs = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b < 0x80) continue;
    const c = data[i + 1];
    if ((b !== 0xc2 && b !== 0xc3) || c === undefined || c < 0x80 || c > 0xbf) return false;
    pairs++;
    i++;
  }
  return pairs > 0;
}

function hasReplacementCharacter(data: Uint8Array): boolean {
  for (let i = data.indexOf(0xef); i !== -1 && i + 2 < data.length; i = data.indexOf(0xef, i + 1)) {
    if (data[i + 1] === 0xbf && data[i + 2] === 0xbd) return true;
  }
  return false;
}

/** True when the data has line feeds and a carriage return precedes each. */
function onlyCrLf(data: Uint8Array): boolean {
  let found = false;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) {
    if (i === 0 || data[i - 1] !== 0x0d) return false;
    found = true;
  }
  return found;
}
