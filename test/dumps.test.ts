/**
 * `dumps` against CPython on the vector corpus (scripts/gen-vectors.py), and
 * the values `dumps` refuses.
 *
 * Every vector is loaded with `exact: true` and dumped again at its protocol,
 * with its load options mirrored on the dump side (persistentLoad by
 * persistentId, out-of-band buffers by a bufferCallback, fixImports). Then:
 *
 * - byte identity: the dump must be the original pickle, or differ for a reason
 *   that scripts/py-roundtrip.py recognises in the opcodes or that
 *   test/support/dumps-known.ts lists (docs/byte-identity.md explains each);
 * - python3 loads brine's dump to a value equal to the one it loads from the
 *   original (type-exact, NaN- and -0.0-aware, same sharing, cycles included),
 *   and vectors_lib's model of both pickles is the same;
 * - brine loads its own dump to the value the vector expects.
 *
 * A sequence vector (several pickles in one buffer) is checked pickle by pickle.
 * All the pickles go to one python3 process. BRINE_DUMPS_REPORT=<file> writes
 * every difference (category, first differing opcode, disassemblies) as JSON.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type DumpOptions,
  dumps,
  isPickleError,
  type LoadOptions,
  loads,
  OPCODE_BY_CODE,
  PickleBuffer,
  Pickler,
  PicklingError,
  PyFloat,
  tuple,
} from '../src/index.js';
import { genopsLenient as genops } from '../src/tools/genops.js';
import { size } from './support/budget.js';
import { compareDescriptions, describe } from './support/describe.js';
import { DETECTED, KNOWN, knownCase, knownUnequal } from './support/dumps-known.js';
import { hex, type RoundtripItem, type RoundtripResult, roundtrip } from './support/dumps-python.js';
import { pythonCases, runPython } from './support/python.js';
import { fromHex, type JsonLoadOptions, loadVectors, toLoadOptions, type Vector } from './support/vectors.js';

// ---------------------------------------------------------------------------
// Mirroring a vector's load options on the dump side

interface Mirror {
  load: LoadOptions;
  dump: DumpOptions;
  /** The out-of-band buffers the last dump gave its callback. */
  collected: Uint8Array[];
  /** Load options for brine's own dump: its buffers, a fresh persistentLoad. */
  reload(): LoadOptions;
}

function echo(): { persistentLoad: (pid: unknown) => unknown; persistentId: (value: unknown) => unknown } {
  const echoed = new WeakSet<object>();
  return {
    persistentLoad: (pid) => {
      const value = { pid };
      echoed.add(value);
      return value;
    },
    persistentId: (value) =>
      typeof value === 'object' && value !== null && echoed.has(value)
        ? (value as { pid: unknown }).pid
        : undefined,
  };
}

function mirror(json: JsonLoadOptions, protocol: number): Mirror {
  const load: LoadOptions = { ...toLoadOptions(json), exact: true };
  const dump: DumpOptions = { protocol };
  const collected: Uint8Array[] = [];
  if (json.persistentLoad === 'echo') {
    const { persistentLoad, persistentId } = echo();
    load.persistentLoad = persistentLoad;
    dump.persistentId = persistentId;
  }
  if (json.buffers !== undefined) {
    dump.bufferCallback = (buffer: PickleBuffer) => {
      collected.push(buffer.data.slice());
      return false; // out-of-band, as the vector's buffer_callback did
    };
  }
  if (json.extensions !== undefined) dump.extensions = load.extensions!;
  if (json.fixImports === false) dump.fixImports = false;
  return {
    load,
    dump,
    collected,
    reload() {
      const options = toLoadOptions(json);
      if (json.buffers !== undefined) options.buffers = collected.map((b) => new PickleBuffer(b));
      if (json.persistentLoad === 'echo') options.persistentLoad = echo().persistentLoad;
      return options;
    },
  };
}

// ---------------------------------------------------------------------------
// One pickle of the corpus: a vector, or one pickle of a sequence vector

