/**
 * Ints of every payload length from 1 to 40 bytes and around every power of
 * two up to 2**600, both signs, against python3 at protocols 0-5.
 *
 * The values: for each byte length L (1-40), the bounds of L bytes of two's
 * complement (±2**(8L-1) and their neighbours, 2**(8L) - 1, -2**(8L)) and
 * seeded random values of exactly L bytes of both signs; for each k from 0
 * to 600, 2**k - 1, 2**k, 2**k + 1 and their negatives. These cross every
 * path of the LONG1 decoder (a double up to 6 bytes, two halves or one
 * signed 64-bit read at 7-8, 64-bit words from 9 bytes, a partial top word
 * of each width) and of the writer (the word count, the byte count from the
 * top word, int32 told apart by its byte count).
 *
 * Each value is checked both ways: brine loads python3's pickle of it at
 * each protocol to the value model's int (a number when it is a safe
 * integer, else a bigint); brine's dumps of it (as a bigint, and as a
 * number when it is safe) are the bytes `pickle.dumps` writes; python3 loads
 * brine's dumps back to the same int; and a list of all of them, at
 * protocols 2, 4 and 5 (the loader's batch of list items), loads and dumps
 * to python3's bytes too.
 *
 * BRINE_SEED=<n> draws other random values (the seed is in the failure message).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads } from '../src/index.js';
import { runs, seed as seedFrom } from './support/budget.js';
import { fromHex, runPython, toHex } from './support/python.js';

const SEED = seedFrom(4040);
/** Random values per byte length and sign. */
const RANDOM_PER_LENGTH = runs(4, 40);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];
const LIST_PROTOCOLS = [2, 4, 5];
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A small seeded generator (xorshift32): the same values on every run with one seed. */
function generator(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function values(): bigint[] {
  const out = new Set<bigint>();
  for (let len = 1; len <= 40; len++) {
    const half = 1n << BigInt(8 * len - 1);
    for (const v of [half - 1n, half, half + 1n, -half, -half - 1n, -half + 1n, 2n * half - 1n, -2n * half])
      out.add(v);
  }
  for (let k = 0; k <= 600; k++) {
    const p = 1n << BigInt(k);
    for (const v of [p - 1n, p, p + 1n]) {
      out.add(v);
      out.add(-v);
    }
  }
  const next = generator(SEED);
  for (let len = 1; len <= 40; len++) {
    for (let i = 0; i < RANDOM_PER_LENGTH; i++) {
      // len bytes of two's complement: the top byte's top bit is the sign, the bit below it set so
      // that the value needs all len bytes.
      let v = 0n;
      for (let b = 0; b < len - 1; b++) v = (v << 8n) | BigInt(next() & 0xff);
      const top = BigInt(0x40 | (next() & 0x3f));
      v |= top << BigInt(8 * (len - 1));
      out.add(v);
      out.add(-v - 1n); // its complement: the same length, negative
    }
  }
  return [...out];
}

/**
 * Reads JSON `{"values": [decimal...], "brine": [[hex per protocol]...],
 * "lists": [hex per list protocol]}`; writes python3's pickles of each value
 * at protocols 0-5, whether pickle.loads of each of brine's dumps is that
 * int, and the same for the list of all values at protocols 2, 4 and 5.
 */
const PYTHON_SIDE = `
import json, pickle, sys
req = json.load(sys.stdin)
vals = [int(t) for t in req["values"]]
out = {"pickles": [], "back": [], "lists": [], "listsBack": []}
for v, ours in zip(vals, req["brine"]):
    out["pickles"].append([pickle.dumps(v, p).hex() for p in range(6)])
    out["back"].append([type(g) is int and g == v for g in (pickle.loads(bytes.fromhex(h)) for h in ours)])
for p, h in zip(${JSON.stringify(LIST_PROTOCOLS)}, req["lists"]):
    out["lists"].append(pickle.dumps(vals, p).hex())
    got = pickle.loads(bytes.fromhex(h))
    out["listsBack"].append(type(got) is list and got == vals and all(type(g) is int for g in got))
sys.stdout.write(json.dumps(out))
`;

interface PythonOut {
  pickles: string[][];
  back: boolean[][];
  lists: string[];
  listsBack: boolean[];
}

/** The value model's int: a number when it is a safe integer, else a bigint. */
function model(v: bigint): number | bigint {
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

test(`ints of 1-40 bytes and around every power of two to 2**600, both signs: loads and dumps as python3 at protocols 0-5 (seed ${SEED})`, () => {
  const vals = values();
  const ours = vals.map((v) => PROTOCOLS.map((p) => toHex(dumps(v, { protocol: p }))));
  const lists = LIST_PROTOCOLS.map((p) => toHex(dumps(vals, { protocol: p })));
  const py = JSON.parse(
    runPython(PYTHON_SIDE, [], JSON.stringify({ values: vals.map(String), brine: ours, lists })),
  ) as PythonOut;
  let checked = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    const want = model(v);
    for (const p of PROTOCOLS) {
      const what = `${v} at protocol ${p} (seed ${SEED})`;
      const got = loads(fromHex(py.pickles[i]![p]!));
      assert.equal(typeof got, typeof want, `type of the load of ${what}`);
      assert.equal(got, want, `load of ${what}`);
      assert.equal(ours[i]![p], py.pickles[i]![p], `dumps of ${what} (as a bigint)`);
      if (typeof want === 'number')
        assert.equal(
          toHex(dumps(want, { protocol: p })),
          py.pickles[i]![p],
          `dumps of ${what} (as a number)`,
        );
      assert.ok(py.back[i]![p], `python3 loads brine's dumps of ${what}`);
      checked++;
    }
  }
  assert.equal(checked, vals.length * PROTOCOLS.length);
  for (let j = 0; j < LIST_PROTOCOLS.length; j++) {
    const p = LIST_PROTOCOLS[j]!;
    assert.equal(lists[j], py.lists[j], `dumps of the list of all ${vals.length} values at protocol ${p}`);
    assert.ok(py.listsBack[j], `python3 loads brine's list at protocol ${p}`);
    const got = loads(fromHex(py.lists[j]!)) as unknown[];
    assert.equal(got.length, vals.length);
    for (let i = 0; i < vals.length; i++)
      assert.equal(got[i], model(vals[i]!), `item ${i} of the list at protocol ${p}`);
  }
});
