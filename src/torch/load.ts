/**
 * Reading the files `torch.save` writes: the zip format (torch >= 1.6) from
 * bytes or lazily through a {@link ByteSource}, and the legacy stream of
 * pickles (torch < 1.6). TorchScript archives are recognised and refused:
 * they hold code that only `torch.jit.load` runs.
 *
 * @module
 */

import { Registry } from '../default-registry.js';
import { UnpicklingError } from '../errors.js';
import {
  type ByteSource,
  bytesSource,
  type InflateRaw,
  isZip,
  matchZipEntries,
  readZip,
  readZipDirectory,
  readZipDirectorySync,
  readZipEntry,
  readZipEntryFrom,
  readZipEntryFromSync,
  type ZipEntry,
  ZipError,
} from '../formats/zip.js';
import type { LoadOptions } from '../options.js';
import { PyGlobal } from '../types/py-global.js';
import { isTuple } from '../types/tuple.js';
import { Unpickler } from '../unpickler.js';
import { dtypeInfo, dtypeOfStorageClass, type TorchDType } from './dtypes.js';
import { torchReconstructors } from './reconstructors.js';
import { Storage, type StorageReader } from './tensor.js';

/** Options of {@link loadTorch}. */
export interface TorchLoadOptions
  extends Pick<
    LoadOptions,
    'strict' | 'allowGlobals' | 'encoding' | 'dicts' | 'copyBytes' | 'exact' | 'floats'
  > {
  /** Inflates deflated entries (torch never deflates, other zip tools may). `brine/node` passes zlib's. */
  inflateRaw?: InflateRaw;
  /** Largest `data.pkl` accepted, in bytes (default 1 GiB). */
  maxPickleSize?: number;
}

/** Raised for a TorchScript archive, which `torch.load` hands to `torch.jit.load` to run its code. */
export class TorchScriptError extends UnpicklingError {
  override get name(): string {
    return 'TorchScriptError';
  }
}

/** What a torch file is, as {@link torchFormat} tells. */
export type TorchFormat = 'zip' | 'torchscript' | 'legacy' | 'tar' | 'unknown';

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
const DEFAULT_MAX_PICKLE = 2 ** 30;

let registry: Registry | undefined;
/** The registry torch files load with: the default built-ins and the torch table. */
export function torchRegistry(): Registry {
  registry ??= new Registry().include(torchReconstructors);
  return registry;
}

/**
 * Which torch format `bytes` (a whole file, or at least its first 512 bytes
 * and, for zip, the whole file) holds.
 *
 * @param bytes the file's bytes.
 * @returns `'zip'`, `'torchscript'`, `'legacy'` (a stream of pickles), `'tar'` (torch <= 0.1.10), or `'unknown'`.
 * @example
 * ```ts
 * torchFormat(dumpTorch({ weight: Tensor.from([1, 2]) })); // 'zip', as torch.save writes since 1.6
 * torchFormat(readFixture('test/fixtures/torch/legacy.pt')); // 'legacy', torch.save(..., _use_new_zipfile_serialization=False)
 * ```
 */
export function torchFormat(bytes: Uint8Array): TorchFormat {
  if (isZip(bytes)) {
    try {
      return isTorchScript(readZip(bytes).entries) ? 'torchscript' : 'zip';
    } catch {
      return 'unknown';
    }
  }
  if (isTar(bytes)) return 'tar';
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) return 'legacy';
  return 'unknown';
}

function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= 512 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
}

function isTorchScript(entries: readonly ZipEntry[]): boolean {
  const prefix = archivePrefix(entries, false);
  if (prefix === undefined) return false;
  return (
    matchZipEntries(entries, `${prefix}/constants.pkl`).length > 0 ||
    entries.some((e) => e.name.startsWith(`${prefix}/code/`))
  );
}

