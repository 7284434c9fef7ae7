/**
 * `npm test`: the build and the lint start together, the type check and the
 * test files once the build is done (the tests import the built package,
 * and so do the types of `import 'brine'`), the type check beside the test
 * files instead of before them, in the build's process (the two share the
 * files they parse: test/support/build-check.mjs); the test files run
 * two at a time (as `node --test --test-concurrency=2` ran them), the
 * longest first, so that no long file starts last and runs alone while a
 * core has nothing to do.
 *
 * Every file of test/*.test.ts and test/complexity/*.test.ts runs. The long
 * files, and those that measure CPU time (complexity ratios, hang guards),
 * run each in a process of its own with this process's flags. The short
 * ones run in four shared processes, each importing its share of them in
 * turn (a file of a few seconds otherwise pays more for its process and the
 * sources than for its tests); their tests, names and counts are the same. The exit
 * code is 1 when a test, the lint or the type check fails. The spec reporter
 * on a terminal, TAP otherwise, as `node --test` chooses.
 *
 * Started by test/support/test.mjs (`npm test [-- FILE...]`), which compiles
 * src/ and test/ first: the processes then run the compiled files in plain
 * node. FILEs given: only those, each in a process of its own. Started
 * directly (`node --import tsx test/support/run-tests.ts`), it runs the .ts
 * files through tsx.
 *
 * Budgets: property runs, fuzzing, mutation corpora and stress sizes are read
 * through test/support/budget.ts, short under `npm test`, full under
 * `BRINE_BUDGET=full` (`npm run fuzz`, test/fuzz/run.mjs, runs every file that
 * reads the budget that way, with fixed seeds). A new test file with a
 * property or a stress size takes both numbers from there: `runs(quick,
 * full)`, `size(quick, full)`, `seed(own)`. Once the build has succeeded,
 * `BRINE_BUILT_DIST` names the dist/ it made (test/package.test.ts packs it
 * instead of building the package a second time).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import { pathToFileURL } from 'node:url';
import { ROOT } from './python.js';

/**
 * The files that take longest (CPU seconds measured on one run, most first;
 * a file of `TOGETHER` stands for its pair; web's Chromium and package's
 * install wait more than they compute, so they start early); the others follow
 * in name order. A file missing here only starts later.
 */
const LONGEST = [
  'test/package.test.ts',
  'test/complexity/dumps-output.test.ts',
  'test/tools-scan.test.ts',
  'test/tools-dis.test.ts',
  'test/dumps.test.ts',
  'test/complexity/opcodes.test.ts',
  'test/web.test.ts',
  'test/api-docs.test.ts',
  'test/adversarial.test.ts',
  'test/cli.test.ts',
  'test/compress.test.ts',
  'test/repr-budget.test.ts',
  'test/load-runs.test.ts',
  'test/hardening.test.ts',
  'test/stdlib-hostile.test.ts',
  'test/node.test.ts',
  'test/dumps-retention.test.ts',
  'test/list-batches.test.ts',
  'test/fuzz.test.ts',
  'test/tsdoc-examples.test.ts',
  'test/tools-json.test.ts',
  'test/cli-torch.test.ts',
  'test/readme.test.ts',
];

/**
 * Files that need nothing of dist/ (they import src/ and test/support/ only,
 * neither `brine` nor the command, nor start anything that does): under
 * `npm test` they start at once, beside the build, on the core it leaves
 * idle; every other process waits for the build to end before it imports
 * its files (test/support/run-tests.ts writes a marker then).
 */
const BEFORE_BUILD = ['test/complexity/dumps-output.test.ts'];

/**
 * Long files that read the same large inputs, each pair in one process (the first file's place in
 * `LONGEST` is the pair's): the disassembler's and the optimizer's tests share the adversarial
 * corpus and CPython's bad pickles (python3 and JSON made once per process), and `dumps` and the
 * vectors' own tests the 23 MB of vectors parsed once (test/support/vectors.ts keeps what it read).
 */
const TOGETHER = [
  ['test/tools-dis.test.ts', 'test/tools-optimize.test.ts'],
  ['test/dumps.test.ts', 'test/vectors.test.ts'],
];

/** Shared processes for the short files, and how many long files start before them. */
const GROUPS = 4;
const GROUPS_AFTER = 4;

/** Files that measure CPU time, wall time or memory (linear-cost ratios, hang guards, what dumps keep): alone in their process. */
const TIMED = [
  'test/adversarial.test.ts',
  'test/bad-pickles.test.ts',
  'test/dumps-retention.test.ts',
  'test/fuzz.test.ts',
  'test/hardening.test.ts',
  'test/key-lookup.test.ts',
  'test/repr-budget.test.ts',
  'test/complexity/opcodes.test.ts',
];

