// `npm run bench:stream`: brine/node's streaming file functions on a pickle far
// bigger than what should be held in memory, with the time and the peak RSS of
// each phase (each runs in a process of its own, so each peak is its own).
//
//   npm run bench:stream -- [--size 2G] [--quick] [--dir /tmp] [--keep]
//
// Phases:
//   dumpAll   a stream of pickles (each a list of 1,000 JSON-like records,
//             about 100 KB), written by dumpAll from a generator that makes the
//             records as they are asked for: `size` bytes in all.
//   loadAll   the same file read back with loadAll, every record counted and
//             checked against what the generator made.
//   dumpFile  one pickle of `size` bytes: a list of records, each with a
//             64 KiB bytes payload (views of one shared buffer, so the value
//             itself is small), written by dumpFile as it is pickled.
//   check     the dumpFile pickle loaded whole and every record checked, when it
//             is at most 256 MiB (it is one value: loading it is not a streaming
//             case); for a bigger one its size and first and last bytes.
//
// The files are written with `fsync: false` (the page cache, not the disk, is
// measured) in --dir (default the OS temp folder) and deleted at the end unless
// --keep. Free space is checked first. Default size 2 GiB; --quick is 64 MiB.

import { spawnSync } from 'node:child_process';
import { rmSync, statfsSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BATCH = 1000;
const PAYLOAD = 64 * 1024;

const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    quick: { type: 'boolean', default: false },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    phase: { type: 'string' },
    file: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text);
  if (!m) throw new Error(`bad size ${text}: a number of bytes, or with K, M or G`);
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()];
  return Math.round(Number(m[1]) * scale);
}

/** The record number `i` of the stream of pickles. */
function record(i) {
  return {
    id: i,
    name: `user${i}`,
    score: i * 0.5,
    active: i % 3 === 0,
    tags: ['alpha', i % 2 === 0 ? 'even' : 'odd'],
    meta: { x: i * 3, y: null },
  };
}

function batch(b) {
  const items = new Array(BATCH);
  for (let j = 0; j < BATCH; j++) items[j] = record(b * BATCH + j);
  return items;
}

