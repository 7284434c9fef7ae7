// Decompression speed: brine's pure-TypeScript decoders against Node's zlib (native) and python3's
// zlib, gzip, bz2 and lzma modules, on the same data in the same run. Run after `npm run build`:
//   node bench/compress.mjs
import { execFileSync } from 'node:child_process';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decompress } from '../dist/index.js';

const py = String.raw`
import bz2, gzip, json, lzma, os, random, sys, time, zlib
random.seed(1)
words = [bytes(random.getrandbits(8) % 26 + 97 for _ in range(random.randint(2, 9))) for _ in range(2000)]
data = b' '.join(random.choice(words) for _ in range(1500000))[:8 << 20]
fmts = {'zlib': (lambda d: zlib.compress(d, 6), zlib.decompress), 'gzip': (lambda d: gzip.compress(d, 6), gzip.decompress),
        'bz2': (lambda d: bz2.compress(d, 9), bz2.decompress), 'xz': (lambda d: lzma.compress(d), lzma.decompress),
        'lzma': (lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE), lzma.decompress)}
out = {}
for name, (c, d) in fmts.items():
    comp = c(data)
    best = 1e9
    for _ in range(3):
        t = time.perf_counter(); d(comp); best = min(best, time.perf_counter() - t)
    open(os.path.join(sys.argv[1], name), 'wb').write(comp)
    out[name] = best
print(json.dumps({'size': len(data), 'python': out}))`;

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'brine-bench-'));
const { size, python } = JSON.parse(
  execFileSync('python3', ['-c', py, dir], { encoding: 'utf8', maxBuffer: 1 << 26 }),
);
const best = (fn) => {
  let b = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    fn();
    b = Math.min(b, (performance.now() - t) / 1000);
  }
  return b;
};
console.log(`${(size / 2 ** 20).toFixed(1)} MiB of text; best of 3; MB/s of output`);
console.log('format  brine    node     python   brine/node  brine/python');
for (const name of ['zlib', 'gzip', 'bz2', 'xz', 'lzma']) {
  const comp = new Uint8Array(readFileSync(join(dir, name)));
  const out = decompress(comp);
  if (out.length !== size) throw new Error(`${name}: wrong size`);
  const tb = best(() => decompress(comp));
  const tn =
    name === 'zlib' ? best(() => inflateSync(comp)) : name === 'gzip' ? best(() => gunzipSync(comp)) : NaN;
  const tp = python[name];
  const mbs = (t) => (Number.isNaN(t) ? '   -   ' : (size / t / 1e6).toFixed(0).padStart(7));
  console.log(
    `${name.padEnd(6)} ${mbs(tb)}  ${mbs(tn)}  ${mbs(tp)}   ${Number.isNaN(tn) ? '   -  ' : (tb / tn).toFixed(2).padStart(6)}x     ${(tb / tp).toFixed(2).padStart(6)}x`,
  );
}
rmSync(dir, { recursive: true, force: true });
