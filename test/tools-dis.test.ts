/**
 * The disassembler and the opcode iterator against CPython's pickletools, on
 * the whole corpus: every vector (each pickle of a sequence too), CPython's bad
 * pickles, the adversarial corpus, what `dumps` writes, seeded mutations of all
 * of these and random opcode soup. `disassemble` must print what `pickletools.dis`
 * prints, byte for byte (plain, annotated, at other indent levels, with a memo
 * shared between pickles), and where pickletools raises, fail with the same
 * exception, message and text so far. `genops` must yield the opcodes
 * pickletools' genops yields and fail as it fails.
 *
 * python3 runs once per batch (two processes at once); the inputs go in as JSON.
 * BRINE_SEED=<n> replays the property test (the seed is in the failure message). The numbers of
 * mutated inputs, of opcode soups and of property runs follow test/support/budget.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isPickleError, UnpicklingError } from '../src/index.js';
import { DisassemblyError, disassemble, disassembleAll, formatPreamble } from '../src/tools/disassemble.js';
import { genops, PickletoolsError } from '../src/tools/genops.js';
import { runs, seed, size } from './support/budget.js';
import { failWithSeed } from './support/fast-check.js';
import { toHex } from './support/python.js';
import {
  adversarialInputs,
  badPickleInputs,
  difference,
  digestOf,
  dumpsInputs,
  mutatedInputs,
  opcodeSoup,
  runBrine,
  runPickletools,
  type ToolInput,
  type ToolJob,
  type ToolResult,
  vectorInputs,
} from './support/tools-dis.js';

const SEED = 20240611;
const propertySeed = seed(SEED);

const vectors = vectorInputs();
const bad = badPickleInputs();
const adversarial = adversarialInputs();
const dumped = dumpsInputs(100, SEED);
const small = [...vectors.filter((v) => v.data.length < 4096), ...adversarial, ...bad, ...dumped];

/**
 * The inputs over 32 KiB (48 vectors and adversarial pickles, about 40% of what pickletools and
 * brine spend on the listings): each one under `npm run fuzz`, every fourth (in corpus order)
 * under `npm test`, which still lists pickles of several frames and positions past 100,000. The
 * opcode iterator and the mutations take every input.
 */
const BIG = 32 * 1024;
const BIG_STRIDE = size(4, 1);
function sampled(inputs: readonly ToolInput[]): ToolInput[] {
  let big = 0;
  return inputs.filter((input) => input.data.length <= BIG || big++ % BIG_STRIDE === 0);
}
const listedVectors = sampled(vectors);
const listedAdversarial = sampled(adversarial);
const mutated = mutatedInputs(small, size(800, 2500), SEED);
const soup = fc
  .sample(opcodeSoup, { seed: SEED, numRuns: size(500, 1500) })
  .map((data, i): ToolInput => ({ name: `opcode soup ${i}`, data }));

/** Inputs written for the corners of pickletools' reading and printing. */
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const handMade: ToolInput[] = [
  '\x80\x04K\x01q\x01K\x02\x94\x2e', // MEMOIZE onto an index a BINPUT took
  '(\x85t.', // TUPLE1 eats the MARK; TUPLE then finds none on the stack
  '(\x85\x85.',
  '(0N.',
  '(1(0.',
  'I01\np00\nI00\ng0\ng01\nt.',
  'I-5\np-5\ng-5\nI+1_000\nI 7 \nL12L\nL-0L\n0000000.',
  `L${'9'.repeat(5000)}L\n.`,
  `\x8b\x00\x08\x00\x00${'\xff'.repeat(0x800)}\x00.`,
  `\x8b\x01\x08\x00\x00${'\x01'.repeat(0x801)}.`,
  'F-0.0\nFinf\nF-Infinity\nFnan\nF1e400\nF1_0.5e-1_0\nF.5\nF1.\nF1e\n.',
  'G\x7f\xf8\x00\x00\x00\x00\x00\x01G\x80\x00\x00\x00\x00\x00\x00\x00G\x00\x00\x00\x00\x00\x00\x00\x01(tttt.',
  "S'a\\'b\\\\c\\x41\\101\\n\\q'\nS\"it's\"\nS'\nS''\nS'x\n.",
  "S'\\x4'\n.",
  "S'a\\'\n.",
  'V\\ud83d\\ude00\\U0001F600\\u00e9\xe9\\x\nV\\u12\n.',
  'V\\U00110000\n.',
  '\x8c\x06\xed\xa0\xbd\xed\xb8\x80\x8c\x03\xef\xbb\xbf\x8c\x04\xf0\x9f\x98\x80\x8c\x02\xc2\xa0\x8c\x02\xc2\xad(((((t.',
  '\x8c\x02\xed\xa0.',
  '\x8c\x03\xe0\x80\x80.',
  'X\x03\x00\x00\x00a\xf4\x90.',
  "C\x03'\"\\B\x02\x00\x00\x00'x\x96\x01\x00\x00\x00\x00\x00\x00\x00\x00(ttt.",
  'cos\nsystem\nca\\x41\nb c\nc\xc3\xa9\nx\n.',
  'Pid\nQ(i__main__\nC\n.',
  '\x8e\x00\x00\x00\x00\x00\x00\x00\x80.',
  '\x95\xff\xff\xff\xff\xff\xff\xff\xff.',
  'T\xff\xff\xff\xff.',
  '\x8c\x04\xf0\x9f\x98\x80\x8c\x01a\x8c\x03\xe2\x82\xac\x86\x86.',
].map((text, i) => ({ name: `hand-made ${i} ${JSON.stringify(text)}`, data: latin1(text) }));

