/**
 * The decompressors against python3's zlib, gzip, bz2 and lzma modules: every
 * level and check type, concatenated members and streams, random data, then
 * truncation, mutation (fast-check: a mutated input gives a
 * DecompressionError or, where the format has a checksum, the original
 * bytes) and decompression bombs (refused at maxOutput).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isPickleError } from '../src/errors.js';
import {
  bunzip2,
  type CompressionFormat,
  crc64,
  DecompressionError,
  decompress,
  gunzip,
  inflateRaw,
  sha256,
  sniffCompression,
  unlzma,
  unxz,
  zlibDecompress,
} from '../src/formats/compress/index.js';
import { runs, seed, size } from './support/budget.js';
import { fromHex, runPython } from './support/python.js';

const SEED = seed(Date.now() % 1_000_000);

interface Case {
  name: string;
  format: CompressionFormat;
  data: Uint8Array;
  expect: Uint8Array;
}

const CORPUS_PY = String.raw`
import bz2, gzip, io, json, lzma, os, random, sys, zlib
random.seed(7)
def rnd(n): return bytes(random.getrandbits(8) for _ in range(n))
words = [rnd(random.randint(1, 8)) for _ in range(300)]
text = b' '.join(random.choice(words) for _ in range(30000))[:120000]
datasets = {
  'empty': b'', 'one': b'x', 'random': rnd(40000), 'text': text, 'zeros': bytes(100000),
  'mixed': rnd(3000) + b'abc' * 10000 + rnd(5000) + bytes(30000),
}
cases = []
# Each distinct expected output is sent once; a case names it by its index.
expects = {}
def add(name, fmt, data, expect): cases.append([name, fmt, data.hex(), expects.setdefault(expect, len(expects))])
for dn, d in datasets.items():
  for level in range(10):
    add(f'zlib-{dn}-{level}', 'zlib', zlib.compress(d, level), d)
    add(f'gzip-{dn}-{level}', 'gzip', gzip.compress(d, compresslevel=level, mtime=0), d)
  for level in range(1, 10):
    add(f'bz2-{dn}-{level}', 'bz2', bz2.compress(d, level), d)
  for preset in (list(range(10)) + [6 | lzma.PRESET_EXTREME]) if dn in ('text', 'mixed') else (0, 6):
    add(f'xz-{dn}-{preset}', 'xz', lzma.compress(d, preset=preset), d)
  for check in ['CHECK_NONE', 'CHECK_CRC32', 'CHECK_CRC64', 'CHECK_SHA256']:
    add(f'xz-{dn}-{check}', 'xz', lzma.compress(d, check=getattr(lzma, check)), d)
  add(f'lzma-{dn}', 'lzma', lzma.compress(d, format=lzma.FORMAT_ALONE), d)
  for wbits in (9, 12, 15):
    c = zlib.compressobj(6, zlib.DEFLATED, -wbits); add(f'deflate-{dn}-{wbits}', 'deflate', c.compress(d) + c.flush(), d)
    c = zlib.compressobj(6, zlib.DEFLATED, wbits); add(f'zlibw-{dn}-{wbits}', 'zlib', c.compress(d) + c.flush(), d)
  for strategy in ('Z_FILTERED', 'Z_HUFFMAN_ONLY', 'Z_RLE', 'Z_FIXED'):
    c = zlib.compressobj(9, zlib.DEFLATED, 15, 9, getattr(zlib, strategy)); add(f'zlib-{dn}-{strategy}', 'zlib', c.compress(d) + c.flush(), d)
t, r, m = datasets['text'], datasets['random'], datasets['mixed']
add('gzip-members', 'gzip', gzip.compress(t[:1000]) + gzip.compress(b'') + gzip.compress(r), t[:1000] + r)
add('gzip-zero-padding', 'gzip', gzip.compress(t[:500]) + bytes(7) + gzip.compress(t[:9]) + bytes(3), t[:500] + t[:9])
b = io.BytesIO()
with gzip.GzipFile(filename='data.pkl', mode='wb', fileobj=b, mtime=12345) as f: f.write(m)
add('gzip-fname', 'gzip', b.getvalue(), m)
# A header with every optional field (extra, name, comment, header CRC), assembled by hand.
hdr = b'\x1f\x8b\x08' + bytes([4 | 8 | 16 | 2]) + bytes(4) + b'\x00\xff' + b'\x04\x00abcd' + b'name\x00' + b'comment\x00'
hdr += (zlib.crc32(hdr) & 0xffff).to_bytes(2, 'little')
co = zlib.compressobj(6, zlib.DEFLATED, -15); body = co.compress(t[:777]) + co.flush()
add('gzip-all-fields', 'gzip', hdr + body + zlib.crc32(t[:777]).to_bytes(4, 'little') + (777).to_bytes(4, 'little'), t[:777])
add('bz2-streams', 'bz2', bz2.compress(t[:2000]) + bz2.compress(b'') + bz2.compress(r), t[:2000] + r)
add('bz2-big', 'bz2', bz2.compress(t + r + t + m, 1), t + r + t + m)
add('xz-streams', 'xz', lzma.compress(t[:2000]) + lzma.compress(r, check=lzma.CHECK_SHA256), t[:2000] + r)
add('xz-padding', 'xz', lzma.compress(t[:2000]) + bytes(8) + lzma.compress(m) + bytes(4), t[:2000] + m)
add('xz-trailing-garbage', 'xz', lzma.compress(t[:100]) + b'garbage!', t[:100])
for lc, lp, pb in ((0, 0, 0), (4, 0, 4), (0, 4, 2), (1, 3, 1)):
  f = [{'id': lzma.FILTER_LZMA2, 'preset': 6, 'lc': lc, 'lp': lp, 'pb': pb}]
  add(f'xz-lclppb-{lc}{lp}{pb}', 'xz', lzma.compress(m, filters=f), m)
  f = [{'id': lzma.FILTER_LZMA1, 'preset': 6, 'lc': lc, 'lp': lp, 'pb': pb}]
  add(f'lzma-lclppb-{lc}{lp}{pb}', 'lzma', lzma.compress(m, format=lzma.FORMAT_ALONE, filters=f), m)
# Big chunks: uncompressed LZMA2 chunks, chunks that reset state but keep the dictionary.
big = rnd(150000) + t + rnd(50000) + t
add('xz-big', 'xz', lzma.compress(big, preset=1), big)
sys.stdout.write(json.dumps({'cases': cases, 'expects': [e.hex() for e in expects]}))
`;

const corpus: Case[] = (() => {
  const out = JSON.parse(runPython(CORPUS_PY)) as {
    cases: [string, CompressionFormat, string, number][];
    expects: string[];
  };
  const expects = out.expects.map(fromHex);
  return out.cases.map(([name, format, data, expect]) => ({
    name,
    format,
    data: fromHex(data),
    expect: expects[expect]!,
  }));
})();
const byName = new Map(corpus.map((c) => [c.name, c]));
function get(name: string): Case {
  const c = byName.get(name);
  assert.ok(c, name);
  return c;
}

/** The parts one after the other, in a new array. */
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** Streams sniffCompression does not claim: zlib with a window under 32 KiB, .lzma with other than the default lc/lp/pb. */
function isUnsniffed(c: Case): boolean {
  return (c.name.startsWith('zlibw-') && !c.name.endsWith('-15')) || c.name.startsWith('lzma-lclppb-');
}

