/**
 * The safetensors format: an 8-byte little-endian header length, a JSON
 * header (`dtype`, `shape`, `data_offsets` of each tensor, optional
 * `__metadata__` of strings), then the tensors' bytes, little-endian, in C
 * order. The header is checked as the reference implementation checks it:
 * offsets contiguous from 0 to the end of the data, sizes that match shapes
 * and dtypes, no overlap.
 *
 * @module
 */
import { PicklingError, UnpicklingError } from '../errors.js';
import { PyOrderedDict } from '../types/collections.js';
import { isTuple } from '../types/tuple.js';
import { dtypeInfo, dtypeOfSafetensors } from './dtypes.js';
import { Storage, Tensor } from './tensor.js';

/** A loaded safetensors file. */
export interface Safetensors {
  /** The tensors by name, in the order of their data. */
  readonly tensors: Map<string, Tensor>;
  /** The `__metadata__` strings, empty when the file has none. */
  readonly metadata: Record<string, string>;
}

/** Largest header accepted (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

/** The reference serializer's dtype order; tensors are written by descending order, then by name. */
const ORDER = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
];

/**
 * Reads a safetensors file. Tensors are views into `bytes` (no copy).
 *
 * @param bytes the file's bytes.
 * @returns the tensors and the metadata.
 * @throws {@link UnpicklingError} for a header that is not valid, or offsets and sizes that do not add up.
 * @example
 * ```ts
 * // Python: safetensors.torch.save_file(tensors, path, metadata={'format': 'pt'})
 * const { tensors, metadata } = loadSafetensors(readFixture('test/fixtures/torch/model.safetensors'));
 * tensors.get('float32')!.dtype; // 'float32'
 * metadata.format; // 'pt'
 * ```
 */
