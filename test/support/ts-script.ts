/**
 * Node's arguments to run a TypeScript file of the project in a process of
 * its own. Under `npm test` (test/support/test.mjs compiled src/ and test/
 * into `BRINE_TEST_BUILD`), the file's compiled copy in plain node: about a
 * second and a half of CPU less per process than tsx's loader. Elsewhere
 * (`node --import tsx --test test/x.test.ts`), the file through tsx.
 * {@link compiledCopy} does the same for a worker thread.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './python.js';

export function tsScript(path: string): string[] {
  const compiled = compiledCopy(path);
  return compiled === undefined ? ['--import', 'tsx', path] : ['--enable-source-maps', compiled];
}

/** The compiled copy of a .ts file of the project under `npm test`, or undefined (no build, or no copy). */
export function compiledCopy(path: string): string | undefined {
  const build = process.env.BRINE_TEST_BUILD;
  if (build === undefined || build === '') return undefined;
  const compiled = join(build, relative(ROOT, path)).replace(/\.ts$/, '.js');
  return existsSync(compiled) ? compiled : undefined;
}

/**
 * Node's arguments to run the `brine` command in a process of its own: under
 * `npm test`, dist/cli.js, which the run built from these sources before any
 * test (the compiled copy of src/cli.ts would not see itself as the program);
 * elsewhere src/cli.ts through tsx.
 */
export function cliScript(): string[] {
  return compiledCopy(join(ROOT, 'src', 'cli.ts')) === undefined
    ? ['--import', 'tsx', join(ROOT, 'src', 'cli.ts')]
    : [join(ROOT, 'dist', 'cli.js')];
}
