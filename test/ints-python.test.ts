/**
 * Ints of every size, both ways, against python3: brine loads what
 * `pickle.dumps` wrote at protocols 0-5, brine's dumps are the very bytes
 * `pickle.dumps` writes, and python3 loads brine's dumps back to the same int.
 *
 * The values: every power of two from 2^0 to 2^2100 with its neighbours
 * (2^k - 1, 2^k, 2^k + 1, and their negatives, so both sides of each
 * two's-complement byte boundary), and a fast-check property over random
 * ints of every byte length from 0 to 300 (random bytes read as
 * little-endian two's complement, so the top byte, sign and length are all
 * drawn evenly). Besides, LONG1 / LONG4 payloads with redundant sign bytes
 * (which Python never writes but loads) against python3's reading of the
 * same bytes. All the values of a test go to one python3 process.
 *
 * BRINE_SEED=<n> replays a run (the seed is in the failure message),
 * BRINE_RUNS=<n> changes the number of random values (default 3000; BRINE_BUDGET=full: 10000).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dumps, loads, PicklingError } from '../src/index.js';
import { runs, seed as seedOr } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { fromHex } from './support/numpy-expect.js';
import { runPython } from './support/python.js';

const DEFAULT_SEED = 2100;
const seed = seedOr(DEFAULT_SEED);
const numRuns = runs(3000, 10000);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

/**
 * Reads JSON `{"values": [decimal, ...], "brine": [[hex per protocol], ...],
 * "raw": [hex pickle, ...]}`; writes, per value, pickle.dumps at each protocol
 * (null where it is brine's bytes, byte for byte, else its hex: megabytes of
 * hex that only repeat brine's cost more than the comparison) and, per
 * protocol, whether pickle.loads of brine's bytes gave the value back as an
 * int; and per raw pickle, the decimal text of what pickle.loads makes of it.
 */
const PYTHON_SIDE = `
import json, pickle, sys
req = json.load(sys.stdin)
out = {"pickles": [], "back": [], "raw": []}
for text, ours in zip(req["values"], req["brine"]):
    v = int(text)
    pickles = []
    back = []
    for p, h in enumerate(ours):
        data = bytes.fromhex(h)
        written = pickle.dumps(v, p)
        pickles.append(None if written == data else written.hex())
        got = pickle.loads(data)
        back.append(type(got) is int and got == v)
    out["pickles"].append(pickles)
    out["back"].append(back)
for h in req["raw"]:
    got = pickle.loads(bytes.fromhex(h))
    out["raw"].append(str(got) if type(got) is int else repr(got))
sys.stdout.write(json.dumps(out))
`;

interface PythonOut {
  /** Per value and protocol: null where pickle.dumps wrote `brine`'s bytes, else what it wrote (hex). */
  pickles: (string | null)[][];
  /** brine's dumps of each value at every protocol (hex), as sent. */
  brine: string[][];
  back: boolean[][];
  raw: string[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The value model: a safe integer is a number, any other int a bigint. */
function model(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** brine's dumps of `v` at every protocol, as hex. */
function brineDumps(v: bigint): string[] {
  return PROTOCOLS.map((protocol) => hex(dumps(model(v), { protocol })));
}

function askPython(values: readonly bigint[], raw: readonly Uint8Array[] = []): PythonOut {
  const brine = values.map(brineDumps);
  const request = JSON.stringify({ values: values.map(String), brine, raw: raw.map(hex) });
  return { ...(JSON.parse(runPython(PYTHON_SIDE, [], request)) as Omit<PythonOut, 'brine'>), brine };
}

/**
 * Checks one value against python3's answers for it (`pickles` and `back`)
 * and brine's dumps of it (`ours`, hex per protocol, made once for the
 * request); throws on the first difference.
 */
function check(
  v: bigint,
  pickles: readonly (string | null)[],
  back: readonly boolean[],
  ours: readonly string[],
): void {
  const expected = model(v);
  for (const [i, protocol] of PROTOCOLS.entries()) {
    // null: python3 compared its bytes with ours and found them the same.
    const pythonHex = pickles[i] ?? ours[i]!;
    const loaded = loads(fromHex(pythonHex));
    if (loaded !== expected) {
      throw new Error(
        `protocol ${protocol}: loads(${pythonHex}) gave ${String(loaded)}, python3 pickled ${v}`,
      );
    }
    if (ours[i] !== pythonHex) {
      throw new Error(`protocol ${protocol}: dumps(${v}) is ${ours[i]}, pickle.dumps wrote ${pythonHex}`);
    }
    if (typeof expected === 'number') {
      // A safe integer given as a bigint is the same int.
      const asBig = hex(dumps(v, { protocol }));
      if (asBig !== pythonHex)
        throw new Error(`protocol ${protocol}: dumps(${v}n) is ${asBig}, not ${pythonHex}`);
    }
    if (!back[i])
      throw new Error(`protocol ${protocol}: python3 did not load brine's dumps of ${v} back to it`);
  }
}

/** Little-endian two's complement. */
function fromTwosComplement(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return bytes.length === 0 ? 0n : BigInt.asIntN(8 * bytes.length, v);
}

test('every 2^k - 1, 2^k, 2^k + 1 and their negatives up to 2^2100, loaded from python3 and dumped as python3 dumps them', () => {
  const values: bigint[] = [];
  for (let k = 0n; k <= 2100n; k++) {
    const p = 1n << k;
    for (const v of [p - 1n, p, p + 1n]) values.push(v, -v);
  }
  const out = askPython(values);
  assert.equal(out.pickles.length, values.length);
  let checked = 0;
  for (const [i, v] of values.entries()) {
    check(v, out.pickles[i]!, out.back[i]!, out.brine[i]!);
    checked++;
  }
  assert.equal(checked, 6 * 2101);
});

/** A random int of 0 to 300 bytes: random little-endian two's-complement bytes, often the ones beside a sign boundary. */
const randomInt = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .integer({ min: 0, max: 300 })
      .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
      .map(fromTwosComplement),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 2400 }), fc.integer({ min: -2, max: 2 }), fc.boolean())
      .map(([k, delta, negative]) => {
        const v = (1n << BigInt(k)) + BigInt(delta);
        return negative ? -v : v;
      }),
  },
);

