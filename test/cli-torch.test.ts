/**
 * `brine show` and `brine convert` on PyTorch and safetensors files, run as
 * a user runs them (the built dist/cli.js, in this process: see
 * test/support/cli-run.ts), checked against the values
 * torch computed for the committed fixtures (test/fixtures/torch/expected.json)
 * and, where torch is installed, against torch.load itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dumpTorch } from '../src/torch/dump.js';
import { loadTorch } from '../src/torch/load.js';
import { loadSafetensors } from '../src/torch/safetensors.js';
import { Storage, Tensor } from '../src/torch/tensor.js';
import { inProcessCli } from './support/cli-run.js';
import { hasPythonModules, PYTHON, ROOT } from './support/python.js';

const CLI = join(ROOT, 'dist', 'cli.js');
const FIXTURES = fileURLToPath(new URL('fixtures/torch/', import.meta.url));
const DIR = mkdtempSync(join(tmpdir(), 'brine-cli-torch-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
const fx = (name: string): string => join(FIXTURES, name);
const f = (name: string): string => join(DIR, name);

const expected = JSON.parse(readFileSync(fx('expected.json'), 'utf8')) as {
  values: Record<string, unknown>;
  safetensors: Record<string, { tensor: ExpectedTensor }>;
};
interface ExpectedTensor {
  dtype: string;
  shape: number[];
  values: unknown;
  storage: number;
  storage_numel: number;
}

const SYSTEM_PYTHON = '/usr/bin/python3';
const TORCH = existsSync(SYSTEM_PYTHON) && hasPythonModules(SYSTEM_PYTHON, ['torch']);
const NO_TORCH = TORCH ? false : `torch is not installed for ${SYSTEM_PYTHON}: torch.load checks skipped`;
if (!TORCH) console.log(`# SKIPPED: ${NO_TORCH}`);

const inProcess = existsSync(CLI) ? await inProcessCli(CLI) : undefined;

function brine(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(inProcess !== undefined, 'dist/cli.js is missing: build first (npm run build)');
  return inProcess(args, DIR);
}

/** A value as tensorRepr prints it (Python's list repr of a float or an int). */
function pyValue(v: unknown, float: boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    const text = String(v);
    return float && Number.isInteger(v) && !/e/.test(text) ? (Object.is(v, -0) ? '-0.0' : `${text}.0`) : text;
  }
  if (v !== null && typeof v === 'object' && 'float' in v) return String((v as { float: string }).float);
  if (v !== null && typeof v === 'object' && 'int' in v) return String((v as { int: string }).int);
  return String(v);
}

/** The text `tensor(...)` torch's values give, first 6 values shown. */
function expectedRepr(t: ExpectedTensor): string {
  const flat = [t.values].flat(Number.POSITIVE_INFINITY) as unknown[];
  const float = /^(float|bfloat)/.test(t.dtype);
  const shown = flat.slice(0, 6).map((v) => pyValue(v, float));
  const more = flat.length > 6 ? ', ...' : '';
  return `tensor(dtype=${t.dtype}, shape=[${t.shape.join(', ')}], values=[${shown.join(', ')}${more}])`;
}

const SIZE: Record<string, number> = { float32: 4, float64: 8, int64: 8, float16: 2, bfloat16: 2 };
const stateDict = (expected.values.state_dict as { ordered_dict: [string, { tensor: ExpectedTensor }][] })
  .ordered_dict;

