/**
 * Bytes objects as protocols 0-2 write them, `_codecs.encode(<the bytes as
 * Latin-1 text>, 'latin1')`, which the unpickler turns into bytes straight
 * from the UTF-8 text when the text is long (see Unpickler#codecsLatin1).
 *
 * - The transcoder against TextDecoder (fatal) on random byte strings: valid
 *   Latin-1 text, the same mutated (so mostly invalid UTF-8), UTF-8 of any
 *   Python text (lone surrogates, astral characters), and raw random bytes.
 * - Pickles python3 wrote (random and edge content at protocols 0-5, several
 *   bytes objects in one pickle, so 'latin1' and the global come from the
 *   memo), and pickles made by hand whose memo reads the text or the argument
 *   tuple again, loaded by brine and by python3 and compared.
 *
 * BRINE_SEED=<n> replays a run (the seed is in the failure message).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { loads, UnpicklingError } from '../src/index.js';
import { transcodeLatin1 } from '../src/latin1-transcode.js';
import { isTuple } from '../src/types/tuple.js';
import { runs, seed as seedOr } from './support/budget.js';
import { failWithSeed, pythonChar } from './support/fast-check.js';
import { PYTHON } from './support/python.js';

const DEFAULT_SEED = 64;
const seed = seedOr(DEFAULT_SEED);

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What transcodeLatin1 must give: the Latin-1 bytes of valid UTF-8 made of code points up to U+00FF, else null. */
function reference(bytes: Uint8Array): Uint8Array | null {
  let text: string;
  try {
    text = fatal.decode(bytes);
  } catch {
    return null;
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return null;
    out[i] = c;
  }
  return out;
}

const latin1Utf8 = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff })), {
    maxLength: 300,
  })
  .map((cps) => new TextEncoder().encode(String.fromCharCode(...cps)));

const mutated = fc
  .tuple(
    latin1Utf8,
    fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  )
  .map(([bytes, edits]) => {
    const out = [...bytes];
    for (const [at, byte, kind] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'set' && out.length > 0) out[i] = byte;
      else if (kind === 'insert') out.splice(i, 0, byte);
      else out.splice(i, 1);
    }
    return Uint8Array.from(out);
  });

/** UTF-8 with surrogatepass of any Python text (lone surrogates as ED A0-BF xx). */
function surrogatepass(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}
const anyText = fc.array(pythonChar, { maxLength: 100 }).map((chars) => surrogatepass(chars.join('')));

