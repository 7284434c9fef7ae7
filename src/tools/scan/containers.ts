/**
 * The static scanner: a report on what a pickle would do if Python loaded it,
 * without building any value and without executing anything. This module
 * reads the containers (a pickle, a stream of pickles, a zip archive, a
 * library's file such as numpy's `.npy`) and hands each pickle to the
 * abstract machine (`machine.ts`); the report and its ranking are in
 * `report.ts`, what each library contributes in `../../scan-library.ts` and
 * `../gadgets.ts`.
 *
 * Verdicts: `safe` (only data and allow-listed data constructors),
 * `review` (something the scanner cannot vouch for: an unknown class, an
 * extension code, a persistent id, a computed global), `dangerous` (a known
 * gadget: see gadgets.ts), `malformed` (the input is not a valid pickle and
 * references nothing dangerous before or after the damage). The rules and the
 * limits are documented in docs/scanner.md.
 *
 * @module
 */
import {
  inflateRaw as builtinInflateRaw,
  type CompressionFormat,
  DecompressionError,
  decompress,
  sniffCompression,
} from '../../formats/compress/index.js';
import { isTar, readTar, type TarEntry, TarError } from '../../formats/tar.js';
import { crcMatches, type InflateRaw, isZip, readZip, readZipEntry, ZipError } from '../../formats/zip.js';
import { resolveScanOptions } from '../../options.js';
import type { ScanContainer } from '../../scan-library.js';
import { type ScanRules, scanRules } from '../gadgets.js';
import { scanOnePickle, scanPickles } from './machine.js';
import {
  emptyReport,
  type ScanArchiveEntry,
  type ScanFinding,
  type ScanOptions,
  type ScanReport,
  sortFindings,
  verdictOf,
  withDangerous,
} from './report.js';

/**
 * Scans a pickle, a stream of pickles, or a zip archive holding pickles (as
 * `torch.save` writes), without executing or building anything.
 *
 * @param data the bytes to scan.
 * @param options see {@link ScanOptions}; `inflateRaw` is needed for deflated zip entries.
 * @returns the report: verdict, findings, every global, call site, extension
 *   code, persistent id and buffer, the protocols and the errors.
 * @throws never for bad input (it is reported); only for a bug or exhausted memory.
 * @example
 * ```ts
 * import { scan } from 'brine';
 * const report = scan(bytes);
 * if (report.verdict !== 'safe') for (const f of report.findings) console.log(f.severity, f.message);
 * ```
 */
export function scan(data: Uint8Array, options?: ScanOptions): ScanReport {
  const rules = scanRules(options?.libraries);
  const format = sniffCompression(data);
  if (format !== undefined) return scanCompressed(data, format, options);
  const container = rules.sniff(data);
  if (container !== undefined) return scanContainer(data, container, options, rules);
  if (isTar(data)) {
    // A tar header is text a pickle can also be: read the bytes as a pickle too, as with zip.
    return withDangerous(
      scanTar(data, options, rules),
      scanPickles(data, options, rules, true),
      "the archive's bytes read as a pickle",
    );
  }
  if (!isZip(data)) {
    const report = scanStream(data, options, rules);
    // A pickle that is also a zip: Python's zipfile finds an archive behind other data (its end
    // record at the end, its offsets moved by what precedes it).
    if (!hasEndRecord(data)) return report;
    const asZip = scanEntries(data, options, rules, undefined, true).report;
    return withDangerous(
      report,
      asZip,
      'the bytes read as a zip archive (as zipfile reads one behind other data)',
    );
  }
  const report = scanArchive(data, options);
  // A zip/pickle polyglot: the same bytes read by pickle.load. Only up to the first error (as CPython
  // stops there), so that raw tensor bytes are never read as names.
  return withDangerous(
    report,
    scanPickles(data, options, rules, true),
    "the archive's bytes read as a pickle",
  );
}

/**
 * A compressed file (gzip, zlib, bz2, xz, lzma: `.pkl.gz`, joblib's
 * compressed files), decompressed with its output bounded by `maxEntrySize`
 * and scanned inside; a bomb or broken data is `malformed`. Offsets of the
 * inner findings are in the decompressed bytes.
 */