const decoders: Record<string, (d: Uint8Array, o?: { maxOutput?: number }) => Uint8Array> = {
  gzip: gunzip,
  zlib: zlibDecompress,
  deflate: inflateRaw,
  bz2: bunzip2,
  xz: unxz,
  lzma: unlzma,
};

describe('decompression agrees with python3', () => {
  test(`every case of the corpus (${corpus.length} streams)`, () => {
    assert.ok(corpus.length > 300);
    for (const c of corpus) {
      const out = decoders[c.format]!(c.data);
      assert.ok(equalBytes(out, c.expect), `${c.name}: ${out.length} bytes, want ${c.expect.length}`);
      if (c.format !== 'deflate') {
        // Streams sniffCompression does not claim: name the format.
        const viaDecompress = decompress(c.data, isUnsniffed(c) ? { format: c.format } : {});
        assert.ok(equalBytes(viaDecompress, c.expect), `${c.name} through decompress()`);
      }
    }
  });

  test('sniffCompression names every format, and no pickle', () => {
    for (const c of corpus) {
      if (c.format === 'deflate') continue;
      assert.equal(sniffCompression(c.data), isUnsniffed(c) ? undefined : c.format, c.name);
    }
    const pickles = runPython(
      `
import pickle, json
vals = [None, 1, 'abc', b'x', [1, 2], {'a': (1, 2)}, ('S',), [[]], 1.5]
print(json.dumps([pickle.dumps(v, p).hex() for v in vals for p in range(6)]))`,
    );
    for (const hex of JSON.parse(pickles) as string[])
      assert.equal(sniffCompression(fromHex(hex)), undefined, hex);
    assert.equal(sniffCompression(fromHex('28b52ffd0000')), 'zstd');
    assert.equal(sniffCompression(fromHex('04224d180000')), 'lz4');
    assert.equal(sniffCompression(new Uint8Array(0)), undefined);
  });

  test('zstd and lz4 are recognised, and refused with a message saying so', () => {
    for (const [hex, format] of [
      ['28b52ffd2000010000', 'zstd'],
      ['04224d1864400000', 'lz4'],
    ] as const) {
      assert.throws(
        () => decompress(fromHex(hex)),
        (e: unknown) =>
          e instanceof DecompressionError && e.format === format && /not supported/.test(e.message),
      );
    }
    assert.throws(() => decompress(new Uint8Array([0x80, 5, 0x2e])), DecompressionError);
  });

  test('random data of fast-check, compressed by python3 in every format', () => {
    const inputs = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 5000 }),
        fc
          .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 300 })), {
            maxLength: 40,
          })
          .map((runs) =>
            Uint8Array.from(runs.flatMap(([b, n]) => Array.from({ length: n }, () => [...b]).flat())),
          ),
      ),
      { numRuns: 60, seed: SEED },
    );
    const out = runPython(
      `
import bz2, gzip, json, lzma, sys, zlib
res = []
for hex in json.load(sys.stdin):
  d = bytes.fromhex(hex)
  c = zlib.compressobj(6, zlib.DEFLATED, -15)
  res.append([zlib.compress(d).hex(), gzip.compress(d).hex(), bz2.compress(d).hex(), lzma.compress(d).hex(),
              lzma.compress(d, format=lzma.FORMAT_ALONE).hex(), (c.compress(d) + c.flush()).hex()])
sys.stdout.write(json.dumps(res))`,
      [],
      JSON.stringify(inputs.map((i) => Buffer.from(i).toString('hex'))),
    );
    const formats = ['zlib', 'gzip', 'bz2', 'xz', 'lzma', 'deflate'];
    (JSON.parse(out) as string[][]).forEach((row, i) => {
      row.forEach((hex, j) => {
        const got = decoders[formats[j]!]!(fromHex(hex));
        assert.ok(equalBytes(got, inputs[i]!), `seed ${SEED}: ${formats[j]} of input ${i}`);
      });
    });
  });

  test('CRC-64 and SHA-256 match python3', () => {
    const vectors = JSON.parse(
      runPython(`
import hashlib, json, random
random.seed(3)
out = []
for n in (0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000, 100000):
  d = bytes(random.getrandbits(8) for _ in range(n))
  out.append([d.hex(), hashlib.sha256(d).hexdigest()])
print(json.dumps(out))`),
    ) as [string, string][];
    for (const [data, digest] of vectors) {
      assert.equal(Buffer.from(sha256(fromHex(data))).toString('hex'), digest);
    }
    // The check value of the CRC-64/XZ catalogue entry.
    assert.equal(
      Buffer.from(crc64(new TextEncoder().encode('123456789'))).toString('hex'),
      'fa3919dfbbc95d99',
    );
  });
});

