#!/usr/bin/env node
/**
 * The `brine` command: show, disassemble, scan and convert pickles without
 * executing them. Node only. Exit codes are listed in `brine --help` and
 * docs/cli.md.
 *
 * @module
 */
import {
  closeSync,
  type Dirent,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { isPickleError, PickleError, UnpicklingError } from './errors.js';
import { isZip } from './formats/zip.js';
import { OPCODE_BY_CODE } from './opcodes.js';
import { DEFAULT_PROTOCOL, dumps } from './pickler.js';
import { DisassemblyError, type DisassemblyMemo, disassemble, formatPreamble } from './tools/disassemble.js';
import { fromJSON, toJSON } from './tools/json.js';
import { pformat, repr } from './tools/repr.js';
import { type ScanOptions, type ScanReport, scan, type Verdict } from './tools/scan.js';
import { HIGHEST_PROTOCOL, loads, Unpickler } from './unpickler.js';

/** The command's exit codes (also in the help text and docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** scan: the worst file needs review. */
  review: 1,
  /** scan: a file is dangerous. */
  dangerous: 2,
  /** scan: a file is not a valid pickle (and nothing dangerous was found). */
  malformed: 3,
  /** Bad command line. */
  usage: 64,
  /** The input is not a valid pickle or JSON, or cannot be converted. */
  badInput: 65,
  /** An input file does not exist. */
  notFound: 66,
  /** A directory was given where a file is needed. */
  isDirectory: 68,
  /** Another error reading or writing a file. */
  io: 74,
  /** Permission denied. */
  permission: 77,
  /** An internal error (a bug in brine). */
  software: 70,
} as const;

const EXIT_TABLE = `Exit codes:
   0  success (scan: every file safe)
   1  scan: the worst file needs review
   2  scan: a file is dangerous
   3  scan: a file is not a valid pickle, and nothing dangerous was found
  64  bad command line
  65  bad input: not a valid pickle or JSON, or not convertible
  66  file not found
  68  a directory where a file is needed
  70  internal error (a bug in brine)
  74  other read or write error
  77  permission denied`;

