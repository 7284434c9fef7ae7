/**
 * The fast paths of large loads against a hostile author, proved against
 * CPython and against the same loads with the fast paths off:
 *
 * - protocol 0-2 bytes (`_codecs.encode(<text>, 'latin1')` spelled out, see
 *   Unpickler#codecsLatin1): variants of real python3 pickles made by
 *   fast-check, with memo reads of every form spliced in (BINGET, LONG_BINGET,
 *   GET, of the text's, the tuple's or any id, visible or popped), memo slots
 *   overwritten, ids made huge, the encoding and the global respelled, the
 *   text made non-Latin-1 / invalid UTF-8 / a lone surrogate, frames cutting
 *   the sequence, truncations, two pickles in one buffer;
 * - the count of list items ahead (Unpickler#countRun): lists of ints of
 *   every encoding and LONG1 of lengths 0 to 255, cut at every offset of a
 *   window.
 *
 * Each variant is loaded by brine, by brine with the fast path off (a
 * registry whose `_codecs.encode` is another object that calls the same
 * reconstructor, and `keepMemo`), and by python3 (`pickle.loads`, resolving only `_codecs`
 * and `codecs`): values compare as test/support/describe.ts descriptions,
 * errors by class and message (brine) or in kind (python3).
 *
 * BRINE_SEED=<n> replays a run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type LoadOptions, loads, Registry, Unpickler } from '../src/index.js';
import { leadBytes, transcodeLatin1 } from '../src/latin1-transcode.js';
import { codecsEncode } from '../src/reconstructors/codecs.js';
import { seed } from './support/budget.js';
import { compareDescriptions, describe } from './support/describe.js';
import { describeRatio, LINEAR, scaling } from './support/linear.js';
import { bytes as cat, fromHex, runPythonScript, toHex } from './support/python.js';

const SEED = seed(0xb17e5);
const SCRIPT = 'test/support/hostile-bytes.py';

interface Base {
  readonly name: string;
  readonly data: Uint8Array;
  /** [position, opcode byte, memo id or null] per opcode. */
  readonly ops: readonly (readonly [number, number, number | null])[];
}

type Py = { ok: unknown } | { error: string } | { forbidden: true };

/** python3's answers to one request, each `{ same: i }` replaced by the answer at index i (the first with that description). */
function answersOf(text: string): Py[] {
  const answers = JSON.parse(text) as (Py | { same: number })[];
  return answers.map((a) => ('same' in a ? (answers[a.same] as Py) : a));
}

const corpus: Base[] = (
  JSON.parse(runPythonScript(SCRIPT, [], JSON.stringify({ corpus: SEED & 0xffff }))) as {
    name: string;
    hex: string;
    ops: [number, number, number | null][];
  }[]
).map(({ name, hex, ops }) => ({ name, data: fromHex(hex), ops }));

function judge(pickles: readonly Uint8Array[]): Py[] {
  return answersOf(runPythonScript(SCRIPT, [], JSON.stringify({ judge: pickles.map(toHex) })));
}

/** judge() for prefixes of a few pickles (views from their first byte): each pickle goes to python3 once. */
function judgePrefixes(prefixes: readonly Uint8Array[]): Py[] {
  const groups = new Map<ArrayBufferLike, Map<number, { length: number; items: number[] }>>();
  prefixes.forEach((p, i) => {
    const byOffset = groups.get(p.buffer) ?? new Map<number, { length: number; items: number[] }>();
    groups.set(p.buffer, byOffset);
    const group = byOffset.get(p.byteOffset) ?? { length: 0, items: [] };
    byOffset.set(p.byteOffset, group);
    group.length = Math.max(group.length, p.length);
    group.items.push(i);
  });
  const cuts: { hex: string; at: number[] }[] = [];
  const order: number[] = [];
  for (const [buffer, byOffset] of groups) {
    for (const [offset, { length, items }] of byOffset) {
      cuts.push({
        hex: toHex(new Uint8Array(buffer, offset, length)),
        at: items.map((i) => prefixes[i]!.length),
      });
      order.push(...items);
    }
  }
  const answers = answersOf(runPythonScript(SCRIPT, [], JSON.stringify({ cuts })));
  const out: Py[] = new Array(prefixes.length);
  order.forEach((i, k) => {
    out[i] = answers[k]!;
  });
  return out;
}

