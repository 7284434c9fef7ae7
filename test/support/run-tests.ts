/**
 * The test phase of `npm test`, after the build: the lint and the type check
 * run beside the test files instead of before them, and the test files run
 * two at a time (as `node --test --test-concurrency=2` ran them), the
 * longest first, so that no long file starts last and runs alone while a
 * core has nothing to do.
 *
 * Every file of test/*.test.ts and test/complexity/*.test.ts runs, each in a
 * process of its own with this process's flags (`--import tsx`,
 * `--import ./test/support/setup.ts`); the exit code is 1 when a test, the
 * lint or the type check fails. The spec reporter on a terminal, TAP
 * otherwise, as `node --test` chooses.
 *
 * Usage: node --import tsx --import ./test/support/setup.ts test/support/run-tests.ts [FILE...]
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import { ROOT } from './python.js';

/**
 * The files that take longest (CPU seconds measured on one run, most first);
 * the others follow in name order. A file missing here only starts later.
 */
const LONGEST = [
  'test/package.test.ts',
  'test/tsdoc-examples.test.ts',
  'test/adversarial.test.ts',
  'test/tools-dis.test.ts',
  'test/dumps.test.ts',
  'test/complexity/opcodes.test.ts',
  'test/web.test.ts',
  'test/api-docs.test.ts',
  'test/compress.test.ts',
  'test/stdlib-hostile.test.ts',
  'test/tools-json.test.ts',
  'test/hardening.test.ts',
  'test/cli.test.ts',
  'test/node.test.ts',
  'test/tools-optimize.test.ts',
  'test/repr-budget.test.ts',
  'test/list-batches.test.ts',
  'test/cli-torch.test.ts',
  'test/readme.test.ts',
  'test/fuzz.test.ts',
];

function testFiles(): string[] {
  const list = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => `${dir}/${name}`);
  const all = [...list('test'), ...list('test/complexity')];
  const rank = (file: string) => {
    const i = LONGEST.indexOf(file);
    return i === -1 ? LONGEST.length : i;
  };
  return all
    .map((file, i) => ({ file, i }))
    .sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i)
    .map((x) => x.file);
}

/** Runs an npm script beside the tests; resolves to its exit code, its output printed when it ends. */
function npmScript(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', name], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c));
    child.stderr.on('data', (c: Buffer) => output.push(c));
    child.on('error', (error) => {
      process.stderr.write(`npm run ${name}: ${error.message}\n`);
      resolve(1);
    });
    child.on('close', (code) => {
      const text = Buffer.concat(output).toString('utf8');
      process.stderr.write(
        `\n# npm run ${name}: ${code === 0 ? 'ok' : `FAILED (exit code ${code})`}\n${text}`,
      );
      resolve(code ?? 1);
    });
  });
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args.map((f) => relative(ROOT, join(process.cwd(), f))) : testFiles();
const checks = args.length > 0 ? [] : [npmScript('lint'), npmScript('typecheck')];

let failed = false;
const stream = run({ files: files.map((f) => join(ROOT, f)), concurrency: 2 });
stream.on('test:fail', () => {
  failed = true;
});
const reporter = process.stdout.isTTY ? stream.compose(new spec()) : stream.compose(tap);
reporter.pipe(process.stdout);
reporter.on('end', async () => {
  const codes = await Promise.all(checks);
  if (failed || codes.some((c) => c !== 0)) process.exitCode = 1;
});