const PICKLE_EXTENSIONS = new Set([
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

const HELP: Record<string, string> = {
  main: `Usage: brine <command> [options] [FILE...]

Read Python pickles safely: nothing a pickle names is ever imported or run.

Commands:
  show FILE...        print every pickle of each file as python -m pickle does (pprint)
  dis FILE...         disassemble, as python -m pickletools does
  scan PATH...        rate files and directories: safe, review, dangerous, malformed
  convert FILE        pickle to JSON, JSON to pickle, or a pickle to another protocol

FILE "-" is standard input. "brine <command> --help" describes each command.

Options:
  -h, --help          show this help
  -V, --version       print the version

${EXIT_TABLE}
`,
  show: `Usage: brine show [--json] [--width N] FILE...

Prints every pickle of each file (a file may hold several, written by repeated
pickle.dump calls) with pprint's layout, as "python -m pickle FILE" prints the
first. Integral floats print as floats (1.0). Instances and globals brine does
not reconstruct print as <PyObject ...> and <global module.name>: nothing runs.

Options:
  --json              print the JSON view instead (see docs/json.md)
  -w, --width N       line width (default 80)
  -h, --help          show this help

${EXIT_TABLE}
`,
  dis: `Usage: brine dis [options] FILE...

Disassembles the pickle of each file, as "python -m pickletools" prints it.

Options:
  -a, --annotate          annotate each line with a short opcode description
  -l, --indentlevel N     blanks per MARK level (default 4)
  -m, --memo              keep the memo between files
  -p, --preamble TEXT     with several files, print this before each one
                          (default "==> {name} <==")
  -o, --output FILE       write the disassembly to FILE
  --all                   disassemble every pickle of each file, not only the first
  -h, --help              show this help

${EXIT_TABLE}
`,
  scan: `Usage: brine scan [--json] PATH...

Reads each file without loading it and rates what it would do when loaded:
safe, review (calls something outside the safe list), dangerous (names code
execution, file or network access ...) or malformed. Zip archives (PyTorch .pt
files) are scanned entry by entry. Directories are walked recursively: files
with a pickle extension (${[...PICKLE_EXTENSIONS].map((e) => `.${e}`).join(' ')}) and every
other file whose first bytes look like a pickle or a zip archive.

Options:
  --json              print the reports as JSON
  -h, --help          show this help

The exit code is that of the worst file: 0 safe, 1 review, 2 dangerous,
3 malformed (dangerous wins over malformed). An unreadable path gives its own
code (66, 68, 74, 77) unless a file is dangerous; 64 for a bad command line.
`,
  convert: `Usage: brine convert FILE --to json|pickle [--protocol N] [-o OUT]

  pickle -> JSON      brine convert data.pkl --to json
  JSON -> pickle      brine convert data.json --to pickle -o data.pkl
  pickle -> pickle    brine convert old.pkl --to pickle --protocol 2 -o new.pkl

The input kind is found from its content (a .json name or JSON text is JSON);
--from says it. Only the first pickle of a file is converted. The JSON format
is described in docs/json.md.

Options:
  -t, --to KIND           json or pickle (required)
  -f, --from KIND         json or pickle (default: detected)
  -p, --protocol N        pickle protocol 0-${HIGHEST_PROTOCOL} (default ${DEFAULT_PROTOCOL})
  -o, --output FILE       write to FILE instead of standard output
  --indent N              JSON indentation (default 2; 0 for one line)
  -h, --help              show this help

${EXIT_TABLE}
`,
};

/** An error that ends the command with a message and an exit code. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function usage(message: string, command?: string): CliError {
  return new CliError(
    `${message} (see "brine ${command === undefined ? '' : `${command} `}--help")`,
    EXIT.usage,
  );
}

/**
 * A name as messages print it: control characters, and others that can move
 * the cursor or reorder the text of a terminal, escaped as in JSON, so that a
 * message stays one line and shows what the name really is.
 */
function displayName(path: string): string {
  if (path === '-') return 'standard input';
  if (path === '') return '""';
  return safeText(path);
}

/** Text from files (names, findings) made safe for a terminal: one line, no escape sequences. */
function safeText(text: string): string {
  // C0 and C1 controls, DEL, bidirectional overrides and isolates, line and paragraph separators.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** node:util parseArgs' messages, in one line each. */
function parseArgsMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  const option = /'([^']+)'/.exec(message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message)) return `option ${option ?? ''} needs a value`;
      if (/does not take an argument/.test(message)) return `option ${option ?? ''} takes no value`;
      if (/ambiguous/.test(message) && option !== undefined)
        return `option ${option} needs a value (write ${option}=VALUE for a value that starts with "-")`;
      return message.split('\n')[0]!;
    default:
      return message.split('\n')[0]!;
  }
}

/** A system error's message without Node's `ECODE: ` prefix and `, syscall 'path'` suffix. */
function systemMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  let message = String(e.message ?? error);
  if (e.code !== undefined && message.startsWith(`${e.code}: `)) message = message.slice(e.code.length + 2);
  if (e.syscall !== undefined) {
    const at = message.lastIndexOf(`, ${e.syscall}`);
    if (at > 0) message = message.slice(0, at);
  }
  return safeText(message.split('\n')[0]!);
}

/**
 * Maps a file system error to a one-line message and an exit code. For an
 * output file (`writing`), a missing folder is a write error (74), not a missing input (66).
 */
