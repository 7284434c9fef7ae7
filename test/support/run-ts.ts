/**
 * Example programs written in TypeScript (the README's, the cookbook's, the
 * TSDoc `@example`s), run as plain JavaScript: esbuild strips the types here,
 * as tsx would in each program's process, and the program runs in `node`
 * alone. An example imports the package (the built dist/) and Node's own
 * modules, so nothing else needs tsx; a process without it starts in a
 * fraction of the time, and the examples are many.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * What runs the programs of one `runPrograms` share: each imported in turn,
 * its outcome written to fd 3 as a line of JSON (`[index, failure or null]`).
 * An error that surfaces after a program's import settled (an unawaited
 * promise, an exception in a callback) fails the program running when it
 * surfaces: each program has the next turn of the event loop to itself.
 */
const DRIVER = `import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
const programs = JSON.parse(process.argv[2]);
let current = -1;
const report = (i, failure) => writeSync(3, JSON.stringify([i, failure]) + '\\n');
const late = (error) => report(current, 'after its import settled: ' + inspect(error));
process.on('uncaughtException', late);
process.on('unhandledRejection', late);
for (const [i, path] of programs) {
  current = i;
  try {
    await import(pathToFileURL(path).href);
    // what the program left to the next turns of the event loop (a timer of 0 ms) runs first
    await new Promise((resolve) => setTimeout(resolve, 1));
    report(i, null);
  } catch (error) {
    report(i, inspect(error));
  }
}
`;

/**
 * Runs the TypeScript programs `files` (compiled as by `compileTs`) in
 * `processes` Node processes, each importing its share one after the other
 * (a program's own process would cost more to start, and to load the
 * package, than most programs take to run). Resolves to each program's
 * failure (`undefined` when it ran to the end): its error, or the end of
 * its process (a crash, `process.exit`, the `timeout` in ms of a process).
 * The programs share their process's globals: they must not depend on
 * running alone.
 */
export async function runPrograms(
  files: readonly string[],
  cwd: string,
  options: { processes?: number; timeout?: number } = {},
): Promise<(string | undefined)[]> {
  const { processes = 2, timeout = 120_000 } = options;
  const driver = join(cwd, '.run-programs.mjs');
  writeFileSync(driver, DRIVER);
  const outcomes: (string | undefined | null)[] = files.map(() => null);
  const shares = Array.from({ length: Math.min(processes, files.length) }, (_, k) =>
    files.flatMap((file, i) => (i % processes === k ? [[i, compileTs(file)] as const] : [])),
  );
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, [driver, JSON.stringify(share)], {
            cwd,
            stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
            timeout,
          });
          const stderr: Buffer[] = [];
          const lines: Buffer[] = [];
          child.stderr!.on('data', (c: Buffer) => stderr.push(c));
          child.stdio[3]!.on('data', (c: Buffer) => lines.push(c));
          child.on('close', (code, signal) => {
            for (const line of Buffer.concat(lines).toString('utf8').split('\n')) {
              if (line === '') continue;
              const [i, failure] = JSON.parse(line) as [number, string | null];
              outcomes[i] = failure === null ? (outcomes[i] ?? undefined) : failure;
            }
            const end = `its process ended (exit code ${code}, signal ${signal}) before it finished:\n${Buffer.concat(stderr).toString('utf8')}`;
            for (const [i] of share) if (outcomes[i] === null) outcomes[i] = end;
            resolve();
          });
        }),
    ),
  );
  return outcomes.map((o) => o ?? undefined);
}
