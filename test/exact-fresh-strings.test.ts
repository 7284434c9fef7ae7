/**
 * Strings of an exact load that the pickle wrote fresh at each occurrence.
 *
 * The record of an exact load (src/exact-strings.ts) names only the strings
 * whose occurrences the pickler's memo by value would not write as the pickle
 * did: those written more than once of which some copy was read back from the
 * memo (a plan per occurrence), or spelled unusually, and those written once
 * and read back (shared: the memo by value does the same). Every other string
 * was written fresh at each occurrence and never read back, however many
 * equal copies there were: the pickler writes it so again without looking it
 * up or entering it in its memo by value. A string the record's filter lets
 * through by a collision of hashes is still written fresh.
 *
 * A pickle that wrote every str once gets a record too when it memoized many
 * strings (2048 or more): its strings never read back are then written
 * without the memo's lookups.
 *
 * Each case is made by python3 and pickled at protocols 0-5: equal strings as
 * distinct objects (many of them, past the string memo's first tiers and with
 * collisions in the record's filter), shared objects, copies of one text of
 * which one is shared, texts past 85 units and 255 bytes, non-ASCII text,
 * module and class names equal to strings of the value, every str
 * written once (keys read back), with 2047 and 2048 strings, and 9000 keys
 * each read back (past two growths of the memo's table). brine loads each
 * pickle with `exact: true` and dumps it to the same bytes, twice in a row;
 * the value, changed after the load, dumps to a pickle python3 loads to the
 * changed value.
 *
 * BRINE_SEED=<n> draws other random cases (the seed is in the failure message).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, Pickler } from '../src/index.js';
import { seed as seedFrom, size } from './support/budget.js';
import { assertSameHex, casePickles, fromHex, runPython, toHex } from './support/python.js';

const SEED = seedFrom(808);
const MANY = size(4000, 40000);
const PROTOCOLS = [0, 1, 2, 3, 4, 5];

/** Python code that defines `cases`: a list of [name, value] pairs. */
const CASES = `
import random, collections
rng = random.Random(${SEED})
def fresh(s):
    return (s + ".")[:-1]  # an equal str that is another object
letters = "abcdefghijklmnopqrstuvwxyz\\u00e9\\u4e2d"
def word(lo, hi):
    return "".join(rng.choice(letters) for _ in range(rng.randint(lo, hi)))
pool = sorted({word(2, 12) for _ in range(400)})
shared = [fresh(w) for w in pool[:60]]
long_text = "long " * 40 + "\\u00e9" * 30
cases = []
rows = []
for i in range(${MANY}):
    r = rng.random()
    if r < 0.3:
        rows.append(fresh(rng.choice(pool)))
    elif r < 0.45:
        rows.append(rng.choice(shared))
    elif r < 0.6:
        rows.append({"name": fresh(rng.choice(pool)), "id": i, "tags": [fresh(rng.choice(pool[:5]))]})
    elif r < 0.65:
        rows.append(fresh(long_text) if rng.random() < 0.5 else long_text)
    else:
        rows.append(word(1, 20) + str(i))
cases.append(["fresh copies, shared objects and unique strings", rows])
mixed = []
for w in pool[:40]:
    copies = [fresh(w) for _ in range(4)]
    mixed.extend(copies)
    mixed.append(copies[rng.randrange(4)])
    mixed.append(fresh(w))
rng.shuffle(mixed)
cases.append(["copies of a text, one of them shared", mixed])
cases.append(["fresh copies only", [fresh(w) for w in pool for _ in range(3)]])
cases.append(["every str once, keys read back", [{"key": word(2, 8) + str(i), "n": i} for i in range(3000)]])
keys = ["k%d" % i for i in range(9000)]
cases.append(["9000 keys, each read back (the memo's table grows past 4096 and 8192 entries)", [{k: i for i, k in enumerate(keys)}, keys]])
for n in (2047, 2048):
    cases.append([f"{n} strs once", [word(2, 6) + str(i) for i in range(n)] + [{"a": 1}, {"a": 2}]])
cases.append(["module and class names as strings", ["collections", "OrderedDict", collections.OrderedDict(a=1), fresh("collections"), fresh("OrderedDict"), collections.OrderedDict(b=2), "collections", fresh("OrderedDict")]])
`;

test(`exact loads of strings written fresh, shared and planned dump to python3's bytes at protocols 0-5 (seed ${SEED})`, () => {
  for (const [name, pickles] of casePickles(CASES)) {
    for (const p of PROTOCOLS) {
      const what = `${name} at protocol ${p} (seed ${SEED})`;
      const value = loads(fromHex(pickles[p]!), { exact: true });
      assertSameHex(toHex(dumps(value, { protocol: p })), pickles[p]!, `dumps of the exact load of ${what}`);
      assertSameHex(toHex(dumps(value, { protocol: p })), pickles[p]!, `the second dump of ${what}`);
      const pickler = new Pickler({ protocol: p });
      assertSameHex(toHex(pickler.dump(value)), pickles[p]!, `Pickler.dump of ${what}`);
    }
  }
});

test(`an exact load changed after loading dumps to a pickle python3 loads to the changed value (seed ${SEED})`, () => {
  const pickles = new Map(casePickles(CASES));
  const ours: string[] = [];
  for (const p of PROTOCOLS) {
    const rows = loads(fromHex(pickles.get('fresh copies, shared objects and unique strings')![p]!), {
      exact: true,
    }) as unknown[];
    // More occurrences of texts the pickle wrote fresh, shared and long, and texts it never held.
    const texts = rows.filter((r): r is string => typeof r === 'string');
    rows.push(...texts.slice(0, 50), ...texts.slice(-50), 'new text', 'new text');
    rows.reverse();
    const mixed = loads(fromHex(pickles.get('copies of a text, one of them shared')![p]!), {
      exact: true,
    }) as string[];
    mixed.push(...mixed.slice(0, 30));
    mixed.splice(10, 20);
    ours.push(toHex(dumps([rows, mixed], { protocol: p })));
  }
  const python = `
${CASES}
import json, pickle, sys
ours = json.load(sys.stdin)
rows = [v for k, v in cases if k == "fresh copies, shared objects and unique strings"][0]
texts = [r for r in rows if isinstance(r, str)]
rows = rows + texts[:50] + texts[-50:] + ["new text", "new text"]
rows.reverse()
mixed = [v for k, v in cases if k == "copies of a text, one of them shared"][0]
mixed = mixed + mixed[:30]
del mixed[10:30]
json.dump([pickle.loads(bytes.fromhex(h)) == [rows, mixed] for h in ours], sys.stdout)
`;
  const back = JSON.parse(runPython(python, [], JSON.stringify(ours))) as boolean[];
  for (const p of PROTOCOLS)
    assert.ok(back[p], `python3 loads the changed value back at protocol ${p} (seed ${SEED})`);
});
