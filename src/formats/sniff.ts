/**
 * Recognises common file formats that are not pickles by their first bytes,
 * so that a reader can say what its input is and what to use instead of a
 * cryptic error from the first opcode. Every check is on a few bytes at the
 * start (and, for safetensors, a length claim checked against the input), so
 * it costs nothing whatever the input's size.
 *
 * @module
 */

/** A format recognised by {@link sniffFormat}. */
export interface SniffedFormat {
  /** A short name: `zip`, `npy`, `gzip`, `bz2`, `xz`, `zstd`, `hdf5`, `safetensors`, `json`, `text`. */
  readonly kind: 'zip' | 'npy' | 'gzip' | 'bz2' | 'xz' | 'zstd' | 'hdf5' | 'safetensors' | 'json' | 'text';
  /** What the input is, as a phrase (`a gzip-compressed file`). */
  readonly description: string;
  /** What to use instead, as a sentence fragment (`decompress it first (gunzip)`). */
  readonly advice: string;
  /**
   * Whether the first bytes alone decide it (a magic number no pickle starts
   * with). `json` and `text` are guesses: a protocol 0 pickle is text too,
   * so they are only worth saying once loading the input as a pickle failed.
   */
  readonly certain: boolean;
}

function startsWith(data: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (data.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (data[at + i] !== magic[i]) return false;
  return true;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** How many leading bytes the text and JSON guesses look at. */
const TEXT_WINDOW = 4096;

/**
 * What `data` is when it is not a pickle: a zip archive (a PyTorch checkpoint,
 * an `.npz`), a numpy `.npy`, a compressed file (gzip, bz2, xz, zstd), HDF5
 * (Keras, h5py), safetensors, JSON or plain text; undefined when its first
 * bytes say nothing (it may well be a pickle).
 *
 * @param data the input, or at least its first few kilobytes.
 * @returns the format, or undefined.
 * @example
 * ```ts
 * import { sniffFormat } from 'brine';
 * sniffFormat(new Uint8Array([0x1f, 0x8b, 8, 0]))?.kind; // 'gzip'
 * sniffFormat(new Uint8Array([0x80, 4, 0x4e, 0x2e])); // undefined: a pickle
 * ```
 */
export function sniffFormat(data: Uint8Array): SniffedFormat | undefined {
  if (startsWith(data, [0x50, 0x4b, 0x03, 0x04]) || startsWith(data, [0x50, 0x4b, 0x05, 0x06])) {
    return {
      kind: 'zip',
      description: 'a zip archive (a PyTorch checkpoint written by torch.save, or a numpy .npz)',
      advice:
        'its pickles are entries inside it (a PyTorch checkpoint: <folder>/data.pkl); "brine scan" rates them',
      certain: true,
    };
  }
  if (startsWith(data, [0x93, ...ascii('NUMPY')])) {
    return {
      kind: 'npy',
      description: 'a numpy .npy file',
      advice:
        'read it as a numpy array (only an array of objects holds a pickle, after the header: "brine scan" rates it)',
      certain: true,
    };
  }
  if (startsWith(data, [0x1f, 0x8b])) {
    return {
      kind: 'gzip',
      description: 'a gzip-compressed file',
      advice: 'decompress it first (gunzip)',
      certain: true,
    };
  }
  if (startsWith(data, ascii('BZh')) && data.length > 3 && data[3]! >= 0x31 && data[3]! <= 0x39) {
    return {
      kind: 'bz2',
      description: 'a bzip2-compressed file',
      advice: 'decompress it first (bunzip2)',
      certain: true,
    };
  }
  if (startsWith(data, [0xfd, ...ascii('7zXZ'), 0])) {
    return {
      kind: 'xz',
      description: 'an xz-compressed file',
      advice: 'decompress it first (xz -d)',
      certain: true,
    };
  }
  if (startsWith(data, [0x28, 0xb5, 0x2f, 0xfd])) {
    return {
      kind: 'zstd',
      description: 'a zstd-compressed file',
      advice: 'decompress it first (zstd -d)',
      certain: true,
    };
  }
  if (startsWith(data, [0x89, ...ascii('HDF'), 0x0d, 0x0a, 0x1a, 0x0a])) {
    return {
      kind: 'hdf5',
      description: 'an HDF5 file (Keras .h5, h5py)',
      advice: 'read it with h5py; it holds no pickle',
      certain: true,
    };
  }
  if (isSafetensors(data)) {
    return {
      kind: 'safetensors',
      description: 'a safetensors file',
      advice: 'read it with a safetensors reader; it holds no pickle and runs no code',
      certain: true,
    };
  }
  const text = textKind(data);
  if (text === 'json') {
    return {
      kind: 'json',
      description: 'JSON text',
      advice: 'parse it as JSON ("brine convert FILE --to pickle" makes a pickle of brine\'s JSON view)',
      certain: false,
    };
  }
  if (text === 'text') {
    return {
      kind: 'text',
      description: 'plain text',
      advice: 'not a pickle (a protocol 0 pickle is text too, but ends with "." and loads)',
      certain: false,
    };
  }
  return undefined;
}

/** An 8-byte little-endian header length that fits the input, then a JSON object. */
function isSafetensors(data: Uint8Array): boolean {
  if (data.length < 10 || data[8] !== 0x7b) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const high = view.getUint32(4, true);
  const n = view.getUint32(0, true);
  return (
    high === 0 && n >= 2 && 8 + n <= data.length && (data[9] === 0x22 || data[9] === 0x7d || data[9] === 0x20)
  );
}

/** `json` for text that starts like a JSON object, array or string; `text` for other text; undefined for binary data. */
function textKind(data: Uint8Array): 'json' | 'text' | undefined {
  if (data.length === 0) return undefined;
  const end = Math.min(data.length, TEXT_WINDOW);
  let first = -1;
  for (let i = 0; i < end; i++) {
    const b = data[i]!;
    // Tabs, newlines, CR and printable ASCII; bytes of UTF-8 sequences are let through.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return undefined;
    if (b === 0x7f) return undefined;
    if (first < 0 && b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) first = b;
  }
  if (first < 0) return 'text';
  // '{', '[' and '"' start no pickle opcode.
  if (first === 0x7b || first === 0x5b || first === 0x22) return 'json';
  return 'text';
}

/**
 * The sentence to add to a load error when the input is a known format that
 * is not a pickle (`; the input looks like a gzip-compressed file: ...`), or
 * `''`. A guess (JSON, text) is only given when loading failed at the first
 * opcode.
 *
 * @param data the input.
 * @param at the offset where loading failed.
 * @returns the hint, or `''`.
 */
export function formatHint(data: Uint8Array, at: number | undefined): string {
  const format = sniffFormat(data);
  if (format === undefined || (!format.certain && (at === undefined || at > 1))) return '';
  return `; the input looks like ${format.description}: ${format.advice}`;
}
