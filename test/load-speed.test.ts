/**
 * The fast paths of loading checked against CPython: the native latin-1 copy
 * of `_codecs.encode` (how protocols 0-2 write bytes), uint32 lengths and memo
 * ids read byte by byte, and the errors these paths must still report.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { dumps, loads, PyGlobal, PyObject, tuple, Unpickler, UnpicklingError } from '../src/index.js';
import { fromHex, runPython } from './support/python.js';

const CODECS_SIZES = [0, 1, 255, 256, 257, 4096, 70000];
const UINT32_EXPRS = {
  list: "[('s%d' % i) * (i % 5) for i in range(700)]",
  dict: "{'key%d' % i: 'v' * (i % 40) for i in range(700)}",
  shared: "(lambda s: [s, s, {'a': s, 'b': s}] * 300)('x' * 300)",
};
const SHORT_EXPR =
  "[('k%x' % i)[:1 + i % 10] if i % 7 else 'é%d' % (i % 99) for i in range(3000)] + ['id', 'ok', 'ttl', 'x' * 10] * 2000";
const READ_EXPR =
  "(lambda xs: [xs, ('t', 1), xs[0], xs[4500], xs[-1], xs])(['s%d' % i for i in range(6000)])";
const BIG_EXPRS = {
  tuples: "[(i, 's%d' % i) if i % 2 else (i, i * 2, 's%d' % i) for i in range(9000)]",
  dict: "{'key%d' % i: 'value%d' % i for i in range(9000)}",
  nested: "[{'k%d' % i: [i, 'x%d' % i]} for i in range(5000)]",
};
const KEEP_MEMO_CODE = `
import io, pickle
f = io.BytesIO()
p = pickle.Pickler(f, 2)
xs = ['s%d' % i for i in range(6000)]
p.dump(xs)
p.dump([xs[10], xs[5999], xs])
out = f.getvalue().hex()
`;

/**
 * What the tests compare with, from one python3 process (a start of python3
 * costs more than most of these): `pickle.dumps(eval(expr), protocol)` of
 * each `[expr, protocol]` of `pickles` (hex), the JSON of `eval(expr)` of
 * each of `json`, and the `out` of each piece of code of `exec`.
 */
const PY = JSON.parse(
  runPython(
    `
import json, pickle, sys
req = json.load(sys.stdin)
out = {"pickles": {}, "json": {}, "exec": {}}
for key, (expr, protocol) in req["pickles"].items():
    out["pickles"][key] = pickle.dumps(eval(expr), protocol).hex()
for key, expr in req["json"].items():
    out["json"][key] = eval(expr)
for key, code in req["exec"].items():
    scope = {}
    exec(code, scope)
    out["exec"][key] = scope["out"]
sys.stdout.write(json.dumps(out))
`,
    [],
    JSON.stringify({
      pickles: Object.fromEntries([
        ...CODECS_SIZES.map((n) => [`codecs/${n}`, [`bytes((i * 7 + 3) % 256 for i in range(${n}))`, 2]]),
        ...Object.entries(UINT32_EXPRS).map(([k, e]) => [`uint32/${k}`, [e, 2]]),
        ...[5, 2].map((p) => [`short/p${p}`, [SHORT_EXPR, p]]),
        ...[0, 1, 2, 3, 4, 5].map((p) => [`read/${p}`, [READ_EXPR, p]]),
        ...[1, 2, 4, 5].flatMap((p) => Object.entries(BIG_EXPRS).map(([k, e]) => [`big/${k}/${p}`, [e, p]])),
      ]),
      json: {
        short: SHORT_EXPR,
        read: `(lambda v: [v[0][:3], v[2], v[3], v[4], v[5] is v[0]])(${READ_EXPR})`,
        ...Object.fromEntries(Object.entries(BIG_EXPRS).map(([k, e]) => [`big/${k}`, e])),
      },
      exec: { keepMemo: KEEP_MEMO_CODE },
    }),
  ),
) as { pickles: Record<string, string>; json: Record<string, unknown>; exec: Record<string, string> };