/** The fast path off: `_codecs.encode` resolves to another object that calls the same reconstructor. */
const slowRegistry = new Registry();
slowRegistry.register('_codecs', 'encode', { call: (args, context) => codecsEncode.call!(args, context) });

/** A value's description, or the error's class and message; anything but a PickleError fails the test. */
function outcome(load: () => unknown): { desc: unknown } | { error: string } {
  let value: unknown;
  try {
    value = load();
  } catch (error) {
    // The message only on failure: a stack formatted for each of thousands of expected errors costs more than the loads.
    if (!(error instanceof Error && (error.name === 'UnpicklingError' || error.name === 'PickleError')))
      assert.fail(`not a PickleError: ${error instanceof Error ? error.stack : String(error)}`);
    return { error: `${error.name}: ${error.message}` };
  }
  return { desc: describe(value) };
}

function all(data: Uint8Array, options: LoadOptions = {}): unknown[] {
  return [...new Unpickler(data, options)];
}

const enc = new TextEncoder();
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const u64 = (n: number) => [...u32(n), 0, 0, 0, 0];

const bytesCorpus = corpus.filter((c) => !c.name.startsWith('ints') && !c.name.startsWith('bigints'));

/** How a variant is made from a base pickle. */
interface Edits {
  readonly base: number;
  /** Opcodes spliced in before opcode `at` (mod the opcode count, never before PROTO). */
  readonly inserts: readonly { at: number; kind: string; id: number; pop: boolean }[];
  readonly encoding: string | null;
  readonly global: string | null;
  readonly longIds: boolean;
  readonly text: { at: number; bytes: readonly number[] } | null;
  readonly frames: readonly number[] | null;
  readonly cut: number | null;
}

const ENCODINGS = [
  'latin-1',
  'LATIN1',
  'iso8859-1',
  'Latin1',
  'latin_1',
  'L1',
  'ascii',
  'utf-8',
  'latin1 ',
  'latin2',
];
const GLOBALS = [
  'codecs\nencode\n',
  '_codecs\nencodE\n',
  '_codecs\ndecode\n',
  '_codecs\nencode \n',
  '_codecs \nencode\n',
  '_codecs\nencode\r\n',
  'builtins\nbytes\n',
  'stack-global',
];
const TEXT_EDITS = [
  [0xc4, 0x80],
  [0xed, 0xa0, 0x80],
  [0xff],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82, 0xac],
  [0xc3],
  [0x00],
];

/** `null` three times in four. */
const rare = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arb, weight: 1 });

const edits: fc.Arbitrary<Edits> = fc.record({
  base: fc.nat(bytesCorpus.length - 1),
  inserts: fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('binget', 'long_binget', 'get', 'put-none', 'memoize-none', 'binget-text'),
      id: fc.oneof(fc.nat(8), fc.nat(300), fc.constant(0xffffffff), fc.constant(0x7fffffff)),
      pop: fc.oneof(
        { arbitrary: fc.constant(true), weight: 3 },
        { arbitrary: fc.constant(false), weight: 1 },
      ),
    }),
    { maxLength: 2 },
  ),
  encoding: rare(fc.constantFrom(...ENCODINGS)),
  global: rare(fc.constantFrom(...GLOBALS)),
  longIds: fc.boolean(),
  text: rare(fc.record({ at: fc.nat(), bytes: fc.constantFrom(...TEXT_EDITS) })),
  frames: rare(fc.array(fc.nat(), { minLength: 1, maxLength: 4 })),
  cut: rare(fc.nat()),
});

const memoId = (id: number, long: boolean): number => (long ? id * 7919 + 70_000 : id);

function binget(id: number, long: boolean): number[] {
  return long || id > 0xff ? [0x6a, ...u32(id)] : [0x68, id];
}

function binput(id: number, long: boolean): number[] {
  return long || id > 0xff ? [0x72, ...u32(id)] : [0x71, id];
}

