/**
 * `scan()` of a deflated `.npz` without any option: `np.savez_compressed`
 * deflates every member, and a member of an object array holds a pickle that
 * `numpy.load(allow_pickle=True)` runs. The files were written by numpy
 * (scripts/make-scan-npz-fixtures.py, with what numpy reports in
 * npz-expected.json); the scan of a deflated file must say what the scan of
 * the same arrays stored uncompressed says, and an entry that cannot be
 * inflated must be reported, never silently skipped.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { readZip, scan } from '../src/index.js';
import { ROOT } from './support/python.js';

const DIR = `${ROOT}test/fixtures/scan/`;
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(DIR + name));
const expected = JSON.parse(readFileSync(`${DIR}npz-expected.json`, 'utf8')) as Record<
  string,
  { deflated: Record<string, boolean>; needsAllowPickle: boolean }
>;

const summary = (data: Uint8Array, options?: Parameters<typeof scan>[1]) => {
  const r = scan(data, options);
  return {
    verdict: r.verdict,
    globals: r.globals.map((g) => `${g.module}.${g.name}`).sort(),
    findings: r.findings.map((f) => `${f.severity}: ${f.message}`),
  };
};

test('the fixtures are what numpy says: deflated members, object arrays that need allow_pickle', () => {
  assert.deepEqual(expected['npz-object-deflated.npz'], {
    deflated: { 'meta.npy': true, 'weights.npy': true },
    needsAllowPickle: true,
  });
  assert.equal(expected['npz-object-stored.npz']!.deflated['meta.npy'], false);
  // brine's zip reader agrees on the compression of each member (8 is deflate).
  for (const [name, { deflated }] of Object.entries(expected)) {
    const methods = Object.fromEntries(readZip(read(name)).entries.map((e) => [e.name, e.method === 8]));
    assert.deepEqual(methods, deflated, name);
  }
});

test('a deflated npz scans without options as the same arrays stored', () => {
  const deflated = summary(read('npz-object-deflated.npz'));
  const stored = summary(read('npz-object-stored.npz'));
  assert.deepEqual(deflated, stored);
  assert.equal(deflated.verdict, 'safe');
  assert.ok(
    deflated.findings.some((f) => /npy of objects: numpy\.load\(allow_pickle=True\) unpickles/.test(f)),
  );
  assert.ok(!deflated.findings.some((f) => /no pickle entry found/.test(f)), deflated.findings.join('\n'));
  assert.ok(deflated.globals.length > 0); // the object array's pickle was read
});

test('a gadget in a deflated npz is dangerous, not "no pickle entry found"', () => {
  const r = summary(read('npz-gadget-deflated.npz'));
  assert.equal(r.verdict, 'dangerous');
  assert.ok(r.globals.includes('posix.system'), r.globals.join(', '));
  assert.ok(r.findings.some((f) => /^dangerous: posix\.system/.test(f)));
});

test("brine's own inflate and Node's zlib give the same report", () => {
  const inflateRaw = (b: Uint8Array, max: number) => inflateRawSync(b, { maxOutputLength: max });
  for (const name of Object.keys(expected)) {
    assert.deepEqual(summary(read(name)), summary(read(name), { inflateRaw }), name);
  }
  assert.equal(summary(read('npz-plain-deflated.npz')).verdict, 'safe');
});

test('an entry that cannot be inflated is reported as not scanned', () => {
  const data = read('npz-gadget-deflated.npz').slice();
  const meta = readZip(data).entries.find((e) => e.name === 'meta.npy')!;
  data[meta.dataOffset!] = 0x07; // a final block of the reserved type 3: no inflate accepts it
  const r = summary(data);
  assert.notEqual(r.verdict, 'safe');
  assert.ok(
    r.findings.some((f) =>
      /^review: zip: an entry cannot be read, its content was not scanned: .*meta\.npy/.test(f),
    ),
    r.findings.join('\n'),
  );
});
