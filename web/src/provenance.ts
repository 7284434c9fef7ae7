/**
 * Where each value of a pickle was made: a shadow of the pickle machine that
 * runs over brine's `genopsLenient` and pushes, instead of values, records of
 * the opcodes that made them. The value tree walks the loaded value and this
 * shadow side by side, so that a node of the tree knows the byte offsets of
 * its opcodes (the disassembly panel scrolls there). Nothing is built, called
 * or expanded: a record referenced twice (the memo) is one record, so the cost
 * is linear in the pickle.
 */
import { genopsLenient } from '../../src/index.js';

/** The opcodes that made one value. */
export interface Shadow {
  /** Offset of the first opcode of the value. */
  start: number;
  /** Offset of the last opcode that built or filled it. */
  end: number;
  /** Items added in order: list, tuple or set items; dict keys and values alternating. */
  items: Shadow[];
  /** For REDUCE / NEWOBJ / INST / OBJ: what was called and the argument tuple. */
  call: [Shadow, Shadow] | undefined;
  /** The BUILD state. */
  state: Shadow | undefined;
}

const MARK = Symbol('mark');
type Slot = Shadow | typeof MARK;

function node(start: number, end = start): Shadow {
  return { start, end, items: [], call: undefined, state: undefined };
}

/** At most this many opcodes are followed (the rest of a larger pickle has no offsets). */
const MAX_OPS = 20_000_000;

/**
 * Runs the shadow machine over the pickle at `start` of `data`; returns the
 * record of the value its STOP returns, or `undefined` when the pickle cannot
 * be followed to its STOP (the tree then shows no offsets).
 */
export function provenance(data: Uint8Array, start = 0): Shadow | undefined {
  const stack: Slot[] = [];
  const memo = new Map<number | string, Shadow>();
  let ops = 0;
  const pop = (): Shadow => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new Error('stack underflow');
    return v;
  };
  const popMark = (): Shadow[] => {
    const out: Shadow[] = [];
    for (;;) {
      const v = stack.pop();
      if (v === undefined) throw new Error('no mark');
      if (v === MARK) break;
      out.push(v);
    }
    return out.reverse();
  };
  const top = (): Shadow => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new Error('stack underflow');
    return v;
  };
  try {
    for (const op of genopsLenient(data, { start })) {
      if (++ops > MAX_OPS) return undefined;
      const name = op.info.name;
      const at = op.pos;
      switch (name) {
        case 'PROTO':
        case 'FRAME':
        case 'READONLY_BUFFER':
          break;
        case 'STOP':
          return pop();
        case 'MARK':
          stack.push(MARK);
          break;
        case 'POP':
          stack.pop();
          break;
        case 'POP_MARK':
          popMark();
          break;
        case 'DUP':
          stack.push(top());
          break;
        case 'PUT':
        case 'BINPUT':
        case 'LONG_BINPUT':
          memo.set(op.arg as number, top());
          break;
        case 'MEMOIZE':
          memo.set(memo.size, top());
          break;
        case 'GET':
        case 'BINGET':
        case 'LONG_BINGET': {
          const v = memo.get(op.arg as number);
          if (v === undefined) return undefined;
          stack.push(v);
          break;
        }
        case 'EMPTY_LIST':
        case 'EMPTY_DICT':
        case 'EMPTY_SET':
        case 'EMPTY_TUPLE':
          stack.push(node(at));
          break;
        case 'LIST':
        case 'TUPLE':
        case 'DICT':
        case 'FROZENSET': {
          const items = popMark();
          const n = node(items[0]?.start ?? at, at);
          n.items = items;
          stack.push(n);
          break;
        }
        case 'TUPLE1':
        case 'TUPLE2':
        case 'TUPLE3': {
          const k = name === 'TUPLE1' ? 1 : name === 'TUPLE2' ? 2 : 3;
          const items: Shadow[] = [];
          for (let i = 0; i < k; i++) items.unshift(pop());
          const n = node(items[0]!.start, at);
          n.items = items;
          stack.push(n);
          break;
        }
        case 'APPEND': {
          const v = pop();
          const t = top();
          t.items.push(v);
          t.end = at;
          break;
        }
        case 'SETITEM': {
          const v = pop();
          const k = pop();
          const t = top();
          t.items.push(k, v);
          t.end = at;
          break;
        }
        case 'APPENDS':
        case 'SETITEMS':
        case 'ADDITEMS': {
          const items = popMark();
          const t = top();
          for (const v of items) t.items.push(v);
          t.end = at;
          break;
        }
        case 'REDUCE':
        case 'NEWOBJ': {
          const args = pop();
          const fn = pop();
          const n = node(fn.start, at);
          n.call = [fn, args];
          stack.push(n);
          break;
        }
        case 'NEWOBJ_EX': {
          pop();
          const args = pop();
          const fn = pop();
          const n = node(fn.start, at);
          n.call = [fn, args];
          stack.push(n);
          break;
        }
        case 'BUILD': {
          const state = pop();
          const t = top();
          t.state = state;
          t.end = at;
          break;
        }
        case 'INST': {
          const args = popMark();
          const t = node(at);
          t.items = args;
          const n = node(args[0]?.start ?? at, at);
          n.call = [node(at), t];
          stack.push(n);
          break;
        }
        case 'OBJ': {
          const all = popMark();
          const fn = all.shift() ?? node(at);
          const t = node(at);
          t.items = all;
          const n = node(fn.start, at);
          n.call = [fn, t];
          stack.push(n);
          break;
        }
        case 'STACK_GLOBAL': {
          const nm = pop();
          const mod = pop();
          stack.push(node(mod.start, Math.max(nm.end, at)));
          break;
        }
        case 'BINPERSID': {
          const pid = pop();
          stack.push(node(pid.start, at));
          break;
        }
        default: {
          // Every other opcode pushes one value made from its argument alone.
          const after = op.info.stackAfter;
          if (op.info.stackBefore.length === 0 && after.length === 1) stack.push(node(at));
          else return undefined;
        }
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}
