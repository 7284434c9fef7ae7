/**
 * A minimal tar reader: lists the members of an archive in memory (ustar,
 * PAX `path` and `size` records, GNU long names), as Python's tarfile reads
 * them, for the scanner (PyTorch's legacy checkpoints before 0.4 were tar
 * archives of pickles). Sizes are claims checked against the input; time is
 * linear in the input.
 *
 * @module
 */
import { decodeLatin1, decodeUtf8, TextDecodeError } from '../text.js';

/** One member of a tar archive. */
export interface TarEntry {
  readonly name: string;
  /** The type flag (`0` or NUL for a file, `5` a folder, `2` a link ...). */
  readonly type: string;
  /** Offset of its 512-byte header. */
  readonly headerOffset: number;
  /** Offset of its data. */
  readonly dataOffset: number;
  readonly size: number;
}

/** A tar archive that cannot be read. */
export class TarError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TarError';
  }
}

const BLOCK = 512;

/** The header checksum: the sum of its bytes with the checksum field read as spaces. */
function checksum(data: Uint8Array, at: number): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : data[at + i]!;
  return sum;
}

/** An octal field (NUL or space terminated), or a base-256 one (high bit set); -1 when it is neither. */
function numberField(data: Uint8Array, at: number, length: number): number {
  if ((data[at]! & 0x80) !== 0) {
    let n = data[at]! & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + data[at + i]!;
    return n;
  }
  const text = decodeLatin1(data, at, length)
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : -1;
}

function textField(data: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && data[end] !== 0) end++;
  try {
    return decodeUtf8(data, at, end - at);
  } catch (error) {
    if (!(error instanceof TextDecodeError)) throw error;
    return decodeLatin1(data, at, end - at);
  }
}

/** Whether `data` starts with a tar header whose checksum is right. */
export function isTar(data: Uint8Array): boolean {
  if (data.length < BLOCK) return false;
  const stored = numberField(data, 148, 8);
  return stored >= 0 && stored === checksum(data, 0) && data[0] !== 0;
}

/**
 * The members of a tar archive, in order (a name may occur more than once:
 * tarfile's `getmember` takes the last).
 *
 * @param data the archive.
 * @returns its members.
 * @throws {@link TarError} for a header with a bad checksum or a size past the end.
 */
export function readTar(data: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  while (at + BLOCK <= data.length) {
    if (data[at] === 0 && data.subarray(at, at + BLOCK).every((b) => b === 0)) break; // end of archive
    const stored = numberField(data, at + 148, 8);
    if (stored < 0 || stored !== checksum(data, at)) throw new TarError('tar header checksum mismatch', at);
    const size = numberField(data, at + 124, 12);
    if (size < 0) throw new TarError('tar header size is not a number', at);
    const dataOffset = at + BLOCK;
    if (dataOffset + size > data.length)
      throw new TarError(`tar member of ${size} bytes runs past the end`, at);
    const type = String.fromCharCode(data[at + 156]!);
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = textField(data, dataOffset, size);
    } else if (type === 'x' || type === 'g') {
      if (type === 'x') pax = parsePax(data.subarray(dataOffset, dataOffset + size));
    } else {
      let name = textField(data, at, 100);
      if (decodeLatin1(data, at + 257, 5) === 'ustar') {
        const prefix = textField(data, at + 345, 155);
        if (prefix !== '') name = `${prefix}/${name}`;
      }
      if (longName !== undefined) name = longName;
      let realSize = size;
      if (pax !== undefined) {
        name = pax.get('path') ?? name;
        const paxSize = pax.get('size');
        if (paxSize !== undefined && /^\d+$/.test(paxSize)) realSize = Number(paxSize);
        if (dataOffset + realSize > data.length) throw new TarError('tar member runs past the end', at);
      }
      entries.push({ name, type: type === '\0' ? '0' : type, headerOffset: at, dataOffset, size: realSize });
      longName = undefined;
      pax = undefined;
      at = dataOffset + Math.ceil(realSize / BLOCK) * BLOCK;
      continue;
    }
    at = next;
  }
  return entries;
}

/** PAX records: `<length> <key>=<value>\n`. */
function parsePax(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(decodeLatin1(bytes, at, space - at));
    if (!Number.isInteger(length) || length <= 0 || at + length > bytes.length) break;
    const record = textField(bytes, space + 1, length - (space + 1 - at) - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return out;
}