/** The variant of a base pickle that `e` describes. */
function variant(e: Edits): Uint8Array {
  const base = bytesCorpus[e.base]!;
  const { data, ops } = base;
  const segs: Uint8Array[] = ops.map(([pos], i) =>
    data.subarray(pos, i + 1 < ops.length ? ops[i + 1]![0] : data.length),
  );
  let textDone = false;
  const textIds = ops.filter(([, op]) => op === 0x71 || op === 0x72).map(([, , id]) => id!);
  for (let i = 0; i < ops.length; i++) {
    const [, op, id] = ops[i]!;
    const seg = segs[i]!;
    if ((op === 0x71 || op === 0x72) && e.longIds) segs[i] = Uint8Array.from(binput(memoId(id!, true), true));
    else if ((op === 0x68 || op === 0x6a) && e.longIds)
      segs[i] = Uint8Array.from(binget(memoId(id!, true), true));
    else if (
      e.encoding !== null &&
      op === 0x58 &&
      seg.length === 11 &&
      new TextDecoder().decode(seg.subarray(5)) === 'latin1'
    ) {
      const name = enc.encode(e.encoding);
      segs[i] = cat([0x58, ...u32(name.length)], name);
    } else if (e.global !== null && op === 0x63 && new TextDecoder().decode(seg) === 'c_codecs\nencode\n') {
      segs[i] =
        e.global === 'stack-global'
          ? cat([0x8c, 7], enc.encode('_codecs'), [0x8c, 6], enc.encode('encode'), [0x93])
          : cat([0x63], enc.encode(e.global));
    } else if (e.text !== null && !textDone && op === 0x58 && seg.length >= 4096) {
      textDone = true;
      const payload = Array.from(seg.subarray(5));
      payload.splice(e.text.at % payload.length, e.text.bytes.length, ...e.text.bytes);
      segs[i] = cat([0x58, ...u32(payload.length)], payload);
    }
  }
  // Splices, from the last position back so that earlier indices hold.
  const inserts = [...e.inserts].sort((a, b) => (b.at % (ops.length - 1)) - (a.at % (ops.length - 1)));
  const extra = new Map<number, Uint8Array[]>();
  for (const ins of inserts) {
    const at = 1 + (ins.at % (ops.length - 1));
    const id =
      ins.kind === 'binget-text'
        ? memoId(textIds[ins.id % Math.max(1, textIds.length)] ?? 0, e.longIds)
        : ins.id;
    let bytes: number[];
    if (ins.kind === 'binget' || ins.kind === 'binget-text') bytes = binget(id, e.longIds);
    else if (ins.kind === 'long_binget') bytes = [0x6a, ...u32(id)];
    else if (ins.kind === 'get') bytes = [0x67, ...enc.encode(`${id}\n`)];
    else if (ins.kind === 'put-none') bytes = [0x4e, ...binput(id, e.longIds), 0x30];
    else bytes = [0x4e, 0x94, 0x30];
    if (ins.pop && ins.kind !== 'put-none' && ins.kind !== 'memoize-none') bytes.push(0x30);
    const list = extra.get(at) ?? [];
    list.push(Uint8Array.from(bytes));
    extra.set(at, list);
  }
  const body: Uint8Array[] = [];
  for (let i = 0; i < segs.length; i++) {
    for (const x of extra.get(i) ?? []) body.push(x);
    body.push(segs[i]!);
  }
  let out: Uint8Array;
  if (e.frames !== null) {
    // FRAMEs over the opcodes after PROTO, cut at opcode boundaries (the sequence may be cut anywhere).
    const rest = body.slice(1);
    const cuts = [...new Set(e.frames.map((f) => 1 + (f % rest.length)))].sort((a, b) => a - b);
    const parts: (Uint8Array | number[])[] = [body[0]!];
    let from = 0;
    for (const c of [...cuts, rest.length]) {
      if (c <= from) continue;
      const frame = cat(...rest.slice(from, c));
      parts.push([0x95, ...u64(frame.length)], frame);
      from = c;
    }
    out = cat(...parts);
  } else out = cat(...body);
  if (e.cut !== null) out = out.subarray(0, e.cut % out.length);
  return out;
}

function containsInert(desc: unknown): boolean {
  return JSON.stringify(desc).includes('"t":"object-inst"') || JSON.stringify(desc).includes('"t":"global"');
}

