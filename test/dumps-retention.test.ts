/**
 * What `dumps` keeps between calls after a big dump, against CPython: the
 * tables a big dump grew (the string memo's table, the object memo's index
 * array, the entry array of a big `Map`, the writer's segments) stay while
 * big dumps keep coming and are let go once the dumps after it have written
 * about as many bytes as they hold. Every dump on the way must still be
 * CPython's bytes: the big value after small ones (its tables grown again
 * from nothing), the small ones after the big one, a big dump that fails
 * half-way, and at every protocol; results kept from earlier calls must not
 * change.
 *
 * CPython writes the pickles: a big value (a dict of 20,000 str keys to lists
 * holding a str, an int and a float (never integral: a plain load makes those ints), some of those lists and keys met again,
 * so CPython writes BINGET for them) and a small one (short strings and a
 * list met twice). brine loads each (`exact: true`, so dicts are Maps, and
 * plain, so they are objects) and dumps it back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dumps, loads } from '../src/index.js';
import { size } from './support/budget.js';
import { pythonCases, runPython } from './support/python.js';

/**
 * Entries of the big dict: past every memo's first tiers and the writer's first segment (at protocols
 * 0 and 1 with the quick budget, at every protocol with the full one).
 */
const N = size(20_000, 120_000);
const PROTOCOLS = [0, 1, 2, 3, 4, 5] as const;

const py = pythonCases(String.raw`
import pickle

def big(n):
    keys = ['k%d' % i for i in range(n)]
    vals = [('v\u00e9%d' % i) if i % 5 == 0 else ('v%d' % i) for i in range(n)]
    rows = [[vals[i], i, i * 0.5 + 0.25] for i in range(n)]
    return {'d': dict(zip(keys, rows)), 'again': rows[: n // 10], 'names': keys[::7]}

def small():
    shared = [1, 'x']
    return {'p': shared, 'q': shared, 'words': ['w%d' % i for i in range(30)], 'name': 'ab', 'alias': 'ab'}

b, s = big(${N}), small()
cases = {}
for p in ${JSON.stringify(PROTOCOLS)}:
    cases['big/%d' % p] = pickle.dumps(b, p)
    cases['small/%d' % p] = pickle.dumps(s, p)
`);

function pickle(name: string, protocol: number): Uint8Array {
  const data = py.get(`${name}/${protocol}`);
  assert.ok(data !== undefined, `no pickle for ${name}/${protocol}`);
  return data;
}

