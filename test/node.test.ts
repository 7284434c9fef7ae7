/**
 * brine/node against CPython: files of many pickles written by repeated
 * `pickle.dump` iterate back in order from files and streams of any chunking,
 * with bounded memory; files brine writes (atomically) load in Python; a
 * process killed while writing leaves the old file; text-mode damage is named.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe as suite, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { dumps, loads, PicklingError, tuple, UnpicklingError } from '../src/index.js';
import { writeAtomic } from '../src/node/atomic.js';
import {
  createPickleWriter,
  dumpAll,
  dumpFile,
  dumpFileSync,
  loadAll,
  loadAllFromFile,
  loadFile,
  loadFileSync,
  PickleChunkReader,
} from '../src/node/index.js';
import { compareDescriptions, type Desc, describe } from './support/describe.js';
import { PYTHON, ROOT, runPython } from './support/python.js';
import { tsScript } from './support/ts-script.js';

interface Entry {
  offset: number;
  length: number;
  desc: Desc;
}
interface Manifest {
  stream: Entry[];
  small: Entry[];
  truncated: { values: Desc[]; cutAt: number; size: number };
  garbage: { values: Desc[]; at: number };
  zeros: { values: Desc[]; at: number };
  badMiddle: { values: Desc[]; at: number };
  text: { name: string; protocol: number; pythonFails: boolean }[];
  oob: string[];
}

const dir = fs.mkdtempSync(join(tmpdir(), 'brine-node-'));
const pyDir = join(dir, 'python');
let manifest: Manifest;
const file = (name: string) => join(pyDir, name);

before(() => {
  fs.mkdirSync(pyDir);
  const out = execFileSync(PYTHON, [join(ROOT, 'test/support/node-files.py'), pyDir], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  manifest = JSON.parse(out);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function assertSame(actual: unknown, expected: Desc, what: string): void {
  const difference = compareDescriptions(describe(actual), expected);
  if (difference !== undefined) assert.fail(`${what}: ${difference}`);
}

function assertAll(values: unknown[], expected: Desc[], what: string): void {
  assert.equal(values.length, expected.length, `${what}: number of values`);
  for (let i = 0; i < values.length; i++) assertSame(values[i], expected[i]!, `${what}, value ${i}`);
}

function assertDescs(actual: Desc[], expected: Desc[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: number of values`);
  for (let i = 0; i < actual.length; i++) {
    const difference = compareDescriptions(actual[i], expected[i]);
    if (difference !== undefined) assert.fail(`${what}, value ${i}: ${difference}`);
  }
}

/** Collects values until the iterator ends or throws; returns both. */
async function drain(source: AsyncIterable<unknown>): Promise<{ values: unknown[]; error: unknown }> {
  const values: unknown[] = [];
  try {
    for await (const value of source) values.push(value);
  } catch (error) {
    return { values, error };
  }
  return { values, error: undefined };
}

/** An object-mode Readable that gives `data` in chunks of the sizes `sizes()` returns. */
function chunkedReadable(data: Uint8Array, sizes: () => number): Readable & { chunks: number } {
  let at = 0;
  const stream = new Readable({
    objectMode: true,
    highWaterMark: 1,
    read() {
      if (at >= data.length) {
        this.push(null);
        return;
      }
      const n = Math.max(1, sizes());
      this.push(data.subarray(at, at + n));
      at += n;
      (stream as Readable & { chunks: number }).chunks++;
    },
  }) as Readable & { chunks: number };
  stream.chunks = 0;
  return stream;
}

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What Python reads from each file: every value, by repeated pickle.load. */
function pythonLoads(paths: string[]): Record<string, Desc[]> {
  return JSON.parse(
    runPython(
      `
import json, os, pickle, sys
sys.path.insert(0, 'scripts')
from vectors_lib import describe
out = {}
for path in sys.argv[1:]:
    values = []
    with open(path, 'rb') as f:
        while True:
            try:
                values.append(describe(pickle.load(f)))
            except EOFError:
                break
    out[os.path.basename(path)] = values
sys.stdout.write(json.dumps(out))
`,
      paths,
    ),
  );
}

