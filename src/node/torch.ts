/**
 * PyTorch files on disk: `loadTorchFile` reads the central directory and
 * `data.pkl` and leaves each storage on disk until a tensor's data is asked
 * for; `dumpTorchFile` streams storages into the file and replaces it
 * atomically.
 *
 * @module
 */
import * as fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../formats/zip.js';
import { type TorchDumpOptions, torchChunks } from '../torch/dump.js';
import { loadTorchFromSync, type TorchLoadOptions } from '../torch/load.js';
import { type AtomicOptions, toPath, writeAtomic } from './atomic.js';

const inflateRaw = (bytes: Uint8Array, max: number): Uint8Array =>
  inflateRawSync(bytes, { maxOutputLength: max });

/**
 * A synchronous {@link ByteSource} over a file: each read opens the file,
 * reads what is asked and closes it, so nothing stays open between reads; a
 * file that changed size since is refused.
 *
 * @param path the file.
 * @returns the source.
 * @example
 * ```ts
 * const { entries } = readZipDirectorySync(fileSource('model.pt'));
 * ```
 */
export function fileSource(
  path: string | URL,
): ByteSource & { read(offset: number, length: number): Uint8Array } {
  const file = toPath(path);
  const size = fs.statSync(file).size;
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(n);
      const fd = fs.openSync(file, 'r');
      try {
        if (fs.fstatSync(fd).size !== size) throw new Error(`${file} changed size while it was being read`);
        let done = 0;
        while (done < n) {
          const got = fs.readSync(fd, out, done, n - done, offset + done);
          if (got === 0) break;
          done += got;
        }
        return done === n ? out : out.subarray(0, done);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

/**
 * Loads a torch file lazily: the zip's directory and `data.pkl` now, each
 * storage's bytes from the file when a tensor's data is first asked for
 * (`toArray()`, `toTypedArray()`), so a checkpoint larger than memory can be
 * listed and read tensor by tensor. Deflated entries are inflated with zlib.
 *
 * @param path the `.pt` / `.pth` / `.bin` file.
 * @param options see `TorchLoadOptions`.
 * @returns what `torch.load(path, weights_only=True)` returns, tensors as `Tensor`s.
 * @throws {@link brine!UnpicklingError} as `loadTorch`, and the file system's errors.
 * @example
 * ```ts
 * import { loadTorchFile } from 'brine/node';
 * const state = loadTorchFile('model.pt');
 * ```
 */
export function loadTorchFile(path: string | URL, options?: TorchLoadOptions): unknown {
  return loadTorchFromSync(fileSource(path), { inflateRaw, ...options });
}

/**
 * Writes `value` as a `.pt` file (see `dumpTorch`), streaming each storage
 * into a temp file that then replaces `path` atomically: the whole archive is
 * never in memory, and a storage loaded lazily from another file is read,
 * written and released one at a time.
 *
 * @param path the file to write.
 * @param value the object to save.
 * @param options archive name, file mode and fsync.
 * @throws {@link brine!PicklingError} for a value that cannot be saved; the file system's errors.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { Tensor } from 'brine';
 * import { dumpTorchFile, loadTorchFile } from 'brine/node';
 * const path = join(tmpdir(), 'weights.pt');
 * await dumpTorchFile(path, { weight: Tensor.from([1, 2, 3]) }); // Python: torch.load(path) is {'weight': tensor([1, 2, 3])}
 * (loadTorchFile(path) as { weight: Tensor }).weight.toArray(); // [1, 2, 3]
 * ```
 */
export async function dumpTorchFile(
  path: string | URL,
  value: unknown,
  options?: TorchDumpOptions & AtomicOptions,
): Promise<void> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let release: (() => void) | undefined;
    for (const chunk of torchChunks(value, options)) {
      if (chunk instanceof Uint8Array) {
        yield chunk;
        continue;
      }
      release?.();
      const storage = chunk.load;
      const wasLoaded = storage.loaded;
      await storage.load();
      release = wasLoaded ? undefined : () => storage.release();
    }
    release?.();
  }
  await writeAtomic(path, chunks(), options);
}
