/**
 * The build and the type check of `npm test`, in one process that parses
 * each file once: `npm run build:unchecked` (dist/, as `tsc -p
 * tsconfig.build.json --noCheck` then scripts/build-cjs.mjs write it), then
 * `npm run typecheck` (`tsc -p tsconfig.json --noEmit --incremental`, its
 * state in .tmp/typecheck.tsbuildinfo), through the compiler's API.
 *
 * The two programs hold the same files for the most part (src/, the
 * standard library, @types) with the same parsing options: the type check
 * takes the build's parsed and bound source files instead of reading,
 * parsing and binding them again (as a language service shares them between
 * programs; each program has its own checker), and one Node.js process and
 * one load of the compiler serve both. The type check still checks every
 * file of its program whole, and reports what `tsc` reports, in the order
 * `tsc` does: the configuration's, syntactic, options', global, semantic
 * and declaration diagnostics, sorted and deduplicated.
 *
 * Started by test/support/run-tests.ts (`npm test`): it writes `built` to
 * file descriptor 3 once dist/ is complete (the test files start then, the
 * type check beside them), and ends with exit code 1 when the build or the
 * type check fails (the build's failure is written to fd 3 as `failed`, and
 * the type check does not run).
 */
import { chmodSync, rmSync, writeSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
process.chdir(ROOT);

/** Tells the runner how the build went, when it is started with a fourth pipe. */
function signal(text) {
  try {
    writeSync(3, `${text}\n`);
  } catch {
    // Run by hand: nobody listens.
  }
}

const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n',
};

/** Prints diagnostics as `tsc` does on a stream that is not a terminal; true when one is an error. */
function report(diagnostics) {
  const sorted = ts.sortAndDeduplicateDiagnostics(diagnostics);
  if (sorted.length > 0) process.stdout.write(ts.formatDiagnostics(sorted, formatHost));
  const errors = sorted.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0)
    process.stdout.write(`\nFound ${errors.length} error${errors.length === 1 ? '' : 's'}.\n`);
  return errors.length > 0;
}

/** `tsc -p config` with `options` added, as a parsed command line. */
function parse(config, options) {
  const diagnostics = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(config, options, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => diagnostics.push(d),
  });
  if (parsed === undefined) {
    report(diagnostics);
    process.exit(1);
  }
  return parsed;
}

/**
 * Source files by name and parsing options, shared by the two programs. A
 * file is parsed the same way when its name, language version, module format
 * and JSDoc parsing mode are the same (what a language service's document
 * registry compares too).
 */
const sourceFiles = new Map();
function sharing(host) {
  const read = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    const o =
      typeof languageVersionOrOptions === 'object'
        ? languageVersionOrOptions
        : { languageVersion: languageVersionOrOptions };
    const key = `${fileName}\0${o.languageVersion}\0${o.impliedNodeFormat}\0${o.jsDocParsingMode}`;
    let file = sourceFiles.get(key);
    if (file === undefined) {
      file = read.call(host, fileName, languageVersionOrOptions, onError, shouldCreate);
      if (file !== undefined) sourceFiles.set(key, file);
    }
    return file;
  };
  return host;
}

// The build: `npm run build:unchecked`.
const build = parse('tsconfig.build.json', { noCheck: true });
rmSync('dist', { recursive: true, force: true });
// An incremental host, whose source files carry the version (a hash of the text) the type check's
// incremental state compares.
let buildProgram = ts.createProgram({
  rootNames: build.fileNames,
  options: build.options,
  host: sharing(ts.createIncrementalCompilerHost(build.options)),
  configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(build),
});
const buildDiagnostics = [
  ...buildProgram.getConfigFileParsingDiagnostics(),
  ...buildProgram.getSyntacticDiagnostics(),
];
if (buildDiagnostics.length === 0)
  buildDiagnostics.push(...buildProgram.getOptionsDiagnostics(), ...buildProgram.getGlobalDiagnostics());
const emitted = buildProgram.emit();
buildDiagnostics.push(...emitted.diagnostics);
// Its checker and emit state are garbage from here: only the source files are kept for the type check.
buildProgram = undefined;
if (report(buildDiagnostics) || emitted.emitSkipped) {
  signal('failed');
  process.exit(1);
}
try {
  await import(pathToFileURL(`${ROOT}scripts/build-cjs.mjs`).href);
  chmodSync('dist/cli.js', 0o755);
} catch (error) {
  process.stdout.write(`scripts/build-cjs.mjs: ${error instanceof Error ? error.stack : error}\n`);
  signal('failed');
  process.exit(1);
}
signal('built');

// The type check: `npm run typecheck`.
const check = parse('tsconfig.json', {
  noEmit: true,
  incremental: true,
  tsBuildInfoFile: '.tmp/typecheck.tsbuildinfo',
});
const program = ts.createIncrementalProgram({
  rootNames: check.fileNames,
  options: check.options,
  host: sharing(ts.createIncrementalCompilerHost(check.options)),
  configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(check),
});
// What tsc's emitFilesAndReportErrors collects, in its order.
const diagnostics = [...program.getConfigFileParsingDiagnostics()];
const configDiagnostics = diagnostics.length;
diagnostics.push(...program.getSyntacticDiagnostics());
if (diagnostics.length === configDiagnostics) {
  diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
  if (diagnostics.length === configDiagnostics) diagnostics.push(...program.getSemanticDiagnostics());
  const declarations = check.options.declaration === true || check.options.composite === true;
  if (check.options.noEmit && declarations && diagnostics.length === configDiagnostics)
    diagnostics.push(...program.getDeclarationDiagnostics());
}
// With noEmit, the emit writes the incremental state only.
diagnostics.push(...program.emit().diagnostics);
if (report(diagnostics)) process.exit(1);
