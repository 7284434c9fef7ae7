/**
 * The fuzz properties of test/fuzz.test.ts: fast-check arbitraries that build
 * inputs from a seed corpus of CPython pickles (truncations, mutations,
 * splices) or from scratch (opcode soup), and the check every input must pass:
 * it loads or throws a PickleError, within a time bound, and leaves the
 * built-in prototypes alone.
 *
 * Arbitraries produce small recipes (indices, positions, bytes); the bytes are
 * built in the predicate, so that a counterexample prints compactly and the
 * failure message carries the exact input in hex.
 */
import fc from 'fast-check';
import { isPickleError, type LoadOptions, loads, Registry } from '../../src/index.js';
import { assertPrototypesIntact, cpuSince, describeError, HANG_MS, prototypeSnapshot } from './adv-assert.js';
import { bytes, le, type PythonOpcode, toHex } from './python.js';

export interface FuzzInput {
  readonly seeds: readonly Uint8Array[];
  readonly opcodes: readonly PythonOpcode[];
}

export interface FuzzRun {
  readonly property: PropertyName;
  readonly seed: number;
  readonly numRuns: number;
  /** Called with each input just before it is loaded (the watchdog's record of what hung). */
  readonly onInput?: (data: Uint8Array) => void;
}

export const PROPERTIES = ['truncation', 'mutation', 'splice', 'opcode soup', 'value trees'] as const;
export type PropertyName = (typeof PROPERTIES)[number];

/** Fuzz workers that run at once in one process (test/fuzz.test.ts). */
export const FUZZ_THREADS = 2;

/** Share of the total runs each property gets. */
export const RUN_SHARE: Readonly<Record<PropertyName, number>> = {
  truncation: 0.15,
  mutation: 0.3,
  splice: 0.15,
  'opcode soup': 0.2,
  'value trees': 0.2,
};

/** Options a load runs with: the defaults, and each option that changes how values are built. */
const OPTION_SETS: readonly (LoadOptions | undefined)[] = [
  undefined,
  undefined,
  undefined,
  { strict: true },
  { dicts: 'map' },
  { encoding: 'bytes' },
  { encoding: 'latin1' },
  { exact: true },
  { copyBytes: true, fixImports: false },
  { persistentLoad: (pid) => pid, buffers: [new Uint8Array(4), new Uint8Array(0)] },
  { extensions: new Map([[1, ['collections', 'OrderedDict'] as const]]) },
];

const optionIndex = fc.nat(OPTION_SETS.length - 1);

/** Loads `data` and throws (with the input in hex) unless it loads or throws a PickleError in time. */
export function checkInput(
  data: Uint8Array,
  options: LoadOptions | undefined,
  snapshot: string,
  what: string,
): void {
  const start = process.cpuUsage();
  let error: unknown;
  let threw = false;
  try {
    loads(data, options);
  } catch (e) {
    threw = true;
    error = e;
  }
  // CPU time of the process: the fuzz workers share it, so a load is charged for
  // the other workers' work while it runs, hence a budget per worker.
  const ms = cpuSince(start);
  const limit = HANG_MS * FUZZ_THREADS;
  const context = () =>
    `${what}\n  input (${data.length} bytes): ${toHex(data)}\n  options: ${describeOptions(options)}`;
  if (threw && !isPickleError(error)) {
    const stack = error instanceof Error ? `\n  ${error.stack?.split('\n').slice(0, 6).join('\n  ')}` : '';
    throw new Error(`threw ${describeError(error)} instead of a PickleError\n${context()}${stack}`);
  }
  if (ms > limit) throw new Error(`took ${ms.toFixed(0)} ms of CPU time (limit ${limit} ms)\n${context()}`);
  assertPrototypesIntact(snapshot, context());
}

function describeOptions(options: LoadOptions | undefined): string {
  if (options === undefined) return 'default';
  return JSON.stringify(options, (_k, v) =>
    typeof v === 'function'
      ? 'function'
      : v instanceof Map
        ? [...v]
        : v instanceof Uint8Array
          ? `bytes(${v.length})`
          : v,
  );
}

// --- byte-level recipes on the corpus --------------------------------------------------------------

