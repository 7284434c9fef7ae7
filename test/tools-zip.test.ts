/**
 * The zip reader against python3's zipfile: the same entries (names, sizes,
 * CRCs, methods, flags) and the same content for every archive zipfile reads,
 * and a clear refusal or report for what it should not trust (a local name
 * that differs, encryption, lying sizes and zip64 records, unsupported
 * methods); the archives torch.save writes (zip64 end records, data
 * descriptors), zipfile's zip64 extra fields, and a sparse archive past 4 GiB
 * read lazily from its tail.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import {
  type ByteSource,
  blobSource,
  bytesSource,
  crc32,
  crcMatches,
  isZip,
  matchZipEntries,
  readZip,
  readZipDirectory,
  readZipDirectorySync,
  readZipEntry,
  readZipEntryFrom,
  readZipEntryFromSync,
  type ZipEntry,
  ZipError,
  zipEntryDataOffsetSync,
} from '../src/formats/zip.js';
import { fromHex, PYTHON, ROOT, runPython, toHex } from './support/python.js';

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

const FIXTURES = new URL('./fixtures/torch/', import.meta.url);
const torchListing = (
  JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as {
    zip: Record<string, [string, number, number, number, number, number][]>;
  }
).zip;

/** A synchronous source over a file, reading only what is asked. */
function fileSource(path: string): ByteSource & { reads: number; bytesRead: number } {
  const size = statSync(path).size;
  const source = {
    size,
    reads: 0,
    bytesRead: 0,
    read(offset: number, length: number): Uint8Array {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      const fd = openSync(path, 'r');
      try {
        readSync(fd, out, 0, out.length, offset);
      } finally {
        closeSync(fd);
      }
      source.reads++;
      source.bytesRead += out.length;
      return out;
    },
  };
  return source;
}

function listing(entries: readonly ZipEntry[]): unknown[] {
  return entries.map((e) => [e.name, e.size, e.compressedSize, e.crc32, e.method, e.headerOffset]);
}

describe('zip: archives written by torch.save (zip64 end records, data descriptors)', () => {
  const names = Object.keys(torchListing);

  it('lists what zipfile lists, with no problem, in both readers', () => {
    assert.ok(names.length >= 8);
    let zip64 = 0;
    for (const name of names) {
      const data = new Uint8Array(readFileSync(new URL(name, FIXTURES)));
      const archive = readZip(data);
      assert.deepEqual(archive.problems, [], name);
      const central = archive.entries.filter((e) => e.source === 'central');
      assert.deepEqual(listing(central), torchListing[name], name);
      for (const e of central) assert.deepEqual(e.problems, [], `${name}: ${e.name}`);
      if (archive.zip64EndRecord !== undefined) zip64++;
      const directory = readZipDirectorySync(bytesSource(data));
      assert.deepEqual(listing(directory.entries), torchListing[name], name);
      assert.deepEqual(directory.problems, [], name);
      for (const e of central) {
        const lazy = directory.entries.find((d) => d.name === e.name)!;
        assert.deepEqual(
          readZipEntryFromSync(bytesSource(data), lazy, { inflateRaw }),
          readZipEntry(data, e, { inflateRaw }),
        );
        if (e.method === 0) assert.ok(crcMatches(e, readZipEntry(data, e)), `${name}: ${e.name}`);
      }
    }
    // Every archive torch.save wrote carries the zip64 end record and its locator.
    assert.ok(zip64 >= 6, `${zip64}`);
  });

  it('reads the pickle entry torch reads, matching names as torch does (ASCII case ignored)', () => {
    const data = new Uint8Array(readFileSync(new URL('state_dict.pt', FIXTURES)));
    const { entries } = readZip(data);
    const prefix = entries[0]!.name.split('/')[0]!;
    const [pkl, ...more] = matchZipEntries(entries, `${prefix.toUpperCase()}/DATA.PKL`);
    assert.equal(more.length, 0);
    assert.equal(pkl!.name, `${prefix}/data.pkl`);
    const bytes = readZipEntry(data, pkl!);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x80, 2]);
    assert.equal(bytes[bytes.length - 1], 0x2e);
    assert.deepEqual(matchZipEntries(entries, `${prefix}/data.pk`), []);
  });

  it('reads asynchronously, from a Blob, the same as synchronously', async () => {
    const data = new Uint8Array(readFileSync(new URL('checkpoint.pt', FIXTURES)));
    const blob = new Blob([data as Uint8Array<ArrayBuffer>]);
    const directory = await readZipDirectory(blobSource(blob));
    assert.deepEqual(listing(directory.entries), torchListing['checkpoint.pt']);
    for (const e of directory.entries) {
      assert.deepEqual(
        await readZipEntryFrom(blobSource(blob), e),
        readZipEntryFromSync(bytesSource(data), e),
      );
    }
    assert.throws(() => readZipDirectorySync(blobSource(blob)), /asynchronous/);
  });
});