test('transcodeLatin1 agrees with TextDecoder on valid, mutated, non-Latin-1 and random bytes', () => {
  try {
    fc.assert(
      fc.property(fc.oneof(latin1Utf8, mutated, anyText, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        // At an offset inside a bigger buffer, as in a pickle.
        const padded = new Uint8Array(bytes.length + 6).fill(0xc3);
        padded.set(bytes, 3);
        const got = transcodeLatin1(padded, 3, 3 + bytes.length);
        assert.deepEqual(
          got === null ? null : [...got],
          reference(bytes) === null ? null : [...reference(bytes)!],
        );
      }),
      { seed, numRuns: runs(5000, 20_000) },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
});

test('transcodeLatin1 on edge bytes', () => {
  const cases: [number[], number[] | null][] = [
    [[], []],
    [[0x41], [0x41]],
    [[0xc2], null], // truncated at the end
    [[0x41, 0xc3], null],
    [[0xc2, 0x80], [0x80]],
    [[0xc3, 0xbf], [0xff]],
    [[0xc0, 0x80], null], // overlong
    [[0xc1, 0xbf], null],
    [[0xc4, 0x80], null], // U+0100
    [[0x80], null], // a stray continuation
    [[0xc2, 0x41], null],
    [[0xc2, 0xc2, 0x80], null],
    [[0xed, 0xa0, 0x80], null], // a lone surrogate: not Latin-1
    [[0xef, 0xbb, 0xbf], null], // a BOM is U+FEFF
  ];
  for (const [input, want] of cases) {
    const got = transcodeLatin1(Uint8Array.from(input), 0, input.length);
    assert.deepEqual(got === null ? null : [...got], want, `input ${input}`);
  }
});

/** A loaded value as python3's side describes it: ['b', hex] for bytes, ['s', UTF-8 hex] for str, ['t' | 'l', items]. */
type Shape = [string, string | Shape[]];

function describe(value: unknown): Shape {
  if (value instanceof Uint8Array) return ['b', Buffer.from(value).toString('hex')];
  if (typeof value === 'string') return ['s', Buffer.from(surrogatepass(value)).toString('hex')];
  if (Array.isArray(value)) return [isTuple(value) ? 't' : 'l', value.map(describe)];
  return ['?', String(value)];
}

/** Reads a JSON list of hex pickles; writes, per pickle, python3's description of what it loads to, or ['error', type]. */
const PYTHON_LOAD = `
import json, pickle, sys
def desc(v):
    if type(v) is bytes: return ['b', v.hex()]
    if type(v) is str: return ['s', v.encode('utf-8', 'surrogatepass').hex()]
    if type(v) in (tuple, list): return ['t' if type(v) is tuple else 'l', [desc(x) for x in v]]
    return ['?', repr(v)]
out = []
for h in json.load(sys.stdin):
    try: out.append(desc(pickle.loads(bytes.fromhex(h))))
    except Exception as e: out.append(['error', type(e).__name__])
sys.stdout.write(json.dumps(out))
`;

/** Writes bytes objects as python3 pickles them: a JSON list of [hex of a list of bytes, protocol] in, hex pickles out. */
const PYTHON_DUMP = `
import json, pickle, sys
out = []
for items, protocol in json.load(sys.stdin):
    made = {}
    values = [made.setdefault(h, bytes.fromhex(h)) for h in items]
    out.append(pickle.dumps(values[0] if len(values) == 1 else values, protocol).hex())
sys.stdout.write(json.dumps(out))
`;

function python<T>(script: string, input: unknown): T {
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], {
      input: JSON.stringify(input),
      maxBuffer: 1 << 28,
      encoding: 'utf8',
    }),
  ) as T;
}

function loadShape(pickle: Uint8Array): Shape {
  try {
    return describe(loads(pickle));
  } catch (error) {
    if (error instanceof UnpicklingError) return ['error', ''];
    throw error;
  }
}

function sameAsPython(pickles: Uint8Array[]): void {
  const want = python<Shape[]>(
    PYTHON_LOAD,
    pickles.map((p) => Buffer.from(p).toString('hex')),
  );
  pickles.forEach((p, i) => {
    const got = loadShape(p);
    if (want[i]![0] === 'error')
      assert.equal(got[0], 'error', `pickle ${i}: python3 refused it, brine loaded it`);
    else assert.deepEqual(got, want[i], `pickle ${i}`);
  });
}

test('bytes python3 wrote at protocols 0-5 load as python3 loads them', () => {
  const random = (n: number, max = 256) =>
    Array.from({ length: n }, (_, i) => ((i * 2654435761 + n) % 4099) % max);
  const contents = [
    [],
    random(4095),
    random(4096),
    random(5000),
    random(70000),
    random(9000, 128), // ASCII only
    Array.from({ length: 6000 }, (_, i) => 0x80 + (i % 128)), // all two-byte
    Array.from({ length: 4097 }, () => 0xff),
    [...random(4096), 0xc3], // ends in a byte that needs two
  ].map((bytes) => Buffer.from(bytes).toString('hex'));
  const requests: [string[], number][] = [];
  for (let protocol = 0; protocol <= 5; protocol++) {
    for (const hex of contents) requests.push([[hex], protocol]);
    // Several in one pickle: the global and 'latin1' come back from the memo, the same bytes object too.
    requests.push([[contents[2]!, contents[3]!, contents[2]!, contents[6]!], protocol]);
  }
  const pickles = python<string[]>(PYTHON_DUMP, requests).map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  sameAsPython(pickles);
  // Identical bytes objects in a list stay one object, as python3 memoised them.
  const list = loads(pickles[pickles.length - 1]!) as Uint8Array[];
  assert.equal(list[0], list[2]);
});