/** How many descriptors of this process have `path` open (undefined where /proc/self/fd does not exist). */
function openCount(path: string): number | undefined {
  let fds: string[];
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  const real = fs.realpathSync(path);
  let count = 0;
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === real) count++;
    } catch {}
  }
  return count;
}

function tempFiles(folder: string): string[] {
  return fs.readdirSync(folder).filter((name) => name.endsWith('.tmp'));
}

suite('loadAll over files written by repeated pickle.dump', () => {
  test('a file of 3000 pickles, protocols 0-5, in chunks far smaller than the pickles', async () => {
    const size = fs.statSync(file('stream.pkl')).size;
    const largest = Math.max(...manifest.stream.map((e) => e.length));
    assert.ok(largest > 4 * 65536, 'one pickle spans several default chunks');
    assert.ok(size > 300 * 4096, 'the file is far larger than the chunk size');
    const { values, error } = await drain(loadAll(file('stream.pkl'), { highWaterMark: 4096 }));
    assert.equal(error, undefined);
    assertAll(
      values,
      manifest.stream.map((e) => e.desc),
      'stream.pkl',
    );
  });

  test('the default chunk size, a file: URL, and loadAllFromFile', async () => {
    const expected = manifest.stream.map((e) => e.desc);
    const { values, error } = await drain(loadAll(pathToFileURL(file('stream.pkl'))));
    assert.equal(error, undefined);
    assertAll(values, expected, 'loadAll(URL)');
    assertAll(await loadAllFromFile(file('stream.pkl')), expected, 'loadAllFromFile');
  });

  test('a Readable, a web ReadableStream and an array of chunks', async () => {
    const expected = manifest.stream.map((e) => e.desc);
    const readable = fs.createReadStream(file('stream.pkl'), { highWaterMark: 1000 });
    assertAll((await drain(loadAll(readable))).values, expected, 'Readable');
    const web = Readable.toWeb(fs.createReadStream(file('stream.pkl'))) as AsyncIterable<Uint8Array>;
    assertAll((await drain(loadAll(web))).values, expected, 'ReadableStream');
    const data = fs.readFileSync(file('stream.pkl'));
    const next = random(7);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < data.length; ) {
      const n = 1 + Math.floor(next() * 3000);
      chunks.push(data.subarray(at, at + n));
      at += n;
    }
    assertAll((await drain(loadAll(chunks))).values, expected, 'array of chunks');
  });

  test('a Readable of one-byte chunks', async () => {
    const data = fs.readFileSync(file('small.pkl'));
    const stream = chunkedReadable(data, () => 1);
    const { values, error } = await drain(loadAll(stream));
    assert.equal(error, undefined);
    assert.equal(stream.chunks, data.length, 'every chunk was one byte');
    assertAll(
      values,
      manifest.small.map((e) => e.desc),
      'one-byte chunks',
    );
  });

  test('each pickle is found where Python wrote it', () => {
    const data = fs.readFileSync(file('stream.pkl'));
    const reader = new PickleChunkReader();
    const next = random(3);
    const found: [number, number][] = [];
    for (let at = 0; at < data.length; ) {
      const n = 1 + Math.floor(next() * 20000);
      reader.push(data.subarray(at, at + n));
      at += n;
      for (let r = reader.read(); r !== undefined; r = reader.read()) found.push([r.offset, r.length]);
    }
    reader.end();
    assert.equal(reader.read(), undefined);
    assert.ok(reader.done);
    assert.deepEqual(
      found,
      manifest.stream.map((e) => [e.offset, e.length]),
    );
  });

  test('memory stays bounded by the largest pickle plus a chunk, not by the input', () => {
    const data = fs.readFileSync(file('stream.pkl'));
    const largest = Math.max(...manifest.stream.map((e) => e.length));
    const maxChunk = 8192;
    const rounds = 10;
    const reader = new PickleChunkReader();
    const next = random(11);
    let count = 0;
    let fed = 0;
    for (let round = 0; round < rounds; round++) {
      for (let at = 0; at < data.length; ) {
        const n = 1 + Math.floor(next() * maxChunk);
        const chunk = data.subarray(at, at + n);
        reader.push(chunk);
        fed += chunk.length;
        at += n;
        for (let r = reader.read(); r !== undefined; r = reader.read()) count++;
      }
    }
    reader.end();
    assert.equal(reader.read(), undefined);
    assert.equal(count, rounds * manifest.stream.length);
    assert.equal(fed, rounds * data.length);
    assert.ok(
      reader.peakBuffered <= largest + maxChunk,
      `peak buffered ${reader.peakBuffered} <= largest pickle ${largest} + chunk ${maxChunk}`,
    );
    assert.ok(reader.peakBuffered >= largest, 'the largest pickle was buffered whole');
    assert.ok(
      reader.peakCapacity <= 2 * (largest + maxChunk),
      `peak allocation ${reader.peakCapacity} <= 2 * (${largest} + ${maxChunk})`,
    );
    assert.ok(reader.peakCapacity * 10 < fed, `peak allocation ${reader.peakCapacity}, input ${fed} bytes`);
  });

  test('loadAll pulls a chunk at a time: each value comes before the next chunk is read', async () => {
    const data = fs.readFileSync(file('stream.pkl'));
    const chunk = 5000;
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < data.length; at += chunk) {
        const piece = data.subarray(at, at + chunk);
        pulled += piece.length;
        yield piece;
      }
    }
    let i = 0;
    let furthest = 0;
    for await (const _ of loadAll(source())) {
      const entry = manifest.stream[i++]!;
      const ahead = pulled - (entry.offset + entry.length);
      assert.ok(ahead >= 0 && ahead < chunk, `value ${i - 1}: ${ahead} bytes read past its pickle`);
      furthest = Math.max(furthest, ahead);
    }
    assert.equal(i, manifest.stream.length);
    assert.ok(furthest > 0);
  });

  test('one Pickler with several dump() calls: keepMemo keeps shared objects shared', async () => {
    const values = (await drain(loadAll(file('memo.pkl'), { keepMemo: true }))).values as [
      { first: object },
      object,
      object[],
    ];
    assert.equal(values.length, 3);
    assert.deepEqual(values[1], { shared: [1, 2] });
    assert.equal(values[0].first, values[1]);
    assert.equal(values[2][0], values[1]);
    assert.equal(values[2][1], values[1]);
    // Without it each pickle has its own memo, as with repeated pickle.load, which fails here too.
    assert.throws(
      () =>
        runPython(
          `import pickle\nf = open(${JSON.stringify(file('memo.pkl'))}, 'rb')\npickle.load(f)\npickle.load(f)`,
        ),
      /Memo|KeyError/i,
    );
    const { values: fresh, error } = await drain(loadAll(file('memo.pkl')));
    assert.equal(fresh.length, 1);
    assert.ok(error instanceof UnpicklingError);
    assert.match(error.message, /memo/i);
  });

  test('out-of-band buffers are taken in order across the pickles', async () => {
    const buffers = manifest.oob.map((hex) => new Uint8Array(Buffer.from(hex, 'hex')));
    const values = (await drain(loadAll(file('oob.pkl'), { buffers, highWaterMark: 7 }))).values as {
      i: number;
      data: unknown;
    }[];
    assert.deepEqual(
      values.map((v) => v.i),
      [0, 1, 2],
    );
    for (let i = 0; i < 3; i++) assert.equal(values[i]!.data, buffers[i]);
  });

  test('bytes in memory, and an old-style stream without async iteration', async () => {
    const data = fs.readFileSync(file('small.pkl'));
    const expected = manifest.small.map((e) => e.desc);
    assertAll((await drain(loadAll(new Uint8Array(data)))).values, expected, 'Uint8Array');
    const old = new EventEmitter() as EventEmitter & { pause(): void; resume(): void; readable: boolean };
    old.readable = true;
    old.pause = () => {};
    old.resume = () => {};
    const pending = drain(loadAll(old as unknown as NodeJS.ReadableStream));
    for (let at = 0; at < data.length; at += 1000) old.emit('data', data.subarray(at, at + 1000));
    old.emit('end');
    assertAll((await pending).values, expected, 'old-style stream');
  });

  test('an empty file has no pickles', async () => {
    fs.writeFileSync(join(dir, 'empty.pkl'), '');
    assert.deepEqual((await drain(loadAll(join(dir, 'empty.pkl')))).values, []);
  });
});