function scanCompressed(
  data: Uint8Array,
  format: CompressionFormat,
  options: ScanOptions | undefined,
): ScanReport {
  const { maxEntrySize } = resolveScanOptions(options);
  let inner: Uint8Array;
  try {
    inner = decompress(data, { format, maxOutput: maxEntrySize });
  } catch (error) {
    if (!(error instanceof DecompressionError)) throw error;
    const why = error.tooLarge
      ? `${format} data decompresses to more than ${maxEntrySize} bytes (the scanner's maxEntrySize; a decompression bomb or a very large file): not scanned`
      : `${format} data cannot be decompressed: ${error.message}`;
    return emptyReportOf([{ severity: 'malformed', offset: error.offset, message: why }]);
  }
  // One level: a compressed file inside a compressed file is not what any loader reads.
  const report =
    sniffCompression(inner) === undefined
      ? scan(inner, options)
      : scanPickles(inner, options, scanRules(options?.libraries));
  const info: ScanFinding = {
    severity: 'info',
    offset: undefined,
    message: `${format}-compressed (${data.length} bytes, ${inner.length} decompressed): the decompressed bytes are scanned, offsets are theirs`,
  };
  const findings = sortFindings([...report.findings, info]);
  return { ...report, findings, verdict: verdictOf(findings) };
}

/**
 * A pickle stream, with the raw data a library's loader reads inside it
 * (joblib's arrays) skipped, and the pickles nested in that data scanned.
 */
function scanStream(data: Uint8Array, options: ScanOptions | undefined, rules: ScanRules): ScanReport {
  const layout = rules.layout(data);
  if (layout === undefined) return scanPickles(data, options, rules);
  const report = scanPickles(data, options, rules, false, layout);
  const findings: ScanFinding[] = [
    ...report.findings,
    { severity: 'info', offset: undefined, message: layout.note },
  ];
  if (layout.problem !== undefined) {
    findings.push({ severity: 'review', offset: layout.problem.offset, message: layout.problem.message });
  }
  for (const [start, end] of layout.nested) {
    const nested = scanPickles(data.subarray(start, end), options, rules);
    for (const f of nested.findings) {
      if (f.severity === 'info') continue;
      findings.push({
        ...f,
        offset: f.offset === undefined ? undefined : f.offset + start,
        message: `object array pickle at ${start}: ${f.message}`,
      });
    }
  }
  const sorted = sortFindings(findings);
  const joblibReading: ScanReport = { ...report, findings: sorted, verdict: verdictOf(sorted) };
  if (layout.skips.size === 0) return joblibReading;
  // pickle.load (not joblib.load) reads the array bytes as opcodes, up to its first error: a file
  // whose array data spells a gadget is dangerous to that reader.
  return withDangerous(
    joblibReading,
    scanPickles(data, options, rules, true),
    "read by pickle.load, which takes the arrays' raw bytes for opcodes",
  );
}

/** Whether an end of central directory signature lies where a zip reader looks for one. */
function hasEndRecord(data: Uint8Array): boolean {
  for (let pos = data.length - 22; pos >= 0 && pos >= data.length - 22 - 0xffff; pos--) {
    if (data[pos] === 0x50 && data[pos + 1] === 0x4b && data[pos + 2] === 5 && data[pos + 3] === 6)
      return true;
  }
  return false;
}

/**
 * Scans every pickle of a zip archive: each `*.pkl` entry (PyTorch's
 * `archive/data.pkl`), each entry whose name differs between the central
 * directory and its local header (CVE-2025-1944), each entry only a local
 * header lists, and each other entry that starts like a pickle. Archive
 * problems (name mismatches, CRC errors, unusual flags) are findings of
 * their own. One verdict covers the whole archive. For an archive laid out as
 * `torch.save` writes it, PyTorch's storage persistent ids are expected.
 *
 * @param data the archive's bytes.
 * @param options see {@link ScanOptions}.
 * @returns the report, with `archive` listing every entry and its scan.
 * @throws never for bad input (a broken archive is `malformed`).
 * @example
 * ```ts
 * import { inflateRawSync } from 'node:zlib';
 * const report = scanArchive(bytes, { inflateRaw: (b, max) => inflateRawSync(b, { maxOutputLength: max }) });
 * ```
 */
