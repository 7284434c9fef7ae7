import { reprByteArray } from '../python-repr.js';
import { INSPECT, inspectRepr } from './inspect.js';
import { PY_REPR } from './protocol.js';

/**
 * A Python `bytearray`: a `Uint8Array` that dumps as `bytearray` instead of
 * `bytes`. Loaded bytearrays own their memory (they are never views of the input).
 */
export class PyByteArray extends Uint8Array {
  /** What `console.log` / `util.inspect` print: Python's repr, bounded. */
  [INSPECT](): string {
    return inspectRepr(this);
  }

  /** Copies `data` into a new bytearray. */
  static override from(data: ArrayLike<number> | Iterable<number>): PyByteArray {
    const source = data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>);
    const out = new PyByteArray(source.length);
    out.set(source);
    return out;
  }
  /** Python's repr: `bytearray(b'...')`. */
  [PY_REPR](): string {
    return reprByteArray(this);
  }
}
