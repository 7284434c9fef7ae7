/**
 * Lists of numbers written by the pickler's run of numbers (`#numberRun`),
 * which checks the frame's end and the buffer's room against one bound per
 * item: python3 pickles lists of ints of 1, 2 and 4 bytes (BININT1, BININT2,
 * BININT), floats (BINFLOAT), ints past 32 bits (LONG1, written by the
 * general path) and a few other items, in seeded random mixes of 1.2 MB and
 * more (frames of 64 KiB end on every byte offset; the output spans several
 * 1 MiB segments), at protocols 0-5. brine loads each (exact, and plain when
 * it holds no integral float) and dumps it to the same bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads } from '../src/index.js';
import { FULL, seed as seedFrom } from './support/budget.js';
import { fromHex, runPython, toHex } from './support/python.js';

const SEED = seedFrom(1010);

/**
 * The mixes of item kinds. `npm test` runs two: 2- and 9-byte items (a float ending exactly at the
 * buffer's end: a room of 8 bytes instead of 9 fails it) and every kind with items the run stops at
 * (a frame end one byte late fails it); `npm run fuzz` all six.
 */
const ALL_MIXES = [
  ['i1'],
  ['i1', 'i2'],
  ['i2', 'f'],
  ['i1', 'i2', 'i4', 'f'],
  ['f', 'fi', 'neg0'],
  ['i1', 'i2', 'i4', 'f', 'big', 'other'],
];
const MIXES = FULL ? ALL_MIXES : [ALL_MIXES[2]!, ALL_MIXES[5]!];

const cases = JSON.parse(
  runPython(`
import json, pickle, random, sys
rng = random.Random(${SEED})
def item(kinds):
    k = rng.choice(kinds)
    if k == 'i1': return rng.randrange(256)
    if k == 'i2': return rng.randrange(256, 65536)
    if k == 'i4': return rng.choice([-1, 1]) * rng.randrange(65536, 2**31)
    if k == 'f': return rng.uniform(-1e6, 1e6)
    if k == 'fi': return float(rng.randrange(-1000, 1000))
    if k == 'big': return rng.randrange(2**31, 2**62)
    if k == 'neg0': return -0.0
    return rng.choice([None, True, 'ab', b'xy', (1, 2)])
mixes = json.loads('${JSON.stringify(MIXES)}')
out = []
for n, kinds in enumerate(mixes):
    size = 0
    value = []
    while size < 1_200_000 + 7919 * n:
        x = item(kinds)
        value.append(x)
        size += 9 if isinstance(x, float) else 3
    out.append([' '.join(kinds), [pickle.dumps(value, p).hex() for p in range(6)]])
sys.stdout.write(json.dumps(out))
`),
) as [string, string[]][];

test('lists of numbers dump to python3 bytes at protocols 0-5 across frames and segments', () => {
  assert.equal(cases.length, MIXES.length);
  for (const [kinds, hexes] of cases) {
    for (let proto = 0; proto <= 5; proto++) {
      // A plain load reads an integral float as an int (the value model): exact loads only for those.
      for (const exact of kinds.includes('fi') ? [true] : [false, true]) {
        const value = loads(fromHex(hexes[proto]!), { exact });
        const got = toHex(dumps(value, { protocol: proto }));
        // Not assert.equal on megabytes of hex: where they part, and the lengths.
        if (got !== hexes[proto]) {
          let at = 0;
          while (got[at] === hexes[proto]![at]) at++;
          assert.fail(
            `${kinds} at protocol ${proto}${exact ? ' (exact load)' : ''}: differs from byte ${at >> 1} ` +
              `(${got.length >> 1} bytes against ${hexes[proto]!.length >> 1}; seed ${SEED})`,
          );
        }
      }
    }
  }
});