/** Python's `pickle.dumps` of the request's pickle `key`. */
function pythonPickle(key: string): Uint8Array {
  const hex = PY.pickles[key];
  if (hex === undefined) throw new Error(`no python3 pickle ${key}`);
  return fromHex(hex);
}

/** `_codecs.encode(text, codec)` at protocol 2, written by hand (text as its UTF-8). */
function codecsEncode(text: string, codec: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  const name = new TextEncoder().encode(codec);
  const head = [0x80, 0x02, ...new TextEncoder().encode('c_codecs\nencode\n')];
  const len = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
  return Uint8Array.from([
    ...head,
    0x58,
    ...len(utf8.length),
    ...utf8,
    0x58,
    ...len(name.length),
    ...name,
    0x86, // TUPLE2
    0x52, // REDUCE
    0x2e, // STOP
  ]);
}

suite('_codecs.encode', () => {
  test('bytes written by CPython at protocol 2 load byte for byte, on both sides of the native copy', () => {
    for (const n of CODECS_SIZES) {
      const value = loads(pythonPickle(`codecs/${n}`));
      assert.ok(value instanceof Uint8Array, `size ${n}`);
      assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype, `size ${n}: a plain Uint8Array`);
      const expected = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256);
      assert.deepEqual(value, expected, `size ${n}`);
    }
  });

  test('latin-1 and ASCII text out of range fails at the same character, short or long', () => {
    for (const n of [10, 300, 5000]) {
      const cases: [string, string, string][] = [
        [`${'é'.repeat(n)}\u0100`, 'latin1', 'U+0100'],
        [`${'a'.repeat(n)}\u{1f600}`, 'latin-1', 'U+d83d'],
        [`${'a'.repeat(n)}é`, 'ascii', 'U+00e9'],
      ];
      for (const [text, codec, shown] of cases) {
        assert.throws(
          () => loads(codecsEncode(text, codec)),
          (e: unknown) =>
            e instanceof UnpicklingError && e.message.includes(`cannot encode character ${shown}`),
          `${codec}, ${n} characters`,
        );
      }
      assert.deepEqual(loads(codecsEncode('a'.repeat(n), 'ascii')), new Uint8Array(n).fill(0x61));
      assert.deepEqual(loads(codecsEncode('ÿ'.repeat(n), 'latin1')), new Uint8Array(n).fill(0xff));
    }
  });
});

suite('uint32 lengths and memo ids', () => {
  test('BINUNICODE and LONG_BINPUT / LONG_BINGET at protocol 2 load as CPython loads them', () => {
    const list = loads(pythonPickle('uint32/list')) as string[];
    assert.equal(list.length, 700);
    for (let i = 0; i < 700; i++) assert.equal(list[i], `s${i}`.repeat(i % 5));
    const dict = loads(pythonPickle('uint32/dict')) as Record<string, string>;
    assert.equal(Object.keys(dict).length, 700);
    for (let i = 0; i < 700; i++) assert.equal(dict[`key${i}`], 'v'.repeat(i % 40));
    const shared = loads(pythonPickle('uint32/shared')) as unknown[];
    assert.equal(shared.length, 900);
    assert.equal(shared[898], 'x'.repeat(300));
  });

  test('a BINUNICODE length with the top bit set is a truncated pickle, not a negative length', () => {
    for (const op of [0x58, 0x8c]) {
      const len = op === 0x58 ? [0xff, 0xff, 0xff, 0xff] : [0xff];
      const data = Uint8Array.from([0x80, 0x02, 0x5d, 0x28, op, ...len, 0x61, 0x62, 0x65, 0x2e]);
      assert.throws(() => loads(data), UnpicklingError);
      const alone = Uint8Array.from([0x80, 0x02, op, ...len, 0x61, 0x2e]);
      assert.throws(() => loads(alone), UnpicklingError);
    }
  });

  test('LONG_BINGET of an id with the top bit set is a missing memo entry', () => {
    const data = Uint8Array.from([0x80, 0x02, 0x4e, 0x72, 0, 0, 0, 0, 0x6a, 0xfe, 0xff, 0xff, 0xff, 0x2e]);
    assert.throws(
      () => loads(data),
      (e: unknown) =>
        e instanceof UnpicklingError && /Memo value not found at index 4294967294/.test(e.message),
    );
  });
});