describe('bad input', () => {
  const FAST = [
    'zlib-mixed-6',
    'gzip-mixed-6',
    'bz2-mixed-9',
    'xz-mixed-CHECK_CRC64',
    'xz-mixed-CHECK_CRC32',
    'xz-mixed-CHECK_SHA256',
    'xz-mixed-CHECK_NONE',
    'lzma-mixed',
    'deflate-mixed-15',
    'gzip-fname',
    'zlib-text-1',
    'zlib-mixed-Z_FIXED',
  ];

  test('every prefix is a DecompressionError, marked truncated when the input ended', () => {
    for (const name of FAST) {
      const c = get(name);
      const step = Math.max(1, Math.floor(c.data.length / 150));
      for (let n = 0; n < c.data.length; n += n < 64 ? 1 : step) {
        const cut = c.data.subarray(0, n);
        try {
          decoders[c.format]!(cut);
          assert.fail(`${name}: prefix of ${n} bytes decoded`);
        } catch (error) {
          assert.ok(error instanceof DecompressionError, `${name}[:${n}]: ${String(error)}`);
          assert.ok(isPickleError(error));
          if (error.offset !== undefined)
            assert.ok(error.offset >= 0 && error.offset <= n, `${name}[:${n}] offset`);
          if (n > 20) assert.ok(error.truncated, `${name}[:${n}]: ${error.message} should say truncated`);
        }
      }
    }
  });

  test('mutations give a DecompressionError or, under a checksum, the original bytes', () => {
    const checked = new Set(['zlib', 'gzip', 'bz2']);
    for (const name of FAST) {
      const c = get(name);
      const hasCheck = checked.has(c.format) || (c.format === 'xz' && !name.endsWith('NONE'));
      const mutation = fc.oneof(
        fc.record({
          kind: fc.constant('set' as const),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        fc.record({
          kind: fc.constant('flip' as const),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 7 }),
        }),
        fc.record({
          kind: fc.constant('delete' as const),
          at: fc.nat(),
          value: fc.integer({ min: 1, max: 16 }),
        }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
      );
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
          let d: Uint8Array = Uint8Array.from(c.data);
          for (const m of muts) {
            const at = m.at % (d.length + (m.kind === 'insert' ? 1 : 0));
            if (m.kind === 'set') d[at] = m.value;
            else if (m.kind === 'flip') d[at]! ^= 1 << m.value;
            else if (m.kind === 'delete') d = concat(d.subarray(0, at), d.subarray(at + m.value));
            else d = concat(d.subarray(0, at), Uint8Array.of(m.value), d.subarray(at));
          }
          try {
            const out = decoders[c.format]!(d, { maxOutput: 4 << 20 });
            if (hasCheck)
              assert.ok(equalBytes(out, c.expect), `${name}: mutated input decoded to other bytes`);
          } catch (error) {
            if (!(error instanceof DecompressionError)) throw error;
            if (error.offset !== undefined) assert.ok(error.offset >= 0 && error.offset <= d.length);
          }
        }),
        { numRuns: runs(100, 400), seed: SEED },
      );
    }
  });

  test('checksum mismatches are named', () => {
    const flipLast = (d: Uint8Array, back: number): Uint8Array => {
      const x = Uint8Array.from(d);
      x[x.length - back]! ^= 1;
      return x;
    };
    assert.throws(() => zlibDecompress(flipLast(get('zlib-text-6').data, 1)), /Adler-32/);
    assert.throws(() => gunzip(flipLast(get('gzip-text-6').data, 8)), /CRC-32/);
    assert.throws(() => gunzip(flipLast(get('gzip-text-6').data, 1)), /length/);
    // The last byte of a bzip2 stream may hold padding bits: flip one of the stream CRC.
    assert.throws(() => bunzip2(flipLast(get('bz2-text-9').data, 2)), /stream CRC/);
    const xz = get('xz-text-CHECK_SHA256').data;
    // The check sits just before the index, whose size the footer gives.
    const backward = (new DataView(xz.buffer, xz.byteOffset).getUint32(xz.length - 8, true) + 1) * 4;
    const broken = Uint8Array.from(xz);
    broken[xz.length - 12 - backward - 5]! ^= 1;
    assert.throws(() => unxz(broken), /SHA-256 check does not match/);
  });

  test('unsupported xz filters and garbage after streams', () => {
    const out = JSON.parse(
      runPython(`
import bz2, gzip, json, lzma
f = [{'id': lzma.FILTER_DELTA, 'dist': 4}, {'id': lzma.FILTER_LZMA2}]
print(json.dumps([lzma.compress(b'abcd' * 100, filters=f).hex(), (gzip.compress(b'a') + b'xyz').hex(), (bz2.compress(b'a') + b'xyz').hex()]))`),
    ) as string[];
    assert.throws(() => unxz(fromHex(out[0]!)), /filter delta is not supported/);
    assert.throws(() => gunzip(fromHex(out[1]!)), /not a gzip member/);
    assert.throws(() => bunzip2(fromHex(out[2]!)), /data after the last stream/);
    assert.ok(equalBytes(unxz(get('xz-trailing-garbage').data), get('xz-trailing-garbage').expect));
  });
});

