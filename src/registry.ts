import { builtinReconstructors } from './reconstructors/builtins.js';
import { copyregReconstructors } from './reconstructors/copyreg.js';
import type { PyGlobal } from './types/py-global.js';
import type { PyObject, PyObjectKind } from './types/py-object.js';
import type { Tuple } from './types/tuple.js';

/**
 * What a reconstructor is told about the call it handles.
 */
export interface ReconstructContext {
  /** The global being applied. */
  readonly global: PyGlobal;
  /** The registry of the current load, for reconstructors that apply another global (copyreg). */
  readonly registry: Registry;
  /**
   * Builds the inert {@link PyObject} the unpickler would have made for this call.
   * A reconstructor returns it for argument shapes it does not handle.
   */
  inert(kind: PyObjectKind, callable: unknown, args: Tuple, kwargs?: unknown): PyObject;
  /** Raises an {@link UnpicklingError} at the current opcode. */
  fail(reason: string): never;
  /**
   * `cls.__new__(cls, *args, **kwargs)` through the registry, as NEWOBJ does,
   * for a class given as a value; `undefined` when the registry cannot construct it.
   */
  construct(cls: unknown, args: Tuple, kwargs: unknown): unknown;
  /** Resolves another global as the GLOBAL opcode would (registry, strict mode and allow-list apply). */
  resolve(module: string, name: string): unknown;
}

/**
 * A pure data constructor for one Python global. It never runs anything the
 * pickle names: it turns data into data. Each hook is optional; a missing hook
 * means the unpickler keeps that use of the global inert.
 */
export interface Reconstructor {
  /** REDUCE: the global called with positional arguments, `global(*args)`. */
  call?(args: Tuple, context: ReconstructContext): unknown;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`; `kwargs` is `null` for NEWOBJ. */
  construct?(args: Tuple, kwargs: unknown, context: ReconstructContext): unknown;
  /**
   * BUILD applied to a value this reconstructor returned: `obj.__setstate__(state)`,
   * or Python's default (`__dict__` update, then slots). Without it, BUILD on
   * such a value is an error.
   */
  setState?(obj: unknown, state: unknown, context: ReconstructContext): void;
  /**
   * The value that stands for the global itself when the pickle pushes it
   * without calling it. Default: the `PyGlobal`.
   */
  value?: unknown;
}

function key(module: string, name: string): string {
  return `${module}\n${name}`;
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
export class Registry {
  readonly #entries: Map<string, Reconstructor>;
  #frozen = false;

  /** A registry with the safe built-ins, or empty with `{ builtins: false }`. */
  constructor(options?: { builtins?: boolean }) {
    this.#entries = new Map();
    if (options?.builtins !== false) {
      for (const table of [builtinReconstructors, copyregReconstructors]) {
        for (const [module, name, reconstructor] of table)
          this.#entries.set(key(module, name), reconstructor);
      }
    }
  }

  /** Adds or replaces the reconstructor of `module.name`. Returns the registry. */
  register(module: string, name: string, reconstructor: Reconstructor): this {
    if (this.#frozen)
      throw new TypeError('Cannot register in a frozen Registry: make one with new Registry()');
    this.#entries.set(key(module, name), reconstructor);
    return this;
  }

  /** The reconstructor of `module.name`, if any. */
  get(module: string, name: string): Reconstructor | undefined {
    return this.#entries.get(key(module, name));
  }

  /** True when `module.name` has a reconstructor. */
  has(module: string, name: string): boolean {
    return this.#entries.has(key(module, name));
  }

  /** Every registered name as `module.name`. */
  names(): string[] {
    return [...this.#entries.keys()].map((k) => k.replace('\n', '.'));
  }

  /** A new, changeable registry with the same entries. */
  clone(): Registry {
    const copy = new Registry({ builtins: false });
    for (const [k, v] of this.#entries) copy.#entries.set(k, v);
    return copy;
  }

  /** Makes the registry unchangeable and returns it. */
  freeze(): this {
    this.#frozen = true;
    return this;
  }
}

/** The registry used when none is given: the safe built-ins, frozen. */
export const defaultRegistry: Registry = new Registry().freeze();
