/**
 * `optimize` against CPython's `pickletools.optimize` on the whole corpus (the
 * vectors, the adversarial corpus, what `dumps` writes, CPython's bad pickles
 * and seeded mutations): the same bytes, or an UnpicklingError where
 * pickletools raises. And the optimized pickle loads to what the original
 * loads to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { genops } from '../src/tools/genops.js';
import { optimize } from '../src/tools/optimize.js';
import { size } from './support/budget.js';
import { compareDescriptions, describe } from './support/describe.js';
import { fromHex, toHex } from './support/python.js';
import {
  adversarialInputs,
  badPickleInputs,
  dumpsInputs,
  mutatedInputs,
  runPickletools,
  type ToolInput,
} from './support/tools-dis.js';
import { loadVectorPickles, toLoadOptions } from './support/vectors.js';

const SEED = 20240612;

const vectors = loadVectorPickles();
const vectorInputs: ToolInput[] = vectors.map((v) => ({
  name: `vector ${v.name} (protocol ${v.protocol})`,
  data: fromHex(v.pickle),
}));
const adversarial = adversarialInputs();
const dumped = dumpsInputs(100, SEED);
const bad = badPickleInputs();
const mutated = mutatedInputs(
  [...vectorInputs.filter((v) => v.data.length < 4096), ...adversarial, ...dumped],
  1500,
  SEED,
);
const groups = [
  ['vectors', vectorInputs],
  ['adversarial corpus', adversarial],
  ['dumps output', dumped],
  ['bad pickles', bad],
  ['mutations', mutated],
] as const;

const all = groups.flatMap(([, inputs]) => inputs);
const expected = await runPickletools(all.map((input) => ({ mode: 'optimize', hex: toHex(input.data) })));
const byInput = new Map(all.map((input, i) => [input, expected[i]!]));

/** pickletools writes `gNone` (protocol 0) or fails with a TypeError (1+) for a GET no PUT precedes; brine refuses both. */
function readBeforeStored(out: string, error: [string, string] | null): boolean {
  return (
    error?.[0] === 'TypeError' || out.includes(toHex(Uint8Array.from('gNone\n', (c) => c.charCodeAt(0))))
  );
}

for (const [group, inputs] of groups) {
  test(`optimize is pickletools.optimize: ${group}`, () => {
    const failures: string[] = [];
    let same = 0;
    for (const input of inputs) {
      const want = byInput.get(input)!;
      let got: string | undefined;
      let error: unknown;
      try {
        got = toHex(optimize(input.data));
      } catch (e) {
        error = e;
      }
      if (error !== undefined) {
        if (!(error instanceof UnpicklingError)) {
          failures.push(`${input.name}: threw ${String(error)}`);
        } else if (/is read before it is stored/.test(error.reason)) {
          if (!readBeforeStored(want.out, want.error)) failures.push(`${input.name}: ${error.message}`);
        } else if (want.error === null) {
          failures.push(`${input.name}: ${error.message}, pickletools optimized it`);
        } else if (error.reason !== want.error[1]) {
          failures.push(`${input.name}: "${error.reason}", pickletools "${want.error[1]}"`);
        }
      } else if (want.error !== null) {
        failures.push(`${input.name}: optimized, pickletools raised ${want.error.join(': ')}`);
      } else if (got !== want.out) {
        failures.push(`${input.name}: bytes differ\n  brine:       ${got}\n  pickletools: ${want.out}`);
      } else same++;
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${inputs.length} differ`);
    if (group !== 'bad pickles' && group !== 'mutations') assert.ok(same > inputs.length * 0.9);
  });
}

test('the corpus exercises the optimizer: dropped and kept memo opcodes, every protocol, frames', () => {
  let dropped = 0;
  let kept = 0;
  let framed = 0;
  const protocols = new Set<number>();
  for (const input of [...vectorInputs, ...adversarial, ...dumped]) {
    const want = byInput.get(input)!;
    if (want.error !== null) continue;
    const ops = [...genops(input.data)];
    const before = ops.filter((op) => /PUT|MEMOIZE/.test(op.info.name)).length;
    const after = [...genops(fromHex(want.out))].filter((op) => /PUT|MEMOIZE/.test(op.info.name)).length;
    if (after < before) dropped++;
    if (after > 0) kept++;
    if (ops.filter((op) => op.info.name === 'FRAME').length > 1) framed++;
    protocols.add(
      ops[0]!.info.name === 'PROTO' ? (ops[0]!.arg as number) : Math.max(...ops.map((op) => op.info.proto)),
    );
  }
  assert.ok(
    dropped > 100 && kept > 100 && framed > 3,
    `dropped ${dropped}, kept ${kept}, multi-frame ${framed}`,
  );
  assert.deepEqual([...protocols].sort(), [0, 1, 2, 3, 4, 5]);
});

/**
 * The pickles over 32 KiB (48 of the vectors and the adversarial corpus, three quarters of their
 * bytes) are loaded, optimized and loaded again each under `npm run fuzz`, every fourth (in corpus
 * order) under `npm test`, among them pickles of several frames; pickletools' bytes are compared
 * for every one above.
 */
const BIG = 32 * 1024;
const BIG_STRIDE = size(4, 1);
function sampled<T>(items: readonly T[], length: (item: T) => number): T[] {
  let big = 0;
  return items.filter((item) => length(item) <= BIG || big++ % BIG_STRIDE === 0);
}

test('loads(optimize(p)) equals loads(p) for every vector, the adversarial corpus and what dumps wrote', () => {
  const failures: string[] = [];
  let compared = 0;
  for (const v of sampled(vectors, (x) => x.pickle.length / 2)) {
    const data = fromHex(v.pickle);
    let original: unknown;
    try {
      original = loads(data, toLoadOptions(v.options));
    } catch {
      continue;
    }
    // lenient: Python 2 STRING data that is not ASCII loads, though pickletools cannot read it
    const optimized = loads(optimize(data, { lenient: true }), toLoadOptions(v.options));
    const diff = compareDescriptions(describe(optimized), describe(original));
    if (diff !== undefined) failures.push(`${v.name} (protocol ${v.protocol}): ${diff}`);
    compared++;
  }
  for (const input of [...dumped, ...sampled(adversarial, (x) => x.data.length)]) {
    let original: unknown;
    try {
      original = loads(input.data);
    } catch {
      continue;
    }
    const diff = compareDescriptions(describe(loads(optimize(input.data))), describe(original));
    if (diff !== undefined) failures.push(`${input.name}: ${diff}`);
    compared++;
  }
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${compared} differ`);
  assert.ok(compared > 1500, `only ${compared} compared`);
});

test('optimize: a GET before any PUT, and a protocol above 5, are UnpicklingErrors', () => {
  const getFirst = Uint8Array.from([0x80, 0x02, 0x68, 0x00, 0x2e]);
  assert.throws(
    () => optimize(getFirst),
    (e: unknown) =>
      e instanceof UnpicklingError && e.offset === 2 && /read before it is stored/.test(e.reason),
  );
  assert.throws(
    () => optimize(Uint8Array.from([0x80, 0x06, 0x4e, 0x2e])),
    (e: unknown) => e instanceof UnpicklingError && e.reason === 'pickle protocol must be <= 5',
  );
});
