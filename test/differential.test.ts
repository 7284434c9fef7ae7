/**
 * Differential fuzzing against CPython: the same pickles loaded by brine and
 * by `pickle.loads`, the values compared (as the descriptions of
 * test/support/describe.ts), and the failures compared in kind (both fail, or
 * neither does).
 *
 * Two sources of pickles:
 * - a grammar of opcodes: random but valid-by-construction opcode sequences
 *   over a model of the stack (scalars of every encoding, text numbers, lists,
 *   dicts, sets, frozensets, tuples, MARK closers, the memo, DUP and POP), with
 *   now and then an unhashable key or set item, which both must refuse;
 * - random values made by python3 (nesting, shared and recursive references,
 *   NaN and -0.0 keys, tuple keys, big ints), pickled at protocols 0 to 5.
 *
 * Each batch goes through one python3 process.
 *
 *   BRINE_SEED=<int>        seed (default fixed)
 *   BRINE_DIFF_RUNS=<int>   grammar pickles (default 500; BRINE_BUDGET=full, as in `npm run fuzz`: 20000);
 *                           random values are a fifth of it
 */
import assert from 'node:assert/strict';
import { it, describe as suite } from 'node:test';
import { isPickleError, loads } from '../src/index.js';
import { runs, seed } from './support/budget.js';
import { compareDescriptions, describe } from './support/describe.js';
import { fromHex, runPythonScript, toHex } from './support/python.js';

const SEED = seed(0x5eed);
// python3's str hashes are salted per process, and a set's order of iteration follows them: the
// ids CPython's description gives shared objects inside a set (and the values the seed makes)
// would change from run to run. One salt for every python3 this file starts keeps a seed's run
// the same run.
process.env.PYTHONHASHSEED ??= '0';
const RUNS = runs(500, 20_000, 'BRINE_DIFF_RUNS');
const BATCH = 500;

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'scalar' | 'list' | 'dict' | 'set' | 'tuple' | 'frozenset' | 'bytearray' | 'mark';
interface Slot {
  readonly kind: Kind;
  readonly hashable: boolean;
}

const enc = new TextEncoder();