/** Every test file, in name order. */
function allTestFiles(): string[] {
  const list = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith('.test.ts'))
      .sort()
      .map((name) => `${dir}/${name}`);
  return [...list('test'), ...list('test/complexity')];
}

/**
 * The processes to run, as absolute paths, in the order they start: the
 * longest files, the shared processes of the short ones (written to
 * `dir`), the other long files, then the other timed files.
 */
function plan(dir: string): string[] {
  const all = allTestFiles();
  const early = BEFORE_BUILD.filter((f) => all.includes(f));
  const second = new Set(TOGETHER.flatMap((p) => p.slice(1)));
  const long = [...early, ...LONGEST.filter((f) => all.includes(f) && !early.includes(f) && !second.has(f))];
  const timed = TIMED.filter((f) => all.includes(f) && !long.includes(f));
  const short = all.filter((f) => !long.includes(f) && !timed.includes(f) && !second.has(f));
  const ext = BUILD === undefined ? 'mts' : 'mjs';
  const groups = Array.from({ length: GROUPS }, (_, g) =>
    group(
      join(dir, `short-files-${g + 1}.test.${ext}`),
      short.filter((_, i) => i % GROUPS === g),
    ),
  );
  const own = (f: string) => {
    const pair = TOGETHER.find((p) => p[0] === f);
    return pair === undefined
      ? alone(dir, f)
      : group(join(dir, `${f.replace(/\//g, '--')}.together.${ext}`), pair);
  };
  return [
    ...long.slice(0, GROUPS_AFTER).map(own),
    ...groups,
    ...long.slice(GROUPS_AFTER).map(own),
    ...timed.map(own),
  ];
}

/** The processes for the files given on the command line: each alone, a pair of `TOGETHER` given whole in one. */
function given(files: string[]): string[] {
  const ext = BUILD === undefined ? 'mts' : 'mjs';
  return files.flatMap((f) => {
    const pair = TOGETHER.find((p) => p.includes(f) && p.every((m) => files.includes(m)));
    if (pair === undefined) return [alone(groupDir, f)];
    if (pair[0] !== f) return [];
    return [group(join(groupDir, `${f.replace(/\//g, '--')}.together.${ext}`), pair)];
  });
}

/** A file of its own still gets a file that imports it, for its usage per test. */
function alone(dir: string, file: string): string {
  return group(join(dir, `${file.replace(/\//g, '--')}.${BUILD === undefined ? 'mts' : 'mjs'}`), [file]);
}

/**
 * Writes a process's file, which imports `members` one after the other, each
 * after test/support/usage-file.mjs (which counts what each file spends when
 * `BRINE_TEST_USAGE` is set), and returns its path. When this run builds
 * dist/ and the members need it, the file first waits for the build's marker
 * (`BUILT`), then imports a second file that imports the members (static
 * imports, as without the wait); a failed build ends the process at once.
 */
function group(path: string, members: string[]): string {
  groupMembers.set(path, members);
  const mark = (f: string) =>
    `import ${JSON.stringify(`${pathToFileURL(USAGE_FILE_MODULE).href}?file=${encodeURIComponent(f)}`)};\n`;
  const imports = `// Test files run one after the other in this process (test/support/run-tests.ts).\n${members
    .map((f) => `${mark(f)}import ${JSON.stringify(pathToFileURL(compiled(join(ROOT, f))).href)};\n`)
    .join('')}${mark('')}`;
  if (BUILT === undefined || members.every((f) => BEFORE_BUILD.includes(f))) {
    writeFileSync(path, imports);
    return path;
  }
  const inner = path.replace(/(\.test)?\.m[jt]s$/, '.files$&');
  writeFileSync(inner, imports);
  writeFileSync(
    path,
    `// Waits for the build of this run (test/support/run-tests.ts), then runs the test files.
import { existsSync, readFileSync } from 'node:fs';
const marker = ${JSON.stringify(BUILT)};
while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 50));
if (readFileSync(marker, 'utf8') !== 'built') {
  process.stderr.write('not run: the build failed\\n');
  process.exit(1);
}
await import(${JSON.stringify(pathToFileURL(inner).href)});
`,
  );
  return path;
}

/**
 * The marker that the build of this run has ended (`built`, or `failed`),
 * when this run builds dist/; set before the processes' files are written.
 */
let BUILT: string | undefined;

