/**
 * Python 2 pickles: the corpus of scripts/gen-py2-pickles.py (pickles as Python
 * 2.7's pickle.py and cPickle wrote them, and the Python 2 byte strings of
 * CPython's own test suite), each loaded by brine at every `encoding` and
 * compared with what python3's unpickler made of it. Then `fixImports: false`,
 * strict mode with Python 3 names, and a round trip through python3.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRegistry, dumps, loads, Registry, UnpicklingError } from '../src/index.js';
import { isPyValue, PY_REPR } from '../src/types/protocol.js';
import { compareDescriptions, type Desc, describe } from './support/describe.js';
import {
  dotted,
  ENCODINGS,
  type Encoding,
  loadPy2Corpus,
  MODELLED,
  type Py2Case,
  pythonRoundTrip,
  pythonViews,
  type RoundTripRequest,
  reducedView,
  resultFor,
} from './support/py2-corpus.js';
import { fromHex, toHex } from './support/python.js';

const corpus = loadPy2Corpus();

/** True when the default registry reconstructs every datetime name the case holds. */
function valuesRegistered(c: Py2Case): boolean {
  return (c.needs ?? []).every(([module, name]) => defaultRegistry.has(module, name));
}

function same(actual: unknown, expected: Desc | undefined, what: string): void {
  assert.ok(expected !== undefined, `${what}: no expectation`);
  const difference = compareDescriptions(describe(actual), expected);
  if (difference !== undefined) assert.fail(`${what}: ${difference}`);
}

function assertRefused(load: () => unknown, python: string): void {
  assert.throws(load, (error: unknown) => {
    assert.ok(
      error instanceof UnpicklingError,
      `expected an UnpicklingError (python3: ${python}), got ${String(error)}`,
    );
    assert.equal(typeof error.offset, 'number', 'offset');
    assert.equal(typeof error.opcode, 'string', 'opcode');
    return true;
  });
}

/**
 * The registry that builds exactly what the corpus's `expect` describes: the
 * built-ins vectors_lib models (everything else inert).
 */
const builtinsOnly = new Registry({ builtins: false });
for (const [module, name] of MODELLED) {
  const reconstructor = defaultRegistry.get(module, name);
  if (reconstructor !== undefined) builtinsOnly.register(module, name, reconstructor);
}

/** What python3 makes of each case under the names the default registry reconstructs. */
const registered = new Map<string, [string, string]>();
for (const c of corpus) {
  for (const g of c.globals) if (defaultRegistry.has(...g)) registered.set(dotted(g), g);
}
const views = pythonViews([...registered.values()]);

test('a non-ASCII Python 2 str under the default encoding names the options that read it', () => {
  const c = corpus.find((x) => x.name === 'str latin-1 protocol 1')!;
  assert.equal(resultFor(c, 'ASCII').error, 'UnicodeDecodeError');
  assert.throws(
    () => loads(fromHex(c.pickle)),
    (error: unknown) =>
      error instanceof UnpicklingError &&
      error.opcode === 'SHORT_BINSTRING' &&
      error.offset === 0 &&
      /byte 0xe9 at position 3/.test(error.message) &&
      /encoding: 'latin1'/.test(error.message),
  );
  assert.equal(loads(fromHex(c.pickle), { encoding: 'latin1' }), 'caf\u00e9');
});

test('the corpus holds Python 2 pickles of every protocol and source', () => {
  assert.ok(corpus.length > 250, `only ${corpus.length} cases`);
  for (const protocol of [0, 1, 2]) assert.ok(corpus.some((c) => c.protocol === protocol));
  for (const source of ['Py2Pickler', 'pickletester.py', 'datetimetester.py']) {
    assert.ok(
      corpus.some((c) => c.source.includes(source)),
      `no case from ${source}`,
    );
  }
  // Python 2 str under ASCII fails for non-ASCII bytes: the corpus must hold such refusals.
  assert.ok(corpus.some((c) => resultFor(c, 'ASCII').error === 'UnicodeDecodeError'));
});

