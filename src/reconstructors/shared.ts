/**
 * What the value-class reconstructors share.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import type { Entry, ReconstructContext, ReconstructorTable } from '../reconstruct.js';

/**
 * A table made by a function, so that a table module has no top-level work a
 * bundler must keep: called with a pure annotation (`@__PURE__`), it is dropped
 * from a bundle that never uses the table.
 */
export function table(name: string, entries: () => readonly Entry[]): ReconstructorTable {
  return { name, entries: entries() };
}

/** True for a Python int as loaded: an integral number or a bigint. */
export function isInt(value: unknown): value is number | bigint {
  return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
}

/** Runs a value-class constructor, turning its validation error into an UnpicklingError at the opcode. */
export function build<T>(context: ReconstructContext, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof PicklingError) context.fail(error.reason);
    throw error;
  }
}
