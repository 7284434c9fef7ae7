/**
 * The joblib stream's layout as the scanner reads it: where `joblib.load`
 * reads raw array bytes between the opcodes, found by a small reader over
 * `genops` that runs nothing. Attached to joblib's `ScanLibrary` in
 * `../gadgets.ts` (a library folder imports nothing from the tools).
 *
 * @module
 */
import { type JoblibArraySpan, joblibArraySpan } from '../../joblib/format.js';
import type { StreamLayout } from '../../scan-library.js';
import { genops } from '../genops.js';

/** `NumpyArrayWrapper` in ASCII: a stream without it has no joblib array. */
const WRAPPER = new TextEncoder().encode('NumpyArrayWrapper');

function contains(data: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  for (
    let at = data.indexOf(first);
    at >= 0 && at + needle.length <= data.length;
    at = data.indexOf(first, at + 1)
  ) {
    let i = 1;
    while (i < needle.length && data[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}

/** A value as the layout reader keeps it: plain data, or what it cannot follow (`UNK`). */
type V = null | boolean | number | bigint | string | V[] | Map<V, V> | Glob | Obj | symbol;
const UNK: unique symbol = Symbol('unknown');
class Glob {
  constructor(readonly name: string) {}
}
class Obj {
  state: V = null;
  constructor(
    readonly cls: string | undefined,
    readonly args: V,
  ) {}
}

const WRAPPERS = new Set([
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
]);

/** Thrown where the reader cannot follow the stream (the layout stops there). */
class Unfollowable extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
  }
}

/** The itemsize of a `numpy.dtype(name, ...)` and whether it holds objects; undefined when unknown. */
function dtypeOf(v: V, depth = 0): { itemsize: number; hasObject: boolean } | undefined {
  if (!(v instanceof Obj) || v.cls !== 'numpy.dtype' || !Array.isArray(v.args) || depth > 32)
    return undefined;
  const name = v.args[0];
  if (typeof name !== 'string') return undefined;
  const m = /^([a-zA-Z])(\d*)$/.exec(name);
  if (m === null) return undefined;
  const kind = m[1]!;
  const n = m[2] === '' ? undefined : Number(m[2]);
  const state = Array.isArray(v.state) ? v.state : [];
  const fields = state[4];
  if (kind === 'O') return { itemsize: n ?? 8, hasObject: true };
  if (n === undefined) return undefined;
  let hasObject = false;
  if (fields instanceof Map) {
    for (const field of fields.values()) {
      const sub = Array.isArray(field) ? dtypeOf(field[0] ?? null, depth + 1) : undefined;
      if (sub === undefined) return undefined;
      hasObject ||= sub.hasObject;
    }
  } else if (fields !== null && fields !== undefined) return undefined;
  if (state[2] !== null && state[2] !== undefined) return undefined; // a subarray dtype
  return { itemsize: kind === 'U' ? 4 * n : n, hasObject };
}

function wrapperSpan(data: Uint8Array, obj: Obj, offset: number): JoblibArraySpan {
  const state = obj.state;
  if (!(state instanceof Map)) throw new Unfollowable('NumpyArrayWrapper state is not a dict', offset);
  const shape = state.get('shape');
  if (!Array.isArray(shape)) throw new Unfollowable('NumpyArrayWrapper shape is not a tuple', offset);
  const dims: number[] = [];
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0 || dims.length >= 64) {
      throw new Unfollowable('NumpyArrayWrapper shape is not a tuple of sizes', offset);
    }
    dims.push(d);
  }
  const dtype = dtypeOf(state.get('dtype') ?? null);
  if (dtype === undefined)
    throw new Unfollowable('NumpyArrayWrapper dtype is not one the scanner reads', offset);
  const alignment = state.get('numpy_array_alignment_bytes') ?? null;
  if (alignment !== null && typeof alignment !== 'number') {
    throw new Unfollowable('NumpyArrayWrapper numpy_array_alignment_bytes is not an int', offset);
  }
  return joblibArraySpan(data, offset, dims, dtype.itemsize, { alignment, hasObject: dtype.hasObject });
}

/** Where the pickle starting at `start` ends (after its STOP). */
function pickleEnd(data: Uint8Array, start: number): number {
  for (const op of genops(data, { start })) if (op.code === 0x2e) return op.end;
  throw new Unfollowable('an object array pickle does not end', start);
}

/**
 * Where joblib reads raw array data in `data`: the stream is read once by a
 * small reader that keeps plain values (ints, strings, tuples, dicts, the
 * globals and objects built from them) and runs nothing, and at each
 * `NumpyArrayWrapper`'s BUILD the array's span is computed from the
 * wrapper's state (shape, the dtype's itemsize and object flag, alignment)
 * with {@link joblibArraySpan}. Object arrays are whole pickles, listed to be
 * scanned on their own. Where the reader cannot follow (an opcode it does not
 * model, a state joblib does not write, data past the end), the spans found so
 * far are returned with the problem.
 */