function fileError(error: unknown, path: string, writing = false): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const name = displayName(path);
  switch (code) {
    case 'ENOENT':
      if (writing) return new CliError(`${name}: cannot create: no such directory`, EXIT.io);
      return new CliError(`${name}: no such file or directory`, EXIT.notFound);
    case 'EACCES':
    case 'EPERM':
      return new CliError(`${name}: permission denied`, EXIT.permission);
    case 'EISDIR':
      return new CliError(`${name}: is a directory`, EXIT.isDirectory);
    case 'ELOOP':
      return new CliError(`${name}: too many levels of symbolic links`, EXIT.io);
    default:
      return new CliError(`${name}: ${systemMessage(error)}`, EXIT.io);
  }
}

/**
 * Most bytes read from standard input, a pipe or a device (a regular file is
 * read whole, up to Node's own limit): a stream that never ends (/dev/zero)
 * is refused instead of filling the memory.
 */
export const MAX_STREAM_INPUT = 1024 * 1024 * 1024;

/**
 * How much of a stream to read before deciding: `whole` reads it all;
 * `pickle` stops after the first bytes when they cannot start a pickle (the
 * load fails there whatever follows); `pickleOrJson` also keeps text that
 * may be JSON.
 */
type ReadMode = 'whole' | 'pickle' | 'pickleOrJson';