/** The folder all records are in: the first entry's name up to its first `/`, as torch's reader takes it. */
function archivePrefix(entries: readonly ZipEntry[], required: boolean): string | undefined {
  const first = entries.find((e) => e.source === 'central' && e.counted);
  if (first === undefined) {
    if (required) throw new UnpicklingError('the archive holds no file');
    return undefined;
  }
  const slash = first.name.indexOf('/');
  if (slash < 0) {
    if (required)
      throw new UnpicklingError(`file in archive is not in a subdirectory: ${JSON.stringify(first.name)}`);
    return undefined;
  }
  return first.name.slice(0, slash);
}

/** A request of the loader: the bytes of one entry. */
type Steps<T> = Generator<ZipEntry, T, Uint8Array>;

function* zipSteps(
  entries: readonly ZipEntry[],
  readerFor: (entry: ZipEntry) => StorageReader,
  options: TorchLoadOptions | undefined,
): Steps<unknown> {
  const prefix = archivePrefix(entries, true)!;
  const record = (name: string): ZipEntry | undefined => {
    const found = matchZipEntries(entries, `${prefix}/${name}`);
    if (found.length > 1) {
      throw new UnpicklingError(
        `the archive has ${found.length} entries named ${JSON.stringify(`${prefix}/${name}`)} (ignoring case)`,
      );
    }
    return found[0];
  };
  if (isTorchScript(entries)) {
    throw new TorchScriptError(
      'a TorchScript archive (constants.pkl, code/): torch.load hands it to torch.jit.load, which runs its code; brine does not load it',
    );
  }
  const pkl = record('data.pkl');
  if (pkl === undefined) throw new UnpicklingError(`no ${prefix}/data.pkl in the archive`);
  const maxPickle = options?.maxPickleSize ?? DEFAULT_MAX_PICKLE;
  if (pkl.size > maxPickle)
    throw new UnpicklingError(`data.pkl is ${pkl.size} bytes, more than ${maxPickle}`);
  let byteOrder: 'little' | 'big' = 'little';
  const order = record('byteorder');
  if (order !== undefined) {
    if (order.size > 16) throw new UnpicklingError('the byteorder record is not little or big');
    const text = new TextDecoder().decode(yield order);
    if (text !== 'little' && text !== 'big') {
      throw new UnpicklingError(`the byteorder record says ${JSON.stringify(text)}, not little or big`);
    }
    byteOrder = text;
  }
  const data = yield pkl;
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): Storage => {
    const { dtype, key, location, numel } = storageId(pid, 5);
    const known = storages.get(key);
    if (known !== undefined) return known;
    const nbytes = numel * dtypeInfo(dtype)!.size;
    const entry = record(`data/${key}`);
    if (entry === undefined) throw new UnpicklingError(`no record data/${key} for storage ${key}`);
    if (entry.size !== nbytes) {
      throw new UnpicklingError(
        `storage ${key} holds ${numel} ${dtype} elements (${nbytes} bytes), but its record has ${entry.size} bytes`,
      );
    }
    const storage = new Storage({ dtype, nbytes, key, location, byteOrder, reader: readerFor(entry) });
    storages.set(key, storage);
    return storage;
  };
  return new Unpickler(data, unpicklerOptions(options, persistentLoad)).load();
}

function unpicklerOptions(
  options: TorchLoadOptions | undefined,
  persistentLoad: (pid: unknown) => unknown,
): LoadOptions {
  return {
    strict: options?.strict,
    allowGlobals: options?.allowGlobals,
    encoding: options?.encoding,
    dicts: options?.dicts,
    copyBytes: options?.copyBytes,
    exact: options?.exact,
    floats: options?.floats,
    registry: torchRegistry(),
    persistentLoad,
  };
}