/** A full collection (the flag set at run time; the tests run without --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `ArrayBuffer` bytes alive after a full collection: the writer's buffers and the memos' typed tables. */
function arrayBuffers(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

// First in the file, which the test runner runs in a process of its own (its list of files that measure
// time or memory): no big dump has run before it.
test('what one big dump grew is kept while dumps follow it closely, and let go after its size in output', () => {
  const gc = collector();
  // Maps without the record of an exact load: with it, the dump writes the strings the pickle never read
  // back without the string memo, whose table this test watches.
  const big = loads(pickle('big', 5), { dicts: 'map' });
  const small = loads(pickle('small', 5), { exact: true });
  const smallBytes = pickle('small', 5).length;
  /** Small dumps, 4000 at a time, until what is kept is at most `limit` bytes over `from` (or `most` bytes written). */
  const smallUntil = (from: number, limit: number, most: number): [number, number] => {
    let written = 0;
    let now = arrayBuffers(gc) - from;
    while (now > limit && written <= most) {
      for (let i = 0; i < 4000; i++) dumps(small, { protocol: 5 });
      written += 4000 * smallBytes;
      now = arrayBuffers(gc) - from;
    }
    return [now, written];
  };
  // A first big dump grows the writer's first buffer to its largest (kept for good, 1 MiB); small dumps
  // then, until its tables are let go, so that `base` holds what a writer keeps whatever it met.
  const start = arrayBuffers(gc);
  dumps(big, { protocol: 5 });
  smallUntil(start, 1024 * 1024 + 256 * 1024, 64 * 1024 * 1024);
  const base = arrayBuffers(gc);

  assert.deepEqual(dumps(big, { protocol: 5 }), pickle('big', 5));
  const after = arrayBuffers(gc) - base;
  // The string memo's table alone is 1 MiB at 40,000 strings.
  assert.ok(after > 1024 * 1024, `kept after the big dump: ${after} bytes`);
  for (let i = 0; i < 10; i++) dumps(small, { protocol: 5 });
  const soon = arrayBuffers(gc) - base;
  if (process.env.SHOW) console.log({ after, soon });
  assert.ok(soon > after / 2, `kept after 10 small dumps: ${soon} of ${after} bytes`);

  // Let go once the small dumps have written about what is kept (within a factor of 4).
  const [now, written] = smallUntil(base, 256 * 1024, 4 * after);
  if (process.env.SHOW) console.log({ now, written });
  assert.ok(now <= 256 * 1024, `still kept: ${now} of ${after} bytes after ${written} bytes of small dumps`);
  assert.deepEqual(dumps(small, { protocol: 5 }), pickle('small', 5));
  assert.deepEqual(dumps(big, { protocol: 5 }), pickle('big', 5));
});

test('a big dump between small ones, and small ones after it, give CPython’s bytes at every protocol', () => {
  for (const protocol of PROTOCOLS) {
    // Plain objects take the same memos and writer: at one protocol.
    for (const exact of protocol === 5 ? [true, false] : [true]) {
      const big = loads(pickle('big', protocol), { exact });
      const small = loads(pickle('small', protocol), { exact });
      const label = `protocol ${protocol}, ${exact ? 'Maps' : 'plain objects'}`;
      const kept = dumps(big, { protocol });
      assert.deepEqual(kept, pickle('big', protocol), `first big dump, ${label}`);
      // Enough small dumps (written bytes) for the big dump's tables to be let go, then the big one again.
      const bytes = pickle('small', protocol).length;
      const enough = Math.ceil((4 * kept.length) / bytes) + 8;
      let last = dumps(small, { protocol });
      for (let i = 0; i < enough; i++) last = dumps(small, { protocol });
      assert.deepEqual(last, pickle('small', protocol), `small dump after the big one, ${label}`);
      assert.deepEqual(
        dumps(big, { protocol }),
        pickle('big', protocol),
        `big dump after small ones, ${label}`,
      );
      assert.deepEqual(dumps(big, { protocol }), pickle('big', protocol), `big dump right after, ${label}`);
      assert.deepEqual(kept, pickle('big', protocol), `the first result, kept, ${label}`);
    }
  }
  // python3 loads a result of the regrown tables back to its own value.
  const again = dumps(loads(pickle('big', 5)), { protocol: 5 });
  const same = runPython(
    'import pickle, sys\nx, y = sys.stdin.read().split()\nprint(pickle.loads(bytes.fromhex(x)) == pickle.loads(bytes.fromhex(y)))',
    [],
    `${Buffer.from(again).toString('hex')} ${Buffer.from(pickle('big', 5)).toString('hex')}`,
  );
  assert.equal(same.trim(), 'True');
});

test('a big dump that fails half-way, after its tables grew, leaves the next dumps CPython’s bytes', () => {
  for (const protocol of [2, 5] as const) {
    const big = loads(pickle('big', protocol)) as Record<string, unknown>;
    const small = loads(pickle('small', protocol));
    // A getter of the big dict's last entry throws, after every str and list before it was memoized.
    const d = big.d as Record<string, unknown>;
    const failing = { ...d };
    Object.defineProperty(failing, 'zzz', {
      enumerable: true,
      get() {
        throw new Error('no value here');
      },
    });
    assert.throws(() => dumps({ d: failing }, { protocol }), /no value here/);
    assert.deepEqual(
      dumps(small, { protocol }),
      pickle('small', protocol),
      `small after the failure, ${protocol}`,
    );
    assert.deepEqual(dumps(big, { protocol }), pickle('big', protocol), `big after the failure, ${protocol}`);
    for (let i = 0; i < N; i++) dumps(small, { protocol });
    assert.throws(() => dumps({ d: failing }, { protocol }), /no value here/);
    assert.deepEqual(
      dumps(big, { protocol }),
      pickle('big', protocol),
      `big after the failure again, ${protocol}`,
    );
  }
});