/** brine with the fast path on equals brine with it off; and python3 agrees. */
function check(data: Uint8Array, py: Py, stats: Record<string, number>, codecs = true): void {
  const fast = outcome(() => loads(data));
  if (codecs) {
    const slow = outcome(() => loads(data, { registry: slowRegistry }));
    assert.deepEqual(fast, slow, 'fast path != registry without it');
    assert.deepEqual(
      fast,
      outcome(() => loads(data, { keepMemo: true })),
      'fast path != keepMemo',
    );
  }
  if ('forbidden' in py) {
    stats.forbidden = (stats.forbidden ?? 0) + 1;
    return;
  }
  if ('error' in py && py.error === 'MemoryError') {
    // CPython's memo is an array as long as the largest id: a huge id is a MemoryError there, a sparse entry here.
    stats['python3 MemoryError (huge memo id)'] = (stats['python3 MemoryError (huge memo id)'] ?? 0) + 1;
    return;
  }
  if ('ok' in py) {
    assert.ok('desc' in fast, `python3 loads it, brine: ${'error' in fast ? fast.error : ''}`);
    if (containsInert(fast.desc)) {
      stats['inert where python3 calls'] = (stats['inert where python3 calls'] ?? 0) + 1;
      return;
    }
    const diff = compareDescriptions(fast.desc, py.ok);
    assert.equal(diff, undefined, diff);
    stats.ok = (stats.ok ?? 0) + 1;
    return;
  }
  if ('desc' in fast) {
    assert.ok(
      containsInert(fast.desc),
      `python3 raises ${py.error}, brine loads ${JSON.stringify(fast.desc).slice(0, 300)}`,
    );
    stats[`inert where python3 raises ${py.error}`] =
      (stats[`inert where python3 raises ${py.error}`] ?? 0) + 1;
    return;
  }
  stats[`both fail (${py.error})`] = (stats[`both fail (${py.error})`] ?? 0) + 1;
}

test('variants of python3 bytes pickles load as with the fast path off and as in python3', () => {
  const samples = fc.sample(edits, { seed: SEED, numRuns: 400 });
  const pickles = samples.map(variant);
  const answers = judge(pickles);
  const stats: Record<string, number> = {};
  for (let i = 0; i < pickles.length; i++) {
    try {
      check(pickles[i]!, answers[i]!, stats);
    } catch (error) {
      assert.fail(
        `variant ${i} (seed ${SEED}) ${JSON.stringify(samples[i])} of ${bytesCorpus[samples[i]!.base]!.name}: ${error instanceof Error ? error.message : error}\n${toHex(pickles[i]!.subarray(0, 64))}`,
      );
    }
  }
  console.log('bytes variants:', JSON.stringify(stats));
  assert.ok((stats.ok ?? 0) > 60, 'enough variants load');
});

test('every base pickle, cut at every offset of its opcodes around each text, fails or loads as in python3', () => {
  const pickles: Uint8Array[] = [];
  for (const { data, ops } of bytesCorpus) {
    for (let i = 0; i < ops.length; i++) {
      const [pos, op] = ops[i]!;
      const next = i + 1 < ops.length ? ops[i + 1]![0] : data.length;
      // Every offset inside the small opcodes; for a long text its first and last bytes.
      if (op === 0x58 && next - pos > 64) {
        for (let k = pos; k < pos + 8; k++) pickles.push(data.subarray(0, k));
        for (let k = next - 4; k < next; k++) pickles.push(data.subarray(0, k));
      } else for (let k = pos; k < next; k++) pickles.push(data.subarray(0, k));
    }
  }
  const answers = judgePrefixes(pickles);
  const stats: Record<string, number> = {};
  for (let i = 0; i < pickles.length; i++) check(pickles[i]!, answers[i]!, stats);
  console.log('truncations:', pickles.length, JSON.stringify(stats));
});

test('two pickles in one buffer: the scan stops at the first STOP and the second has a fresh memo', () => {
  const samples = fc.sample(fc.tuple(edits, edits), { seed: SEED + 1, numRuns: 60 });
  for (const [a, b] of samples) {
    const first = variant({ ...a, cut: null });
    const second = variant(b);
    const data = cat(first, second);
    const seq = (options: LoadOptions) => {
      try {
        return { desc: all(data, options).map(describe) };
      } catch (error) {
        return { error: String(error) };
      }
    };
    assert.deepEqual(seq({}), seq({ registry: slowRegistry }));
  }
  // A second pickle that reads the first one's text id: fresh memo, so an error, as python3's Unpickler.load twice.
  const [one] = bytesCorpus.filter((c) => c.name === 'one/p2');
  const reader = cat(one!.data, [0x80, 2, 0x68, 2, 0x2e]);
  const u = new Unpickler(reader);
  assert.ok(u.load() instanceof Uint8Array);
  assert.throws(() => u.load(), /Memo value not found at index 2/);
});

