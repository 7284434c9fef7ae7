/**
 * Complexity of every opcode and every rendering function: the cost of
 * `loads`, `disassemble` and `scan` on a pickle that uses one opcode n times
 * (or once with an argument of size n) is measured at n and 4n, and so is the
 * cost of `repr`, `pformat`, `toJSON` and `dumps` on values of n items. A
 * linear path scales by about 4, a quadratic one by 16: the test allows a
 * ratio of 8 (CPU time, best of interleaved runs of equal work); a miss is
 * measured again from 4n to 16n and then from n to 4n with longer runs before
 * it fails, so that a step in the engine's own costs between two sizes, or a
 * busy moment, passes and a quadratic path fails here rather than in a user's
 * hands (see test/support/linear.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { disassemble, dumps, loads, OPCODES, scan } from '../../src/index.js';
import type { LoadOptions } from '../../src/options.js';
import { toJSON } from '../../src/tools/json.js';
import { pformat, repr } from '../../src/tools/repr.js';
import { size } from '../support/budget.js';
import { describeRatio, LINEAR, scaling } from '../support/linear.js';

/**
 * Interleaved pairs of windows measured from n to 4n: two under `npm test`,
 * three under `npm run fuzz`. The sizes are the same under both: a quadratic
 * path is 16 times the cost at 4n whatever the number of pairs, and a miss
 * is measured again with more (see `scaling`).
 */
const PAIRS = size(2, 3);

/** Asserts a ratio below LINEAR from n to 4n (measured again on a miss, see `scaling`). */
function assertScales<T>(what: string, n: number, make: (n: number) => T, run: (input: T) => unknown): void {
  const r = scaling(n, make, run, { pairs: PAIRS });
  measured.push([what, r.ratio, r.measured.length > 1]);
  assert.ok(r.ratio < LINEAR, r.measured.map((m) => describeRatio(what, m)).join('; then '));
}

/** Every ratio measured (and whether it took more than one measurement), for the summary printed at the end. */
const measured: [string, number, boolean][] = [];

after(() => {
  if (measured.length === 0) return;
  const sorted = [...measured].sort((a, b) => a[1] - b[1]);
  const [low, high] = [sorted[0], sorted[sorted.length - 1]];
  const again = measured.filter((m) => m[2]).map((m) => `${m[0]} ${m[1].toFixed(2)}`);
  console.log(
    `${measured.length} ratios from n to 4n: ${low?.[1].toFixed(2)} (${low?.[0]}) to ${high?.[1].toFixed(2)} (${high?.[0]}); highest: ${sorted
      .slice(-5)
      .map(([w, r]) => `${w} ${r.toFixed(2)}`)
      .join(', ')}; measured again: ${again.length === 0 ? 'none' : again.join(', ')}`,
  );
});

