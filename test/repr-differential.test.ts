/**
 * Differential test of repr() and pformat() against CPython: fast-check draws
 * random values (scalars, containers, shared references, complex, slices,
 * ranges, collections, SimpleNamespace, compiled patterns, Decimal),
 * test/support/repr-diff.py builds each in python3, pickles it at protocols 0
 * to 5 and prints `repr()` and `pprint.pformat()` (four configurations) of the
 * value each pickle loads to; brine loads the same pickle and must print the
 * same text. All the values of a run go to one python3 process.
 *
 * BRINE_SEED=<n> replays a run (the seed is in the failure message),
 * BRINE_RUNS=<n> changes the number of values (default 150; BRINE_BUDGET=full: 600).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loads } from '../src/index.js';
import { pformat, repr } from '../src/tools/repr.js';
import { runs, seed as seedOr } from './support/budget.js';
import { pythonChar } from './support/fast-check.js';
import { fromHex, runPythonScript } from './support/python.js';

const DEFAULT_SEED = 20261205;
const seed = seedOr(DEFAULT_SEED);
const numRuns = runs(150, 600);

/** The pformat options of repr-diff.py's CONFIGS, in order. */
const CONFIGS = [
  { width: 80 },
  { width: 30 },
  { width: 30, compact: true },
  { width: 40, indent: 4, sortDicts: false },
];

type Spec = unknown[];

/** Floats that stay floats when loaded without `exact` (no integral value below 2^53), as Python's repr text. */
const floatText = fc.oneof(
  fc.double({ noDefaultInfinity: false }).map((x) => {
    if (Number.isNaN(x)) return 'nan';
    if (x === Number.POSITIVE_INFINITY) return 'inf';
    if (x === Number.NEGATIVE_INFINITY) return '-inf';
    if (Object.is(x, -0)) return '-0.0';
    const y = Number.isInteger(x) && Math.abs(x) < 2 ** 53 ? x + 0.5 : x;
    return String(y);
  }),
  fc.constantFrom('1e+16', '1e-05', '0.0001', '1e+22', '-1.5e-07', '123456789012345.6', '0.1', '-0.0'),
);
const intText = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map(String),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
);
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: pythonChar, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: pythonChar, minLength: 40, maxLength: 120 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("'", '"', '\'"', 'a b c d e f g h i j k l m n o p q r s', 'x\ny\n'),
  },
);
const hex = fc
  .uint8Array({ maxLength: 40 })
  .chain((b) =>
    fc.oneof(fc.constant(b), fc.constant(Uint8Array.of(0x27, ...b)), fc.constant(Uint8Array.of(0x22, 0x27))),
  )
  .map((b) => Buffer.from(b).toString('hex'));
const identifier = fc.constantFrom('a', 'b', 'alpha', 'x1', 'long_attribute_name');

const scalar: fc.Arbitrary<Spec> = fc.oneof(
  fc.constant<Spec>(['none']),
  fc.boolean().map((b) => ['bool', b]),
  intText.map((v) => ['int', v]),
  floatText.map((v) => ['float', v]),
  text.map((v) => ['str', v]),
  hex.map((v) => ['bytes', v]),
  hex.map((v) => ['bytearray', v]),
);
/**
 * Set items whose order CPython and brine agree on: numbers. Not NaN (never
 * equal to itself) nor -0.0 (a JavaScript Set stores it as 0).
 */
const setItem: fc.Arbitrary<Spec> = fc.oneof(
  intText.map((v) => ['int', v]),
  floatText.filter((v) => v !== 'nan' && v !== '-0.0').map((v) => ['float', v]),
);
const dictKey: fc.Arbitrary<Spec> = fc.oneof(
  text.map((v) => ['str', v]),
  fc.integer({ min: -50, max: 50 }).map((v) => ['int', String(v)]),
);
const strKey: fc.Arbitrary<Spec> = text.map((v) => ['str', v]);
const pattern = fc.record({
  source: fc.constantFrom('a', 'a+b', '(x|y)*', "it's", '\\d+'),
  flags: fc.subarray([2, 8, 16, 64, 256]),
  bytes: fc.boolean(),
});

