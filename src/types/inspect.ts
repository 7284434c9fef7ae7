/**
 * What `console.log` and Node's `util.inspect` print for brine's value
 * classes: Python's `repr()` of the value, on one line and bounded, instead of
 * the fields that hold it (a `PyDecimal`'s digits, nine lines per
 * `PyDateTime`, an exception's stack trace through brine's own files).
 *
 * Node finds the method by the symbol it registers globally
 * (`Symbol.for('nodejs.util.inspect.custom')`), so nothing here imports
 * `node:util`: the classes stay browser-safe, where the method is simply
 * never called.
 *
 * @module
 */
import { newRun, reprInto } from '../repr.js';

/** The method key Node's `util.inspect` calls (`util.inspect.custom`). */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** Longest text one value prints through `util.inspect`, in characters; a longer repr ends with `...`. */
export const INSPECT_MAX_LENGTH = 10_000;

/**
 * Python's repr of `value`, cut at {@link INSPECT_MAX_LENGTH} characters
 * (ending with `...` when cut): what the value classes' `[INSPECT]` returns.
 * @internal
 */
export function inspectRepr(value: unknown): string {
  const run = newRun(INSPECT_MAX_LENGTH);
  const whole = reprInto(value, run);
  const text = run.out.join('');
  return whole ? text : `${text.slice(0, INSPECT_MAX_LENGTH)}...`;
}
