/**
 * The published package, as a user gets it: the project's files are copied
 * to a temporary folder as a fresh clone has them (no dist/), `npm pack`
 * builds and packs them there (through `prepack`), and the tarball is
 * installed with `npm install --offline` into a temporary app outside the
 * project (under `npm test`: the dist/ its runner has just built with the
 * same files, packed and installed by one `npm install --install-links` of
 * the folder, which packs it as `npm pack` does). That app then uses every entry point (`brine`, `brine/node`, the
 * `brine` command) from ESM, from CommonJS (through Node's require of ESM,
 * and through the CommonJS build that older Nodes and test runners get) and
 * from TypeScript under each module resolution (`nodenext`, `node16`,
 * `bundler`, `node10`), with the package's declarations type-checked
 * (`skipLibCheck: false`). Inputs are pickles written by python3.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { FULL } from './support/budget.js';
import { inProcessCli } from './support/cli-run.js';
import { PYTHON } from './support/python.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const typeRoots = join(root, 'node_modules', '@types');

/** What a fresh clone holds that packing needs (the rest of a clone is tests and tools). */
const CLONE = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'LICENSE',
  'src',
  'scripts',
  'docs',
];

let work = '';
let app = '';
let tarball = '';
let files: string[] = [];
let setup = '';
const pkg = () => join(app, 'node_modules', 'brine');

