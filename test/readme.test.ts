/**
 * Every code example of the README and of docs/cookbook.md runs. Each ```ts
 * block is written to a file inside the package (so that `import 'brine'`
 * resolves through the package's own exports, to the built dist/) and
 * executed (as JavaScript: test/support/run-ts.ts), the examples of a
 * document one after the other in one process of their own (a process per
 * example cost more to start and to load the package than the examples take
 * to run). The README's examples take `data` and `cache.pkl` made by
 * python3. The cookbook's ```python blocks make its inputs (run first, in
 * order), and its ```sh blocks run with `brine` on the PATH as the built
 * command; each block must exit with 0.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './support/python.js';
import { type ProgramRun, runProgramsPrinting } from './support/run-ts.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The fenced blocks of a Markdown text, in order, with their language. */
function fencedBlocks(text: string): { lang: string; code: string }[] {
  return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2] ?? '' }));
}

/**
 * Runs the TypeScript programs `codes` in `work` (as `name-1.ts` ...), in one
 * process, in order (an example may read what an earlier one wrote), once:
 * the first test that asks starts them, the others wait for the same run.
 */
function lazyRun(work: string, name: string, codes: () => string[]): () => Promise<ProgramRun[]> {
  let runs: Promise<ProgramRun[]> | undefined;
  return () => {
    runs ??= runProgramsPrinting(
      codes().map((code, i) => {
        const file = join(work, `${name}-${i + 1}.ts`);
        writeFileSync(file, `${code}\nexport {};\n`);
        return file;
      }),
      work,
      { processes: 1 },
    );
    return runs;
  };
}

/** The output of example `i` of `run`, or a failure naming the example. */
async function outputOf(run: () => Promise<ProgramRun[]>, i: number, code: string): Promise<string> {
  const { failure, stdout } = (await run())[i] as ProgramRun;
  if (failure !== undefined) assert.fail(`the example fails:\n${code}\n${failure}`);
  return stdout;
}

/**
 * The forward pass of the cookbook's two-layer model, computed by python3
 * from the safetensors file brine wrote (read with the standard library):
 * what the browser example must print.
 */
const FORWARD = `
import json, struct
raw = open('model.safetensors', 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
def get(name):
    h = header[name]; a, b = h['data_offsets']
    return list(struct.unpack('<%df' % ((b - a) // 4), raw[8 + n + a:8 + n + b])), h['shape']
x = [1.0, 1.0, 1.0]
for i, (w, b) in enumerate([('0.weight', '0.bias'), ('2.weight', '2.bias')]):
    (wd, (rows, cols)), (bd, _) = get(w), get(b)
    y = []
    for r in range(rows):
        s = bd[r]
        for c in range(cols): s += wd[r * cols + c] * x[c]
        y.append(s)
    x = [max(0.0, v) for v in y] if i == 0 else y
print(json.dumps(x))
`;

/** What some cookbook examples must print, by a name their code uses. */
const COOKBOOK_OUTPUT: [marker: string, expected: RegExp[]][] = [
  ['readDjangoValue', [/^19\.90$/m, /^2024-05-01T12:30:00\.000Z$/m, /^true$/m, /^42$/m]],
  ['celery-meta.bin', [/^ValueError: unknown sku A-9$/m, /^2024-05-01 12:31:00$/m]],
  ['summariseTensors', [/^0\.weight float32 \[ 2, 3 \]$/m, /^2\.bias float32 \[ 1 \]$/m]],
  ['report.verdict', [/^downloaded\.pt dangerous$/m, /system/, /^plain\.pt safe$/m, /epoch: 3/]],
  ['brine scan', [/^downloaded\.pt: dangerous$/m, /^exit code 2$/m, /'epoch': 3/]],
];

// The README.
{
  const work = join(root, 'test', '.readme-run');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = fencedBlocks(readme).filter((b) => b.lang === 'ts');

  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync(PYTHON, [
    '-c',
    "import pickle, sys; pickle.dump({'users': [{'name': 'Ada', 'id': 1}], 'version': (2, 4)}, open(sys.argv[1], 'wb'), 5)",
    join(work, 'cache.pkl'),
  ]);
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the README has TypeScript examples', () => {
    assert.ok(blocks.length >= 4);
  });

  const programs = blocks.map(({ code }) => {
    const needsData = /\bdata\b/.test(code) && !/\b(const|let|declare const) data\b/.test(code);
    const prelude = needsData
      ? "import { readFileSync as readData } from 'node:fs';\nconst data = readData('cache.pkl');\n"
      : '';
    return `${prelude}${code}`;
  });
  const run = lazyRun(work, 'example', () => programs);

  programs.forEach((code, i) => {
    test(`README example ${i + 1} runs`, async () => {
      await outputOf(run, i, code);
    });
  });
}

// The cookbook.
{
  const work = join(root, 'test', '.cookbook-run');
  const cookbook = readFileSync(join(root, 'docs', 'cookbook.md'), 'utf8');
  const blocks = fencedBlocks(cookbook);
  const bin = join(work, '.bin');

  rmSync(work, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  // `brine` as an installed package's command would be: the built dist/cli.js.
  writeFileSync(
    join(bin, 'brine'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'dist', 'cli.js')}" "$@"\n`,
  );
  chmodSync(join(bin, 'brine'), 0o755);
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the cookbook has Python, shell and TypeScript examples, and only those', () => {
    const langs = blocks.map((b) => b.lang);
    assert.ok(langs.filter((l) => l === 'ts').length >= 6, langs.join(' '));
    assert.ok(langs.includes('python') && langs.includes('sh'));
    assert.deepEqual(
      langs.filter((l) => !['ts', 'python', 'sh'].includes(l)),
      [],
    );
  });

  test('the cookbook Python examples make its inputs', () => {
    for (const { code } of blocks.filter((b) => b.lang === 'python'))
      execFileSync(PYTHON, ['-c', code], { cwd: work, stdio: 'pipe' });
  });

  // The TypeScript examples run in order in one process, once the Python examples have made their
  // inputs (the first of them to run starts them all); the shell examples each in their turn.
  const tsCodes = blocks.filter((b) => b.lang === 'ts').map((b) => b.code);
  const run = lazyRun(work, 'cookbook', () => tsCodes);
  let n = 0;
  let t = 0;
  for (const { lang, code } of blocks) {
    if (lang === 'python') continue;
    const i = ++n;
    const k = lang === 'ts' ? t++ : -1;
    test(`cookbook example ${i} (${lang}) runs`, async () => {
      const out =
        lang === 'ts'
          ? await outputOf(run, k, code)
          : execFileSync('sh', ['-c', code], {
              cwd: work,
              encoding: 'utf8',
              stdio: 'pipe',
              env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
            });
      for (const [marker, expected] of COOKBOOK_OUTPUT)
        if (code.includes(marker)) for (const re of expected) assert.match(out, re);
      if (code.includes('makeModel')) {
        const want = JSON.parse(
          execFileSync(PYTHON, ['-c', FORWARD], { cwd: work, encoding: 'utf8' }),
        ) as number[];
        const got = JSON.parse(
          out
            .trim()
            .replace(/^\[\s*/, '[')
            .replace(/\s*\]$/, ']'),
        ) as number[];
        assert.equal(got.length, want.length);
        for (const [k, v] of want.entries()) assert.ok(Math.abs(got[k]! - v) < 1e-5, `${got[k]} vs ${v}`);
      }
    });
  }
}
