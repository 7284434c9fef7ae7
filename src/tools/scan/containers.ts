/**
 * The static scanner: a report on what a pickle would do if Python loaded it,
 * without building any value and without executing anything. This module
 * reads the containers (a pickle, a stream of pickles, a zip archive, a
 * library's file such as numpy's `.npy`) and hands each pickle to the
 * abstract machine (`machine.ts`); the report and its ranking are in
 * `report.ts`, what each library contributes in `library.ts` and
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
import { crcMatches, isZip, readZip, readZipEntry, ZipError } from '../../formats/zip.js';
import { type ScanRules, scanRules } from '../gadgets.js';
import type { ScanContainer } from './library.js';
import { scanPickles } from './machine.js';
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
 * import { scan } from 'brine/tools/scan';
 * const report = scan(bytes);
 * if (report.verdict !== 'safe') for (const f of report.findings) console.log(f.severity, f.message);
 * ```
 */
export function scan(data: Uint8Array, options?: ScanOptions): ScanReport {
  const rules = scanRules(options?.libraries);
  const container = rules.sniff(data);
  if (container !== undefined) return scanContainer(data, container, options, rules);
  if (!isZip(data)) {
    const report = scanPickles(data, options, rules);
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
  let budget = 4 * (options?.maxEntrySize ?? 2 ** 30);
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
          throw new ZipError(
            `the archive's entries inflate to more than ${4 * (options?.maxEntrySize ?? 2 ** 30)} bytes in all`,
          );
        }
        budget -= entry.size;
      }
      bytes = readZipEntry(data, entry, { inflateRaw: options?.inflateRaw, maxSize: options?.maxEntrySize });
    } catch (error) {
      if (!(error instanceof ZipError)) throw error;
      if (must) {
        findings.push({
          severity: 'malformed',
          offset: entry.headerOffset,
          message: `a pickle entry cannot be read: ${error.message}`,
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

/** A file a library's sniffer recognised: the pickle inside it, or plain data. */
function scanContainer(
  data: Uint8Array,
  container: ScanContainer,
  options: ScanOptions | undefined,
  rules: ScanRules,
): ScanReport {
  if (container.kind === 'data') {
    return emptyReport({ severity: 'info', offset: undefined, message: container.note });
  }
  const report = scanPickles(data.subarray(container.start), options, rules);
  const info: ScanFinding = { severity: 'info', offset: container.start, message: container.note };
  return { ...report, findings: [...report.findings, info] };
}

/** PROTO 0-5 at the start, as every pickle of protocol 2 and above begins. */
function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x80 && bytes[1]! <= 5;
}