export function loadSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.length < 8) throw new UnpicklingError('safetensors: the file is shorter than its header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw new UnpicklingError(`safetensors: a header of ${n} bytes is too large`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    throw new UnpicklingError(`safetensors: a header of ${headerLength} bytes runs past the end of the file`);
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    if (!text.startsWith('{')) throw new Error('the header does not start with {');
    header = JSON.parse(text);
  } catch (error) {
    throw new UnpicklingError(`safetensors: the header is not JSON: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new UnpicklingError('safetensors: the header is not a JSON object');
  }
  const data = bytes.subarray(8 + headerLength);
  const metadata: Record<string, string> = Object.create(null);
  const found: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new UnpicklingError('safetensors: __metadata__ is not an object of strings');
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new UnpicklingError(`safetensors: metadata ${JSON.stringify(k)} is not a string`);
        Object.defineProperty(metadata, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = info?.data_offsets;
    if (
      typeof info?.dtype !== 'string' ||
      !Array.isArray(info.shape) ||
      !info.shape.every((s) => Number.isSafeInteger(s) && s >= 0) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new UnpicklingError(
        `safetensors: tensor ${JSON.stringify(name)} is not {dtype, shape, data_offsets}`,
      );
    }
    found.push({
      name,
      dtype: info.dtype,
      shape: info.shape as number[],
      begin: offsets[0],
      end: offsets[1],
    });
  }
  // The data must be covered exactly: sorted by offset, each tensor starts where the last ended.
  const sorted = [...found].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  const tensors = new Map<string, Tensor>();
  for (const t of sorted) {
    if (t.begin !== at || t.end < t.begin) {
      throw new UnpicklingError(
        `safetensors: tensor ${JSON.stringify(t.name)} at [${t.begin}, ${t.end}] does not start where the previous one ended (${at})`,
      );
    }
    const dtype = dtypeOfSafetensors(t.dtype);
    if (dtype === undefined)
      throw new UnpicklingError(`safetensors: unknown dtype ${JSON.stringify(t.dtype)}`);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(numel * dtype.size) || numel * dtype.size !== t.end - t.begin) {
      throw new UnpicklingError(
        `safetensors: tensor ${JSON.stringify(t.name)} of shape [${t.shape.join(', ')}] and ${t.dtype} needs ${numel * dtype.size} bytes, not ${t.end - t.begin}`,
      );
    }
    at = t.end;
  }
  if (at !== data.length) {
    throw new UnpicklingError(`safetensors: the tensors cover ${at} bytes of ${data.length} bytes of data`);
  }
  for (const t of sorted) {
    const dtype = dtypeOfSafetensors(t.dtype)!;
    const storage = new Storage({
      dtype: dtype.name,
      nbytes: t.end - t.begin,
      key: t.name,
      bytes: data.subarray(t.begin, t.end),
    });
    tensors.set(t.name, new Tensor({ storage, shape: t.shape }));
  }
  return { tensors, metadata };
}

/**
 * Writes tensors as a safetensors file, laid out as the reference
 * serializer lays them out (by dtype, then name; header padded with spaces to
 * 8 bytes). Each tensor is written contiguous, so views and shared storages
 * are fine (they are copied).
 *
 * @param tensors the tensors by name (a Map or an object).
 * @param metadata optional `__metadata__` strings.
 * @returns the file's bytes.
 * @throws {@link PicklingError} for a value that is not a tensor, or a dtype safetensors has no name for.
 * @example
 * ```ts
 * const bytes = dumpSafetensors({ weight: Tensor.from([1, 2, 3]) }, { format: 'pt' });
 * ```
 */
export function dumpSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const items = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, Tensor>);
  const rows = items.map(([name, t]) => {
    if (!(t instanceof Tensor))
      throw new PicklingError(`safetensors: ${JSON.stringify(name)} is not a Tensor`);
    const st = dtypeInfo(t.dtype)?.safetensors;
    if (st === undefined)
      throw new PicklingError(`safetensors has no dtype for ${t.dtype} (${JSON.stringify(name)})`);
    if (name === '__metadata__')
      throw new PicklingError('safetensors: a tensor cannot be named __metadata__');
    return { name, t, st, rank: ORDER.indexOf(st) };
  });
  rows.sort((a, b) => b.rank - a.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  const define = (k: string, v: unknown) =>
    Object.defineProperty(header, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (metadata !== undefined) {
    for (const v of Object.values(metadata)) {
      if (typeof v !== 'string') throw new PicklingError('safetensors metadata values must be strings');
    }
    define('__metadata__', { ...metadata });
  }
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const row of rows) {
    const bytes = row.t.contiguousBytes();
    define(row.name, {
      dtype: row.st,
      shape: [...row.t.shape],
      data_offsets: [offset, offset + bytes.length],
    });
    datas.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad > 0) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const d of datas) {
    out.set(d, at);
    at += d.length;
  }
  return out;
}

/**
 * The tensors of a loaded checkpoint by name, as a state_dict names them:
 * nested dicts join their keys with `.` (`model.0.weight`), lists and tuples
 * use indices. Values that are not tensors are left out and listed.
 *
 * @param value what {@link loadTorch} returned.
 * @returns the tensors by name, and the names of the values left out.
 * @example
 * ```ts
 * const { tensors } = stateDictTensors(loadTorch(bytes));
 * const safetensors = dumpSafetensors(tensors, { format: 'pt' });
 * ```
 */
export function stateDictTensors(value: unknown): { tensors: Map<string, Tensor>; skipped: string[] } {
  const tensors = new Map<string, Tensor>();
  const skipped: string[] = [];
  const stack: [string, unknown][] = [['', value]];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const [path, v] = stack.pop()!;
    if (v instanceof Tensor) {
      tensors.set(path, v);
      continue;
    }
    const children: [string, unknown][] | undefined =
      v instanceof Map || v instanceof PyOrderedDict
        ? [...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), x])
        : Array.isArray(v) || isTuple(v)
          ? (v as unknown[]).map((x, i) => [String(i), x])
          : v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype
            ? Object.entries(v)
            : undefined;
    if (children === undefined || seen.has(v)) {
      skipped.push(path);
      continue;
    }
    seen.add(v);
    for (let i = children.length - 1; i >= 0; i--) {
      const [k, x] = children[i]!;
      stack.push([path === '' ? k : `${path}.${k}`, x]);
    }
  }
  return { tensors, skipped };
}