describe('brine show of a PyTorch checkpoint', () => {
  test('prints the state_dict as pprint would, each tensor with the dtype, shape and values torch saved', () => {
    const r = brine(['show', fx('state_dict.pt')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^OrderedDict\(\[\('0\.weight',/);
    assert.equal(stateDict.length, 4);
    for (const [name, { tensor }] of stateDict) {
      const at = r.stdout.indexOf(`('${name}',`);
      assert.ok(at >= 0, `${name} is printed`);
      const rest = r.stdout.slice(at + name.length + 4).trimStart();
      assert.ok(rest.startsWith(expectedRepr(tensor)), `${name}: ${rest.slice(0, 200)}`);
    }
  });

  test('--tensors lists every tensor by state_dict name with dtype, shape and bytes, and the total', () => {
    const r = brine(['show', '--tensors', fx('state_dict.pt')]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0]!.split(/\s+/), ['name', 'dtype', 'shape', 'bytes']);
    let total = 0;
    let numel = 0;
    stateDict.forEach(([name, { tensor }], i) => {
      const n = tensor.shape.reduce((a, b) => a * b, 1);
      const bytes = n * SIZE[tensor.dtype]!;
      total += bytes;
      numel += n;
      const cells = lines[i + 1]!.split(/ {2,}/).map((c) => c.trim());
      assert.deepEqual(cells, [name, tensor.dtype, `[${tensor.shape.join(', ')}]`, String(bytes)]);
    });
    assert.equal(lines.at(-1), `total: 4 tensors, ${numel} elements, ${total} bytes`);
    const json = JSON.parse(brine(['show', '--tensors', '--json', fx('state_dict.pt')]).stdout);
    assert.deepEqual(json.total, { tensors: 4, numel, nbytes: total });
    assert.deepEqual(
      json.tensors.map((t: { name: string }) => t.name),
      stateDict.map(([n]) => n),
    );
  });

  test('--tensors names nested entries by their path and counts a shared storage once', () => {
    const r = JSON.parse(brine(['show', '--tensors', '--json', fx('checkpoint.pt')]).stdout);
    assert.ok(r.tensors.some((t: { name: string }) => t.name === 'model.0.weight'));
    assert.ok(r.tensors.some((t: { name: string }) => t.name === 'optimizer.state.0.momentum_buffer'));
    const views = JSON.parse(brine(['show', '--tensors', '--json', fx('views.pt')]).stdout);
    const sum = views.tensors.reduce((a: number, t: { nbytes: number }) => a + t.nbytes, 0);
    assert.ok(views.total.nbytes < sum, 'views of one storage count it once');
  });

  test('the legacy format prints too; TorchScript and the tar layout are one line each', () => {
    const legacy = brine(['show', fx('legacy.pt')]);
    assert.equal(legacy.status, 0, legacy.stderr);
    assert.match(legacy.stdout, /'a': tensor\(dtype=int64, shape=\[2, 3\], values=\[0, 1, 2, 3, 4, 5\]\)/);
    const ts = brine(['show', fx('torchscript.pt')]);
    assert.equal(ts.status, 65);
    assert.equal(ts.stderr.split('\n').length, 2);
    assert.match(ts.stderr, /TorchScript/);
    spawnSync(PYTHON, [
      '-c',
      'import tarfile, io, sys\nwith tarfile.open(sys.argv[1], "w") as t:\n  b = b"\\x80\\x02K\\x01."\n  i = tarfile.TarInfo("pickle"); i.size = len(b); t.addfile(i, io.BytesIO(b))',
      f('old.tar.pt'),
    ]);
    const tar = brine(['show', f('old.tar.pt')]);
    assert.equal(tar.status, 65);
    assert.match(
      tar.stderr,
      /^brine: .*old\.tar\.pt: a torch <= 0\.1\.10 checkpoint \(tar layout\)[^\n]*\n$/,
    );
  });

  test('a tensor over a storage larger than the bound prints without values, the others with', () => {
    const big = new Uint8Array(17 * 2 ** 20).fill(7);
    const storage = new Storage({ dtype: 'uint8', nbytes: big.length, bytes: big });
    writeFileSync(
      f('big.pt'),
      dumpTorch(
        new Map<string, unknown>([
          ['big', new Tensor({ storage, shape: [big.length] })],
          ['small', Tensor.from([1, 2])],
        ]),
      ),
    );
    const r = brine(['show', f('big.pt')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /'big': tensor\(dtype=uint8, shape=\[17825792\]\)/);
    assert.match(r.stdout, /'small': tensor\(dtype=int64, shape=\[2\], values=\[1, 2\]\)/);
  });

  test('a zip archive that is no checkpoint says so in one line', () => {
    spawnSync(PYTHON, [
      '-c',
      'import zipfile, sys\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("x.npy", b"\\x93NUMPY")',
      f('a.npz'),
    ]);
    const r = brine(['show', f('a.npz')]);
    assert.equal(r.status, 65);
    assert.match(r.stderr, /^brine: .*a\.npz: .*not a PyTorch checkpoint, such as a numpy \.npz[^\n]*\n$/);
  });

  test('--json without --tensors and --tensors on a plain pickle are refused in one line', () => {
    assert.equal(brine(['show', '--json', fx('state_dict.pt')]).status, 64);
    writeFileSync(f('plain.pkl'), new Uint8Array([0x80, 2, 0x4b, 1, 0x2e]));
    const r = brine(['show', '--tensors', f('plain.pkl')]);
    assert.equal(r.status, 65);
    assert.match(r.stderr, /--tensors needs a PyTorch or safetensors file/);
  });
});

describe('brine show of a safetensors file', () => {
  test('prints its tensors with the values torch wrote, and __metadata__', () => {
    const r = brine(['show', fx('model.safetensors')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\{'__metadata__': \{/);
    for (const [name, { tensor }] of Object.entries(expected.safetensors)) {
      if (tensor.dtype === 'bool') continue; // values print as True/False (checked below)
      assert.ok(
        r.stdout.includes(`'${name}': ${expectedRepr(tensor).replace(/\be\+?(\d)/g, 'e+$1')}`) ||
          r.stdout.includes(`'${name}': ${expectedRepr(tensor)}`),
        `${name}`,
      );
    }
    assert.match(
      r.stdout,
      /'bool': tensor\(dtype=bool, shape=\[2, 2\], values=\[True, False, False, True\]\)/,
    );
  });

  test('--tensors lists the header, with a total equal to the data the file holds', () => {
    const bytes = readFileSync(fx('model.safetensors'));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const json = JSON.parse(brine(['show', '--tensors', '--json', fx('model.safetensors')]).stdout);
    assert.equal(json.total.nbytes, statSync(fx('model.safetensors')).size - 8 - headerLength);
    assert.equal(json.tensors.length, Object.keys(expected.safetensors).length);
    for (const t of json.tensors) {
      const e = expected.safetensors[t.name]!.tensor;
      assert.equal(t.dtype, e.dtype);
      assert.deepEqual(t.shape, e.shape);
    }
    assert.equal(typeof json.metadata, 'object');
    const text = brine(['show', '--tensors', fx('model.safetensors')]).stdout;
    assert.match(
      text,
      new RegExp(`total: ${json.tensors.length} tensors, \\d+ elements, ${json.total.nbytes} bytes\\n$`),
    );
  });
});

describe('brine convert between .pt and safetensors', () => {
  test('pt -> safetensors -> pt keeps every tensor bit for bit', () => {
    for (const name of ['state_dict', 'dtypes', 'views', 'parameters', 'big_endian']) {
      const st = f(`${name}.safetensors`);
      const back = f(`${name}.back.pt`);
      const a = brine(['convert', fx(`${name}.pt`), '--to', 'safetensors', '-o', st]);
      assert.equal(a.status, 0, a.stderr);
      const b = brine(['convert', st, '--to', 'pt', '-o', back]);
      assert.equal(b.status, 0, b.stderr);
      const original = loadTorch(new Uint8Array(readFileSync(fx(`${name}.pt`))));
      const { tensors: originals } = (() => {
        const m = new Map<string, Tensor>();
        const walk = (v: unknown, path: string): void => {
          if (v instanceof Tensor) m.set(path, v);
          else if (v instanceof Map)
            for (const [k, x] of v) walk(x, path === '' ? String(k) : `${path}.${k}`);
          else if (Array.isArray(v))
            for (const [i, x] of v.entries()) walk(x, path === '' ? String(i) : `${path}.${i}`);
          else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
            for (const [k, x] of Object.entries(v)) walk(x, path === '' ? k : `${path}.${k}`);
        };
        walk(original, '');
        return { tensors: m };
      })();
      const loaded = loadSafetensors(new Uint8Array(readFileSync(st)));
      assert.equal(loaded.metadata.format, 'pt');
      const raw = loadTorch(new Uint8Array(readFileSync(back)));
      const reloaded =
        raw instanceof Map ? (raw as Map<string, Tensor>) : new Map(Object.entries(raw as object));
      assert.equal(loaded.tensors.size, originals.size, name);
      for (const [key, t] of originals) {
        const s = loaded.tensors.get(key);
        assert.ok(s !== undefined, `${name}: ${key}`);
        assert.equal(s.dtype, t.dtype);
        assert.deepEqual([...s.shape], [...t.shape]);
        const want = Buffer.from(toLittle(t));
        assert.ok(Buffer.from(s.contiguousBytes()).equals(want), `${name}: ${key} bytes`);
        const r = reloaded.get(key)!;
        assert.ok(
          Buffer.from(r.contiguousBytes()).equals(want),
          `${name}: ${key} bytes after the round trip`,
        );
      }
    }
  });

  test('torch.load reads the converted .pt file and its tensors equal the original', {
    skip: NO_TORCH,
  }, () => {
    const names = ['state_dict', 'dtypes', 'views', 'parameters'];
    const pairs: string[] = [];
    for (const name of names) {
      const st = f(`${name}.t.safetensors`);
      const back = f(`${name}.t.pt`);
      assert.equal(brine(['convert', fx(`${name}.pt`), '--to', 'safetensors', '-o', st]).status, 0);
      assert.equal(brine(['convert', st, '--to', 'pt', '-o', back]).status, 0);
      pairs.push(fx(`${name}.pt`), back);
    }
    // One python3 for the four pairs (importing torch costs more than the comparisons): a line per pair.
    const out = spawnSync(
      SYSTEM_PYTHON,
      [
        '-c',
        `import sys, torch
def flat(v, p=''):
    if isinstance(v, torch.Tensor): yield p, v
    elif isinstance(v, dict):
        for k, x in v.items(): yield from flat(x, f"{p}.{k}" if p else str(k))
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v): yield from flat(x, f"{p}.{i}" if p else str(i))
for original, converted in zip(sys.argv[1::2], sys.argv[2::2]):
    a = dict(flat(torch.load(original, weights_only=True)))
    b = torch.load(converted, weights_only=True)
    assert set(a) == set(b), (original, sorted(a), sorted(b))
    for k in a:
        x, y = a[k].detach(), b[k]
        same = torch.equal(x, y) or (x.is_floating_point() or x.is_complex()) and torch.allclose(x, y, rtol=0, atol=0, equal_nan=True)
        assert x.dtype == y.dtype and x.shape == y.shape and same, (original, k, x, y)
    print(len(a))`,
        ...pairs,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(out.status, 0, out.stderr);
    const counts = out.stdout.trim().split('\n').map(Number);
    assert.equal(counts.length, names.length, out.stdout);
    for (const [i, count] of counts.entries()) assert.ok(count > 0, `${names[i]}: ${count} tensors`);
  });

  test('strings go to __metadata__; any other value that is not a tensor is refused in one line', () => {
    writeFileSync(
      f('named.pt'),
      dumpTorch(
        new Map<string, unknown>([
          ['w', Tensor.from([1.5, 2.5])],
          ['note', 'run-1'],
        ]),
      ),
    );
    assert.equal(brine(['convert', f('named.pt'), '--to', 'safetensors', '-o', f('named.st')]).status, 0);
    const { tensors, metadata } = loadSafetensors(new Uint8Array(readFileSync(f('named.st'))));
    assert.deepEqual({ ...metadata }, { format: 'pt', note: 'run-1' });
    assert.deepEqual([...tensors.keys()], ['w']);
    const r = brine(['convert', fx('checkpoint.pt'), '--to', 'safetensors', '-o', f('ck.st')]);
    assert.equal(r.status, 65);
    assert.match(
      r.stderr,
      /^brine: .*checkpoint\.pt: "epoch", .* not a tensor or a string: safetensors holds only tensors[^\n]*\n$/,
    );
    assert.equal(existsSync(f('ck.st')), false, 'nothing is written');
    const wrong = brine(['convert', fx('state_dict.pt'), '--to', 'pt', '-o', f('x.pt')]);
    assert.equal(wrong.status, 65);
    assert.match(wrong.stderr, /not a safetensors file/);
  });
});

/** A tensor's bytes in C order, little-endian (what safetensors holds). */
function toLittle(t: Tensor): Uint8Array {
  return Tensor.from(t.toArray(), { dtype: t.dtype, shape: [...t.shape] }).contiguousBytes();
}