/**
 * Indentation is quadratic in the MARK depth: vectors whose listing would pass
 * a few megabytes (thousands of nested MARKs) are compared with indentlevel 0.
 */
const HUGE = 4_000_000;
function indentFor(input: ToolInput): number {
  let depth = 0;
  let spaces = 0;
  try {
    for (const op of genops(input.data)) {
      if (op.info.stackBefore.includes('mark')) depth = Math.max(0, depth - 1);
      spaces += 4 * depth;
      if (op.info.name === 'MARK') depth++;
    }
  } catch {
    // compared as it is
  }
  return spaces > HUGE ? 0 : 4;
}
/** The annotated listing of the largest vectors adds time and nothing new. */
const ANNOTATE_MAX = 8 * 1024;

interface Case {
  readonly group: string;
  readonly name: string;
  readonly job: ToolJob;
}

const cases: Case[] = [];
function add(group: string, input: ToolInput, job: Omit<ToolJob, 'hex'>, label = ''): void {
  cases.push({ group, name: `${input.name}${label}`, job: { ...job, hex: toHex(input.data) } });
}

for (const [group, inputs] of [
  ['vectors', listedVectors],
  ['bad pickles', bad],
  ['hand-made', handMade],
  ['adversarial corpus', listedAdversarial],
  ['dumps output', dumped],
  ['mutations', mutated],
  ['opcode soup', soup],
] as const) {
  for (const input of inputs) {
    const indent = group === 'vectors' ? indentFor(input) : 4;
    add(group, input, { mode: 'dis', indentlevel: indent });
    if (group !== 'mutations' && group !== 'opcode soup' && input.data.length <= ANNOTATE_MAX) {
      add(`${group}, annotated`, input, { mode: 'dis', annotate: 30, indentlevel: indent === 0 ? 0 : 2 });
    }
  }
}
// Other annotate columns and indent levels.
for (const [i, input] of [...handMade, ...listedAdversarial, ...bad, ...mutated.slice(0, 500)].entries()) {
  const annotate = [1, 12, 45, 60, -3][i % 5]!;
  const indentlevel = [0, 1, 3, 7, -2][(i >> 2) % 5]!;
  add(
    'annotate and indentlevel variants',
    input,
    { mode: 'dis', annotate, indentlevel },
    ` a=${annotate} l=${indentlevel}`,
  );
}
// Buffers holding several pickles: each one from its offset, all in turn, with and without a shared memo.
for (const input of listedVectors.filter((v) => v.starts !== undefined)) {
  for (const start of input.starts!) add('sequences', input, { mode: 'dis', start }, ` from ${start}`);
  add('sequences', input, { mode: 'all' }, ' all');
  add('sequences', input, { mode: 'all', shareMemo: true, annotate: 30 }, ' all, shared memo');
}
// Several pickles with one memo, as `python -m pickletools --memo a b c`.
const memoSources = [...listedAdversarial, ...dumped];
for (let i = 0; i + 3 <= memoSources.length; i += 2) {
  const group = memoSources.slice(i, i + 1 + (i % 3));
  const hexes = group.map((g) => toHex(g.data));
  cases.push({
    group: 'memo across pickles',
    name: group.map((g) => g.name).join(' + '),
    job: { mode: 'files', hexes },
  });
  cases.push({
    group: 'memo across pickles',
    name: `${group.map((g) => g.name).join(' + ')} (one buffer)`,
    job: { mode: 'all', hex: hexes.join(''), shareMemo: i % 4 === 0 },
  });
}

// pickletools' listings come back as digests (about 80 MB of text otherwise); a listing whose
// digest differs from brine's is asked for again in full, to compare and show the difference.
const expected = await runPickletools(cases.map((c) => ({ ...c.job, digest: true })));