/** One random pickle from the grammar. */
export function grammarPickle(random: () => number): Uint8Array {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const proto = pick([0, 1, 2, 3, 4, 5]);
  const out: number[] = [];
  const bytes = (...b: number[]) => out.push(...b);
  const text = (s: string) => out.push(...enc.encode(s));
  const u32 = (n: number) => bytes(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  if (proto >= 2) bytes(0x80, proto);
  const stack: Slot[] = [];
  const memo: Slot[] = [];
  const marks = () => stack.filter((s) => s.kind === 'mark').length;
  const aboveMark = () => {
    let n = 0;
    for (let i = stack.length - 1; i >= 0 && stack[i]!.kind !== 'mark'; i--) n++;
    return n;
  };
  const scalar: Slot = { kind: 'scalar', hashable: true };
  const pushScalar = () => {
    const binary = proto >= 1;
    const choice = int(binary ? 14 : 6);
    switch (choice) {
      case 0:
        text(
          `I${pick(['0', '1', '-7', '00', '01', '2147483648', '123456789012345678901234567890', '+5'])}\n`,
        );
        break;
      case 1:
        text(`L${pick(['0', '-1', '99999999999999999999'])}L\n`);
        break;
      case 2:
        text(`F${pick(['1.5', '-0.0', 'nan', 'inf', '-inf', '1e300', '.5', '2.', '1e-320', '3'])}\n`);
        break;
      case 3:
        text('N');
        break;
      case 4:
        text(`V${pick(['', 'abc', '\\u20ac', 'a b'])}\n`);
        break;
      case 5:
        text(`S'${pick(['', 'x', 'hello'])}'\n`);
        break;
      case 6:
        bytes(0x4b, int(256));
        break;
      case 7:
        bytes(0x4a);
        u32(pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff]));
        break;
      case 8:
        bytes(0x4d, int(256), int(256));
        break;
      case 9: {
        const n = pick([0, 1, 7, 8, 9, 20]);
        bytes(0x8a, n);
        for (let i = 0; i < n; i++) bytes(int(256));
        if (proto < 2) return pushScalar();
        break;
      }
      case 10: {
        bytes(0x47);
        const view = new DataView(new ArrayBuffer(8));
        view.setFloat64(0, pick([Number.NaN, -0, 0, 1.5, -1e300, Number.POSITIVE_INFINITY, 5e-324]));
        for (let i = 0; i < 8; i++) bytes(view.getUint8(i));
        break;
      }
      case 11: {
        const s = enc.encode(pick(['', 'a', 'key', '__proto__', '10', '\u00e9\u20ac']));
        bytes(0x58);
        u32(s.length);
        bytes(...s);
        break;
      }
      case 12:
        if (proto < 2) return pushScalar();
        bytes(pick([0x88, 0x89]));
        break;
      default:
        if (proto < 3) return pushScalar();
        bytes(0x43, 2, int(256), int(256));
        break;
    }
    stack.push(scalar);
  };
  const steps = 3 + int(40);
  for (let step = 0; step < steps; step++) {
    const top = stack[stack.length - 1];
    const r = int(20);
    if (r < 5) pushScalar();
    else if (r === 5) {
      bytes(0x5d);
      stack.push({ kind: 'list', hashable: false });
    } else if (r === 6) {
      bytes(0x7d);
      stack.push({ kind: 'dict', hashable: false });
    } else if (r === 7 && proto >= 4) {
      bytes(0x8f);
      stack.push({ kind: 'set', hashable: false });
    } else if (r === 8 && marks() < 6) {
      bytes(0x28);
      stack.push({ kind: 'mark', hashable: false });
    } else if (r === 9 && aboveMark() >= 2 && stack[stack.length - 2]!.kind === 'list') {
      bytes(0x61);
      stack.pop();
    } else if (r === 10 && aboveMark() >= 3 && stack[stack.length - 3]!.kind === 'dict') {
      // SETITEM: an unhashable key now and then (both sides must refuse it).
      if (!stack[stack.length - 2]!.hashable && random() < 0.7) continue;
      bytes(0x73);
      stack.pop();
      stack.pop();
    } else if (r === 11 && aboveMark() >= 1 && proto >= 2) {
      const n = 1 + int(Math.min(3, aboveMark()));
      const items = stack.splice(stack.length - n, n);
      bytes(0x84 + n);
      stack.push({ kind: 'tuple', hashable: items.every((s) => s.hashable) });
    } else if (r === 12 && top !== undefined && top.kind !== 'mark') {
      const id = memo.length;
      if (proto >= 4 && random() < 0.5) bytes(0x94);
      else if (proto >= 1) bytes(0x71, id);
      else text(`p${id}\n`);
      memo.push(top);
      if (id > 250) break;
    } else if (r === 13 && memo.length > 0) {
      const id = int(memo.length);
      if (proto >= 1) bytes(0x68, id);
      else text(`g${id}\n`);
      stack.push(memo[id]!);
    } else if (r === 14 && marks() > 0) {
      // Close the innermost MARK.
      let m = stack.length - 1;
      while (stack[m]!.kind !== 'mark') m--;
      const items = stack.slice(m + 1);
      const below = stack[m - 1];
      const even = items.length % 2 === 0;
      const keysHashable = items.every((s, i) => i % 2 === 1 || s.hashable);
      const allHashable = items.every((s) => s.hashable);
      const options: [number, Slot | null][] = [
        [0x6c, { kind: 'list', hashable: false }],
        [0x74, { kind: 'tuple', hashable: allHashable }],
      ];
      if (even && (keysHashable || random() < 0.1)) options.push([0x64, { kind: 'dict', hashable: false }]);
      if (proto >= 4 && (allHashable || random() < 0.1))
        options.push([0x91, { kind: 'frozenset', hashable: true }]);
      if (below?.kind === 'list' && items.length > 0) options.push([0x65, null]);
      if (below?.kind === 'dict' && even && items.length > 0 && (keysHashable || random() < 0.1))
        options.push([0x75, null]);
      if (proto >= 4 && below?.kind === 'set' && items.length > 0 && (allHashable || random() < 0.1))
        options.push([0x90, null]);
      const [op, made] = pick(options);
      bytes(op);
      stack.length = m;
      if (made !== null) stack.push(made);
    } else if (r === 15 && top !== undefined && top.kind !== 'mark' && aboveMark() >= 2) {
      bytes(0x30);
      stack.pop();
    } else if (r === 16 && top !== undefined && top.kind !== 'mark') {
      bytes(0x32);
      stack.push(top);
    } else pushScalar();
  }
  // Close every MARK into a list, then STOP on whatever is on top.
  while (marks() > 0) {
    let m = stack.length - 1;
    while (stack[m]!.kind !== 'mark') m--;
    bytes(0x6c);
    stack.length = m;
    stack.push({ kind: 'list', hashable: false });
  }
  if (stack.length === 0) pushScalar();
  bytes(0x2e);
  return Uint8Array.from(out);
}