interface Job {
  /** The vector's name, with the pickle's number for a sequence. */
  name: string;
  protocol: number;
  vector: Vector;
  data: Uint8Array;
  out?: Uint8Array;
  dumpError?: unknown;
  brineBuffers?: string[];
  /** Bytes after the pickle's STOP, left out of the comparison. */
  trailing?: number;
  /**
   * What brine loads back from its own dump: kept for a pickle of a sequence (described with the
   * others of its vector), else compared at once with the vector's description (`reloadDifference`)
   * and dropped, so that the values of 1,700 pickles do not stay alive together.
   */
  reloaded?: unknown;
  reloadDifference?: string;
  reloadError?: unknown;
  result?: RoundtripResult;
}

const label = (job: Job) => `${job.name} (protocol ${job.protocol})`;

/**
 * The protocol a pickle was written with: PROTO's (a vector's number is the
 * highest protocol of its opcodes, which can be lower), else the vector's, else
 * the highest protocol of its opcodes.
 */
function protocolOf(data: Uint8Array, protocol: number | null): number {
  if (data[0] === 0x80) return data[1]!;
  if (protocol !== null) return protocol;
  let highest = 0;
  for (const { code } of genops(data)) highest = Math.max(highest, OPCODE_BY_CODE[code]!.proto);
  return highest;
}

/** The pickle without the bytes after its STOP (which `loads` ignores, and a dump cannot have). */
function untilStop(data: Uint8Array): Uint8Array {
  let end = data.length;
  for (const { pos } of genops(data)) end = pos + 1;
  return data.subarray(0, end);
}

function jobsOf(vector: Vector): Job[] {
  const data = fromHex(vector.pickle);
  if (vector.ends === undefined) {
    const pickle = untilStop(data);
    const job: Job = {
      name: vector.name,
      protocol: protocolOf(pickle, vector.protocol),
      vector,
      data: pickle,
    };
    if (pickle.length < data.length) job.trailing = data.length - pickle.length;
    return [job];
  }
  const jobs: Job[] = [];
  let start = 0;
  for (const [i, end] of vector.ends.entries()) {
    const part = data.subarray(start, end);
    jobs.push({ name: `${vector.name} [pickle ${i}]`, protocol: protocolOf(part, null), vector, data: part });
    start = end;
  }
  return jobs;
}

function dumpJob(job: Job): void {
  const m = mirror(job.vector.options, job.protocol);
  let value: unknown;
  try {
    value = loads(job.data, m.load);
  } catch (error) {
    job.dumpError = new Error(`brine does not load the vector: ${String(error)}`);
    return;
  }
  try {
    job.out = dumps(value, m.dump);
  } catch (error) {
    job.dumpError = error;
    return;
  }
  if (job.vector.options.buffers !== undefined) job.brineBuffers = m.collected.map(hex);
  try {
    job.reloaded = loads(job.out, m.reload());
  } catch (error) {
    job.reloadError = error;
    return;
  }
  if (job.vector.ends === undefined) {
    try {
      job.reloadDifference = compareDescriptions(describe(job.reloaded), job.vector.expect);
    } catch (error) {
      job.reloadDifference = `describing what brine loads threw ${String(error)}`;
    }
    job.reloaded = undefined;
  }
}

function item(job: Job): RoundtripItem {
  const options = job.vector.options;
  const out: RoundtripItem = {
    orig_hex: hex(job.data),
    brine_hex: hex(job.out!),
    protocol: job.protocol,
  };
  if (options.encoding !== undefined) out.encoding = options.encoding;
  if (options.fixImports !== undefined) out.fix_imports = options.fixImports;
  if (options.persistentLoad === 'echo') out.persistent = true;
  if (options.buffers !== undefined) out.buffers = options.buffers;
  if (job.brineBuffers !== undefined) out.brine_buffers = job.brineBuffers;
  if (options.extensions !== undefined) out.extensions = options.extensions;
  return out;
}

interface Run {
  jobs: Job[];
  vectors: number;
}

let run: Run | undefined;

function getRun(): Run {
  if (run !== undefined) return run;
  const vectors = loadVectors();
  const jobs = vectors.flatMap(jobsOf);
  for (const job of jobs) dumpJob(job);
  const dumped = jobs.filter((job) => job.out !== undefined);
  const results = roundtrip(dumped.map(item));
  for (const [i, job] of dumped.entries()) job.result = results[i]!;
  run = { jobs, vectors: vectors.length };
  return run;
}

// ---------------------------------------------------------------------------
// Categories

