/**
 * `brine convert data.json --to pickle` reads JSON as Python's `json` module
 * does: python3's `json.loads` of the same text is the reference, compared
 * with `pickle.loads` of what brine wrote, type by type (an int is not a
 * float, 2.0 is not 2, 12345678901234567890 is not rounded). Malformed JSON
 * gets Python's message and position, also on standard input.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { dumps, PyFloat } from '../src/index.js';
import { fromJSONValue, type JSONValue } from '../src/tools/json.js';
import { JSONTextError, MAX_INT_DIGITS, parseJSONText } from '../src/tools/json-text.js';
import { seed as seedOr, size } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { ROOT, runPython } from './support/python.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const DIR = mkdtempSync(join(tmpdir(), 'brine-convert-json-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
const seed = seedOr(20261206);

/** Python's typed description of a value, the same for json.loads' result and pickle.loads'. */
const TYPED = `
import json, math, pickle, sys
def typed(v):
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, int):
        return 'int:' + str(v)
    if isinstance(v, float):
        return 'float:' + repr(v)
    if isinstance(v, str):
        return 'str:' + ascii(v)
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, dict):
        return {'dict': [[k, typed(x)] for k, x in v.items()]}
    return 'other:' + type(v).__name__
out = []
for text, blob in json.loads(sys.stdin.read()):
    a, b = typed(json.loads(text)), typed(pickle.loads(bytes.fromhex(blob)))
    out.append(True if a == b else [a, b])
print(json.dumps(out))
`;

/** Texts through the library path the command takes, then Python compares. */
function compareWithPython(texts: readonly string[]): void {
  const pairs = texts.map((t) => [
    t,
    Buffer.from(dumps(fromJSONValue(parseJSONText(t) as JSONValue))).toString('hex'),
  ]);
  const results = JSON.parse(runPython(TYPED, [], JSON.stringify(pairs))) as unknown[];
  results.forEach((r, i) => {
    assert.equal(r, true, `${texts[i]}: python ${JSON.stringify(r)}`);
  });
}

function brine(args: string[], input?: string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: DIR, input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

test('the command keeps big ints and integral floats: python3 loads what json.loads gives', () => {
  const text =
    '{"big": 12345678901234567890, "neg": -98765432109876543210987, "two": 2.0, "exp": 1e3, "E": 2E-0,' +
    ' "half": 0.5, "int": 7, "zero": -0, "negzero": -0.0, "safe": 9007199254740991, "unsafe": 9007199254740993,' +
    ' "nested": [1.0, [2, 3.0e0]], "nan": NaN, "inf": -Infinity, "s": "\\u00e9\\ud83d\\ude00"}';
  writeFileSync(join(DIR, 'data.json'), text);
  const r = brine(['convert', 'data.json', '--to', 'pickle', '-o', 'data.pkl']);
  assert.equal(r.status, 0, r.stderr);
  const blob = readFileSync(join(DIR, 'data.pkl')).toString('hex');
  const result = JSON.parse(runPython(TYPED, [], JSON.stringify([[text, blob]]))) as unknown[];
  assert.equal(result[0], true, JSON.stringify(result[0]));
  // Standard input without a .json name: the same.
  const piped = brine(['convert', '-', '--to', 'pickle'], text);
  assert.equal(piped.status, 0, piped.stderr);
  const again = JSON.parse(runPython(TYPED, [], JSON.stringify([[text, piped.stdout.toString('hex')]])));
  assert.equal(again[0], true, JSON.stringify(again[0]));
});

test('random JSON numbers and documents load in python3 as json.loads reads them', () => {
  const digits = (min: number, max: number) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
  const intText = fc
    .tuple(fc.boolean(), fc.integer({ min: 1, max: 9 }), digits(0, 40))
    .map(([neg, first, rest]) => `${neg ? '-' : ''}${first}${rest}`);
  const number = fc.oneof(
    intText,
    fc.constantFrom('0', '-0', '0.0', '-0.0'),
    fc
      .tuple(intText, digits(1, 20), fc.option(fc.tuple(fc.constantFrom('e', 'E', 'e+', 'e-'), digits(1, 3))))
      .map(([i, f, e]) => `${i}.${f}${e === null ? '' : e[0] + e[1]}`),
    fc.tuple(intText, fc.constantFrom('e', 'E', 'e+', 'e-'), digits(1, 3)).map(([i, e, d]) => `${i}${e}${d}`),
  );
  const doc = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      number,
      fc.constantFrom('true', 'false', 'null', '"x"', '"\\u0041\\n"'),
      fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
      fc
        .array(fc.tuple(fc.string({ maxLength: 3 }), tie('value')), { maxLength: 4 })
        .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(`k${k}`)}: ${v}`).join(',')}}`),
    ),
  })).value;
  const texts = fc.sample(doc, { seed, numRuns: 300 });
  try {
    compareWithPython(texts);
  } catch (error) {
    failWithSeed(error, seed);
  }
});

