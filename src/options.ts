/**
 * The options of loading, dumping and scanning, and their resolution: each
 * public options object is read once, here, into a resolved form with every
 * default applied, which the unpickler, the pickler and the scanner read
 * instead of the caller's object. The `encoding` of Python 2 strings is
 * resolved to a decode function once per load, not per string.
 *
 * @module
 */
import type { Registry } from './default-registry.js';
import { PicklingError } from './errors.js';
import type { InflateRaw } from './formats/zip.js';
import type { ScanLibrary } from './scan-library.js';
import { decodeAscii, decodeLatin1, decodeUtf8, TextDecodeError } from './text.js';
import type { PickleBuffer } from './types/builtins.js';

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
  /** The names brine may resolve, and how. Default: {@link brine!defaultRegistry} (safe built-ins). */
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
  /**
   * How Python floats load. `'number'` (the default): every float is a JS
   * `number`, so `1.0` loads as `1` and would dump back as the int `1`.
   * `'keep'`: a float whose value is integral (`1.0`, `-0.0`, `1e16`) loads
   * as a {@link brine!PyFloat}, which dumps back as a float; other floats stay
   * numbers. Nothing else changes (dicts stay plain objects), so this is the
   * option for "load, edit a field, save" round trips that must keep every
   * type. `exact: true` implies it.
   */
  floats?: 'number' | 'keep';
  /** Load for an exact re-dump: integral floats become `PyFloat` (as `floats: 'keep'`) and dicts are always `Map`. Default `false`. */
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

/**
 * Decodes a Python 2 `str` (the bytes `start` to `start + n` of `data`) per
 * the `encoding` option, throwing {@link TextDecodeError} for bytes the codec
 * rejects. `null` when the option is `'bytes'`: such strings stay bytes.
 */
export type Py2StringCodec = ((data: Uint8Array, start: number, n: number) => string) | null;

/** See {@link LoadOptions.afterBuild}. */
export type AfterBuildHook = (
  built: unknown,
  offset: number,
  data: Uint8Array,
) => { value: unknown; offset: number } | undefined;

/** Options after defaults: read by the load loop, never the caller's object. @internal */
export interface ResolvedLoadOptions {
  /** The `encoding` option as given (for messages). */
  readonly encoding: string;
  /** The `encoding` option resolved to its decoder. */
  readonly decodePy2String: Py2StringCodec;
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
  /** Integral floats load as `PyFloat` (`floats: 'keep'` or `exact`). */
  readonly keepFloats: boolean;
  readonly keepMemo: boolean;
  readonly afterBuild: AfterBuildHook | undefined;
}

/** `'utf-8'` as Python 2 strings need it: strict, a surrogate (even one `surrogatepass` would keep) is an error. */
function decodeUtf8Strict(data: Uint8Array, start: number, n: number): string {
  const s = decodeUtf8(data, start, n);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) i++;
      else throw new TextDecodeError("'utf-8' codec cannot decode a surrogate");
    }
  }
  return s;
}

/** ASCII, the default: a non-ASCII byte says which option reads the string. */
function decodeAsciiExplained(data: Uint8Array, start: number, n: number): string {
  try {
    return decodeAscii(data, start, n);
  } catch (error) {
    throw new TextDecodeError(
      `${(error as Error).message}: a Python 2 str holds bytes; load with encoding: 'latin1' (text, or what datetime and numpy pickles need) or 'bytes'`,
    );
  }
}

/**
 * The decoder of an `encoding` option, as Python's codec lookup normalises
 * names; any other label goes to `TextDecoder` (made once). An encoding
 * nothing knows fails when the first Python 2 string is read, as in Python.
 */
export function py2StringCodec(encoding: string): Py2StringCodec {
  switch (encoding.toLowerCase().replace(/[-_ ]/g, '')) {
    case 'bytes':
      return null;
    case 'ascii':
    case 'usascii':
      return decodeAsciiExplained;
    case 'latin1':
    case 'latin':
    case 'iso88591':
    case 'l1':
      return decodeLatin1;
    case 'utf8':
      return decodeUtf8Strict;
    default: {
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(encoding, { fatal: true });
      } catch {
        return () => {
          throw new TextDecodeError(`unknown encoding: ${encoding}`);
        };
      }
      return (data, start, n) => {
        try {
          return decoder.decode(data.subarray(start, start + n));
        } catch {
          throw new TextDecodeError(`'${encoding}' codec cannot decode the string`);
        }
      };
    }
  }
}

/**
 * Resolves the options of a load; `defaultRegistry` is the registry of a load
 * that names none (the unpickler passes it: this module imports no table). @internal
 */
export function resolveLoadOptions(
  options: LoadOptions | undefined,
  defaultRegistry: Registry,
): ResolvedLoadOptions {
  const allowModules = new Set<string>();
  const allowNames = new Set<string>();
  if (options?.allowGlobals !== undefined) {
    for (const entry of options.allowGlobals) {
      if (entry.endsWith('.*')) allowModules.add(entry.slice(0, -2));
      else allowNames.add(entry);
    }
  }
  const buffers = options?.buffers;
  const encoding = options?.encoding ?? 'ASCII';
  return {
    encoding,
    decodePy2String: py2StringCodec(encoding),
    fixImports: options?.fixImports ?? true,
    persistentLoad: options?.persistentLoad,
    buffers: buffers === undefined ? undefined : buffers[Symbol.iterator](),
    registry: options?.registry ?? defaultRegistry,
    strict: options?.strict === true || options?.allowGlobals !== undefined,
    allowModules,
    allowNames,
    extensions: options?.extensions,
    dictsAsMap: options?.dicts === 'map' || options?.exact === true,
    copyBytes: options?.copyBytes === true,
    exact: options?.exact === true,
    keepFloats: options?.floats === 'keep' || options?.exact === true,
    keepMemo: options?.keepMemo === true,
    afterBuild: options?.afterBuild,
  };
}