test('options: exact, persistentLoad, a registry of its own, strict', () => {
  const samples = fc.sample(edits, { seed: SEED + 2, numRuns: 80 });
  for (const e of samples) {
    const data = variant(e);
    for (const options of [
      { exact: true },
      { persistentLoad: () => null },
      { strict: true },
      { copyBytes: true },
    ] as LoadOptions[]) {
      assert.deepEqual(
        outcome(() => loads(data, options)),
        outcome(() => loads(data, { ...options, registry: slowRegistry })),
        JSON.stringify(options),
      );
    }
  }
});

/** A list of `ints` BININT1 items then LONG1 items of every length 0..255, in batches of 1000 as CPython writes. */
function long1List(rand: () => number): Uint8Array {
  const items: number[][] = [];
  for (let i = 0; i < 4200; i++) items.push([0x4b, i & 0xff]);
  for (let n = 0; n <= 255; n++) {
    const body = Array.from({ length: n }, () => Math.floor(rand() * 256));
    items.push([0x8a, n, ...body]);
  }
  const parts: number[] = [0x80, 2, 0x5d, 0x71, 0];
  for (let i = 0; i < items.length; i += 1000) {
    parts.push(0x28);
    for (const item of items.slice(i, i + 1000)) parts.push(...item);
    parts.push(0x65);
  }
  parts.push(0x2e);
  return Uint8Array.from(parts);
}

test('lists of ints of every encoding and LONG1 of every length, cut at every offset of a window', () => {
  let s = SEED;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const lists = [
    ...corpus.filter((c) => c.name.startsWith('ints') || c.name.startsWith('bigints')).map((c) => c.data),
    long1List(rand),
  ];
  const pickles: Uint8Array[] = [];
  for (const data of lists) {
    pickles.push(data);
    // Every offset of the last 500 bytes (past the 4096th item, so the list is sized from the count, and
    // every kind of item), then random offsets.
    for (let k = data.length - 500; k < data.length; k++) pickles.push(data.subarray(0, k));
    for (let j = 0; j < 20; j++) pickles.push(data.subarray(0, Math.floor(rand() * data.length)));
  }
  // LONG1 items of length 0..255: every offset of the last 300 items' region is too long; every offset inside a few.
  const long1 = lists[lists.length - 1]!;
  for (const n of [0, 1, 2, 127, 128, 255]) {
    let at = 5 + 1 + 4200 * 2 + 5; // after PROTO, EMPTY_LIST, BINPUT, MARK, the BININT1 items and 5 batch ends
    for (let m = 0; m < n; m++) at += 2 + m;
    for (let k = at; k <= at + 2 + n; k++) pickles.push(long1.subarray(0, k));
  }
  const answers = judgePrefixes(pickles);
  const stats: Record<string, number> = {};
  pickles.forEach((p, i) => {
    try {
      check(p, answers[i]!, stats, false);
    } catch (error) {
      assert.fail(`list cut at ${p.length}: ${error instanceof Error ? error.message : error}`);
    }
  });
  console.log('list cuts:', pickles.length, JSON.stringify(stats));
  assert.ok((stats.ok ?? 0) >= lists.length);
});

/**
 * `n` bytes objects of 4 KiB in a list, as protocol 2 writes them (the global
 * and 'latin1' read from the memo after the first), with `after` spliced in
 * after each REDUCE's store and `end` at the end.
 */