/** `_codecs.encode` at protocol 2 spelled out by hand, with the opcodes after the text given. */
function handMade(text: Uint8Array, after: number[], tail: number[]): Uint8Array {
  const head = [0x80, 0x02, ...new TextEncoder().encode('c_codecs\nencode\n'), 0x71, 0x00, 0x58];
  const n = text.length;
  return Uint8Array.from([
    ...head,
    n & 255,
    (n >> 8) & 255,
    (n >> 16) & 255,
    n >>> 24,
    ...text,
    ...after,
    ...tail,
  ]);
}

test('a memo read of the text or the argument tuple gets them, as in python3', () => {
  const ascii = (s: string) => [...new TextEncoder().encode(s)];
  const latin = [0x58, 6, 0, 0, 0, ...ascii('latin1')];
  const text = new TextEncoder().encode('é'.repeat(3000));
  const pattern = [0x71, 0x01, ...latin, 0x71, 0x02, 0x86, 0x71, 0x03, 0x52, 0x71, 0x04];
  const cases = [
    handMade(text, pattern, [0x2e]),
    // (bytes, text, tuple) through the memo
    handMade(text, pattern, [0x68, 0x01, 0x68, 0x03, 0x87, 0x2e]),
    handMade(text, pattern, [0x6a, 0x01, 0, 0, 0, 0x85, 0x2e]),
    handMade(text, pattern, [0x67, ...ascii('3\n'), 0x86, 0x2e]),
    // 'latin1' read from the memo, and the id of the text read later
    handMade(text, pattern, [
      0x68,
      0x00,
      0x58,
      3,
      0,
      0,
      0,
      ...ascii('abc'),
      0x71,
      0x01,
      0x68,
      0x02,
      0x86,
      0x52,
      0x68,
      0x01,
      0x87,
      0x2e,
    ]),
    // the text stored under the id 'latin1' had
    handMade(
      text,
      [0x71, 0x05, 0x8c, 6, ...ascii('latin1'), 0x71, 0x05, 0x86, 0x52],
      [0x68, 0x05, 0x86, 0x2e],
    ),
    // not latin1, not 'latin1', not a TUPLE2, not a REDUCE
    handMade(new TextEncoder().encode('ā'.repeat(3000)), pattern, [0x2e]),
    handMade(text, [0x8c, 5, ...ascii('utf-8'), 0x86, 0x52], [0x2e]),
    handMade(text, [...latin, 0x85, 0x52], [0x2e]),
    handMade(text, [...latin, 0x86, 0x2e], []),
    // a lone surrogate and invalid UTF-8 in the text
    handMade(Uint8Array.from([...text, 0xed, 0xa0, 0x80]), pattern, [0x2e]),
    handMade(Uint8Array.from([...text, 0xc3]), pattern, [0x2e]),
    handMade(Uint8Array.from([0xc0, 0x80, ...text]), pattern, [0x2e]),
    // truncated after the text
    handMade(text, [0x71, 0x01, 0x58, 6, 0, 0, 0, ...ascii('lati')], []),
    // no STOP, a MEMOIZE instead of BINPUT
    handMade(text, pattern, [0x68, 0x01]),
    handMade(text, [0x94, ...latin, 0x94, 0x86, 0x94, 0x52, 0x94], [0x68, 0x01, 0x86, 0x2e]),
  ];
  sameAsPython(cases);
  // The text stored, then fetched as the encoding: encode(text, text), which brine leaves inert (python3 raises).
  const inert = loads(handMade(text, [0x71, 0x02, 0x68, 0x02, 0x86, 0x52], [0x2e]));
  assert.ok(!(inert instanceof Uint8Array));
  assert.equal((loads(cases[1]!) as unknown[])[1], 'é'.repeat(3000));
});

test('a custom _codecs.encode reconstructor is still called', async () => {
  const { Registry } = await import('../src/index.js');
  const registry = new Registry();
  registry.register('_codecs', 'encode', { call: (args) => `called with ${args.length}` });
  const text = new TextEncoder().encode('x'.repeat(5000));
  const pickle = handMade(
    text,
    [0x71, 0x01, 0x58, 6, 0, 0, 0, ...new TextEncoder().encode('latin1'), 0x86, 0x52],
    [0x2e],
  );
  assert.equal(loads(pickle, { registry }), 'called with 2');
});