interface Verdict {
  category: string;
  reason: string;
  explained: boolean;
}

function verdict(job: Job): Verdict {
  const result = job.result!;
  if (result.error !== undefined) return { category: 'error', reason: result.error, explained: false };
  if (result.category !== null) {
    return { category: result.category, reason: DETECTED[result.category]!, explained: true };
  }
  const known = knownCase(job.name, result.first_diff);
  if (known !== undefined) return { category: known.category, reason: known.reason, explained: true };
  return { category: 'unexplained', reason: 'no category explains the difference', explained: false };
}

function failureList(title: string, lines: string[], max = 12): string {
  const shown = lines.slice(0, max).join('\n\n');
  const more = lines.length > max ? `\n\n... and ${lines.length - max} more` : '';
  return `${lines.length} ${title}:\n\n${shown}${more}`;
}

// ---------------------------------------------------------------------------
// Tests on the corpus

test('dumps() writes every vector, and brine loads its dump to the value the vector expects', () => {
  const { jobs } = getRun();
  const failures: string[] = [];
  const bySequence = new Map<Vector, Job[]>();
  for (const job of jobs) {
    if (job.dumpError !== undefined) {
      const error = job.dumpError;
      failures.push(`${label(job)}: dumps threw ${error instanceof Error ? error.stack : String(error)}`);
      continue;
    }
    if (job.reloadError !== undefined) {
      failures.push(`${label(job)}: loads(dumps(value)) threw ${String(job.reloadError)}`);
      continue;
    }
    if (job.vector.ends !== undefined) {
      bySequence.set(job.vector, [...(bySequence.get(job.vector) ?? []), job]);
      continue;
    }
    const difference = job.reloadDifference;
    if (difference !== undefined) failures.push(`${label(job)}: ${difference}`);
    const expected = job.vector.options.buffers;
    if (expected !== undefined && JSON.stringify(job.brineBuffers) !== JSON.stringify(expected)) {
      failures.push(`${label(job)}: out-of-band buffers ${job.brineBuffers}, expected ${expected}`);
    }
  }
  for (const [vector, parts] of bySequence) {
    if (parts.length !== vector.ends!.length) continue;
    const difference = compareDescriptions(describe(parts.map((job) => job.reloaded)), vector.expect);
    if (difference !== undefined) failures.push(`${vector.name}: ${difference}`);
  }
  if (failures.length > 0) assert.fail(failureList('vectors fail', failures));
});

