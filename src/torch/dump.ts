/**
 * Writing `.pt` files that `torch.load(f, weights_only=True)` loads: the zip
 * layout `torch.save` writes (records under one folder, 64-byte aligned,
 * zip64 end records), `data.pkl` at protocol 2, and each storage once, shared
 * by every tensor that views it. The archive is produced piece by piece, so a
 * file writer can stream storages without holding the archive in memory.
 *
 * @module
 */
import { PicklingError } from '../errors.js';
import { crc32 } from '../formats/zip.js';
import { dumps } from '../pickler.js';
import { PyGlobal } from '../types/py-global.js';
import { tuple } from '../types/tuple.js';
import { dtypeInfo } from './dtypes.js';
import { type Storage, StorageView } from './tensor.js';

/** Options of {@link dumpTorch}. */
export interface TorchDumpOptions {
  /** The folder the records live in (torch names it after the file). Default `'archive'`. */
  archiveName?: string;
}

/** What the archive writer asks for: a storage to have its bytes ready (asynchronously, for a lazily read file). */
export type TorchChunk = Uint8Array | { readonly load: Storage };

const ALIGNMENT = 64;
const encoder = new TextEncoder();

/**
 * The pieces of a `.pt` file, in order: byte chunks, and before each
 * storage's bytes a request to load that storage (a driver that reads files
 * asynchronously awaits `storage.load()` there). Used by {@link dumpTorch}
 * and `brine/node`'s `dumpTorchFile`.
 *
 * @param value the object to save (tensors, dicts, lists, tuples, plain values).
 * @param options see {@link TorchDumpOptions}.
 * @returns a generator of chunks.
 * @throws {@link PicklingError} for a value that cannot be pickled, or views of one storage as different dtypes.
 */
export function* torchChunks(value: unknown, options?: TorchDumpOptions): Generator<TorchChunk, void, void> {
  const prefix = options?.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
    throw new PicklingError(`archive name ${JSON.stringify(prefix)}: use letters, digits, '_', '.', '-'`);
  }
  const keys = new Map<Storage, { key: string; view: StorageView }>();
  const pickle = dumps(value, {
    protocol: 2,
    persistentId: (obj) => {
      if (!(obj instanceof StorageView)) return undefined;
      let known = keys.get(obj.storage);
      if (known === undefined) {
        known = { key: String(keys.size), view: obj };
        keys.set(obj.storage, known);
      } else if (known.view.dtype !== obj.dtype) {
        throw new PicklingError(
          'Cannot save multiple tensors or storages that view the same data as different types',
        );
      }
      const info = dtypeInfo(obj.dtype)!;
      return tuple<unknown>(
        'storage',
        new PyGlobal('torch', info.storage),
        known.key,
        obj.storage.location,
        Math.floor(obj.storage.nbytes / info.size),
      );
    },
  });
  const writer = new ZipWriter();
  yield* writer.add(`${prefix}/data.pkl`, pickle);
  yield* writer.add(`${prefix}/.format_version`, encoder.encode('1'));
  yield* writer.add(`${prefix}/.storage_alignment`, encoder.encode(String(ALIGNMENT)));
  yield* writer.add(`${prefix}/byteorder`, encoder.encode('little'));
  // torch writes the storages in the order of their keys as strings ('0', '1', '10', '2' ...)
  const storages = [...keys].sort(([, a], [, b]) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const [storage, { key, view }] of storages) {
    yield { load: storage };
    yield* writer.add(`${prefix}/data/${key}`, littleEndian(storage, view.dtype));
  }
  yield* writer.add(`${prefix}/version`, encoder.encode('3\n'));
  yield* writer.finish();
}

/** A storage's bytes in little-endian order (swapped from a big-endian file). */
function littleEndian(storage: Storage, dtype: string): Uint8Array {
  const bytes = storage.bytes();
  const info = dtypeInfo(dtype)!;
  const unit = info.kind === 'complex' ? info.size / 2 : info.size;
  if (storage.byteOrder === 'little' || unit === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + unit <= bytes.length; i += unit)
    for (let b = 0; b < unit; b++) out[i + b] = bytes[i + unit - 1 - b]!;
  return out;
}

/**
 * Writes a `.pt` file's bytes: what `torch.load(f, weights_only=True)` loads
 * equal to `value` (`torch.load` of torch 1.13 refuses floats in weights-only
 * mode; torch >= 2 reads them). Tensors keep their views and share their
 * storages; a tensor loaded by {@link loadTorch} is written with its
 * storage's bytes unchanged.
 *
 * @param value tensors, Maps and objects (dicts), `PyOrderedDict` state_dicts, arrays, tuples, plain values.
 * @param options see {@link TorchDumpOptions}.
 * @returns the file's bytes.
 * @throws {@link PicklingError} for a value that cannot be pickled.
 * @example
 * ```ts
 * import { dumpTorch, Tensor } from 'brine';
 * const bytes = dumpTorch({ weight: Tensor.from([[1, 2], [3, 4]], { dtype: 'float32' }), epoch: 3 });
 * ```
 */
