/**
 * A small, careful zip reader for the scanner (PyTorch's `torch.save` files
 * are zip archives). It lists entries from the central directory and from
 * the local headers, reports every place where the two disagree (a name that
 * differs, as in CVE-2025-1944, a CRC that does not match, flag bits, an
 * entry only one of them lists), returns stored entries as views and
 * deflated ones through an inflate function the caller supplies (so the
 * module needs no Node API and runs in a browser). Sizes in the archive are
 * claims: nothing is allocated from them, and inflated output is bounded.
 * Zip64 and encrypted entries are refused with a clear message.
 *
 * @module
 */
import { PickleError } from '../errors.js';

/** Raised for an archive that cannot be read (no central directory, zip64, a truncated record...). */
export class ZipError extends PickleError {
  /** Byte offset of the record that could not be read, when known. */
  readonly offset: number | undefined;
  /** The message without the offset. */
  readonly reason: string;
  constructor(reason: string, offset?: number) {
    super(
      offset === undefined ? `Cannot read zip: ${reason}` : `Cannot read zip at offset ${offset}: ${reason}`,
    );
    this.reason = reason;
    this.offset = offset;
  }
  override get name(): string {
    return 'ZipError';
  }
}

/**
 * Inflates raw deflate data (no zlib header). In Node:
 * `(bytes, max) => zlib.inflateRawSync(bytes, { maxOutputLength: max })`.
 * `maxOutputLength` is the most the caller accepts; an implementation may
 * stop (or throw) once it is exceeded.
 */
export type InflateRaw = (data: Uint8Array, maxOutputLength: number) => Uint8Array;

/** One entry of an archive. */
export interface ZipEntry {
  /** The name in the central directory (what Python's zipfile and PyTorch's reader use), or the local name for an entry only the local headers list. */
  readonly name: string;
  /** The name in the entry's local header, when the header could be read. */
  readonly localName: string | undefined;
  /** Where the entry was found: `central` (the central directory) or `local` (only a local header lists it). */
  readonly source: 'central' | 'local';
  /** Compression method: 0 stored, 8 deflated, anything else unsupported. */
  readonly method: number;
  /** General purpose flag bits (bit 0: encrypted, bit 3: sizes in a data descriptor, bit 11: UTF-8 names). */
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  /** Declared uncompressed size. */
  readonly size: number;
  /** Offset of the local header. */
  readonly headerOffset: number;
  /** Offset of the entry's data, when the local header could be read. */
  readonly dataOffset: number | undefined;
  /** What is wrong or suspicious with this entry (empty when nothing is). */
  readonly problems: readonly string[];
  /** False when {@link readZipEntry} will refuse it (encrypted, zip64, unsupported method, out of bounds). */
  readonly readable: boolean;
}

/** The entries of an archive and the problems of the archive as a whole. */
export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  readonly problems: readonly string[];
  /** The end record read (the last signature with a whole record after it, as miniz and zipfile take). */
  readonly endRecord: number;
  /**
   * Other end records a reader could take instead (earlier ones whose comment
   * reaches the end of the file and whose central directory is in place):
   * pass one to {@link readZip} to list the archive as that reader sees it.
   */
  readonly otherEndRecords: readonly number[];
  /**
   * Bytes between the central directory and its end record: Python's zipfile
   * takes them for data prepended to the archive and moves every offset by
   * this much (miniz does not). Pass `shifted` to {@link readZip} to list the
   * archive as zipfile does.
   */
  readonly shift: number;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
/** Largest deflate expansion ratio (deflate's maximum is about 1032:1). */
const MAX_RATIO = 1032;
/** Default cap on one inflated entry. */
const DEFAULT_MAX_SIZE = 1 << 30;

/**
 * True when `data` starts like a zip archive (a local header, or the end
 * record of an empty archive).
 *
 * @param data the file's bytes.
 * @returns whether the zip magic is present.
 * @example
 * ```ts
 * isZip(new Uint8Array([0x50, 0x4b, 3, 4])); // true
 * ```
 */