suite('loadAll: bad input after good pickles', () => {
  for (const chunkSize of [1, 7, 65536]) {
    test(`a cut last pickle is a truncation at its offset in the whole file (chunks of ${chunkSize})`, async () => {
      const data = fs.readFileSync(file('truncated.pkl'));
      const { values, error } = await drain(loadAll(chunkedReadable(data, () => chunkSize)));
      assertAll(values, manifest.truncated.values, 'before the cut');
      assert.ok(error instanceof UnpicklingError, String(error));
      assert.equal(error.truncated, true);
      assert.ok(error.offset !== undefined);
      assert.ok(
        error.offset >= manifest.truncated.cutAt && error.offset < manifest.truncated.size,
        `offset ${error.offset} within the cut pickle [${manifest.truncated.cutAt}, ${manifest.truncated.size})`,
      );
      assert.match(error.message, new RegExp(`offset ${error.offset}\\b`));
    });
  }

  test('bytes that are not an opcode after the last pickle', async () => {
    for (const [name, expected] of [
      ['garbage.pkl', manifest.garbage],
      ['zeros.pkl', manifest.zeros],
    ] as const) {
      const { values, error } = await drain(loadAll(file(name), { highWaterMark: 16 }));
      assertAll(values, expected.values, name);
      assert.ok(error instanceof UnpicklingError, String(error));
      assert.equal(error.truncated, false);
      assert.equal(error.offset, expected.at);
    }
  });

  test('a bad pickle between good ones stops at its offset', async () => {
    const { values, error } = await drain(loadAll(file('bad-middle.pkl'), { highWaterMark: 5 }));
    assertAll(values, manifest.badMiddle.values, 'bad-middle.pkl');
    assert.ok(error instanceof UnpicklingError);
    assert.equal(error.offset, manifest.badMiddle.at);
    assert.equal(error.opcode, '0xfe');
    assert.equal(error.truncated, false);
  });

  test('maxPickleSize refuses a pickle that claims more, without waiting for it', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      // A good pickle, then BINBYTES8 that claims 2**40 bytes, then zeros forever.
      yield dumps('first');
      yield Uint8Array.of(0x80, 0x05, 0x8e, 0, 0, 0, 0, 0, 1, 0, 0);
      for (;;) {
        pulled++;
        yield new Uint8Array(1000);
      }
    }
    const { values, error } = await drain(loadAll(endless(), { maxPickleSize: 1 << 20 }));
    assert.deepEqual(values, ['first']);
    assert.ok(error instanceof UnpicklingError);
    assert.equal(error.offset, dumps('first').length);
    assert.match(error.message, /maxPickleSize/);
    assert.equal(pulled, 0, 'the claimed length was refused before more bytes were read');
    // A pickle that grows past the limit without saying so (a long text line).
    const reader = new PickleChunkReader({ maxPickleSize: 5000 });
    reader.push(Uint8Array.from("S'", (c) => c.charCodeAt(0)));
    let thrown: unknown;
    for (let i = 0; i < 10 && thrown === undefined; i++) {
      reader.push(new Uint8Array(1000).fill(0x61));
      try {
        reader.read();
      } catch (e) {
        thrown = e;
      }
    }
    assert.ok(thrown instanceof UnpicklingError && /maxPickleSize/.test(thrown.message));
    assert.ok(reader.peakBuffered <= 5000 + 1000);
    // Pickles under the limit load.
    const small = await drain(loadAll(file('small.pkl'), { maxPickleSize: 1 << 20 }));
    assert.equal(small.values.length, manifest.small.length);
  });

  test('the reader stays failed after an error', () => {
    const reader = new PickleChunkReader();
    reader.push(fs.readFileSync(file('garbage.pkl')));
    for (let i = 0; i < manifest.garbage.values.length; i++) assert.ok(reader.read() !== undefined);
    assert.throws(() => reader.read(), UnpicklingError);
    assert.throws(() => reader.read(), UnpicklingError);
    reader.end();
    assert.throws(() => reader.push(Uint8Array.of(0x2e)), UnpicklingError);
  });

  test('sources that are not bytes', async () => {
    const text = fs.createReadStream(file('stream.pkl'), { encoding: 'latin1' });
    const { error } = await drain(loadAll(text));
    assert.ok(error instanceof UnpicklingError);
    assert.match(error.message, /text/);
    assert.ok(text.destroyed);
    const numbers = await drain(loadAll([1, 2] as unknown as Uint8Array[]));
    assert.ok(numbers.error instanceof UnpicklingError);
    const nothing = await drain(loadAll(42 as unknown as string));
    assert.ok(nothing.error instanceof UnpicklingError);
  });

  test('a missing file is the file system error', async () => {
    const { error } = await drain(loadAll(join(dir, 'no-such-file.pkl')));
    assert.equal((error as { code?: string }).code, 'ENOENT');
  });
});