/** A persistent id `('storage', StorageClass, key, location, numel[, view_metadata])`, checked. */
function storageId(
  pid: unknown,
  length: 5 | 6,
): { dtype: TorchDType; key: string; location: string; numel: number; view: unknown } {
  if (!isTuple(pid) || pid.length !== length || decodeAscii(pid[0]) !== 'storage') {
    throw new UnpicklingError(
      `persistent id is not ('storage', storage_type, key, location, numel${length === 6 ? ', view_metadata' : ''})`,
    );
  }
  const [, cls, rawKey, rawLocation, numel, view] = pid;
  if (!(cls instanceof PyGlobal) || !['torch', 'torch.cuda', 'torch.storage'].includes(cls.module)) {
    throw new UnpicklingError('persistent id names no torch storage class');
  }
  const dtype = cls.name === 'UntypedStorage' ? 'uint8' : dtypeOfStorageClass(cls.name)?.name;
  if (dtype === undefined) throw new UnpicklingError(`unknown storage class ${cls.module}.${cls.name}`);
  const key = decodeAscii(rawKey);
  const location = decodeAscii(rawLocation);
  if (key === undefined || location === undefined)
    throw new UnpicklingError('storage key or location is not a str');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new UnpicklingError(`storage ${key} has a size that is not a count`);
  }
  return { dtype, key, location, numel, view };
}

function decodeAscii(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return String.fromCharCode(...value);
  return undefined;
}

function runSync<T>(steps: Steps<T>, read: (entry: ZipEntry) => Uint8Array): T {
  let step = steps.next(new Uint8Array(0));
  while (!step.done) step = steps.next(read(step.value));
  return step.value;
}

async function runAsync<T>(steps: Steps<T>, read: (entry: ZipEntry) => Promise<Uint8Array>): Promise<T> {
  let step = steps.next(new Uint8Array(0));
  while (!step.done) step = steps.next(await read(step.value));
  return step.value;
}

function zipFailure(error: unknown): never {
  if (error instanceof ZipError)
    throw new UnpicklingError(error.message, error.offset, undefined, { cause: error });
  throw error;
}

/**
 * Loads what `torch.load(f, weights_only=True)` returns from a whole file
 * in memory: tensors as {@link Tensor}s (views into `bytes` for stored
 * entries), state_dicts as `PyOrderedDict`s (their `_metadata` in
 * `attributes`), the rest as `loads` gives it. Reads the zip format and the
 * legacy format; any other global stays inert, nothing is executed.
 *
 * @param bytes the file's bytes.
 * @param options see {@link TorchLoadOptions}.
 * @returns the loaded object.
 * @throws {@link UnpicklingError} for a file that is not a torch file, a claim its bytes do not back, a TorchScript archive ({@link TorchScriptError}).
 * @example
 * ```ts
 * import { loadTorch, type Tensor } from 'brine';
 * // Python: torch.save(nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1)).state_dict(), path)
 * const state = loadTorch(readFixture('test/fixtures/torch/state_dict.pt')) as Map<string, Tensor>;
 * for (const [name, t] of state) console.log(name, t.dtype, t.shape); // 0.weight float32 [2, 3] ...
 * state.get('0.bias')!.toArray(); // the bias, as state['0.bias'].tolist()
 * ```
 */
export function loadTorch(bytes: Uint8Array, options?: TorchLoadOptions): unknown {
  if (isZip(bytes)) {
    let entries: readonly ZipEntry[];
    try {
      entries = readZipDirectorySync(bytesSource(bytes)).entries;
    } catch (error) {
      zipFailure(error);
    }
    const read = (entry: ZipEntry): Uint8Array => {
      try {
        return readZipEntry(bytes, entry, { inflateRaw: options?.inflateRaw });
      } catch (error) {
        zipFailure(error);
      }
    };
    return runSync(
      zipSteps(entries, (entry) => ({ readSync: () => read(entry), read: async () => read(entry) }), options),
      read,
    );
  }
  if (isTar(bytes)) {
    throw new UnpicklingError('the tar layout of torch <= 0.1.10 is not supported');
  }
  return loadLegacy(bytes, options);
}

/**
 * Loads a torch file lazily through a {@link ByteSource}: reads the end of
 * the archive, its central directory and `data.pkl`; each storage's bytes are
 * read when a tensor's data is first asked for (`await tensor.load()`, or
 * `toArray()` on a synchronous source). A legacy-format file is read whole.
 *
 * @param source the file (`blobSource(file)` in a browser; `brine/node`'s `loadTorchFile` for a path).
 * @param options see {@link TorchLoadOptions}.
 * @returns the loaded object.
 * @throws {@link UnpicklingError} as {@link loadTorch}.
 * @example
 * ```ts
 * const file = new Blob([dumpTorch({ weight: Tensor.from([1, 2, 3]) })]); // in a browser, a File the user chose
 * const state = (await loadTorchFrom(blobSource(file))) as { weight: Tensor };
 * await state.weight.load(); // reads this tensor's storage only
 * state.weight.toArray(); // [1, 2, 3]
 * ```
 */
