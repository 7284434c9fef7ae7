/**
 * `brine/node`: files and streams for Node.js. The core (`brine`) stays free
 * of Node modules; this entry adds what needs the file system: atomic saves,
 * loads of whole files, and iteration over every pickle of a file or stream
 * with bounded memory.
 *
 * @module brine/node
 */
import { once } from 'node:events';
import { createReadStream, readFileSync } from 'node:fs';
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type ChunkReaderOptions, PickleChunkReader } from '../chunk-reader.js';
import { PicklingError, UnpicklingError } from '../errors.js';
import { type LoadJoblibOptions, loadJoblib } from '../joblib/index.js';
import type { NDArray } from '../numpy/ndarray.js';
import {
  type DumpNpzOptions,
  dumpNpy,
  dumpNpz,
  type LoadNpyOptions,
  type LoadNpzOptions,
  loadNpy,
  loadNpz,
} from '../numpy/npy.js';
import type { LoadOptions } from '../options.js';
import { type DumpOptions, dumpChunks, dumps } from '../pickler.js';
import { withTextModeHint } from '../text-mode.js';
import { loads, Unpickler } from '../unpickler.js';
import { type AtomicOptions, toPath, writeAtomic, writeAtomicSync } from './atomic.js';

export { type ChunkReaderOptions, PickleChunkReader, type ReadResult } from '../chunk-reader.js';
export type { AtomicOptions } from './atomic.js';
export { dumpTorchFile, fileSource, loadTorchFile } from './torch.js';

/** Options of {@link dumpFile}, {@link dumpFileSync} and {@link dumpAll}: how to pickle, and how to write the file. */
export type DumpFileOptions = DumpOptions & AtomicOptions;

/** Options of {@link loadAll}: how to load, and how to read a file. */
export interface LoadAllOptions extends ChunkReaderOptions {
  /** Bytes read from a file at a time (the chunk size); default 64 KiB. Ignored for streams. */
  highWaterMark?: number;
}

/** Where {@link loadAll} reads from. */
export type PickleSource =
  | string
  | URL
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | Uint8Array;

function loadWithHint(data: Uint8Array, options: LoadOptions | undefined): unknown {
  try {
    return loads(data, options);
  } catch (error) {
    if (error instanceof UnpicklingError) throw withTextModeHint(error, data, 0);
    throw error;
  }
}

/**
 * Reads a file and loads the pickle it starts with, like
 * `pickle.load(open(path, 'rb'))` (bytes after that pickle are ignored, as
 * Python does).
 *
 * @param path the file to read.
 * @param options see {@link LoadOptions}.
 * @returns the loaded value.
 * @throws {@link brine!UnpicklingError} for bad input (saying so when the file looks
 *   damaged by text mode); the file system's errors as they are.
 *
 * @example Load a pickle file
 * ```ts
 * import { loadFile } from 'brine/node';
 * const state = await loadFile('cache.pkl');
 * ```
 */
export async function loadFile(path: string | URL, options?: LoadOptions): Promise<unknown> {
  return loadWithHint(await readFile(path), options);
}

/**
 * {@link loadFile}, synchronously.
 *
 * @param path the file to read.
 * @param options see {@link LoadOptions}.
 * @returns the loaded value.
 * @throws {@link brine!UnpicklingError} for bad input; the file system's errors as they are.
 *
 * @example Load a pickle file at startup
 * ```ts
 * import { loadFileSync } from 'brine/node';
 * const config = loadFileSync('config.pkl');
 * ```
 */
export function loadFileSync(path: string | URL, options?: LoadOptions): unknown {
  return loadWithHint(readFileSync(path), options);
}

