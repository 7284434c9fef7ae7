import type { Registry } from './registry.js';

/**
 * Options of {@link loads} and {@link Unpickler}. Every field is optional; the
 * defaults are the safe ones.
 */
export interface LoadOptions {
  /**
   * How Python 2 byte strings (STRING, BINSTRING, SHORT_BINSTRING) are decoded,
   * as Python's `encoding` argument: `'ASCII'` (the default), `'latin1'`,
   * `'utf-8'`, any label `TextDecoder` knows, or `'bytes'` to keep them as
   * `Uint8Array`.
   */
  encoding?: string;
  /** Map Python 2 module and class names to Python 3 ones in protocol 0-2 pickles, as Python does. Default `true`. */
  fixImports?: boolean;
  /**
   * Resolves a persistent id (PERSID / BINPERSID) to a value, as Python's
   * `persistent_load`. Without it such a pickle is an error.
   */
  persistentLoad?: (pid: unknown) => unknown;
  /** The out-of-band buffers of a protocol 5 pickle, in order (PEP 574), consumed by NEXT_BUFFER. */
  buffers?: Iterable<unknown>;
  /** The names brine may resolve, and how. Default: {@link defaultRegistry} (safe built-ins). */
  registry?: Registry;
  /**
   * Refuse every global that the registry does not hold (and that `allowGlobals`
   * does not list), instead of loading it as an inert `PyGlobal` / `PyObject`.
   */
  strict?: boolean;
  /**
   * Globals accepted as inert values in strict mode: `'module.name'`, or
   * `'module.*'` for every name of a module. Giving this option turns strict mode on.
   */
  allowGlobals?: Iterable<string>;
  /**
   * The extension registry of EXT1/EXT2/EXT4, like `copyreg.add_extension`:
   * code -> `[module, name]`. Default: empty.
   */
  extensions?: ReadonlyMap<number, readonly [string, string]>;
  /** `'auto'` (default): plain objects for dicts whose keys are all non-index strings, else `Map`. `'map'`: always `Map`. */
  dicts?: 'auto' | 'map';
  /** Copy bytes out of the input instead of returning views into it. Default `false`. */
  copyBytes?: boolean;
  /**
   * Keep the memo between `Unpickler.load()` calls, as one Python `Unpickler`
   * object does: for a stream written by one `Pickler` with several `dump()`
   * calls, whose later pickles refer to objects of earlier ones. Default
   * `false`: every pickle is independent, as when Python calls
   * `pickle.load(f)` repeatedly (each pickle written by its own `pickle.dump`).
   */
  keepMemo?: boolean;
  /** Load for an exact re-dump: integral floats become `PyFloat` and dicts are always `Map`. Default `false`. */
  exact?: boolean;
  /**
   * For loaders of file formats that write raw data into the pickle stream
   * right after an object (joblib writes an array's bytes after the BUILD of
   * its `NumpyArrayWrapper`). Called after every BUILD with the object just
   * built, the offset of the byte after the BUILD and the input. Return
   * `undefined` to go on as usual, or the value that replaces the built
   * object on the stack and the offset (at or after the given one, within
   * the input) where loading resumes. Resuming elsewhere is refused unless
   * the BUILD ended its frame. A `PickleError` the hook throws becomes
   * an `UnpicklingError` at the BUILD.
   */
  afterBuild?: AfterBuildHook;
}

/** See {@link LoadOptions.afterBuild}. */
export type AfterBuildHook = (
  built: unknown,
  offset: number,
  data: Uint8Array,
) => { value: unknown; offset: number } | undefined;

/** Options after defaults: read by the load loop, never the caller's object. @internal */
export interface ResolvedLoadOptions {
  readonly encoding: string;
  readonly fixImports: boolean;
  readonly persistentLoad: ((pid: unknown) => unknown) | undefined;
  readonly buffers: Iterator<unknown> | undefined;
  readonly registry: Registry;
  readonly strict: boolean;
  readonly allowModules: ReadonlySet<string>;
  readonly allowNames: ReadonlySet<string>;
  readonly extensions: ReadonlyMap<number, readonly [string, string]> | undefined;
  readonly dictsAsMap: boolean;
  readonly copyBytes: boolean;
  readonly exact: boolean;
  readonly keepMemo: boolean;
  readonly afterBuild: AfterBuildHook | undefined;
}