export function isZip(data: Uint8Array): boolean {
  if (data.length < 4 || data[0] !== 0x50 || data[1] !== 0x4b) return false;
  return (data[2] === 3 && data[3] === 4) || (data[2] === 5 && data[3] === 6);
}

/**
 * Lists the entries of a zip archive, from its central directory and its
 * local headers, with every inconsistency between them.
 *
 * @param data the archive's bytes.
 * @param endRecord offset of the end record to use (one of `otherEndRecords`); by default the one
 *   PyTorch's reader (miniz) and Python's zipfile use.
 * @param shifted read every offset as Python's zipfile does: moved by the bytes found between the
 *   central directory and its end record (`shift`: data prepended to the archive); miniz does not.
 * @returns the entries (central directory order, then entries only local headers list) and the archive's problems.
 * @throws {@link ZipError} when there is no readable end of central directory or central directory, or the archive is zip64.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const archive = readZip(readFileSync('model.pt'));
 * for (const entry of archive.entries) console.log(entry.name, entry.size, entry.problems);
 * ```
 */
export function readZip(data: Uint8Array, endRecord?: number, shifted = false): ZipArchive {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const problems: string[] = [];
  const candidates = findEndRecords(data, view);
  const eocd = endRecord ?? candidates[0] ?? -1;
  if (eocd < 0 || eocd + 22 > data.length || view.getUint32(eocd, true) !== EOCD_SIG) {
    throw new ZipError('no end of central directory record');
  }
  const otherEndRecords = candidates
    .slice(1)
    .filter((at) => at !== eocd && plausibleEndRecord(data, view, at));
  if (endRecord !== undefined && candidates[0] !== undefined && candidates[0] !== endRecord) {
    otherEndRecords.unshift(candidates[0]);
  }
  if (otherEndRecords.length > 0) {
    problems.push(
      `more than one end of central directory record (at ${[eocd, ...otherEndRecords].join(', ')}): readers that validate it differently list other entries`,
    );
  }
  const disk = view.getUint16(eocd + 4, true);
  const cdDisk = view.getUint16(eocd + 6, true);
  const countHere = view.getUint16(eocd + 8, true);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  // zipfile's "concat": bytes before the archive, which it adds to every offset.
  const shift = Math.max(0, eocd - cdSize - cdOffset);
  if (shifted) cdOffset += shift;
  if (
    (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIG) ||
    count === 0xffff ||
    cdOffset === 0xffffffff ||
    cdSize === 0xffffffff
  ) {
    throw new ZipError('zip64 archives are not supported', eocd);
  }
  if (disk !== 0 || cdDisk !== 0 || countHere !== count) {
    throw new ZipError('multi-disk archives are not supported', eocd);
  }
  if (cdOffset + cdSize > eocd) {
    throw new ZipError(
      `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record`,
      eocd,
    );
  }
  if (cdOffset + cdSize !== eocd) {
    problems.push(
      `${eocd - cdOffset - cdSize} bytes between the central directory and its end record (zipfile moves every offset by them)`,
    );
  }
  const commentEnd = eocd + 22 + view.getUint16(eocd + 20, true);
  if (commentEnd < data.length) problems.push('data after the end of central directory record');
  if (commentEnd > data.length) problems.push("the end record's comment runs past the end of the file");

  const entries: ZipEntry[] = [];
  const seenNames = new Set<string>();
  const seenOffsets = new Set<number>();
  let pos = cdOffset;
  // miniz reads as many entries as the end record counts; zipfile reads entries until the
  // directory's size is used up: both sets are listed, the extra ones with a problem.
  for (let i = 0; ; i++) {
    const extra = i >= count;
    if (
      extra &&
      (pos + 46 > cdOffset + cdSize ||
        view.getUint32(pos, true) !== CENTRAL_SIG ||
        pos +
          46 +
          view.getUint16(pos + 28, true) +
          view.getUint16(pos + 30, true) +
          view.getUint16(pos + 32, true) >
          cdOffset + cdSize)
    ) {
      break;
    }
    if (pos + 46 > cdOffset + cdSize || view.getUint32(pos, true) !== CENTRAL_SIG) {
      throw new ZipError(`central directory entry ${i} is missing or truncated`, pos);
    }
    const flags = view.getUint16(pos + 8, true);
    const method = view.getUint16(pos + 10, true);
    const crc = view.getUint32(pos + 16, true);
    const compressedSize = view.getUint32(pos + 20, true);
    const size = view.getUint32(pos + 24, true);
    const nameLen = view.getUint16(pos + 28, true);
    const extraLen = view.getUint16(pos + 30, true);
    const commentLen = view.getUint16(pos + 32, true);
    const headerOffset = view.getUint32(pos + 42, true) + (shifted ? shift : 0);
    const next = pos + 46 + nameLen + extraLen + commentLen;
    if (next > cdOffset + cdSize) throw new ZipError(`central directory entry ${i} is truncated`, pos);
    const rawName = data.subarray(pos + 46, pos + 46 + nameLen);
    const name = decodeName(rawName, flags);
    const entryProblems: string[] = [];
    if (extra) {
      entryProblems.push(
        `listed after the ${count} entries the end record counts (zipfile reads it, PyTorch's reader does not)`,
      );
    }
    let readable = true;
    if (compressedSize === 0xffffffff || size === 0xffffffff || headerOffset === 0xffffffff) {
      entryProblems.push('zip64 entry (not supported)');
      readable = false;
    }
    if (seenNames.has(name)) entryProblems.push('the central directory lists this name twice');
    seenNames.add(name);
    if (seenOffsets.has(headerOffset)) entryProblems.push('shares its local header with another entry');
    seenOffsets.add(headerOffset);
    // miniz and zipfile read a local header anywhere in the file: so does this reader.
    const local = readable ? readLocal(data, view, headerOffset, data.length) : undefined;
    let localName: string | undefined;
    let dataOffset: number | undefined;
    if (local === undefined) {
      if (readable) entryProblems.push(`no local header at offset ${headerOffset}`);
      readable = false;
    } else {
      localName = decodeName(local.rawName, local.flags);
      dataOffset = local.dataOffset;
      if (!sameBytes(local.rawName, rawName)) {
        entryProblems.push(
          `name differs between the central directory (${JSON.stringify(name)}) and the local header (${JSON.stringify(localName)})`,
        );
      }
      if (local.flags !== flags) {
        entryProblems.push(`flag bits differ (central 0x${hex(flags)}, local 0x${hex(local.flags)})`);
      }
      if (local.method !== method) {
        entryProblems.push(`compression method differs (central ${method}, local ${local.method})`);
      }
      if (
        (flags & 8) === 0 &&
        (local.crc !== crc || local.compressedSize !== compressedSize || local.size !== size)
      ) {
        entryProblems.push('CRC or sizes differ between the central directory and the local header');
      }
      if (headerOffset >= cdOffset) {
        entryProblems.push(`local header at ${headerOffset}, after the start of the central directory`);
      } else if (dataOffset + compressedSize > cdOffset) {
        entryProblems.push(`data (${compressedSize} bytes at ${dataOffset}) runs into the central directory`);
      }
      if (dataOffset + compressedSize > data.length) {
        entryProblems.push(`data (${compressedSize} bytes at ${dataOffset}) runs past the end of the file`);
        readable = false;
      }
    }
    if ((flags & 1) !== 0) {
      entryProblems.push('encrypted entry (cannot be read)');
      readable = false;
    }
    if ((flags & ~(1 | 2 | 4 | 8 | 0x800)) !== 0) entryProblems.push(`unusual flag bits 0x${hex(flags)}`);
    if (method !== 0 && method !== 8) {
      entryProblems.push(`compression method ${method} (only stored and deflated are supported)`);
      readable = false;
    }
    if (method === 0 && compressedSize !== size) entryProblems.push('stored entry whose two sizes differ');
    entries.push({
      name,
      localName,
      source: 'central',
      method,
      flags,
      crc32: crc,
      compressedSize,
      size,
      headerOffset,
      dataOffset,
      problems: entryProblems,
      readable,
    });
    pos = next;
  }
  if (pos !== cdOffset + cdSize) problems.push('central directory holds bytes after its last entry');

  // Local headers in file order: an entry a streaming reader would see but the central directory hides.
  pos = shifted ? shift : 0;
  while (pos + 30 <= cdOffset && view.getUint32(pos, true) === LOCAL_SIG) {
    const local = readLocal(data, view, pos, cdOffset);
    if (local === undefined) break;
    if (!seenOffsets.has(pos)) {
      const name = decodeName(local.rawName, local.flags);
      const readable =
        (local.flags & 9) === 0 &&
        (local.method === 0 || local.method === 8) &&
        local.dataOffset + local.compressedSize <= cdOffset;
      problems.push(
        `local header at offset ${pos} (${JSON.stringify(name)}) is not in the central directory`,
      );
      entries.push({
        name,
        localName: name,
        source: 'local',
        method: local.method,
        flags: local.flags,
        crc32: local.crc,
        compressedSize: local.compressedSize,
        size: local.size,
        headerOffset: pos,
        dataOffset: local.dataOffset,
        problems: ['only a local header lists this entry'],
        readable,
      });
    }
    if ((local.flags & 8) !== 0) break; // sizes come after the data: the next header cannot be found safely
    pos = local.dataOffset + local.compressedSize;
  }
  return { entries, problems, endRecord: eocd, otherEndRecords, shift };
}