interface PyAnswer {
  readonly ok?: unknown;
  readonly error?: string;
}

/** Sets compare as sets: their items are sorted by their description on both sides. */
function normalise(desc: unknown): unknown {
  if (Array.isArray(desc)) return desc.map(normalise);
  if (typeof desc !== 'object' || desc === null) return desc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(desc)) out[k] = normalise(v);
  if ((out.t === 'set' || out.t === 'frozenset') && Array.isArray(out.items)) {
    out.items = [...out.items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return out;
}

/** brine's answer for one pickle, in the same terms. */
function brine(data: Uint8Array): PyAnswer {
  try {
    return { ok: describe(loads(data)) };
  } catch (error) {
    if (!isPickleError(error)) throw new Error(`${toHex(data)}: threw ${String(error)}`);
    return { error: (error as Error).message };
  }
}

/** Compares brine with CPython on `pickles`; returns the disagreements. */
export function differ(pickles: readonly Uint8Array[]): string[] {
  const answers = JSON.parse(
    runPythonScript('test/support/differential.py', [], JSON.stringify({ pickles: pickles.map(toHex) })),
  ) as PyAnswer[];
  const problems: string[] = [];
  pickles.forEach((data, i) => {
    const py = answers[i]!;
    const ours = brine(data);
    if (py.error !== undefined || ours.error !== undefined) {
      if ((py.error === undefined) !== (ours.error === undefined)) {
        problems.push(
          `${toHex(data)}: python ${py.error === undefined ? 'loads it' : `raises ${py.error}`}, brine ${ours.error === undefined ? 'loads it' : `raises: ${ours.error}`}`,
        );
      }
      return;
    }
    const diff = compareDescriptions(normalise(ours.ok), normalise(py.ok));
    if (diff !== undefined) problems.push(`${toHex(data)}: ${diff}`);
  });
  return problems;
}

suite(`differential fuzzing against python3 (BRINE_SEED=${SEED})`, () => {
  it(`${RUNS} grammar pickles load alike or fail alike`, () => {
    const random = rng(SEED);
    const problems: string[] = [];
    for (let done = 0; done < RUNS; done += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, RUNS - done) }, () => grammarPickle(random));
      problems.push(...differ(batch));
    }
    assert.deepEqual(problems.slice(0, 5), [], `${problems.length} disagreements`);
  });

  it(`${Math.ceil(RUNS / 5)} random Python values load as Python reads them, at every protocol`, () => {
    const count = Math.ceil(RUNS / 5);
    const values = JSON.parse(
      runPythonScript('test/support/differential.py', [], JSON.stringify({ values: { seed: SEED, count } })),
    ) as { pickles: string[]; desc: unknown }[];
    const problems: string[] = [];
    for (const { pickles, desc } of values) {
      pickles.forEach((hex, protocol) => {
        const ours = brine(fromHex(hex));
        if (ours.error !== undefined)
          problems.push(`protocol ${protocol} ${hex}: brine raises ${ours.error}`);
        else {
          const diff = compareDescriptions(normalise(ours.ok), normalise(desc));
          if (diff !== undefined) problems.push(`protocol ${protocol} ${hex}: ${diff}`);
        }
      });
    }
    assert.deepEqual(problems.slice(0, 5), [], `${problems.length} disagreements`);
  });
});
