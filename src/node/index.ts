/**
 * `brine/node`: file helpers for Node.js. The core (`brine`) stays free of
 * Node modules; this entry adds what needs the file system.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { LoadOptions } from '../options.js';
import { loads, Unpickler } from '../unpickler.js';

/**
 * Reads a file and loads the pickle in it, like `pickle.load(open(path, 'rb'))`.
 *
 * @param path the file to read.
 * @param options see {@link LoadOptions}.
 * @returns the loaded value.
 * @throws {@link UnpicklingError} for bad input; the file system's errors as they are.
 *
 * @example Load a pickle file
 * ```ts
 * import { loadFile } from 'brine/node';
 * const state = await loadFile('cache.pkl');
 * ```
 */
export async function loadFile(path: string | URL, options?: LoadOptions): Promise<unknown> {
  return loads(await readFile(path), options);
}

/**
 * Reads a file of pickles written one after the other (`pickle.dump` called
 * repeatedly) and returns every value, in order.
 *
 * @param path the file to read.
 * @param options see {@link LoadOptions}.
 */
export async function loadAllFromFile(path: string | URL, options?: LoadOptions): Promise<unknown[]> {
  return [...new Unpickler(await readFile(path), options)];
}