/**
 * The uncompressed bytes of one entry: a view into `data` for a stored
 * entry, the output of `options.inflateRaw` for a deflated one. The output
 * must have the declared size (which may not exceed `maxSize`, nor what
 * deflate can expand the compressed bytes to); a CRC mismatch is not an error
 * here (PyTorch ignores CRCs) but is reported by {@link crcMatches}.
 *
 * @param data the archive's bytes.
 * @param entry an entry {@link readZip} returned for `data`.
 * @param options `inflateRaw` for deflated entries; `maxSize` caps the output (default 1 GiB).
 * @returns the entry's bytes.
 * @throws {@link ZipError} for an unreadable entry, a deflated entry without `inflateRaw`, or output of the wrong size.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { inflateRawSync } from 'node:zlib';
 * import { readZip, readZipEntry } from 'brine';
 * const data = readFileSync('model.pt');
 * const [entry] = readZip(data).entries;
 * const bytes = readZipEntry(data, entry!, { inflateRaw: (b, max) => inflateRawSync(b, { maxOutputLength: max }) });
 * ```
 */
export function readZipEntry(
  data: Uint8Array,
  entry: ZipEntry,
  options?: { inflateRaw?: InflateRaw; maxSize?: number },
): Uint8Array {
  if (!entry.readable || entry.dataOffset === undefined) {
    throw new ZipError(`entry ${JSON.stringify(entry.name)} cannot be read: ${entry.problems.join('; ')}`);
  }
  const start = entry.dataOffset;
  const end = start + entry.compressedSize;
  if (end > data.length) throw new ZipError(`entry ${JSON.stringify(entry.name)} is truncated`, start);
  const raw = data.subarray(start, end);
  if (entry.method === 0) return raw;
  const maxSize = options?.maxSize ?? DEFAULT_MAX_SIZE;
  if (entry.size > entry.compressedSize * MAX_RATIO + 1024) {
    throw new ZipError(
      `entry ${JSON.stringify(entry.name)} declares ${entry.size} bytes, more than deflate can make of ${entry.compressedSize}`,
    );
  }
  if (entry.size > maxSize) {
    throw new ZipError(
      `entry ${JSON.stringify(entry.name)} declares ${entry.size} bytes, more than ${maxSize}`,
    );
  }
  const inflate = options?.inflateRaw;
  if (inflate === undefined) {
    throw new ZipError(
      `entry ${JSON.stringify(entry.name)} is deflated and no inflateRaw function was given`,
    );
  }
  let out: Uint8Array;
  try {
    out = inflate(raw, Math.max(1, entry.size));
  } catch (error) {
    throw new ZipError(
      `entry ${JSON.stringify(entry.name)} does not inflate to its declared ${entry.size} bytes: ${error instanceof Error ? error.message : String(error)}`,
      start,
    );
  }
  if (out.length !== entry.size) {
    throw new ZipError(
      `entry ${JSON.stringify(entry.name)} inflates to ${out.length} bytes, not its declared ${entry.size}`,
      start,
    );
  }
  return out;
}

