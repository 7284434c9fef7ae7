/**
 * PyTorch and safetensors files for `brine show` and `brine convert`: which
 * of them a file is (from its first bytes), a checkpoint printed with each
 * tensor summarised and read lazily from the file, the tensor listing, and
 * the conversions between `.pt` and safetensors.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isPickleError, UnpicklingError } from '../errors.js';
import { fileSource, loadTorchFile } from '../node/torch.js';
import { dtypeOfSafetensors, type TorchDType } from '../torch/dtypes.js';
import { dumpTorch } from '../torch/dump.js';
import { loadTorch } from '../torch/load.js';
import { dumpSafetensors, loadSafetensors, stateDictTensors } from '../torch/safetensors.js';
import { summariseTensors } from '../torch/summary.js';
import { Storage, Tensor, tensorRepr } from '../torch/tensor.js';
import { PY_REPR } from '../types/protocol.js';
import { CliError, displayName, EXIT, escapeText, fileError } from './io.js';

/** What a file is, for the commands that treat torch files apart. */
export type TorchKind = 'zip' | 'legacy' | 'tar' | 'safetensors';

/** The first pickle of a legacy torch file: protocol 2, LONG1 of torch's magic number. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/**
 * Largest storage read to print a tensor's first values: a storage is read
 * whole to show any of its values, so a tensor over a larger one prints
 * without values (its dtype and shape only).
 */
export const SHOW_VALUES_MAX_STORAGE = 16 * 2 ** 20;

/** The torch kind of `head` (a file's first 512 bytes or more), or undefined for anything else. */
export function torchKind(head: Uint8Array): TorchKind | undefined {
  const starts = (magic: readonly number[]): boolean =>
    head.length >= magic.length && magic.every((b, i) => head[i] === b);
  if (starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (starts(LEGACY_MAGIC)) return 'legacy';
  if (head.length >= 512 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'tar';
  const high = head.length >= 10 && head[4] === 0 && head[5] === 0 && head[6] === 0 && head[7] === 0;
  if (high && head[8] === 0x7b && (head[9] === 0x22 || head[9] === 0x7d || head[9] === 0x20))
    return 'safetensors';
  return undefined;
}

/** The first `n` bytes of a regular file, or undefined for standard input, a pipe or a device. */
export function peekFile(path: string, n = 512): Uint8Array | undefined {
  if (path === '-') return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError(error, path);
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory())
      throw fileError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), path);
    if (!info.isFile()) return undefined;
    const out = new Uint8Array(Math.min(n, info.size));
    let done = 0;
    while (done < out.length) {
      const got = readSync(fd, out, done, out.length - done, done);
      if (got === 0) break;
      done += got;
    }
    return out.subarray(0, done);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw fileError(error, path);
  } finally {
    closeSync(fd);
  }
}

/** The one line for a torch file brine does not load. */
function refusal(path: string, error: unknown): CliError {
  if (!isPickleError(error)) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw fileError(error, path);
    throw error;
  }
  return new CliError(`${displayName(path)}: ${escapeText(error.message)}`, EXIT.badInput);
}

/**
 * Loads a torch checkpoint: a regular zip file lazily (storages stay on disk
 * until a tensor's values are asked for), anything else from `data` (read
 * whole). TorchScript and the tar layout are one line each.
 */
export function loadCheckpoint(path: string, kind: TorchKind, data?: Uint8Array): unknown {
  if (kind === 'tar') {
    throw new CliError(
      `${displayName(path)}: a torch <= 0.1.10 checkpoint (tar layout): brine does not load it; "brine scan" rates it`,
      EXIT.badInput,
    );
  }
  try {
    return data === undefined ? loadTorchFile(path, { exact: true }) : loadTorch(data, { exact: true });
  } catch (error) {
    const refused = refusal(path, error);
    if (kind === 'zip' && (error as Error).name !== 'TorchScriptError') {
      refused.message +=
        ' (a zip archive that is not a PyTorch checkpoint, such as a numpy .npz: "brine scan" rates the pickles in it)';
    }
    throw refused;
  }
}

/**
 * Runs `print` with every tensor printed by {@link tensorRepr}, its values
 * read only when its storage is at most {@link SHOW_VALUES_MAX_STORAGE}
 * bytes, and released again once printed: showing a large checkpoint keeps
 * at most one storage in memory.
 */
export function withBoundedTensorRepr<T>(print: () => T): T {
  const proto = Tensor.prototype as unknown as Record<symbol, unknown>;
  const own = Object.getOwnPropertyDescriptor(proto, PY_REPR);
  Object.defineProperty(proto, PY_REPR, {
    configurable: true,
    writable: true,
    value(this: Tensor): string {
      const storage = this.storage;
      if (storage === null || storage.loaded) return tensorRepr(this);
      if (storage.nbytes > SHOW_VALUES_MAX_STORAGE) return tensorRepr(this, 0);
      try {
        return tensorRepr(this);
      } finally {
        storage.release();
      }
    },
  });
  try {
    return print();
  } finally {
    if (own !== undefined) Object.defineProperty(proto, PY_REPR, own);
  }
}