/**
 * Reads a file of pickles written one after the other (`pickle.dump` called
 * repeatedly) and returns every value, in order.
 *
 * @deprecated Use {@link loadAll}, which reads the file in chunks instead of
 *   all at once: `for await (const value of loadAll(path))`, or
 *   `await Array.fromAsync(loadAll(path))`.
 * @param path the file to read.
 * @param options see {@link LoadOptions}.
 * @returns every value, in order.
 * @throws {@link brine!UnpicklingError} for bad input; the file system's errors as they are.
 *
 * @example Every pickle of a file
 * ```ts
 * import { loadAllFromFile } from 'brine/node';
 * const records = await loadAllFromFile('log.pkl');
 * ```
 */
export async function loadAllFromFile(path: string | URL, options?: LoadOptions): Promise<unknown[]> {
  const data = await readFile(path);
  const unpickler = new Unpickler(data, options);
  const values: unknown[] = [];
  try {
    while (!unpickler.done) values.push(unpickler.load());
  } catch (error) {
    if (error instanceof UnpicklingError) throw withTextModeHint(error, data, 0);
    throw error;
  }
  return values;
}

/** A chunk of a stream as bytes; text chunks mean the stream decodes its bytes, which breaks pickles. */
function chunkBytes(chunk: unknown, position: number): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (typeof chunk === 'string') {
    throw new UnpicklingError(
      'the stream gives text, not bytes: it decodes what it reads (an encoding was set, as in text mode); read pickles as bytes',
      position,
    );
  }
  throw new UnpicklingError(
    `the stream gives ${chunk === null ? 'null' : typeof chunk} chunks, not bytes`,
    position,
  );
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

function isIterable(value: object): value is Iterable<unknown> {
  return typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}

/**
 * Loads every pickle of a file or stream, in order: a file written by
 * `pickle.dump(obj, f)` called repeatedly, any `Readable`, a web
 * `ReadableStream`, any (async) iterable of byte chunks, or bytes already in
 * memory. Values come as soon as their pickle has arrived, and memory stays
 * bounded by the largest single pickle plus a chunk, however long the input
 * (see {@link PickleChunkReader}).
 *
 * Each pickle gets a fresh memo, as repeated `pickle.load(f)` calls do. With
 * `keepMemo` (one Python `Pickler` wrote every pickle, so later ones may refer
 * to objects of earlier ones) the whole input is read before the first value
 * comes. Out-of-band `buffers` are taken in order across the pickles.
 *
 * Leaving a `for await` loop early (`break`, `return`, an exception) closes
 * the file that `loadAll` opened, before the loop statement completes; a
 * stream you passed is ended the way `for await` over it ends it (a Node
 * `Readable` is destroyed).
 *
 * @param source a path or `file:` URL, a stream or iterable of byte chunks, or bytes.
 * @param options see {@link LoadOptions}; `highWaterMark` sets the chunk size
 *   of a file; `maxPickleSize` refuses larger pickles (for untrusted streams).
 * @returns an async iterator over the values.
 * @throws {@link brine!UnpicklingError} (from the iterator) for bad input or input
 *   that ends inside a pickle (`truncated`), with the byte offset in the whole
 *   input, and saying so when the data looks damaged by text mode; the values
 *   before it have been given. The file system's and the stream's errors as
 *   they are.
 *
 * @example Every record of a log that Python appended to
 * ```ts
 * import { loadAll } from 'brine/node';
 * for await (const record of loadAll('events.pkl')) {
 *   console.log(record);
 * }
 * ```
 */
