/**
 * Random Python values, pickled by python3 at every protocol, loaded by brine.
 *
 * fast-check generates a value in the generation language of
 * scripts/vectors_lib.py (`build`): the description language of
 * test/support/describe.ts, with `int` / `float` for Python's number types and
 * `dict` with described keys. scripts/py-helper.py builds each value, pickles it
 * at protocols 0-5 and describes it; brine must load every pickle to a value
 * with that description. All the values of a run go to one python3 process;
 * values met while shrinking a failure are sent one by one.
 *
 * BRINE_SEED=<n> replays a run (the seed is in the failure message),
 * BRINE_RUNS=<n> changes the number of values (default 200; BRINE_BUDGET=full: 800).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loads } from '../src/index.js';
import { runs, seed as seedOr } from './support/budget.js';
import { compareDescriptions, type Desc, describe, numberText } from './support/describe.js';
import { failWithSeed, pythonChar } from './support/fast-check.js';
import { PYTHON } from './support/python.js';
import { fromHex, SCRIPTS } from './support/vectors.js';

const DEFAULT_SEED = 19170604;
const seed = seedOr(DEFAULT_SEED);
const numRuns = runs(200, 800);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

/** A Python value in the generation language of vectors_lib.build(). */
type Spec =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: string }
  | { t: 'float'; v: string }
  | { t: 'string'; v: string }
  | { t: 'bytes' | 'bytearray'; hex: string }
  | { t: 'list' | 'tuple' | 'set' | 'frozenset'; items: Spec[] }
  | { t: 'dict'; entries: [Spec, Spec][] };

interface PythonResult {
  pickles: string[];
  expect: Desc;
}

// ---------------------------------------------------------------------------
// Arbitraries

const char = pythonChar;
const text = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: char, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: char, minLength: 200, maxLength: 400 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\\', '\\u0041', '\n\r\x00\x1a', '\'"', 'é', '\ud800', 'a\udfffb'),
  },
);

const INT_BOUNDARIES = [
  0n,
  1n,
  255n,
  256n,
  65535n,
  65536n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n,
  2n ** 2039n,
  2n ** 2040n,
];
const bigint = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -300, max: 300 }).map(BigInt) },
  { weight: 2, arbitrary: fc.integer().map(BigInt) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...INT_BOUNDARIES), fc.constantFrom(-1n, 0n, 1n), fc.boolean())
      .map(([n, delta, negative]) => (negative ? -(n + delta) : n + delta)),
  },
);
const int = bigint.map((n): Spec => ({ t: 'int', v: n.toString() }));
const float = fc
  .oneof(
    { weight: 4, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, 0.1, 1e16, 1e21, 1e-7, 5e-324, Number.NaN) },
  )
  .map((x): Spec => ({ t: 'float', v: numberText(x) }));
const floatNotNaN = float.filter((spec) => spec.t === 'float' && spec.v !== 'NaN');
const bytesHex = fc
  .oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 250, maxLength: 300 }) },
  )
  .map((b) => Buffer.from(b).toString('hex'));

const none = fc.constant<Spec>({ t: 'null' });
const bool = fc.boolean().map((v): Spec => ({ t: 'bool', v }));
const str = text.map((v): Spec => ({ t: 'string', v }));
const bytes = bytesHex.map((hex): Spec => ({ t: 'bytes', hex }));
const bytearray = bytesHex.map((hex): Spec => ({ t: 'bytearray', hex }));

// Hashable values: set items and dict keys. NaN is left out: JS Sets and Maps
// merge every NaN into one, where Python keeps distinct NaN objects apart.
const hashableAtom = fc.oneof(none, bool, int, floatNotNaN, str, bytes);
const hashable = fc.oneof(
  { weight: 5, arbitrary: hashableAtom },
  {
    weight: 1,
    arbitrary: fc.array(hashableAtom, { maxLength: 3 }).map((items): Spec => ({ t: 'tuple', items })),
  },
);
const specialKey = fc.constantFrom(
  '0',
  '10',
  '4294967294',
  '4294967295',
  '01',
  '-1',
  '1.5',
  '',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'length',
);
const strKey = fc
  .oneof(
    { weight: 3, arbitrary: fc.string({ unit: char, maxLength: 8 }) },
    { weight: 1, arbitrary: specialKey },
  )
  .map((v): Spec => ({ t: 'string', v }));

const atom = fc.oneof(none, bool, int, float, str, bytes, bytearray);

const { value } = fc.letrec<{ value: Spec }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    { weight: 4, arbitrary: atom },
    {
      weight: 1,
      arbitrary: fc.array(tie('value'), { maxLength: 6 }).map((items): Spec => ({ t: 'list', items })),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie('value'), { maxLength: 5 }).map((items): Spec => ({ t: 'tuple', items })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.array(fc.tuple(strKey, tie('value')), { maxLength: 6 }),
          fc.array(fc.tuple(int, tie('value')), { maxLength: 4 }),
          fc.array(fc.tuple(fc.oneof(strKey, hashable), tie('value')), { maxLength: 5 }),
        )
        .map((entries): Spec => ({ t: 'dict', entries })),
    },
    {
      weight: 1,
      arbitrary: fc.array(hashable, { maxLength: 6 }).map((items): Spec => ({ t: 'set', items })),
    },
    {
      weight: 1,
      arbitrary: fc.array(hashable, { maxLength: 6 }).map((items): Spec => ({ t: 'frozenset', items })),
    },
  ),
}));

// ---------------------------------------------------------------------------
// python3

function runPython(specs: Spec[]): PythonResult[] {
  const output = execFileSync(PYTHON, [join(SCRIPTS, 'py-helper.py')], {
    input: JSON.stringify({ specs, protocols: PROTOCOLS }),
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return JSON.parse(output.toString('utf8')) as PythonResult[];
}

function checkLoads(spec: Spec, result: PythonResult): void {
  for (const [i, protocol] of PROTOCOLS.entries()) {
    const loaded = loads(fromHex(result.pickles[i]!));
    const difference = compareDescriptions(describe(loaded), result.expect);
    if (difference !== undefined) {
      throw new Error(
        `protocol ${protocol}, pickle ${result.pickles[i]}: ${difference}\n  spec: ${JSON.stringify(spec)}`,
      );
    }
  }
}

test('loads() returns what python3 pickled, for random values at every protocol', (t) => {
  const cache = new Map<string, PythonResult>();
  const specs = fc.sample(value, { seed, numRuns });
  const results = runPython(specs);
  for (const [i, spec] of specs.entries()) cache.set(JSON.stringify(spec), results[i]!);
  let misses = 0;
  try {
    fc.assert(
      fc.property(value, (spec) => {
        const key = JSON.stringify(spec);
        let result = cache.get(key);
        if (result === undefined) {
          misses++;
          result = runPython([spec])[0]!;
          cache.set(key, result);
        }
        checkLoads(spec, result);
      }),
      { seed, numRuns },
    );
  } catch (error) {
    failWithSeed(error, seed);
  }
  // fc.sample and fc.assert draw the same values from the same seed, so one python3 run serves them all.
  if (misses > 0) t.diagnostic(`${misses} values were not prefetched: python3 ran once for each`);
});
