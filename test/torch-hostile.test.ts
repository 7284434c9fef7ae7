/**
 * loadTorch on files that lie: claims of data.pkl that its records do not
 * back (element counts, strides and offsets past the storage, sizes no file
 * could hold, missing records, unknown storage classes), and random changes
 * and truncations of real torch files. Every failure is an UnpicklingError,
 * raised before anything is allocated from a claim.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UnpicklingError } from '../src/errors.js';
import { bytesSource } from '../src/formats/zip.js';
import { loadTorch, loadTorchFromSync } from '../src/torch/load.js';
import { Tensor } from '../src/torch/tensor.js';
import { fromHex, runPython } from './support/python.js';
import { fixture, inflateRaw } from './support/torch-fixtures.js';

/** Zip archives holding a data.pkl (written by python3's pickle) and records, by case name. */
const crafted = (() => {
  const out = runPython(`
import io, json, pickle, struct, sys, zipfile, collections

class G:
    def __init__(self, module, name): self.module, self.name = module, name
    def __reduce__(self): raise TypeError
class Global:
    pass
def glob(module, name):
    cls = type(name, (), {})
    cls.__module__ = module
    cls.__qualname__ = name
    setattr(sys.modules.setdefault(module, types.ModuleType(module)), name, cls)
    return cls

class P(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Pid) else None
class Pid:
    def __init__(self, *pid): self.pid = pid
class Call:
    def __init__(self, fn, *args): self.fn, self.args = fn, args
    def __reduce__(self): return (self.fn, self.args)

import types
def fn(module, name):
    m = sys.modules.setdefault(module, types.ModuleType(module))
    f = lambda *a: None
    f.__module__, f.__qualname__, f.__name__ = module, name, name
    setattr(m, name, f)
    return f
torch = types.ModuleType("torch"); sys.modules["torch"] = torch
utils = fn("torch._utils", "_rebuild_tensor_v2")
def storage_cls(name, module="torch"):
    c = type(name, (), {}); c.__module__ = module; c.__qualname__ = name
    setattr(sys.modules.setdefault(module, types.ModuleType(module)), name, c)
    return c
Float = storage_cls("FloatStorage")
Bogus = storage_cls("BogusStorage")
OD = collections.OrderedDict

def tensor(pid, offset, size, stride):
    return Call(utils, Pid(*pid), offset, size, stride, False, OD())

F4 = bytes(16)
cases = {
    "numel past its record": (tensor(("storage", Float, "0", "cpu", 100), 0, (4,), (1,)), {"0": F4}),
    "stride past the storage": (tensor(("storage", Float, "0", "cpu", 4), 0, (2, 2), (10, 1)), {"0": F4}),
    "offset past the storage": (tensor(("storage", Float, "0", "cpu", 4), 10, (1,), (1,)), {"0": F4}),
    "a size no file holds": (tensor(("storage", Float, "0", "cpu", 4), 0, (2**40, 2**40), (1, 1)), {"0": F4}),
    "a negative stride": (tensor(("storage", Float, "0", "cpu", 4), 3, (4,), (-1,)), {"0": F4}),
    "a negative size": (tensor(("storage", Float, "0", "cpu", 4), 0, (-4,), (1,)), {"0": F4}),
    "a huge element count": (tensor(("storage", Float, "0", "cpu", 2**70), 0, (4,), (1,)), {"0": F4}),
    "a missing record": (tensor(("storage", Float, "7", "cpu", 4), 0, (4,), (1,)), {"0": F4}),
    "an unknown storage class": (tensor(("storage", Bogus, "0", "cpu", 4), 0, (4,), (1,)), {"0": F4}),
    "a persistent id that is not a storage": (tensor(("module", Float, "0", "cpu", 4), 0, (4,), (1,)), {"0": F4}),
    "a fractional size": (tensor(("storage", Float, "0", "cpu", 4), 0, (1.5,), (1,)), {"0": F4}),
    "an honest tensor": (tensor(("storage", Float, "0", "cpu", 4), 0, (2, 2), (2, 1)), {"0": F4}),
    "an expanded view": (tensor(("storage", Float, "0", "cpu", 1), 0, (10**8,), (0,)), {"0": bytes(4)}),
    # What newer torch writes: untyped storages counted in bytes and _rebuild_tensor_v3 with a dtype,
    # parameters with state, quantized and meta tensors, subclasses through _rebuild_from_type_v2.
    "v3 over an untyped storage": (Call(fn("torch._utils", "_rebuild_tensor_v3"), Pid("storage", storage_cls("UntypedStorage"), "0", "cpu", 8),
                                       1, (1,), (1,), True, OD(), glob("torch", "float32")), {"0": struct.pack("<ff", 1.5, -2.0)}),
    "a parameter with state": (Call(fn("torch._utils", "_rebuild_parameter_with_state"),
                                    tensor(("storage", Float, "0", "cpu", 2), 0, (2,), (1,)), True, OD(), {"note": "kept"}), {"0": struct.pack("<ff", 3, 4)}),
    "a quantized tensor": (Call(fn("torch._utils", "_rebuild_qtensor"), Pid("storage", storage_cls("QInt8Storage"), "0", "cpu", 3), 0, (3,), (1,),
                                (glob("torch", "per_tensor_affine"), 0.5, 1), False, OD()), {"0": bytes([3, 5, 0])}),
    "a meta tensor": (Call(fn("torch._utils", "_rebuild_meta_tensor_no_storage"), glob("torch", "bfloat16"), (2, 3), (3, 1), False), {}),
    "a subclass": (Call(fn("torch._tensor", "_rebuild_from_type_v2"), utils, glob("torch.nn.parameter", "Buffer"),
                        (Pid("storage", Float, "0", "cpu", 2), 0, (2,), (1,), False, OD()), {}), {"0": struct.pack("<ff", 5, 6)}),
    "a size": (Call(fn("torch", "Size"), [2, 3]), {}),
}
result = {}
for name, (obj, records) in cases.items():
    b = io.BytesIO(); P(b, protocol=2).dump(obj)
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("archive/data.pkl", b.getvalue())
        for k, v in records.items(): f.writestr("archive/data/" + k, v)
    result[name] = z.getvalue().hex()
sys.stdout.write(json.dumps(result))
`);
  return new Map(Object.entries(JSON.parse(out) as Record<string, string>).map(([k, v]) => [k, fromHex(v)]));
})();