test('what the parse gives: bigint, PyFloat only for integral floats, numbers otherwise', () => {
  const v = parseJSONText('[12345678901234567890, 2.0, 2.5, 2, -0, 1e400, {"__proto__": 1}]') as unknown[];
  assert.equal(v[0], 12345678901234567890n);
  assert.ok(v[1] instanceof PyFloat && v[1].value === 2);
  assert.equal(v[2], 2.5);
  assert.ok(Object.is(v[3], 2) && Object.is(v[4], 0));
  assert.equal(v[5], Number.POSITIVE_INFINITY);
  const o = v[6] as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(Object.keys(o), ['__proto__']);
  // Tags still read: numbers inside them are accepted as the tag needs.
  const tagged = fromJSONValue(
    parseJSONText(
      '[{"$float": 2.0}, {"$range": [0, 12345678901234567890, 1]}, {"$complex": [1.0, 2]}]',
    ) as JSONValue,
  ) as unknown[];
  assert.ok(tagged[0] instanceof PyFloat);
  assert.equal((tagged[1] as { stop: unknown }).stop, 12345678901234567890n);
  assert.equal((tagged[2] as { real: number }).real, 1);
});

test("malformed JSON: Python's json message and position", () => {
  const cases = [
    '',
    '"\\x"',
    '"\\u12g4"',
    '"abc',
    '"a\u0001"',
    '[1 2]',
    '{"a" 1}',
    '{1:2}',
    '[1,]',
    '01',
    '1.',
    '-',
    'tru',
    '[1]]',
    '{"a":1,}',
    '1e',
    '[',
    '{',
    '[1',
    '{"a":1',
    '\n\n  [1,\n  2 x]',
    '{"a": [1, {"b": nul}]}',
  ];
  const python = JSON.parse(
    runPython(
      `import json, sys
out = []
for t in json.loads(sys.stdin.read()):
    try:
        json.loads(t); out.append(None)
    except json.JSONDecodeError as e:
        out.append(str(e))
print(json.dumps(out))`,
      [],
      JSON.stringify(cases),
    ),
  ) as (string | null)[];
  cases.forEach((text, i) => {
    assert.throws(
      () => parseJSONText(text),
      (e: unknown) => e instanceof JSONTextError && e.message === `Not valid JSON: ${python[i]}`,
      `${JSON.stringify(text)}: python says ${python[i]}`,
    );
  });
});

test('malformed JSON on standard input is a JSON error, not a pickle error', () => {
  for (const text of ['{"a": 1,', '[1, 2', '  {"lr": 1.0 "x": 2}']) {
    const r = brine(['convert', '-', '--to', 'pickle'], text);
    assert.equal(r.status, 65, r.stderr);
    assert.match(
      r.stderr,
      /^brine: standard input: Not valid JSON: Expecting .*: line 1 column \d+ \(char \d+\)\n$/,
    );
    assert.doesNotMatch(r.stderr, /load key|pickle at offset/);
  }
  // Text that starts like a JSON scalar but does not parse may be a pickle (a digit is an opcode).
  const r = brine(['convert', '-', '--to', 'json'], '1.');
  assert.equal(r.status, 65);
  assert.match(r.stderr, /pickle/);
});

test('an int longer than Python accepts is refused, as json.loads refuses it', () => {
  const long = '7'.repeat(MAX_INT_DIGITS + 1);
  assert.throws(() => parseJSONText(`[${long}]`), JSONTextError);
  assert.equal(parseJSONText('7'.repeat(MAX_INT_DIGITS)), BigInt('7'.repeat(MAX_INT_DIGITS)));
  const python = runPython(
    `import json\ntry:\n    json.loads('7' * ${MAX_INT_DIGITS + 1}); print('ok')\nexcept ValueError: print('refused')`,
  );
  assert.equal(python.trim(), 'refused');
});

test('any nesting depth: iterative, no stack overflow', () => {
  // 10^5 levels under `npm test` (far past any recursion limit), 10^6 under `npm run fuzz`.
  const depth = size(100_000, 1_000_000);
  let v = parseJSONText(`${'['.repeat(depth)}1.0${']'.repeat(depth)}`);
  for (let i = 0; i < depth; i++) v = (v as unknown[])[0];
  assert.ok(v instanceof PyFloat);
  assert.throws(
    () => parseJSONText(`${'['.repeat(depth)}1${']'.repeat(depth - 1)}`),
    /Expecting ',' delimiter/,
  );
});
