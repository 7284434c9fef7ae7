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
 * its outcome written to fd 3 as a line of JSON (`[index, failure or null,
 * what it printed]`). An error that surfaces after a program's import settled
 * (an unawaited promise, an exception in a callback) fails the program
 * running when it surfaces: each program has the next turn of the event loop
 * to itself, and an exit code it sets (`process.exitCode`) fails it too.
 * What a program writes to standard output (`console.log`,
 * `process.stdout.write`) is kept as its own.
 */
const DRIVER = `import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
const programs = JSON.parse(process.argv[2]);
let current = -1;
let printed = [];
process.stdout.write = (chunk, encoding, callback) => {
  printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') process.nextTick(done);
  return true;
};
const report = (i, failure) => {
  writeSync(3, JSON.stringify([i, failure, printed.join('')]) + '\\n');
  printed = [];
};
const late = (error) => report(current, 'after its import settled: ' + inspect(error));
process.on('uncaughtException', late);
process.on('unhandledRejection', late);
for (const [i, path] of programs) {
  current = i;
  try {
    await import(pathToFileURL(path).href);
    // what the program left to the next turns of the event loop (a timer of 0 ms) runs first
    await new Promise((resolve) => setTimeout(resolve, 1));
    // an exit code set for the end of the process fails the program that set it, as its own process would
    const code = process.exitCode;
    process.exitCode = undefined;
    report(i, code === undefined || code === 0 ? null : 'it set process.exitCode to ' + code);
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
  return (await runProgramsPrinting(files, cwd, options)).map((r) => r.failure);
}

/** What one program of `runProgramsPrinting` did. */
export interface ProgramRun {
  /** Why it failed, or `undefined` when it ran to the end. */
  readonly failure: string | undefined;
  /** What it wrote to standard output while it ran (and in the turn of the event loop after). */
  readonly stdout: string;
}

/**
 * `runPrograms`, with what each program printed: the programs of a process
 * run in order, each after the one before it has settled, so a program may
 * read the files an earlier one wrote (as when they run one after the other
 * in processes of their own).
 */
export async function runProgramsPrinting(
  files: readonly string[],
  cwd: string,
  options: { processes?: number; timeout?: number } = {},
): Promise<ProgramRun[]> {
  const { processes = 2, timeout = 120_000 } = options;
  const driver = join(cwd, '.run-programs.mjs');
  writeFileSync(driver, DRIVER);
  const outcomes: (string | undefined | null)[] = files.map(() => null);
  const printed: string[] = files.map(() => '');
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
              const [i, failure, stdout] = JSON.parse(line) as [number, string | null, string];
              outcomes[i] = failure === null ? (outcomes[i] ?? undefined) : failure;
              printed[i] += stdout;
            }
            const end = `its process ended (exit code ${code}, signal ${signal}) before it finished:\n${Buffer.concat(stderr).toString('utf8')}`;
            for (const [i] of share) if (outcomes[i] === null) outcomes[i] = end;
            resolve();
          });
        }),
    ),
  );
  return outcomes.map((o, i) => ({ failure: o ?? undefined, stdout: printed[i] as string }));
}