const forced = JSON.parse(
  runPython(`
import io, json, zipfile
out = {}
for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression=method) as z:
        for name, data in [("archive/data.pkl", b"\\x80\\x02}q\\x00."), ("archive/data/0", bytes(range(256)) * 5), ("empty", b"")]:
            with z.open(name, "w", force_zip64=True) as f:
                f.write(data)
    raw = b.getvalue()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        out[str(method)] = {"hex": raw.hex(), "entries": [[i.filename, i.file_size, i.compress_size, i.CRC, i.compress_type, i.header_offset, z.read(i).hex()] for i in z.infolist()]}
__import__("sys").stdout.write(json.dumps(out))
`),
) as Record<string, { hex: string; entries: [string, number, number, number, number, number, string][] }>;

describe('zip: zipfile with force_zip64 (zip64 extra fields in local headers)', () => {
  it('lists and reads what zipfile reads, stored and deflated', () => {
    for (const [method, { hex, entries }] of Object.entries(forced)) {
      const data = fromHex(hex);
      const archive = readZip(data);
      assert.deepEqual(archive.problems, [], method);
      const central = archive.entries.filter((e) => e.source === 'central');
      assert.deepEqual(
        listing(central),
        entries.map((e) => e.slice(0, 6)),
      );
      for (const [i, e] of central.entries()) {
        assert.deepEqual(e.problems, [], `${method} ${e.name}`);
        assert.equal(toHex(readZipEntry(data, e, { inflateRaw })), entries[i]![6]);
        assert.equal(
          toHex(
            readZipEntryFromSync(bytesSource(data), readZipDirectorySync(bytesSource(data)).entries[i]!, {
              inflateRaw,
            }),
          ),
          entries[i]![6],
        );
      }
    }
  });
});

