/**
 * The import graph of src/: no cycle, and the layers import only downwards.
 * Type-only imports (`import type`, `export type ... from`) are left out of
 * the graph: the compiler erases them, so they never run and cannot make an
 * evaluation cycle. `import { type X }` is kept: under `verbatimModuleSyntax`
 * it still loads the module.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cycles, moduleImports, srcGraph } from './support/imports.js';

test('the cycle finder finds cycles', () => {
  const edges = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['d.ts']],
    ['e.ts', ['a.ts']],
  ]);
  assert.deepEqual(cycles(edges), [['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  assert.deepEqual(
    cycles(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', []],
      ]),
    ),
    [],
  );
});

test('the import reader keeps runtime imports and leaves type-only ones out', () => {
  const text = [
    "import type { A } from './a.js';",
    "import { b, type B } from './b.js';",
    "export type { C } from './c.js';",
    "export { d } from './d.js';",
    "export * from './e.js';",
    "import './f.js';",
    "const g = await import('./g.js');",
    "/** @example\n * import { h } from './h.js';\n */",
    'export const i = 1;',
  ].join('\n');
  assert.deepEqual(moduleImports(text), ['./b.js', './d.js', './e.js', './f.js', './g.js']);
  assert.deepEqual(moduleImports(text, { types: true }), [
    './a.js',
    './b.js',
    './c.js',
    './d.js',
    './e.js',
    './f.js',
    './g.js',
  ]);
});

test('src/ has no import cycle', () => {
  const edges = srcGraph();
  assert.ok(edges.size > 20);
  const found = cycles(edges);
  assert.deepEqual(found, [], `import cycles in src/:\n${found.map((c) => c.join(' -> ')).join('\n')}`);
});

test('registry.ts imports no reconstructor table; default-registry.ts is the only module that does', () => {
  const edges = srcGraph();
  const tables = [...edges.keys()].filter((f) =>
    /^reconstructors\/(builtins|copyreg|datetime|stdlib)\.ts$/.test(f),
  );
  assert.ok(tables.length === 4);
  for (const [from, to] of edges) {
    if (from === 'default-registry.ts' || from === 'index.ts' || from.startsWith('reconstructors/')) continue;
    for (const target of to) assert.ok(!tables.includes(target), `${from} imports the table ${target}`);
  }
  assert.ok(!edges.get('registry.ts')!.some((t) => t.startsWith('reconstructors/')));
  // The interfaces module has no runtime import at all.
  assert.deepEqual(edges.get('reconstruct.ts'), []);
});
