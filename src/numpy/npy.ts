/**
 * numpy's file formats: `.npy` (one array, `numpy.save` / `numpy.load`) and
 * `.npz` (a zip of `.npy` files, `numpy.savez` / `numpy.savez_compressed`).
 * Object arrays are stored as a pickle after the header, read by brine's safe
 * unpickler.
 *
 * @module
 */
import { PicklingError, UnpicklingError } from '../errors.js';
import { NpyError, readNpyHeader, writeNpyHeader } from '../formats/npy.js';
import { crc32, type InflateRaw, readZip, readZipEntry } from '../formats/zip.js';
import type { LoadOptions } from '../options.js';
import { dumps } from '../pickler.js';
import { reprString } from '../types/py-repr.js';
import { isTuple } from '../types/tuple.js';
import { loads } from '../unpickler.js';
import { byteLength, DType, DTypeError, structuredDType, subarrayDType } from './dtype.js';
import { effectiveOrder, NDArray, sizeOf } from './ndarray.js';

/** Options of {@link loadNpy}. */
export interface LoadNpyOptions {
  /** The longest header accepted, in characters (numpy's `max_header_size`). Default 10000. */
  maxHeaderSize?: number;
  /**
   * Read object arrays, whose elements are stored as a pickle (brine's safe
   * unpickler reads it; nothing executes). Default `true`; `false` refuses
   * them as `numpy.load(allow_pickle=False)` does.
   */
  allowPickle?: boolean;
  /** Options of the unpickler for object arrays. */
  loadOptions?: LoadOptions;
}

/** Options of {@link loadNpz}. */
export interface LoadNpzOptions extends LoadNpyOptions {
  /** Inflates raw deflate data, for `numpy.savez_compressed` files. In Node, `brine/node`'s `loadNpzFile` passes zlib's. */
  inflateRaw?: InflateRaw;
  /** The most bytes one inflated entry may have. Default 1 GiB. */
  maxEntrySize?: number;
}

/** Options of {@link dumpNpz}. */
export interface DumpNpzOptions {
  /** Deflate the entries, as `numpy.savez_compressed`. Needs `deflateRaw`. Default `false`. */
  compress?: boolean;
  /** Compresses raw deflate data (no zlib header). In Node, `brine/node`'s `dumpNpzFile` passes zlib's. */
  deflateRaw?: (data: Uint8Array) => Uint8Array;
}

/** The dtype of a `.npy` header's `descr`, as numpy's `descr_to_dtype`. */
export function descrToDType(descr: unknown, depth = 0): DType {
  if (depth > 64) throw new DTypeError('descr nesting too deep');
  if (typeof descr === 'string') return DType.get(descr);
  if (isTuple(descr)) {
    if (descr.length !== 2) throw new DTypeError('a subarray descr is (descr, shape)');
    const shape = isTuple(descr[1]) ? descr[1] : [descr[1]];
    return subarrayDType(descrToDType(descr[0], depth + 1), shape as number[]);
  }
  if (!Array.isArray(descr)) throw new DTypeError('descr is not a valid dtype descriptor');
  const fields: { name: string; dtype: DType; offset: number; title: unknown }[] = [];
  let offset = 0;
  for (const field of descr) {
    if (!isTuple(field) || (field.length !== 2 && field.length !== 3))
      throw new DTypeError('a descr field is (name, descr) or (name, descr, shape)');
    let dt = descrToDType(field[1], depth + 1);
    if (field.length === 3) {
      const shape = isTuple(field[2]) ? field[2] : [field[2]];
      dt = subarrayDType(dt, shape as number[]);
    }
    const nameValue = field[0];
    const isPad = nameValue === '' && dt.kind === 'V' && dt.fields === null && dt.subarray === null;
    if (!isPad) {
      let title: unknown = null;
      let name: unknown = nameValue;
      if (isTuple(nameValue)) {
        if (nameValue.length !== 2) throw new DTypeError('a titled field name is (title, name)');
        [title, name] = nameValue;
      }
      if (typeof name !== 'string') throw new DTypeError('field names must be str');
      fields.push({ name, dtype: dt, offset, title });
    }
    offset += dt.itemsize;
    if (offset > 0x7fffffff) throw new DTypeError('structured dtype too large');
  }
  return structuredDType(fields, { itemsize: offset });
}

