/**
 * `dumps` of an exact load whose pickle wrote every str once and read none
 * back (the `ALL_FRESH` record of src/exact-strings.ts): each string is new to
 * the dump's empty memo, so it is written and memoized without the memo by
 * value (no lookup, no entry), in the run loops of lists and dicts, in tuples
 * of atoms and in `#saveStr` (long strings, protocols below 4).
 *
 * Each case is made by python3 and pickled at protocols 0-5: records of short
 * and long (past 85 units and 255 bytes), ASCII and non-ASCII strings, lone
 * surrogates, lists of strings between numbers, None and bools, tuples of
 * atoms, containers read back (their memo indices count the strings written
 * before them), random records; and, to keep the record from claiming too
 * much, strings read back and equal strings as distinct objects. brine loads
 * each pickle with `exact: true` and dumps it to the same bytes, twice; a
 * `Pickler` (whose memo outlives its dumps) writes python3's bytes for the
 * value and then for a new list of its strings (memo reads there, but for equal
 * strings as distinct objects, which brine reads as one text); a str root
 * loads as a string primitive. The value, changed after the load (its strings
 * placed again, new ones), dumps to a pickle python3 loads to the changed
 * value.
 *
 * BRINE_SEED=<n> draws other random cases (the seed is in the failure message).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, Pickler } from '../src/index.js';
import { seed as seedFrom, size } from './support/budget.js';
import {
  assertSameHex,
  casePickles,
  fromHex,
  KEPT_MEMO_DUMPS_PY,
  runPython,
  toHex,
} from './support/python.js';

const SEED = seedFrom(1010);
const RANDOM = size(40, 400);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

/** Python code that defines `cases`: a list of [name, value] pairs, and `parts(v)`: a new list of some strs of v. */
const CASES = `
import random
rng = random.Random(${SEED})
def fresh(s):
    return (s + ".")[:-1]  # an equal str that is another object
letters = "abcdefghij \\u00e9\\u4e2d"
def word(lo, hi, i):
    return "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi))) + str(i)
def strs(v, out):
    if isinstance(v, str): out.append(v)
    elif isinstance(v, dict):
        for k, x in v.items(): strs(k, out); strs(x, out)
    elif isinstance(v, (list, tuple)):
        for x in v: strs(x, out)
    return out
def parts(v):
    return strs(v, [])[::3]
long_ascii = "a long note, " * 8
long_text = "caf\\u00e9 " * 60
cases = []
cases.append(["a record", {"id": 122010294, "method": "cache.get", "ok": True, "ttl": 3600, "user": "Chlo\\u00e9 Dubois",
    "score": 2.464, "tags": ["guest", "gamma", "admin"], "point": [0.7804, 0.6013],
    "meta": {"region": "eu-west-1", "retries": 0, "cached": None}, "etag": "3dfb555df88a366a06346385",
    "note": long_ascii, "text": long_text, "pos": (859, "x-y", 0.828), "lone": "a\\ud800b", "empty": ""}])
cases.append(["a list of strings between atoms", ["a", 1, "bb", None, True, "c" * 40, 2.5, "d\\u00e9", False, "e" * 85, "f" * 86, -7, "g"]])
shared = ["one", "two"]
after = [1.5]
cases.append(["containers read back after strings", {"first": shared, "names": ["x%d" % i for i in range(30)], "again": shared,
    "d": {"k": "v"}, "t": ("s", 1), "after": after, "tail": ["y", "z"], "after again": after}])
cases.append(["a str read back", {"a": "shared text", "list": ["p", "q"]}])
cases[-1][1]["b"] = cases[-1][1]["a"]
cases.append(["equal strs as distinct objects", ["same", fresh("same"), {"same": fresh("same")}]])
for i in range(${RANDOM}):
    rec = {word(1, 6, j): rng.choice([word(0, 30, j), rng.randint(-9, 99999), None, True, [word(1, 5, j), 1.5], {word(1, 4, j): word(0, 90, j)}]) for j in range(rng.randint(1, 12))}
    cases.append(["random record %d" % i, rec])
`;

