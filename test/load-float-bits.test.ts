/**
 * BINFLOAT read from its bytes (a 53-bit significand times a power of two, with zero, subnormals,
 * infinities and NaN read through a scratch) in the main loop and for the first floats of each
 * list or dict batch, and through a DataView past them: random bit patterns of every exponent,
 * alone, in tuples, in lists and as dict values of 1-40 floats (so one batch crosses from one
 * reader to the other), at protocols 2, 4 and 5, against the bits CPython loads from the same
 * pickles; python3 loads brine's dumps of them back to the same bits.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { dumps, loads, PyFloat } from '../src/index.js';
import { seed, size } from './support/budget.js';
import { fromHex, runPython, toHex } from './support/python.js';

interface Case {
  name: string;
  hex: string;
  /** The bits of each float CPython loaded, in order, as 16 hex digits. */
  bits: string[];
}

const generated = JSON.parse(
  runPython(
    `
import json, pickle, random, struct, sys
random.seed(int(sys.argv[1]))
count = int(sys.argv[2])
def from_bits(b):
    return struct.unpack('>d', b.to_bytes(8, 'big'))[0]
pool = []
for i in range(count):
    sign = random.getrandbits(1) << 63
    # Every exponent, the edges more often: 0 (zero and subnormals), 1, 1022-1024, 2045, 2046, 2047 (inf).
    e = random.choice([0, 1, 2, 1022, 1023, 1024, 2045, 2046, 2047]) if i % 3 == 0 else random.randrange(0, 2047)
    mant = 0 if (e == 2047 or random.random() < 0.1) else random.getrandbits(52)
    pool.append(from_bits(sign | (e << 52) | mant))
pool += [0.0, -0.0, 1.0, -1.0, 3.0, 0.5, 2.0 ** 52, 2.0 ** 53 + 2, 5e-324, -5e-324, 2.2250738585072014e-308,
         2.225073858507201e-308, 1.7976931348623157e308, float('inf'), float('-inf'), float('nan')]
def bits_of(v):
    return struct.pack('>d', v).hex()
def floats_in(v):
    if isinstance(v, float):
        return [v]
    if isinstance(v, (list, tuple)):
        return [y for x in v for y in floats_in(x)]
    return [y for x in v.values() for y in floats_in(x)]
values = []
at = 0
def take(n):
    global at
    out = [pool[(at + k) % len(pool)] for k in range(n)]
    at += n
    return out
for x in take(60):
    values.append(('alone', x))
for n in range(1, 41):
    values.append(('list of %d' % n, take(n)))
    values.append(('dict of %d' % n, {'k%d' % i: x for i, x in enumerate(take(n))}))
    values.append(('tuples of %d' % n, [tuple(take(1 + i % 3)) for i in range(n)]))
    # a list batch after the first floats of the load were read by a dict batch
    values.append(('dict then list of %d' % n, {'a': take(n), 'b': take(3)}))
out = []
for name, v in values:
    for proto in (2, 4, 5):
        data = pickle.dumps(v, protocol=proto)
        out.append({'name': '%s p%d' % (name, proto), 'hex': data.hex(), 'bits': [bits_of(x) for x in floats_in(pickle.loads(data))]})
print(json.dumps(out))
`,
    [String(seed(7401)), String(size(2000, 20000))],
  ),
) as Case[];

const scratch = new DataView(new ArrayBuffer(8));

function bitsOf(x: number): string {
  scratch.setFloat64(0, x);
  // Every NaN is one NaN to JavaScript: compare it as CPython's default quiet NaN.
  if (Number.isNaN(x)) return '7ff8000000000000';
  return scratch.getBigUint64(0).toString(16).padStart(16, '0');
}

function floatsIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value instanceof PyFloat) return [value.value];
  if (Array.isArray(value)) return value.flatMap(floatsIn);
  return Object.values(value as Record<string, unknown>).flatMap(floatsIn);
}

function expected(c: Case): string[] {
  return c.bits.map((b) =>
    (b.slice(0, 3) === '7ff' || b.slice(0, 3) === 'fff') && /[1-9a-f]/.test(b.slice(3))
      ? '7ff8000000000000'
      : b,
  );
}

suite('BINFLOAT from its bytes and through a DataView', () => {
  test(`${generated.length} pickles load to the bits CPython loads`, () => {
    assert.ok(generated.length > 400);
    for (let round = 0; round < 3; round++) {
      for (const c of generated) {
        const got = floatsIn(loads(fromHex(c.hex))).map(bitsOf);
        assert.deepEqual(got, expected(c), c.name);
      }
    }
  });

  test("floats: 'keep' keeps whole floats as floats on both paths", () => {
    let whole = 0;
    for (const c of generated) {
      if (!c.name.startsWith('list of')) continue;
      const kept = loads(fromHex(c.hex), { floats: 'keep' }) as unknown[];
      for (const x of kept) {
        if (typeof x === 'number') assert.ok(!Number.isInteger(x), c.name);
        else {
          assert.ok(x instanceof PyFloat, c.name);
          whole++;
        }
      }
    }
    assert.ok(whole > 20);
  });

  test('python3 loads brine dumps of the loaded floats to the same bits', () => {
    const lists = generated.filter((c) => c.name.startsWith('list of') && c.name.endsWith('p5'));
    const loaded = lists.map((c) => loads(fromHex(c.hex)));
    const reply = runPython(
      `
import json, pickle, struct, sys
given = json.load(sys.stdin)
lists = pickle.loads(bytes.fromhex(given['dump']))
def bits(x):
    return '7ff8000000000000' if x != x else struct.pack('>d', x).hex()
got = [[bits(x) for x in l] for l in lists]
want = [[bits(x) for x in pickle.loads(bytes.fromhex(h))] for h in given['originals']]
assert got == want, [i for i, (a, b) in enumerate(zip(got, want)) if a != b][:5]
print(len(got))
`,
      [],
      JSON.stringify({ dump: toHex(dumps(loaded, { protocol: 5 })), originals: lists.map((c) => c.hex) }),
    );
    assert.equal(reply.trim(), String(lists.length));
  });
});