/** Where test/support/test.mjs compiled the sources to, when it started this runner. */
const BUILD = process.env.BRINE_TEST_BUILD;

/** The file to run for a test file of the project: its compiled JavaScript when there is a build. */
function compiled(path: string): string {
  return BUILD === undefined ? path : join(BUILD, relative(ROOT, path)).replace(/\.ts$/, '.js');
}

/**
 * CPU and page faults per process (test/support/usage.mjs): each process this
 * runner starts (the npm scripts, the test files, the shared processes)
 * appends a line to this file when it ends, its children included. A
 * `BRINE_TEST_USAGE` of the caller's names the file and keeps it; otherwise
 * it is a temporary file, printed as a table at the end and removed.
 */
const USAGE_KEPT = process.env.BRINE_TEST_USAGE;
const USAGE_DIR = USAGE_KEPT ? undefined : mkdtempSync(join(tmpdir(), 'brine-usage-'));
const USAGE = USAGE_KEPT || join(USAGE_DIR as string, 'usage.jsonl');
const USAGE_MODULE = join(ROOT, 'test/support/usage.mjs');
const USAGE_FILE_MODULE = join(ROOT, 'test/support/usage-file.mjs');

/** The environment of a process whose usage is counted. */
function counted(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (process.platform !== 'linux') return env;
  return {
    ...env,
    BRINE_TEST_USAGE: USAGE,
    BRINE_TEST_USAGE_NODE_OPTIONS: env.NODE_OPTIONS ?? '',
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(USAGE_MODULE).href}`.trim(),
  };
}

/** Runs an npm script; resolves to its exit code, its output printed when it ends. */
function npmScript(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', name], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: counted(process.env),
    });
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

/** Wall time of each file's top-level tests (ms), for the summary at the end. */
const fileTimes = new Map<string, number>();

function addTime(data: { nesting: number; file?: string; details: { duration_ms: number } }): void {
  if (data.nesting !== 0 || data.file === undefined) return;
  const file = relative(ROOT, data.file);
  fileTimes.set(file, (fileTimes.get(file) ?? 0) + data.details.duration_ms);
}

/**
 * The ten files whose tests took longest, on stderr: what to look at when the
 * suite gets slow, and the order of `LONGEST`. Wall time, so it includes the
 * wait for a core on a loaded machine.
 */
function printTimes(): void {
  const top = [...fileTimes].sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (top.length === 0) return;
  process.stderr.write(
    `\n# slowest test files (wall seconds of their tests)\n${top
      .map(([file, ms]) => `#   ${(ms / 1000).toFixed(1).padStart(6)}  ${file}\n`)
      .join('')}`,
  );
}

/** Names of the shared processes' files: which short files each ran. */
const groupMembers = new Map<string, string[]>();

/** Which file each test name came from (the first file, should two files share a name). */
const testFiles = new Map<string, string>();

function addFile(data: { name: string; file?: string }): void {
  if (data.file === undefined || testFiles.has(data.name)) return;
  // The file as the project names it: a compiled file's source map gives its .ts file.
  const inBuild = BUILD !== undefined && !relative(BUILD, data.file).startsWith('..');
  const file = inBuild
    ? relative(BUILD as string, data.file).replace(/\.js$/, '.ts')
    : relative(ROOT, data.file);
  testFiles.set(data.name, file);
}

interface Counts {
  cpu: number;
  faults: number;
}

interface Usage {
  argv: string[];
  files?: (Counts & { file: string })[];
  tests?: (Counts & { name: string })[];
  user: number;
  sys: number;
  /** When the process started and ended, ms since the epoch. */
  start?: number;
  end?: number;
  childUser: number;
  childSys: number;
  minflt: number;
  childMinflt: number;
  majflt: number;
  childMajflt: number;
}

/**
 * CPU seconds (user, system) and page faults of each process, children
 * included, most CPU first, and the whole run's (this process and every
 * process it waited for), on stderr.
 */
function printUsage(): void {
  if (!existsSync(USAGE)) return;
  const lines = readFileSync(USAGE, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Usage);
  const label = (u: Usage) => {
    const [first = '', ...rest] = u.argv;
    if (rest[0] === 'run') return `npm run ${rest[rest.length - 1]}`;
    if (first === BUILD_CHECK) return 'build and type check (test/support/build-check.mjs)';
    const members = groupMembers.get(first);
    if (members !== undefined && members.length === 1) return members[0] as string;
    if (members !== undefined)
      return `shared: ${members.map((m) => m.replace(/^test\//, '').replace(/\.test\.ts$/, '')).join(' ')}`;
    return BUILD === undefined ? relative(ROOT, first) : relative(BUILD, first).replace(/\.js$/, '.ts');
  };
  const rows = lines
    .filter((u) => !(u.argv.length === 0 || u.argv[0]?.endsWith('test/support/test.mjs')))
    .map((u) => ({
      name: label(u),
      user: u.user + u.childUser,
      sys: u.sys + u.childSys,
      faults: u.minflt + u.childMinflt + u.majflt + u.childMajflt,
      files: perFileRows(u),
      start: u.start,
      end: u.end,
    }))
    .sort((a, b) => b.user + b.sys - (a.user + a.sys));
  const me = (() => {
    const text = readFileSync('/proc/self/stat', 'utf8');
    const f = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // Fields 10-17 of proc(5): page faults then times, own and children's (in 1/100 s).
    const at = (i: number) => f[i - 3] ?? 0;
    return {
      name: 'the whole run (this runner and every process it waited for)',
      user: (at(14) + at(16)) / 100,
      sys: (at(15) + at(17)) / 100,
      faults: at(10) + at(11) + at(12) + at(13),
    };
  })();
  const row = (r: { name: string; user: number; sys: number; faults: number }) =>
    `#   ${r.user.toFixed(1).padStart(7)} ${r.sys.toFixed(1).padStart(6)} ${(r.user + r.sys).toFixed(1).padStart(7)} ${String(r.faults).padStart(10)}  ${r.name}\n`;
  const fileRow = (r: { name: string; cpu: number; faults: number }) =>
    `#                  ${r.cpu.toFixed(1).padStart(7)} ${String(r.faults).padStart(10)}    ${r.name}\n`;
  process.stderr.write(
    `\n# CPU seconds and page faults per process, its children included (and, under a process of several\n# files, each file's: its import and its tests)\n#      user    sys   total     faults\n${rows
      .map((r) => row(r) + (r.files.length > 1 ? r.files.map(fileRow).join('') : ''))
      .join('')}${row(me)}`,
  );
  printTimeline(rows);
  const tests = lines
    .flatMap((u) => (u.tests ?? []).map((t) => ({ ...t, file: testFiles.get(t.name) ?? label(u) })))
    .sort((a, b) => b.cpu - a.cpu)
    .slice(0, 30);
  if (tests.length > 0)
    process.stderr.write(
      `\n# the 30 costliest tests (CPU seconds, page faults)\n${tests
        .map(
          (t) =>
            `#   ${t.cpu.toFixed(1).padStart(6)} ${String(t.faults).padStart(10)}  ${t.file}: ${t.name}\n`,
        )
        .join('')}`,
    );
}

/**
 * When each process ran, in seconds from the start of this run, in the order
 * they started, and how long fewer processes ran than there are cores (two):
 * what a better order of the files could still fill.
 */
function printTimeline(
  rows: { name: string; user: number; sys: number; start?: number | undefined; end?: number | undefined }[],
): void {
  const origin = performance.timeOrigin;
  const timed = rows
    .filter((r) => r.start !== undefined && r.end !== undefined)
    .map((r) => ({
      ...r,
      from: ((r.start as number) - origin) / 1000,
      to: ((r.end as number) - origin) / 1000,
    }))
    .sort((a, b) => a.from - b.from);
  if (timed.length === 0) return;
  const edges = timed.flatMap((r) => [
    [r.from, 1],
    [r.to, -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const now = (Date.now() - origin) / 1000;
  let running = 0;
  let at = 0;
  let idle = 0;
  for (const [t, step] of [...edges, [now, 0] as [number, number]]) {
    idle += Math.max(0, 2 - running) * (t - at);
    running += step;
    at = t;
  }
  process.stderr.write(
    `\n# when each process ran (seconds from the start of the run), CPU seconds\n${timed
      .map(
        (r) =>
          `#   ${r.from.toFixed(1).padStart(6)} ${r.to.toFixed(1).padStart(6)} ${(r.user + r.sys).toFixed(1).padStart(6)}  ${r.name}\n`,
      )
      .join(
        '',
      )}#   ${now.toFixed(1)} s in all; a core without a process for ${idle.toFixed(1)} s (fewer than two processes running)\n`,
  );
}