export async function loadTorchFrom(source: ByteSource, options?: TorchLoadOptions): Promise<unknown> {
  const head = await source.read(0, Math.min(source.size, 4));
  if (!isZip(head)) {
    if (source.size > (options?.maxPickleSize ?? DEFAULT_MAX_PICKLE) * 4) {
      throw new UnpicklingError('not a zip archive, and too large to read whole as a legacy torch file');
    }
    return loadTorch(await source.read(0, source.size), options);
  }
  let entries: readonly ZipEntry[];
  try {
    entries = (await readZipDirectory(source)).entries;
  } catch (error) {
    zipFailure(error);
  }
  const zipOptions = { inflateRaw: options?.inflateRaw, maxSize: Number.MAX_SAFE_INTEGER };
  const readAsync = async (entry: ZipEntry): Promise<Uint8Array> => {
    try {
      return await readZipEntryFrom(source, entry, zipOptions);
    } catch (error) {
      zipFailure(error);
    }
  };
  const readerFor = (entry: ZipEntry): StorageReader => ({
    readSync: () => {
      try {
        return readZipEntryFromSync(source, entry, zipOptions);
      } catch (error) {
        zipFailure(error);
      }
    },
    read: () => readAsync(entry),
  });
  return runAsync(zipSteps(entries, readerFor, options), readAsync);
}

/**
 * {@link loadTorchFrom} for a source that reads synchronously (a file read
 * with `readSync`): tensors' data can then be read without `await`.
 *
 * @param source the file.
 * @param options see {@link TorchLoadOptions}.
 * @returns the loaded object.
 * @throws {@link UnpicklingError} as {@link loadTorch}.
 * @example
 * ```ts
 * const state = loadTorchFromSync(bytesSource(bytes));
 * ```
 */
export function loadTorchFromSync(source: ByteSource, options?: TorchLoadOptions): unknown {
  const read = (offset: number, length: number): Uint8Array => {
    const bytes = source.read(offset, length);
    if (!(bytes instanceof Uint8Array))
      throw new UnpicklingError('this source reads asynchronously: use loadTorchFrom');
    return bytes;
  };
  if (!isZip(read(0, Math.min(source.size, 4)))) {
    if (source.size > (options?.maxPickleSize ?? DEFAULT_MAX_PICKLE) * 4) {
      throw new UnpicklingError('not a zip archive, and too large to read whole as a legacy torch file');
    }
    return loadTorch(read(0, source.size), options);
  }
  let entries: readonly ZipEntry[];
  try {
    entries = readZipDirectorySync(source).entries;
  } catch (error) {
    zipFailure(error);
  }
  const zipOptions = { inflateRaw: options?.inflateRaw, maxSize: Number.MAX_SAFE_INTEGER };
  const readSync = (entry: ZipEntry): Uint8Array => {
    try {
      return readZipEntryFromSync(source, entry, zipOptions);
    } catch (error) {
      zipFailure(error);
    }
  };
  return runSync(
    zipSteps(
      entries,
      (entry) => ({ readSync: () => readSync(entry), read: async () => readSync(entry) }),
      options,
    ),
    readSync,
  );
}

/**
 * The legacy format: pickles of the magic number, the protocol version and
 * sys_info, the object (storages as persistent ids with an optional view),
 * the list of storage keys, then each storage's bytes after an 8-byte
 * element count.
 */