/** One row of a tensor listing. */
interface Row {
  name: string;
  dtype: string;
  shape: readonly number[];
  nbytes: number;
}

/** The tensors of a loaded checkpoint, by state_dict name, and the bytes its storages hold. */
export function checkpointRows(value: unknown): { rows: Row[]; totalBytes: number; numel: number } {
  const { tensors, totalBytes, totalNumel } = summariseTensors(value);
  return {
    rows: tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, nbytes: t.nbytes })),
    totalBytes,
    numel: totalNumel,
  };
}

/** A parsed safetensors header: its tensors (in data order) and `__metadata__`. */
export interface SafetensorsHeader {
  rows: (Row & { offsets: [number, number] })[];
  metadata: Record<string, string>;
  dataBytes: number;
}

/**
 * Reads only the header of a safetensors file (its 8-byte length and JSON):
 * no tensor data. The header is checked as {@link loadSafetensors} checks it
 * (dtypes, sizes that match shapes, offsets contiguous to the end of the
 * file), against the file's size.
 */
export function readSafetensorsHeader(path: string, data?: Uint8Array): SafetensorsHeader {
  try {
    const source =
      data === undefined
        ? fileSource(path)
        : { size: data.length, read: (o: number, n: number) => data.subarray(o, o + n) };
    return parseSafetensorsHeader(source);
  } catch (error) {
    throw refusal(path, error);
  }
}