test('random ints of every byte length from 0 to 300: loaded from python3, dumped as python3 dumps them, loaded back by python3', (t) => {
  const values = fc.sample(randomInt, { seed, numRuns });
  const out = askPython(values);
  const answers = new Map<bigint, [(string | null)[], boolean[], string[]]>();
  for (const [i, v] of values.entries()) answers.set(v, [out.pickles[i]!, out.back[i]!, out.brine[i]!]);
  const lengths = new Set(
    values.map((v) => (v === 0n ? 0 : ((v < 0n ? ~v : v).toString(2).length >> 3) + 1)),
  );
  let misses = 0;
  try {
    fc.assert(
      fc.property(randomInt, (v) => {
        let answer = answers.get(v);
        if (answer === undefined) {
          misses++;
          const one = askPython([v]);
          answer = [one.pickles[0]!, one.back[0]!, one.brine[0]!];
          answers.set(v, answer);
        }
        check(v, answer[0], answer[1], answer[2]);
      }),
      { seed, numRuns },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
  // fc.sample and fc.assert draw the same values from the same seed, so one python3 run serves them all.
  if (misses > 0) t.diagnostic(`${misses} values were not prefetched: python3 ran once for each`);
  if (numRuns >= 3000)
    assert.ok(lengths.size > 290, `only ${lengths.size} of the 301 byte lengths were drawn`);
});

test('LONG1 and LONG4 payloads with redundant sign bytes load as python3 loads them', () => {
  const pickles: Uint8Array[] = [];
  const rng = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 40 }), { seed, numRuns: 400 });
  for (const [i, core] of rng.entries()) {
    // Pad the payload with sign bytes up to 1-300 bytes: the value stays that of `core`.
    const fill = core.length > 0 && core[core.length - 1]! >= 0x80 ? 0xff : 0;
    const size = core.length + (i % 3 === 0 ? (i % 300) + 1 : (i % 12) + 1);
    const payload = new Uint8Array(size).fill(fill);
    payload.set(core);
    const head = size < 256 ? [0x80, 2, 0x8a, size] : [0x80, 2, 0x8b, size & 0xff, size >> 8, 0, 0];
    const pickle = new Uint8Array(head.length + size + 1);
    pickle.set(head);
    pickle.set(payload, head.length);
    pickle[pickle.length - 1] = 0x2e; // STOP
    pickles.push(pickle);
  }
  const out = askPython([], pickles);
  for (const [i, pickle] of pickles.entries()) {
    const expected = model(BigInt(out.raw[i]!));
    assert.equal(loads(pickle), expected, `pickle ${hex(pickle)}`);
  }
});

test('at protocols 0 and 1 an int of 4300 digits is written as python3 writes it, one of 4301 refused as python3 refuses it', () => {
  const largest = 10n ** 4300n - 1n;
  const out = askPython([largest, -largest]);
  for (const [i, v] of [largest, -largest].entries()) check(v, out.pickles[i]!, out.back[i]!, out.brine[i]!);
  const refused = runPython(
    `
import pickle
for p in (0, 1):
    for v in (10**4300, -10**4300):
        try:
            pickle.dumps(v, p)
            print("written")
        except ValueError:
            print("refused")
`,
  );
  assert.equal(refused.trim(), 'refused\nrefused\nrefused\nrefused');
  for (const protocol of [0, 1]) {
    for (const v of [largest + 1n, -largest - 1n, 7n ** 100000n]) {
      assert.throws(
        () => dumps(v, { protocol }),
        (e) => e instanceof PicklingError && /4300 digits/.test(e.message),
      );
    }
    // Protocol 2 and higher write it as bytes.
    assert.equal(loads(dumps(largest + 1n, { protocol: protocol + 2 })), largest + 1n);
  }
});