function loadLegacy(bytes: Uint8Array, options: TorchLoadOptions | undefined): unknown {
  const header = new Unpickler(bytes, { registry: torchRegistry() });
  let magic: unknown;
  try {
    magic = header.load();
  } catch (error) {
    throw new UnpicklingError(
      `not a torch file (neither a zip archive nor the legacy format): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (magic !== MAGIC_NUMBER) throw new UnpicklingError('not a torch file: invalid magic number');
  if (header.load() !== PROTOCOL_VERSION) throw new UnpicklingError('invalid legacy protocol version');
  const sysInfo = header.load();
  const littleEndian = !(sysInfo instanceof Map
    ? sysInfo.get('little_endian') === false
    : (sysInfo as { little_endian?: unknown })?.little_endian === false);
  const byteOrder = littleEndian ? 'little' : 'big';
  const roots = new Map<string, Storage>();
  const views = new Map<string, Storage>();
  const filled = new Map<string, Uint8Array>();
  const persistentLoad = (pid: unknown): Storage => {
    const { dtype, key, location, numel, view } = storageId(pid, 6);
    const size = dtypeInfo(dtype)!.size;
    if (numel * size > bytes.length)
      throw new UnpicklingError(`storage ${key} claims ${numel * size} bytes, more than the file`);
    let root = roots.get(key);
    if (root === undefined) {
      const readSync = (): Uint8Array => {
        const data = filled.get(key);
        if (data === undefined) throw new UnpicklingError(`storage ${key} has no data in the file`);
        return data;
      };
      root = new Storage({
        dtype,
        nbytes: numel * size,
        key,
        location,
        byteOrder,
        reader: { readSync, read: async () => readSync() },
      });
      roots.set(key, root);
    } else if (root.dtype !== dtype) {
      throw new UnpicklingError(`storage ${key} is viewed as ${root.dtype} and as ${dtype}`);
    }
    if (view === null || view === undefined) return root;
    if (!isTuple(view) || view.length !== 3)
      throw new UnpicklingError('storage view metadata is not (key, offset, size)');
    const [viewKey, offset, viewSize] = view;
    const vk = decodeAscii(viewKey);
    if (
      vk === undefined ||
      typeof offset !== 'number' ||
      typeof viewSize !== 'number' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(viewSize) ||
      offset < 0 ||
      viewSize < 0 ||
      offset + viewSize > numel
    ) {
      throw new UnpicklingError(`storage view ${String(vk)} is outside storage ${key}`);
    }
    const known = views.get(vk);
    if (known !== undefined) return known;
    const parent = root;
    const readSync = (): Uint8Array => parent.bytes().subarray(offset * size, (offset + viewSize) * size);
    const made = new Storage({
      dtype,
      nbytes: viewSize * size,
      key: vk,
      location,
      byteOrder,
      reader: { readSync, read: async () => readSync() },
    });
    views.set(vk, made);
    return made;
  };
  const objects = new Unpickler(bytes.subarray(header.position), unpicklerOptions(options, persistentLoad));
  const result = objects.load();
  const keysAt = header.position + objects.position;
  const keyReader = new Unpickler(bytes.subarray(keysAt));
  const keys = keyReader.load();
  if (!Array.isArray(keys)) throw new UnpicklingError('the legacy storage key list is not a list');
  let pos = keysAt + keyReader.position;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const rawKey of keys) {
    const key = decodeAscii(rawKey);
    const storage = key === undefined ? undefined : roots.get(key);
    if (key === undefined || storage === undefined)
      throw new UnpicklingError(`storage key ${String(rawKey)} is not a storage of the file`);
    if (pos + 8 > bytes.length) throw new UnpicklingError(`storage ${key} is truncated`, pos);
    const count = view.getBigInt64(pos, littleEndian);
    const size = dtypeInfo(storage.dtype)!.size;
    if (count !== BigInt(storage.nbytes / size)) {
      throw new UnpicklingError(
        `storage ${key} holds ${count} elements in the file, not ${storage.nbytes / size}`,
        pos,
      );
    }
    pos += 8;
    if (pos + storage.nbytes > bytes.length) throw new UnpicklingError(`storage ${key} is truncated`, pos);
    filled.set(key, bytes.subarray(pos, pos + storage.nbytes));
    pos += storage.nbytes;
  }
  return result;
}
