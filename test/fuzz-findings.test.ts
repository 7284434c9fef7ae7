/**
 * Inputs the long fuzzing runs (`npm run fuzz`) found, kept as fixed cases
 * so that `npm test` checks them on every run. Each is loaded by brine and by
 * python3: where python3 raises, brine must raise an UnpicklingError (and
 * nothing else); where python3 loads, brine must load the same value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loads, UnpicklingError } from '../src/index.js';
import { runPython, toHex } from './support/python.js';

/** name -> pickle */
const FOUND: [string, Uint8Array][] = [
  // SETITEMS into None under a MARK, with no dict made before it: the batch path took None for the
  // last dict made (loader fuzzing, splice, BRINE_SEED=45598).
  [
    'a batch of SETITEMS into None (splice)',
    Uint8Array.from([
      78, 40, 88, 1, 0, 0, 0, 97, 113, 3, 75, 1, 88, 1, 0, 0, 0, 98, 113, 4, 93, 113, 5, 40, 75, 1, 88, 3, 0,
      0, 0, 116, 119, 111, 113, 6, 71, 64, 8, 0, 0, 0, 0, 0, 0, 101, 88, 9, 0, 0, 0, 95, 95, 112, 114, 111,
      116, 111, 95, 95, 113, 7, 88, 4, 0, 0, 0, 107, 101, 112, 116, 113, 8, 117, 98, 46,
    ]),
  ],
  // NONE MARK NONE NONE SETITEMS (loader fuzzing, opcode soup, BRINE_SEED=45598).
  [
    'SETITEMS into None (opcode soup)',
    Uint8Array.from([78, 40, 78, 78, 117, 99, 98, 117, 105, 108, 116, 105, 110, 115, 10, 115, 101, 116, 10]),
  ],
];

/** What python3 makes of each: the name of the exception it raises, or null when it loads. */
const PYTHON: (string | null)[] = JSON.parse(
  runPython(
    `
import json, pickle, sys
out = []
for h in json.load(sys.stdin):
    try:
        pickle.loads(bytes.fromhex(h))
        out.append(None)
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
`,
    [],
    JSON.stringify(FOUND.map(([, data]) => toHex(data))),
  ),
);

for (const [i, [name, data]] of FOUND.entries()) {
  test(`${name}: python3 raises ${PYTHON[i]}, brine an UnpicklingError`, () => {
    assert.notEqual(PYTHON[i], null, `${name}: python3 loads it`);
    assert.throws(
      () => loads(data),
      (e: unknown) => e instanceof UnpicklingError,
    );
  });
}

/**
 * Found by the differential fuzzing (BRINE_SEED=7, 20,000 grammar pickles): a frozenset of `(False,)`
 * and `(0,)`, which Python finds equal (one item), loaded with two (test/equal-keys.test.ts has the
 * rest of this family).
 */
test('a frozenset of (False,) and (0,) has one item, as in python3', () => {
  // PROTO 4, MARK, NEWFALSE, TUPLE1, BININT1 0, TUPLE1, FROZENSET, STOP
  const data = Uint8Array.from([0x80, 4, 0x28, 0x89, 0x85, 0x4b, 0, 0x85, 0x91, 0x2e]);
  const python = runPython('import pickle, sys; print(len(pickle.loads(bytes.fromhex(sys.argv[1]))))', [
    toHex(data),
  ]);
  assert.equal(python.trim(), '1');
  assert.equal((loads(data) as Set<unknown>).size, 1);
});