export function joblibLayout(data: Uint8Array): StreamLayout | undefined {
  if (!contains(data, WRAPPER)) return undefined;
  const skips = new Map<number, number>();
  const nested: [number, number][] = [];
  let problem: StreamLayout['problem'];
  const memo = new Map<number, V>();
  let stack: V[] = [];
  const marks: V[][] = [];
  const pop = (): V => (stack.length === 0 ? UNK : stack.pop()!);
  const popMark = (): V[] => {
    const items = stack;
    stack = marks.pop() ?? [];
    return items;
  };
  let pos = 0;
  try {
    outer: while (pos < data.length) {
      for (const op of genops(data, { start: pos })) {
        const name = op.info.name;
        const arg = op.arg;
        switch (name) {
          case 'PROTO':
          case 'FRAME':
            break;
          case 'STOP':
            pos = op.end;
            memo.clear();
            stack = [];
            marks.length = 0;
            continue outer;
          case 'MARK':
            marks.push(stack);
            stack = [];
            break;
          case 'POP':
            pop();
            break;
          case 'POP_MARK':
            popMark();
            break;
          case 'DUP':
            stack.push(stack.at(-1) ?? UNK);
            break;
          case 'NONE':
            stack.push(null);
            break;
          case 'NEWTRUE':
          case 'NEWFALSE':
            stack.push(name === 'NEWTRUE');
            break;
          case 'INT':
          case 'BININT':
          case 'BININT1':
          case 'BININT2':
          case 'LONG':
          case 'LONG1':
          case 'LONG4':
          case 'FLOAT':
          case 'BINFLOAT':
            stack.push(
              typeof arg === 'number' || typeof arg === 'bigint' || typeof arg === 'boolean' ? arg : UNK,
            );
            break;
          case 'STRING':
          case 'BINSTRING':
          case 'SHORT_BINSTRING':
          case 'UNICODE':
          case 'BINUNICODE':
          case 'SHORT_BINUNICODE':
          case 'BINUNICODE8':
            stack.push(typeof arg === 'string' ? arg : UNK);
            break;
          case 'EMPTY_TUPLE':
          case 'EMPTY_LIST':
            stack.push([]);
            break;
          case 'EMPTY_DICT':
            stack.push(new Map());
            break;
          case 'TUPLE':
          case 'LIST': {
            const items = popMark(); // before reading `stack`: popMark replaces it
            stack.push(items);
            break;
          }
          case 'TUPLE1':
          case 'TUPLE2':
          case 'TUPLE3': {
            const n = name === 'TUPLE1' ? 1 : name === 'TUPLE2' ? 2 : 3;
            const items: V[] = [];
            for (let i = 0; i < n; i++) items.unshift(pop());
            stack.push(items);
            break;
          }
          case 'DICT':
          case 'SETITEMS':
          case 'SETITEM': {
            const items = name === 'SETITEM' ? [pop(), pop()].reverse() : popMark();
            const dict = name === 'DICT' ? new Map<V, V>() : stack.at(-1);
            if (dict instanceof Map)
              for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
            if (name === 'DICT') stack.push(dict ?? UNK);
            break;
          }
          case 'APPEND':
          case 'APPENDS': {
            const items = name === 'APPEND' ? [pop()] : popMark();
            const list = stack.at(-1);
            if (Array.isArray(list)) list.push(...items);
            break;
          }
          case 'GLOBAL':
          case 'STACK_GLOBAL': {
            let full: string | undefined;
            if (name === 'GLOBAL' && typeof arg === 'string') full = arg.replace(' ', '.');
            else {
              const n = pop();
              const m = pop();
              if (typeof m === 'string' && typeof n === 'string') full = `${m}.${n}`;
            }
            stack.push(full === undefined ? UNK : new Glob(full));
            break;
          }
          case 'REDUCE':
          case 'NEWOBJ': {
            const args = pop();
            const cls = pop();
            stack.push(new Obj(cls instanceof Glob ? cls.name : undefined, args));
            break;
          }
          case 'BUILD': {
            const state = pop();
            const target = stack.at(-1);
            if (target instanceof Obj) {
              target.state = state;
              if (target.cls !== undefined && WRAPPERS.has(target.cls)) {
                const span = wrapperSpan(data, target, op.end);
                const end = span.kind === 'pickle' ? pickleEnd(data, span.dataOffset) : span.end;
                if (span.kind === 'pickle') nested.push([span.dataOffset, end]);
                skips.set(op.end, end);
                pos = end;
                continue outer;
              }
            }
            break;
          }
          case 'MEMOIZE':
            memo.set(memo.size, stack.at(-1) ?? UNK);
            break;
          case 'PUT':
          case 'BINPUT':
          case 'LONG_BINPUT':
            memo.set(Number(arg), stack.at(-1) ?? UNK);
            break;
          case 'GET':
          case 'BINGET':
          case 'LONG_BINGET':
            stack.push(memo.get(Number(arg)) ?? UNK);
            break;
          default:
            // Bytes, sets, extension codes, persistent ids...: values the layout never needs.
            if (op.info.stackAfter.length === 1 && op.info.stackBefore.length === 0) stack.push(UNK);
            else throw new Unfollowable(`${name} is not an opcode the joblib layout reader follows`, op.pos);
        }
        pos = op.end;
      }
      break;
    }
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const offset = (error as { offset?: unknown }).offset;
    problem = {
      offset: typeof offset === 'number' ? offset : undefined,
      message: `joblib array layout cannot be followed past this point: ${error.message}`,
    };
  }
  return {
    note: `joblib stream: the raw data of ${skips.size} array(s) after their NumpyArrayWrapper is skipped as joblib.load reads it`,
    skips,
    nested,
    ...(problem === undefined ? {} : { problem }),
  };
}
