/**
 * A small, careful zip reader for the scanner and the PyTorch loader
 * (`torch.save` files are zip archives, always with zip64 end records). It
 * lists entries from the central directory and from the local headers,
 * reports every place where the two disagree (a name that differs, as in
 * CVE-2025-1944, a CRC that does not match, flag bits, an entry only one of
 * them lists), returns stored entries as views and deflated ones through an
 * inflate function the caller supplies (so the module needs no Node API and
 * runs in a browser). Zip64 end records and extra fields (sizes and offsets
 * past 4 GiB) are read as PyTorch's reader (miniz) reads them.
 *
 * Two ways in: {@link readZip} takes the whole archive's bytes and checks
 * everything; {@link readZipDirectory} reads only the tail and the central
 * directory through a {@link ByteSource} (a file, a browser `Blob`), and
 * {@link readZipEntryFrom} an entry's bytes when they are needed.
 *
 * Sizes in the archive are claims: nothing is allocated from them, and
 * inflated output is bounded. Encrypted entries and other methods than
 * stored and deflated are refused with a clear message.
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
  /** False when {@link readZipEntry} will refuse it (encrypted, unsupported method, out of bounds, a zip64 marker without its field). */
  readonly readable: boolean;
  /** Whether the entry is within the count of the end record (PyTorch's reader lists only those; zipfile reads on). */
  readonly counted: boolean;
  /** Whether a size or offset of the entry came from a zip64 extra field. */
  readonly zip64: boolean;
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
  /** Offset of the zip64 end of central directory record, when the archive has one. */
  readonly zip64EndRecord: number | undefined;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
/** Fixed part of the zip64 end record (signature, its size field, and the fields after it). */
const ZIP64_EOCD_SIZE = 56;
/** Largest deflate expansion ratio (deflate's maximum is about 1032:1). */
const MAX_RATIO = 1032;
/** Default cap on one inflated entry. */
const DEFAULT_MAX_SIZE = 1 << 30;
/** The most bytes at the end of an archive that can hold its end records (end record, largest comment, zip64 locator). */
const TAIL_SIZE = 22 + 0xffff + 20;

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

/** A little-endian unsigned 64-bit field as a number (beyond 2^53: `Infinity`, larger than any file). */
function u64(view: DataView, pos: number): number {
  const n = view.getBigUint64(pos, true);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(n);
}

/** What the end records say about the central directory, zip64 values applied as miniz applies them. */
interface EndInfo {
  readonly count: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  /** Where the central directory must end: the zip64 end record, or the end record. */
  readonly cdLimit: number;
  readonly zip64EndRecord: number | undefined;
  readonly problems: string[];
}

/**
 * Reads the end record at `eocd` (offsets absolute; `view` covers the bytes
 * from `base`) and, when a zip64 locator precedes it, the zip64 end record
 * through `readAt` (which returns a view of `ZIP64_EOCD_SIZE` bytes at an
 * absolute offset, or undefined when out of bounds).
 */