export async function* loadAll(
  source: PickleSource,
  options?: LoadAllOptions,
): AsyncGenerator<unknown, void, undefined> {
  let chunks: AsyncIterable<unknown> | Iterable<unknown>;
  let owned: Readable | undefined;
  if (typeof source === 'string' || source instanceof URL) {
    owned = createReadStream(source, { highWaterMark: options?.highWaterMark ?? 64 * 1024 });
    chunks = owned;
  } else if (source instanceof Uint8Array) {
    chunks = [source];
  } else if (typeof source === 'object' && source !== null && isAsyncIterable(source)) {
    chunks = source;
  } else if (typeof source === 'object' && source !== null && isIterable(source)) {
    chunks = source;
  } else if (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as NodeJS.ReadableStream).on === 'function'
  ) {
    chunks = new Readable().wrap(source as NodeJS.ReadableStream);
  } else {
    throw new UnpicklingError(
      'loadAll reads from a path, a URL, a readable stream or an iterable of byte chunks',
    );
  }
  const reader = new PickleChunkReader(options);
  try {
    for await (const chunk of chunks) {
      reader.push(chunkBytes(chunk, reader.position + reader.buffered));
      for (let r = reader.read(); r !== undefined; r = reader.read()) yield r.value;
    }
    reader.end();
    for (let r = reader.read(); r !== undefined; r = reader.read()) yield r.value;
  } finally {
    if (owned !== undefined && !owned.closed) {
      const closed = once(owned, 'close').catch(() => {});
      owned.destroy();
      await closed;
    }
  }
}

/**
 * Pickles a value and writes it to a file atomically, as it is pickled: the
 * whole pickle is never held in memory (a big `bytes` payload is written from
 * the value itself), so memory stays bounded by a few MiB beyond the value,
 * whatever the size of the pickle. The value must not change until the
 * returned promise settles: pickling goes on between writes. The bytes go to
 * a new temp file in the same folder (a unique name, created exclusively), which is
 * flushed to the disk (`fsync`) and renamed over the target, then the folder
 * is flushed too where the platform allows it. Readers and crashes see the
 * old file or the new one, never a part of the new one; on any failure the
 * temp file is removed and the target left as it was.
 *
 * An existing target keeps its permissions (and its owner, where the process
 * may set it); a new file gets `0o666` less the umask, as `open()` gives, or
 * exactly `options.mode`. When `path` is a symbolic link, the file it leads to
 * is replaced and the link stays a link (as writing through the link with
 * `open()` would); a link to a file that does not exist yet creates it.
 * Like every atomic save, it needs write permission on the folder, and a file
 * with several hard links is replaced under the resolved name only.
 *
 * @param path the file to write.
 * @param value the value (see the value model in the README).
 * @param options see {@link DumpOptions} (protocol 5 by default), plus `mode`
 *   and `fsync` (default `true`; `false` skips the flushes, for scratch files).
 * @returns when the file is in place (and on the disk, with `fsync`).
 * @throws {@link brine!PicklingError} for a value that cannot be pickled (the temp
 *   file is removed and the target left as it was); the file system's errors
 *   as they are.
 *
 * @example Save state that Python loads with pickle.load
 * ```ts
 * import { dumpFile } from 'brine/node';
 * await dumpFile('state.pkl', { step: 1200, weights: [0.5, 0.25] });
 * ```
 */
export async function dumpFile(path: string | URL, value: unknown, options?: DumpFileOptions): Promise<void> {
  await writeAtomic(path, dumpChunks(value, options), options);
}

/**
 * {@link dumpFile}, synchronously: the same atomic replacement.
 *
 * @param path the file to write.
 * @param value the value.
 * @param options see {@link DumpFileOptions}.
 * @throws {@link brine!PicklingError} for a value that cannot be pickled; the file system's errors as they are.
 *
 * @example Save on exit
 * ```ts
 * import { dumpFileSync } from 'brine/node';
 * process.on('exit', () => dumpFileSync('state.pkl', { clean: true }));
 * ```
 */
export function dumpFileSync(path: string | URL, value: unknown, options?: DumpFileOptions): void {
  writeAtomicSync(path, dumpChunks(value, options), options);
}

