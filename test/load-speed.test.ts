/**
 * The fast paths of loading checked against CPython: the native latin-1 copy
 * of `_codecs.encode` (how protocols 0-2 write bytes), uint32 lengths and memo
 * ids read byte by byte, and the errors these paths must still report.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { fromHex, runPython } from './support/python.js';

/** Python's `pickle.dumps(value, protocol)` of each expression, as hex. */
function pythonPickles(expressions: Record<string, string>, protocol: number): Record<string, Uint8Array> {
  const out = JSON.parse(
    runPython(
      `
import json, pickle, sys
exprs = json.loads(sys.argv[1])
print(json.dumps({k: pickle.dumps(eval(e), ${protocol}).hex() for k, e in exprs.items()}))
`,
      [JSON.stringify(expressions)],
    ),
  ) as Record<string, string>;
  return Object.fromEntries(Object.entries(out).map(([k, hex]) => [k, fromHex(hex)]));
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
    const sizes = [0, 1, 255, 256, 257, 4096, 70000];
    const exprs = Object.fromEntries(
      sizes.map((n) => [String(n), `bytes((i * 7 + 3) % 256 for i in range(${n}))`]),
    );
    const pickles = pythonPickles(exprs, 2);
    for (const n of sizes) {
      const value = loads(pickles[String(n)]!);
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
    const pickles = pythonPickles(
      {
        list: "[('s%d' % i) * (i % 5) for i in range(700)]",
        dict: "{'key%d' % i: 'v' * (i % 40) for i in range(700)}",
        shared: "(lambda s: [s, s, {'a': s, 'b': s}] * 300)('x' * 300)",
      },
      2,
    );
    const list = loads(pickles.list!) as string[];
    assert.equal(list.length, 700);
    for (let i = 0; i < 700; i++) assert.equal(list[i], `s${i}`.repeat(i % 5));
    const dict = loads(pickles.dict!) as Record<string, string>;
    assert.equal(Object.keys(dict).length, 700);
    for (let i = 0; i < 700; i++) assert.equal(dict[`key${i}`], 'v'.repeat(i % 40));
    const shared = loads(pickles.shared!) as unknown[];
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
    const expr =
      "[('k%x' % i)[:1 + i % 10] if i % 7 else 'é%d' % (i % 99) for i in range(3000)] + ['id', 'ok', 'ttl', 'x' * 10] * 2000";
    const pickles = { ...pythonPickles({ p5: expr }, 5), ...pythonPickles({ p2: expr }, 2) };
    const expected = JSON.parse(runPython(`import json; print(json.dumps(${expr}))`)) as string[];
    for (const [name, data] of Object.entries(pickles)) {
      for (let round = 0; round < 3; round++)
        assert.deepEqual(loads(data), expected, `${name}, load ${round}`);
    }
  });
});
