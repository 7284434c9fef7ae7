/**
 * A smaller pickle that loads to the same value: the memo stores that no
 * later opcode reads are dropped, the rest renumbered from 0, and protocol 4+
 * output framed again, byte for byte as Python's `pickletools.optimize` does.
 *
 * @module
 */
import { UnpicklingError } from '../errors.js';
import { type GenopsOptions, genops, memoKey } from './genops.js';

/** 64 KiB: the frame size CPython's pickler aims at. */
const FRAME_SIZE_TARGET = 64 * 1024;
/** Frames shorter than this are written without a FRAME opcode. */
const FRAME_SIZE_MIN = 4;
const HIGHEST_PROTOCOL = 5;

type Item =
  | { readonly kind: 'put'; readonly key: number | string }
  | { readonly kind: 'get'; readonly key: number | string; readonly pos: number }
  | { readonly kind: 'copy'; readonly pos: number; readonly end: number };

/**
 * Optimizes a pickle as `pickletools.optimize` does: removes the PUT, BINPUT,
 * LONG_BINPUT and MEMOIZE opcodes whose memo entry no GET reads, renumbers
 * the others, writes them for the pickle's protocol (MEMOIZE from protocol 4,
 * BINPUT / LONG_BINPUT from 1, PUT for 0) and frames protocol 4+ output in
 * 64 KiB frames. Only the first pickle of `data` is read; bytes after its STOP
 * are dropped.
 *
 * One deliberate difference: a GET of a memo entry that no earlier PUT stored
 * is an error here, where pickletools fails with a TypeError (protocol 1+) or
 * writes a `gNone` that no unpickler reads (protocol 0).
 *
 * @param data - the pickle
 * @param options - `lenient`: also optimize pickles that `pickle.loads` reads
 *   but pickletools refuses (text that is not ASCII, see {@link GenopsOptions})
 * @returns the optimized pickle (a new array)
 * @throws {@link UnpicklingError} for malformed input (as {@link genops}), a
 *   PROTO above 5 (`pickle protocol must be <= 5`) or a GET of a memo entry
 *   that was never stored
 * @example
 * ```ts
 * const smaller = optimize(dumps(value, { protocol: 2 }));
 * ```
 */
export function optimize(data: Uint8Array, options?: { lenient?: boolean }): Uint8Array {
  const items: Item[] = [];
  const oldIds = new Set<number | string>();
  /** Memo keys a GET reads, to the new index (null until their PUT is written). */
  const newIds = new Map<number | string, number | null>();
  let proto = 0;
  let header: Uint8Array = new Uint8Array(0);
  let protoOffset = 0;
  for (const op of genops(data, { lenient: options?.lenient === true })) {
    const name = op.info.name;
    if (name.includes('PUT')) {
      const key = memoKey(op.arg);
      oldIds.add(key);
      items.push({ kind: 'put', key });
    } else if (name === 'MEMOIZE') {
      const key = oldIds.size;
      oldIds.add(key);
      items.push({ kind: 'put', key });
    } else if (name === 'FRAME') {
      // dropped: the output is framed again
    } else if (name.includes('GET')) {
      proto = Math.max(proto, op.info.proto);
      const key = memoKey(op.arg);
      newIds.set(key, null);
      items.push({ kind: 'get', key, pos: op.pos });
    } else if (name === 'PROTO') {
      const version = op.arg as number;
      if (version > proto) {
        proto = version;
        protoOffset = op.pos;
      }
      if (op.pos === 0) header = data.subarray(op.pos, op.end);
      else items.push({ kind: 'copy', pos: op.pos, end: op.end });
    } else {
      items.push({ kind: 'copy', pos: op.pos, end: op.end });
    }
  }
  if (proto > HIGHEST_PROTOCOL) {
    throw new UnpicklingError(`pickle protocol must be <= ${HIGHEST_PROTOCOL}`, protoOffset, 'PROTO');
  }

  const out = new Output();
  out.fileWrite(header);
  if (proto >= 4) out.startFraming();
  let next = 0;
  for (const item of items) {
    let chunk: Uint8Array;
    let frameless = false;
    if (item.kind === 'put') {
      if (!newIds.has(item.key)) continue;
      chunk = putOpcode(next, proto);
      newIds.set(item.key, next);
      next++;
    } else if (item.kind === 'get') {
      const index = newIds.get(item.key);
      if (index === null || index === undefined) {
        throw new UnpicklingError(`memo key ${item.key} is read before it is stored`, item.pos, 'GET');
      }
      chunk = getOpcode(index, proto);
    } else {
      chunk = data.subarray(item.pos, item.end);
      frameless = chunk.length > FRAME_SIZE_TARGET;
    }
    out.commitFrame(frameless);
    if (frameless) out.fileWrite(chunk);
    else out.write(chunk);
  }
  out.endFraming();
  return out.result();
}

/** `pickle._Pickler.put(index)`. */
function putOpcode(index: number, proto: number): Uint8Array {
  if (proto >= 4) return Uint8Array.of(0x94); // MEMOIZE
  if (proto >= 1) return index < 256 ? Uint8Array.of(0x71, index) : withU32(0x72, index); // BINPUT, LONG_BINPUT
  return ascii(`p${index}\n`);
}

/** `pickle._Pickler.get(index)`. */
function getOpcode(index: number, proto: number): Uint8Array {
  if (proto >= 1) return index < 256 ? Uint8Array.of(0x68, index) : withU32(0x6a, index); // BINGET, LONG_BINGET
  return ascii(`g${index}\n`);
}

function withU32(code: number, value: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = code;
  new DataView(out.buffer).setUint32(1, value, true);
  return out;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** The output file and `pickle._Framer`: the current frame, committed at 64 KiB or when forced. */
class Output {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private frame: Uint8Array[] | null = null;
  private frameSize = 0;

  fileWrite(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  startFraming(): void {
    this.frame = [];
    this.frameSize = 0;
  }

  write(chunk: Uint8Array): void {
    if (this.frame === null) {
      this.fileWrite(chunk);
      return;
    }
    this.frame.push(chunk);
    this.frameSize += chunk.length;
  }

  commitFrame(force: boolean): void {
    if (this.frame === null) return;
    if (this.frameSize < FRAME_SIZE_TARGET && !force) return;
    if (this.frameSize >= FRAME_SIZE_MIN) {
      const head = new Uint8Array(9);
      head[0] = 0x95; // FRAME
      new DataView(head.buffer).setBigUint64(1, BigInt(this.frameSize), true);
      this.fileWrite(head);
    }
    for (const chunk of this.frame) this.fileWrite(chunk);
    this.frame = [];
    this.frameSize = 0;
  }

  endFraming(): void {
    if (this.frame !== null && this.frameSize > 0) {
      this.commitFrame(true);
      this.frame = null;
    }
  }

  result(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
