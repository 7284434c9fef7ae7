/**
 * Python exceptions as JS errors.
 *
 * @module
 */

import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REDUCE, PY_REPR, type Reduction } from './protocol.js';
import { PyGlobal } from './py-global.js';
import { pyRepr, type ReprFn, shortRepr } from './py-repr.js';

/**
 * A Python exception instance (`ValueError('bad', 2)`): a JS `Error` whose
 * `name` is the Python class name and whose `message` is Python's `str()` of
 * it, keeping the class, the `args` and any instance attributes, so that it
 * pickles back as the same exception. Nothing in it was raised or executed.
 */
export class PyException extends Error {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** The exception class (`builtins.ValueError`). */
  readonly pyClass: PyGlobal;
  /** The exception's `args`. */
  readonly args: readonly unknown[];
  /** Instance attributes (`__dict__`), e.g. `__notes__`; `undefined` when none were pickled. */
  state: unknown;

  constructor(pyClass: PyGlobal | string, args: readonly unknown[] = [], state?: unknown) {
    const cls = typeof pyClass === 'string' ? new PyGlobal('builtins', pyClass) : pyClass;
    const message = exceptionMessage(args);
    // A loaded exception was never thrown here: a JS stack trace would be meaningless, and
    // capturing one per value cost 11 s and 850 MB for a 4 MB pickle of ValueError() calls.
    const limit = setStackTraceLimit(0);
    try {
      super(message);
    } finally {
      setStackTraceLimit(limit);
    }
    this.pyClass = cls;
    this.args = Object.freeze([...args]);
    this.state = state;
  }

  override get name(): string {
    return this.pyClass.name;
  }

  [PY_REPR](repr?: ReprFn): string {
    if (repr === undefined) return pyRepr(this);
    const cls = this.pyClass.name.slice(this.pyClass.name.lastIndexOf('.') + 1);
    return `${cls}(${this.args.map((a) => repr(a)).join(', ')})`;
  }

  [PY_REDUCE](): Reduction {
    const hasState =
      this.state !== undefined &&
      this.state !== null &&
      !(
        typeof this.state === 'object' &&
        Object.keys(this.state as object).length === 0 &&
        !(this.state instanceof Map)
      );
    return { callable: this.pyClass, args: this.args, state: hasState ? this.state : undefined };
  }
}

/**
 * Sets V8's `Error.stackTraceLimit` (other engines ignore it) and returns the
 * previous value; does nothing where the property cannot be written (frozen
 * intrinsics).
 */
function setStackTraceLimit(limit: unknown): unknown {
  const ErrorCtor = Error as { stackTraceLimit?: unknown };
  const previous = ErrorCtor.stackTraceLimit;
  try {
    if (limit === undefined) delete ErrorCtor.stackTraceLimit;
    else ErrorCtor.stackTraceLimit = limit;
  } catch {
    // Frozen: the stack is captured as usual.
  }
  return previous;
}

/**
 * Python's `str(exc)`: '' for no args, `str(arg)` for one, the tuple's repr
 * for more; cut short for large or deeply nested arguments, since it is made
 * as the exception loads.
 */
function exceptionMessage(args: readonly unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return shortRepr(args.length === 1 ? args[0] : Object.freeze([...args]));
}

/** The built-in exception classes brine loads as {@link PyException}. @internal */
export const BUILTIN_EXCEPTIONS: readonly string[] = [
  'BaseException',
  'Exception',
  'ArithmeticError',
  'AssertionError',
  'AttributeError',
  'BlockingIOError',
  'BrokenPipeError',
  'BufferError',
  'ChildProcessError',
  'ConnectionAbortedError',
  'ConnectionError',
  'ConnectionRefusedError',
  'ConnectionResetError',
  'EOFError',
  'FileExistsError',
  'FileNotFoundError',
  'FloatingPointError',
  'GeneratorExit',
  'ImportError',
  'IndexError',
  'InterruptedError',
  'IsADirectoryError',
  'KeyError',
  'KeyboardInterrupt',
  'LookupError',
  'MemoryError',
  'ModuleNotFoundError',
  'NameError',
  'NotADirectoryError',
  'NotImplementedError',
  'OSError',
  'OverflowError',
  'PermissionError',
  'ProcessLookupError',
  'RecursionError',
  'ReferenceError',
  'RuntimeError',
  'StopAsyncIteration',
  'StopIteration',
  'SyntaxError',
  'SystemError',
  'SystemExit',
  'TimeoutError',
  'TypeError',
  'UnboundLocalError',
  'UnicodeDecodeError',
  'UnicodeEncodeError',
  'UnicodeError',
  'UnicodeTranslateError',
  'ValueError',
  'ZeroDivisionError',
  'Warning',
  'UserWarning',
  'DeprecationWarning',
  'RuntimeWarning',
];
