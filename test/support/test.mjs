/**
 * `npm test`: compiles src/, test/ and scripts/ to JavaScript once, into a directory
 * of its own, then starts the runner (test/support/run-tests.ts) from there.
 *
 * A process started with `--import tsx` spends about 1.5 s of CPU on the
 * loader before the first test (its hooks thread, and every module of src/
 * and test/ resolved and transformed through it); the suite starts about
 * thirty such processes, and `node --test` gives each the runner's own
 * flags. Compiled once here (esbuild, one transform per file, about a
 * second in all), every test process starts as plain `node` on JavaScript.
 *
 * Each file keeps what it sees of its place: `import.meta.url` (and
 * `import.meta.filename` / `dirname`) is the .ts file's own, so a test finds
 * its fixtures, scripts and the project root where they are; only its
 * imports resolve to the compiled files beside it. The build directory holds
 * a copy of package.json and links to dist/ and node_modules/, so that
 * `import 'brine'` and the dev dependencies resolve as they do in the
 * project. Inline source maps, and `--enable-source-maps` in the test
 * processes, put the .ts file and line in a failure's stack.
 *
 * Arguments are passed on to the runner (`npm test -- test/x.test.ts`). The
 * build directory is removed when the run ends. `node --import tsx --test
 * test/x.test.ts` still runs a file straight from its source.
 */
import {
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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every .ts file under `dir` (relative to ROOT), declarations left out. */
function tsFiles(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const build = mkdtempSync(join(tmpdir(), 'brine-test-build-'));
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
await Promise.all(
  [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('scripts')].map(async (file) => {
    const source = join(ROOT, file);
    const url = pathToFileURL(source).href;
    const result = await transform(readFileSync(source, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: source,
      tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
      define: {
        'import.meta.url': JSON.stringify(url),
        'import.meta.filename': JSON.stringify(source),
        'import.meta.dirname': JSON.stringify(dirname(source)),
      },
    });
    // A specifier written with its .ts extension (allowImportingTsExtensions) names the compiled file.
    const code = result.code.replace(/(from\s+['"]\.{1,2}\/[^'"]*)\.ts(['"])/g, '$1.js$2');
    const out = join(build, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }),
);
writeFileSync(join(build, 'package.json'), readFileSync(join(ROOT, 'package.json')));
symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
symlinkSync(join(ROOT, 'dist'), join(build, 'dist'), 'dir');

process.env.BRINE_TEST_BUILD = build;
process.on('exit', () => rmSync(build, { recursive: true, force: true }));
try {
  await import(pathToFileURL(join(build, 'test/support/run-tests.js')).href);
} catch (error) {
  rmSync(build, { recursive: true, force: true });
  throw error;
}