/** Python's repr of a `.npy` descr: numpy writes `repr(dtype.descr)` for a structured dtype, `repr(dtype.str)` otherwise. */
function descrRepr(d: DType): string {
  if (d.fields === null) return reprString(d.str);
  return pyRepr(d.descr);
}

function pyRepr(value: unknown): string {
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    const items = value.map(pyRepr);
    if (isTuple(value)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (value === null) return 'None';
  return String(value);
}

/**
 * Reads a `.npy` file (format 1.0, 2.0 or 3.0), as `numpy.load`. Numeric
 * data is a view into `data` (no copy); object arrays are unpickled safely.
 *
 * @throws {@link UnpicklingError} for a header numpy would refuse, a dtype it
 *   does not know, or data shorter than the header claims.
 * @example Read an array numpy saved
 * ```ts
 * import { dumpNpy, loadNpy, NDArray } from 'brine';
 * const file = dumpNpy(NDArray.from(new Int32Array([1, 2, 3])));
 * loadNpy(file).toArray(); // [1, 2, 3]
 * ```
 */
export function loadNpy(data: Uint8Array, options?: LoadNpyOptions): NDArray {
  const header = readNpyHeader(data, { maxHeaderSize: options?.maxHeaderSize });
  let dtype: DType;
  try {
    dtype = descrToDType(header.descr);
  } catch (error) {
    if (error instanceof PicklingError)
      throw new NpyError(`descr is not a valid dtype descriptor: ${error.reason}`, 8);
    throw error;
  }
  const shape = [...header.shape];
  const order = header.fortranOrder ? 'F' : 'C';
  if (dtype.hasObject) {
    if (options?.allowPickle === false)
      throw new NpyError('object arrays cannot be loaded when allowPickle is false', header.dataOffset);
    const value = loads(data.subarray(header.dataOffset), options?.loadOptions);
    if (!(value instanceof NDArray))
      throw new NpyError('the pickle of an object array holds no array', header.dataOffset);
    return value;
  }
  const available = data.length - header.dataOffset;
  const needed = byteLength(shape, dtype.itemsize, available);
  if (needed === undefined)
    throw new NpyError(
      `EOF: reading array data, shape (${shape.join(', ')}) of ${dtype.str} needs more than the ${available} bytes left`,
      header.dataOffset,
    );
  if (dtype.itemsize === 0 && sizeOf(shape) > 1 << 24)
    throw new NpyError(`an array of zero-byte items claims ${sizeOf(shape)} elements`, header.dataOffset);
  const bytes = data.subarray(header.dataOffset, header.dataOffset + needed);
  return new NDArray({ dtype, shape, order, bytes });
}

/**
 * Writes an array as numpy's `numpy.save` does: the same header, byte for
 * byte, then the elements in the array's memory order (or, for an object
 * array, its pickle at protocol 3).
 */
export function dumpNpy(array: NDArray): Uint8Array {
  if (!(array instanceof NDArray)) throw new PicklingError('dumpNpy takes an NDArray');
  const order = effectiveOrder(array.shape, array.order);
  const header = writeNpyHeader(descrRepr(array.dtype), order === 'F', array.shape);
  const body = array.objects !== null || array.dtype.hasObject ? dumps(array, { protocol: 3 }) : array.bytes;
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/**
 * Reads a `.npz` archive, as `numpy.load`'s `NpzFile`: a Map from each
 * array's name (the entry name without `.npy`) to the array. Deflated
 * archives (`savez_compressed`) need `inflateRaw`.
 *
 * @throws {@link UnpicklingError} for an entry that is not a valid `.npy`; a `ZipError` for a broken archive.
 */
export function loadNpz(data: Uint8Array, options?: LoadNpzOptions): Map<string, NDArray> {
  const archive = readZip(data);
  const out = new Map<string, NDArray>();
  for (const entry of archive.entries) {
    if (entry.source !== 'central') continue;
    const bytes = readZipEntry(data, entry, {
      inflateRaw: options?.inflateRaw,
      maxSize: options?.maxEntrySize,
    });
    const name = entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name;
    try {
      out.set(name, loadNpy(bytes, options));
    } catch (error) {
      if (error instanceof UnpicklingError)
        throw new NpyError(`entry ${JSON.stringify(entry.name)}: ${error.reason}`, error.offset);
      throw error;
    }
  }
  return out;
}

/**
 * Writes arrays as `numpy.savez` (or `savez_compressed` with `compress` and a
 * `deflateRaw`): a zip of `<name>.npy` entries.
 */
export function dumpNpz(
  arrays: Map<string, NDArray> | Record<string, NDArray>,
  options?: DumpNpzOptions,
): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const compress = options?.compress === true;
  if (compress && options?.deflateRaw === undefined)
    throw new PicklingError("compress needs a deflateRaw function (brine/node gives zlib's)");
  const files = entries.map(([name, array]) => {
    const content = dumpNpy(array);
    const stored = compress ? options!.deflateRaw!(content) : content;
    return { name: new TextEncoder().encode(`${name}.npy`), content, stored };
  });
  return writeZip(files, compress ? 8 : 0);
}

/** A zip archive without zip64 (each entry and the whole below 4 GiB), dated 1980-01-01. */
function writeZip(
  files: { name: Uint8Array; content: Uint8Array; stored: Uint8Array }[],
  method: number,
): Uint8Array {
  let size = 22;
  for (const f of files) size += 30 + f.name.length + f.stored.length + 46 + f.name.length;
  if (size > 0xffffffff || files.length > 0xffff) throw new PicklingError('the archive would need zip64');
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  const offsets: number[] = [];
  const crcs = files.map((f) => crc32(f.content));
  const header = (
    sig: number,
    f: (typeof files)[number],
    crc: number,
    central: boolean,
    offset: number,
  ): void => {
    view.setUint32(pos, sig, true);
    pos += 4;
    if (central) {
      view.setUint16(pos, 20, true); // version made by
      pos += 2;
    }
    view.setUint16(pos, 20, true); // version needed
    view.setUint16(pos + 2, f.name.some((b) => b >= 0x80) ? 0x800 : 0, true);
    view.setUint16(pos + 4, method, true);
    view.setUint16(pos + 6, 0, true); // time
    view.setUint16(pos + 8, (0 << 9) | (1 << 5) | 1, true); // 1980-01-01
    view.setUint32(pos + 10, crc, true);
    view.setUint32(pos + 14, f.stored.length, true);
    view.setUint32(pos + 18, f.content.length, true);
    view.setUint16(pos + 22, f.name.length, true);
    view.setUint16(pos + 24, 0, true); // extra
    pos += 26;
    if (central) {
      view.setUint16(pos, 0, true); // comment
      view.setUint16(pos + 2, 0, true); // disk
      view.setUint16(pos + 4, 0, true); // internal attributes
      view.setUint32(pos + 6, 0o600 << 16, true); // external attributes
      view.setUint32(pos + 10, offset, true);
      pos += 14;
    }
    out.set(f.name, pos);
    pos += f.name.length;
  };
  files.forEach((f, i) => {
    offsets.push(pos);
    header(0x04034b50, f, crcs[i]!, false, 0);
    out.set(f.stored, pos);
    pos += f.stored.length;
  });
  const central = pos;
  files.forEach((f, i) => {
    header(0x02014b50, f, crcs[i]!, true, offsets[i]!);
  });
  const centralSize = pos - central;
  view.setUint32(pos, 0x06054b50, true);
  view.setUint16(pos + 8, files.length, true);
  view.setUint16(pos + 10, files.length, true);
  view.setUint32(pos + 12, centralSize, true);
  view.setUint32(pos + 16, central, true);
  return out;
}