/**
 * Whether `bytes` (an entry's uncompressed content) match the entry's CRC-32.
 *
 * @param entry the entry.
 * @param bytes what {@link readZipEntry} returned for it.
 * @returns true when the CRC-32 matches.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { crcMatches, readZip, readZipEntry } from 'brine';
 * const data = readFileSync('model.pt');
 * for (const entry of readZip(data).entries)
 *   if (!crcMatches(entry, readZipEntry(data, entry))) console.warn('CRC mismatch');
 * ```
 */
export function crcMatches(entry: ZipEntry, bytes: Uint8Array): boolean {
  return crc32(bytes) === entry.crc32;
}

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (the zip and zlib polynomial) of `bytes`.
 *
 * @param bytes the data.
 * @returns the unsigned CRC-32.
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  let table = crcTable;
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    crcTable = table;
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface LocalHeader {
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly rawName: Uint8Array;
  readonly dataOffset: number;
}

function readLocal(data: Uint8Array, view: DataView, pos: number, limit: number): LocalHeader | undefined {
  if (pos + 30 > limit || view.getUint32(pos, true) !== LOCAL_SIG) return undefined;
  const nameLen = view.getUint16(pos + 26, true);
  const extraLen = view.getUint16(pos + 28, true);
  const dataOffset = pos + 30 + nameLen + extraLen;
  if (dataOffset > limit) return undefined;
  return {
    flags: view.getUint16(pos + 6, true),
    method: view.getUint16(pos + 8, true),
    crc: view.getUint32(pos + 14, true),
    compressedSize: view.getUint32(pos + 18, true),
    size: view.getUint32(pos + 22, true),
    rawName: data.subarray(pos + 30, pos + 30 + nameLen),
    dataOffset,
  };
}