const { value } = fc.letrec<{ value: Spec }>((tie) => {
  const items = fc.array(tie('value'), { maxLength: 5 });
  return {
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: scalar },
      { weight: 2, arbitrary: items.map((v) => ['list', v]) },
      { weight: 2, arbitrary: items.map((v) => ['tuple', v]) },
      { weight: 1, arbitrary: fc.array(setItem, { maxLength: 12 }).map((v) => ['set', v]) },
      { weight: 1, arbitrary: fc.array(setItem, { maxLength: 12 }).map((v) => ['frozenset', v]) },
      {
        weight: 2,
        arbitrary: fc
          .uniqueArray(fc.tuple(dictKey, tie('value')), {
            maxLength: 5,
            selector: ([k]) => JSON.stringify(k),
          })
          .map((v) => ['dict', v]),
      },
      { weight: 1, arbitrary: tie('value').map((v) => ['twice', v]) },
      { weight: 1, arbitrary: fc.tuple(floatText, floatText).map(([r, i]) => ['complex', r, i]) },
      { weight: 1, arbitrary: fc.tuple(scalar, scalar, scalar).map(([a, b, c]) => ['slice', a, b, c]) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(intText, intText, fc.oneof(intText, fc.constant('1')))
          .filter(([, , step]) => step !== '0')
          .map(([a, b, c]) => ['range', a, b, c]),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(items, fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }))
          .map(([v, maxlen]) => ['deque', v, maxlen === null ? null : v.length + maxlen]),
      },
      {
        weight: 1,
        arbitrary: fc
          .uniqueArray(fc.tuple(strKey, tie('value')), { maxLength: 4, selector: ([k]) => JSON.stringify(k) })
          .map((v) => ['odict', v]),
      },
      {
        weight: 1,
        arbitrary: fc
          .uniqueArray(fc.tuple(strKey, fc.integer({ min: -3, max: 9 }).map(String)), {
            maxLength: 5,
            selector: ([k]) => JSON.stringify(k),
          })
          .map((v) => ['counter', v]),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(null, 'list', 'int'),
            fc.uniqueArray(fc.tuple(strKey, tie('value')), {
              maxLength: 4,
              selector: ([k]) => JSON.stringify(k),
            }),
          )
          .map(([f, v]) => ['ddict', f, v]),
      },
      {
        weight: 1,
        arbitrary: fc
          .uniqueArray(fc.tuple(identifier, tie('value')), { maxLength: 4, selector: ([k]) => k })
          .map((v) => ['ns', v]),
      },
      {
        weight: 1,
        arbitrary: pattern.map(({ source, flags, bytes }) => {
          // A bytes pattern cannot be ASCII (it is already); LOCALE is for bytes only.
          let f = flags.reduce((a, b) => a | b, 0);
          if (bytes) f = (f & ~256) | (flags.includes(256) ? 4 : 0);
          return ['re', source, f, bytes ? 'bytes' : 'str'];
        }),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('1.5', '-0', '1E+3', 'NaN', '-Infinity', '0.000001')
          .map((t) => ['decimal', t]),
      },
    ),
  };
});

type Row = [protocol: number, hex: string, repr: string, pformats: string[]];

test('repr and pformat of random values, every protocol, match python3', () => {
  const specs = fc.sample(value, { seed, numRuns });
  const rows = JSON.parse(runPythonScript('test/support/repr-diff.py', [], JSON.stringify(specs))) as Row[][];
  assert.equal(rows.length, specs.length);
  const failures: string[] = [];
  let compared = 0;
  rows.forEach((perProtocol, i) => {
    for (const [protocol, data, pyRepr, pyPformats] of perProtocol) {
      const loaded = loads(fromHex(data));
      compared++;
      const r = repr(loaded);
      if (r !== pyRepr)
        failures.push(
          `repr, protocol ${protocol}, spec ${JSON.stringify(specs[i])}\n  python: ${pyRepr}\n  brine:  ${r}`,
        );
      CONFIGS.forEach((options, k) => {
        const got = pformat(loaded, options);
        if (got !== pyPformats[k])
          failures.push(
            `pformat ${JSON.stringify(options)}, protocol ${protocol}, spec ${JSON.stringify(specs[i])}\n--- python\n${pyPformats[k]}\n--- brine\n${got}`,
          );
      });
    }
  });
  assert.equal(compared, specs.length * 6);
  if (process.env.BRINE_DUMP) console.log(failures.join('\n=====\n'));
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} differences (BRINE_SEED=${seed})`);
});