function parseSafetensorsHeader(source: {
  size: number;
  read(o: number, n: number): Uint8Array;
}): SafetensorsHeader {
  const head = source.read(0, 8);
  if (head.length < 8) throw new UnpicklingError('safetensors: the file is shorter than its header length');
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  if (n > 100_000_000n) throw new UnpicklingError(`safetensors: a header of ${n} bytes is too large`);
  const length = Number(n);
  if (8 + length > source.size)
    throw new UnpicklingError(`safetensors: a header of ${length} bytes runs past the end of the file`);
  // A header with no tensor, and its data as long as the file's: loadSafetensors checks the JSON
  // and the metadata; the tensors are checked here, from the header alone.
  let header: Record<string, unknown>;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(source.read(8, length));
    if (!text.startsWith('{')) throw new Error('the header does not start with {');
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UnpicklingError(`safetensors: the header is not JSON: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new UnpicklingError('safetensors: the header is not a JSON object');
  const meta = Object.hasOwn(header, '__metadata__') ? header.__metadata__ : undefined;
  const metaBytes = new TextEncoder().encode(
    JSON.stringify(meta === undefined ? {} : { __metadata__: meta }),
  );
  const probe = new Uint8Array(8 + metaBytes.length);
  new DataView(probe.buffer).setBigUint64(0, BigInt(metaBytes.length), true);
  probe.set(metaBytes, 8);
  const { metadata } = loadSafetensors(probe);
  const rows: SafetensorsHeader['rows'] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = info?.data_offsets;
    const dtype = typeof info?.dtype === 'string' ? dtypeOfSafetensors(info.dtype) : undefined;
    if (
      dtype === undefined ||
      !Array.isArray(info.shape) ||
      !info.shape.every((s) => Number.isSafeInteger(s) && s >= 0) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new UnpicklingError(
        `safetensors: tensor ${JSON.stringify(name)} is not {dtype, shape, data_offsets} with a known dtype`,
      );
    }
    const shape = info.shape as number[];
    const nbytes = shape.reduce((a, b) => a * b, 1) * dtype.size;
    if (!Number.isSafeInteger(nbytes) || nbytes !== offsets[1] - offsets[0])
      throw new UnpicklingError(
        `safetensors: tensor ${JSON.stringify(name)} of shape [${shape.join(', ')}] needs ${nbytes} bytes, not ${offsets[1] - offsets[0]}`,
      );
    rows.push({ name, dtype: dtype.name, shape, nbytes, offsets: [offsets[0], offsets[1]] });
  }
  rows.sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1]);
  let at = 0;
  for (const r of rows) {
    if (r.offsets[0] !== at)
      throw new UnpicklingError(
        `safetensors: tensor ${JSON.stringify(r.name)} at [${r.offsets.join(', ')}] does not start where the previous one ended (${at})`,
      );
    at = r.offsets[1];
  }
  const dataBytes = source.size - 8 - length;
  if (at !== dataBytes)
    throw new UnpicklingError(`safetensors: the tensors cover ${at} bytes of ${dataBytes} bytes of data`);
  return { rows, metadata, dataBytes };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The tensor listing as text: aligned columns, then a total line. */
export function tensorTable(rows: readonly Row[], totalBytes: number): string {
  const cells = rows.map((r) => [escapeText(r.name), r.dtype, `[${r.shape.join(', ')}]`, String(r.nbytes)]);
  const head = ['name', 'dtype', 'shape', 'bytes'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    `${c
      .map((x, i) => (i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`;
  const numel = rows.reduce((a, r) => a + r.shape.reduce((x, y) => x * y, 1), 0);
  return `${[head, ...cells].map(line).join('')}total: ${plural(rows.length, 'tensor')}, ${plural(numel, 'element')}, ${totalBytes} bytes\n`;
}

/** The tensor listing as JSON. */
export function tensorJson(
  rows: readonly Row[],
  totalBytes: number,
  extra: Record<string, unknown> = {},
): string {
  const numel = rows.reduce((a, r) => a + r.shape.reduce((x, y) => x * y, 1), 0);
  return `${escapeText(
    JSON.stringify(
      {
        tensors: rows.map((r) => ({ name: r.name, dtype: r.dtype, shape: r.shape, nbytes: r.nbytes })),
        total: { tensors: rows.length, numel, nbytes: totalBytes },
        ...extra,
      },
      null,
      2,
    ),
    'json',
  )}\n`;
}

/**
 * A checkpoint as a safetensors file: its tensors by state_dict name; string
 * values go to `__metadata__` under their names; any other value that is not
 * a tensor is refused (safetensors holds nothing else). `format: pt` is set
 * in the metadata, as the Hugging Face tools write it, unless a string of the
 * checkpoint already names it.
 */
export function checkpointToSafetensors(path: string, value: unknown): Uint8Array {
  const { tensors, skipped } = stateDictTensors(value);
  const metadata: Record<string, string> = { format: 'pt' };
  const refused: string[] = [];
  for (const name of skipped) {
    const v = lookup(value, name);
    if (typeof v === 'string') metadata[name] = v;
    else refused.push(name === '' ? '(the top level)' : JSON.stringify(name));
  }
  if (refused.length > 0) {
    const shown =
      refused.slice(0, 5).join(', ') + (refused.length > 5 ? `, and ${refused.length - 5} more` : '');
    throw new CliError(
      `${displayName(path)}: ${escapeText(shown)} ${refused.length === 1 ? 'is' : 'are'} not a tensor or a string: safetensors holds only tensors (and string metadata); save the state_dict alone (torch.save(model.state_dict(), ...))`,
      EXIT.badInput,
    );
  }
  if (tensors.size === 0) throw new CliError(`${displayName(path)}: no tensors to convert`, EXIT.badInput);
  try {
    return dumpSafetensors(tensors, metadata);
  } catch (error) {
    throw refusal(path, error);
  }
}

/** The value at a `.`-joined state_dict path (as {@link stateDictTensors} names it). */
function lookup(value: unknown, name: string): unknown {
  // stateDictTensors' names are made by joining keys with '.', and keys may hold '.': walk all splits.
  if (name === '') return value;
  const children = childrenOf(value);
  if (children === undefined) return undefined;
  for (const [k, v] of children) {
    if (name === k) return v;
    if (name.startsWith(`${k}.`)) {
      const found = lookup(v, name.slice(k.length + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function childrenOf(v: unknown): [string, unknown][] | undefined {
  if (v instanceof Map) return [...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), x]);
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.entries(v);
  return undefined;
}

/**
 * The tensors of a safetensors file, each reading its own bytes from the
 * file when its values are asked for, and `__metadata__` first when present.
 */
export function safetensorsValue(
  path: string,
  header: SafetensorsHeader,
  data?: Uint8Array,
): Map<string, unknown> {
  const value = new Map<string, unknown>();
  if (Object.keys(header.metadata).length > 0)
    value.set('__metadata__', new Map(Object.entries(header.metadata)));
  const source = data === undefined ? fileSource(path) : undefined;
  const start = (data?.length ?? source!.size) - header.dataBytes;
  for (const r of header.rows) {
    const read = (): Uint8Array =>
      data !== undefined
        ? data.subarray(start + r.offsets[0], start + r.offsets[1])
        : (source!.read(start + r.offsets[0], r.nbytes) as Uint8Array);
    const storage = new Storage({
      dtype: r.dtype as TorchDType,
      nbytes: r.nbytes,
      key: r.name,
      reader: { readSync: read, read: async () => read() },
    });
    value.set(r.name, new Tensor({ storage, shape: r.shape }));
  }
  return value;
}

/** A safetensors file as a `.pt` checkpoint: a dict of its tensors by name (its metadata is not kept). */
export function safetensorsToCheckpoint(path: string, data: Uint8Array): Uint8Array {
  try {
    const { tensors } = loadSafetensors(data);
    return dumpTorch(new Map(tensors));
  } catch (error) {
    throw refusal(path, error);
  }
}
