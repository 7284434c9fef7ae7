/**
 * dumpTorch against the real torch: every fixture loaded by brine and dumped
 * again, and values built in JS, are loaded by `torch.load(weights_only=True)`
 * in one python process and compared with what torch itself loads from the
 * original (`torch.equal`, dtype, shape, stride, offset, Parameter and
 * requires_grad, which tensors share a storage, state_dict `_metadata`).
 * Without a python that has torch, those checks are skipped and say so; the
 * byte-level checks (a re-dump keeps every storage's bytes) always run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readZip, readZipEntry } from '../src/formats/zip.js';
import { dumpTorch } from '../src/torch/dump.js';
import { loadTorch } from '../src/torch/load.js';
import { Tensor } from '../src/torch/tensor.js';
import { PyOrderedDict } from '../src/types/collections.js';
import { tuple } from '../src/types/tuple.js';
import { hasPythonModules } from './support/python.js';
import { describeValue, expected, FIXTURES, fixture, inflateRaw } from './support/torch-fixtures.js';

/** A python3 with torch: `BRINE_TORCH_PYTHON`, else Debian's /usr/bin/python3, else none. */
const TORCH_PYTHON = (() => {
  for (const candidate of [process.env.BRINE_TORCH_PYTHON, '/usr/bin/python3', 'python3']) {
    if (candidate === undefined) continue;
    if (hasPythonModules(candidate, ['torch'])) return candidate;
  }
  return undefined;
})();
const NO_TORCH =
  'SKIPPED: no python3 with torch (set BRINE_TORCH_PYTHON): torch.load of brine output not checked';
if (TORCH_PYTHON === undefined) console.warn(`\n*** ${NO_TORCH} ***\n`);

const CHECK = `
import json, sys, torch, collections
def flat(obj, path, out):
    if isinstance(obj, torch.Tensor):
        out.append((path, obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            flat(v, path + [repr(k)], out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            flat(v, path + [i], out)
    return out
def raw(t):
    return bytes(t.detach().reshape(-1).contiguous().view(torch.uint8).tolist()) if t.numel() else b""
def strip(obj):
    if isinstance(obj, torch.Tensor): return "T"
    if isinstance(obj, collections.OrderedDict): return ["OD", [[k, strip(v)] for k, v in obj.items()], strip(dict(getattr(obj, "_metadata", {}) or {}))]
    if isinstance(obj, dict): return ["D", [[repr(k), strip(v)] for k, v in obj.items()]]
    if isinstance(obj, tuple): return ["U", [strip(v) for v in obj]]
    if isinstance(obj, list): return ["L", [strip(v) for v in obj]]
    return repr(obj)
def compare(a, b):
    problems = []
    if strip(a) != strip(b): problems.append("structure differs: %r != %r" % (strip(a), strip(b)))
    ta, tb = flat(a, [], []), flat(b, [], [])
    if [p for p, _ in ta] != [p for p, _ in tb]: return problems + ["tensor paths differ"]
    for (p, x), (_, y) in zip(ta, tb):
        for what, f in [("type", lambda t: type(t).__name__), ("dtype", lambda t: str(t.dtype)), ("shape", lambda t: list(t.shape)),
                        ("stride", lambda t: list(t.stride())), ("offset", lambda t: t.storage_offset()), ("requires_grad", lambda t: t.requires_grad)]:
            if f(x) != f(y): problems.append("%s %s: %r != %r" % (p, what, f(x), f(y)))
        if not (torch.equal(x, y) or raw(x) == raw(y)): problems.append("%s: values differ" % p)
    share = lambda ts: [[i for i, (_, u) in enumerate(ts) if u.storage().data_ptr() == t.storage().data_ptr() and t.numel() and u.numel()] for _, t in ts]
    if share(ta) != share(tb): problems.append("storage sharing differs")
    return problems
results = {}
for name, original, mine, reference in json.load(sys.stdin):
    try:
        b = torch.load(mine, weights_only=True); mode = "weights_only"
    except Exception as e:
        if "Unsupported operand 71" not in str(e): results[name] = {"error": str(e)[-300:]}; continue
        b = torch.load(mine); mode = "full (floats: torch 1.13's weights-only loader has no BINFLOAT)"
    if original is not None:
        a = torch.load(original)
        results[name] = {"mode": mode, "problems": compare(a, b)}
    else:
        ref = eval(reference, {"torch": torch, "collections": collections, "nan": float("nan"), "inf": float("inf")})
        results[name] = {"mode": mode, "problems": compare(ref, b)}
sys.stdout.write(json.dumps(results))
`;