suite('loadAll: leaving early', () => {
  test('break closes the file before the loop statement ends', async () => {
    // A copy that no other test opens, so that only this loop's descriptor counts.
    const path = join(dir, 'break.pkl');
    fs.copyFileSync(file('stream.pkl'), path);
    const before = openCount(path);
    let n = 0;
    for await (const _ of loadAll(path, { highWaterMark: 1024 })) {
      if (before !== undefined) assert.equal(openCount(path), before + 1, 'the file is open while reading');
      if (++n === 5) break;
    }
    assert.equal(n, 5);
    if (before !== undefined) assert.equal(openCount(path), before, 'the file is closed after break');
  });

  test('break destroys a Readable passed in; return() on the iterator ends it too', async () => {
    const stream = fs.createReadStream(file('stream.pkl'), { highWaterMark: 1024 });
    for await (const _ of loadAll(stream)) break;
    assert.ok(stream.destroyed);
    const iterator = loadAll(file('stream.pkl'));
    assert.equal((await iterator.next()).done, false);
    assert.deepEqual(await iterator.return(undefined), { done: true, value: undefined });
    assert.equal((await iterator.next()).done, true);
  });

  test('an exception in the loop body closes the file too', async () => {
    const path = join(dir, 'throw.pkl');
    fs.copyFileSync(file('stream.pkl'), path);
    const before = openCount(path);
    await assert.rejects(async () => {
      for await (const _ of loadAll(path)) throw new Error('stop');
    }, /stop/);
    if (before !== undefined) assert.equal(openCount(path), before);
  });
});

