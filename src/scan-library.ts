/**
 * What a library tells the scanner (`src/tools/scan/`), as data: the globals
 * its pickles use to build values, its known gadgets, the persistent ids its
 * loader resolves, and the containers it wraps pickles in. A library folder
 * exports one {@link ScanLibrary}, and the scanner's machine never changes
 * for a new library. Types only, in the core, so that a library folder and
 * the options can name them without importing the tools.
 *
 * @module
 */

/**
 * A persistent id a library's loader resolves to plain data: a tuple whose
 * first item is the string `tag` and whose second is one of `classes` (a
 * global), of one of the `lengths`. PyTorch's storages:
 * `('storage', torch.FloatStorage, key, location, numel)`.
 */
export interface PersistentIdShape {
  /** How the report names a persistent id of this shape (`torch storage`). */
  readonly name: string;
  readonly tag: string;
  readonly lengths: readonly number[];
  /** `module.name` of each class the second item may be. */
  readonly classes: readonly string[];
}

/** What a sniffer found at the start of an input or of an archive member. */
export type ScanContainer =
  /** The bytes from `start` on are a pickle the library's loader reads (a `.npy` of objects). */
  | {
      readonly kind: 'pickle';
      readonly start: number;
      readonly note: string;
      /** The library's persistent ids are expected (a library name). */
      readonly persistentIds?: string;
      /** The loader reads this many pickles, then raw data (default: pickles to the end). */
      readonly pickles?: number;
    }
  /** A file of the library that holds no pickle (a `.npy` of numbers): plain data. */
  | { readonly kind: 'data'; readonly note: string };

/** One library's contribution to the scanner. */
export interface ScanLibrary {
  /** A short name (`numpy`, `torch`); {@link ScanLibrary.persistentIds} are enabled by it. */
  readonly name: string;
  /**
   * Globals (`module.name`) that only build data from their arguments: they
   * call nothing the pickle supplies, import nothing, touch no file, network
   * or process. Rated `safe`.
   */
  readonly safeGlobals: readonly string[];
  /** Modules (each with every submodule) that give code, file, network or process access. Rated `dangerous`. */
  readonly dangerousModules?: readonly string[];
  /** Single gadgets (`module.name`) in modules that are not dangerous as a whole. Rated `dangerous`. */
  readonly dangerousGlobals?: readonly string[];
  /** Persistent ids the library's loader resolves to data (rated `safe` where the library is expected). */
  readonly persistentIds?: readonly PersistentIdShape[];
  /**
   * Entry names that mark an archive (zip or tar) as the library's: the
   * pickles of such an archive are read with the library's persistent ids.
   */
  readonly archiveMarker?: RegExp;
  /** Recognises a file of the library by its bytes; undefined when it is not one. */
  readonly sniff?: (data: Uint8Array) => ScanContainer | undefined;
  /**
   * Globals that only build data, by rule rather than by list (scikit-learn's
   * classes): rated `safe` unless a dangerous module or name matches first.
   */
  readonly isSafe?: (module: string, name: string) => boolean;
  /**
   * Where the library's loader reads raw data inside a pickle stream (joblib's
   * arrays): undefined when `data` holds none.
   */
  readonly layout?: (data: Uint8Array) => StreamLayout | undefined;
}

/** Raw data a library's loader reads between the opcodes of a pickle stream. */
export interface StreamLayout {
  /** The note the report gives (an info finding). */
  readonly note: string;
  /**
   * At the offset just after a BUILD (the key), the loader reads data and
   * resumes the stream at the value; the scanner jumps there.
   */
  readonly skips: ReadonlyMap<number, number>;
  /** Whole pickles the loader reads inside the stream (`[start, end)`), scanned on their own. */
  readonly nested: readonly (readonly [number, number])[];
  /** Why the layout could not be followed to the end (the offset and the reason), if it could not. */
  readonly problem?: { readonly offset: number | undefined; readonly message: string };
}
