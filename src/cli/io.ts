/**
 * The command's input and output: exit codes, one-line errors, reading files
 * and streams with bounds, writing to standard output (a closed pipe ends the
 * command quietly) or atomically to a file, and one escaping function for
 * every byte a file controls that the command prints.
 *
 * @module
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { isPickleError } from '../errors.js';
import { formatHint, type SniffedFormat, sniffFormat } from '../formats/sniff.js';
import { writeAtomicSync } from '../node/atomic.js';
import { OPCODE_BY_CODE } from '../opcodes.js';

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

export const EXIT_TABLE = `Exit codes:
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

/** An error that ends the command with a message and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export function usage(message: string, command?: string): CliError {
  return new CliError(
    `${message} (see "brine ${command === undefined ? '' : `${command} `}--help")`,
    EXIT.usage,
  );
}

/**
 * The command's standard streams: the process's own ({@link PROCESS_STREAMS}),
 * or others that a caller of `run` passes (a test that runs the command in its
 * own process and keeps what it prints).
 */
export interface CliStreams {
  /** The file descriptor FILE "-" reads. */
  readonly stdin: number;
  /**
   * Writes `length` bytes of `bytes` from `offset` to standard output, as
   * `fs.writeSync` does: returns how many were written, throws its errors
   * (`EPIPE`: the reader went away; `EAGAIN`: try again).
   */
  writeStdout(bytes: Uint8Array, offset: number, length: number): number;
  /** Writes a message to standard error. */
  writeStderr(text: string): void;
  /** True when standard output is a terminal. */
  readonly stdoutIsTTY: boolean;
  /** True when standard error is a terminal. */
  readonly stderrIsTTY: boolean;
}

/** The process's standard streams (file descriptors 0 and 1, `process.stderr`). */
export const PROCESS_STREAMS: CliStreams = {
  stdin: 0,
  writeStdout: (bytes, offset, length) => writeSync(1, bytes, offset, length),
  writeStderr: (text) => {
    process.stderr.write(text);
  },
  get stdoutIsTTY() {
    return process.stdout.isTTY === true;
  },
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
};

let current: CliStreams = PROCESS_STREAMS;

/** The streams the running command reads and writes. */
export function streams(): CliStreams {
  return current;
}

/** Runs `fn` with `s` as the command's streams, then restores the previous ones. */
export function withStreams<T>(s: CliStreams, fn: () => T): T {
  const previous = current;
  current = s;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/**
 * Text a file controls (a value's repr, a name, an error message quoting the
 * input, a path) made safe to print: C0 and C1 controls, DEL, bidirectional
 * overrides and isolates, and line and paragraph separators are escaped, so
 * that nothing printed can move the cursor, retitle or clear the terminal,
 * overwrite a line (CR) or reorder the text. Python's repr escapes all of
 * them already, so this changes nothing in output that matches Python's.
 *
 * @param text the text to print.
 * @param style `line` (the default): one line, escapes as Python writes them
 *   (`\x1b`, `\n`, `\u202e`); `lines`: the same, but newlines kept (multi-line
 *   output such as pprint's); `json`: inside JSON text, `\u00XX` escapes that
 *   keep it valid JSON (JSON.stringify already escapes C0 controls).
 * @returns the escaped text.
 */
export function escapeText(text: string, style: 'line' | 'lines' | 'json' = 'line'): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return style === 'line' ? '\\n' : '\n';
    if (style === 'json') return `\\u${code.toString(16).padStart(4, '0')}`;
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A path as messages print it: escaped ({@link escapeText}), standard input by name. */
export function displayName(path: string): string {
  if (path === '-') return 'standard input';
  if (path === '') return '""';
  return escapeText(path);
}

/** A system error's message without Node's `ECODE: ` prefix and `, syscall 'path'` suffix. */
export function systemMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  let message = String(e.message ?? error);
  if (e.code !== undefined && message.startsWith(`${e.code}: `)) message = message.slice(e.code.length + 2);
  if (e.syscall !== undefined) {
    const at = message.lastIndexOf(`, ${e.syscall}`);
    if (at > 0) message = message.slice(0, at);
  }
  return escapeText(message.split('\n')[0]!);
}

/**
 * Maps a file system error to a one-line message and an exit code. For an
 * output file (`writing`), a missing folder is a write error (74), not a missing input (66).
 */
export function fileError(error: unknown, path: string, writing = false): CliError {
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
export type ReadMode = 'whole' | 'pickle' | 'pickleOrJson';

export function readInput(path: string, mode: ReadMode = 'whole'): Uint8Array {
  let fd: number;
  try {
    fd = path === '-' ? current.stdin : openSync(path, 'r');
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
    if (path !== '-') closeSync(fd);
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

export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The error for a pickle error while reading `path`: its message escaped, and
 * what the input looks like when it is a known format that is not a pickle.
 * Rethrows anything that is not a pickle error (a bug).
 */
export function badInput(error: unknown, path: string, data?: Uint8Array): CliError {
  if (!isPickleError(error)) throw error;
  // The loader says what a known format is; the disassembler does not.
  const hint =
    data === undefined || error.message.includes('the input looks like')
      ? ''
      : formatHint(data, (error as { offset?: number }).offset);
  return new CliError(`${displayName(path)}: ${escapeText(error.message + hint)}`, EXIT.badInput);
}

/** The error for input that is no pickle at all: empty, or a format recognised by its first bytes. */
export function notAPickle(data: Uint8Array, path: string): CliError | undefined {
  const name = displayName(path);
  if (data.length === 0) return new CliError(`${name}: empty input: not a pickle`, EXIT.badInput);
  const format: SniffedFormat | undefined = sniffFormat(data);
  if (format?.certain === true) {
    return new CliError(`${name}: ${format.description}, not a pickle: ${format.advice}`, EXIT.badInput);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Output: everything goes through one writer so that a closed pipe ends quietly.

/** Thrown when the reader of standard output went away: the command ends quietly. */
export class ClosedOutput extends Error {}

/**
 * Writes to standard output synchronously, so that a reader that goes away
 * (`brine show big.pkl | head`) stops the command at once instead of after
 * the whole input, and a failing write (a full disk) is a message, not a crash.
 */
export function writeStdout(text: string | Uint8Array): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let at = 0; at < bytes.length; ) {
    try {
      at += current.writeStdout(bytes, at, bytes.length - at);
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

export class Output {
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
      // A regular file is replaced atomically (a reader never sees half of it, a failed run
      // leaves the old one); a device or a pipe (-o /dev/stdout) is written in place.
      if (isSpecialFile(this.#path)) writeFileSync(this.#path, Buffer.concat(parts));
      else writeAtomicSync(this.#path, parts);
    } catch (error) {
      throw fileError(error, this.#path, true);
    }
  }
}

/** True for an existing path that is not a regular file or a folder (a device, a pipe, a socket). */
function isSpecialFile(path: string): boolean {
  try {
    const info = statSync(path);
    return !info.isFile() && !info.isDirectory();
  } catch {
    return false;
  }
}

/** '[', '{', '"', '-', digits, 't', 'f', 'n': what JSON text starts with (no pickle starts with them). */
export function isJsonStart(c: number): boolean {
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