describe('zip: an archive past 4 GiB (sparse file, zip64 sizes and offsets)', () => {
  it('lists it and reads an entry past 4 GiB from the tail, reading a few KB', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'brine-zip64-'));
    const path = join(dir, 'big.zip');
    try {
      const out = runPython(
        `
import json, struct, sys, zipfile, zlib
path = sys.argv[1]
BIG = 2**32 + 64
small = b"after four gibibytes"
def z64(*values):
    body = b"".join(struct.pack("<Q", v) for v in values)
    return struct.pack("<HH", 1, len(body)) + body
with open(path, "wb") as f:
    name = b"archive/data/0"
    f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, len(name), 20) + name + z64(BIG, BIG))
    data0 = f.tell()
    f.seek(data0 + BIG)  # a hole: BIG zero bytes
    off1 = f.tell()
    name1 = b"archive/data.pkl"
    f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, zlib.crc32(small), len(small), len(small), len(name1), 0) + name1 + small)
    cd = f.tell()
    f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, len(name), 20, 0, 0, 0, 0, 0) + name + z64(BIG, BIG))
    f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, zlib.crc32(small), len(small), len(small), len(name1), 12, 0, 0, 0, 0, 0xFFFFFFFF) + name1 + z64(off1))
    cd_end = f.tell()
    f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 2, 2, cd_end - cd, cd))
    f.write(struct.pack("<IIQI", 0x07064B50, 0, cd_end, 1))
    f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, cd_end - cd, 0xFFFFFFFF, 0))
with zipfile.ZipFile(path) as z:
    sys.stdout.write(json.dumps([[i.filename, i.file_size, i.compress_size, i.header_offset] for i in z.infolist()] + [z.read("archive/data.pkl").decode()]))
`,
        [path],
      );
      const expected = JSON.parse(out) as unknown[];
      const source = fileSource(path);
      const directory = readZipDirectorySync(source);
      assert.deepEqual(
        [
          ...directory.entries.map((e) => [e.name, e.size, e.compressedSize, e.headerOffset]),
          expected.at(-1),
        ],
        [...expected.slice(0, -1), expected.at(-1)],
      );
      assert.ok(directory.entries.every((e) => e.zip64 && e.readable));
      const pkl = matchZipEntries(directory.entries, 'archive/data.pkl')[0]!;
      assert.ok(pkl.headerOffset > 2 ** 32);
      assert.equal(new TextDecoder().decode(readZipEntryFromSync(source, pkl)), expected.at(-1));
      assert.ok(source.bytesRead < 200_000, `${source.bytesRead} bytes read`);
      assert.equal(zipEntryDataOffsetSync(source, directory.entries[0]!), 30 + 14 + 20);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOSPC') t.skip('no room for a sparse 4 GiB file');
      else throw error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('zip: zip64 records that lie', () => {
  const data = new Uint8Array(readFileSync(new URL('views.pt', FIXTURES)));
  const eocd = readZip(data).endRecord;
  const z64 = readZip(data).zip64EndRecord!;
  const patched = (at: number, bytes: number[]): Uint8Array => {
    const copy = data.slice();
    copy.set(bytes, at);
    return copy;
  };

  it('refuses a locator that points nowhere or past the file', () => {
    for (const bad of [
      patched(eocd - 12, [0, 0, 0, 0, 0, 0, 0, 0x7f]),
      patched(eocd - 12, [1, 0, 0, 0, 0, 0, 0, 0]),
    ]) {
      assert.throws(() => readZip(bad), ZipError);
      assert.throws(() => readZipDirectorySync(bytesSource(bad)), ZipError);
    }
  });

  it('refuses a zip64 directory size or offset past the file, before reading it', () => {
    const copy = patched(z64 + 40, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]);
    copy.set([0xff, 0xff, 0xff, 0xff], eocd + 12);
    assert.throws(() => readZip(copy), /runs past/);
    const source = bytesSource(copy);
    assert.throws(() => readZipDirectorySync(source), /runs past/);
  });

  it('reports an end record that disagrees with its zip64 record', () => {
    const copy = patched(z64 + 24, [2]);
    copy.set([2], z64 + 32);
    assert.match(readZip(copy).problems.join(), /disagree/);
  });

  it('refuses saturated fields without a zip64 end record', () => {
    const copy = patched(eocd - 20, [0, 0, 0, 0]);
    assert.equal(readZip(copy).zip64EndRecord, undefined); // torch's end record is whole: a plain zip
    copy.set([0xff, 0xff, 0xff, 0xff], eocd + 16);
    assert.throws(() => readZip(copy), /zip64/);
    assert.throws(() => readZipDirectorySync(bytesSource(copy)), /zip64/);
  });

  it('never throws anything but a ZipError on any one-byte change of the tail', () => {
    let thrown = 0;
    for (let at = Math.max(0, data.length - 400); at < data.length; at++) {
      for (const v of [0, 0xff, data[at]! ^ 1]) {
        const copy = patched(at, [v]);
        for (const read of [() => readZip(copy), () => readZipDirectorySync(bytesSource(copy))]) {
          try {
            const r = read();
            for (const e of r.entries)
              if (e.readable) readZipEntryFromSync(bytesSource(copy), e, { inflateRaw });
          } catch (error) {
            assert.ok(error instanceof ZipError, String(error));
            thrown++;
          }
        }
      }
    }
    assert.ok(thrown > 0);
  });
});