/**
 * Writes several values to one file as consecutive pickles, the way Python
 * code calls `pickle.dump(obj, f)` for each (each pickle has its own memo);
 * {@link loadAll} or repeated `pickle.load(f)` read them back. The file is
 * replaced atomically, as by {@link dumpFile}; values are pickled one at a
 * time while the temp file is written.
 *
 * @param path the file to write.
 * @param values the values, in order (an async iterable too).
 * @param options see {@link DumpFileOptions}.
 * @returns when the file is in place.
 * @throws {@link brine!PicklingError} for a value that cannot be pickled (the target
 *   is then left as it was); the file system's errors as they are.
 *
 * @example A file of records
 * ```ts
 * import { dumpAll } from 'brine/node';
 * await dumpAll('records.pkl', [{ id: 1 }, { id: 2 }]);
 * ```
 */
export async function dumpAll(
  path: string | URL,
  values: Iterable<unknown> | AsyncIterable<unknown>,
  options?: DumpFileOptions,
): Promise<void> {
  async function* pickles(): AsyncGenerator<Uint8Array> {
    for await (const value of values) yield* dumpChunks(value, options);
  }
  await writeAtomic(path, pickles(), options);
}

/** Options of {@link createPickleWriter}. */
export interface PickleWriterOptions extends DumpOptions {
  /** Add to the end of an existing file instead of emptying it. Default `false`. */
  append?: boolean;
  /** Permissions of a new file, given to `open()` (so the umask applies). Default `0o666`. */
  mode?: number;
  /** Flush the file to the disk (`fsync`) when it is closed. Default `false`. */
  fsync?: boolean;
}

/** Writes pickles one after the other to a file: see {@link createPickleWriter}. */
export interface PickleWriter extends AsyncDisposable {
  /** The file being written. */
  readonly path: string;
  /** Bytes written by this writer so far. */
  readonly bytesWritten: number;
  /**
   * Pickles `value` (with a fresh memo, like `pickle.dump`) and appends it.
   * Writes happen in the order of the calls, even without `await`.
   *
   * @throws {@link brine!PicklingError} for a value that cannot be pickled: nothing
   *   is written for it and the writer stays usable. A file system error
   *   makes this and every later write fail.
   */
  write(value: unknown): Promise<void>;
  /** Waits for pending writes, flushes with `fsync` if asked, and closes the file. */
  close(): Promise<void>;
}

/**
 * Opens a file for writing pickles one after the other, the writing side of
 * {@link loadAll}: Python's `for obj in objs: pickle.dump(obj, f)`, for a log
 * or a stream of records that grows over time. Unlike {@link dumpFile} this
 * writes in place (a crash may leave a cut last pickle, which readers report
 * as truncated); use {@link dumpAll} to replace a file atomically.
 *
 * @param path the file to write.
 * @param options see {@link PickleWriterOptions} and {@link DumpOptions}.
 * @returns the writer, once the file is open.
 * @throws the file system's errors as they are.
 *
 * @example Append records as they come
 * ```ts
 * import { createPickleWriter } from 'brine/node';
 * await using log = await createPickleWriter('events.pkl', { append: true });
 * await log.write({ event: 'start' });
 * await log.write({ event: 'stop' });
 * ```
 */
export async function createPickleWriter(
  path: string | URL,
  options?: PickleWriterOptions,
): Promise<PickleWriter> {
  const file = toPath(path);
  const handle = await open(file, options?.append === true ? 'a' : 'w', options?.mode ?? 0o666);
  return new FilePickleWriter(file, handle, options);
}

class FilePickleWriter implements PickleWriter {
  readonly path: string;
  #bytesWritten = 0;
  readonly #handle: FileHandle;
  readonly #options: PickleWriterOptions | undefined;
  /** The last write in the queue. */
  #tail: Promise<void> = Promise.resolve();
  /** The first file system error: every later write fails with it. */
  #failure: unknown = null;
  #closed: Promise<void> | null = null;

