/**
 * `brine scan`: rates files and folders (safe, review, dangerous, malformed)
 * without loading them, with the scanner's verdict ranking as exit code.
 *
 * @module
 */
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { sniffFormat } from '../formats/sniff.js';
import { type ScanOptions, type ScanReport, scan, type Verdict, worse } from '../tools/scan.js';
import { help, parse } from './args.js';
import {
  type CliError,
  displayName,
  EXIT,
  escapeText,
  fileError,
  Output,
  readInput,
  streams,
  usage,
} from './io.js';

/** File extensions a folder walk scans whatever their first bytes. */
export const PICKLE_EXTENSIONS = new Set([
  'pkl',
  'pickle',
  'pk',
  'p',
  'pck',
  'pcl',
  'pt',
  'pth',
  'bin',
  'ckpt',
  'joblib',
  'dat',
  'data',
  'model',
  'sav',
  'npy',
  'npz',
]);

export const SCAN_HELP = `Usage: brine scan [--json] PATH...

Reads each file without loading it and rates what it would do when loaded:
safe, review (calls something outside the safe list), dangerous (names code
execution, file or network access ...) or malformed. Zip and tar archives
(PyTorch .pt files, zip64 and legacy layouts too) are scanned entry by entry.
Compressed files (gzip, zlib, bz2, xz, lzma: .pkl.gz, joblib's compressors)
are decompressed, bounded, and scanned inside; joblib's array bytes are
skipped as joblib.load reads them.
Directories are walked recursively: files with a pickle extension (${[...PICKLE_EXTENSIONS].map((e) => `.${e}`).join(' ')}), the same followed by a compressor's (.pkl.gz), and every
other file whose first bytes look like a pickle or a zip archive.

Options:
  --json              print the reports as JSON
  -h, --help          show this help

The exit code is that of the worst file: 0 safe, 1 review, 2 dangerous,
3 malformed (dangerous wins over malformed). An unreadable path gives its own
code (66, 68, 74, 77) unless a file is dangerous; 64 for a bad command line.
`;

// ---------------------------------------------------------------------------
// scan

const VERDICT_EXIT: Record<Verdict, number> = {
  safe: EXIT.ok,
  review: EXIT.review,
  dangerous: EXIT.dangerous,
  malformed: EXIT.malformed,
};

interface ScanResult {
  path: string;
  report?: ScanReport;
  /** For a malformed file: what its first bytes say it is, and what to use instead. */
  note?: string;
  error?: string;
  code?: number;
}

/** True when the first bytes look like a pickle (PROTO 0-5, or a protocol 0/1 start and a STOP at the end) or a zip. */
function looksLikePickleOrZip(head: Uint8Array, size: number, tail: number | undefined): boolean {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return true;
  if (head.length >= 2 && head[0] === 0x80 && head[1]! <= 5) return true;
  if (size < 2 || head.length === 0) return false;
  // Protocol 0 and 1 pickles start with an opcode and end with STOP ('.').
  return tail === 0x2e && '(]}cNILSVFGXKJMUT)'.includes(String.fromCharCode(head[0]!));
}

/** Compressors' extensions after a pickle's or joblib's (`model.pkl.gz`, `model.joblib.xz`): scanned inside. */
const COMPRESSED_EXTENSIONS = new Set(['gz', 'gzip', 'bz2', 'xz', 'lzma', 'z', 'zlib']);

function isCompressedPickleName(name: string): boolean {
  const parts = name.toLowerCase().split('.');
  return (
    parts.length >= 3 && COMPRESSED_EXTENSIONS.has(parts.at(-1)!) && PICKLE_EXTENSIONS.has(parts.at(-2)!)
  );
}

function readHeadAndTail(path: string): { head: Uint8Array; size: number; tail: number | undefined } {
  const data = readFileSync(path);
  return { head: data.subarray(0, 8), size: data.length, tail: data[data.length - 1] };
}

interface ScanTarget {
  path: string;
  /** Found by its first bytes rather than its extension. */
  sniffed: boolean;
}

function collectFiles(root: string, results: ScanResult[], files: ScanTarget[]): void {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      const e = fileError(error, dir);
      results.push({ path: dir, error: e.message, code: e.code });
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        const ext = extname(entry.name).slice(1).toLowerCase();
        if (PICKLE_EXTENSIONS.has(ext) || isCompressedPickleName(entry.name))
          files.push({ path, sniffed: false });
        else {
          try {
            const { head, size, tail } = readHeadAndTail(path);
            if (looksLikePickleOrZip(head, size, tail)) files.push({ path, sniffed: true });
          } catch (error) {
            const e = fileError(error, path);
            results.push({ path, error: e.message, code: e.code });
          }
        }
      }
    }
  }
}