test('byte identity with CPython on the vectors', (t) => {
  const { jobs, vectors } = getRun();
  const counts = new Map<string, number>();
  const failures: string[] = [];
  const report: unknown[] = [];
  let checked = 0;
  for (const job of jobs) {
    if (job.result === undefined) continue;
    checked++;
    const v = verdict(job);
    counts.set(v.category, (counts.get(v.category) ?? 0) + 1);
    if (v.category !== 'identical' || job.result.real !== 'equal' || job.result.model !== 'equal') {
      report.push({
        real: job.result.real,
        model: job.result.model,
        name: job.name,
        protocol: job.protocol,
        category: v.category,
        first_diff: job.result.first_diff,
        diff: job.result.diff,
      });
    }
    if (!v.explained) {
      failures.push(`${label(job)}: ${v.reason}\n${job.result.diff ?? job.result.error ?? ''}`);
    }
  }
  const identical = counts.get('identical') ?? 0;
  const sequences = jobs.filter((job) => job.vector.ends !== undefined);
  t.diagnostic(
    `${new Set(sequences.map((job) => job.vector)).size} sequence vectors checked as their ${sequences.length} pickles; ` +
      `${jobs.filter((job) => job.trailing !== undefined).length} vectors have bytes after STOP, left out`,
  );
  t.diagnostic(
    `${vectors} vectors, ${jobs.length} pickles, ${checked} dumped: ${identical} byte-identical, ${checked - identical} differ`,
  );
  for (const [category, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    if (category !== 'identical') t.diagnostic(`  ${n} ${category}`);
  }
  if (process.env.BRINE_DUMPS_REPORT) {
    writeFileSync(
      process.env.BRINE_DUMPS_REPORT,
      `${JSON.stringify({ counts: Object.fromEntries(counts), report }, null, 1)}\n`,
    );
  }
  if (failures.length > 0)
    assert.fail(failureList('pickles differ from CPython for no known reason', failures));
});

test('the known cases of test/support/dumps-known.ts all occur', () => {
  const { jobs } = getRun();
  const seen = new Set(jobs.filter((job) => job.result !== undefined).map((job) => verdict(job).category));
  for (const known of KNOWN) {
    assert.ok(
      seen.has(known.category),
      `${known.category} no longer occurs: remove it, and from docs/byte-identity.md`,
    );
  }
});

test('python3 loads every dump to the value it loads from the original', (t) => {
  const { jobs } = getRun();
  const failures: string[] = [];
  const counts = { equal: 0, unloadable: 0, picklepy: 0, known: 0 };
  for (const job of jobs) {
    const result = job.result;
    if (result === undefined) continue;
    if (result.error !== undefined) {
      failures.push(`${label(job)}: py-roundtrip.py failed: ${result.error}`);
      continue;
    }
    if (result.real !== 'equal' && knownUnequal(job.name, result.real, result.model) !== undefined) {
      counts.known++;
      continue;
    }
    if (result.model !== 'equal') failures.push(`${label(job)}: model: ${result.model}`);
    if (result.real === 'equal') {
      counts.equal++;
    } else if (result.real?.startsWith('orig-unloadable') === true) {
      counts.unloadable++; // python3 cannot load the original either (fixImports off, hand-made): the model decides
    } else if (result.real?.startsWith('pickle.py-equal') === true) {
      counts.picklepy++;
    } else {
      failures.push(`${label(job)}: python3: ${result.real}`);
    }
  }
  t.diagnostic(
    `${counts.equal} equal; ${counts.picklepy} equal as pickle.py reads them (CPython's C loader reads the ` +
      `original otherwise); ${counts.unloadable} originals python3 cannot load (model only); ` +
      `${counts.known} known limits (test/support/dumps-known.ts)`,
  );
  if (failures.length > 0) assert.fail(failureList('dumps load to another value in python3', failures));
});

test('the categories of scripts/py-roundtrip.py recognise what they must', () => {
  // Equal strings that are distinct objects in Python (json.loads makes a new str for every value).
  const pickles = pythonCases(`
import json, pickle
value = json.loads('[{"status": "active", "n": 1}, {"status": "active", "n": 2}, "active"]')
assert value[0]["status"] is not value[1]["status"]
cases = [(str(p), pickle.dumps(value, p)) for p in range(6)]
`);
  const items: RoundtripItem[] = [...pickles].map(([p, data]) => ({
    orig_hex: hex(data),
    // Loaded without exact: exact mode would keep the strings apart (test/exact-corpus.test.ts).
    brine_hex: hex(dumps(loads(data), { protocol: Number(p) })),
    protocol: Number(p),
  }));
  // Sets: CPython writes {1, 2, 3} in its hash order, brine in the Set's order.
  const set = new Set([3, 1, 2]);
  for (const protocol of [0, 2, 4, 5]) {
    items.push({ mode: 'redump', protocol, brine_hex: hex(dumps(set, { protocol })) });
  }
  // Not explained: DUP is not what CPython writes for (l, l); nor is a wrong item.
  items.push({ mode: 'redump', protocol: 2, brine_hex: '80025d32862e' });
  items.push({
    orig_hex: hex(dumps([1, 2], { protocol: 2 })),
    brine_hex: hex(dumps([1, 3], { protocol: 2 })),
    protocol: 2,
  });
  const categories = roundtrip(items).map((r) => r.category);
  assert.deepEqual(categories, [...Array(6).fill('string-memo'), ...Array(4).fill('set-order'), null, null]);
});

// ---------------------------------------------------------------------------
// What dumps() refuses

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function assertPicklingError(fn: () => unknown, path: string | RegExp, what: string): void {
  const error = thrown(fn);
  assert.ok(error !== undefined, `${what}: dumps returned`);
  assert.ok(error instanceof PicklingError, `${what}: ${String(error)} is not a PicklingError`);
  assert.ok(isPickleError(error));
  if (typeof path === 'string') assert.equal(error.path, path, `${what}: path`);
  else assert.match(error.path ?? '', path, `${what}: path`);
  assert.ok(
    error.message.includes(error.path ?? '\0'),
    `${what}: the message names the path: ${error.message}`,
  );
}

class Foo {
  x = 1;
}

test('dumps() refuses what Python cannot hold, with the path to it', () => {
  const cases: [string, unknown, string][] = [
    ['a function in a list in an object', { a: [1, () => 1] }, 'root.a[1]'],
    ['a function at the root', () => 1, 'root'],
    ['a function in a tuple in a list', [0, tuple<unknown>(1, 2, () => 0)], 'root[1][2]'],
    ['an async function', { deep: { er: [[async () => {}]] } }, 'root.deep.er[0][0]'],
    ['a class', { cls: Foo }, 'root.cls'],
    ['a symbol', [Symbol('s')], 'root[0]'],
    ['a symbol at the root', Symbol.iterator, 'root'],
    ['an instance of an unregistered class', { x: new (class Foo {})() }, 'root.x'],
    ['an instance of a named unregistered class', [new Foo()], 'root[0]'],
    ['an invalid Date', { when: new Date(Number.NaN) }, 'root.when'],
    ['a RegExp', [/x/], 'root[0]'],
    ['a WeakMap', { w: new WeakMap() }, 'root.w'],
    ['a Promise', [Promise.resolve(1)], 'root[0]'],
  ];
  for (const [what, value, path] of cases) {
    for (const protocol of [0, 2, 5] as const) {
      assertPicklingError(() => dumps(value, { protocol }), path, `${what}, protocol ${protocol}`);
    }
  }
  // Inside a Map, a Set, a key: the path starts at the root and the error is still a PicklingError.
  assertPicklingError(() => dumps(new Map([['k', () => 1]])), /^root/, 'a function as a Map value');
  assertPicklingError(() => dumps({ m: new Map([[() => 1, 1]]) }), /^root\.m/, 'a function as a Map key');
  assertPicklingError(() => dumps([new Set([Symbol('x')])]), /^root\[0\]/, 'a symbol in a Set');
});

test('dumps() refuses a PickleBuffer below protocol 5', () => {
  const buffer = new PickleBuffer(new Uint8Array([1, 2, 3]));
  for (const protocol of [0, 1, 2, 3, 4] as const) {
    assertPicklingError(() => dumps({ b: buffer }, { protocol }), 'root.b', `protocol ${protocol}`);
    assertPicklingError(() => dumps([1, [buffer]], { protocol }), 'root[1][0]', `protocol ${protocol}`);
  }
  // Protocol 5 writes it: in-band without a callback.
  const data = dumps({ b: buffer }, { protocol: 5 });
  const loaded = loads(data) as { b: Uint8Array };
  assert.deepEqual([...loaded.b], [1, 2, 3]);
});

test('dumps() writes the JS-only value kinds as the Python values of the value model', () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const value = {
    undef: undefined,
    buffer: Buffer.from('ab'),
    arrayBuffer: bytes.slice().buffer,
    dataView: new DataView(bytes.slice().buffer, 1, 2),
    frozen: Object.freeze([1, 'x']),
    negZero: -0,
    float: new PyFloat(2),
    big: 2n ** 64n,
    bigSmall: 5n,
    unsafeInteger: 2 ** 60,
  };
  const expected =
    "{'undef': None, 'buffer': b'ab', 'arrayBuffer': b'\\x01\\x02\\x03', 'dataView': b'\\x02\\x03', " +
    "'frozen': (1, 'x'), 'negZero': -0.0, 'float': 2.0, 'big': 2**64, 'bigSmall': 5, 'unsafeInteger': 2**60}";
  const pickles = ([0, 1, 2, 3, 4, 5] as const).map((protocol) => hex(dumps(value, { protocol })));
  const out = runPython(
    `import json, math, pickle, sys
expected = ${expected}
for h in json.load(sys.stdin):
    v = pickle.loads(bytes.fromhex(h))
    ok = v == expected and all(type(v[k]) is type(expected[k]) for k in expected)
    ok = ok and math.copysign(1.0, v['negZero']) < 0
    print('ok' if ok else repr(v))`,
    [],
    JSON.stringify(pickles),
  );
  assert.deepEqual(out.trim().split('\n'), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
});

test('the bytes dumps() returns stay the same after later dumps and after a refused value', () => {
  const first = dumps({ a: 'x'.repeat(100), b: [1, 2, 3] });
  const copy = first.slice();
  dumps({ c: 'y'.repeat(5000), d: new Uint8Array(70_000) });
  thrown(() => dumps({ e: [1, 2, () => 0] }));
  dumps([]);
  assert.deepEqual(first, copy);
});

// ---------------------------------------------------------------------------
// 10^6 levels of nesting (25,000 under `npm test`: past the deepest a recursion reaches on Node's default
// stack, about 15,700 frames of the smallest function): a pickle, or a PicklingError; never a stack overflow

const DEPTH = size(25_000, 1_000_000);

function depthOf(value: unknown, step: (v: unknown) => unknown | undefined): number {
  let depth = 0;
  let v: unknown = value;
  while (v !== undefined) {
    depth++;
    v = step(v);
  }
  return depth;
}

function checkDeep(what: string, value: unknown, protocol: 0 | 2 | 5, step: (v: unknown) => unknown): void {
  let data: Uint8Array;
  try {
    data = dumps(value, { protocol });
  } catch (error) {
    assert.ok(
      error instanceof PicklingError,
      `${what}, protocol ${protocol}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return;
  }
  const loaded = loads(data);
  assert.equal(depthOf(loaded, step), DEPTH, `${what}, protocol ${protocol}: depth after loads`);
}

test(`dumps() of ${DEPTH.toLocaleString('en-US')} nested lists, tuples, dicts and Maps: a pickle or a PicklingError`, () => {
  let list: unknown[] = [];
  for (let i = 1; i < DEPTH; i++) list = [list];
  const inList = (v: unknown) => ((v as unknown[]).length === 1 ? (v as unknown[])[0] : undefined);
  for (const protocol of [0, 5] as const) checkDeep('lists', list, protocol, inList);

  let tup: readonly unknown[] = tuple();
  for (let i = 1; i < DEPTH; i++) tup = tuple(tup);
  checkDeep('tuples', tup, 5, inList);

  let object: Record<string, unknown> = {};
  for (let i = 1; i < DEPTH; i++) object = { k: object };
  checkDeep('plain objects', object, 5, (v) => (v as Record<string, unknown>).k);

  let map = new Map<unknown, unknown>();
  for (let i = 1; i < DEPTH; i++) map = new Map([[1, map]]);
  // The innermost Map is empty: an empty dict, which loads as a plain object.
  checkDeep('Maps', map, 5, (v) => (v instanceof Map ? v.get(1) : undefined));
});

test('dumps() reuses its pickler: nothing of one call reaches the next, and a dumps() inside a getter gets its own', () => {
  const shared: unknown[] = ['x', 1.5];
  const value = { a: shared, b: shared, t: tuple<unknown>(shared, 'y') };
  const first = dumps(value);
  const again = dumps(value);
  assert.deepEqual(again, first);
  assert.deepEqual(new Pickler().dump(value), first);
  // The list met in the call before is written again, not read from a memo of that call.
  assert.deepEqual(dumps(shared), new Pickler().dump(shared));

  let inner: Uint8Array | undefined;
  const withGetter = {
    before: shared,
    get nested() {
      inner = dumps({ inner: shared, n: 7 });
      return 'late';
    },
    after: shared,
  };
  const outer = dumps(withGetter);
  assert.deepEqual(loads(outer), { before: ['x', 1.5], nested: 'late', after: ['x', 1.5] });
  assert.deepEqual(loads(inner!), { inner: ['x', 1.5], n: 7 });
  assert.deepEqual(outer, new Pickler().dump(withGetter));
});

test('dumps() of Maps one after another and nested: each entry array is filled and emptied on its own', () => {
  const big = new Map<unknown, unknown>(Array.from({ length: 3000 }, (_, i) => [i, `v${i}`]));
  const small = new Map<unknown, unknown>([
    [1, new Map([['k', big]])],
    ['z', new Map([[2, 3]])],
  ]);
  for (const value of [big, small, new Map([[5, 6]]), big]) {
    const data = dumps(value, { protocol: 5 });
    assert.deepEqual(data, new Pickler({ protocol: 5 }).dump(value));
    assert.deepEqual(loads(data, { exact: true }), value);
  }
});