export function dumpTorch(value: unknown, options?: TorchDumpOptions): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const chunk of torchChunks(value, options)) {
    if (chunk instanceof Uint8Array) {
      chunks.push(chunk);
      total += chunk.length;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

interface Written {
  readonly name: Uint8Array;
  readonly crc: number;
  readonly size: number;
  readonly offset: number;
}

const U32_MAX = 0xffffffff;

/** A zip writer for stored entries aligned as torch aligns them, with zip64 end records. */
class ZipWriter {
  #offset = 0;
  readonly #entries: Written[] = [];

  *add(name: string, data: Uint8Array): Generator<Uint8Array, void, void> {
    const rawName = encoder.encode(name);
    const size = data.length;
    const offset = this.#offset;
    const zip64 = size >= U32_MAX;
    const z64Len = zip64 ? 20 : 0;
    const base = offset + 30 + rawName.length + z64Len + 4;
    const pad = (ALIGNMENT - (base % ALIGNMENT)) % ALIGNMENT;
    const header = new Uint8Array(30 + rawName.length + z64Len + 4 + pad);
    const view = new DataView(header.buffer);
    const crc = crc32(data);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, zip64 ? 45 : 20, true);
    view.setUint16(6, 0, true); // flags
    view.setUint16(8, 0, true); // stored
    view.setUint32(14, crc, true);
    view.setUint32(18, zip64 ? U32_MAX : size, true);
    view.setUint32(22, zip64 ? U32_MAX : size, true);
    view.setUint16(26, rawName.length, true);
    view.setUint16(28, z64Len + 4 + pad, true);
    header.set(rawName, 30);
    let at = 30 + rawName.length;
    if (zip64) {
      view.setUint16(at, 1, true);
      view.setUint16(at + 2, 16, true);
      view.setBigUint64(at + 4, BigInt(size), true);
      view.setBigUint64(at + 12, BigInt(size), true);
      at += 20;
    }
    // torch's padding field: 'FB', its length, then 'Z's up to the next 64-byte boundary.
    view.setUint16(at, 0x4246, true);
    view.setUint16(at + 2, pad, true);
    header.fill(0x5a, at + 4);
    yield header;
    if (size > 0) yield data;
    this.#entries.push({ name: rawName, crc, size, offset });
    this.#offset += header.length + size;
  }

  *finish(): Generator<Uint8Array, void, void> {
    const parts: Uint8Array[] = [];
    const cdOffset = this.#offset;
    let cdSize = 0;
    for (const e of this.#entries) {
      const bigSize = e.size >= U32_MAX;
      const bigOffset = e.offset >= U32_MAX;
      const z64Len = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
      const extraLen = z64Len > 0 ? 4 + z64Len : 0;
      const record = new Uint8Array(46 + e.name.length + extraLen);
      const view = new DataView(record.buffer);
      view.setUint32(0, 0x02014b50, true);
      view.setUint16(4, z64Len > 0 ? 45 : 20, true);
      view.setUint16(6, z64Len > 0 ? 45 : 20, true);
      view.setUint32(16, e.crc, true);
      view.setUint32(20, bigSize ? U32_MAX : e.size, true);
      view.setUint32(24, bigSize ? U32_MAX : e.size, true);
      view.setUint16(28, e.name.length, true);
      view.setUint16(30, extraLen, true);
      view.setUint32(42, bigOffset ? U32_MAX : e.offset, true);
      record.set(e.name, 46);
      if (z64Len > 0) {
        let at = 46 + e.name.length;
        view.setUint16(at, 1, true);
        view.setUint16(at + 2, z64Len, true);
        at += 4;
        if (bigSize) {
          view.setBigUint64(at, BigInt(e.size), true);
          view.setBigUint64(at + 8, BigInt(e.size), true);
          at += 16;
        }
        if (bigOffset) view.setBigUint64(at, BigInt(e.offset), true);
      }
      parts.push(record);
      cdSize += record.length;
    }
    const count = this.#entries.length;
    const z64At = cdOffset + cdSize;
    const end = new Uint8Array(56 + 20 + 22);
    const view = new DataView(end.buffer);
    view.setUint32(0, 0x06064b50, true);
    view.setBigUint64(4, 44n, true);
    view.setUint16(12, 45, true);
    view.setUint16(14, 45, true);
    view.setBigUint64(24, BigInt(count), true);
    view.setBigUint64(32, BigInt(count), true);
    view.setBigUint64(40, BigInt(cdSize), true);
    view.setBigUint64(48, BigInt(cdOffset), true);
    view.setUint32(56, 0x07064b50, true);
    view.setBigUint64(64, BigInt(z64At), true);
    view.setUint32(72, 1, true);
    view.setUint32(76, 0x06054b50, true);
    view.setUint16(84, Math.min(count, 0xffff), true);
    view.setUint16(86, Math.min(count, 0xffff), true);
    view.setUint32(88, Math.min(cdSize, U32_MAX), true);
    view.setUint32(92, Math.min(cdOffset, U32_MAX), true);
    parts.push(end);
    yield* parts;
  }
}