function report(result) {
  const maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ ...result, maxRss })}\n`);
}

async function phase(name, file, size) {
  const brine = await import(join(ROOT, 'dist/index.js'));
  const node = await import(join(ROOT, 'dist/node/index.js'));
  const batchBytes = brine.dumps(batch(0)).length;
  const batches = Math.max(1, Math.ceil(size / batchBytes));
  const t0 = performance.now();
  if (name === 'dumpAll') {
    function* batchesOf() {
      for (let b = 0; b < batches; b++) yield batch(b);
    }
    await node.dumpAll(file, batchesOf(), { fsync: false });
    return report({ ms: performance.now() - t0, bytes: statSync(file).size, records: batches * BATCH });
  }
  if (name === 'loadAll') {
    let n = 0;
    let sum = 0;
    for await (const items of node.loadAll(file, { highWaterMark: 1024 * 1024 })) {
      for (const r of items) {
        if (r.id !== n || r.name !== `user${n}`)
          throw new Error(`record ${n} is wrong: ${JSON.stringify(r)}`);
        sum += r.meta.x;
        n++;
      }
    }
    if (n !== batches * BATCH) throw new Error(`${n} records, expected ${batches * BATCH}`);
    return report({ ms: performance.now() - t0, bytes: statSync(file).size, records: n, sum });
  }
  if (name === 'dumpFile') {
    const shared = new Uint8Array(PAYLOAD * 4);
    for (let i = 0; i < shared.length; i++) shared[i] = (i * 31) & 0xff;
    const count = Math.max(1, Math.round(size / (PAYLOAD + 40)));
    const items = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = (i % 4) * PAYLOAD;
      items[i] = { id: i, payload: shared.subarray(at, at + PAYLOAD) };
    }
    const t1 = performance.now();
    await node.dumpFile(file, items, { fsync: false });
    return report({ ms: performance.now() - t1, bytes: statSync(file).size, records: count });
  }
  if (name === 'check') {
    // The dumpFile pickle is one value of `size` bytes: loaded whole (and every record checked)
    // only when it is small; else its first and last bytes and its size are checked.
    const bytes = statSync(file).size;
    const count = Math.max(1, Math.round(size / (PAYLOAD + 40)));
    if (bytes < count * PAYLOAD) throw new Error(`the pickle has ${bytes} bytes, fewer than its payloads`);
    if (bytes <= 256 * 1024 * 1024) {
      const items = await node.loadFile(file);
      if (items.length !== count) throw new Error(`${items.length} records, expected ${count}`);
      for (let i = 0; i < count; i++) {
        const { id, payload } = items[i];
        const at = (i % 4) * PAYLOAD;
        if (id !== i || payload.length !== PAYLOAD || payload[0] !== ((at * 31) & 0xff))
          throw new Error(`record ${i} is wrong`);
      }
    } else {
      const { open } = await import('node:fs/promises');
      const handle = await open(file, 'r');
      try {
        const head = new Uint8Array(2);
        await handle.read(head, 0, 2, 0);
        const tail = new Uint8Array(1);
        await handle.read(tail, 0, 1, bytes - 1);
        if (head[0] !== 0x80 || head[1] !== 5 || tail[0] !== 0x2e) throw new Error('not a protocol 5 pickle');
      } finally {
        await handle.close();
      }
    }
    return report({ ms: performance.now() - t0, bytes });
  }
  throw new Error(`unknown phase ${name}`);
}

function mb(n) {
  return `${(n / 1024 / 1024).toFixed(0)} MiB`;
}

async function main() {
  if (values.help) {
    console.log('usage: npm run bench:stream -- [--size 2G] [--quick] [--dir /tmp] [--keep]');
    return;
  }
  const size = values.size ? parseSize(values.size) : values.quick ? 64 * 1024 ** 2 : 2 * 1024 ** 3;
  if (values.phase) return phase(values.phase, values.file, size);

  const dir = values.dir ?? os.tmpdir();
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  // Two files of `size` bytes exist at once at most (the stream, then the single pickle after it is deleted).
  if (free < size * 1.5) {
    console.error(`${dir} has ${mb(free)} free, and this needs about ${mb(size * 1.5)}: use --dir or --size`);
    process.exit(2);
  }
  console.log(
    `brine streaming bench: ${mb(size)} per file in ${dir} (${mb(free)} free), Node ${process.version}`,
  );
  const files = [
    join(dir, `brine-stream-${process.pid}-many.pkl`),
    join(dir, `brine-stream-${process.pid}-one.pkl`),
  ];
  const rows = [];
  try {
    for (const [name, file] of [
      ['dumpAll', files[0]],
      ['loadAll', files[0]],
      ['dumpFile', files[1]],
      ['check', files[1]],
    ]) {
      if (name === 'dumpFile' && !values.keep) rmSync(files[0], { force: true });
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--phase', name, '--file', file, '--size', String(size)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
      );
      if (child.status !== 0) throw new Error(`phase ${name} failed (status ${child.status})`);
      const r = JSON.parse(child.stdout.trim().split('\n').pop());
      if (name === 'check') continue;
      rows.push({ name, ...r });
      const rate = r.bytes / 1024 / 1024 / (r.ms / 1000);
      console.log(
        `${name.padEnd(9)} ${mb(r.bytes).padStart(9)}  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${rate.toFixed(0).padStart(5)} MiB/s  peak RSS ${mb(r.maxRss)}  (${r.records} records)`,
      );
    }
  } finally {
    if (!values.keep) for (const file of files) rmSync(file, { force: true });
  }
  console.log(
    '\ndumpAll and loadAll: a file of consecutive pickles (each a list of 1,000 records);' +
      '\ndumpFile: one pickle, a list of records with 64 KiB bytes payloads, written as it is pickled.',
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