const refused: [string, RegExp][] = [
  ['numel past its record', /record has 16 bytes/],
  ['stride past the storage', /reaches element/],
  ['offset past the storage', /reaches element/],
  ['a size no file holds', /too large|reaches element/],
  ['a negative stride', /stride/],
  ['a negative size', /size/],
  ['a huge element count', /not a count|bytes/],
  ['a missing record', /no record data\/7/],
  ['an unknown storage class', /unknown storage class/],
  ['a persistent id that is not a storage', /persistent id/],
  ['a fractional size', /expects|size/],
];

describe('loadTorch: claims its records do not back', () => {
  for (const [name, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => loadTorch(crafted.get(name)!),
        (e: unknown) => e instanceof UnpicklingError && message.test(e.message),
      );
    });
  }

  it('loads the honest one', () => {
    const t = loadTorch(crafted.get('an honest tensor')!) as Tensor;
    assert.deepEqual(t.toArray(), [
      [0, 0],
      [0, 0],
    ]);
  });

  it('loads what newer torch writes', () => {
    const v3 = loadTorch(crafted.get('v3 over an untyped storage')!) as Tensor;
    assert.deepEqual(
      [v3.dtype, v3.shape, v3.storageOffset, v3.requiresGrad, v3.toArray()],
      ['float32', [1], 1, true, [-2]],
    );
    assert.equal(v3.storage!.dtype, 'uint8');
    const p = loadTorch(crafted.get('a parameter with state')!) as Tensor;
    assert.deepEqual(
      [p.isParameter, p.requiresGrad, p.toArray(), p.state],
      [true, true, [3, 4], { note: 'kept' }],
    );
    const q = loadTorch(crafted.get('a quantized tensor')!) as Tensor;
    assert.deepEqual(
      [q.dtype, q.quantizer?.scale, q.quantizer?.zeroPoint, q.toArray()],
      ['qint8', 0.5, 1, [1, 2, -0.5]],
    );
    const meta = loadTorch(crafted.get('a meta tensor')!) as Tensor;
    assert.deepEqual([meta.dtype, meta.shape, meta.device, meta.storage], ['bfloat16', [2, 3], 'meta', null]);
    assert.throws(() => meta.toArray(), UnpicklingError);
    const sub = loadTorch(crafted.get('a subclass')!) as Tensor;
    assert.deepEqual(sub.toArray(), [5, 6]);
    assert.deepEqual(loadTorch(crafted.get('a size')!), [2, 3]);
  });

  it('keeps an expanded view, but refuses to gather it far past its storage', () => {
    const t = loadTorch(crafted.get('an expanded view')!) as Tensor;
    assert.deepEqual(t.shape, [1e8]);
    assert.deepEqual(t.stride, [0]);
    assert.throws(
      () => t.toArray(),
      (e: unknown) => e instanceof UnpicklingError && /more than/.test(e.message),
    );
    assert.throws(() => t.toTypedArray(), /more than/);
  });
});

function touchAll(value: unknown): void {
  const seen = new Set<unknown>();
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) {
      if (v.storage !== null) v.toArray();
    } else if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (Array.isArray(v)) stack.push(...v);
    else stack.push(...Object.values(v));
  }
}

function onlyUnpicklingErrors(bytes: Uint8Array): void {
  for (const load of [
    () => loadTorch(bytes, { inflateRaw }),
    () => loadTorchFromSync(bytesSource(bytes), { inflateRaw }),
  ]) {
    try {
      touchAll(load());
    } catch (error) {
      // The stack only on failure (formatting it for every expected error costs more than the load).
      if (!(error instanceof UnpicklingError)) assert.fail(`${String(error)}\n${(error as Error).stack}`);
    }
  }
}

describe('loadTorch: changed and truncated real files', () => {
  for (const name of ['views', 'checkpoint', 'legacy', 'deflated', 'big_endian']) {
    it(`${name}.pt: random changes give values or UnpicklingErrors`, () => {
      const original = fixture(name);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 3,
          }),
          (edits) => {
            const copy = original.slice();
            for (const [at, v] of edits) copy[at] = v;
            onlyUnpicklingErrors(copy);
          },
        ),
        { numRuns: 300 },
      );
    });

    it(`${name}.pt: every truncation is refused or loads`, () => {
      const original = fixture(name);
      for (let n = 0; n < original.length; n += Math.max(1, Math.floor(original.length / 300))) {
        onlyUnpicklingErrors(original.subarray(0, n));
      }
    });
  }
});