suite('text mode', () => {
  test('files that went through Python text-mode files are reported as such', async () => {
    const failing = manifest.text.filter((t) => t.pythonFails);
    assert.ok(failing.length >= 16, `${failing.length} damaged files that Python cannot load`);
    for (const { name } of failing) {
      const path = file(name);
      await assert.rejects(
        loadFile(path),
        (e: unknown) => e instanceof UnpicklingError && /text mode/.test(e.message),
        `loadFile ${name}`,
      );
      assert.throws(
        () => loadFileSync(path),
        (e: unknown) => e instanceof UnpicklingError && /text mode/.test(e.message),
        `loadFileSync ${name}`,
      );
      for (const highWaterMark of [3, 65536]) {
        const { error } = await drain(loadAll(path, { highWaterMark }));
        assert.ok(error instanceof UnpicklingError, `loadAll ${name}: ${String(error)}`);
        assert.match(error.message, /text mode/, `loadAll ${name}`);
      }
      await assert.rejects(loadAllFromFile(path), /text mode/, `loadAllFromFile ${name}`);
    }
  });

  test('damage Python cannot see either loads the way Python loads it', async () => {
    // Protocol 0 is text: re-encoding its Latin-1 bytes as UTF-8 changes the
    // bytes values but leaves a valid pickle, for Python as for brine.
    const silent = manifest.text.filter((t) => !t.pythonFails);
    const python = pythonLoads(silent.map((t) => file(t.name)));
    for (const { name } of silent) {
      const { values, error } = await drain(loadAll(file(name)));
      assert.equal(error, undefined);
      assertDescs(values.map(describe), python[name]!, name);
    }
  });

  test('a pickle read as UTF-8 text and written back', async () => {
    const path = join(dir, 'utf8-roundtrip.pkl');
    const data = dumps({ data: Uint8Array.of(0x80, 0xff, 0x0a) }, { protocol: 2 });
    fs.writeFileSync(path, Buffer.from(Buffer.from(data).toString('utf8'), 'utf8'));
    await assert.rejects(loadFile(path), /text mode/);
  });
});