test(`dumps of an exact load whose strs were all written once gives python3's bytes at protocols 0-5 (seed ${SEED})`, () => {
  const pickles = casePickles(CASES);
  // python3's Pickler: the value, then a new list of some of its strs (memo reads of them).
  const twice = JSON.parse(
    runPython(`${CASES}${KEPT_MEMO_DUMPS_PY}
import json, sys
sys.stdout.write(json.dumps([kept_memo_dumps(v, parts(v)) for name, v in cases]))
`),
  ) as [string, string][][];
  pickles.forEach(([name, hexes], c) => {
    for (const p of PROTOCOLS) {
      const what = `${name} at protocol ${p} (seed ${SEED})`;
      const value = loads(fromHex(hexes[p]!), { exact: true });
      assertSameHex(toHex(dumps(value, { protocol: p })), hexes[p]!, `dumps of the exact load of ${what}`);
      assertSameHex(toHex(dumps(value, { protocol: p })), hexes[p]!, `the second dump of ${what}`);
      const pickler = new Pickler({ protocol: p });
      const [first, second] = twice[c]![p]!;
      assertSameHex(toHex(pickler.dump(value)), first, `Pickler.dump of ${what}`);
      const some: unknown[] = [];
      collect(value, some);
      // Equal strs as distinct objects are read from python3's memo one by one, from brine's as one text.
      if (new Set(some).size !== some.length) continue;
      assertSameHex(
        toHex(pickler.dump(some.filter((_, i) => i % 3 === 0))),
        second,
        `Pickler.dump of some strings of ${what} after it`,
      );
    }
  });
});

/** The strings of a loaded value in walk order, as `strs` in CASES. */
function collect(v: unknown, out: unknown[]): void {
  if (typeof v === 'string') out.push(v);
  else if (v instanceof Map)
    for (const [k, x] of v) {
      collect(k, out);
      collect(x, out);
    }
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
}

test('an exact load of a str alone is a string primitive', () => {
  for (const [, hexes] of casePickles(`cases = [["s", "a str" * 3], ["long", "x" * 300]]`))
    for (const p of PROTOCOLS) {
      const value = loads(fromHex(hexes[p]!), { exact: true });
      assert.equal(typeof value, 'string', `protocol ${p}`);
      assertSameHex(toHex(dumps(value, { protocol: p })), hexes[p]!, `dumps at protocol ${p}`);
    }
});

test(`an exact load of strs written once, changed after loading, dumps to what python3 loads to the changed value (seed ${SEED})`, () => {
  const pickles = new Map(casePickles(CASES));
  const ours: string[] = [];
  for (const p of PROTOCOLS) {
    const record = loads(fromHex(pickles.get('a record')![p]!), { exact: true }) as Map<string, unknown>;
    const tags = record.get('tags') as unknown[];
    tags.push(record.get('user'), record.get('note'), record.get('user'), 'new', 'new');
    record.set('again', [record.get('method'), record.get('text'), record.get('text')]);
    const list = loads(fromHex(pickles.get('a list of strings between atoms')![p]!), {
      exact: true,
    }) as unknown[];
    list.push(...list.slice(0, 6), list[5]);
    ours.push(toHex(dumps([record, list], { protocol: p })));
  }
  const python = `
${CASES}
import json, pickle, sys
ours = json.load(sys.stdin)
record = dict(cases[0][1])
record["tags"] = record["tags"] + [record["user"], record["note"], record["user"], "new", "new"]
record["again"] = [record["method"], record["text"], record["text"]]
lst = list(cases[1][1])
lst = lst + lst[:6] + [lst[5]]
json.dump([pickle.loads(bytes.fromhex(h)) == [record, lst] for h in ours], sys.stdout)
`;
  const back = JSON.parse(runPython(python, [], JSON.stringify(ours))) as boolean[];
  for (const p of PROTOCOLS)
    assert.ok(back[p], `python3 loads the changed value back at protocol ${p} (seed ${SEED})`);
});
