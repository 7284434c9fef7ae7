/**
 * Lists of big ints (LONG1 items in APPENDS batches), which the unpickler
 * sizes once from a count of the batches ahead: python3 writes them at
 * protocols 2-5 (alone, mixed with other items, nested, one list appended
 * twice, and around the size from which lists are sized ahead), brine loads
 * them, and the values are compared with python3's (ints beyond 2^53 as
 * decimal text).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { loads } from '../src/index.js';
import { PYTHON } from './support/python.js';

const PYTHON_SIDE = `
import json, random, pickle, sys
rng = random.Random(7)
def big():
    bits = rng.randint(49, 300)
    v = rng.getrandbits(bits) | (1 << (bits - 1))
    return -v if rng.random() < 0.3 else v
def plain(v):
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, int) and abs(v) > 2**53 - 1: return str(v)
    return v
cases = []
for protocol in (2, 3, 4, 5):
    ints = [big() for _ in range(5000)]
    mixed = [big() if i % 3 else ('s%d' % i if i % 2 else i) for i in range(6000)]
    shared = [big() for _ in range(3000)]
    for value in (ints, mixed, [shared, shared, [big()] * 4100], ints[:4097], ints[:4095]):
        cases.append([pickle.dumps(value, protocol).hex(), plain(value)])
sys.stdout.write(json.dumps(cases))
`;

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

test('lists of big ints load as python3 wrote them, at protocols 2-5', () => {
  const cases = JSON.parse(
    execFileSync(PYTHON, ['-c', PYTHON_SIDE], { maxBuffer: 1 << 28, encoding: 'utf8' }),
  ) as [string, unknown][];
  assert.equal(cases.length, 20);
  for (const [hex, want] of cases) {
    assert.deepEqual(plain(loads(Uint8Array.from(Buffer.from(hex, 'hex')))), want);
  }
  // The same list object twice stays one object.
  const shared = loads(Uint8Array.from(Buffer.from(cases[2]![0], 'hex'))) as unknown[][];
  assert.equal(shared[0], shared[1]);
});