function parseEnd(
  view: DataView,
  base: number,
  eocd: number,
  readAt: (offset: number) => DataView | undefined,
): EndInfo {
  const at = eocd - base;
  const problems: string[] = [];
  const disk = view.getUint16(at + 4, true);
  const cdDisk = view.getUint16(at + 6, true);
  const countHere = view.getUint16(at + 8, true);
  let count = view.getUint16(at + 10, true);
  let cdSize = view.getUint32(at + 12, true);
  let cdOffset = view.getUint32(at + 16, true);
  let cdLimit = eocd;
  let zip64EndRecord: number | undefined;
  const saturated =
    count === 0xffff || countHere === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff;
  if (at >= 20 && view.getUint32(at - 20, true) === ZIP64_LOCATOR_SIG) {
    const locator = eocd - 20;
    const z64Disk = view.getUint32(at - 16, true);
    const z64 = u64(view, at - 12);
    const disks = view.getUint32(at - 4, true);
    if (z64Disk !== 0 || disks > 1) throw new ZipError('multi-disk archives are not supported', locator);
    const record = z64 + ZIP64_EOCD_SIZE <= locator ? readAt(z64) : undefined;
    if (record === undefined || record.getUint32(0, true) !== ZIP64_EOCD_SIG) {
      throw new ZipError(`no zip64 end of central directory record at offset ${z64}`, locator);
    }
    if (z64 + ZIP64_EOCD_SIZE !== locator) {
      problems.push(
        `the zip64 end record (at ${z64}) is not right before its locator (zipfile reads the bytes before the locator instead)`,
      );
    }
    const recordSize = u64(record, 4);
    if (recordSize < ZIP64_EOCD_SIZE - 12 || z64 + 12 + recordSize > locator) {
      throw new ZipError(`the zip64 end record declares ${recordSize} bytes`, z64);
    }
    if (record.getUint32(16, true) !== 0 || record.getUint32(20, true) !== 0) {
      throw new ZipError('multi-disk archives are not supported', z64);
    }
    const count64Here = u64(record, 24);
    const count64 = u64(record, 32);
    const cdSize64 = u64(record, 40);
    const cdOffset64 = u64(record, 48);
    if (count64Here !== count64) throw new ZipError('multi-disk archives are not supported', z64);
    // miniz takes a zip64 value only where the end record's field is saturated; zipfile takes them all.
    if (
      (count !== 0xffff && count !== count64) ||
      (cdSize !== 0xffffffff && cdSize !== cdSize64) ||
      (cdOffset !== 0xffffffff && cdOffset !== cdOffset64)
    ) {
      problems.push(
        'the end record and the zip64 end record disagree (PyTorch reads the first where it is not saturated, zipfile the second)',
      );
    }
    if (count === 0xffff) count = count64;
    if (cdSize === 0xffffffff) cdSize = cdSize64;
    if (cdOffset === 0xffffffff) cdOffset = cdOffset64;
    cdLimit = z64;
    zip64EndRecord = z64;
  } else if (saturated) {
    throw new ZipError(
      'the end record has saturated fields (a zip64 marker) but no zip64 end record precedes it',
      eocd,
    );
  }
  if (disk !== 0 || cdDisk !== 0 || (countHere !== 0xffff && countHere !== count)) {
    throw new ZipError('multi-disk archives are not supported', eocd);
  }
  return { count, cdSize, cdOffset, cdLimit, zip64EndRecord, problems };
}

/** One central directory record, zip64 extra field applied. */
interface CentralRecord {
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly headerOffset: number;
  readonly rawName: Uint8Array;
  readonly next: number;
  readonly zip64: boolean;
  /** A saturated field without its zip64 value. */
  readonly zip64Missing: boolean;
}

/** Parses the central record at `pos` of `data` (which must not run past `end`), or undefined when it is truncated. */
function parseCentral(data: Uint8Array, view: DataView, pos: number, end: number): CentralRecord | undefined {
  if (pos + 46 > end || view.getUint32(pos, true) !== CENTRAL_SIG) return undefined;
  const nameLen = view.getUint16(pos + 28, true);
  const extraLen = view.getUint16(pos + 30, true);
  const commentLen = view.getUint16(pos + 32, true);
  const next = pos + 46 + nameLen + extraLen + commentLen;
  if (next > end) return undefined;
  let compressedSize = view.getUint32(pos + 20, true);
  let size = view.getUint32(pos + 24, true);
  let headerOffset = view.getUint32(pos + 42, true);
  let zip64 = false;
  let zip64Missing = false;
  if (compressedSize === 0xffffffff || size === 0xffffffff || headerOffset === 0xffffffff) {
    const field = findExtra(view, pos + 46 + nameLen, extraLen, 1);
    // The zip64 field holds, in this order, only the values whose 32-bit field is saturated.
    let at = field?.start ?? 0;
    const take = (saturated: number): number => {
      if (field === undefined || at + 8 > field.end) {
        zip64Missing = true;
        return saturated;
      }
      const v = u64(view, at);
      at += 8;
      return v;
    };
    if (size === 0xffffffff) size = take(size);
    if (compressedSize === 0xffffffff) compressedSize = take(compressedSize);
    if (headerOffset === 0xffffffff) headerOffset = take(headerOffset);
    zip64 = !zip64Missing;
  }
  return {
    flags: view.getUint16(pos + 8, true),
    method: view.getUint16(pos + 10, true),
    crc: view.getUint32(pos + 16, true),
    compressedSize,
    size,
    headerOffset,
    rawName: data.subarray(pos + 46, pos + 46 + nameLen),
    next,
    zip64,
    zip64Missing,
  };
}