/** Runs `brine scan` with its arguments; returns the exit code. */
export function cmdScan(args: string[]): number {
  const { values, positionals } = parse('scan', args, { json: { type: 'boolean' } });
  if (values.help) return help(SCAN_HELP);
  if (positionals.length === 0) throw usage('scan needs a FILE or DIRECTORY', 'scan');
  const results: ScanResult[] = [];
  const files: ScanTarget[] = [];
  for (const path of positionals) {
    if (path === '-') {
      files.push({ path, sniffed: false });
      continue;
    }
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch (error) {
      const e = fileError(error, path);
      results.push({ path, error: e.message, code: e.code });
      continue;
    }
    if (isDir) {
      const found: ScanTarget[] = [];
      collectFiles(path, results, found);
      files.push(...found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
    } else files.push({ path, sniffed: false });
  }
  const options: ScanOptions = { inflateRaw: (b, max) => inflateRawSync(b, { maxOutputLength: max }) };
  const progress = streams().stderrIsTTY && files.length > 1;
  files.forEach(({ path, sniffed }, index) => {
    if (progress) streams().writeStderr(`\r\x1b[Kscanning ${index + 1}/${files.length} ${displayName(path)}`);
    let data: Uint8Array;
    try {
      data = readInput(path);
    } catch (error) {
      const e = error as CliError;
      results.push({ path, error: e.message, code: e.code });
      return;
    }
    const report = scan(data, options);
    // A file found only by its first bytes that is not a pickle after all is not reported.
    if (sniffed && report.verdict === 'malformed') return;
    const format = report.verdict === 'malformed' ? sniffFormat(data) : undefined;
    const note =
      format === undefined ? undefined : `the input looks like ${format.description}: ${format.advice}`;
    results.push({ path: path === '-' ? '<stdin>' : path, report, ...(note === undefined ? {} : { note }) });
  });
  if (progress) streams().writeStderr('\r\x1b[K');
  const out = new Output(undefined);
  if (values.json) out.write(`${escapeText(JSON.stringify(results.map(jsonResult), null, 2), 'json')}\n`);
  else writeScanText(results, out);
  return scanExitCode(results);
}

function jsonResult(r: ScanResult): unknown {
  if (r.error !== undefined) return { path: r.path, error: r.error, exitCode: r.code };
  return {
    path: r.path,
    verdict: r.report!.verdict,
    ...(r.note === undefined ? {} : { note: r.note }),
    report: r.report,
  };
}

function writeScanText(results: ScanResult[], out: Output): void {
  const counts: Record<Verdict, number> = { safe: 0, review: 0, dangerous: 0, malformed: 0 };
  let errors = 0;
  for (const r of results) {
    if (r.error !== undefined) {
      errors++;
      out.write(`${displayName(r.path)}: error: ${r.error.slice(displayName(r.path).length + 2)}\n`);
      continue;
    }
    const report = r.report!;
    counts[report.verdict]++;
    out.write(`${displayName(r.path)}: ${report.verdict}\n`);
    if (r.note !== undefined) out.write(`  note: ${r.note}\n`);
    const shown = report.findings.filter((f) => f.severity !== 'info' && f.severity !== 'safe');
    for (const f of shown.slice(0, 50)) {
      const where = f.offset === undefined || /offset \d/.test(f.message) ? '' : ` (offset ${f.offset})`;
      const entry = f.entry === undefined ? '' : ` [${f.entry}]`;
      out.write(`  ${f.severity}: ${escapeText(`${f.message}${where}${entry}`)}\n`);
    }
    if (shown.length > 50) out.write(`  ... ${shown.length - 50} more findings (--json lists them all)\n`);
  }
  if (results.length > 1) {
    const parts = (Object.keys(counts) as Verdict[])
      .filter((v) => counts[v] > 0)
      .map((v) => `${counts[v]} ${v}`);
    if (errors > 0) parts.push(`${errors} unreadable`);
    out.write(`${results.length} files: ${parts.join(', ')}\n`);
  }
}

function scanExitCode(results: ScanResult[]): number {
  let worst: Verdict = 'safe';
  let errorCode: number | undefined;
  for (const r of results) {
    if (r.report !== undefined) {
      worst = worse(worst, r.report.verdict);
    } else errorCode ??= r.code;
  }
  if (worst === 'dangerous') return EXIT.dangerous;
  return errorCode ?? VERDICT_EXIT[worst];
}