const groups = [...new Set(cases.map((c) => c.group))];
for (const group of groups) {
  test(`disassemble is pickletools.dis: ${group}`, async () => {
    const failures: string[] = [];
    const differing: { c: Case; got: ToolResult }[] = [];
    let compared = 0;
    let errors = 0;
    cases.forEach((c, i) => {
      if (c.group !== group) return;
      const want = expected[i]!;
      let got: ToolResult;
      try {
        got = runBrine(c.job);
      } catch (error) {
        failures.push(`${c.name}: threw ${String(error)}`);
        return;
      }
      compared++;
      if (want.error !== null) errors++;
      if (digestOf(got.out) !== want.out || JSON.stringify(got.error) !== JSON.stringify(want.error))
        differing.push({ c, got });
    });
    const full = await runPickletools(differing.map(({ c }) => c.job));
    differing.forEach(({ c, got }, i) => {
      const diff = difference(got, full[i]!);
      if (diff !== undefined) failures.push(`${c.name}: ${diff}`);
    });
    assert.ok(compared > 0);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${compared} differ`);
    if (group === 'bad pickles' || group === 'mutations' || group === 'opcode soup') {
      assert.ok(errors > compared / 4, `only ${errors} of ${compared} ${group} fail in pickletools`);
    }
  });
}

test('the corpus makes pickletools raise every error dis() can raise', () => {
  const messages = expected.flatMap((r) => (r.error === null ? [] : [`${r.error[0]}: ${r.error[1]}`]));
  const wanted = [
    /^ValueError: no MARK exists on stack$/,
    /^ValueError: stack not empty after STOP: \[/,
    /^ValueError: tries to pop \d+ items from stack with only \d+ items$/,
    /^ValueError: memo key \d+ has never been stored into$/,
    /^ValueError: memo key \d+ already defined$/,
    /^ValueError: memo key None already defined$/,
    /^ValueError: stack is empty -- can't store into memo$/,
    /^ValueError: can't store markobject in the memo$/,
    /^ValueError: pickle exhausted before seeing STOP$/,
    /^ValueError: at position \d+, opcode b'.*' unknown$/,
    /^ValueError: no newline found when trying to read stringnl$/,
    /^ValueError: expected \d+ bytes in a \w+, but only \d+ remain$/,
    /^ValueError: invalid literal for int\(\) with base 10: /,
    /^ValueError: could not convert string to float: /,
    /^ValueError: no string quotes around /,
    /^UnicodeDecodeError: 'utf-8' codec can't decode /,
    /^UnicodeDecodeError: 'ascii' codec can't decode /,
    /^IndexError: list index out of range$/,
  ];
  const missing = wanted.filter((w) => !messages.some((m) => w.test(m)));
  assert.deepEqual(missing, [], 'errors the corpus never makes pickletools raise');
});

test('genops yields the opcodes pickletools.genops yields, and fails as it fails', async () => {
  const inputs = [...bad, ...mutated.slice(0, 1500), ...soup.slice(0, 500), ...adversarial];
  const jobs = inputs.map((input): ToolJob => ({ mode: 'genops', hex: toHex(input.data) }));
  // pickletools' opcodes come back as a digest of their names and positions (a line "name pos"
  // each); an input whose digest or error differs from brine's is asked for again in full.
  const digests = await runPickletools(jobs.map((job) => ({ ...job, digest: true })));
  const failures: string[] = [];
  const differing: number[] = [];
  const brineOps: [string, number][][] = [];
  const brineErrors: ([string, string] | null)[] = [];
  inputs.forEach((input, i) => {
    const ops: [string, number][] = [];
    let error: [string, string] | null = null;
    try {
      for (const op of genops(input.data)) {
        ops.push([op.info.name, op.pos]);
        assert.ok(op.end > op.pos && op.end <= input.data.length);
        if (op.info.arg === null) assert.equal(op.arg, null);
        else if (typeof op.arg === 'number')
          assert.ok(Number.isSafeInteger(op.arg) || /float/.test(op.info.arg));
        else if (typeof op.arg === 'bigint') assert.ok(!Number.isSafeInteger(Number(op.arg)));
        if (op.info.name === 'GLOBAL' || op.info.name === 'INST') assert.equal(op.global?.join(' '), op.arg);
      }
    } catch (e) {
      if (!(e instanceof PickletoolsError)) throw e;
      error = [e.pythonType, e.reason];
    }
    const listing = ops.map(([name, pos]) => `${name} ${pos}\n`).join('');
    if (
      digestOf(listing) !== digests[i]!.out ||
      JSON.stringify(error) !== JSON.stringify(digests[i]!.error)
    ) {
      differing.push(i);
      brineOps.push(ops);
      brineErrors.push(error);
    }
  });
  const full = await runPickletools(differing.map((i) => jobs[i]!));
  differing.forEach((i, k) => {
    const ops = brineOps[k]!;
    const error = brineErrors[k]!;
    const want = full[k]!;
    const expectedOps = (want.out as unknown as [string, number, string | null][]).map(([n, p]) => [n, p]);
    if (
      JSON.stringify(ops) !== JSON.stringify(expectedOps) ||
      JSON.stringify(error) !== JSON.stringify(want.error)
    ) {
      failures.push(
        `${inputs[i]!.name}: ${JSON.stringify([ops.length, error])} vs ${JSON.stringify([expectedOps.length, want.error])}`,
      );
    }
  });
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${inputs.length} differ`);
});

