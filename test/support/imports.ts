/**
 * The import graph of src/, read with the TypeScript parser: for the cycle
 * test (test/imports.test.ts) and the layer rules (test/portable.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

export function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The module specifiers a file imports: static imports, re-exports and
 * dynamic imports. Type-only ones (`import type`, `export type ... from`) are
 * left out unless `types` is true.
 */
export function moduleImports(text: string, { types = false }: { types?: boolean } = {}): string[] {
  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if ((types || !node.importClause?.isTypeOnly) && ts.isStringLiteral(node.moduleSpecifier))
        out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node)) {
      if (
        (types || !node.isTypeOnly) &&
        node.moduleSpecifier !== undefined &&
        ts.isStringLiteral(node.moduleSpecifier)
      )
        out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** The graph: each file of src/ to the files of src/ it imports (paths relative to src/, `/`-separated). */
export function srcGraph({ types = false }: { types?: boolean } = {}): Map<string, string[]> {
  const src = SRC;
  const files = sources(src);
  const known = new Set(files.map((f) => relative(src, f)));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const from = relative(src, file);
    const to: string[] = [];
    for (const spec of moduleImports(readFileSync(file, 'utf8'), { types })) {
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      if (!known.has(target)) throw new Error(`${from} imports ${spec}, which is not a file of src/`);
      to.push(target);
    }
    edges.set(from, to);
  }
  return edges;
}

/** The strongly connected components with more than one file, or a file that imports itself (Tarjan). */
export function cycles(edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}