/** A tiny pickle writer: opcodes by letter or code, little-endian integers, Latin-1 or UTF-8 text. */
class W {
  private buf = new Uint8Array(1024);
  private at = 0;
  private ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + extra));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }
  byte(...values: number[]): this {
    this.ensure(values.length);
    for (const v of values) this.buf[this.at++] = v;
    return this;
  }
  /** Opcodes or ASCII/Latin-1 text, one byte per character. */
  op(text: string): this {
    this.ensure(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.at++] = text.charCodeAt(i);
    return this;
  }
  raw(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.at);
    this.at += data.length;
    return this;
  }
  u16(v: number): this {
    return this.byte(v & 0xff, (v >>> 8) & 0xff);
  }
  u32(v: number): this {
    return this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  u64(v: number): this {
    return this.u32(v >>> 0).u32(Math.floor(v / 2 ** 32));
  }
  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    return this.byte(0x47).raw(b);
  }
  /** SHORT_BINUNICODE of an ASCII string. */
  str(s: string): this {
    return this.byte(0x8c, s.length).op(s);
  }
  int(v: number): this {
    return this.op('J').u32(v);
  }
  proto(p: number): this {
    return this.byte(0x80, p);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** PROTO p, then a list of n items, each written by `item`, appended in APPENDS batches of 1000. */
function listOf(n: number, item: (w: W, i: number) => void, p = 4, start?: (w: W) => void): Uint8Array {
  const w = new W().proto(p);
  start?.(w);
  w.op(']');
  for (let i = 0; i < n; i += 1000) {
    w.op('(');
    for (let j = i; j < Math.min(n, i + 1000); j++) item(w, j);
    w.op('e');
  }
  return w.op('.').bytes();
}

/** PROTO p, a list, and n times `item` then APPEND. */
function appendEach(n: number, item: (w: W, i: number) => void, p = 4, start?: (w: W) => void): Uint8Array {
  const w = new W().proto(p);
  start?.(w);
  w.op(']');
  for (let i = 0; i < n; i++) {
    item(w, i);
    w.op('a');
  }
  return w.op('.').bytes();
}

/** One item of size n: PROTO p, `item(w, n)`, STOP. */
function one(n: number, item: (w: W, n: number) => void, p = 4): Uint8Array {
  const w = new W().proto(p);
  item(w, n);
  return w.op('.').bytes();
}

/** Puts the global module.name in memo slot 0 (BINPUT 0), off the stack. */
const memoGlobal = (module: string, name: string) => (w: W) => {
  w.op(`c${module}\n${name}\nq`).byte(0).op('0');
};

/** A text of n characters, some of them beyond ASCII. */
function mixedText(n: number): string {
  const unit = 'abcdefg\u00e9\u4e2d\u{1f600}';
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

interface Case {
  /** The opcode this case is about (a name in OPCODES). */
  readonly opcode: string;
  /** What varies, when an opcode has several cases. */
  readonly label?: string;
  /** n: the small size (4n is the large one). */
  readonly n: number;
  readonly make: (n: number) => Uint8Array;
  readonly options?: (n: number) => LoadOptions;
  /** Why `disassemble` is not measured (its output or its checks make it differ from the loader). */
  readonly noDisassembly?: string;
}

const EXTENSIONS = new Map<number, readonly [string, string]>([
  [7, ['mod', 'Inert']],
  [0x1234, ['collections', 'OrderedDict']],
  [0x12345678, ['builtins', 'set']],
]);

const bufferOptions = (n: number): LoadOptions => ({
  buffers: Array.from({ length: 4 * n + 1 }, (_, i) => new Uint8Array([i & 0xff, 1, 2])),
});

/**
 * The size of the cases that build one dict of n str keys (a plain object).
 * V8 moves an object's property table to its large-object space past about
 * 2,700 keys (a table past 128 KiB): from there each new key costs 5 to 10
 * times more (fresh pages, a page fault per 4 KiB), a step in the engine's
 * cost, measured the same with a bare JS loop and no brine code, after which
 * the cost is linear again (4.1 to 4.6 from 16,000 to 64,000 keys). Loads
 * measure 250 and 1,000 keys, both below the step.
 */
const DICT_N = 1000;

const CASES: Case[] = [
  // Integers.
  { opcode: 'INT', n: 4000, make: (n) => listOf(n, (w, i) => w.op(`I${i * 7919}\n`), 0) },
  {
    opcode: 'INT',
    label: 'one of n digits',
    // Loads measure n/4 to n, and on a miss n to 4n: 4n must stay within the 4300-digit limit.
    n: 1000,
    make: (n) => one(n, (w, k) => w.op(`I${'9'.repeat(k)}\n`), 0),
  },
  { opcode: 'BININT', n: 8000, make: (n) => listOf(n, (w, i) => w.int(i * 65537)) },
  { opcode: 'BININT1', n: 8000, make: (n) => listOf(n, (w, i) => w.byte(0x4b, i & 0xff)) },
  { opcode: 'BININT2', n: 8000, make: (n) => listOf(n, (w, i) => w.byte(0x4d).u16(i & 0xffff)) },
  {
    opcode: 'LONG',
    n: 4000,
    make: (n) => listOf(n, (w, i) => w.op(`L${1234567890123456789n * BigInt(i)}L\n`), 0),
  },
  {
    opcode: 'LONG',
    label: 'one of n digits',
    // Loads measure n/4 to n, and on a miss n to 4n: 4n must stay within the 4300-digit limit.
    n: 1000,
    make: (n) => one(n, (w, k) => w.op(`L${'7'.repeat(k)}L\n`), 0),
  },
  {
    opcode: 'LONG1',
    n: 4000,
    make: (n) => listOf(n, (w, i) => w.byte(0x8a, 9, i & 0xff, 1, 2, 3, 4, 5, 6, 7, 0x40)),
  },
  {
    opcode: 'LONG4',
    n: 4000,
    make: (n) =>
      listOf(n, (w, i) =>
        w
          .byte(0x8b)
          .u32(9)
          .byte(i & 0xff, 1, 2, 3, 4, 5, 6, 7, 0x40),
      ),
  },
  {
    opcode: 'LONG4',
    label: 'one of n bytes (within the digit limit)',
    n: 1600,
    make: (n) => one(n / 4, (w, k) => w.byte(0x8b).u32(k).raw(new Uint8Array(k).fill(0x5a))),
  },
  // Strings and bytes.
  { opcode: 'STRING', n: 20000, make: (n) => one(n, (w, k) => w.op(`S'${'ab\\x41'.repeat(k / 6)}'\n`), 0) },
  {
    opcode: 'BINSTRING',
    n: 100000,
    make: (n) => one(n, (w, k) => w.op('T').u32(k).raw(new Uint8Array(k).fill(0x41)), 1),
  },
  {
    opcode: 'SHORT_BINSTRING',
    n: 4000,
    make: (n) => listOf(n, (w, i) => w.op(`U\x05s${i % 10000}`.padEnd(7, 'x')), 2),
  },
  {
    opcode: 'BINBYTES',
    n: 16000,
    make: (n) => one(n, (w, k) => w.op('B').u32(k).raw(new Uint8Array(k).fill(0x42)), 3),
  },
  { opcode: 'SHORT_BINBYTES', n: 4000, make: (n) => listOf(n, (w, i) => w.byte(0x43, 3, i & 0xff, 1, 2), 3) },
  {
    opcode: 'BINBYTES8',
    n: 16000,
    make: (n) => one(n, (w, k) => w.byte(0x8e).u64(k).raw(new Uint8Array(k).fill(0x43))),
  },
  {
    opcode: 'BYTEARRAY8',
    n: 16000,
    make: (n) => one(n, (w, k) => w.byte(0x96).u64(k).raw(new Uint8Array(k).fill(0x44)), 5),
  },
  {
    opcode: 'UNICODE',
    n: 20000,
    make: (n) => one(n, (w, k) => w.op(`V${'ab\\u00e9\\U0001f600'.repeat(k / 20)}\n`), 0),
  },
  { opcode: 'SHORT_BINUNICODE', n: 4000, make: (n) => listOf(n, (w, i) => w.str(`s\u0000${i}`)) },
  {
    opcode: 'BINUNICODE',
    n: 40000,
    make: (n) =>
      one(n, (w, k) => {
        const data = utf8(mixedText(k));
        w.op('X').u32(data.length).raw(data);
      }),
  },
  {
    opcode: 'BINUNICODE8',
    n: 40000,
    make: (n) =>
      one(n, (w, k) => {
        const data = utf8(mixedText(k));
        w.byte(0x8d).u64(data.length).raw(data);
      }),
  },
  // Out-of-band buffers.
  { opcode: 'NEXT_BUFFER', n: 4000, make: (n) => listOf(n, (w) => w.byte(0x97), 5), options: bufferOptions },
  {
    opcode: 'READONLY_BUFFER',
    n: 4000,
    make: (n) => listOf(n, (w) => w.byte(0x97, 0x98), 5),
    options: bufferOptions,
  },
  // Constants and floats.
  { opcode: 'NONE', n: 8000, make: (n) => listOf(n, (w) => w.op('N')) },
  { opcode: 'NEWTRUE', n: 8000, make: (n) => listOf(n, (w) => w.byte(0x88)) },
  { opcode: 'NEWFALSE', n: 8000, make: (n) => listOf(n, (w) => w.byte(0x89)) },
  { opcode: 'FLOAT', n: 4000, make: (n) => listOf(n, (w, i) => w.op(`F${i}.25e-3\n`), 0) },
  {
    opcode: 'FLOAT',
    label: 'one of n digits',
    n: 4000,
    make: (n) => one(n, (w, k) => w.op(`F0.${'3'.repeat(k)}\n`), 0),
  },
  { opcode: 'BINFLOAT', n: 8000, make: (n) => listOf(n, (w, i) => w.f64(i / 3)) },
  // Lists.
  { opcode: 'EMPTY_LIST', n: 4000, make: (n) => listOf(n, (w) => w.op(']')) },
  { opcode: 'APPEND', n: 8000, make: (n) => appendEach(n, (w, i) => w.int(i)) },
  { opcode: 'APPENDS', n: 8000, make: (n) => listOf(n, (w, i) => w.int(i)) },
  {
    opcode: 'LIST',
    n: 8000,
    make: (n) => {
      const w = new W().op('(');
      for (let i = 0; i < n; i++) w.op(`I${i}\n`);
      return w.op('l.').bytes();
    },
  },
  // Tuples.
  { opcode: 'EMPTY_TUPLE', n: 8000, make: (n) => listOf(n, (w) => w.op(')')) },
  {
    opcode: 'TUPLE',
    n: 8000,
    make: (n) => {
      const w = new W().proto(2).op('(');
      for (let i = 0; i < n; i++) w.int(i);
      return w.op('t.').bytes();
    },
  },
  { opcode: 'TUPLE1', n: 4000, make: (n) => listOf(n, (w, i) => w.int(i).byte(0x85)) },
  { opcode: 'TUPLE2', n: 4000, make: (n) => listOf(n, (w, i) => w.int(i).op('N').byte(0x86)) },
  { opcode: 'TUPLE3', n: 4000, make: (n) => listOf(n, (w, i) => w.int(i).op('NN').byte(0x87)) },
  // Dicts.
  { opcode: 'EMPTY_DICT', n: 4000, make: (n) => listOf(n, (w) => w.op('}')) },
  {
    opcode: 'DICT',
    n: DICT_N,
    make: (n) => {
      const w = new W().proto(4).op('(');
      for (let i = 0; i < n; i++) w.str(`k${i}`).int(i);
      return w.op('d.').bytes();
    },
  },
  {
    opcode: 'SETITEM',
    n: DICT_N,
    make: (n) => {
      const w = new W().proto(4).op('}');
      for (let i = 0; i < n; i++) w.str(`k${i}`).int(i).op('s');
      return w.op('.').bytes();
    },
  },
  {
    opcode: 'SETITEM',
    label: 'int keys',
    n: 4000,
    make: (n) => {
      const w = new W().proto(4).op('}');
      for (let i = 0; i < n; i++)
        w.int(i * 31)
          .op('N')
          .op('s');
      return w.op('.').bytes();
    },
  },
  {
    opcode: 'SETITEMS',
    n: DICT_N,
    make: (n) => {
      const w = new W().proto(4).op('}');
      for (let i = 0; i < n; i += 1000) {
        w.op('(');
        for (let j = i; j < Math.min(n, i + 1000); j++) w.str(`k${j}`).int(j);
        w.op('u');
      }
      return w.op('.').bytes();
    },
  },
  {
    opcode: 'SETITEMS',
    label: 'tuple keys',
    n: 2000,
    make: (n) => {
      const w = new W().proto(4).op('}(');
      for (let i = 0; i < n; i++) w.int(i).str(`t${i}`).byte(0x86).op('N');
      return w.op('u.').bytes();
    },
  },
  // Sets.
  { opcode: 'EMPTY_SET', n: 4000, make: (n) => listOf(n, (w) => w.byte(0x8f)) },
  {
    opcode: 'ADDITEMS',
    n: 4000,
    make: (n) => {
      const w = new W().proto(4).byte(0x8f);
      for (let i = 0; i < n; i += 1000) {
        w.op('(');
        for (let j = i; j < Math.min(n, i + 1000); j++) w.int(j * 7);
        w.byte(0x90);
      }
      return w.op('.').bytes();
    },
  },
  {
    opcode: 'FROZENSET',
    n: 4000,
    make: (n) => {
      const w = new W().proto(4).op('(');
      for (let i = 0; i < n; i++) w.str(`f${i}`);
      return w.byte(0x91).op('.').bytes();
    },
  },
  // Stack manipulation.
  { opcode: 'POP', n: 8000, make: (n) => appendEach(n, (w, i) => w.int(i).op('N0')) },
  {
    opcode: 'DUP',
    n: 8000,
    make: (n) => {
      const w = new W().proto(2).op('(N');
      for (let i = 0; i < n; i++) w.op('2');
      return w.op('t.').bytes();
    },
  },
  { opcode: 'MARK', n: 4000, make: (n) => appendEach(n, (w, i) => w.op('(').int(i).op('t')) },
  {
    opcode: 'MARK',
    label: 'n open marks',
    n: 4000,
    noDisassembly: 'the listing indents each line by its mark depth, so its size is quadratic by design',
    make: (n) => {
      const w = new W().proto(2).op(']');
      for (let i = 0; i < n; i++) w.op('(').int(i);
      for (let i = 0; i < n; i++) w.op('1');
      return w.op('.').bytes();
    },
  },
  { opcode: 'POP_MARK', n: 4000, make: (n) => appendEach(n, (w, i) => w.op('(').int(i).op('N1').int(i)) },
  // The memo.
  {
    opcode: 'GET',
    n: 4000,
    make: (n) =>
      appendEach(
        n,
        (w) => w.op('g0\n'),
        0,
        (w) => w.op('S"x"\np0\n0'),
      ),
  },
  {
    opcode: 'BINGET',
    n: 8000,
    make: (n) =>
      appendEach(
        n,
        (w) => w.byte(0x68, 0),
        2,
        (w) => w.str('x').byte(0x71, 0).op('0'),
      ),
  },
  {
    opcode: 'LONG_BINGET',
    n: 8000,
    make: (n) =>
      appendEach(
        n,
        (w) => w.op('j').u32(0),
        2,
        (w) => w.str('x').op('r').u32(0).op('0'),
      ),
  },
  { opcode: 'PUT', n: 4000, make: (n) => appendEach(n, (w, i) => w.op(`I${i}\np${i}\n`), 0) },
  {
    opcode: 'BINPUT',
    n: 8000,
    make: (n) => appendEach(n, (w, i) => w.int(i).byte(0x71, i & 0xff)),
    noDisassembly: 'pickletools refuses a memo key defined twice, and BINPUT has 256 keys',
  },
  { opcode: 'LONG_BINPUT', n: 8000, make: (n) => appendEach(n, (w, i) => w.int(i).op('r').u32(i)) },
  { opcode: 'MEMOIZE', n: 8000, make: (n) => appendEach(n, (w, i) => w.int(i).byte(0x94)) },
  // Extensions and globals.
  {
    opcode: 'EXT1',
    n: 4000,
    make: (n) => appendEach(n, (w) => w.byte(0x82, 7), 2),
    options: () => ({ extensions: EXTENSIONS }),
  },
  {
    opcode: 'EXT2',
    n: 4000,
    make: (n) => appendEach(n, (w) => w.byte(0x83).u16(0x1234), 2),
    options: () => ({ extensions: EXTENSIONS }),
  },
  {
    opcode: 'EXT4',
    n: 4000,
    make: (n) => appendEach(n, (w) => w.byte(0x84).u32(0x12345678), 2),
    options: () => ({ extensions: EXTENSIONS }),
  },
  { opcode: 'GLOBAL', n: 4000, make: (n) => appendEach(n, (w, i) => w.op(`cmod${i % 50}\nName${i}\n`), 2) },
  {
    opcode: 'STACK_GLOBAL',
    n: 4000,
    make: (n) =>
      appendEach(n, (w, i) =>
        w
          .str(`mod${i % 50}`)
          .str(`Name${i}`)
          .byte(0x93),
      ),
  },
  // Building objects.
  {
    opcode: 'REDUCE',
    label: 'inert global',
    n: 4000,
    make: (n) =>
      appendEach(n, (w, i) => w.byte(0x68, 0).int(i).byte(0x85).op('R'), 2, memoGlobal('mod', 'Inert')),
  },
  {
    opcode: 'REDUCE',
    label: 'builtins.set',
    n: 4000,
    make: (n) =>
      appendEach(
        n,
        (w, i) => w.byte(0x68, 0).op(']').int(i).op('a').byte(0x85).op('R'),
        2,
        memoGlobal('builtins', 'set'),
      ),
  },
  {
    opcode: 'REDUCE',
    label: 'one builtins.set of n items',
    n: 4000,
    make: (n) =>
      one(
        n,
        (w, k) =>
          w
            .op('cbuiltins\nset\n(')
            .raw(listOf(k, (x, i) => x.int(i)).subarray(2, -1))
            .op('tR'),
        2,
      ),
  },
  {
    opcode: 'BUILD',
    label: 'inert global',
    n: 4000,
    make: (n) =>
      appendEach(
        n,
        (w, i) => w.byte(0x68, 0).op(')').byte(0x81).op('}').str('a').int(i).op('sb'),
        2,
        memoGlobal('mod', 'Inert'),
      ),
  },
  {
    opcode: 'BUILD',
    label: 'one object of n attributes',
    n: DICT_N,
    make: (n) =>
      one(
        n,
        (w, k) => {
          w.op('cmod\nInert\n)').byte(0x81).op('}(');
          for (let i = 0; i < k; i++) w.str(`a${i}`).int(i);
          w.op('ub');
        },
        2,
      ),
  },
  {
    opcode: 'INST',
    label: 'inert global',
    n: 4000,
    make: (n) => appendEach(n, (w, i) => w.op('(').int(i).op('imod\nInert\n'), 2),
  },
  {
    opcode: 'INST',
    label: 'builtins.set',
    n: 4000,
    make: (n) => appendEach(n, (w) => w.op('(ibuiltins\nset\n'), 2),
  },
  {
    opcode: 'OBJ',
    label: 'inert global',
    n: 4000,
    make: (n) =>
      appendEach(n, (w, i) => w.op('(').byte(0x68, 0).int(i).op('o'), 2, memoGlobal('mod', 'Inert')),
  },
  {
    opcode: 'OBJ',
    label: 'collections.OrderedDict',
    n: 4000,
    make: (n) =>
      appendEach(n, (w) => w.op('(').byte(0x68, 0).op('o'), 2, memoGlobal('collections', 'OrderedDict')),
  },
  {
    opcode: 'NEWOBJ',
    label: 'inert global',
    n: 4000,
    make: (n) =>
      appendEach(n, (w, i) => w.byte(0x68, 0).int(i).byte(0x85, 0x81), 2, memoGlobal('mod', 'Inert')),
  },
  {
    opcode: 'NEWOBJ',
    label: 'collections.OrderedDict',
    n: 4000,
    make: (n) =>
      appendEach(n, (w) => w.byte(0x68, 0).op(')').byte(0x81), 2, memoGlobal('collections', 'OrderedDict')),
  },
  {
    opcode: 'NEWOBJ_EX',
    label: 'inert global',
    n: 4000,
    make: (n) =>
      appendEach(
        n,
        (w, i) => w.byte(0x68, 0).int(i).byte(0x85).op('}').byte(0x92),
        4,
        memoGlobal('mod', 'Inert'),
      ),
  },
  {
    opcode: 'NEWOBJ_EX',
    label: 'collections.OrderedDict',
    n: 4000,
    make: (n) =>
      appendEach(n, (w) => w.byte(0x68, 0).op(')}').byte(0x92), 4, memoGlobal('collections', 'OrderedDict')),
  },
  // Framing, protocol and persistent ids.
  { opcode: 'PROTO', n: 8000, make: (n) => listOf(n, (w) => w.op('N')) },
  { opcode: 'STOP', n: 8000, make: (n) => listOf(n, (w) => w.op('N')) },
  {
    opcode: 'FRAME',
    n: 4000,
    make: (n) => {
      // A list of n ints in frames of about 60 bytes, each ending at an opcode boundary.
      const w = new W().proto(4);
      let frame = new W().op(']');
      const flush = (last: boolean) => {
        const body = frame.bytes();
        w.byte(0x95).u64(body.length).raw(body);
        frame = new W();
        if (last) w.op('.');
      };
      for (let i = 0; i < n; i++) {
        frame.int(i).op('a');
        if (i % 10 === 9) flush(false);
      }
      flush(true);
      return w.bytes();
    },
  },
  {
    opcode: 'PERSID',
    n: 4000,
    make: (n) => appendEach(n, (w, i) => w.op(`Pid${i}\n`), 0),
    options: () => ({ persistentLoad: (pid) => pid }),
  },
  {
    opcode: 'BINPERSID',
    n: 4000,
    make: (n) => appendEach(n, (w, i) => w.int(i).op('Q'), 2),
    options: () => ({ persistentLoad: (pid) => pid }),
  },
];

const caseName = (c: Case) => (c.label ? `${c.opcode} (${c.label})` : c.opcode);

describe('every opcode: loads, disassemble and scan scale linearly', () => {
  for (const c of CASES) {
    it(caseName(c), () => {
      const options = c.options;
      // The pickle must load: a case that only measures an error path proves little.
      loads(c.make(16), options?.(16));
      // The disassembler writes a line per opcode, far more work than a load: it gets a smaller n.
      const n = Math.max(16, c.n / 4);
      assertScales(
        `loads ${caseName(c)}`,
        n,
        (k) => ({ data: c.make(k), opts: options?.(k) }),
        ({ data, opts }) => loads(data, opts),
      );
      if (c.noDisassembly === undefined) {
        assertScales(`disassemble ${caseName(c)}`, Math.max(16, c.n / 16), c.make, (data) =>
          disassemble(data),
        );
      }
      assertScales(`scan ${caseName(c)}`, n, c.make, (data) => scan(data));
    });
  }

  it('every opcode in OPCODES has a case', () => {
    const covered = new Set(CASES.map((c) => c.opcode));
    const missing = OPCODES.filter((op) => !covered.has(op.name)).map((op) => op.name);
    assert.deepEqual(missing, []);
    const unknown = [...covered].filter((name) => !OPCODES.some((op) => op.name === name));
    assert.deepEqual(unknown, []);
    assert.equal(OPCODES.length, 68);
  });
});

/** n items of several kinds: ints, strings, tuples, dicts, floats, bytes. */
function nested(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => {
    switch (i % 5) {
      case 0:
        return i;
      case 1:
        return `s\u00e9${i}`;
      case 2:
        return [i, [i, 'x'], { a: i }];
      case 3:
        return new Map<unknown, unknown>([[i, i / 3]]);
      default:
        return new Uint8Array([i & 0xff, 0x27, 0x80]);
    }
  });
}

const list = (n: number) => Array.from({ length: n }, (_, i) => i * 7919);
const mapOf = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i * 31, `v${i}`] as const));
const objectOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, i]));
const deep = (n: number) => {
  // n levels of lists, in chains of 50, so the depth stays within the renderers' limits.
  const out: unknown[] = [];
  for (let i = 0; i < n / 50; i++) {
    let v: unknown = i;
    for (let j = 0; j < 50; j++) v = [v];
    out.push(v);
  }
  return out;
};