/** Every file under `dir`, relative to it, with `/` between folders. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** The environment without the npm_* variables of an enclosing `npm test`. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env.npm_config_update_notifier = 'false';
  return env;
}

async function sh(cmd: string, args: string[], cwd: string, extra: { env?: NodeJS.ProcessEnv } = {}) {
  try {
    return await run(cmd, args, { cwd, env: extra.env ?? cleanEnv(), maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`,
    );
  }
}

before(async () => {
  const started = Date.now();
  work = mkdtempSync(join(tmpdir(), 'brine-package-'));
  const clone = join(work, 'clone');
  mkdirSync(clone);
  for (const entry of CLONE)
    if (existsSync(join(root, entry))) cpSync(join(root, entry), join(clone, entry), { recursive: true });
  rmSync(join(clone, 'docs', 'api'), { recursive: true, force: true });
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  assert.equal(existsSync(join(clone, 'dist')), false, 'the clone has no dist/');

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  if (process.env.BRINE_BUILT_DIST === join(root, 'dist') && !FULL) {
    // Under `npm test`, whose runner has just built dist/ as the `npm run build` that `prepack` runs
    // builds it (from nothing, the same files; the run type-checks them apart), that build is packed
    // instead of a second one; `npm run fuzz` packs through `prepack`, from the clone alone. Here npm
    // installs the clone as a package (`--install-links`): it packs the folder as `npm pack` packs it
    // (pacote's folder fetcher and npm-packlist, the code `npm pack` runs; only a `prepare` script,
    // which the package has not, would run, and scripts are off as in the pack above) and extracts
    // that tarball into node_modules/, in one npm process instead of two. The files are those the
    // install extracted.
    cpSync(join(root, 'dist'), join(clone, 'dist'), { recursive: true });
    await sh(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--install-links', '--ignore-scripts', clone],
      app,
    );
    files = filesUnder(pkg());
  } else {
    await sh('npm', ['pack', '--pack-destination', work], clone);
    const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      string
    >;
    tarball = join(work, `${name}-${version}.tgz`);
    files = (await sh('tar', ['-tzf', tarball], work)).stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], app);
  }
  await sh(
    PYTHON,
    [
      '-c',
      "import pickle, collections; pickle.dump({'name': 'Ada', 'scores': [1, 2.5], 'pair': (1, 2), 'big': 2**70, 'od': collections.OrderedDict(a=1)}, open('py.pkl', 'wb'), 4)",
    ],
    app,
  );
  setup = `packed and installed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${files.length} files`;
});

after(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built package, its license, sources and docs, and nothing of the tests', (t) => {
  t.diagnostic(setup);
  for (const f of [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/node/index.js',
    'dist/node/index.d.ts',
    'dist/cli.js',
    'dist/cjs/package.json',
    'dist/cjs/index.js',
    'dist/cjs/index.d.ts',
    'dist/cjs/node/index.js',
    'dist/cjs/node/index.d.ts',
    'src/index.ts',
    'docs/json.md',
  ])
    assert.ok(files.includes(f), `${f} is in the package`);
  assert.deepEqual(
    files.filter(
      (f) => /^(test|bench|scripts|examples|node_modules|\.ci)\//.test(f) || f.startsWith('docs/api/'),
    ),
    [],
  );
  const license = readFileSync(join(pkg(), 'LICENSE'), 'utf8');
  assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} brine contributors\n/);
  assert.equal(JSON.parse(readFileSync(join(pkg(), 'package.json'), 'utf8')).license, 'MIT');
});

test('every source map of the package points at a file the package holds', () => {
  const maps = files.filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 100, `${maps.length} source maps`);
  const missing: string[] = [];
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(join(pkg(), map), 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const target = join(pkg(), map, '..', s);
      if (!existsSync(target)) missing.push(`${map} -> ${s}`);
    }
  }
  assert.deepEqual(missing.slice(0, 10), []);
});

test('the declarations keep no @internal name', () => {
  const leaked = files
    .filter((f) => f.endsWith('.d.ts'))
    .filter((f) => readFileSync(join(pkg(), f), 'utf8').includes('@internal'));
  assert.deepEqual(leaked, []);
});

test('every document the README and the command help cite is in the package', async () => {
  const readme = readFileSync(join(pkg(), 'README.md'), 'utf8');
  const cited = new Set(
    [...readme.matchAll(/\]\(((?:docs\/|\.\/)?[\w./-]+\.md)(?:#[\w-]*)?\)/g)].map((m) => m[1]!),
  );
  const bin = join(app, 'node_modules', '.bin', 'brine');
  const help = [(await sh(bin, ['--help'], app)).stdout];
  // The commands' own help from the installed command's module, run in this process (the bin itself
  // runs above and in the test of the command; a process for each help text cost more than the check).
  const cli = await inProcessCli(join(pkg(), 'dist', 'cli.js'));
  for (const command of ['show', 'dis', 'scan', 'convert']) {
    const r = cli([command, '--help'], app);
    assert.equal(r.status, 0, `brine ${command} --help: ${r.stderr}`);
    help.push(r.stdout);
  }
  for (const text of help) for (const m of text.matchAll(/\bdocs\/[\w-]+\.md\b/g)) cited.add(m[0]);
  assert.ok(cited.has('docs/json.md'), 'convert --help cites docs/json.md');
  for (const doc of cited) assert.ok(existsSync(join(pkg(), doc)), `${doc} is in the package`);
});

/** A program that uses both entry points; prints a line a test compares. */
const USE = (load: string) => `${load}
const data = readFileSync('py.pkl');
const value = brine.loads(data);
const again = brine.loads(brine.dumps(value, { protocol: 2 }));
await node.dumpFile('out.pkl', again);
const back = await node.loadFile('out.pkl');
console.log(JSON.stringify([JSON.parse(brine.toJSON(back)), brine.scan(data).verdict, brine.isTuple(back.pair), back.od instanceof brine.PyOrderedDict]));
`;
const EXPECTED = JSON.stringify([
  { name: 'Ada', scores: [1, 2.5], pair: { $tuple: [1, 2] }, big: { $int: '1180591620717411303424' } },
  'safe',
  true,
  true,
]);

/** `toJSON` of an OrderedDict adds a tag; compare the parts this test is about. */
function check(stdout: string) {
  const [json, verdict, tuple, ordered] = JSON.parse(stdout) as [
    Record<string, unknown>,
    string,
    boolean,
    boolean,
  ];
  const [want] = JSON.parse(EXPECTED) as [Record<string, unknown>];
  for (const k of Object.keys(want)) assert.deepEqual(json[k], want[k], k);
  assert.deepEqual([verdict, tuple, ordered], ['safe', true, true]);
}

test('ESM: import from brine and brine/node', async () => {
  writeFileSync(
    join(app, 'esm.mjs'),
    USE(
      "import { readFileSync } from 'node:fs';\nimport * as brine from 'brine';\nimport * as node from 'brine/node';",
    ),
  );
  check((await sh(process.execPath, ['esm.mjs'], app)).stdout);
});