function manyBytes(n: number, after: (k: number) => number[], end: number[]): Uint8Array {
  const text = enc.encode('a\u00e9'.repeat(1366)); // 4098 bytes of UTF-8
  const parts: (Uint8Array | number[])[] = [[0x80, 2, 0x5d, 0x72, ...u32(0), 0x28]];
  let id = 1;
  for (let k = 0; k < n; k++) {
    const textId = id + 1;
    if (k === 0) parts.push(cat([0x63], enc.encode('_codecs\nencode\n')), [0x72, ...u32(1)]);
    else parts.push([0x6a, ...u32(1)]);
    parts.push([0x58, ...u32(text.length)], text, [0x72, ...u32(textId)]);
    if (k === 0) parts.push([0x8c, 6], enc.encode('latin1'), [0x72, ...u32(3)]);
    else parts.push([0x6a, ...u32(3)]);
    id = k === 0 ? 4 : id + 1;
    parts.push([0x86, 0x72, ...u32(id + 1), 0x52, 0x72, ...u32(id + 2)]);
    id += 2;
    parts.push(after(textId));
  }
  parts.push([0x65], end);
  return cat(...parts);
}

function tryLoad(data: Uint8Array): unknown {
  try {
    return loads(data);
  } catch (error) {
    return error;
  }
}

test('many bytes objects: the memo scan is linear (n vs 4n), with STOP, without it, with reads, one pickle each', () => {
  const cases: [string, (n: number) => Uint8Array, (data: Uint8Array) => unknown][] = [
    ['a list of bytes', (n) => manyBytes(n, () => [], [0x2e]), tryLoad],
    ['the same without STOP', (n) => manyBytes(n, () => [], []), tryLoad],
    [
      'a GET of the text after each',
      (n) => manyBytes(n, (t) => [0x67, ...enc.encode(`${t}\n`), 0x30], [0x2e]),
      tryLoad,
    ],
    [
      'a LONG_BINGET of the text after each',
      (n) => manyBytes(n, (t) => [0x6a, ...u32(t), 0x30], [0x2e]),
      tryLoad,
    ],
    [
      'one pickle per bytes object',
      (n) => {
        const one = manyBytes(1, () => [], [0x2e]);
        return cat(...Array.from({ length: n }, () => one));
      },
      (data) => all(data).length,
    ],
  ];
  // The values are right too: the text read back is the text.
  const read = loads(manyBytes(3, (t) => [0x6a, ...u32(t), 0x30], [0x2e])) as unknown[];
  assert.equal(read.length, 3);
  assert.ok(read.every((b) => b instanceof Uint8Array && b.length === 2732));
  const visible = loads(manyBytes(2, (t) => [0x6a, ...u32(t)], [0x2e])) as unknown[];
  assert.equal(visible[1], 'a\u00e9'.repeat(1366));
  assert.ok(visible[2] instanceof Uint8Array);
  for (const [what, make, run] of cases) {
    const { ratio, measured } = scaling(32, make, run);
    assert.ok(ratio < LINEAR, measured.map((r) => describeRatio(what, r)).join('\n'));
  }
});

test('the bytes own a buffer of their exact length; invalid text with a wrong count of lead bytes is refused', () => {
  const text = enc.encode('\u00ff\u0041\u00c3'.repeat(2000));
  for (let offset = 0; offset < 8; offset++) {
    const padded = new Uint8Array(text.length + 16);
    padded.set(text, offset);
    const out = transcodeLatin1(padded.subarray(offset), 0, text.length);
    assert.ok(out !== null);
    assert.equal(out.length, 6000);
    assert.equal(out.buffer.byteLength, 6000);
    assert.deepEqual(out.subarray(0, 3), Uint8Array.from([0xff, 0x41, 0xc3]));
    assert.equal(leadBytes(padded, offset, offset + text.length), 4000);
  }
  // More lead bytes than two-byte sequences, fewer, and a last byte over the count.
  for (const bad of [
    [0xc3, 0xc3, 0xc3, 0xc3],
    [0xc3, 0xc3, 0x41],
    [0x80, 0x80],
    [0xc3, 0xa9, 0xc3],
    [0xe0, 0x80, 0x80, 0x41],
  ]) {
    for (const pad of [0, 1, 4093]) {
      const bytes = cat(new Uint8Array(pad).fill(0x61), bad);
      assert.equal(transcodeLatin1(bytes, 0, bytes.length), null, `${pad} ${bad}`);
    }
  }
  const pickle = corpus.find((c) => c.name === 'shared/p2')!.data;
  for (const b of (loads(pickle) as unknown[]).slice(0, 3)) {
    assert.ok(b instanceof Uint8Array && b.buffer.byteLength === b.length);
  }
});