export function scanArchive(data: Uint8Array, options?: ScanOptions): ScanReport {
  const rules = scanRules(options?.libraries);
  const report = scanEntries(data, options, rules, undefined, false);
  const others: [string, number | undefined, boolean][] = (report.archive?.otherEndRecords ?? [])
    .slice(0, MAX_READINGS)
    .map((at) => [`with the end record at ${at}`, at, false]);
  // zipfile moves every offset by the bytes before the archive (miniz does not); when the plain
  // reading fails, zipfile's may still succeed.
  if (report.archive === undefined || report.archive.shift > 0) {
    others.push(['as zipfile reads it (offsets moved by the bytes before the archive)', undefined, true]);
  }
  if (others.length === 0) return report.report;
  // Readers disagree on where the archive is: the archive as each of them lists it.
  const findings = [...report.report.findings];
  for (const [reading, at, shifted] of others) {
    const other = scanEntries(data, options, rules, at, shifted).report;
    for (const f of other.findings) {
      if (f.severity === 'info' || f.severity === 'safe') continue;
      findings.push({ ...f, message: `${reading}: ${f.message}` });
    }
  }
  return { ...report.report, verdict: verdictOf(findings), findings: sortFindings(findings) };
}

/** Other end records an archive is also read with (each reading inflates and scans it again). */
const MAX_READINGS = 2;