/** The extra field `id` in the extra block at `pos` (`len` bytes), as a byte range. */
function findExtra(
  view: DataView,
  pos: number,
  len: number,
  id: number,
): { start: number; end: number } | undefined {
  const end = pos + len;
  while (pos + 4 <= end) {
    const fieldId = view.getUint16(pos, true);
    const fieldLen = view.getUint16(pos + 2, true);
    if (pos + 4 + fieldLen > end) return undefined;
    if (fieldId === id) return { start: pos + 4, end: pos + 4 + fieldLen };
    pos += 4 + fieldLen;
  }
  return undefined;
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
 * @throws {@link ZipError} when there is no readable end of central directory or central directory.
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
  const candidates = findEndRecords(data, view, 0);
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
  const end = parseEnd(view, 0, eocd, (offset) =>
    offset + ZIP64_EOCD_SIZE <= data.length
      ? new DataView(data.buffer, data.byteOffset + offset, ZIP64_EOCD_SIZE)
      : undefined,
  );
  problems.push(...end.problems);
  const { count, cdSize, cdLimit } = end;
  let { cdOffset } = end;
  // zipfile's "concat": bytes before the archive, which it adds to every offset.
  const shift = Math.max(0, cdLimit - cdSize - cdOffset);
  if (shifted) cdOffset += shift;
  if (cdOffset + cdSize > cdLimit) {
    throw new ZipError(
      `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record`,
      cdLimit,
    );
  }
  if (cdOffset + cdSize !== cdLimit) {
    problems.push(
      `${cdLimit - cdOffset - cdSize} bytes between the central directory and its end record (zipfile moves every offset by them)`,
    );
  }
  const commentEnd = eocd + 22 + view.getUint16(eocd + 20, true);
  if (commentEnd < data.length) problems.push('data after the end of central directory record');
  if (commentEnd > data.length) problems.push("the end record's comment runs past the end of the file");

  const entries: ZipEntry[] = [];
  const seenNames = new Set<string>();
  const seenOffsets = new Set<number>();
  const cdEnd = cdOffset + cdSize;
  let pos = cdOffset;
  // miniz reads as many entries as the end record counts; zipfile reads entries until the
  // directory's size is used up: both sets are listed, the extra ones with a problem.
  for (let i = 0; ; i++) {
    const extra = i >= count;
    const record = parseCentral(data, view, pos, cdEnd);
    if (record === undefined) {
      if (extra) break;
      throw new ZipError(`central directory entry ${i} is missing or truncated`, pos);
    }
    const { flags, method, crc, compressedSize, size, rawName, next } = record;
    const headerOffset = record.headerOffset + (shifted ? shift : 0);
    const name = decodeName(rawName, flags);
    const entryProblems: string[] = [];
    if (extra) {
      entryProblems.push(
        `listed after the ${count} entries the end record counts (zipfile reads it, PyTorch's reader does not)`,
      );
    }
    let readable = true;
    if (record.zip64Missing) {
      entryProblems.push('zip64 marker (a saturated size or offset) without its zip64 extra field');
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
    readable = checkEntry(flags, method, compressedSize, size, entryProblems) && readable;
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
      counted: !extra,
      zip64: record.zip64,
    });
    pos = next;
  }
  if (pos !== cdEnd) problems.push('central directory holds bytes after its last entry');

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
        counted: false,
        zip64: local.zip64,
      });
    }
    if ((local.flags & 8) !== 0) break; // sizes come after the data: the next header cannot be found safely
    pos = local.dataOffset + local.compressedSize;
  }
  return { entries, problems, endRecord: eocd, otherEndRecords, shift, zip64EndRecord: end.zip64EndRecord };
}

/** The problems of an entry's flags and method; false when it cannot be read. */
function checkEntry(
  flags: number,
  method: number,
  compressedSize: number,
  size: number,
  problems: string[],
): boolean {
  let readable = true;
  if ((flags & 1) !== 0) {
    problems.push('encrypted entry (cannot be read)');
    readable = false;
  }
  if ((flags & ~(1 | 2 | 4 | 8 | 0x800)) !== 0) problems.push(`unusual flag bits 0x${hex(flags)}`);
  if (method !== 0 && method !== 8) {
    problems.push(`compression method ${method} (only stored and deflated are supported)`);
    readable = false;
  }
  if (method === 0 && compressedSize !== size) problems.push('stored entry whose two sizes differ');
  return readable;
}