suite('dumpFile and friends, read by Python', () => {
  const values: Record<string, unknown> = {
    simple: { name: 'Ada', scores: [1, 2.5, -3], ok: true, none: null },
    rich: {
      text: 'é€😀\n',
      big: 2n ** 80n,
      bytes: Uint8Array.of(0, 10, 13, 128, 255),
      pair: tuple<unknown>(1, 'a'),
      set: new Set([1, 2, 3]),
      nested: [[[[]]]],
    },
  };

  test('every protocol, async and sync, and loadFile reads them back', async () => {
    const paths: string[] = [];
    const expected: Record<string, Desc[]> = {};
    for (const [key, value] of Object.entries(values)) {
      for (let protocol = 0; protocol <= 5; protocol++) {
        const asyncPath = join(dir, `dump-${key}-${protocol}.pkl`);
        const syncPath = join(dir, `dumpsync-${key}-${protocol}.pkl`);
        await dumpFile(asyncPath, value, { protocol });
        dumpFileSync(syncPath, value, { protocol });
        assert.deepEqual(fs.readFileSync(asyncPath), Buffer.from(dumps(value, { protocol })));
        assertSame(await loadFile(asyncPath), describe(value), asyncPath);
        assertSame(loadFileSync(syncPath), describe(value), syncPath);
        paths.push(asyncPath, syncPath);
        expected[`dump-${key}-${protocol}.pkl`] = [describe(value)];
        expected[`dumpsync-${key}-${protocol}.pkl`] = [describe(value)];
      }
    }
    const python = pythonLoads(paths);
    for (const [name, descs] of Object.entries(expected))
      assertDescs(python[name]!, descs, `Python reads ${name}`);
    assert.deepEqual(tempFiles(dir), []);
  });

  test('dumpAll and the pickle writer write what repeated pickle.load reads', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      i,
      payload: 'x'.repeat(i % 97),
      list: [i, i * 2],
    }));
    const allPath = join(dir, 'dump-all.pkl');
    await dumpAll(allPath, records, { protocol: 4 });
    async function* later(): AsyncGenerator<unknown> {
      yield 'async';
      yield [1, 2];
    }
    const asyncPath = join(dir, 'dump-all-async.pkl');
    await dumpAll(asyncPath, later());

    const logPath = join(dir, 'writer.pkl');
    const writer = await createPickleWriter(logPath);
    const pending = records.slice(0, 100).map((r) => writer.write(r)); // in order without awaiting each
    await Promise.all(pending);
    await assert.rejects(writer.write({ f: () => 1 }), PicklingError);
    await writer.write('last of the first session');
    await writer.close();
    await assert.rejects(writer.write(1), PicklingError);
    {
      await using appender = await createPickleWriter(logPath, { append: true, protocol: 2, fsync: true });
      await appender.write({ appended: true });
      assert.ok(appender.bytesWritten > 0);
    }
    const logExpected = [...records.slice(0, 100), 'last of the first session', { appended: true }];

    const python = pythonLoads([allPath, asyncPath, logPath]);
    assertDescs(python['dump-all.pkl']!, records.map(describe), 'dumpAll');
    assertDescs(python['dump-all-async.pkl']!, ['async', [1, 2]].map(describe), 'dumpAll async');
    assertDescs(python['writer.pkl']!, logExpected.map(describe), 'writer');
    assertAll((await drain(loadAll(logPath))).values, logExpected.map(describe), 'loadAll of the writer');
    assert.deepEqual(tempFiles(dir), []);
  });
});

