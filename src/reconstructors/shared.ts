/**
 * What the value-class reconstructors share.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import type { ReconstructContext, Reconstructor } from '../reconstruct.js';

/** A reconstructor table: `[module, name, reconstructor]`. */
export type Entry = readonly [module: string, name: string, reconstructor: Reconstructor];

/** Runs a value-class constructor, turning its validation error into an UnpicklingError at the opcode. */
export function build<T>(context: ReconstructContext, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof PicklingError) context.fail(error.reason);
    throw error;
  }
}