/** Names equal but for ASCII case are one name to PyTorch's reader (miniz looks names up case-insensitively). */
function foldCase(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function scanEntries(
  data: Uint8Array,
  options: ScanOptions | undefined,
  rules: ScanRules,
  endRecord: number | undefined,
  shifted: boolean,
): { report: ScanReport; archive: ReturnType<typeof readZip> | undefined } {
  const findings: ScanFinding[] = [];
  const problems: string[] = [];
  const entries: ScanArchiveEntry[] = [];
  let archive: ReturnType<typeof readZip>;
  try {
    archive = readZip(data, endRecord, shifted);
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    findings.push({ severity: 'malformed', offset: error.offset, message: error.message });
    return { report: finishArchive(findings, entries, [error.message]), archive: undefined };
  }
  for (const p of archive.problems) {
    problems.push(p);
    findings.push({ severity: 'review', offset: undefined, message: `zip: ${p}` });
  }
  const owner = rules.archiveOwner(archive.entries.map((e) => e.name));
  const entryOptions: ScanOptions = { ...options, persistentIds: owner?.name ?? options?.persistentIds };
  const folded = new Map<string, string>();
  for (const e of archive.entries) {
    const key = foldCase(e.name);
    const seen = folded.get(key);
    if (seen !== undefined && seen !== e.name) {
      const p = `${JSON.stringify(seen)} and ${JSON.stringify(e.name)} differ only in case (PyTorch's reader may take either)`;
      problems.push(p);
      findings.push({ severity: 'review', offset: e.headerOffset, message: `zip: ${p}` });
    } else if (seen === undefined) folded.set(key, e.name);
  }
  if (archive.entries.some((e) => /(^|\/)(constants\.pkl$|code\/)/i.test(e.name))) {
    findings.push({
      severity: 'review',
      offset: undefined,
      message:
        'TorchScript archive (constants.pkl or code/): torch.load hands it to torch.jit.load, which runs its code',
    });
  }
  let pickles = 0;
  // Entries that share their bytes are read once; the inflated total is bounded (overlapping entries
  // make a small archive inflate without end).
  const bySpan = new Map<string, ScanReport | undefined>();
  const { maxEntrySize, inflateRaw: given } = resolveScanOptions(options);
  // Without a caller's inflate, brine's own (scan is synchronous: DecompressionStream cannot serve it).
  const inflateRaw: InflateRaw = given ?? ((raw, max) => builtinInflateRaw(raw, { maxOutput: max }));
  let budget = 4 * maxEntrySize;
  for (const entry of archive.entries) {
    for (const p of entry.problems) {
      findings.push({
        severity: 'review',
        offset: entry.headerOffset,
        message: `zip: ${p}`,
        entry: entry.name,
      });
    }
    const named = /\.pkl$/i.test(entry.name) || /\.pkl$/i.test(entry.localName ?? '');
    const must = named || entry.localName !== entry.name || entry.source === 'local';
    const span = `${must}\n${entry.dataOffset}\n${entry.compressedSize}\n${entry.method}\n${entry.size}`;
    if (bySpan.has(span)) {
      const report = bySpan.get(span);
      if (report !== undefined) for (const f of report.findings) findings.push({ ...f, entry: entry.name });
      entries.push({
        name: entry.name,
        localName: entry.localName,
        size: entry.size,
        problems: entry.problems,
        ...(report === undefined ? {} : { report }),
      });
      continue;
    }
    let bytes: Uint8Array | undefined;
    try {
      if (entry.method !== 0 && entry.readable) {
        if (entry.size > budget) {
          throw new ZipError(`the archive's entries inflate to more than ${4 * maxEntrySize} bytes in all`);
        }
        budget -= entry.size;
      }
      bytes = readZipEntry(data, entry, { inflateRaw, maxSize: maxEntrySize });
    } catch (error) {
      if (!(error instanceof ZipError)) throw error;
      if (must) {
        findings.push({
          severity: 'malformed',
          offset: entry.headerOffset,
          message: `a pickle entry cannot be read: ${error.message}`,
          entry: entry.name,
        });
      } else {
        // Its content may be a pickle (an .npz member with an object array): say it went unscanned.
        findings.push({
          severity: 'review',
          offset: entry.headerOffset,
          message: `zip: an entry cannot be read, its content was not scanned: ${error.message}`,
          entry: entry.name,
        });
      }
      bySpan.set(span, undefined);
      entries.push({
        name: entry.name,
        localName: entry.localName,
        size: entry.size,
        problems: entry.problems,
      });
      continue;
    }
    if (!crcMatches(entry, bytes)) {
      findings.push({
        severity: 'review',
        offset: entry.headerOffset,
        message:
          'zip: CRC-32 does not match the content (PyTorch ignores it; other readers refuse the entry)',
        entry: entry.name,
      });
    }
    const sniffed = !must && looksLikePickle(bytes) && !/(^|\/)data\/\d+$/.test(entry.name);
    let report: ScanReport | undefined;
    const container = must ? undefined : rules.sniff(bytes);
    if (container !== undefined) {
      report = scanContainer(bytes, container, entryOptions, rules); // an .npz member: numpy unpickles object arrays
    } else if (must || sniffed) {
      report = scanPickles(bytes, entryOptions, rules);
      if (sniffed && report.verdict === 'malformed') report = undefined; // raw data that happened to start like a pickle
    }
    if (report !== undefined) {
      pickles++;
      if (sniffed && !named) {
        findings.push({
          severity: 'review',
          offset: entry.headerOffset,
          message: 'a pickle in an entry not named *.pkl',
          entry: entry.name,
        });
      }
      for (const f of report.findings) findings.push({ ...f, entry: entry.name });
    }
    bySpan.set(span, report);
    entries.push({
      name: entry.name,
      localName: entry.localName,
      size: entry.size,
      problems: entry.problems,
      ...(report === undefined ? {} : { report }),
    });
  }
  if (pickles === 0)
    findings.push({ severity: 'review', offset: undefined, message: 'zip: no pickle entry found' });
  return { report: finishArchive(findings, entries, problems), archive };
}

function finishArchive(
  findings: ScanFinding[],
  entries: ScanArchiveEntry[],
  problems: readonly string[],
): ScanReport {
  const collect = <T>(pick: (r: ScanReport) => readonly T[]): T[] =>
    entries.flatMap((e) => (e.report === undefined ? [] : pick(e.report)));
  const protocols = [...new Set(collect((r) => r.protocols))].sort((a, b) => a - b);
  return {
    verdict: verdictOf(findings),
    findings: sortFindings(findings),
    globals: collect((r) => r.globals),
    calls: collect((r) => r.calls),
    extensions: collect((r) => r.extensions),
    persistentIds: collect((r) => r.persistentIds),
    buffers: collect((r) => r.buffers),
    protocols,
    pickles: collect((r) => r.pickles),
    malformed: collect((r) => r.malformed),
    omitted: entries.reduce((n, e) => n + (e.report?.omitted ?? 0), 0),
    archive: { entries, problems },
  };
}

/**
 * A file a library's sniffer recognised: the pickle(s) inside it, or plain
 * data. When the library reads a fixed number of pickles and then raw data
 * (PyTorch's legacy format), the rest is also read as pickles, for a stream
 * reader's sake, and only its dangerous findings are kept.
 */
function scanContainer(
  data: Uint8Array,
  container: ScanContainer,
  options: ScanOptions | undefined,
  rules: ScanRules,
): ScanReport {
  if (container.kind === 'data') {
    return emptyReport({ severity: 'info', offset: undefined, message: container.note });
  }
  const inner: ScanOptions = { ...options, persistentIds: container.persistentIds ?? options?.persistentIds };
  const body = data.subarray(container.start);
  let end = body.length;
  if (container.pickles !== undefined) {
    let at = 0;
    for (let i = 0; i < container.pickles && at < body.length; i++) {
      const one = scanOnePickle(body.subarray(at), inner, rules).pickles[0];
      if (one === undefined || !one.complete) {
        at = body.length;
        break;
      }
      at += one.end;
    }
    end = at;
  }
  let report = scanPickles(body.subarray(0, end), inner, rules);
  if (end < body.length) {
    report = withDangerous(
      report,
      scanPickles(body.subarray(end), inner, rules),
      'the data after the pickles read as pickles',
    );
  }
  const info: ScanFinding = { severity: 'info', offset: container.start, message: container.note };
  return { ...report, findings: [...report.findings, info] };
}

/** PROTO 0-5 at the start, as every pickle of protocol 2 and above begins. */
function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x80 && bytes[1]! <= 5;
}