/**
 * The entries a name designates as PyTorch's reader (miniz) finds them: only
 * the entries the end record counts, and names compared ignoring ASCII case.
 * More than one match means readers may take different entries.
 *
 * @param entries the entries of {@link readZip} or {@link readZipDirectory}.
 * @param name the full name (`archive/data.pkl`).
 * @returns the matching entries, in central directory order.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const archive = readZip(bytes);
 * const [pkl] = matchZipEntries(archive.entries, 'ARCHIVE/data.pkl'); // names match as PyTorch matches them
 * pkl?.name; // 'archive/data.pkl'
 * ```
 */
export function matchZipEntries(entries: readonly ZipEntry[], name: string): ZipEntry[] {
  const wanted = asciiLower(name);
  return entries.filter((e) => e.source === 'central' && e.counted && asciiLower(e.name) === wanted);
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Random access to the bytes of a file, for reading an archive lazily:
 * `read` returns exactly `length` bytes at `offset` (fewer only at the end of
 * the file), synchronously or as a promise. {@link bytesSource} wraps bytes
 * in memory; `brine/node` has one for files, and a browser `Blob` is one with
 * `read: (o, n) => blob.slice(o, o + n).arrayBuffer().then((b) => new Uint8Array(b))`.
 */
export interface ByteSource {
  /** The file's size in bytes. */
  readonly size: number;
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
}

/**
 * A {@link ByteSource} over bytes in memory (reads are views, never copies).
 *
 * @param data the bytes.
 * @returns a synchronous source.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const directory = readZipDirectorySync(bytesSource(bytes));
 * directory.entries.map((e) => e.name); // ['archive/data.pkl', 'archive/version']
 * ```
 */
export function bytesSource(data: Uint8Array): ByteSource & {
  read(offset: number, length: number): Uint8Array;
} {
  return {
    size: data.length,
    read: (offset, length) => data.subarray(offset, Math.min(data.length, offset + length)),
  };
}

/**
 * A {@link ByteSource} over a browser `Blob` or `File` (any object with
 * `size` and `slice().arrayBuffer()`): reads are asynchronous slices.
 *
 * @param blob the blob.
 * @returns an asynchronous source.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const file = new Blob([bytes]); // in a browser, a File: `input.files[0]` of an <input type="file">
 * const directory = await readZipDirectory(blobSource(file));
 * directory.entries.map((e) => e.name); // ['archive/data.pkl', 'archive/version']
 * ```
 */
export function blobSource(blob: {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) =>
      new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + length)).arrayBuffer()),
  };
}

/** The central directory of an archive read through a {@link ByteSource}. */
export interface ZipDirectory {
  /** The entries the central directory lists, in its order (`localName` and `dataOffset` unknown until read). */
  readonly entries: readonly ZipEntry[];
  readonly problems: readonly string[];
  readonly endRecord: number;
  readonly zip64EndRecord: number | undefined;
}

/** A read request of a step function, and the bytes it gets back. */
type Steps<T> = Generator<readonly [offset: number, length: number], T, Uint8Array>;

function runSync<T>(steps: Steps<T>, source: ByteSource): T {
  let step = steps.next(new Uint8Array(0));
  while (!step.done) {
    const [offset, length] = step.value;
    const bytes = source.read(offset, length);
    if (bytes instanceof Promise || typeof (bytes as { then?: unknown }).then === 'function') {
      throw new ZipError('this source reads asynchronously: use the asynchronous function');
    }
    step = steps.next(bytes as Uint8Array);
  }
  return step.value;
}

async function runAsync<T>(steps: Steps<T>, source: ByteSource): Promise<T> {
  let step = steps.next(new Uint8Array(0));
  while (!step.done) {
    const [offset, length] = step.value;
    step = steps.next(await source.read(offset, length));
  }
  return step.value;
}

/** Reads `length` bytes at `offset`, refusing a short read. */
function* readExactly(offset: number, length: number, what: string): Steps<Uint8Array> {
  const bytes = yield [offset, length];
  if (bytes.length !== length) throw new ZipError(`${what} is truncated`, offset);
  return bytes;
}

