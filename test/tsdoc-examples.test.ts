/**
 * Every TSDoc `@example` of src/ runs, as the README's examples do: each
 * fenced ```ts block is written to a file inside the package (so that
 * `import 'brine'` resolves through the package's own exports, to the built
 * dist/) and run (as JavaScript, the examples in turn in two processes:
 * test/support/run-ts.ts).
 *
 * An example that imports from the package must import every name it uses.
 * A fragment (one that imports nothing from the package, like
 * `isZip(bytes) // true`) gets the package's exports it names, and the names
 * of its own module that the package does not export (an internal
 * function's example runs against its module in dist/). Inputs an example
 * takes as given (`data`, `bytes`, `chunks`, `value`), used without a
 * definition or declared with `declare const`, are provided: pickles and an
 * archive written by python3, and files of those names in the working folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runPython } from './support/python.js';
import { runPrograms } from './support/run-ts.js';
import { docExamples } from './support/tsdoc-examples.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'test', '.tsdoc-run');
const examples = docExamples();

/** Inputs an example may take as given, as TypeScript that defines them. */
const FIXTURES: Record<string, string> = {
  data: "const data: Uint8Array = readFixture('two.pkl'); // two pickles, one after the other",
  bytes: "const bytes: Uint8Array = readFixture('model.pt'); // a zip archive as torch.save writes it",
  chunks:
    "const chunks: Uint8Array[] = (() => { const d = readFixture('two.pkl'); const out = []; for (let i = 0; i < d.length; i += 3) out.push(d.subarray(i, i + 3)); return out; })();",
  value: 'const value: unknown = { a: [1, 2.5, null], b: "text" };',
};

const PYTHON_FIXTURES = String.raw`
import pickle, sys, zipfile, os
os.chdir(sys.argv[1])
one = pickle.dumps({'a': [1, 2.5, None]}, 2)
two = pickle.dumps([1, 2], 4)
open('two.pkl', 'wb').write(one + two)
for name in ['cache.pkl', 'config.pkl', 'data.pkl']:
    pickle.dump({'users': [{'name': 'Ada', 'id': 1}], 'version': (2, 4)}, open(name, 'wb'), 5)
with open('log.pkl', 'wb') as f:
    for i in range(3): pickle.dump({'event': i}, f)
with open('events.pkl', 'wb') as f:
    for i in range(2): pickle.dump({'event': i}, f)
with zipfile.ZipFile('model.pt', 'w', zipfile.ZIP_STORED) as z:
    z.writestr('archive/data.pkl', pickle.dumps({'weights': [0.5, 0.25]}, 2))
    z.writestr('archive/version', '3\n')
`;

let packageExports: Set<string>;

after(() => rmSync(work, { recursive: true, force: true }));

/** Names the example defines itself (declarations, imports, parameters are not needed: they shadow nothing at top level). */
function definedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\b(?:const|let|var)\s+[[{]([^=]*)[\]}]\s*=/g))
    for (const n of m[1]!.split(',')) names.add(n.trim().split(':').pop()!.trim());
  for (const m of code.matchAll(/^\s*import\s+(?:type\s+)?\{([^}]*)\}\s+from/gm))
    for (const n of m[1]!.split(','))
      names.add(
        n
          .trim()
          .split(/\s+as\s+/)
          .pop()!
          .replace(/^type\s+/, ''),
      );
  return names;
}

/** Identifiers the code names (not after a `.`, not inside strings or comments). */
function usedNames(code: string): Set<string> {
  const stripped = code
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`/g, '""')
    .replace(/\.\.\./g, ' ');
  return new Set([...stripped.matchAll(/(?<![.\w$])([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
}

/** The runnable program of an example: fixtures, and the imports a fragment leaves out. */
async function program(file: string, code: string): Promise<string> {
  const defined = definedNames(code);
  const used = usedNames(code);
  const prelude = ["import { existsSync as inWorkFolder, readFileSync as readFixtureFile } from 'node:fs';"];
  // a given input's file of the working folder, or a file of the repository (`test/fixtures/...`)
  prelude.push(
    `const readFixture = (name: string) => new Uint8Array(readFixtureFile(inWorkFolder(name) ? name : ${JSON.stringify(root)} + name));`,
  );
  let body = code.replace(/^\s*declare const (\w+)\s*:[^;]*;.*$/gm, (_line, name: string) => {
    const fixture = FIXTURES[name];
    if (fixture === undefined)
      throw new Error(`the example declares ${name}, which the test does not provide`);
    return fixture;
  });
  for (const [name, fixture] of Object.entries(FIXTURES))
    if (used.has(name) && !defined.has(name) && !body.includes(fixture)) prelude.push(fixture);
  const importsPackage = /from\s+['"]brine(\/[^'"]*)?['"]/.test(code);
  if (!importsPackage) {
    const fromPackage = [...used].filter((n) => packageExports.has(n) && !defined.has(n));
    if (fromPackage.length > 0) prelude.push(`import { ${fromPackage.join(', ')} } from 'brine';`);
    const built = join(root, 'dist', file.replace(/\.ts$/, '.js'));
    const own = Object.keys(await import(built)).filter(
      (n) => used.has(n) && !defined.has(n) && !packageExports.has(n),
    );
    if (own.length > 0) prelude.push(`import { ${own.join(', ')} } from ${JSON.stringify(built)};`);
  }
  body = body.replace(/^\s*process\.exitCode\s*=/m, 'const exitCode =');
  return `${prelude.join('\n')}\n${body}\nexport {};\n`;
}

test('src/ has TSDoc examples, each with a fenced ts block', () => {
  assert.ok(examples.length >= 30, `${examples.length} examples`);
  for (const e of examples)
    assert.notEqual(e.code, '', `${e.file}:${e.line}: @example without a \`\`\`ts block`);
});

/** Each example's outcome: why it failed, or `undefined`. */
let outcomes: Promise<(string | undefined)[]>;

before(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  runPython(PYTHON_FIXTURES, [work]);
  packageExports = new Set(Object.keys(await import('brine')));
  const paths: string[] = [];
  for (const [i, example] of examples.entries()) {
    const path = join(work, `example-${i + 1}.ts`);
    writeFileSync(path, await program(example.file, example.code));
    paths.push(path);
  }
  outcomes = runPrograms(paths, work);
});

examples.forEach((example, i) => {
  test(`${example.file}:${example.line} example${example.title ? ` (${example.title})` : ''} runs`, async () => {
    const failure = (await outcomes)[i];
    if (failure !== undefined) {
      const program = readFileSync(join(work, `example-${i + 1}.ts`), 'utf8');
      assert.fail(`${example.file}:${example.line}: the example fails:\n${program}\n${failure}`);
    }
  });
});