const interesting = fc.constantFrom(
  bytes(0),
  bytes(1),
  bytes(0x7f),
  bytes(0x80),
  bytes(0xff),
  bytes('.'),
  bytes('('),
  bytes('\n'),
  le(0xffffffff, 4),
  le(0x7fffffff, 4),
  le(0x80000000, 4),
  le(2n ** 63n, 8),
  le(2n ** 64n - 1n, 8),
  le(0x10000, 4),
);

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'overwrite'; at: number; data: Uint8Array }
  | { kind: 'insert'; at: number; data: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number };

const position = fc.nat();
const chunk = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), interesting);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: position, data: chunk }),
  fc.record({ kind: fc.constant('insert' as const), at: position, data: chunk }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: position,
    length: fc.integer({ min: 1, max: 32 }),
  }),
);

function mutate(data: Uint8Array, m: Mutation): Uint8Array {
  const n = data.length;
  const at = n === 0 ? 0 : m.at % (m.kind === 'insert' ? n + 1 : n);
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return data;
      const out = data.slice();
      out[at] = out[at]! ^ (1 << m.bit);
      return out;
    }
    case 'overwrite': {
      const out = data.slice();
      for (let i = 0; i < m.data.length && at + i < n; i++) out[at + i] = m.data[i]!;
      return out;
    }
    case 'insert':
      return bytes(data.subarray(0, at), m.data, data.subarray(at));
    case 'delete':
      return bytes(data.subarray(0, at), data.subarray(at + m.length));
    case 'duplicate':
      return bytes(data.subarray(0, at + m.length), data.subarray(at));
  }
}

// --- opcode soup ------------------------------------------------------------------------------------

const asciiText = (max: number) => fc.string({ unit: 'binary-ascii', maxLength: max });
/**
 * Any code point, lone surrogates included: the values of fast-check's `unit: 'binary'`, without
 * the table of every code point fast-check builds for that unit the first time a string of it is
 * made (about 2 s of CPU and 100 MB in each fuzz worker that draws text).
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp));
const utf8 = (text: string) => new TextEncoder().encode(text);

/** Names the registry resolves, as (module, name), plus inert and hostile ones. */
function globalNames(): [string, string][] {
  const registry = new Registry();
  const names: [string, string][] = [];
  for (const dotted of registry.names()) {
    // names() joins module and name with a dot; find the split the registry knows.
    for (let i = dotted.indexOf('.'); i !== -1; i = dotted.indexOf('.', i + 1)) {
      const module = dotted.slice(0, i);
      const name = dotted.slice(i + 1);
      if (registry.has(module, name)) {
        names.push([module, name]);
        break;
      }
    }
  }
  names.push(
    ['__main__', 'Foo'],
    ['os', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'getattr'],
    ['copyreg', '_reconstructor'],
    ['copyreg', '__newobj__'],
    ['__builtin__', 'set'],
    ['copy_reg', '_reconstructor'],
    ['__proto__', 'constructor'],
    ['builtins', 'object'],
    ['collections', 'OrderedDict'],
    ['numpy', 'size'],
  );
  return names;
}

const NAMES = globalNames();
const globalName = fc.constantFrom(...NAMES);