/** Values built in JS, and the Python expression that builds the same in torch. */
function jsCases(): [string, unknown, string][] {
  const base = Tensor.from(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype: 'float32' },
  );
  const t = new Tensor({ storage: base.storage, shape: [3, 2], stride: [1, 3] });
  const sd = new PyOrderedDict<string, unknown>([
    [
      'weight',
      Tensor.from(
        [
          [0.5, -1],
          [2, 3],
        ],
        { dtype: 'float32' },
      ),
    ],
    ['bias', Tensor.from([0.25, 0], { dtype: 'float32' })],
  ]);
  sd.attributes = { _metadata: new PyOrderedDict([['', { version: 1 }]]) };
  const param = new Tensor({
    ...Tensor.from([1, 2], { dtype: 'float64' }),
    isParameter: true,
    requiresGrad: true,
  });
  return [
    [
      'js dtypes',
      {
        f32: Tensor.from([1.5, -2, 0]),
        f64: Tensor.from(new Float64Array([0.1, 1e300])),
        f16: Tensor.from([1, 0.333, 65504], { dtype: 'float16' }),
        bf16: Tensor.from([1, 0.333, -3e38], { dtype: 'bfloat16' }),
        i64: Tensor.from([1n, -(2n ** 63n), 2n ** 63n - 1n]),
        i32: Tensor.from(new Int32Array([-5, 7])),
        u8: Tensor.from(new Uint8Array([0, 255])),
        b: Tensor.from([true, false]),
        s: Tensor.from(3, { dtype: 'int64' }),
      },
      `{"f32": torch.tensor([1.5, -2, 0]), "f64": torch.tensor([0.1, 1e300], dtype=torch.float64),
        "f16": torch.tensor([1, 0.333, 65504], dtype=torch.float16), "bf16": torch.tensor([1, 0.333, -3e38], dtype=torch.bfloat16),
        "i64": torch.tensor([1, -2**63, 2**63 - 1]), "i32": torch.tensor([-5, 7], dtype=torch.int32),
        "u8": torch.tensor([0, 255], dtype=torch.uint8), "b": torch.tensor([True, False]), "s": torch.tensor(3)}`,
    ],
    [
      'js views',
      { base, t, both: [base, t], pair: tuple<unknown>(base, 1) },
      `(lambda base: {"base": base, "t": base.t(), "both": [base, base.t()], "pair": (base, 1)})(torch.tensor([[1., 2, 3], [4, 5, 6]]))`,
    ],
    [
      'js state_dict and checkpoint',
      {
        epoch: 3,
        model: sd,
        step: param,
        optimizer: {
          state: new Map([[0, { momentum_buffer: Tensor.from([0, 1]) }]]),
          param_groups: [{ params: [0], nesterov: false }],
        },
      },
      `(lambda sd: {"epoch": 3, "model": sd, "step": torch.nn.Parameter(torch.tensor([1., 2], dtype=torch.float64)),
        "optimizer": {"state": {0: {"momentum_buffer": torch.tensor([0, 1])}}, "param_groups": [{"params": [0], "nesterov": False}]}})(
        (lambda d: (setattr(d, "_metadata", collections.OrderedDict([("", {"version": 1})])), d)[1])(
          collections.OrderedDict([("weight", torch.tensor([[0.5, -1], [2, 3]])), ("bias", torch.tensor([0.25, 0]))])))`,
    ],
  ];
}