/**
 * A process's usage per test file (test/support/usage-file.mjs): each file's import,
 * and its tests, given to their files by name; what happened between tests is
 * left out.
 */
function perFileRows(u: Usage): { name: string; cpu: number; faults: number }[] {
  const byFile = new Map(
    (u.files ?? []).map((f) => [f.file, { name: f.file, cpu: f.cpu, faults: f.faults }]),
  );
  for (const t of u.tests ?? []) {
    const file = testFiles.get(t.name);
    const row = file === undefined ? undefined : byFile.get(file);
    if (row === undefined) continue;
    row.cpu += t.cpu;
    row.faults += t.faults;
  }
  return [...byFile.values()].sort((a, b) => b.cpu - a.cpu);
}

/**
 * The build then the type check, in one process (test/support/build-check.mjs:
 * `npm run build:unchecked` then `npm run typecheck`, each file parsed once for
 * both). Resolves `built` to true once dist/ is complete (false when the build
 * failed), and `done` to the exit code; the output is printed when it ends.
 */
function buildAndCheck(): { built: Promise<boolean>; done: Promise<number> } {
  let setBuilt: (ok: boolean) => void = () => {};
  const built = new Promise<boolean>((resolve) => {
    setBuilt = resolve;
  });
  const done = new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [BUILD_CHECK], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: counted(process.env),
    });
    const output: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => output.push(c));
    child.stderr!.on('data', (c: Buffer) => output.push(c));
    let said = '';
    child.stdio[3]!.on('data', (c: Buffer) => {
      said += c.toString('utf8');
      if (said.includes('\n')) setBuilt(said.startsWith('built'));
    });
    child.on('error', (error) => {
      process.stderr.write(`${BUILD_CHECK_LABEL}: ${error.message}\n`);
      setBuilt(false);
      resolve(1);
    });
    child.on('close', (code) => {
      setBuilt(false); // no effect once the build has said it is done
      const text = Buffer.concat(output).toString('utf8');
      const what = said.startsWith('built') ? 'the type check' : 'the build';
      process.stderr.write(
        `\n# ${BUILD_CHECK_LABEL}: ${code === 0 ? 'ok' : `${what} FAILED (exit code ${code})`}\n${text}`,
      );
      resolve(code ?? 1);
    });
  });
  return { built, done };
}