/** The argument bytes of an opcode, by pickletools argument type: mostly well formed, sometimes not. */
function argument(op: PythonOpcode): fc.Arbitrary<Uint8Array> {
  const lying = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: good, weight: 6 }, bad);
  const counted = (size: number, body: fc.Arbitrary<Uint8Array>) =>
    fc
      .tuple(body, lying(fc.constant(-1), fc.oneof(fc.nat(300), fc.bigInt(0n, 2n ** BigInt(size * 8) - 1n))))
      .map(([data, claim]) => bytes(le(claim === -1 ? data.length : claim, size), data));
  const smallBytes = fc.uint8Array({ maxLength: 24 });
  const text = fc.oneof(
    asciiText(16).map(utf8),
    fc.string({ maxLength: 8, unit: anyCodePoint }).map(utf8),
    smallBytes,
  );
  const decimal = fc.oneof(
    fc.constantFrom('00', '01', '0', '-0', '010', '1', '-1', '255', '2147483648', '-9223372036854775809'),
    fc.integer().map(String),
    fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }).map(String),
    asciiText(6),
  );
  const line = (t: fc.Arbitrary<string>) => t.map((s) => bytes(`${s}\n`));
  switch (op.arg) {
    case null:
      return fc.constant(new Uint8Array(0));
    case 'uint1':
      return fc.oneof(fc.nat(8), fc.nat(255)).map((v) => bytes(v));
    case 'uint2':
      return fc.oneof(fc.nat(8), fc.nat(0xffff)).map((v) => le(v, 2));
    case 'int4':
      return fc.oneof(fc.integer({ min: -8, max: 8 }), fc.integer()).map((v) => le(v, 4));
    case 'uint4':
      return fc.oneof(fc.nat(8), fc.nat(0xffffffff)).map((v) => le(v, 4));
    case 'uint8':
      return fc.oneof(fc.nat(64), fc.bigInt(0n, 2n ** 64n - 1n)).map((v) => le(v, 8));
    case 'decimalnl_short':
      return line(decimal);
    case 'decimalnl_long':
      return line(fc.tuple(decimal, fc.boolean()).map(([d, l]) => (l ? `${d}L` : d)));
    case 'floatnl':
      return line(
        fc.oneof(
          fc.double().map(String),
          fc.constantFrom('inf', '-inf', 'nan', '1e500', '0x10', '1_0', ' 1'),
          asciiText(6),
        ),
      );
    case 'float8':
      return fc.uint8Array({ minLength: 8, maxLength: 8 });
    case 'stringnl':
      return line(
        fc.oneof(
          asciiText(8).map((s) => `'${s.replace(/[\\'\n]/g, '')}'`),
          fc.constantFrom(`'\\x41\\n\\''`, `"a"`, `'a"`, `'\\x4'`, `'\\'`, `''`, 'abc'),
          asciiText(8),
        ),
      );
    case 'stringnl_noescape':
      return line(asciiText(8).map((s) => s.replace(/\n/g, '')));
    case 'stringnl_noescape_pair':
      return lying(
        globalName.map(([m, n]) => bytes(`${m}\n${n}\n`)),
        fc.tuple(asciiText(6), asciiText(6)).map(([m, n]) => bytes(`${m}\n${n}\n`)),
      );
    case 'unicodestringnl':
      return line(
        fc.oneof(
          asciiText(8).map((s) => s.replace(/[\\\n]/g, '')),
          fc.constantFrom('\\u00e9', '\\U0001f600', '\\u12', '\\U00110000', '\\udc80', '\\'),
        ),
      );
    case 'string1':
    case 'bytes1':
    case 'unicodestring1':
    case 'long1':
      return counted(1, op.arg === 'unicodestring1' ? text : smallBytes);
    case 'string4':
    case 'bytes4':
    case 'unicodestring4':
    case 'long4':
      return counted(4, op.arg === 'unicodestring4' ? text : smallBytes);
    case 'bytes8':
    case 'unicodestring8':
    case 'bytearray8':
      return counted(8, op.arg === 'unicodestring8' ? text : smallBytes);
    default:
      // An argument type this table does not know: random bytes.
      return fc.uint8Array({ maxLength: 12 });
  }
}

function soupItem(opcodes: readonly PythonOpcode[]): fc.Arbitrary<Uint8Array> {
  const anyOpcode = fc.constantFrom(...opcodes).chain((op) => argument(op).map((arg) => bytes(op.code, arg)));
  const value = fc.constantFrom(
    bytes('N'),
    bytes(0x88),
    bytes('K', 1),
    bytes('J', le(-5, 4)),
    bytes(0x8a, 9, le(2n ** 70n, 9)),
    bytes('G', 0x7f, 0xf8, 0, 0, 0, 0, 0, 0),
    bytes(0x8c, 3, 'abc'),
    bytes(0x8c, 9, '__proto__'),
    bytes(0x8c, 11, 'constructor'),
    bytes('C', 2, 'hi'),
    bytes(']'),
    bytes('}'),
    bytes(')'),
    bytes(0x8f),
    bytes('(', 0x91),
    bytes(0x96, le(2, 8), 'xy'),
  );
  const global = globalName.chain(([m, n]) =>
    fc.constantFrom(
      bytes(`c${m}\n${n}\n`),
      bytes(0x8c, utf8(m).length, utf8(m), 0x8c, utf8(n).length, utf8(n), 0x93),
    ),
  );
  const action = fc.constantFrom(
    ...['R', 'b', 'a', 'e', 's', 'u', 't', 'l', 'd', '0', '1', '2', 'o', '.'].map((c) => bytes(c)),
    ...[0x81, 0x92, 0x90, 0x85, 0x86, 0x87, 0x94, 0x98, 0x97].map((c) => bytes(c)),
  );
  const memo = fc.oneof(
    fc.nat(4).map((i) => bytes('q', i)),
    fc.nat(4).map((i) => bytes('h', i)),
    fc.nat(4).map((i) => bytes(`p${i}\n`)),
    fc.nat(4).map((i) => bytes(`g${i}\n`)),
  );
  return fc.oneof(
    { arbitrary: anyOpcode, weight: 5 },
    { arbitrary: value, weight: 4 },
    { arbitrary: global, weight: 3 },
    { arbitrary: fc.constant(bytes('(')), weight: 2 },
    { arbitrary: action, weight: 4 },
    { arbitrary: memo, weight: 2 },
  );
}

