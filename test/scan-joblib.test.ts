/**
 * The scanner on scikit-learn and joblib files: every committed model (each
 * pickle protocol, each joblib compressor) is safe; gadgets inside compressed
 * pickles, inside joblib files (after raw arrays, inside object arrays, in
 * array bytes that pickle.load takes for opcodes) are dangerous; bombs and
 * truncated compressed data are malformed. The gadget files are written by
 * scripts/make-scan-joblib-fixtures.py with joblib and numpy.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { dumps } from '../src/index.js';
import { isSklearnDataClass } from '../src/joblib/index.js';
import { NUMPY_SCAN } from '../src/numpy/scan.js';
import { PYTHON_SCAN, rateGlobal } from '../src/tools/gadgets.js';
import { scan } from '../src/tools/scan.js';
import { seed as seedOr } from './support/budget.js';
import { inProcessCli } from './support/cli-run.js';
import { failWithSeed } from './support/fast-check.js';
import { ROOT } from './support/python.js';
import { cliScript } from './support/ts-script.js';

const SKLEARN = join(ROOT, 'test', 'fixtures', 'sklearn');
const SCAN = join(ROOT, 'test', 'fixtures', 'scan');
const cli = await inProcessCli(fileURLToPath(import.meta.resolve('../src/cli.js')));
const read = (dir: string, name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
const messages = (r: ReturnType<typeof scan>): string =>
  r.findings.map((f) => `${f.severity}: ${f.message}`).join('\n');

describe('scan: scikit-learn and joblib files', () => {
  const models = readdirSync(SKLEARN).filter((n) => !n.endsWith('.json'));

  it('every committed model and array file is safe (each protocol, each compressor)', () => {
    assert.ok(models.length >= 70, `${models.length} fixtures`);
    for (const name of models) {
      const r = scan(read(SKLEARN, name));
      assert.equal(r.verdict, 'safe', `${name}\n${messages(r)}`);
      if (name.includes('.joblib')) {
        assert.match(messages(r), /joblib stream: the raw data of [1-9]\d* array/, name);
      }
      if (/\.(gzip|bz2|xz|lzma|zlib)$/.test(name)) assert.match(messages(r), /-compressed \(\d+ bytes/, name);
    }
  });

  it('without the joblib library, a joblib file with arrays is not safe (the skip is what makes it so)', () => {
    const r = scan(read(SKLEARN, 'LinearRegression.joblib'), { libraries: [PYTHON_SCAN, NUMPY_SCAN] });
    assert.notEqual(r.verdict, 'safe');
  });

  it('a gadget in a compressed pickle is dangerous, for every compressor', () => {
    for (const ext of ['gz', 'bz2', 'xz', 'lzma', 'zlib']) {
      const r = scan(read(SCAN, `gadget.pkl.${ext}`));
      assert.equal(r.verdict, 'dangerous', ext);
      assert.match(messages(r), /posix\.system/, ext);
    }
    assert.equal(scan(read(SCAN, 'data.pkl.gz')).verdict, 'safe');
  });

  it('a gadget after raw arrays in a joblib file is dangerous, compressed or not', () => {
    for (const name of ['gadget.joblib', 'gadget.joblib.gz', 'gadget.joblib.xz']) {
      const r = scan(read(SCAN, name));
      assert.equal(r.verdict, 'dangerous', name);
      assert.match(messages(r), /^dangerous: posix\.system/m, name);
    }
  });

  it('a gadget inside an object array (a pickle in the stream) is dangerous; plain objects are safe', () => {
    const r = scan(read(SCAN, 'gadget-object-array.joblib'));
    assert.equal(r.verdict, 'dangerous');
    assert.match(messages(r), /object array pickle at \d+: posix\.system/);
    assert.equal(scan(read(SCAN, 'object-array.joblib')).verdict, 'safe');
  });

  it('array bytes that spell a gadget: data to joblib.load; dangerous when pickle.load reads them as opcodes', () => {
    // With joblib 1.2's padding byte first, pickle.load stops at it: the bytes are never opcodes.
    assert.equal(scan(read(SCAN, 'opcodes-as-data.joblib')).verdict, 'safe');
    const r = scan(read(SCAN, 'polyglot.nopad.joblib'));
    assert.equal(r.verdict, 'dangerous');
    assert.match(
      messages(r),
      /read by pickle\.load, which takes the arrays' raw bytes for opcodes: posix\.system/,
    );
  });

  it('a decompression bomb is malformed, bounded by maxEntrySize', () => {
    const bomb = gzipSync(new Uint8Array(8 << 20));
    assert.ok(bomb.length < 64 << 10);
    const r = scan(bomb, { maxEntrySize: 1 << 20 });
    assert.equal(r.verdict, 'malformed');
    assert.match(messages(r), /decompresses to more than 1048576 bytes/);
  });

  it('truncated compressed data is malformed, for every compressor', () => {
    for (const name of [
      'gadget.pkl.gz',
      'gadget.pkl.bz2',
      'gadget.pkl.xz',
      'gadget.pkl.lzma',
      'gadget.pkl.zlib',
      'gadget.joblib.gz',
    ]) {
      const data = read(SCAN, name);
      for (const cut of [Math.floor(data.length / 2), data.length - 1]) {
        const r = scan(data.subarray(0, cut));
        assert.ok(
          r.verdict === 'malformed' || r.verdict === 'dangerous',
          `${name} cut at ${cut}: ${r.verdict}`,
        );
        assert.match(messages(r), /^malformed: /m, `${name} cut at ${cut}`);
      }
    }
  });

  it('a joblib file cut inside its array data is not safe', () => {
    const data = read(SKLEARN, 'LinearRegression.joblib');
    for (const cut of [300, 500, data.length - 10]) {
      const r = scan(data.subarray(0, cut));
      assert.notEqual(r.verdict, 'safe', `cut at ${cut}`);
    }
  });

  it('mutated joblib files (raw and compressed) are scanned without an exception', () => {
    const inputs = ['LinearRegression.joblib', 'Pipeline.joblib', 'LinearRegression.joblib.gzip'].map((n) =>
      read(SKLEARN, n),
    );
    const seed = seedOr(Date.now() % 1_000_000);
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: inputs.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.nat(),
          (which, flips, cut) => {
            const data = inputs[which]!.slice();
            for (const [at, byte] of flips) data[at % data.length] = byte;
            const input = cut % 4 === 0 ? data.subarray(0, cut % data.length) : data;
            const r = scan(input, { maxEntrySize: 1 << 22 });
            assert.ok(['safe', 'review', 'dangerous', 'malformed'].includes(r.verdict));
          },
        ),
        { seed, numRuns: 150 },
      );
    } catch (error) {
      failWithSeed(error, seed);
    }
  });

  it("a pickle that only spells the wrapper's name has no array to skip", () => {
    const r = scan(dumps({ s: 'NumpyArrayWrapper' }));
    assert.equal(r.verdict, 'safe');
    assert.match(messages(r), /the raw data of 0 array\(s\)/);
  });
});

describe('scan: the scikit-learn and joblib rules', () => {
  const cases: [string, string, 'safe' | 'review' | 'dangerous'][] = [
    ['sklearn.linear_model._base', 'LinearRegression', 'safe'],
    ['sklearn.tree._tree', 'Tree', 'safe'],
    ['sklearn.pipeline', 'Pipeline', 'safe'],
    ['joblib.numpy_pickle', 'NumpyArrayWrapper', 'safe'],
    ['joblib', 'load', 'dangerous'],
    ['joblib.memory', 'Memory', 'dangerous'],
    ['joblib', 'Parallel', 'dangerous'],
    ['sklearn.utils._joblib', 'Memory', 'dangerous'],
    ['sklearn.datasets', 'fetch_openml', 'dangerous'],
    ['sklearn.datasets._base', 'RemoteFileMetadata', 'dangerous'],
    ['sklearn.utils._testing', 'TempMemmap', 'dangerous'],
    ['sklearn.externals._packaging.version', 'Version', 'dangerous'],
    ['sklearn.utils', 'check_array', 'review'],
    ['sklearn.utils.discovery', 'Path', 'dangerous'],
    ['sklearn.utils._available_if', 'MethodType', 'dangerous'],
    ['sklearn.tree._export', 'StringIO', 'dangerous'],
    ['sklearn.tree.tests.test_tree', 'Evil', 'review'],
  ];
  for (const [module, name, severity] of cases) {
    it(`${module}.${name} is ${severity}`, () => {
      assert.equal(rateGlobal(module, name).severity, severity);
    });
  }

  it('the rule matches the predicate of the joblib folder', () => {
    assert.equal(isSklearnDataClass('sklearn.linear_model._base', 'LinearRegression'), true);
    assert.equal(isSklearnDataClass('sklearn.utils', '__getattr__'), false);
  });
});

describe('brine show and scan on compressed and joblib files', () => {
  // The command of src/ run in this process (test/support/cli-run.ts); standard input needs a process of its own.
  const brine = (args: string[]) => cli(args, ROOT);

  it('show prints a compressed joblib model and a gzipped pickle', () => {
    const r = brine(['show', join(SKLEARN, 'LinearRegression.joblib.xz'), join(SCAN, 'data.pkl.gz')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /sklearn\.linear_model\._base\.LinearRegression/);
    assert.match(r.stdout, /'coef_': array\(\[/);
    assert.match(r.stdout, /\{'a': \[1, 2\.5, 'x'\]\}/);
  });

  it('show of a bad compressed file is one error line, exit 65', () => {
    const data = read(SCAN, 'gadget.pkl.gz');
    const r = spawnSync(process.execPath, [...cliScript(), 'show', '-'], {
      cwd: ROOT,
      input: data.subarray(0, 40),
      encoding: 'utf8',
    });
    assert.equal(r.status, 65);
    assert.match(r.stderr, /gzip/);
  });

  it('scan finds compressed pickles in a directory and rates them', () => {
    const r = brine(['scan', SCAN]);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /gadget\.pkl\.gz: dangerous/);
    assert.match(r.stdout, /data\.pkl\.gz: safe/);
  });
});
