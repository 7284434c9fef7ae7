/**
 * Tuples of every size from 0 to 5, shared and repeated, dumped as python3
 * dumps them, at protocols 0-5.
 *
 * A tuple of atoms is memoized by the pickler's tuple memo (found by a hash
 * of its items, confirmed by identity, new entries placed in its table in
 * batches behind a filter of their hashes), others by the memo of objects.
 * A tuple met again must be read from the memo (a GET), and a distinct tuple
 * of equal items written again, exactly as CPython decides by identity. The
 * cases: each size 0-5 shared in several places (and nested in a tuple, a
 * list, a dict); tuples holding the same tuple or string more than once;
 * many distinct tuples of equal items (more than the table keeps of one
 * hash) with some of them met again; and several thousand random tuples of
 * sizes 0-5, every one met again later in random order, near and far (across
 * the memo's batches and its growth), some holding tuples or bytes (not
 * atoms: the memo of objects).
 *
 * Each case is made by python3 and pickled at protocols 0-5; brine loads each
 * pickle (plainly and with `exact`) and dumps the value to the same bytes;
 * python3 loads brine's bytes and pickles what it got to the original bytes
 * again (the same values, sharing and all). A value built in brine with
 * `tuple()` (the same shapes) dumps to python3's bytes too.
 *
 * BRINE_SEED=<n> draws other random cases (the seed is in the failure message).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, tuple } from '../src/index.js';
import { seed as seedFrom, size } from './support/budget.js';
import { assertSameHex, casePickles, fromHex, runPython, toHex } from './support/python.js';

const SEED = seedFrom(555);
const MANY = size(3000, 40000);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

/** Python code that defines `cases`: a list of [name, value] pairs. */
const CASES = `
import random
rng = random.Random(${SEED})
pool_str = ["", "a", "xyz", "caf\\u00e9", "\\u4e2d\\u6587", "word" * 3]
atoms = [0, 1, -1, 255, 65536, -2**31, 2**40, 2**70, -2**100, 0.5, -2.25, 1e-300, None, True, False] + pool_str
def atom():
    return rng.choice(atoms)
cases = []
for n in range(6):
    t = tuple(atom() for _ in range(n))
    cases.append([f"size {n} shared", [t, t, (t, t), [t], {"k": t}, t]])
    u = tuple([atom() for _ in range(n)])
    v = tuple(list(u))
    cases.append([f"size {n}, equal but distinct", [u, v, u, v]])
s = "shared" * 2
t = (s, s, s)
cases.append(["a string three times", [t, t, (s, t)]])
cases.append(["a tuple in itself twice", [(t, t), (t, (t,), ((t,),))]])
equal = [tuple([0, 0]) for _ in range(40)]
cases.append(["many equal tuples", equal + [equal[i] for i in (0, 7, 8, 9, 39, 20)]])
longer = [tuple([1, "a", 2.5]) for _ in range(30)]
cases.append(["many equal tuples of three", longer + longer[::-1]])
many = []
for i in range(${MANY}):
    n = rng.randrange(6)
    r = rng.random()
    if r < 0.05 and many:
        many.append(tuple([rng.choice(many), atom()][:max(n, 1)]))
    elif r < 0.08:
        many.append(tuple([b"by", atom()][:max(n, 1)]))
    else:
        many.append(tuple([i] + [atom() for _ in range(n - 1)]) if n else ())
again = list(many)
rng.shuffle(again)
mixed = []
for a, b in zip(many, again):
    mixed.append(a)
    if rng.random() < 0.5:
        mixed.append(b)
near = []
for i, a in enumerate(many):
    near.append(a)
    if i >= 3 and rng.random() < 0.3:
        near.append(many[i - rng.randrange(1, 4)])
cases.append(["many tuples met again far", many + again])
cases.append(["many tuples met again, interleaved", mixed])
cases.append(["many tuples met again near", near])
`;

/**
 * Reads JSON `{"cases": [[name, [python hex per protocol], [brine hex per
 * protocol]]...]}`; for each brine pickle, whether pickle.loads of it pickles
 * again (same protocol) to python3's own bytes.
 */
const PYTHON_BACK = `
import json, pickle, sys
req = json.load(sys.stdin)
out = []
for name, ref, ours in req["cases"]:
    out.append([pickle.dumps(pickle.loads(bytes.fromhex(h)), p).hex() == r for p, (r, h) in enumerate(zip(ref, ours))])
sys.stdout.write(json.dumps(out))
`;

test(`tuples of sizes 0-5, shared and repeated: loads and dumps to python3's bytes at protocols 0-5 (seed ${SEED})`, () => {
  const cases = casePickles(CASES);
  const ours: [string, string[], string[]][] = [];
  for (const [name, pickles] of cases) {
    const mine: string[] = [];
    for (const p of PROTOCOLS) {
      const what = `${name} at protocol ${p} (seed ${SEED})`;
      const data = fromHex(pickles[p]!);
      const plain = toHex(dumps(loads(data), { protocol: p }));
      assertSameHex(plain, pickles[p]!, `dumps of the load of ${what}`);
      const exact = toHex(dumps(loads(data, { exact: true }), { protocol: p }));
      assertSameHex(exact, pickles[p]!, `dumps of the exact load of ${what}`);
      mine.push(plain);
    }
    ours.push([name, pickles, mine]);
  }
  const back = JSON.parse(runPython(PYTHON_BACK, [], JSON.stringify({ cases: ours }))) as boolean[][];
  for (let i = 0; i < ours.length; i++)
    for (const p of PROTOCOLS)
      assert.ok(back[i]![p], `python3 loads brine's ${ours[i]![0]} at protocol ${p}`);
});

test('tuples built in brine, shared and repeated, dump to the bytes python3 writes for the same shapes', () => {
  const t = tuple<unknown>(1, 'a', 2.5);
  const e = tuple<unknown>();
  const equal = Array.from({ length: 20 }, () => tuple<unknown>(0, 0));
  const value = [
    t,
    t,
    tuple<unknown>(t, t),
    e,
    e,
    tuple<unknown>(e, e),
    ...equal,
    equal[3],
    equal[15],
    tuple<unknown>(null, true, false, 10n ** 30n, 'x'),
  ];
  const python = `
import json, pickle, sys
t = (1, "a", 2.5)
e = ()
equal = [tuple([0, 0]) for _ in range(20)]
value = [t, t, (t, t), e, e, (e, e)] + equal + [equal[3], equal[15], (None, True, False, 10**30, "x")]
sys.stdout.write(json.dumps([pickle.dumps(value, p).hex() for p in range(6)]))
`;
  const want = JSON.parse(runPython(python)) as string[];
  for (const p of PROTOCOLS) assertSameHex(toHex(dumps(value, { protocol: p })), want[p]!, `protocol ${p}`);
});