/**
 * Well-formed value pushes, nested: containers, calls of known and unknown
 * globals with random arguments (REDUCE, NEWOBJ, NEWOBJ_EX), BUILD with random
 * states. These reach the reconstructors and the type checks of mutating
 * opcodes with values of every kind, where random bytes rarely get.
 */
function valueTree(): fc.Arbitrary<Uint8Array> {
  const str = (s: string) => bytes(0x8c, utf8(s).length, utf8(s));
  const leaf = fc.oneof(
    fc.constantFrom(
      bytes('N'),
      bytes(0x88),
      bytes(0x89),
      bytes('K', 0),
      bytes('K', 3),
      bytes('J', le(-1, 4)),
      bytes(0x8a, 9, le(2n ** 70n, 9)),
      bytes('G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0),
      bytes('G', 0x7f, 0xf0, 0, 0, 0, 0, 0, 0),
      bytes('C', 3, 'abc'),
      bytes(0x96, le(2, 8), 'xy'),
      bytes('U', 2, 'hi'),
      bytes(')'),
      bytes(']'),
      bytes('}'),
    ),
    fc
      .constantFrom(
        '',
        'a',
        'shape',
        '__proto__',
        'constructor',
        'prototype',
        '__dict__',
        '__setstate__',
        '10',
        'latin1',
        'utf-8',
        'bytes',
      )
      .map(str),
    fc.integer().map((v) => bytes('J', le(v, 4))),
    fc.double().map((v) => {
      const out = new Uint8Array(9);
      out[0] = 0x47;
      new DataView(out.buffer).setFloat64(1, v);
      return out;
    }),
    globalName.map(([m, n]) => bytes(`c${m}\n${n}\n`)),
  );
  const { value } = fc.letrec<{
    value: Uint8Array;
    list: Uint8Array;
    tuple: Uint8Array;
    dict: Uint8Array;
    set: Uint8Array;
    call: Uint8Array;
    build: Uint8Array;
  }>((tie) => ({
    value: fc.oneof(
      { maxDepth: 4, depthSize: 'small' },
      { arbitrary: leaf, weight: 4 },
      tie('list'),
      tie('tuple'),
      tie('dict'),
      tie('set'),
      { arbitrary: tie('call'), weight: 3 },
      { arbitrary: tie('build'), weight: 2 },
    ),
    list: fc
      .array(tie('value'), { maxLength: 3 })
      .map((items) => (items.length === 0 ? bytes(']') : bytes(']', '(', ...items, 'e'))),
    tuple: fc.array(tie('value'), { maxLength: 4 }).map((items) => bytes('(', ...items, 't')),
    dict: fc
      .array(fc.tuple(fc.oneof(leaf, tie('value')), tie('value')), { maxLength: 3 })
      .map((pairs) => bytes('}', '(', ...pairs.flat(), 'u')),
    set: fc
      .tuple(fc.array(tie('value'), { maxLength: 3 }), fc.boolean())
      .map(([items, frozen]) => (frozen ? bytes('(', ...items, 0x91) : bytes(0x8f, '(', ...items, 0x90))),
    call: fc
      .tuple(
        fc.oneof({ arbitrary: globalName.map(([m, n]) => bytes(`c${m}\n${n}\n`)), weight: 4 }, tie('value')),
        tie('tuple'),
        tie('dict'),
        fc.constantFrom('reduce', 'newobj', 'newobj_ex', 'obj'),
      )
      .map(([callable, args, kwargs, how]) => {
        if (how === 'reduce') return bytes(callable, args, 'R');
        if (how === 'newobj') return bytes(callable, args, 0x81);
        if (how === 'newobj_ex') return bytes(callable, args, kwargs, 0x92);
        return bytes('(', callable, args.subarray(1, args.length - 1), 'o');
      }),
    build: fc.tuple(tie('value'), tie('value')).map(([target, state]) => bytes(target, state, 'b')),
  }));
  return value;
}

// --- the properties ---------------------------------------------------------------------------------

interface Built {
  readonly data: Uint8Array;
  readonly options: LoadOptions | undefined;
  readonly what: string;
}

export function recipesFor(name: PropertyName, input: FuzzInput): fc.Arbitrary<Built> {
  const { seeds } = input;
  const seed = fc.nat(seeds.length - 1);
  switch (name) {
    case 'truncation':
      return fc
        .tuple(seed, fc.nat(), fc.oneof(fc.constant(new Uint8Array(0)), chunk), optionIndex)
        .map(([i, cut, tail, o]) => {
          const s = seeds[i]!;
          const at = cut % (s.length + 1);
          return {
            data: bytes(s.subarray(0, at), tail),
            options: OPTION_SETS[o],
            what: `seed ${i} cut at ${at}, then ${tail.length} bytes`,
          };
        });
    case 'mutation':
      return fc
        .tuple(seed, fc.array(mutation, { minLength: 1, maxLength: 8 }), optionIndex)
        .map(([i, ms, o]) => ({
          data: ms.reduce(mutate, seeds[i]!),
          options: OPTION_SETS[o],
          what: `seed ${i} with ${ms.map((m) => m.kind).join(', ')}`,
        }));
    case 'splice':
      return fc.tuple(seed, seed, fc.nat(), fc.nat(), optionIndex).map(([i, j, a, b, o]) => {
        const x = seeds[i]!;
        const y = seeds[j]!;
        const ca = a % (x.length + 1);
        const cb = b % (y.length + 1);
        return {
          data: bytes(x.subarray(0, ca), y.subarray(cb)),
          options: OPTION_SETS[o],
          what: `seed ${i}[:${ca}] + seed ${j}[${cb}:]`,
        };
      });
    case 'value trees':
      return fc
        .tuple(
          fc.nat(5),
          fc.array(fc.oneof({ arbitrary: valueTree(), weight: 4 }, soupItem(input.opcodes)), {
            minLength: 1,
            maxLength: 3,
          }),
          optionIndex,
        )
        .map(([p, items, o]) => ({
          data: bytes(0x80, p, ...items, '.'),
          options: OPTION_SETS[o],
          what: `value tree of ${items.length} items`,
        }));
    case 'opcode soup':
      return fc
        .tuple(
          fc.option(fc.nat(5), { nil: undefined }),
          fc.array(soupItem(input.opcodes), { minLength: 1, maxLength: 40 }),
          fc.boolean(),
          optionIndex,
        )
        .map(([p, items, stop, o]) => ({
          data: bytes(...(p === undefined ? [] : [bytes(0x80, p)]), ...items, ...(stop ? [bytes('.')] : [])),
          options: OPTION_SETS[o],
          what: `opcode soup of ${items.length} items`,
        }));
  }
}

/** Runs one property; throws with the seed and the failing input when it fails. */
export function runProperty(input: FuzzInput, run: FuzzRun): void {
  const snapshot = prototypeSnapshot();
  const property = fc.property(recipesFor(run.property, input), ({ data, options, what }) => {
    run.onInput?.(data);
    checkInput(data, options, snapshot, what);
  });
  try {
    fc.assert(property, { seed: run.seed, numRuns: run.numRuns, endOnFailure: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `fuzz property "${run.property}" failed; reproduce with BRINE_SEED=${run.seed}\n${message}`,
    );
  }
}
