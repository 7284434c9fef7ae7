/**
 * Big ints of a list made in batches (LONG1 payloads of 9 bytes or more queued, then made by V8's
 * deserializer, in Node): python3 pickles lists of ints around every length boundary (8/9, 16/17,
 * 24/25, 32/33 bytes and on to 255), both signs, with 0x00 and 0xff sign bytes at the top, across a
 * batch's end (255, 256, 257 ints), mixed with small ints, str stored in the memo, None and tuples
 * of big ints, at protocols 2-5; and lists holding LONG1 payloads with redundant sign bytes (which
 * Python loads, and which may be safe integers). Each is loaded by brine and compared with the
 * values python3 loads from the same bytes; and again in a process without `process.getBuiltinModule`
 * (as in a browser), where the same lists take the 64-bit words.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loads } from '../src/index.js';
import { PYTHON } from './support/python.js';

const PYTHON_SIDE = `
import json, pickle, random, struct, sys
rng = random.Random(11)
edges = []
for n in (8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200, 254, 255):
    h = 1 << (8 * n - 1)
    edges += [h - 1, h, h + 1, -h, -h - 1, -h + 1, (1 << (8 * n)) - 1, -(1 << (8 * n)), 1 << (8 * n)]
edges = [v for v in edges if -(1 << 2039) <= v < (1 << 2039)]
def big():
    bits = rng.randint(54, 700)
    v = rng.getrandbits(bits) | (1 << (bits - 1))
    return -v if rng.random() < 0.4 else v
def plain(v):
    if isinstance(v, (list, tuple)): return [plain(x) for x in v]
    if isinstance(v, int) and abs(v) > 2**53 - 1: return str(v)
    return v
values = []
values.append(edges)
for count in (255, 256, 257, 511, 513):
    values.append([big() for _ in range(count)])
mixed = []
for i in range(1500):
    r = i % 7
    mixed.append(big() if r < 3 else i if r == 3 else ('s%d' % (i % 40)) if r == 4 else None if r == 5 else (big(), big()))
values.append(mixed)
values.append([(big(),) if i % 2 else (big(), i, big()) for i in range(700)])
cases = []
for protocol in (2, 3, 4, 5):
    for value in values:
        cases.append([pickle.dumps(value, protocol).hex(), plain(value)])
# Redundant sign bytes (never written by Python, loaded by it): 9-40 byte payloads of small and big values.
def long1(v, n):
    return b'\\x8a' + bytes([n]) + v.to_bytes(n, 'little', signed=True)
items = [(0, 9), (5, 9), (-5, 9), (2**53 - 1, 12), (-(2**53), 16), (2**53, 9), (2**63 - 1, 17), (-(2**63), 24),
         (2**64, 33), (-(2**64) - 1, 40), (-1, 9), (255, 9), (-256, 10)]
body = b''.join(long1(v, n) for v, n in items * 30)
data = b'\\x80\\x02]q\\x00(' + body + b'e.'
cases.append([data.hex(), plain(pickle.loads(data))])
sys.stdout.write(json.dumps(cases))
`;

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** Without V8's deserializer, as in a browser. */
const NO_DESERIALIZER = 'process.getBuiltinModule = undefined;';

/** A deserializer that reads the first ask (the check) and throws at every later one. */
const FAILING_DESERIALIZER = `
  const real = process.getBuiltinModule('v8');
  let asks = 0;
  const v8 = { deserialize: (bytes) => { if (asks++ > 0) throw new Error('deserializer failed'); return real.deserialize(bytes); } };
  process.getBuiltinModule = (id) => (id === 'v8' ? v8 : undefined);
`;

/** Loads each pickle of `cases` in a process that runs `prelude` first; returns the loads, values as `plain`. */
function loadInChild(prelude: string, cases: [string, unknown][]): unknown[] {
  const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const script = `
    ${prelude}
    const { loads } = await import(${JSON.stringify(src)});
    const plain = (v) => typeof v === 'bigint' ? v.toString() : Array.isArray(v) ? v.map(plain) : v;
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    const out = JSON.parse(text).map(([hex]) => plain(loads(Uint8Array.from(Buffer.from(hex, 'hex')))));
    process.stdout.write(JSON.stringify(out));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    input: JSON.stringify(cases),
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  return JSON.parse(out) as unknown[];
}

let made: [string, unknown][] | null = null;

/** python3's pickles and values, made once for both tests. */
function pythonCases(): [string, unknown][] {
  made ??= JSON.parse(
    execFileSync(PYTHON, ['-c', PYTHON_SIDE], { maxBuffer: 1 << 28, encoding: 'utf8' }),
  ) as [string, unknown][];
  return made;
}

test('lists of big ints made in batches load as python3 loads them: length and sign boundaries, batch ends, mixed items, tuples, redundant sign bytes', () => {
  const cases = pythonCases();
  assert.equal(cases.length, 33);
  for (const [hex, want] of cases) {
    const got = loads(Uint8Array.from(Buffer.from(hex, 'hex')));
    assert.deepEqual(plain(got), want);
  }
  // Values that fit a double stay numbers; the rest are bigints.
  const last = loads(Uint8Array.from(Buffer.from(cases[32]![0], 'hex'))) as unknown[];
  assert.deepEqual(
    last.slice(0, 13).map((v) => typeof v),
    [
      'number',
      'number',
      'number',
      'number',
      'bigint',
      'bigint',
      'bigint',
      'bigint',
      'bigint',
      'bigint',
      'number',
      'number',
      'number',
    ],
  );
});

test('the same lists load alike without the deserializer of V8 (the 64-bit words, as in a browser)', () => {
  const cases = pythonCases();
  const got = loadInChild(NO_DESERIALIZER, cases);
  assert.equal(got.length, 33);
  for (const [i, [, want]] of cases.entries()) assert.deepEqual(got[i], want);
});

test('a deserializer that fails after its check leaves no int unmade: the batch takes the 64-bit words', () => {
  const cases = pythonCases();
  const got = loadInChild(FAILING_DESERIALIZER, cases);
  assert.equal(got.length, 33);
  for (const [i, [, want]] of cases.entries()) assert.deepEqual(got[i], want);
});