suite('short strings', () => {
  test('distinct and repeated short str, ASCII or not, load as CPython wrote them while the cache steps aside', () => {
    // 3000 distinct strings make the string cache stand aside; the repeated ones after it must still be right.
    const pickles = { p5: pythonPickle('short/p5'), p2: pythonPickle('short/p2') };
    const expected = PY.json.short as string[];
    for (const [name, data] of Object.entries(pickles)) {
      for (let round = 0; round < 3; round++)
        assert.deepEqual(loads(data), expected, `${name}, load ${round}`);
    }
  });
});

suite('memo entries nothing reads', () => {
  // Past 4096 memo entries the loader looks ahead to STOP: when no GET, BINGET or LONG_BINGET
  // follows, the memo opcodes that remain store nothing. Everything that does read must still work.
  test('a memo read after many entries, at every protocol, loads as CPython loads it', () => {
    const expected = PY.json.read;
    for (const protocol of [0, 1, 2, 3, 4, 5]) {
      const v = loads(pythonPickle(`read/${protocol}`)) as [
        string[],
        unknown,
        string,
        string,
        string,
        string[],
      ];
      assert.equal(v[0].length, 6000, `protocol ${protocol}`);
      assert.deepEqual([v[0].slice(0, 3), v[2], v[3], v[4], v[5] === v[0]], expected, `protocol ${protocol}`);
    }
  });

  test('big pickles with no memo read load as CPython loads them', () => {
    for (const protocol of [1, 2, 4, 5]) {
      for (const name of Object.keys(BIG_EXPRS)) {
        assert.deepEqual(
          loads(pythonPickle(`big/${name}/${protocol}`)),
          PY.json[`big/${name}`],
          `${name}, protocol ${protocol}`,
        );
      }
    }
  });

  test('keepMemo: a later pickle reads the memo of an earlier one that had no read of its own', () => {
    const hex = PY.exec.keepMemo!;
    const reader = new Unpickler(fromHex(hex), { keepMemo: true });
    const first = reader.load() as string[];
    const second = reader.load() as unknown[];
    assert.equal(first.length, 6000);
    assert.deepEqual(second.slice(0, 2), ['s10', 's5999']);
    assert.equal(second[2], first);
  });

  test('afterBuild: bytes the hook skips are not taken for opcodes (a STOP byte among them ends nothing)', () => {
    const built = new PyObject('newobj', new PyGlobal('m', 'C'), tuple());
    built.state = { a: 1 };
    const strings = Array.from({ length: 6000 }, (_, i) => `s${i}`);
    // Strings are memoized by value: the last two items are memo reads of strings in the list.
    const pickle = dumps([strings, built, 's10', 's5999'], { protocol: 2 });
    // The same pickle without the memo reads ends with BUILD, APPENDS, STOP: the BUILD is at the same place.
    const at = dumps([strings, built], { protocol: 2 }).length - 2;
    assert.equal(pickle[at - 1], 0x62);
    const raw = [0x2e, 0x2e, 0x2e];
    const spliced = Uint8Array.from([...pickle.subarray(0, at), ...raw, ...pickle.subarray(at)]);
    const v = new Unpickler(spliced, {
      afterBuild: (_b, offset) => ({ value: 'replaced', offset: offset + raw.length }),
    }).load() as unknown[];
    assert.equal((v[0] as string[]).length, 6000);
    assert.deepEqual(v.slice(1), ['replaced', 's10', 's5999']);
  });
});