describe('bombs', () => {
  // Zeros 16 times maxOutput (1 MiB) under \`npm test\`, 64 times under \`npm run fuzz\`; an output of
  // exactly maxOutput across several blocks and windows: 1 MiB, and 4 MiB under \`npm run fuzz\`.
  const zeros = size(16, 64);
  const exact = size(1, 4) << 20;
  const bombs = JSON.parse(
    runPython(`
import bz2, gzip, json, lzma, zlib
def all(z):
  c = zlib.compressobj(9, zlib.DEFLATED, -15)
  return {'zlib': zlib.compress(z, 9).hex(), 'gzip': gzip.compress(z, 9).hex(), 'bz2': bz2.compress(z, 9).hex(),
    'xz': lzma.compress(z).hex(), 'lzma': lzma.compress(z, format=lzma.FORMAT_ALONE).hex(), 'deflate': (c.compress(z) + c.flush()).hex()}
print(json.dumps([all(bytes(${zeros} << 20)), all(b'ab' * ${exact / 2})]))`),
  ) as [Record<string, string>, Record<string, string>];

  test(`${zeros} MiB of zeros refused at maxOutput, in every format`, () => {
    for (const [format, hex] of Object.entries(bombs[0])) {
      const data = fromHex(hex);
      assert.throws(
        () => decoders[format]!(data, { maxOutput: 1 << 20 }),
        (e: unknown) => e instanceof DecompressionError && e.tooLarge && /maxOutput/.test(e.message),
        format,
      );
    }
  });

  test('output of exactly maxOutput bytes is accepted, one byte less refused', () => {
    for (const [format, hex] of Object.entries(bombs[1])) {
      const data = fromHex(hex);
      assert.equal(decoders[format]!(data, { maxOutput: exact }).length, exact, format);
      assert.throws(() => decoders[format]!(data, { maxOutput: exact - 1 }), DecompressionError, format);
    }
  });

  test('an .lzma header that claims more than maxOutput is refused before decoding', () => {
    const d = Uint8Array.from(get('lzma-text').data);
    new DataView(d.buffer).setUint32(5, 0xfffffff0, true);
    new DataView(d.buffer).setUint32(9, 0, true);
    assert.throws(
      () => unlzma(d, { maxOutput: 1 << 20 }),
      (e: unknown) => e instanceof DecompressionError && e.tooLarge,
    );
  });

  test('bad maxOutput values are refused', () => {
    assert.throws(() => decompress(get('zlib-text-6').data, { maxOutput: -1 }), DecompressionError);
    assert.throws(() => decompress(get('zlib-text-6').data, { maxOutput: 1.5 }), DecompressionError);
  });
});
