/**
 * Every TypeScript example of the README runs: each ```ts block is written
 * to a file inside the package (so that `import 'brine'` resolves through the
 * package's own exports) and executed, with `data` and `cache.pkl` made by python3.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'test', '.readme-run');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
execFileSync('python3', [
  '-c',
  "import pickle, sys; pickle.dump({'users': [{'name': 'Ada', 'id': 1}], 'version': (2, 4)}, open(sys.argv[1], 'wb'), 5)",
  join(work, 'cache.pkl'),
]);
after(() => rmSync(work, { recursive: true, force: true }));

test('the README has TypeScript examples', () => {
  assert.ok(blocks.length >= 4);
});

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs`, () => {
    const needsData = /\bdata\b/.test(code) && !/\b(const|let|declare const) data\b/.test(code);
    const prelude = needsData
      ? "import { readFileSync as readData } from 'node:fs';\nconst data = readData('cache.pkl');\n"
      : '';
    const file = join(work, `example-${i + 1}.ts`);
    writeFileSync(file, `${prelude}${code}\nexport {};\n`);
    execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: work, stdio: 'pipe' });
  });
});
