/**
 * The errors brine raises. Every error is a {@link PickleError}: an
 * {@link UnpicklingError} for bad or refused input, a {@link PicklingError} for a
 * value that cannot be written.
 *
 * @module
 */
import { escapeUntrusted } from './python-repr.js';

/**
 * The longest reason an {@link UnpicklingError} keeps: a message quotes input
 * (a name, a literal), and no message needs more than a MiB of it (the
 * disassembler quotes a whole leftover stack, as pickletools does).
 */
const MAX_REASON = 1024 * 1024;

const PICKLE_ERROR = Symbol.for('brine.PickleError');

/** Base class of every error brine raises. */
export class PickleError extends Error {
  /** @internal brand that survives realms (see {@link isPickleError}) */
  readonly [PICKLE_ERROR] = true;
  override get name(): string {
    return 'PickleError';
  }
}

/**
 * Raised for input that is not a valid pickle, or that names something the
 * options refuse. `offset` is the byte offset of the opcode being executed and
 * `opcode` its pickletools name (`'BINGET'`), or `undefined` when the error is
 * not tied to one opcode.
 */
export class UnpicklingError extends PickleError {
  /** Byte offset of the opcode that failed, from the start of the input. */
  readonly offset: number | undefined;
  /** pickletools name of the opcode that failed. */
  readonly opcode: string | undefined;
  /** The message without the offset and opcode prefix. */
  readonly reason: string;
  /**
   * True when the input ended before the pickle did: the bytes so far are a
   * valid beginning, and more bytes could complete it (streams use this).
   */
  readonly truncated: boolean;

  constructor(
    reason: string,
    offset?: number,
    opcode?: string,
    options?: { cause?: unknown; truncated?: boolean },
  ) {
    // A reason quotes what the pickle holds: nothing in it may reach a terminal raw.
    const safe = escapeUntrusted(reason, MAX_REASON);
    super(formatUnpicklingMessage(safe, offset, opcode), options);
    this.offset = offset;
    this.opcode = opcode;
    this.reason = safe;
    this.truncated = options?.truncated === true;
  }
  override get name(): string {
    return 'UnpicklingError';
  }
}

/**
 * Raised for a JavaScript value that cannot be pickled. `path` says where the
 * value sits in what was passed to `dumps` (`root.users[3].callback`).
 */
export class PicklingError extends PickleError {
  /** Path to the offending value, starting at `root`. */
  readonly path: string | undefined;
  /** The message without the path. */
  readonly reason: string;
  constructor(reason: string, path?: string, options?: { cause?: unknown }) {
    super(path === undefined ? reason : `Cannot pickle ${path}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
  override get name(): string {
    return 'PicklingError';
  }
}

/** True for any error raised by brine, even one from another realm or copy of the package. */
export function isPickleError(error: unknown): error is PickleError {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[PICKLE_ERROR] === true
  );
}

function formatUnpicklingMessage(
  reason: string,
  offset: number | undefined,
  opcode: string | undefined,
): string {
  if (offset === undefined) return `Cannot load pickle: ${reason}`;
  return `Cannot load pickle at offset ${offset}${opcode === undefined ? '' : ` (${opcode})`}: ${reason}`;
}
