/**
 * The LONG1 writer's word and byte counts, against python3.
 *
 * brine writes a big int as 64-bit words: the word count from one comparison
 * per word, the byte count from the bit length of the top word (or of its
 * complement when negative), an int32 told apart by a count of at most 4
 * bytes, a value past LONG1 by a count above 255. These tests draw the values
 * where those counts change: every bit length of the top word (0 to 63) at
 * every word position (1 to 33 words), both signs and the complement (so
 * both sides of each sign boundary), the byte lengths 7-9, 15-17, 31-33,
 * 63-65, 127-129 and 254-258 with their boundary values, the int32 and
 * LONG1 / LONG4 limits, and named values such as -2**63, -2**64, 2**64 - 1.
 *
 * Each value is checked both ways: brine loads python3's pickles of it at
 * protocols 0-5 (and of a list of all of them at 2, 4 and 5), brine's dumps
 * are the bytes `pickle.dumps` writes (the value given as a number where it
 * is safe and as a bigint), python3 loads brine's dumps back to the same int,
 * and the LONG1 / LONG4 payload is `int.to_bytes` of python3's minimal
 * length, which `int.from_bytes` reads back. The random values are a
 * fast-check property (all prefetched in one python3 process).
 *
 * BRINE_SEED=<n> replays a run (the seed is in the failure message),
 * BRINE_RUNS=<n> changes the number of random values (default 2000).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dumps, loads } from '../src/index.js';
import { failWithSeed } from './support/fast-check.js';
import { assertLinear } from './support/linear.js';
import { fromHex } from './support/numpy-expect.js';
import { runPython } from './support/python.js';

const DEFAULT_SEED = 6464;
const seed = process.env.BRINE_SEED === undefined ? DEFAULT_SEED : Number(process.env.BRINE_SEED);
const numRuns = process.env.BRINE_RUNS === undefined ? 2000 : Number(process.env.BRINE_RUNS);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];
const LIST_PROTOCOLS = [2, 4, 5];

/**
 * Reads JSON `{"values": [decimal, ...], "brine": [[hex per protocol], ...],
 * "lists": [hex per list protocol]}`; writes, per value, pickle.dumps at each
 * protocol, the payload `int.to_bytes` gives at CPython's minimal length
 * (LONG1 / LONG4 length: (bit_length >> 3) + 1, less a redundant 0xff of a
 * negative value), whether `int.from_bytes` reads that payload back, and
 * whether pickle.loads of brine's bytes gives the int; then pickle.dumps of
 * the list of all values at protocols 2, 4 and 5, and whether pickle.loads
 * of brine's dumps of that list gives it.
 */
const PYTHON_SIDE = `
import json, pickle, sys
req = json.load(sys.stdin)
vals = [int(t) for t in req["values"]]
out = {"pickles": [], "payload": [], "back": [], "lists": [], "listsBack": []}
for v, ours in zip(vals, req["brine"]):
    out["pickles"].append([pickle.dumps(v, p).hex() for p in range(6)])
    n = (v.bit_length() >> 3) + 1 if v else 0
    payload = v.to_bytes(n, "little", signed=True)
    if v < 0 and n > 1 and payload[-1] == 0xFF and payload[-2] & 0x80:
        payload = payload[:-1]
    assert int.from_bytes(payload, "little", signed=True) == v
    out["payload"].append(payload.hex())
    out["back"].append([type(g) is int and g == v for g in (pickle.loads(bytes.fromhex(h)) for h in ours)])
for p, h in zip(${JSON.stringify(LIST_PROTOCOLS)}, req["lists"]):
    out["lists"].append(pickle.dumps(vals, p).hex())
    got = pickle.loads(bytes.fromhex(h))
    out["listsBack"].append(type(got) is list and len(got) == len(vals) and all(type(g) is int and g == v for g, v in zip(got, vals)))
json.dump(out, sys.stdout)
`;