test('protocol 4 FRAMEs ending at every byte of the sequence after a text load as with the fast path off', () => {
  // brine refuses an opcode that crosses the end of its frame (as pickle's Python unpickler does;
  // the C unpickler does not look): compared with the old path only.
  let compared = 0;
  for (const { data, ops } of bytesCorpus.filter((c) => c.name.endsWith('/p2'))) {
    for (let i = 0; i < ops.length; i++) {
      const [pos, op] = ops[i]!;
      const next = i + 1 < ops.length ? ops[i + 1]![0] : data.length;
      if (op !== 0x58 || next - pos < 4096) continue;
      const to = ops[Math.min(ops.length - 1, i + 7)]![0];
      for (let cut = next - 3; cut <= to + 1; cut++) {
        const body = data.subarray(2);
        const c = cut - 2;
        const framed = cat(
          [0x80, 4, 0x95, ...u64(c)],
          body.subarray(0, c),
          [0x95, ...u64(body.length - c)],
          body.subarray(c),
        );
        const fast = outcome(() => loads(framed));
        assert.deepEqual(
          fast,
          outcome(() => loads(framed, { registry: slowRegistry })),
          `cut at ${cut}`,
        );
        compared++;
      }
    }
  }
  assert.ok(compared > 100, `${compared}`);
});

test('lengths claimed past the input are refused before any allocation, at the opcode', () => {
  const text = enc.encode('x'.repeat(5000));
  const head = cat([0x80, 2], [0x63], enc.encode('_codecs\nencode\n'), [0x71, 1]);
  const cases: [Uint8Array, RegExp][] = [
    [cat(head, [0x58, 0xf0, 0xff, 0xff, 0xff], text), /BINUNICODE/],
    [
      cat(head, [0x58, ...u32(5000)], text, [0x71, 2, 0x58, 0xff, 0xff, 0xff, 0xff], enc.encode('latin1')),
      /BINUNICODE/,
    ],
    [cat(head, [0x58, ...u32(5000)], text, [0x71, 2, 0x8c, 200], enc.encode('latin1')), /SHORT_BINUNICODE/],
    [cat(head, [0x58, ...u32(5000)], text, [0x72, 0xff, 0xff]), /LONG_BINPUT/],
  ];
  for (const [data, opcode] of cases) {
    assert.throws(
      () => loads(data),
      (error: Error) =>
        error.name === 'UnpicklingError' &&
        opcode.test(error.message) &&
        /offset|at \d+|position/.test(error.message),
    );
  }
});

test('a read of the text or tuple id at every opcode boundary after its store, in every form, made visible', () => {
  // At boundary b: <read of id> BINPUT 250 POP; before STOP: BINGET 250 TUPLE2, so the read's value is in the result.
  const pickles: Uint8Array[] = [];
  for (const { data, ops } of bytesCorpus) {
    if (data[1]! < 1 || data[0] !== 0x80) continue; // protocols 1-2 (protocol 0 writes no BINUNICODE)
    const seg = (i: number) => data.subarray(ops[i]![0], i + 1 < ops.length ? ops[i + 1]![0] : data.length);
    for (let j = 1; j < ops.length; j++) {
      const [, op, id] = ops[j]!;
      const before = ops[j - 1]![1];
      const isText = before === 0x58 && seg(j - 1).length >= 4096;
      if ((op !== 0x71 && op !== 0x72) || !(isText || before === 0x86)) continue;
      for (let b = j + 1; b < ops.length; b++) {
        for (const read of [binget(id!, false), [0x6a, ...u32(id!)], [0x67, ...enc.encode(`${id}\n`)]]) {
          if (read[0] === 0x68 && id! > 0xff) continue;
          const parts: (Uint8Array | number[])[] = [];
          for (let i = 0; i < ops.length; i++) {
            if (i === b) parts.push(read, [0x71, 250, 0x30]);
            if (i === ops.length - 1) parts.push([0x68, 250, 0x86]);
            parts.push(seg(i));
          }
          pickles.push(cat(...parts));
        }
      }
    }
  }
  const answers = judge(pickles);
  const stats: Record<string, number> = {};
  for (let i = 0; i < pickles.length; i++) check(pickles[i]!, answers[i]!, stats);
  console.log('visible reads:', pickles.length, JSON.stringify(stats));
  assert.ok((stats.ok ?? 0) > pickles.length / 2);
});
