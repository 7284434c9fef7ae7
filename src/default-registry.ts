/**
 * The default registry, and the only module that imports the reconstructor
 * tables. A library adds its table here, in {@link DEFAULT_TABLES}, with one
 * line; nothing else in the core names a table, so a bundle that never loads
 * with the default registry (one that only dumps, or scans) carries none of
 * them.
 *
 * @module
 */
import { numpyTable } from './numpy/reconstructors.js';
import { pandasReconstructors } from './pandas/reconstructors.js';
import type { ReconstructorTable } from './reconstruct.js';
import { builtins } from './reconstructors/builtins.js';
import { copyreg } from './reconstructors/copyreg.js';
import { stdlib } from './reconstructors/stdlib.js';
import { BaseRegistry } from './registry.js';

/**
 * The tables of the default registry, in order: Python's built-in types,
 * copyreg's constructors, the standard-library value classes, then numpy's
 * arrays and pandas' frames (both pure data). A later table replaces an
 * earlier one's entries for the same global. PyTorch's table is not here: a
 * torch pickle needs its archive (see `loadTorch`).
 */
export const DEFAULT_TABLES: readonly ReconstructorTable[] = [
  builtins,
  copyreg,
  stdlib,
  numpyTable,
  pandasReconstructors,
];

/** The tables that `new Registry(options)` starts from. */
function tablesFor(options: RegistryOptions | undefined): readonly ReconstructorTable[] {
  if (options?.builtins === false) return options.stdlib === true ? [stdlib] : [];
  return DEFAULT_TABLES.filter((table) => table !== stdlib || options?.stdlib !== false);
}

/** Which of the built-in tables `new Registry(options)` starts from. */
export interface RegistryOptions {
  /** Python's built-in types and copyreg's constructors. Default `true`; `false` leaves every table out unless `stdlib: true`. */
  builtins?: boolean;
  /** The standard-library value classes (datetime, Decimal, collections ...). Default: as `builtins`. */
  stdlib?: boolean;
}

/**
 * Maps Python globals (`module`, `name`) to {@link Reconstructor}s. The
 * unpickler resolves names only here: a name that is not registered loads as an
 * inert `PyGlobal` / `PyObject` (or is refused in strict mode).
 *
 * A registry is a plain object the caller passes in options; nothing is
 * process-wide. {@link defaultRegistry} holds the safe built-ins and cannot be
 * changed; `new Registry()` starts from the same built-ins and can.
 *
 * @example Register a reconstructor for a Python function
 * ```ts
 * import { Registry, loads } from 'brine';
 * const registry = new Registry().register('myapp.units', 'meters', {
 *   call: (args) => ({ meters: args[0] }),
 * });
 * // loads(data, { registry })
 * ```
 */
export class Registry extends BaseRegistry {
  /**
   * A registry with the safe built-ins: Python's built-in types and copyreg,
   * and the standard-library value classes (datetime, Decimal, collections
   * ...). `stdlib: false` leaves the latter out, so that those types load as
   * inert `PyObject`s; `builtins: false` makes an empty registry. A list of
   * tables (`new Registry([builtins, copyreg])`) gives exactly those.
   */
  constructor(options?: readonly ReconstructorTable[] | RegistryOptions) {
    super(Array.isArray(options) ? options : tablesFor(options as RegistryOptions | undefined));
  }
}

function frozenDefault(): Registry {
  return new Registry().freeze();
}

/** The registry used when none is given: the safe built-ins, frozen. */
export const defaultRegistry: Registry = /* @__PURE__ */ frozenDefault();
