/**
 * Bundle size per entry point (`loads`, `dumps`, `scan`, everything),
 * bundled by esbuild, minified and gzipped, against the budgets written in
 * docs/bundle-size.md; and the entry points stay apart: a dumps-only or
 * scan-only bundle carries no reconstructor table, a dumps-only one no opcode
 * table, a loads-only one no pickler.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ENTRIES, measure } from '../scripts/bundle-size.js';
import { OPCODE_BY_CODE, opcodeName } from '../src/opcodes.js';

const doc = readFileSync(new URL('../docs/bundle-size.md', import.meta.url), 'utf8');
const budgetTable = doc.slice(doc.indexOf('## Budgets'), doc.indexOf('## ', doc.indexOf('## Budgets') + 3));
const budgets = new Map(
  [...budgetTable.matchAll(/^\|\s*(\w+)\s*\|\s*(\d+)\s*\|$/gm)].map((m) => [m[1]!, Number(m[2])] as const),
);

test('docs/bundle-size.md gives a budget for every entry point', () => {
  assert.deepEqual([...budgets.keys()].sort(), ENTRIES.map((e) => e.name).sort());
});

const sizes = new Map<string, Awaited<ReturnType<typeof measure>>>();
async function sizeOf(name: string) {
  let size = sizes.get(name);
  if (size === undefined) {
    size = await measure(ENTRIES.find((e) => e.name === name)!);
    sizes.set(name, size);
  }
  return size;
}

for (const entry of ENTRIES) {
  test(`the ${entry.name} bundle is within its budget`, async (t) => {
    const size = await sizeOf(entry.name);
    const budget = budgets.get(entry.name)!;
    t.diagnostic(
      `${entry.name}: ${size.minified} bytes minified, ${size.gzipped} gzipped (budget ${budget})`,
    );
    assert.ok(size.gzipped > 1000, 'the bundle holds the code');
    assert.ok(
      size.gzipped <= budget,
      `${entry.name} is ${size.gzipped} bytes gzipped, over its budget of ${budget} (docs/bundle-size.md)`,
    );
  });
}

// Strings only a reconstructor table, the opcode table and the Unicode table hold.
const RECONSTRUCTOR_TABLE = 'UUID state must be a dict';
const OPCODE_TABLE = 'Push a four-byte signed integer';
const UNICODE_TABLE = '0,v 2o,x d,0';
// A message only the pickler holds.
const PICKLER = 'cannot pickle a ';

test('the entry points carry only what they use', async () => {
  const loads = await sizeOf('loads');
  const dumps = await sizeOf('dumps');
  const scan = await sizeOf('scan');
  const everything = await sizeOf('everything');
  // The markers are real: the full bundle holds every one of them.
  for (const marker of [RECONSTRUCTOR_TABLE, OPCODE_TABLE, UNICODE_TABLE, PICKLER])
    assert.ok(everything.text.includes(marker));
  assert.ok(loads.text.includes(RECONSTRUCTOR_TABLE), 'loads uses the default registry');
  assert.ok(!loads.text.includes(OPCODE_TABLE), 'loads carries opcode names only, not the opcode table');
  assert.ok(!loads.text.includes(PICKLER), 'loads carries no pickler');
  assert.ok(dumps.text.includes(PICKLER));
  assert.ok(!dumps.text.includes(RECONSTRUCTOR_TABLE), 'dumps carries no reconstructor table');
  assert.ok(!dumps.text.includes(OPCODE_TABLE), 'dumps carries no opcode table');
  assert.ok(!scan.text.includes(RECONSTRUCTOR_TABLE), 'scan carries no reconstructor table');
});

test('the opcode names the loader carries agree with the opcode table', () => {
  for (let code = 0; code < 256; code++)
    assert.equal(opcodeName(code), OPCODE_BY_CODE[code]?.name ?? `0x${code.toString(16).padStart(2, '0')}`);
});