test('errors are UnpicklingErrors with the offset, the opcode and the text so far', () => {
  const data = Uint8Array.from([0x28, 0x4b, 0x01, 0x74, 0x68, 0x05, 0x2e]); // ( K 1 t BINGET 5 .
  try {
    disassemble(data);
    assert.fail('no error');
  } catch (error) {
    assert.ok(error instanceof DisassemblyError && error instanceof UnpicklingError && isPickleError(error));
    assert.equal(error.reason, 'memo key 5 has never been stored into');
    assert.equal(error.offset, 4);
    assert.equal(error.opcode, 'BINGET');
    assert.equal(error.pythonType, 'ValueError');
    assert.match(error.partial, /\n {4}4: h {4}BINGET {5}5\n$/);
  }
  const truncated = Uint8Array.from([0x80, 0x05, 0x8c, 0x09, 0x61]);
  assert.throws(
    () => disassemble(truncated),
    (e: unknown) =>
      e instanceof DisassemblyError && e.truncated && e.offset === 2 && e.opcode === 'SHORT_BINUNICODE',
  );
  assert.throws(
    () => [...genops(Uint8Array.of(0x4b))],
    (e: unknown) => e instanceof PickletoolsError && e.truncated,
  );
});

test('disassembleAll reads every pickle of a buffer; a shared memo carries across them', () => {
  const one = Uint8Array.from([0x80, 0x02, 0x5d, 0x71, 0x00, 0x2e]); // PROTO 2, EMPTY_LIST, BINPUT 0, STOP
  const two = Uint8Array.from([0x80, 0x02, 0x68, 0x00, 0x2e]); // PROTO 2, BINGET 0, STOP
  const both = Uint8Array.from([...one, ...two]);
  const all = disassembleAll(both, { shareMemo: true });
  assert.equal(all.match(/highest protocol/g)?.length, 2);
  assert.match(all, /\n {4}8: h {4}BINGET {5}0\n/);
  assert.throws(
    () => disassembleAll(both),
    (e: unknown) => e instanceof DisassemblyError && /never been stored/.test(e.reason),
  );
  assert.equal(disassemble(both), disassembleAll(one));
  assert.equal(disassemble(both, { preamble: '==> x <==' }).split('\n')[0], '==> x <==');
});

test('formatPreamble is str.format(name=...)', async () => {
  const templates = [
    '==> {name} <==',
    '{name!r}',
    '{{name}} {name:>12}|',
    '{name:*^9.3}',
    '{name!a}',
    '{}',
    '{0}',
    '{nam}',
    'a}b',
    'x{',
    '{name',
  ];
  const names = ['a.pkl', "it's é\u0001", 'dir/x y.pickle'];
  const jobs = templates.flatMap((template) => names.map((name) => ({ mode: 'format', template, name })));
  const want = await runPickletools(jobs as unknown as ToolJob[], 1);
  jobs.forEach((job, i) => {
    let got: ToolResult;
    try {
      got = { out: formatPreamble(job.template, job.name), error: null };
    } catch (error) {
      const [type = '', message = ''] = String((error as Error).message).split(/: (.*)/s);
      got = { out: '', error: [type, message] };
    }
    const w = want[i]!;
    if (w.error !== null) {
      assert.ok(got.error !== null, `${job.template}: no error`);
      assert.equal(got.error[0], w.error[0], job.template);
    } else assert.deepEqual(got, w, job.template);
  });
});

test('property: any bytes make genops and disassemble either succeed or throw an UnpicklingError', () => {
  const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), opcodeSoup);
  const property = fc.property(input, (data) => {
    for (const run of [
      () => [...genops(data)],
      () => disassemble(data, { annotate: true }),
      () => disassembleAll(data),
    ]) {
      try {
        run();
      } catch (error) {
        if (!(error instanceof UnpicklingError)) throw error;
      }
    }
  });
  try {
    fc.assert(property, { seed: propertySeed, numRuns: runs(1000, 4000) });
  } catch (error) {
    failWithSeed(error, propertySeed);
  }
});