function* directorySteps(size: number): Steps<ZipDirectory> {
  if (!Number.isSafeInteger(size) || size < 22) throw new ZipError('no end of central directory record');
  const base = Math.max(0, size - TAIL_SIZE);
  const tail = yield* readExactly(base, size - base, 'the end of the archive');
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const eocd = findEndRecords(tail, tailView, base)[0];
  if (eocd === undefined) throw new ZipError('no end of central directory record');
  let z64: DataView | undefined;
  const locator = eocd - 20;
  if (locator >= base && tailView.getUint32(locator - base, true) === ZIP64_LOCATOR_SIG) {
    const at = u64(tailView, locator - base + 8);
    if (at + ZIP64_EOCD_SIZE <= locator) {
      const record = yield* readExactly(at, ZIP64_EOCD_SIZE, 'the zip64 end record');
      z64 = new DataView(record.buffer, record.byteOffset, record.byteLength);
    }
  }
  const end = parseEnd(tailView, base, eocd, () => z64);
  const problems = [...end.problems];
  const { count, cdSize, cdOffset, cdLimit } = end;
  if (cdOffset + cdSize > cdLimit) {
    throw new ZipError(
      `central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record`,
      cdLimit,
    );
  }
  if (cdOffset + cdSize !== cdLimit) {
    problems.push(
      `${cdLimit - cdOffset - cdSize} bytes between the central directory and its end record (zipfile moves every offset by them)`,
    );
  }
  if (count * 46 > cdSize) {
    throw new ZipError(`the end record counts ${count} entries, more than ${cdSize} bytes can hold`, eocd);
  }
  const cd = yield* readExactly(cdOffset, cdSize, 'the central directory');
  const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries: ZipEntry[] = [];
  const seenNames = new Set<string>();
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const record = parseCentral(cd, view, pos, cd.length);
    if (record === undefined) {
      throw new ZipError(`central directory entry ${i} is missing or truncated`, cdOffset + pos);
    }
    const name = decodeName(record.rawName, record.flags);
    const entryProblems: string[] = [];
    let readable = checkEntry(record.flags, record.method, record.compressedSize, record.size, entryProblems);
    if (record.zip64Missing) {
      entryProblems.push('zip64 marker (a saturated size or offset) without its zip64 extra field');
      readable = false;
    }
    if (seenNames.has(name)) entryProblems.push('the central directory lists this name twice');
    seenNames.add(name);
    if (record.headerOffset + 30 + record.compressedSize > cdOffset) {
      entryProblems.push(`data (${record.compressedSize} bytes) runs into the central directory`);
      readable = false;
    }
    entries.push({
      name,
      localName: undefined,
      source: 'central',
      method: record.method,
      flags: record.flags,
      crc32: record.crc,
      compressedSize: record.compressedSize,
      size: record.size,
      headerOffset: record.headerOffset,
      dataOffset: undefined,
      problems: entryProblems,
      readable,
      counted: true,
      zip64: record.zip64,
    });
    pos = record.next;
  }
  return { entries, problems, endRecord: eocd, zip64EndRecord: end.zip64EndRecord };
}

/**
 * Reads the central directory of an archive from the end of a
 * {@link ByteSource}, without reading any entry: a few reads whatever the
 * archive's size (the tail, the zip64 end record, the directory).
 *
 * @param source the archive.
 * @returns the entries the end record counts, and the problems found.
 * @throws {@link ZipError} when the end records or the directory cannot be read.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const file = new Blob([bytes]); // in a browser, a File the user chose
 * const { entries } = await readZipDirectory(blobSource(file)); // reads the end of the file and its directory only
 * entries.map((e) => `${e.name}: ${e.size} bytes`);
 * ```
 */
export function readZipDirectory(source: ByteSource): Promise<ZipDirectory> {
  return runAsync(directorySteps(source.size), source);
}

/**
 * {@link readZipDirectory} for a source that reads synchronously.
 *
 * @param source the archive.
 * @returns the directory.
 * @throws {@link ZipError} as {@link readZipDirectory}, and when the source returns a promise.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const { entries } = readZipDirectorySync(bytesSource(bytes));
 * entries.map((e) => e.name); // ['archive/data.pkl', 'archive/version']
 * ```
 */