const VALUES: readonly (readonly [string, number, (n: number) => unknown])[] = [
  ['list of ints', 1000, list],
  ['dict with int keys', 500, mapOf],
  ['dict with string keys', 500, objectOf],
  ['nested structure', 250, nested],
  ['nested lists', 500, deep],
  ['string', 5000, (n) => mixedText(n)],
  ['bytes', 5000, (n) => Uint8Array.from({ length: n }, (_, i) => i & 0xff)],
];

describe('rendering functions scale linearly', () => {
  for (const [what, n, make] of VALUES) {
    it(`repr of a ${what}`, () => assertScales(`repr ${what}`, n, make, (v) => repr(v)));
    it(`pformat of a ${what}`, () => assertScales(`pformat ${what}`, n, make, (v) => pformat(v)));
    it(`toJSON of a ${what}`, () => assertScales(`toJSON ${what}`, n, make, (v) => toJSON(v)));
  }
  const DUMPED: readonly (readonly [string, number, (n: number) => unknown])[] = [
    ...VALUES,
    ['bigint of n hex digits', 1000, (n) => BigInt(`0x${'9f'.repeat(n / 2)}`)],
    ['list of bigints', 500, (n) => Array.from({ length: n }, (_, i) => 2n ** 70n * BigInt(i))],
  ];
  for (const [what, n, make] of DUMPED) {
    for (const protocol of [0, 5]) {
      // At protocol 0 an int is decimal text of at most 4300 digits, as in Python: 4n hex digits is past it.
      if (protocol === 0 && what === 'bigint of n hex digits') continue;
      it(`dumps of a ${what}, protocol ${protocol}`, () =>
        assertScales(`dumps ${what} protocol ${protocol}`, n, make, (v) => dumps(v, { protocol })));
    }
  }
});
