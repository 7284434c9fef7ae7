/**
 * The CommonJS build: every module of src/ (except the command, which is
 * ESM only) transpiled one to one by esbuild into dist/cjs/, next to a
 * package.json that makes those .js files CommonJS, with the declarations
 * tsc wrote for the ESM build copied beside them (TypeScript reads them as
 * CommonJS declarations there). Run after `tsc -p tsconfig.build.json`.
 * Why there is a CommonJS build at all, and how it avoids two copies of the
 * classes in one program: docs/decisions.md ("Packaging").
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const out = join(dist, 'cjs');

/** Files under `dir`, recursively, as absolute paths. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The command and its modules use import.meta and stay ESM only. */
const esmOnly = (rel) => rel === 'cli.ts' || rel.startsWith('cli/');

rmSync(out, { recursive: true, force: true });
const entryPoints = walk(src).filter((f) => f.endsWith('.ts') && !esmOnly(relative(src, f)));
await build({
  entryPoints,
  outdir: out,
  outbase: src,
  format: 'cjs',
  platform: 'neutral',
  target: 'es2022',
  bundle: false,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  tsconfig: join(root, 'tsconfig.build.json'),
});
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// Declarations: the ESM build's, without their declaration maps (which point one folder up).
let declarations = 0;
for (const file of walk(dist)) {
  const rel = relative(dist, file);
  if (rel.startsWith('cjs/') || !file.endsWith('.d.ts')) continue;
  if (esmOnly(rel.replace(/\.d\.ts$/, '.ts'))) continue;
  const target = join(out, rel);
  mkdirSync(dirname(target), { recursive: true });
  const text = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
  writeFileSync(target, text);
  declarations++;
}
if (declarations === 0) throw new Error('no declarations in dist/: run tsc -p tsconfig.build.json first');