const CJS = USE(
  "const { readFileSync } = require('node:fs');\nconst brine = require('brine');\nconst node = require('brine/node');\n(async () => {",
).replace(/\n$/, '\n})();\n');

test('CommonJS: require brine and brine/node, one copy of the classes with ESM', async () => {
  writeFileSync(join(app, 'cjs.cjs'), CJS);
  check((await sh(process.execPath, ['cjs.cjs'], app)).stdout);
  // Where Node can require ESM, require and import give the same module: one PyObject class, not two.
  writeFileSync(
    join(app, 'same.cjs'),
    "import('brine').then((esm) => console.log(require('brine').PyObject === esm.PyObject, require('brine/node').loadFile === require('brine/node').loadFile));",
  );
  const requireEsm = (process.features as { require_module?: boolean }).require_module === true;
  const same = (await sh(process.execPath, ['same.cjs'], app)).stdout.trim();
  if (requireEsm) assert.equal(same, 'true true');
  else assert.equal(same, 'false true', 'without require(esm), require gets the CommonJS build');
});

test('CommonJS without require(esm), as on Node before 20.19: the CommonJS build', async (t) => {
  if (!process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')) {
    t.skip(
      'SKIPPED: this Node cannot turn require(esm) off; the CommonJS build is checked through its path only',
    );
    const out = await sh(
      process.execPath,
      ['-e', "console.log(typeof require('./node_modules/brine/dist/cjs/index.js').loads)"],
      app,
    );
    assert.equal(out.stdout.trim(), 'function');
    return;
  }
  const flag = '--no-experimental-require-module';
  const resolved = (
    await sh(
      process.execPath,
      [flag, '-p', "require.resolve('brine') + ' ' + require.resolve('brine/node')"],
      app,
    )
  ).stdout;
  const [main, node] = resolved.trim().split(' ');
  assert.match(main!, /[/\\]brine[/\\]dist[/\\]cjs[/\\]index\.js$/);
  assert.match(node!, /[/\\]brine[/\\]dist[/\\]cjs[/\\]node[/\\]index\.js$/);
  check((await sh(process.execPath, [flag, 'cjs.cjs'], app)).stdout);
});

test('the brine command runs from node_modules/.bin', async () => {
  const bin = join(app, 'node_modules', '.bin', 'brine');
  const version = (await sh(bin, ['--version'], app)).stdout.trim();
  assert.match(version, /\d+\.\d+\.\d+/);
  const shown = (await sh(bin, ['show', 'py.pkl'], app)).stdout;
  assert.match(shown, /'name': 'Ada'/);
  assert.match(shown, /'pair': \(1, 2\)/);
  const scanned = await sh(bin, ['scan', 'py.pkl'], app);
  assert.match(scanned.stdout, /safe/);
});

/** A TypeScript program that uses both entry points with their types. */
const TS = `import { dumps, loads, tuple, PyObject, UnpicklingError, type LoadOptions } from 'brine';
import { dumpFile, loadFile } from 'brine/node';
const options: LoadOptions = { strict: false };
const value: unknown = loads(dumps({ pair: tuple(1, 2) }), options);
const error: UnpicklingError | undefined = undefined;
export const used = [value, error, PyObject, dumpFile, loadFile];
// @ts-expect-error: loads returns unknown; were the declarations missing (any), this line would be an error
export const wrong: number = loads(new Uint8Array());
`;

/** The core alone, as a browser program uses it. */
const BROWSER_TS = `import { loads, scan, type ScanReport } from 'brine';
const report: ScanReport = scan(new Uint8Array([0x80, 5, 0x4e, 0x2e]));
export const used = [loads(new Uint8Array([0x80, 5, 0x4e, 0x2e])), report.verdict];
// @ts-expect-error: loads returns unknown
export const wrong: number = loads(new Uint8Array());
`;

interface TsSetup {
  readonly module: string;
  readonly moduleResolution: string;
  readonly files: readonly string[];
  readonly lib?: readonly string[];
  /** Type packages (default `node`). */
  readonly types?: readonly string[];
}