const BUILD_CHECK = join(ROOT, 'test/support/build-check.mjs');
const BUILD_CHECK_LABEL = 'build (npm run build:unchecked), then type check (npm run typecheck)';

const args = process.argv.slice(2);
const checks: Promise<number>[] = [];
let failed = false;
const groupDir = mkdtempSync(join(tmpdir(), 'brine-tests-'));
if (args.length === 0) {
  // The build (dist/: the command, the examples, and `import 'brine'` in the tests, whose types the
  // type check reads from dist/) and the lint start together, and so do the files that need nothing
  // of dist/ (BEFORE_BUILD); the other test files once the build is done, the type check after the
  // build in the same process, beside the tests. The build is `npm run build` without its own type
  // check (`build:unchecked`, tsc --noCheck: the same files, byte for byte, in half the CPU): the
  // type check that follows checks src/ with the same options (tsconfig.build.json extends
  // tsconfig.json, declarations included), and its failure fails the run.
  const step = buildAndCheck();
  checks.push(npmScript('lint'));
  checks.push(step.done);
  const marker = join(groupDir, 'built');
  BUILT = marker;
  // What this run builds: test/package.test.ts packs it instead of building the package again.
  process.env.BRINE_BUILT_DIST = join(ROOT, 'dist');
  void step.built.then((ok) => {
    if (!ok) failed = true;
    writeFileSync(`${marker}.tmp`, ok ? 'built' : 'failed');
    renameSync(`${marker}.tmp`, marker);
  });
}
{
  const files =
    args.length > 0 ? given(args.map((f) => relative(ROOT, join(process.cwd(), f)))) : plan(groupDir);
  // The test processes inherit this environment (node:test's `run` passes it on).
  Object.assign(process.env, counted(process.env));
  const stream = run({ files, concurrency: 2 });
  stream.on('test:fail', (data) => {
    // A todo test's failure is reported as todo, and fails nothing (as under `node --test`).
    if (data.todo === undefined || data.todo === false) failed = true;
    addTime(data);
  });
  stream.on('test:pass', addTime);
  stream.on('test:start', addFile);
  const reporter = process.stdout.isTTY ? stream.compose(new spec()) : stream.compose(tap);
  reporter.pipe(process.stdout);
  reporter.on('end', async () => {
    rmSync(groupDir, { recursive: true, force: true });
    printTimes();
    const codes = await Promise.all(checks);
    printUsage();
    if (USAGE_DIR !== undefined) rmSync(USAGE_DIR, { recursive: true, force: true });
    if (failed || codes.some((c) => c !== 0)) process.exitCode = 1;
  });
}