// ---------------------------------------------------------------------------
// Tar archives: PyTorch's legacy checkpoints (before 0.4) were tar archives of
// `storages`, `tensors` and `pickle`, read by torch.load with tarfile.

/** Bytes per element of PyTorch's legacy storage classes. */
const ELEMENT_SIZE: Record<string, number> = {
  DoubleStorage: 8,
  FloatStorage: 4,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
  ComplexFloatStorage: 8,
  ComplexDoubleStorage: 16,
  QUInt8Storage: 1,
  QInt8Storage: 1,
  QInt32Storage: 4,
  QUInt4x2Storage: 1,
  QUInt2x4Storage: 1,
};

/**
 * Scans a tar archive: every member named `pickle` (the object), `storages`
 * and `tensors` (counts and records, each a pickle, between raw storage bytes:
 * walked as torch.load reads them), and any other member that starts like a
 * pickle.
 */
function scanTar(data: Uint8Array, options: ScanOptions | undefined, rules: ScanRules): ScanReport {
  const findings: ScanFinding[] = [];
  const entries: ScanArchiveEntry[] = [];
  let members: TarEntry[];
  try {
    members = readTar(data);
  } catch (error) {
    if (!(error instanceof TarError)) throw error;
    const problem = error.message;
    findings.push({ severity: 'malformed', offset: error.offset, message: `tar: ${problem}` });
    return finishArchive(findings, entries, [problem]);
  }
  const names = members.map((m) => m.name.replace(/^.*\//, ''));
  const owner = names.includes('pickle') && names.includes('storages') ? 'torch' : undefined;
  const entryOptions: ScanOptions = { ...options, persistentIds: owner ?? options?.persistentIds };
  if (owner !== undefined) {
    findings.push({
      severity: 'info',
      offset: undefined,
      message: 'PyTorch legacy tar checkpoint: torch.load unpickles its storages, tensors and pickle members',
    });
  }
  let pickles = 0;
  for (const m of members) {
    if (m.type !== '0' && m.type !== '7') continue;
    const bytes = data.subarray(m.dataOffset, m.dataOffset + m.size);
    const base = m.name.replace(/^.*\//, '');
    let report: ScanReport | undefined;
    if (owner !== undefined && (base === 'storages' || base === 'tensors')) {
      report = walkLegacyMember(bytes, base, entryOptions, rules);
    } else if (base === 'pickle' || /\.pkl$/i.test(base) || looksLikePickle(bytes)) {
      report = scanPickles(bytes, entryOptions, rules);
    }
    if (report !== undefined) {
      pickles++;
      for (const f of report.findings) {
        findings.push({
          ...f,
          offset: f.offset === undefined ? undefined : f.offset + m.dataOffset,
          entry: m.name,
        });
      }
    }
    entries.push({
      name: m.name,
      localName: undefined,
      size: m.size,
      problems: [],
      ...(report === undefined ? {} : { report }),
    });
  }
  if (pickles === 0)
    findings.push({ severity: 'review', offset: undefined, message: 'tar: no pickle member found' });
  return finishArchive(findings, entries, []);
}

/** The value of a pickle that is one small int (`PROTO`, `K`/`M`/`J`, `STOP`), as torch writes a count; else undefined. */
function smallIntPickle(bytes: Uint8Array, end: number): number | undefined {
  let at = bytes[0] === 0x80 ? 2 : 0;
  const code = bytes[at++];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n: number;
  if (code === 0x4b) n = bytes[at++]!;
  else if (code === 0x4d) {
    n = view.getUint16(at, true);
    at += 2;
  } else if (code === 0x4a) {
    n = view.getInt32(at, true);
    at += 4;
  } else return undefined;
  return at + 1 === end && bytes[at] === 0x2e && n >= 0 ? n : undefined;
}

/**
 * A legacy `storages` or `tensors` member, read as torch.load reads it: a
 * count pickle, then per record a pickle and raw data whose size the record
 * gives (a storage: an int64 element count times the element size of its
 * class; a tensor: ndim, then sizes, strides and offset), then (storages) a
 * pickle of views. Where the layout cannot be followed, the rest is read as a
 * stream of pickles and only its dangerous findings are kept.
 */
function walkLegacyMember(
  bytes: Uint8Array,
  kind: 'storages' | 'tensors',
  options: ScanOptions,
  rules: ScanRules,
): ScanReport {
  const findings: ScanFinding[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  /** Scans the pickle at `pos`; returns its report, or undefined when it does not end. */
  const one = (): ScanReport | undefined => {
    const report = scanOnePickle(bytes.subarray(pos), options, rules);
    for (const f of report.findings) {
      if (f.severity !== 'info')
        findings.push({ ...f, offset: f.offset === undefined ? undefined : f.offset + pos });
    }
    const p = report.pickles[0];
    if (p === undefined || !p.complete) return undefined;
    pos += p.end;
    return report;
  };
  const rest = (why: string): ScanReport => {
    findings.push({
      severity: 'review',
      offset: pos,
      message: `${kind}: ${why}; the rest is read as pickles`,
    });
    const report = scanPickles(bytes.subarray(pos), options, rules);
    for (const f of report.findings) {
      if (f.severity === 'dangerous')
        findings.push({ ...f, offset: f.offset === undefined ? undefined : f.offset + pos });
    }
    return emptyReportOf(findings);
  };
  const start = pos;
  const count = one();
  if (count === undefined) return emptyReportOf(findings);
  const n = smallIntPickle(bytes.subarray(start), pos - start);
  if (n === undefined) return rest('the record count is not a plain int');
  for (let i = 0; i < n; i++) {
    const args = one();
    if (args === undefined) return emptyReportOf(findings);
    if (kind === 'storages') {
      const cls = args.globals.find((g) => g.name !== null && g.name in ELEMENT_SIZE);
      const size = cls === undefined ? undefined : ELEMENT_SIZE[cls.name!];
      if (size === undefined || pos + 8 > bytes.length)
        return rest('a storage record without a known storage class');
      const numel = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
      pos += 8 + numel * size;
    } else {
      if (pos + 8 > bytes.length) return rest('a tensor record is cut short');
      const ndim = view.getInt32(pos, true);
      if (ndim < 0) return rest('a tensor record with a negative ndim');
      pos += 8 + 16 * ndim + 8;
    }
    if (pos > bytes.length)
      return rest(`a ${kind === 'storages' ? 'storage' : 'tensor'} runs past the member's end`);
  }
  if (kind === 'storages' && one() === undefined) return emptyReportOf(findings);
  if (pos < bytes.length) return rest('bytes after the last record');
  return emptyReportOf(findings);
}

function emptyReportOf(findings: ScanFinding[]): ScanReport {
  return {
    ...emptyReport({ severity: 'info', offset: undefined, message: 'legacy records' }),
    verdict: verdictOf(findings),
    findings: sortFindings(findings),
  };
}