const SETUPS: TsSetup[] = [
  // The declarations need no more than ES2020 (bigint) from the standard library.
  { module: 'nodenext', moduleResolution: 'nodenext', files: ['esm.ts', 'cjs.cts'], lib: ['es2020'] },
  { module: 'node16', moduleResolution: 'node16', files: ['esm.ts', 'cjs.cts'] },
  { module: 'esnext', moduleResolution: 'bundler', files: ['esm.ts'] },
  { module: 'preserve', moduleResolution: 'bundler', files: ['esm.ts'] },
  { module: 'commonjs', moduleResolution: 'node10', files: ['esm.ts'] },
  // A browser program: the core's declarations need neither @types/node nor more than ES2020.
  { module: 'esnext', moduleResolution: 'bundler', files: ['browser.ts'], lib: ['es2020', 'dom'], types: [] },
];

async function typecheck(setup: TsSetup, name: string) {
  const config = {
    compilerOptions: {
      module: setup.module,
      moduleResolution: setup.moduleResolution,
      target: 'es2022',
      ...(setup.lib === undefined ? {} : { lib: setup.lib }),
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: setup.types ?? ['node'],
      typeRoots: [typeRoots],
    },
    files: setup.files,
  };
  writeFileSync(join(app, name), JSON.stringify(config, null, 2));
  return typecheckProject(join(app, name));
}

/** Declarations shared by the six programs: TypeScript's standard library and @types. */
const SHARED_DECLARATIONS = /[\\/]node_modules[\\/](typescript[\\/]lib|@types)[\\/][^\\/].*\.d\.ts$/;
const sourceFiles = new Map<string, ts.SourceFile>();

/**
 * What `tsc -p config` reports, from the compiler's API in this process:
 * the six programs run in one warm compiler instead of six cold `tsc`
 * processes (each its own program, nothing shared between them).
 */
function typecheckProject(config: string): { ok: boolean; out: string } {
  const dir = dirname(config);
  const diagnostics: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(
    config,
    {},
    {
      ...ts.sys,
      getCurrentDirectory: () => dir,
      onUnRecoverableConfigFileDiagnostic: (d) => diagnostics.push(d),
    },
  );
  if (parsed !== undefined) {
    const host = ts.createCompilerHost(parsed.options);
    host.getCurrentDirectory = () => dir;
    // The standard library's and @types' declarations are the same files in all six programs:
    // parsed once (as a language service shares them between programs), each program checking them
    // with its own checker. brine's declarations and the program files are read afresh each time.
    const readSourceFile = host.getSourceFile;
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      if (!SHARED_DECLARATIONS.test(fileName))
        return readSourceFile(fileName, languageVersion, onError, shouldCreate);
      const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
      let file = sourceFiles.get(key);
      if (file === undefined) {
        file = readSourceFile(fileName, languageVersion, onError, shouldCreate);
        if (file !== undefined) sourceFiles.set(key, file);
      }
      return file;
    };
    const program = ts.createProgram({
      rootNames: parsed.fileNames,
      options: parsed.options,
      host,
      configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
    });
    // What `skipLibCheck: false` is here for is brine's own declarations: each of them, and each
    // program file, is checked whole; the other declarations (@types/node, the standard library)
    // only as far as brine's use them, which is what a user's `skipLibCheck: true` checks of them.
    diagnostics.push(
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(),
    );
    const roots = new Set(parsed.fileNames.map((f) => ts.sys.resolvePath(f)));
    for (const file of program.getSourceFiles())
      if (roots.has(ts.sys.resolvePath(file.fileName)) || file.fileName.includes('/node_modules/brine/'))
        diagnostics.push(...program.getSemanticDiagnostics(file));
  }
  const out = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => dir,
    getNewLine: () => '\n',
  });
  return { ok: !diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error), out };
}

for (const [i, setup] of SETUPS.entries()) {
  const label = `module ${setup.module}, moduleResolution ${setup.moduleResolution}${setup.lib ? `, lib ${setup.lib.join(',')}` : ''}${setup.types?.length === 0 ? ', no @types/node' : ''}`;
  test(`TypeScript (${label}) type-checks a program against the declarations`, async () => {
    writeFileSync(join(app, 'esm.ts'), TS);
    writeFileSync(join(app, 'cjs.cts'), TS);
    writeFileSync(join(app, 'browser.ts'), BROWSER_TS);
    const result = await typecheck(setup, `tsconfig.${i}.json`);
    assert.ok(result.ok, `tsc --noEmit failed:\n${result.out}`);
  });
}