function readInput(path: string, mode: ReadMode = 'whole'): Uint8Array {
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (error) {
    throw fileError(error, path);
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (info.isFile()) {
      const data = readFileSync(fd);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
    return readStream(fd, path, mode);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw fileError(error, path);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** True when a stream starting with byte `b` can still be a pickle (or JSON, for `pickleOrJson`). */
function mayContinue(b: number, mode: ReadMode): boolean {
  if (mode === 'whole' || OPCODE_BY_CODE[b] !== undefined || b === 0x50 /* P: a zip */) return true;
  return mode === 'pickleOrJson' && (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || isJsonStart(b));
}

function readStream(fd: number, path: string, mode: ReadMode): Uint8Array {
  let buf = Buffer.allocUnsafe(64 * 1024);
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      if (length >= MAX_STREAM_INPUT) {
        throw new CliError(
          `${displayName(path)}: more than ${MAX_STREAM_INPUT / 1024 / 1024} MiB: too large to read from a stream`,
          EXIT.io,
        );
      }
      const next = Buffer.allocUnsafe(Math.min(MAX_STREAM_INPUT, length * 2));
      buf.copy(next, 0, 0, length);
      buf = next;
    }
    let n: number;
    try {
      n = readSync(fd, buf, length, buf.length - length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        sleep(5);
        continue;
      }
      if (code === 'EOF') break;
      throw error;
    }
    if (n === 0) break;
    length += n;
    if (!mayContinue(buf[0]!, mode)) break;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, length);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function badInput(error: unknown, path: string): CliError {
  if (isPickleError(error)) return new CliError(`${displayName(path)}: ${error.message}`, EXIT.badInput);
  throw error;
}

/** The error for input that is not one pickle at all: empty, or a zip archive. */
function notAPickle(data: Uint8Array, path: string): CliError | undefined {
  const name = displayName(path);
  if (data.length === 0) return new CliError(`${name}: empty input: not a pickle`, EXIT.badInput);
  if (isZip(data)) {
    return new CliError(
      `${name}: a zip archive (as torch.save writes), not a pickle: "brine scan" reads its pickles`,
      EXIT.badInput,
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Output: everything goes through one writer so that a closed pipe ends quietly.

/** Thrown when the reader of standard output went away: the command ends quietly. */
class ClosedOutput extends Error {}

/**
 * Writes to standard output synchronously, so that a reader that goes away
 * (`brine show big.pkl | head`) stops the command at once instead of after
 * the whole input, and a failing write (a full disk) is a message, not a crash.
 */
function writeStdout(text: string | Uint8Array): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(1, bytes, at, bytes.length - at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        sleep(1);
        continue;
      }
      if (code === 'EPIPE') throw new ClosedOutput();
      throw new CliError(`standard output: ${systemMessage(error)}`, EXIT.io);
    }
  }
}

class Output {
  readonly #chunks: (string | Uint8Array)[] = [];
  readonly #path: string | undefined;
  constructor(path: string | undefined) {
    this.#path = path;
  }
  write(text: string | Uint8Array): void {
    if (this.#path === undefined) writeStdout(text);
    else this.#chunks.push(text);
  }
  close(): void {
    if (this.#path === undefined) return;
    const parts = this.#chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
    try {
      writeFileSync(this.#path, Buffer.concat(parts));
    } catch (error) {
      throw fileError(error, this.#path, true);
    }
  }
}

// ---------------------------------------------------------------------------
// Commands

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(command: string, args: string[], options: NonNullable<ParseArgsConfig['options']>): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw usage(parseArgsMessage(error), command);
  }
}

function intOption(
  value: unknown,
  name: string,
  command: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usage(`${name} must be an integer from ${min} to ${max}`, command);
  return n;
}

function cmdShow(args: string[]): number {
  const { values, positionals } = parse('show', args, {
    json: { type: 'boolean' },
    width: { type: 'string', short: 'w' },
  });
  if (values.help) return help('show');
  if (positionals.length === 0) throw usage('show needs a FILE', 'show');
  const width = intOption(values.width, '--width', 'show', 1, 1_000_000) ?? 80;
  const out = new Output(undefined);
  for (const path of positionals) {
    const data = readInput(path, 'pickle');
    const refused = notAPickle(data, path);
    if (refused !== undefined) throw refused;
    const unpickler = new Unpickler(data, { exact: true });
    try {
      do {
        const value = unpickler.load();
        if (values.json) out.write(`${toJSON(value, { indent: 2 })}\n`);
        else {
          prettyOrFlat(value, width, (text) => out.write(text));
          out.write('\n');
        }
      } while (!unpickler.done);
    } catch (error) {
      throw badInput(error, path);
    }
  }
  return EXIT.ok;
}

/** pprint's text of the value, written in pieces; one line (repr) for a value too deep to split. */
function prettyOrFlat(value: unknown, width: number, write: (text: string) => void): void {
  try {
    pformat(value, { width, write });
  } catch (error) {
    // The depth check comes before any output.
    if (!(error instanceof PickleError)) throw error;
    process.stderr.write(`brine: ${error.message}; printing it on one line\n`);
    write(repr(value));
  }
}

function cmdDis(args: string[]): number {
  const { values, positionals } = parse('dis', args, {
    annotate: { type: 'boolean', short: 'a' },
    indentlevel: { type: 'string', short: 'l' },
    memo: { type: 'boolean', short: 'm' },
    preamble: { type: 'string', short: 'p' },
    output: { type: 'string', short: 'o' },
    all: { type: 'boolean' },
  });
  if (values.help) return help('dis');
  if (positionals.length === 0) throw usage('dis needs a FILE', 'dis');
  const indentLevel = intOption(values.indentlevel, '--indentlevel', 'dis', 0, 1000) ?? 4;
  const annotate = values.annotate ? 30 : 0;
  const preambleTemplate = (values.preamble as string | undefined) ?? '==> {name} <==';
  const out = new Output(values.output as string | undefined);
  const sharedMemo: DisassemblyMemo | undefined = values.memo ? new Map() : undefined;
  let failure: CliError | undefined;
  for (const path of positionals) {
    const data = readInput(path, 'pickle');
    if (positionals.length > 1) {
      try {
        out.write(`${formatPreamble(preambleTemplate, path === '-' ? '<stdin>' : path)}\n`);
      } catch (error) {
        throw usage(`--preamble: ${(error as Error).message}`, 'dis');
      }
    }
    let start = 0;
    try {
      do {
        const memo = sharedMemo ?? new Map<string, string>();
        const text = disassemble(data, { annotate, indentLevel, memo, start });
        out.write(text);
        start = nextStart(data, start);
      } while (values.all && start < data.length);
    } catch (error) {
      if (error instanceof DisassemblyError) out.write(error.partial);
      failure = badInput(error, path);
      break;
    }
  }
  out.close();
  if (failure !== undefined) throw failure;
  return EXIT.ok;
}

/** Where the pickle starting at `start` ends (after its STOP). */
function nextStart(data: Uint8Array, start: number): number {
  const unpickler = new Unpickler(data.subarray(start), {});
  try {
    unpickler.load();
  } catch {
    // The disassembly succeeded, so the pickle is complete even if loading refuses it:
    // fall back to the end of the input.
    return data.length;
  }
  return start + unpickler.position;
}

function cmdConvert(args: string[]): number {
  const { values, positionals } = parse('convert', args, {
    to: { type: 'string', short: 't' },
    from: { type: 'string', short: 'f' },
    protocol: { type: 'string', short: 'p' },
    output: { type: 'string', short: 'o' },
    indent: { type: 'string' },
  });
  if (values.help) return help('convert');
  if (positionals.length !== 1) throw usage('convert needs exactly one FILE', 'convert');
  const to = values.to as string | undefined;
  if (to !== 'json' && to !== 'pickle') throw usage('--to must be json or pickle', 'convert');
  const from = values.from as string | undefined;
  if (from !== undefined && from !== 'json' && from !== 'pickle')
    throw usage('--from must be json or pickle', 'convert');
  const protocol =
    intOption(values.protocol, '--protocol', 'convert', 0, HIGHEST_PROTOCOL) ?? DEFAULT_PROTOCOL;
  const indent = intOption(values.indent, '--indent', 'convert', 0, 10) ?? 2;
  const path = positionals[0]!;
  const output = values.output as string | undefined;
  if (to === 'pickle' && output === undefined && process.stdout.isTTY) {
    throw usage('refusing to write a pickle to a terminal: use -o FILE or a pipe', 'convert');
  }
  const data = readInput(path, from === 'json' ? 'whole' : 'pickleOrJson');
  const kind = from ?? detectKind(path, data);
  if (kind === 'pickle') {
    const refused = notAPickle(data, path);
    if (refused !== undefined) throw refused;
  }
  let value: unknown;
  try {
    value =
      kind === 'json'
        ? fromJSON(new TextDecoder('utf-8', { fatal: true }).decode(data))
        : loads(data, { exact: true });
  } catch (error) {
    if (error instanceof TypeError) throw new CliError(`${displayName(path)}: not UTF-8 text`, EXIT.badInput);
    throw badInput(error, path);
  }
  const out = new Output(output);
  try {
    if (to === 'json') out.write(`${toJSON(value, { indent })}\n`);
    else out.write(dumps(value, { protocol }));
  } catch (error) {
    throw badInput(error, path);
  }
  out.close();
  return EXIT.ok;
}

/** JSON when the name says so or the text parses as JSON; a pickle otherwise. */
function detectKind(path: string, data: Uint8Array): 'json' | 'pickle' {
  if (extname(path).toLowerCase() === '.json') return 'json';
  let i = 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09))
    i++;
  const c = data[i];
  if (c === undefined || !isJsonStart(c)) return 'pickle';
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    return 'json';
  } catch {
    return 'pickle';
  }
}

/** '[', '{', '"', '-', digits, 't', 'f', 'n': what JSON text starts with (no pickle starts with them). */
function isJsonStart(c: number): boolean {
  return (
    c === 0x5b ||
    c === 0x7b ||
    c === 0x22 ||
    c === 0x2d ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x74 ||
    c === 0x66 ||
    c === 0x6e
  );
}

// ---------------------------------------------------------------------------
// scan

const VERDICT_RANK: Record<Verdict, number> = { safe: 0, review: 1, malformed: 2, dangerous: 3 };
const VERDICT_EXIT: Record<Verdict, number> = {
  safe: EXIT.ok,
  review: EXIT.review,
  dangerous: EXIT.dangerous,
  malformed: EXIT.malformed,
};

interface ScanResult {
  path: string;
  report?: ScanReport;
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
        if (PICKLE_EXTENSIONS.has(ext)) files.push({ path, sniffed: false });
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

function cmdScan(args: string[]): number {
  const { values, positionals } = parse('scan', args, { json: { type: 'boolean' } });
  if (values.help) return help('scan');
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
  const progress = process.stderr.isTTY === true && files.length > 1;
  files.forEach(({ path, sniffed }, index) => {
    if (progress) process.stderr.write(`\r\x1b[Kscanning ${index + 1}/${files.length} ${displayName(path)}`);
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
    results.push({ path: path === '-' ? '<stdin>' : path, report });
  });
  if (progress) process.stderr.write('\r\x1b[K');
  const out = new Output(undefined);
  if (values.json) out.write(`${JSON.stringify(results.map(jsonResult), null, 2)}\n`);
  else writeScanText(results, out);
  return scanExitCode(results);
}

function jsonResult(r: ScanResult): unknown {
  if (r.error !== undefined) return { path: r.path, error: r.error, exitCode: r.code };
  return { path: r.path, verdict: r.report!.verdict, report: r.report };
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
    const shown = report.findings.filter((f) => f.severity !== 'info' && f.severity !== 'safe');
    for (const f of shown.slice(0, 50)) {
      const where = f.offset === undefined || /offset \d/.test(f.message) ? '' : ` (offset ${f.offset})`;
      const entry = f.entry === undefined ? '' : ` [${f.entry}]`;
      out.write(`  ${f.severity}: ${safeText(`${f.message}${where}${entry}`)}\n`);
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
      if (VERDICT_RANK[r.report.verdict] > VERDICT_RANK[worst]) worst = r.report.verdict;
    } else errorCode ??= r.code;
  }
  if (worst === 'dangerous') return EXIT.dangerous;
  return errorCode ?? VERDICT_EXIT[worst];
}

// ---------------------------------------------------------------------------

function help(command: keyof typeof HELP): number {
  writeStdout(HELP[command]!);
  return EXIT.ok;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the command line (without `node` and the script: `process.argv.slice(2)`).
 *
 * @param argv the arguments.
 * @returns the exit code (see {@link EXIT}).
 * @throws only for a bug; every expected failure is a message on stderr and an exit code.
 * @example
 * ```ts
 * process.exitCode = main(['show', 'data.pkl']);
 * ```
 */
export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        process.stderr.write(HELP.main!);
        return EXIT.usage;
      case '-h':
      case '--help':
      case 'help':
        return help(rest[0] !== undefined && rest[0] in HELP && rest[0] !== 'main' ? rest[0] : 'main');
      case '-V':
      case '--version':
        writeStdout(`brine ${version()}\n`);
        return EXIT.ok;
      case 'show':
        return cmdShow(rest);
      case 'dis':
        return cmdDis(rest);
      case 'scan':
        return cmdScan(rest);
      case 'convert':
        return cmdConvert(rest);
      default:
        throw usage(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof ClosedOutput) return EXIT.ok;
    if (error instanceof CliError) {
      process.stderr.write(`brine: ${error.message}\n`);
      return error.code;
    }
    if (error instanceof UnpicklingError || isPickleError(error)) {
      process.stderr.write(`brine: ${(error as Error).message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}

function isEpipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** True when this module is the program (not imported by a test). */
function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // A reader that goes away (brine show x | head) ends the command quietly.
  process.stdout.on('error', (error) => {
    if (isEpipe(error)) process.exit(EXIT.ok);
    throw error;
  });
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    // A bug, or memory exhausted by an input too large for it: still one line, no stack trace.
    process.stderr.write(`brine: internal error: ${safeText(String((error as Error)?.message ?? error))}\n`);
    process.exitCode = EXIT.software;
  }
}
