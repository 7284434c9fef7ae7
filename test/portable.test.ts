/**
 * The core runs without Node: no Node module is imported outside src/node,
 * and with `globalThis.Buffer` removed (as in a browser) the portable text
 * paths give the same values as the Node-accelerated ones. The layers import
 * only downwards: the core never imports `node/`, `tools/` or the command,
 * and neither does a library folder (numpy, torch ...).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { srcGraph } from './support/imports.js';
import { PYTHON } from './support/python.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('the core imports no Node module and names no Node global', () => {
  const core = sources(join(root, 'src')).filter((file) => {
    const rel = relative(join(root, 'src'), file);
    return !rel.startsWith('node/') && !rel.startsWith('cli/') && rel !== 'cli.ts';
  });
  assert.ok(core.length > 5);
  for (const file of core) {
    // Code only: a documentation example may show how Node code calls the function.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    assert.doesNotMatch(
      text,
      /from ['"]node:|require\(|from ['"](fs|path|os|crypto|stream|buffer)['"]/,
      file,
    );
    // Buffer only through globalThis feature detection.
    assert.doesNotMatch(text.replace(/globalThis as \{ Buffer\?[^}]*\}/g, ''), /(?<![.\w])Buffer\./, file);
  }
});

/** Folders of src/ that hold one foreign library's support (its value classes, reconstructors, formats). */
const LIBRARY_FOLDERS = ['numpy/', 'torch/', 'pandas/', 'joblib/', 'sklearn/'];

/** The package entry (src/index.ts) re-exports the tools: it is the one file of the core allowed to. */
const ENTRY = 'index.ts';

/** What the core and the libraries may not import: the Node layer, the tools, the command. */
function upperLayer(file: string): string | undefined {
  if (file.startsWith('node/')) return 'the Node layer (src/node/)';
  if (file.startsWith('tools/')) return 'the tools (src/tools/)';
  if (/^cli[^/]*(\/|\.ts$)/.test(file)) return 'the command (src/cli*)';
  return undefined;
}

function layerOf(file: string): 'upper' | 'library' | 'core' {
  if (upperLayer(file) !== undefined) return 'upper';
  if (LIBRARY_FOLDERS.some((folder) => file.startsWith(folder))) return 'library';
  return 'core';
}

test('the layer rule reads paths as meant', () => {
  assert.equal(layerOf('node/index.ts'), 'upper');
  assert.equal(layerOf('tools/scan.ts'), 'upper');
  assert.equal(layerOf('cli.ts'), 'upper');
  assert.equal(layerOf('cli/dis.ts'), 'upper');
  assert.equal(layerOf('numpy/ndarray.ts'), 'library');
  assert.equal(layerOf('torch/load.ts'), 'library');
  assert.equal(layerOf('unpickler.ts'), 'core');
  assert.equal(layerOf('formats/zip.ts'), 'core');
  assert.equal(layerOf('types/datetime.ts'), 'core');
});

test('the core and the library folders never import node/, tools/ or the command (type imports included)', () => {
  const graph = srcGraph({ types: true });
  let checked = 0;
  for (const [from, targets] of graph) {
    if (from === ENTRY || layerOf(from) === 'upper') continue;
    checked++;
    for (const target of targets) {
      const upper = upperLayer(target);
      assert.equal(upper, undefined, `${from} (${layerOf(from)}) imports ${target}, in ${upper}`);
    }
  }
  assert.ok(checked > 20);
});

// Strings of every tier (short, medium, long; ASCII, Latin-1, CJK, astral, lone surrogates), loaded
// with and without Buffer; the two runs must agree with what python3 wrote.
const script = String.raw`
import pickle, json, sys
values = ['', 'a', 'abc' * 5, 'x' * 40, 'y' * 300, 'é' * 10, 'é' * 100, '中文' * 100, '🙂' * 70,
          'a\ud800b' * 50, '\udfff', 'mixé' * 64, bytes(range(256)).decode('latin-1') * 3]
sys.stdout.write(json.dumps({'hex': pickle.dumps(values, 5).hex(), 'py2': pickle.dumps(values, 0).hex(), 'values': values}))
`;

const probe = `
const portable = process.argv[1] === 'portable';
if (portable) delete globalThis.Buffer;
const { loads } = await import('brine');
const input = JSON.parse(process.argv[2]);
const bytes = (hex) => new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
const out = { bufferPresent: typeof globalThis.Buffer, p5: loads(bytes(input.hex)), p0: loads(bytes(input.py2)) };
process.stdout.write(JSON.stringify(out));
`;

test('loads() gives the same strings with and without Node Buffer', () => {
  const input = execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  const expected = (JSON.parse(input) as { values: string[] }).values;
  const run = (mode: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe, mode, input], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as { bufferPresent: string; p5: string[]; p0: string[] };
  const node = run('node');
  const portable = run('portable');
  assert.equal(node.bufferPresent, 'function');
  assert.equal(portable.bufferPresent, 'undefined');
  assert.deepEqual(node.p5, expected);
  assert.deepEqual(portable.p5, expected);
  assert.deepEqual(node.p0, expected);
  assert.deepEqual(portable.p0, expected);
});
