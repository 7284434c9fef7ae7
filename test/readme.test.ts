/**
 * Every code example of the README and of docs/cookbook.md runs. Each ```ts
 * block is written to a file inside the package (so that `import 'brine'`
 * resolves through the package's own exports, to the built dist/) and
 * executed (as JavaScript: test/support/run-ts.ts). The README's examples take `data` and `cache.pkl` made by
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
import { compileTs } from './support/run-ts.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The fenced blocks of a Markdown text, in order, with their language. */
function fencedBlocks(text: string): { lang: string; code: string }[] {
  return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2] ?? '' }));
}

function runTs(work: string, name: string, code: string): string {
  const file = join(work, `${name}.ts`);
  writeFileSync(file, `${code}\nexport {};\n`);
  return execFileSync(process.execPath, [compileTs(file)], {
    cwd: work,
    encoding: 'utf8',
    stdio: 'pipe',
  });
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

  blocks.forEach(({ code }, i) => {
    test(`README example ${i + 1} runs`, () => {
      const needsData = /\bdata\b/.test(code) && !/\b(const|let|declare const) data\b/.test(code);
      const prelude = needsData
        ? "import { readFileSync as readData } from 'node:fs';\nconst data = readData('cache.pkl');\n"
        : '';
      runTs(work, `example-${i + 1}`, `${prelude}${code}`);
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

  let n = 0;
  for (const { lang, code } of blocks) {
    if (lang === 'python') continue;
    const i = ++n;
    test(`cookbook example ${i} (${lang}) runs`, () => {
      const out =
        lang === 'ts'
          ? runTs(work, `cookbook-${i}`, code)
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
