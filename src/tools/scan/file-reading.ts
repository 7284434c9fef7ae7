/**
 * The bytes CPython's C unpickler consumes when it reads a pickle from a file
 * object that cannot peek (`pickle.load(io.BytesIO(b))`; `torch.load` reads
 * `data.pkl` so). Such an unpickler keeps a buffer holding exactly what its
 * last read from the file returned; a FRAME fills it with the frame. A read
 * that the buffer cannot satisfy drops what is left of it and reads from the
 * file, which stands at the buffer's end. So an opcode that straddles the end
 * of its frame takes its argument from the bytes after the frame, not from
 * the frame's last bytes as `pickle.loads` (and a file that can peek) does,
 * and the two readings go on through different bytes. brine refuses such a
 * pickle; the scanner reads it both ways.
 *
 * @module
 */
import { OPCODE_BY_CODE } from '../../opcodes.js';

/** The consumed bytes, as pieces of the input in the order they are read. */
export interface FileReading {
  /** The bytes, concatenated. */
  readonly bytes: Uint8Array;
  /** Maps an offset of `bytes` to the input's offset it came from. */
  readonly toInput: (offset: number) => number;
}

const FRAME = 0x95;
const STOP = 0x2e;
const GLOBAL = 0x63;
const INST = 0x69;
/** Drops modelled at most; past them the rest is taken as it lies in the input (no honest pickle drops any). */
const MAX_DROPS = 64;

/**
 * The bytes a non-peeking file reader consumes, or undefined when they are
 * the input itself (no read ever dropped bytes: the usual case).
 */
export function fileReading(data: Uint8Array): FileReading | undefined {
  // Pieces [start, end) of the input, in reading order.
  const pieces: number[] = [];
  let pos = 0;
  let bufEnd = 0;
  let drops = 0;
  let pieceStart = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);

  /** Reads `n` bytes; returns the offset they start at, or -1 when the input ends first. */
  const read = (n: number): number => {
    if (n <= bufEnd - pos) {
      const at = pos;
      pos += n;
      return at;
    }
    if (pos < bufEnd) {
      // The rest of the buffer is dropped: the read starts at the buffer's end.
      pieces.push(pieceStart, pos);
      pieceStart = bufEnd;
      drops++;
    }
    const at = bufEnd;
    if (at + n > data.length) return -1;
    pos = at + n;
    bufEnd = pos;
    return at;
  };
  /** Reads a line; returns its end (after the newline), or -1. */
  const readLine = (): number => {
    const nl = data.indexOf(0x0a, pos);
    if (nl >= 0 && nl < bufEnd) {
      pos = nl + 1;
      return pos;
    }
    if (pos < bufEnd) {
      pieces.push(pieceStart, pos);
      pieceStart = bufEnd;
      drops++;
    }
    const nl2 = data.indexOf(0x0a, bufEnd);
    if (nl2 < 0) return -1;
    pos = nl2 + 1;
    bufEnd = pos;
    return pos;
  };

  while (pos < data.length && drops <= MAX_DROPS) {
    const at = read(1);
    if (at < 0) break;
    const code = data[at]!;
    const info = OPCODE_BY_CODE[code];
    if (info === undefined) break;
    const n = info.argBytes;
    let ok = true;
    if (code === FRAME) {
      const p = read(8);
      if (p < 0) break;
      const len = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
      if (len > data.length) break;
      const start = read(len);
      if (start < 0) break;
      pos = start; // the frame is in the buffer; reading goes on from its start
      continue;
    }
    if (n >= 0) ok = read(n) >= 0;
    else if (n === -1) {
      ok = readLine() >= 0;
      if (ok && (code === GLOBAL || code === INST)) ok = readLine() >= 0;
    } else {
      const size = n === -2 ? 1 : n === -5 ? 8 : 4;
      const p = read(size);
      if (p < 0) break;
      let len: number;
      if (n === -2) len = data[p]!;
      else if (n === -3) len = view.getInt32(p, true);
      else if (n === -4) len = view.getUint32(p, true);
      else len = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
      if (len < 0 || len > data.length) break;
      ok = read(len) >= 0;
    }
    if (!ok) break;
    if (code === STOP) {
      // The next pickle.load starts where the file stands: after the buffer.
      if (pos < bufEnd) {
        pieces.push(pieceStart, pos);
        pieceStart = bufEnd;
        drops++;
      }
      pos = bufEnd;
    }
  }
  if (drops === 0) return undefined;
  // The rest (after an error, or past the drops modelled) as it lies in the input.
  pieces.push(pieceStart, data.length);
  let total = 0;
  for (let i = 0; i < pieces.length; i += 2) total += Math.max(0, pieces[i + 1]! - pieces[i]!);
  const bytes = new Uint8Array(total);
  const starts: number[] = [];
  let out = 0;
  for (let i = 0; i < pieces.length; i += 2) {
    const [s, e] = [pieces[i]!, pieces[i + 1]!];
    starts.push(out);
    if (e > s) {
      bytes.set(data.subarray(s, e), out);
      out += e - s;
    }
  }
  const toInput = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return pieces[lo * 2]! + (offset - starts[lo]!);
  };
  return { bytes, toInput };
}
