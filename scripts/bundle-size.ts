/**
 * Bundle sizes of brine per entry point: each entry imports only what it
 * names from the package's source, and is bundled by esbuild (ESM, minified,
 * platform neutral), then gzipped (level 9). `node --import tsx
 * scripts/bundle-size.ts` prints the table; test/bundle-size.test.ts holds
 * the sizes to docs/bundle-size.md's budgets.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** An entry point: what a program that uses only these names imports. */
export interface BundleEntry {
  readonly name: string;
  readonly code: string;
}

const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));

export const ENTRIES: readonly BundleEntry[] = [
  { name: 'loads', code: `export { loads } from ${JSON.stringify(index)};` },
  { name: 'dumps', code: `export { dumps } from ${JSON.stringify(index)};` },
  { name: 'scan', code: `export { scan } from ${JSON.stringify(index)};` },
  { name: 'everything', code: `export * from ${JSON.stringify(index)};` },
];

export interface BundleSize {
  readonly name: string;
  /** Minified bytes. */
  readonly minified: number;
  /** Minified, then gzipped (level 9) bytes. */
  readonly gzipped: number;
  /** The minified text, to look for what it should not hold. */
  readonly text: string;
}

export async function measure(entry: BundleEntry): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: entry.code, resolveDir: fileURLToPath(new URL('..', import.meta.url)), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0]!.contents;
  return {
    name: entry.name,
    minified: out.length,
    gzipped: gzipSync(out, { level: 9 }).length,
    text: new TextDecoder().decode(out),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const entry of ENTRIES) {
    const size = await measure(entry);
    console.log(
      `${size.name.padEnd(12)} ${String(size.minified).padStart(8)} min ${String(size.gzipped).padStart(8)} gzip`,
    );
  }
}