interface PythonOut {
  pickles: string[][];
  payload: string[];
  back: boolean[][];
  lists: string[];
  listsBack: boolean[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The value model: a safe integer is a number, any other int a bigint. */
function model(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function askPython(values: readonly bigint[]): PythonOut {
  const request = JSON.stringify({
    values: values.map(String),
    brine: values.map((v) => PROTOCOLS.map((protocol) => hex(dumps(model(v), { protocol })))),
    lists: LIST_PROTOCOLS.map((protocol) => hex(dumps(values.map(model), { protocol }))),
  });
  return JSON.parse(runPython(PYTHON_SIDE, [], request)) as PythonOut;
}

/** The LONG1 / LONG4 payload in a protocol 2 pickle of one int (`80 02 <op> <len> <payload> 2e`), or null for an int32. */
function payloadOf(pickleHex: string): string | null {
  const op = pickleHex.slice(4, 6);
  if (op === '8a') return pickleHex.slice(8, -2);
  if (op === '8b') return pickleHex.slice(14, -2);
  return null;
}

/** Checks one value against python3's answers; throws on the first difference. */
function check(v: bigint, out: PythonOut, i: number): void {
  const expected = model(v);
  const pickles = out.pickles[i]!;
  for (const [j, protocol] of PROTOCOLS.entries()) {
    const pythonHex = pickles[j]!;
    const loaded = loads(fromHex(pythonHex));
    if (loaded !== expected)
      throw new Error(
        `protocol ${protocol}: loads(${pythonHex}) gave ${String(loaded)}, python3 pickled ${v}`,
      );
    const ours = hex(dumps(expected, { protocol }));
    if (ours !== pythonHex)
      throw new Error(`protocol ${protocol}: dumps(${v}) is ${ours}, pickle.dumps wrote ${pythonHex}`);
    const asBig = hex(dumps(v, { protocol }));
    if (asBig !== pythonHex)
      throw new Error(`protocol ${protocol}: dumps(${v}n) is ${asBig}, not ${pythonHex}`);
    if (!out.back[i]![j])
      throw new Error(`protocol ${protocol}: python3 did not load brine's dumps of ${v} back`);
  }
  // The payload brine wrote at protocol 2 is int.to_bytes of CPython's length (int32s have none).
  const payload = payloadOf(hex(dumps(v, { protocol: 2 })));
  if (payload !== null && payload !== out.payload[i])
    throw new Error(`payload of ${v}: brine ${payload}, int.to_bytes ${out.payload[i]}`);
  if (payload === null && (v < -(2n ** 31n) || v >= 2n ** 31n))
    throw new Error(`${v} was not written as a long`);
}

/** Little-endian two's complement (test side: byte by byte). */
function fromTwosComplement(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return bytes.length === 0 ? 0n : BigInt.asIntN(8 * bytes.length, v);
}

/** The boundary values of the counts: named ones, and those of each byte length listed. */
function edgeValues(): bigint[] {
  const values: bigint[] = [
    0n,
    1n,
    -1n,
    2n ** 31n - 1n,
    2n ** 31n,
    -(2n ** 31n),
    -(2n ** 31n) - 1n,
    2n ** 53n,
    -(2n ** 53n) - 1n,
    2n ** 63n - 1n,
    2n ** 63n,
    -(2n ** 63n),
    -(2n ** 63n) - 1n,
    2n ** 64n - 1n,
    2n ** 64n,
    -(2n ** 64n),
    -(2n ** 64n) + 1n,
    -(2n ** 64n) - 1n,
    2n ** 2039n - 1n, // the largest LONG1
    2n ** 2039n, // the smallest positive LONG4
    -(2n ** 2039n), // the smallest LONG1
    -(2n ** 2039n) - 1n,
    2n ** 2047n - 1n, // 32 words
    2n ** 2047n, // 33 words: the writer gives up at once
    -(2n ** 2047n),
    -(2n ** 2047n) - 1n,
    2n ** 2048n,
    -(2n ** 2048n),
    2n ** 4096n + 12345n,
  ];
  const lengths = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 254, 255, 256, 257, 258,
  ];
  for (const n of lengths) {
    const half = 1n << BigInt(8 * n - 1); // [-half, half) is what n bytes hold
    for (const v of [half - 1n, half, half + 1n, -half, -half - 1n, -half + 1n, 2n * half - 1n, -2n * half])
      values.push(v);
  }
  return values;
}

/**
 * A random int whose top 64-bit word has a chosen bit length: `words` words
 * (1 to 33), the top one of `bits` bits (0 to 63) below its sign, the words
 * under it random; then the value, its negation or its complement.
 */
const wordInt = fc
  .record({
    words: fc.integer({ min: 1, max: 33 }),
    bits: fc.integer({ min: 0, max: 63 }),
    top: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
    low: fc.uint8Array({ minLength: 8 * 32, maxLength: 8 * 32 }),
    form: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ words, bits, top, low, form }) => {
    const topWord = bits === 0 ? 0n : (top & ((1n << BigInt(bits - 1)) - 1n)) | (1n << BigInt(bits - 1));
    const lowBits = 64 * (words - 1);
    const below =
      lowBits === 0 ? 0n : BigInt.asUintN(lowBits, fromTwosComplement(low.subarray(0, lowBits / 8)));
    const v = (topWord << BigInt(lowBits)) | below;
    return form === 0 ? v : form === 1 ? -v : ~v;
  });

test('word and byte boundaries (lengths 1-9, 15-17, 31-33, 63-65, 127-129, 254-258, int32, LONG1 / LONG4): both ways against python3, alone and in lists', () => {
  const values = edgeValues();
  const out = askPython(values);
  assert.equal(out.pickles.length, values.length);
  for (const [i, v] of values.entries()) check(v, out, i);
  for (const [j, protocol] of LIST_PROTOCOLS.entries()) {
    assert.equal(hex(dumps(values.map(model), { protocol })), out.lists[j], `list at protocol ${protocol}`);
    assert.deepEqual(
      loads(fromHex(out.lists[j]!)),
      values.map(model),
      `python3's list at protocol ${protocol}`,
    );
    assert.ok(out.listsBack[j], `python3 loads brine's list at protocol ${protocol}`);
  }
});

test('every bit length of the top word at every word count (fast-check): both ways against python3', (t) => {
  const values = fc.sample(wordInt, { seed, numRuns });
  const out = askPython(values);
  const index = new Map<bigint, number>();
  for (const [i, v] of values.entries()) index.set(v, i);
  let misses = 0;
  try {
    fc.assert(
      fc.property(wordInt, (v) => {
        const i = index.get(v);
        if (i === undefined) {
          misses++;
          check(v, askPython([v]), 0);
        } else check(v, out, i);
      }),
      { seed, numRuns },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
  if (misses > 0) t.diagnostic(`${misses} values were not prefetched: python3 ran once for each`);
  // The lists of every drawn value (a few hundred KiB: several frames) are python3's bytes too.
  for (const [j, protocol] of LIST_PROTOCOLS.entries()) {
    assert.equal(hex(dumps(values.map(model), { protocol })), out.lists[j], `list at protocol ${protocol}`);
    assert.ok(out.listsBack[j], `python3 loads brine's list at protocol ${protocol}`);
  }
});

/** LONG4 values: random two's-complement bytes, 256 to 1,700 bytes (under the 4,300 digits protocols 0 and 1 take). */
const long4Int = fc
  .integer({ min: 256, max: 1700 })
  .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
  .map(fromTwosComplement);

test('LONG4 values of 256 to 1,700 bytes (fast-check): both ways against python3', () => {
  const runs = Math.max(1, Math.round(numRuns / 10));
  const values = fc.sample(long4Int, { seed, numRuns: runs });
  const out = askPython(values);
  const index = new Map<bigint, number>();
  for (const [i, v] of values.entries()) index.set(v, i);
  try {
    fc.assert(
      fc.property(long4Int, (v) => {
        const i = index.get(v);
        if (i === undefined) check(v, askPython([v]), 0);
        else check(v, out, i);
      }),
      { seed, numRuns: runs },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
});

test('a list of big ints of 1 to 33 words dumps and loads in linear time (n and 4n)', () => {
  const make = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const v = (1n << BigInt(64 + ((i * 37) % 2000))) + BigInt(i);
      return i % 3 === 0 ? -v : v;
    });
  assertLinear('dumps of a list of n big ints', 2000, make, (list) => dumps(list));
  assertLinear(
    'loads of a list of n big ints',
    2000,
    (n) => dumps(make(n)),
    (bytes) => loads(bytes),
  );
});