for (const [i, c] of corpus.entries()) {
  const data = fromHex(c.pickle);
  for (const encoding of ENCODINGS) {
    const result = resultFor(c, encoding);
    const view = views[i]![encoding];
    const python = `${result.error}: ${result.message ?? ''}`;
    test(`${c.name} [${encoding}]`, () => {
      // With the default registry: python3's own objects for the names it reconstructs.
      const load = () => loads(data, { encoding });
      if (view.error === undefined) same(reducedView(load()), view.view, 'default registry');
      else if (view.inert === undefined) assertRefused(load, `${view.error}: ${view.message}`);
      else {
        // python3's constructor refuses a shape CPython never writes: brine refuses it
        // too, or keeps the call as it is (inert, or a value class reducing to that call).
        let value: unknown;
        try {
          value = load();
        } catch (error) {
          assert.ok(error instanceof UnpicklingError, String(error));
          return;
        }
        same(reducedView(value), view.inert, 'the call kept as it is');
      }
      // With the modelled built-ins only: the corpus's own expectation.
      const inert = () => loads(data, { encoding, registry: builtinsOnly });
      if (result.error === undefined) same(inert(), result.expect, 'built-ins only');
      else if (result.inertInBrine !== undefined) same(inert(), result.inertInBrine, 'inert call');
      else if (result.expect !== undefined) same(inert(), result.expect, 'datetime inert');
      else assertRefused(inert, python);
    });
    if (result.repr !== undefined) {
      const todo = valuesRegistered(c) ? {} : { todo: 'datetime classes not registered' };
      test(`${c.name} [${encoding}]: python3's repr`, todo, () => {
        const value = loads(data, { encoding });
        assert.ok(isPyValue(value), 'a brine value class');
        assert.equal(value[PY_REPR](), result.repr);
      });
    }
  }
}

/** The first encoding python3 loads the case with. */
function firstLoading(c: Py2Case): Encoding | undefined {
  return ENCODINGS.find((encoding) => resultFor(c, encoding).error === undefined);
}

test('fixImports: false keeps the Python 2 names', async (t) => {
  const cases = corpus.filter((c) => c.noFix !== undefined);
  assert.ok(cases.length > 30, `only ${cases.length} cases name a Python 2 module`);
  for (const c of cases) {
    await t.test(c.name, () => {
      const value = loads(fromHex(c.pickle), {
        encoding: c.noFixEncoding!,
        fixImports: false,
        registry: builtinsOnly,
      });
      same(value, c.noFix, 'fixImports false');
      // Strict mode with the Python 3 names refuses the raw Python 2 ones.
      const unmapped = c.rawGlobals.filter(
        ([m, n]) => !c.globals.some(([m3, n3]) => m3 === m && n3 === n) && !defaultRegistry.has(m, n),
      );
      if (unmapped.length > 0) {
        assertRefused(
          () =>
            loads(fromHex(c.pickle), {
              encoding: c.noFixEncoding!,
              fixImports: false,
              allowGlobals: c.globals.map(dotted),
            }),
          'not allowed',
        );
      }
    });
  }
});

test('strict mode: an allow-list of Python 3 names accepts the mapped Python 2 names', async (t) => {
  const cases = corpus.filter((c) => c.globals.some(([m, n]) => !defaultRegistry.has(m, n)));
  assert.ok(cases.length > 50, `only ${cases.length} cases`);
  let refused = 0;
  for (const c of cases) {
    const encoding = firstLoading(c);
    if (encoding === undefined) continue;
    await t.test(c.name, () => {
      const data = fromHex(c.pickle);
      const loose = loads(data, { encoding });
      const strict = loads(data, { encoding, allowGlobals: c.globals.map(dotted) });
      assert.equal(compareDescriptions(describe(strict), describe(loose)), undefined);
      // The Python 2 spelling of a mapped name is not what the allow-list means.
      const renamed = c.rawGlobals.filter(([m, n]) => !c.globals.some(([m3, n3]) => m3 === m && n3 === n));
      const needed = c.globals.filter(
        ([m, n]) => !defaultRegistry.has(m, n) && !c.rawGlobals.some(([m2, n2]) => m2 === m && n2 === n),
      );
      if (renamed.length > 0 && needed.length > 0) {
        refused++;
        assertRefused(() => loads(data, { encoding, allowGlobals: c.rawGlobals.map(dotted) }), 'not allowed');
      }
      // Nothing allowed: every name outside the registry is refused.
      assertRefused(() => loads(data, { encoding, strict: true }), 'not allowed');
    });
  }
  assert.ok(refused > 10, `only ${refused} cases checked the Python 2 spelling`);
});

test('round trip: brine re-dumps at protocol 2 what python3 loads to an equal value (exact loads)', () => {
  const requests: RoundTripRequest[] = [];
  for (const c of corpus) {
    for (const encoding of ENCODINGS) {
      const result = resultFor(c, encoding);
      if (result.error !== undefined || result.python3Error !== undefined) continue;
      // exact: integral floats stay floats (PyFloat), as python3 compares types too
      const value = loads(fromHex(c.pickle), { encoding, exact: true });
      const redump = dumps(value, { protocol: 2, fixImports: true });
      requests.push({ name: `${c.name} [${encoding}]`, encoding, original: c.pickle, redump: toHex(redump) });
    }
  }
  assert.ok(requests.length > 700, `only ${requests.length} round trips`);
  const answers = pythonRoundTrip(requests);
  const failures = requests.flatMap((r, i) => (answers[i] === null ? [] : [`${r.name}: ${answers[i]}`]));
  assert.deepEqual(failures, []);
});