export function readZipDirectorySync(source: ByteSource): ZipDirectory {
  return runSync(directorySteps(source.size), source);
}

function* dataOffsetSteps(size: number, entry: ZipEntry): Steps<number> {
  if (!entry.readable) {
    throw new ZipError(`entry ${JSON.stringify(entry.name)} cannot be read: ${entry.problems.join('; ')}`);
  }
  if (entry.dataOffset !== undefined) return entry.dataOffset;
  if (entry.headerOffset + 30 > size) throw new ZipError('no local header', entry.headerOffset);
  const head = yield* readExactly(entry.headerOffset, 30, 'a local header');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0, true) !== LOCAL_SIG) {
    throw new ZipError(`no local header for ${JSON.stringify(entry.name)}`, entry.headerOffset);
  }
  const nameLen = view.getUint16(26, true);
  const extraLen = view.getUint16(28, true);
  const name = yield* readExactly(entry.headerOffset + 30, nameLen, 'a local header');
  if (decodeName(name, view.getUint16(6, true)) !== entry.name) {
    throw new ZipError(
      `the local header of ${JSON.stringify(entry.name)} names ${JSON.stringify(decodeName(name, view.getUint16(6, true)))}`,
      entry.headerOffset,
    );
  }
  if (view.getUint16(8, true) !== entry.method) {
    throw new ZipError(`compression method differs for ${JSON.stringify(entry.name)}`, entry.headerOffset);
  }
  const dataOffset = entry.headerOffset + 30 + nameLen + extraLen;
  if (dataOffset + entry.compressedSize > size) {
    throw new ZipError(`entry ${JSON.stringify(entry.name)} runs past the end of the file`, dataOffset);
  }
  return dataOffset;
}

/**
 * Where an entry's data starts, from its local header (read through the
 * source, checked against the central directory), for reading a stored
 * entry piece by piece.
 *
 * @param source the archive.
 * @param entry an entry of {@link readZipDirectory} or {@link readZip}.
 * @returns the absolute offset of the entry's data.
 * @throws {@link ZipError} for an unreadable entry or a local header that does not match.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const source = bytesSource(bytes);
 * const [entry] = readZipDirectorySync(source).entries;
 * const start = zipEntryDataOffsetSync(source, entry!); // the entry's (stored) bytes are bytes[start, start + entry.compressedSize)
 * ```
 */
export function zipEntryDataOffsetSync(source: ByteSource, entry: ZipEntry): number {
  return runSync(dataOffsetSteps(source.size, entry), source);
}

/**
 * {@link zipEntryDataOffsetSync} for any source.
 *
 * @param source the archive.
 * @param entry the entry.
 * @returns the absolute offset of the entry's data.
 * @throws {@link ZipError} as {@link zipEntryDataOffsetSync}.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const source = blobSource(new Blob([bytes])); // in a browser, a File the user chose
 * const [entry] = (await readZipDirectory(source)).entries;
 * const start = await zipEntryDataOffset(source, entry!); // reads the entry's local header only
 * ```
 */
export function zipEntryDataOffset(source: ByteSource, entry: ZipEntry): Promise<number> {
  return runAsync(dataOffsetSteps(source.size, entry), source);
}

function* entrySteps(
  size: number,
  entry: ZipEntry,
  options: { inflateRaw?: InflateRaw; maxSize?: number } | undefined,
): Steps<Uint8Array> {
  const dataOffset = yield* dataOffsetSteps(size, entry);
  if (entry.method !== 0) checkInflate(entry, options);
  const raw = yield* readExactly(dataOffset, entry.compressedSize, `entry ${JSON.stringify(entry.name)}`);
  return entry.method === 0 ? raw : inflateEntry(entry, raw, dataOffset, options);
}

/**
 * The uncompressed bytes of one entry, read through a {@link ByteSource}
 * (only this entry's local header and data are read).
 *
 * @param source the archive.
 * @param entry an entry of {@link readZipDirectory}.
 * @param options as for {@link readZipEntry}.
 * @returns the entry's bytes.
 * @throws {@link ZipError} as {@link readZipEntry}.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const source = blobSource(new Blob([bytes])); // in a browser, a File the user chose
 * const [version] = matchZipEntries((await readZipDirectory(source)).entries, 'archive/version');
 * new TextDecoder().decode(await readZipEntryFrom(source, version!)); // '3\n'
 * ```
 */
