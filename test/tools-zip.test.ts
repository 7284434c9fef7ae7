/**
 * The zip reader against python3's zipfile: the same entries (names, sizes,
 * CRCs, methods, flags) and the same content for every archive zipfile reads,
 * and a clear refusal or report for what it should not trust (a local name
 * that differs, encryption, zip64, lying sizes, unsupported methods).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { crc32, isZip, readZip, readZipEntry, type ZipEntry, ZipError } from '../src/formats/zip.js';
import { fromHex, PYTHON, ROOT, toHex } from './support/python.js';

type PyEntry = [
  name: string,
  size: number,
  compressSize: number,
  crc: number,
  method: number,
  flags: number,
  hex: string | null,
];
interface Archive {
  readonly name: string;
  readonly data: Uint8Array;
  readonly entries: PyEntry[] | null;
  readonly error: string | null;
}

const corpus = (() => {
  const out = execFileSync(PYTHON, ['test/support/scan-zips.py'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const raw = JSON.parse(out) as {
    archives: (Omit<Archive, 'data'> & { hex: string })[];
    crc: [string, number][];
  };
  return {
    archives: raw.archives.map(({ hex, ...rest }) => ({ ...rest, data: fromHex(hex) })) as Archive[],
    crc: raw.crc,
  };
})();

const archive = (name: string): Archive => {
  const a = corpus.archives.find((x) => x.name === name);
  assert.ok(a, name);
  return a;
};

const inflateRaw = (b: Uint8Array, max: number): Uint8Array => inflateRawSync(b, { maxOutputLength: max });

function entryOf(name: string, entryName: string): ZipEntry {
  const entry = readZip(archive(name).data).entries.find((e) => e.name === entryName);
  assert.ok(entry, `${name}: ${entryName}`);
  return entry;
}

describe('zip: agrees with python3 zipfile', () => {
  it('lists the entries zipfile lists, with their sizes, CRCs, methods and flags', () => {
    let checked = 0;
    for (const a of corpus.archives) {
      if (a.entries === null || a.name.startsWith('zip64')) continue;
      const listed = readZip(a.data).entries.filter((e) => e.source === 'central');
      assert.deepEqual(
        listed.map((e) => [e.name, e.size, e.compressedSize, e.crc32, e.method, e.flags]),
        a.entries.map((e) => e.slice(0, 6)),
        a.name,
      );
      checked += listed.length;
    }
    assert.ok(checked >= 20);
  });

  it('reads the content zipfile reads, stored and deflated', () => {
    let checked = 0;
    for (const a of corpus.archives) {
      // Refused on purpose: zip64, and a declared size zipfile ignores but brine does not trust.
      if (a.entries === null || a.name === 'zip64 entry count' || a.name.startsWith('declared size'))
        continue;
      const entries = readZip(a.data).entries;
      for (const [name, , , , , , hex] of a.entries) {
        const entry = entries.find((e) => e.name === name)!;
        if (hex === null || !entry.readable || entry.problems.length > 0) continue;
        assert.equal(toHex(readZipEntry(a.data, entry, { inflateRaw })), hex, `${a.name}: ${name}`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `${checked}`);
  });

  it('finds the end record behind a comment that contains its signature (zipfile does not)', () => {
    const a = archive('with a comment');
    assert.notEqual(a.error, null);
    assert.deepEqual(
      readZip(a.data).entries.map((e) => e.name),
      archive('stored').entries!.map((e) => e[0]),
    );
  });

  it('takes the end record that miniz and zipfile take, and names the others', () => {
    const past = archive('end record whose comment runs past the file');
    assert.equal(past.error, null);
    assert.match(readZip(past.data).problems.join(), /comment runs past/);
    const two = archive('two end records');
    const zip = readZip(two.data);
    assert.deepEqual(
      zip.entries.map((e) => e.name),
      two.entries!.map((e) => e[0]),
    );
    assert.equal(zip.otherEndRecords.length, 1);
    assert.match(zip.problems.join(), /more than one end of central directory record/);
    const other = readZip(two.data, zip.otherEndRecords[0]);
    assert.deepEqual(
      other.entries.map((e) => e.name),
      ['first.txt'],
    );
    assert.deepEqual(other.otherEndRecords, [zip.endRecord]);
  });

  it('reads a local header placed after the central directory, as zipfile does', () => {
    const a = archive('local header after the central directory');
    const entry = readZip(a.data).entries.find((e) => e.name === 'late.txt')!;
    assert.equal(entry.readable, true);
    assert.match(entry.problems.join(), /after the start of the central directory/);
    assert.equal(toHex(readZipEntry(a.data, entry)), a.entries!.find((e) => e[0] === 'late.txt')![6]);
  });

  it('computes CRC-32 as zlib does', () => {
    for (const [hex, expected] of corpus.crc) assert.equal(crc32(fromHex(hex)), expected);
  });
});

describe('zip: what it does not trust', () => {
  it('reports a local header name that differs from the central directory (CVE-2025-1944)', () => {
    const entry = entryOf('local name differs', 'archive/data.pkl');
    assert.equal(entry.localName, 'archive/data.pkx');
    assert.match(entry.problems.join(), /name differs/);
    assert.equal(archive('local name differs').entries![0]![6], null); // zipfile refuses to read it
  });

  it('refuses encrypted entries', () => {
    const a = archive('encrypted first entry');
    const entry = entryOf('encrypted first entry', 'archive/data.pkl');
    assert.equal(entry.readable, false);
    assert.match(entry.problems.join(), /encrypted/);
    assert.throws(() => readZipEntry(a.data, entry), ZipError);
  });

  it('refuses zip64 entries and archives', () => {
    const entry = entryOf('zip64 sizes in the central directory', 'archive/data.pkl');
    assert.equal(entry.readable, false);
    assert.match(entry.problems.join(), /zip64/);
    assert.throws(() => readZip(archive('zip64 entry count').data), /zip64/);
  });

  it('refuses output that is not the declared size, and sizes deflate cannot reach', () => {
    const lying = archive('deflated entry larger than declared');
    assert.throws(() => readZipEntry(lying.data, readZip(lying.data).entries[0]!, { inflateRaw }), ZipError);
    const bomb = archive('declared size beyond any deflate ratio');
    assert.throws(
      () => readZipEntry(bomb.data, readZip(bomb.data).entries[0]!, { inflateRaw }),
      /more than deflate can make/,
    );
  });

  it('needs an inflate function for deflated entries', () => {
    const a = archive('deflated');
    assert.throws(() => readZipEntry(a.data, readZip(a.data).entries[2]!), /no inflateRaw/);
  });

  it('marks unsupported methods unreadable', () => {
    const a = corpus.archives.find((x) => x.name === 'bzip2 method');
    if (a === undefined) return; // python3 built without bz2
    for (const e of readZip(a.data).entries) assert.equal(e.readable, false);
  });

  it('reports data after the end record', () => {
    assert.match(readZip(archive('data after the end record').data).problems.join(), /after the end/);
  });

  it('refuses truncated archives and non-archives with a ZipError', () => {
    for (const name of ['truncated', 'not a zip']) {
      const a = archive(name);
      assert.notEqual(a.error, null);
      assert.throws(() => readZip(a.data), ZipError, name);
    }
  });

  it('recognizes the zip magic', () => {
    assert.equal(isZip(archive('stored').data), true);
    assert.equal(isZip(archive('empty archive').data), true);
    assert.equal(isZip(new Uint8Array([0x80, 4, 0x2e])), false);
  });
});