/** Options of {@link dumps} and {@link Pickler}. */
export interface DumpOptions {
  /** Pickle protocol, 0 to 5. Default 5, the highest. */
  protocol?: number;
  /** Write Python 2 module names (`__builtin__`, `copy_reg` ...) in protocol 0-2 pickles, as Python does. Default `true`. */
  fixImports?: boolean;
  /**
   * Returns a persistent id for values kept outside the pickle (Python's
   * `persistent_id`), or `undefined` / `null` to pickle the value itself.
   */
  persistentId?: (value: unknown) => unknown;
  /**
   * Receives each `PickleBuffer` at protocol 5, like Python's `buffer_callback`:
   * when it returns a false value (`undefined` too, so `(b) => { list.push(b) }`
   * works as `list.append` does), the buffer goes out of band: only NEXT_BUFFER
   * is written and the caller keeps the buffer; a true value writes it in band.
   * Without a callback, buffers are written in band.
   */
  bufferCallback?: (buffer: PickleBuffer) => unknown;
  /** The extension registry, like `copyreg.add_extension`: code -> `[module, name]`. */
  extensions?: ReadonlyMap<number, readonly [string, string]>;
  /** JS classes registered as Python classes (`registry.registerClass`) and JS types with a reducer (`registry.registerReducer`). */
  registry?: Registry;
  /** numpy's module names in numpy pickles: `1` (`numpy.core`, the default, read by numpy 1 and 2) or `2` (`numpy._core`). */
  numpyNames?: 1 | 2;
}

/** The protocol `dumps` writes by default: the highest. */
export const DEFAULT_PROTOCOL = 5;

/** Dump options after defaults. @internal */
export interface ResolvedDumpOptions {
  readonly protocol: number;
  readonly fixImports: boolean;
  readonly persistentId: ((value: unknown) => unknown) | undefined;
  readonly bufferCallback: ((buffer: PickleBuffer) => unknown) | undefined;
  /** The extension registry by `module\nname`, or `null` for none. */
  readonly extensions: Map<string, number> | null;
  readonly registry: Registry | undefined;
  readonly numpyNames: 1 | 2;
}

/** Resolves the options of a pickler; a protocol that is not 0 to 5 is a {@link PicklingError}. @internal */
export function resolveDumpOptions(options: DumpOptions | undefined): ResolvedDumpOptions {
  const protocol = options?.protocol ?? DEFAULT_PROTOCOL;
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 5) {
    throw new PicklingError(`pickle protocol must be an integer from 0 to 5, got ${String(protocol)}`);
  }
  return {
    protocol,
    fixImports: options?.fixImports ?? true,
    persistentId: options?.persistentId,
    bufferCallback: options?.bufferCallback,
    extensions: options?.extensions
      ? new Map([...options.extensions].map(([code, [m, n]]) => [`${m}\n${n}`, code]))
      : null,
    registry: options?.registry,
    numpyNames: options?.numpyNames === 2 ? 2 : 1,
  };
}

/** Options of {@link scan} and {@link scanArchive}. */
export interface ScanOptions {
  /**
   * How persistent ids are resolved by the program that loads the pickle:
   * the name of a library whose persistent ids are expected and rated safe
   * (`'torch'`: PyTorch's `('storage', StorageClass, key, location, numel)`). {@link scanArchive} sets it for the
   * pickles of an archive laid out as `torch.save` writes it.
   */
  persistentIds?: string;
  /**
   * What the scanner knows of each library (safe globals, gadgets,
   * persistent ids, containers); default: Python, numpy, PyTorch and pandas
   * (`DEFAULT_LIBRARIES`).
   */
  libraries?: readonly ScanLibrary[];
  /**
   * Inflates deflated zip entries. Default: brine's own inflate (pure
   * TypeScript, bounded by `maxEntrySize`); Node's is faster:
   * `(b, max) => zlib.inflateRawSync(b, { maxOutputLength: max })`.
   */
  inflateRaw?: InflateRaw;
  /** Largest zip entry to inflate, in bytes (default 1 GiB). */
  maxEntrySize?: number;
  /** Most items kept in each list of the report (default 10,000); the verdict always covers everything. */
  maxReported?: number;
}

/** Scan options after defaults. @internal */
export interface ResolvedScanOptions {
  readonly persistentIds: string | undefined;
  readonly inflateRaw: InflateRaw | undefined;
  readonly maxEntrySize: number;
  readonly maxReported: number;
}

/** Resolves the options of a scan. @internal */
export function resolveScanOptions(options: ScanOptions | undefined): ResolvedScanOptions {
  return {
    persistentIds: options?.persistentIds,
    inflateRaw: options?.inflateRaw,
    maxEntrySize: options?.maxEntrySize ?? 2 ** 30,
    maxReported: options?.maxReported ?? 10_000,
  };
}