suite('dumpFile: atomic replacement', () => {
  const folder = join(dir, 'atomic');
  before(() => fs.mkdirSync(folder));

  test('an existing file keeps its permissions; a new one gets those of open()', async () => {
    for (const mode of [0o600, 0o640, 0o604]) {
      const path = join(folder, `mode-${mode.toString(8)}.pkl`);
      fs.writeFileSync(path, dumps('old'));
      fs.chmodSync(path, mode);
      await dumpFile(path, 'new');
      assert.equal(fs.statSync(path).mode & 0o777, mode);
      dumpFileSync(path, 'newer');
      assert.equal(fs.statSync(path).mode & 0o777, mode);
      assert.equal(await loadFile(path), 'newer');
    }
    // A file made by open() with 0o666 shows what the umask makes of it.
    const control = join(folder, 'control');
    fs.closeSync(fs.openSync(control, 'w', 0o666));
    const expected = fs.statSync(control).mode & 0o777;
    await dumpFile(join(folder, 'fresh.pkl'), 1);
    dumpFileSync(join(folder, 'fresh-sync.pkl'), 1);
    assert.equal(fs.statSync(join(folder, 'fresh.pkl')).mode & 0o777, expected);
    assert.equal(fs.statSync(join(folder, 'fresh-sync.pkl')).mode & 0o777, expected);
    // An explicit mode is exact, for new and existing files.
    await dumpFile(join(folder, 'fresh.pkl'), 2, { mode: 0o666 });
    assert.equal(fs.statSync(join(folder, 'fresh.pkl')).mode & 0o777, 0o666);
    dumpFileSync(join(folder, 'explicit.pkl'), 2, { mode: 0o600, fsync: false });
    assert.equal(fs.statSync(join(folder, 'explicit.pkl')).mode & 0o777, 0o600);
    assert.deepEqual(tempFiles(folder), []);
  });

  test('concurrent saves of one file: the last rename wins, each file whole', async () => {
    const path = join(folder, 'race.pkl');
    const values = Array.from({ length: 20 }, (_, i) => ({ writer: i, data: 'x'.repeat(10000 * (i + 1)) }));
    await Promise.all(values.map((v) => dumpFile(path, v)));
    const loaded = (await loadFile(path)) as { writer: number; data: string };
    assert.deepEqual(loaded, values[loaded.writer]);
    assert.deepEqual(tempFiles(folder), []);
  });

  test('a symbolic link stays a link, and the file it leads to is replaced', async () => {
    const real = join(folder, 'real.pkl');
    const link = join(folder, 'link.pkl');
    fs.writeFileSync(real, dumps('old'));
    fs.chmodSync(real, 0o600);
    fs.symlinkSync('real.pkl', link);
    await dumpFile(link, 'through the link');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(await loadFile(real), 'through the link');
    assert.equal(fs.statSync(real).mode & 0o777, 0o600);
    dumpFileSync(link, 'sync through the link');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(loadFileSync(real), 'sync through the link');
    // A link to a file that does not exist yet creates that file, as open() does.
    const dangling = join(folder, 'dangling.pkl');
    fs.symlinkSync('created-through-link.pkl', dangling);
    await dumpFile(dangling, 'created');
    assert.ok(fs.lstatSync(dangling).isSymbolicLink());
    assert.equal(await loadFile(join(folder, 'created-through-link.pkl')), 'created');
    assert.deepEqual(tempFiles(folder), []);
  });

  test('failures leave the target as it was and no temp file', async () => {
    const path = join(folder, 'keep.pkl');
    fs.writeFileSync(path, dumps('old'));
    await assert.rejects(dumpFile(path, { f: () => 1 }), PicklingError);
    assert.throws(() => dumpFileSync(path, { f: () => 1 }), PicklingError);
    await assert.rejects(dumpAll(path, ['fine', { f: () => 1 }]), PicklingError);
    await assert.rejects(
      writeAtomic(
        path,
        dumps('new'),
        {},
        {
          afterWrite: () => {
            throw new Error('disk full');
          },
        },
      ),
      /disk full/,
    );
    assert.equal(await loadFile(path), 'old');
    // Renaming over a folder fails after the temp file was written.
    const folderTarget = join(folder, 'a-folder');
    fs.mkdirSync(folderTarget);
    await assert.rejects(dumpFile(folderTarget, 'x'), (e: { code?: string }) => typeof e.code === 'string');
    assert.throws(
      () => dumpFileSync(folderTarget, 'x'),
      (e: { code?: string }) => typeof e.code === 'string',
    );
    await assert.rejects(dumpFile(join(folder, 'no-such-folder', 'x.pkl'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(tempFiles(folder), []);
  });

  /** Runs the child until it prints a line starting with `expect`, kills it with SIGKILL, returns that line. */
  async function killWhile(target: string, step: string, bytes: number, expect: string): Promise<string[]> {
    const child = spawn(
      process.execPath,
      [...tsScript(join(ROOT, 'test/support/node-child.ts')), target, step, String(bytes)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BRINE_PYTHON: PYTHON } },
    );
    const exited = once(child, 'exit');
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        out += text;
        const found = out.split('\n').find((l) => l.startsWith(expect));
        if (found !== undefined) resolve(found);
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before "${expect}": ${out}`)));
    });
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    assert.equal(code, null);
    assert.equal(signal, 'SIGKILL');
    return line.split(' ');
  }

  test('a process killed half-way through writing leaves the old file whole', async () => {
    const path = join(folder, 'killed-mid.pkl');
    fs.writeFileSync(path, dumps({ marker: 'old' }));
    const [, temp, written, total] = await killWhile(path, 'mid-write', 8 << 20, 'mid');
    assert.ok(fs.existsSync(temp!), 'the temp file was being written');
    assert.ok(fs.statSync(temp!).size < Number(total), `temp holds ${written} of ${total} bytes`);
    assert.deepEqual(await loadFile(path), { marker: 'old' });
    fs.rmSync(temp!);
  });

  test('a process killed after the temp file was synced, before the rename, leaves the old file', async () => {
    const path = join(folder, 'killed-rename.pkl');
    fs.writeFileSync(path, dumps({ marker: 'old' }));
    const [, temp, total] = await killWhile(path, 'before-rename', 1 << 20, 'rename');
    assert.equal(fs.statSync(temp!).size, Number(total));
    assert.deepEqual(await loadFile(path), { marker: 'old' });
    fs.rmSync(temp!);
  });

  test('a process killed at any point of dumpFile leaves the old file or the new one, whole', async () => {
    const path = join(folder, 'killed-any.pkl');
    fs.writeFileSync(path, dumps({ marker: 'old' }));
    await killWhile(path, 'plain', 32 << 20, 'start');
    const value = (await loadFile(path)) as { marker: string; payload?: Uint8Array };
    assert.ok(value.marker === 'old' || (value.marker === 'new' && value.payload?.length === 32 << 20));
    for (const name of tempFiles(folder)) fs.rmSync(join(folder, name));
  });
});

suite('loadFile', () => {
  test('reads the first pickle and ignores what follows, as pickle.load does', async () => {
    const data = fs.readFileSync(file('garbage.pkl'));
    const first = loads(data);
    assertSame(first, manifest.garbage.values[0]!, 'first');
    assertSame(await loadFile(file('garbage.pkl')), manifest.garbage.values[0]!, 'loadFile');
    const cut = join(dir, 'cut.pkl');
    const whole = dumps({ list: [1, 2, 3], text: 'abc' });
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 5));
    await assert.rejects(loadFile(cut), (e: unknown) => e instanceof UnpicklingError && e.truncated);
  });
});