  constructor(path: string, handle: FileHandle, options: PickleWriterOptions | undefined) {
    this.path = path;
    this.#handle = handle;
    this.#options = options;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  write(value: unknown): Promise<void> {
    if (this.#closed !== null)
      return Promise.reject(new PicklingError(`the pickle writer of ${this.path} is closed`));
    let data: Uint8Array;
    try {
      data = dumps(value, this.#options);
    } catch (error) {
      return Promise.reject(error);
    }
    const next = this.#tail.then(async () => {
      if (this.#failure !== null) throw this.#failure;
      try {
        for (let at = 0; at < data.length; ) {
          const { bytesWritten } = await this.#handle.write(data, at, data.length - at, null);
          at += bytesWritten;
          this.#bytesWritten += bytesWritten;
        }
      } catch (error) {
        this.#failure = error;
        throw error;
      }
    });
    this.#tail = next.catch(() => {});
    return next;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#tail;
      try {
        if (this.#options?.fsync === true && this.#failure === null) await this.#handle.sync();
      } finally {
        await this.#handle.close();
      }
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Node's raw inflate, bounded, for deflated `.npz` entries. */
const inflateRaw = (data: Uint8Array, max: number): Uint8Array =>
  inflateRawSync(data, { maxOutputLength: max });

/**
 * Reads a `.npy` file, as `numpy.load` (see {@link loadNpy}).
 *
 * @example Read an array numpy saved
 * ```ts
 * import { dumpNpyFile, loadNpyFile } from 'brine/node';
 * import { NDArray } from 'brine';
 * await dumpNpyFile('weights.npy', NDArray.from(new Float32Array([0.5, 1.5])));
 * const weights = await loadNpyFile('weights.npy'); // weights.toTypedArray() is a Float32Array
 * ```
 */
export async function loadNpyFile(path: string | URL, options?: LoadNpyOptions): Promise<NDArray> {
  return loadNpy(await readFile(path), options);
}

/** Reads a `.npz` file into a Map of its arrays by name, deflated entries included (see {@link loadNpz}). */
export async function loadNpzFile(
  path: string | URL,
  options?: LoadNpzOptions,
): Promise<Map<string, NDArray>> {
  return loadNpz(await readFile(path), { inflateRaw, ...options });
}

/** Writes an array as a `.npy` file, atomically (see {@link dumpNpy}). */
export async function dumpNpyFile(
  path: string | URL,
  array: NDArray,
  options?: AtomicOptions,
): Promise<void> {
  await writeAtomic(path, dumpNpy(array), options);
}

/** Writes arrays as a `.npz` file, atomically; `compress: true` deflates them, as `numpy.savez_compressed` (see {@link dumpNpz}). */
export async function dumpNpzFile(
  path: string | URL,
  arrays: Map<string, NDArray> | Record<string, NDArray>,
  options?: DumpNpzOptions & AtomicOptions,
): Promise<void> {
  await writeAtomic(
    path,
    dumpNpz(arrays, { deflateRaw: (data) => deflateRawSync(data), ...options }),
    options,
  );
}

/**
 * Reads a file written by `joblib.dump` (compressed or not) and loads it as
 * `joblib.load` does: see {@link loadJoblib}.
 *
 * @param path the file to read.
 * @param options see {@link LoadJoblibOptions}.
 * @returns the loaded value, arrays as `NDArray`s.
 * @throws {@link brine!UnpicklingError}, {@link brine!DecompressionError} for bad input; the file system's errors as they are.
 *
 * @example Load a scikit-learn model
 * ```ts
 * import type { NDArray, PyObject } from 'brine';
 * import { loadJoblibFile } from 'brine/node';
 * // Python: joblib.dump(StandardScaler().fit(X), 'scaler.joblib'), saved next to this module
 * const scaler = (await loadJoblibFile(new URL('../fixtures/sklearn/StandardScaler.joblib', import.meta.url))) as PyObject;
 * const { mean_, scale_ } = scaler.state as { mean_: NDArray; scale_: NDArray };
 * mean_.toArray(); // the per-feature means, as scaler.mean_.tolist()
 * ```
 */
export async function loadJoblibFile(path: string | URL, options?: LoadJoblibOptions): Promise<unknown> {
  return loadJoblib(await readFile(path), options);
}