/** Most end record signatures looked at (a comment full of them costs no more). */
const MAX_END_RECORDS = 16;

/**
 * The end of central directory record signatures with a whole record after
 * them, last first, over the largest possible comment. The first is the one
 * PyTorch's reader (miniz) and Python's zipfile take, whatever its comment
 * length says; the others are what a stricter reader may take instead.
 */
function findEndRecords(data: Uint8Array, view: DataView): number[] {
  const found: number[] = [];
  const last = data.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let pos = last; pos >= first && found.length < MAX_END_RECORDS; pos--) {
    if (data[pos] === 0x50 && view.getUint32(pos, true) === EOCD_SIG) found.push(pos);
  }
  return found;
}

/** An end record whose comment reaches exactly the end of the file and whose central directory is in place. */
function plausibleEndRecord(data: Uint8Array, view: DataView, pos: number): boolean {
  if (pos + 22 + view.getUint16(pos + 20, true) !== data.length) return false;
  const count = view.getUint16(pos + 10, true);
  const cdSize = view.getUint32(pos + 12, true);
  const cdOffset = view.getUint32(pos + 16, true);
  if (cdOffset + cdSize > pos) return false;
  return count === 0 || (cdOffset + 4 <= pos && view.getUint32(cdOffset, true) === CENTRAL_SIG);
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Bit 11 says UTF-8; otherwise the name is code page 437, shown here as Latin-1 (identical for ASCII names). */
function decodeName(raw: Uint8Array, flags: number): string {
  return (flags & 0x800) !== 0 ? utf8.decode(raw) : latin1.decode(raw);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