const names = Object.keys(expected.values);

describe('dumpTorch: torch.load(weights_only=True) loads it equal', () => {
  it('for every fixture loaded by brine, and values built in JS', (t) => {
    if (TORCH_PYTHON === undefined) {
      t.skip(NO_TORCH);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'brine-torch-'));
    try {
      const jobs: [string, string | null, string, string | null][] = [];
      for (const name of names) {
        const path = join(dir, `${name}.pt`);
        writeFileSync(path, dumpTorch(loadTorch(fixture(name), { inflateRaw, exact: true })));
        // torch 1.13 ignores the byteorder record: the big-endian file's values are those of dtypes.pt.
        const original = name === 'big_endian' ? 'dtypes' : name;
        jobs.push([name, new URL(`${original}.pt`, FIXTURES).pathname, path, null]);
      }
      for (const [name, value, reference] of jsCases()) {
        const path = join(dir, `${name.replace(/ /g, '_')}.pt`);
        writeFileSync(path, dumpTorch(value));
        jobs.push([name, null, path, reference]);
      }
      const results = JSON.parse(
        execFileSync(TORCH_PYTHON, ['-c', CHECK], { input: JSON.stringify(jobs), encoding: 'utf8' }),
      ) as Record<string, { mode?: string; problems?: string[]; error?: string }>;
      let weightsOnly = 0;
      for (const [name] of jobs) {
        const r = results[name]!;
        assert.equal(r.error, undefined, `${name}: ${r.error}`);
        assert.deepEqual(r.problems, [], name);
        if (r.mode === 'weights_only') weightsOnly++;
      }
      assert.ok(
        weightsOnly >= jobs.length - 3,
        `${weightsOnly} of ${jobs.length} loaded with weights_only=True`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dumpTorch: a loaded checkpoint dumps again with every tensor byte-identical', () => {
  for (const name of names) {
    it(name, () => {
      const first = loadTorch(fixture(name), { inflateRaw });
      const again = loadTorch(dumpTorch(first));
      assert.deepEqual(describeValue(again, new Map()), expected.values[name]);
      const tensors = (v: unknown, out: Tensor[] = []): Tensor[] => {
        if (v instanceof Tensor) out.push(v);
        else if (v instanceof Map) for (const x of v.values()) tensors(x, out);
        else if (Array.isArray(v)) for (const x of v) tensors(x, out);
        else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) tensors(x, out);
        return out;
      };
      const a = tensors(first);
      const b = tensors(again);
      assert.equal(a.length, b.length);
      for (const [i, x] of a.entries()) {
        assert.deepEqual(
          new Uint8Array(b[i]!.contiguousBytes()),
          new Uint8Array(x.contiguousBytes()),
          `${name} tensor ${i}`,
        );
        if (x.storage!.byteOrder === 'little')
          assert.deepEqual(new Uint8Array(b[i]!.storage!.bytes()), new Uint8Array(x.storage!.bytes()));
      }
    });
  }

  it('writes the records torch writes, in its order, each 64-byte aligned', () => {
    const bytes = dumpTorch(loadTorch(fixture('views')));
    const archive = readZip(bytes);
    assert.deepEqual(archive.problems, []);
    assert.ok(archive.zip64EndRecord !== undefined);
    assert.deepEqual(
      archive.entries.map((e) => e.name),
      ['data.pkl', '.format_version', '.storage_alignment', 'byteorder', 'data/0', 'data/1', 'version'].map(
        (n) => `archive/${n}`,
      ),
    );
    for (const e of archive.entries) {
      assert.equal(e.dataOffset! % 64, 0, e.name);
      assert.deepEqual(e.problems, []);
    }
    const pkl = readZipEntry(bytes, archive.entries[0]!);
    assert.deepEqual([...pkl.subarray(0, 2)], [0x80, 2]);
  });
});
