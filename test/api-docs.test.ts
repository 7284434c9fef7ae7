/**
 * The API reference (`npm run docs`): TypeDoc reads the TSDoc comments of
 * the two entry points with typedoc.json, where every warning (a broken
 * link, a type that public signatures name but the package does not export)
 * is an error; and each `@example` the reference shows is one that
 * test/tsdoc-examples.test.ts runs, read from the same comments.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { docExamples } from './support/tsdoc-examples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'brine-api-'));
after(() => rmSync(out, { recursive: true, force: true }));

interface CommentPart {
  readonly text?: string;
}
interface Reflection {
  readonly name?: string;
  readonly comment?: { readonly blockTags?: readonly { tag: string; content: CommentPart[] }[] };
  readonly [key: string]: unknown;
}

/** The code of every ```ts block of every `@example` in TypeDoc's JSON. */
function examplesOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) examplesOf(item, found);
  else if (node !== null && typeof node === 'object') {
    const r = node as Reflection;
    for (const tag of r.comment?.blockTags ?? []) {
      if (tag.tag !== '@example') continue;
      const text = tag.content.map((p) => p.text ?? '').join('');
      for (const m of text.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)) found.push(m[1]!);
    }
    for (const value of Object.values(r)) examplesOf(value, found);
  }
  return found;
}

const squash = (code: string) => code.replace(/\s+/g, ' ').trim();

test('TypeDoc builds the API reference without a warning, and its examples are the tested ones', async () => {
  const json = join(out, 'api.json');
  const tsdoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  try {
    // The sources' type errors are `npm run typecheck`'s to find: TypeDoc does not check them again.
    await run(process.execPath, [tsdoc, '--out', join(out, 'html'), '--json', json, '--skipErrorChecking'], {
      cwd: root,
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    assert.fail(
      `typedoc failed (typedoc.json treats warnings as errors):\n${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
  }
  const shown = examplesOf(JSON.parse(readFileSync(json, 'utf8')));
  const tested = new Set(docExamples().map((e) => squash(e.code)));
  assert.ok(shown.length >= 50, `${shown.length} examples in the reference`);
  const untested = shown.filter((code) => !tested.has(squash(code)));
  assert.deepEqual(untested, [], 'every example of the reference runs in test/tsdoc-examples.test.ts');
});
