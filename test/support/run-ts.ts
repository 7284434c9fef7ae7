/**
 * Example programs written in TypeScript (the README's, the cookbook's, the
 * TSDoc `@example`s), run as plain JavaScript: esbuild strips the types here,
 * as tsx would in each program's process, and the program runs in `node`
 * alone. An example imports the package (the built dist/) and Node's own
 * modules, so nothing else needs tsx; a process without it starts in a
 * fraction of the time, and the examples are many.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

/**
 * Writes the JavaScript of the TypeScript program `file` beside it (`x.ts`
 * to `x.mjs`, an ES module) and returns its path.
 */
export function compileTs(file: string): string {
  const out = transformSync(readFileSync(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcefile: file,
  });
  const js = file.replace(/\.ts$/, '.mjs');
  writeFileSync(js, out.code);
  return js;
}