export function readZipEntryFrom(
  source: ByteSource,
  entry: ZipEntry,
  options?: { inflateRaw?: InflateRaw; maxSize?: number },
): Promise<Uint8Array> {
  return runAsync(entrySteps(source.size, entry, options), source);
}

/**
 * {@link readZipEntryFrom} for a source that reads synchronously.
 *
 * @param source the archive.
 * @param entry the entry.
 * @param options as for {@link readZipEntry}.
 * @returns the entry's bytes.
 * @throws {@link ZipError} as {@link readZipEntry}, and when the source returns a promise.
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // a .pt file torch.save wrote
 * const source = bytesSource(bytes);
 * const [pkl] = matchZipEntries(readZipDirectorySync(source).entries, 'archive/data.pkl');
 * loads(readZipEntryFromSync(source, pkl!)); // { weights: [0.5, 0.25] }
 * ```
 */
export function readZipEntryFromSync(
  source: ByteSource,
  entry: ZipEntry,
  options?: { inflateRaw?: InflateRaw; maxSize?: number },
): Uint8Array {
  return runSync(entrySteps(source.size, entry, options), source);
}

function checkInflate(
  entry: ZipEntry,
  options: { inflateRaw?: InflateRaw; maxSize?: number } | undefined,
): void {
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
  if (options?.inflateRaw === undefined) {
    throw new ZipError(
      `entry ${JSON.stringify(entry.name)} is deflated and no inflateRaw function was given`,
    );
  }
}

function inflateEntry(
  entry: ZipEntry,
  raw: Uint8Array,
  start: number,
  options: { inflateRaw?: InflateRaw; maxSize?: number } | undefined,
): Uint8Array {
  checkInflate(entry, options);
  let out: Uint8Array;
  try {
    out = (options!.inflateRaw as InflateRaw)(raw, Math.max(1, entry.size));
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
    if (entry.readable) return readZipEntryFromSync(bytesSource(data), entry, options);
    throw new ZipError(`entry ${JSON.stringify(entry.name)} cannot be read: ${entry.problems.join('; ')}`);
  }
  const start = entry.dataOffset;
  const end = start + entry.compressedSize;
  if (end > data.length) throw new ZipError(`entry ${JSON.stringify(entry.name)} is truncated`, start);
  const raw = data.subarray(start, end);
  if (entry.method === 0) return raw;
  return inflateEntry(entry, raw, start, options);
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
  readonly zip64: boolean;
}

function readLocal(data: Uint8Array, view: DataView, pos: number, limit: number): LocalHeader | undefined {
  if (pos + 30 > limit || view.getUint32(pos, true) !== LOCAL_SIG) return undefined;
  const nameLen = view.getUint16(pos + 26, true);
  const extraLen = view.getUint16(pos + 28, true);
  const dataOffset = pos + 30 + nameLen + extraLen;
  if (dataOffset > limit) return undefined;
  let compressedSize = view.getUint32(pos + 18, true);
  let size = view.getUint32(pos + 22, true);
  let zip64 = false;
  if (compressedSize === 0xffffffff || size === 0xffffffff) {
    // A local zip64 field holds both sizes, uncompressed first.
    const field = findExtra(view, pos + 30 + nameLen, extraLen, 1);
    if (field !== undefined && field.start + 16 <= field.end) {
      size = u64(view, field.start);
      compressedSize = u64(view, field.start + 8);
      zip64 = true;
    }
  }
  return {
    flags: view.getUint16(pos + 6, true),
    method: view.getUint16(pos + 8, true),
    crc: view.getUint32(pos + 14, true),
    compressedSize,
    size,
    rawName: data.subarray(pos + 30, pos + 30 + nameLen),
    dataOffset,
    zip64,
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
function findEndRecords(data: Uint8Array, view: DataView, base: number): number[] {
  const found: number[] = [];
  const last = data.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let pos = last; pos >= first && found.length < MAX_END_RECORDS; pos--) {
    if (data[pos] === 0x50 && view.getUint32(pos, true) === EOCD_SIG) found.push(base + pos);
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
