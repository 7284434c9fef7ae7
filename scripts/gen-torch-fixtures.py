"""Writes the PyTorch fixtures of the tests with the real torch, and what torch computed for them.

Run with a Python that has torch (Debian's /usr/bin/python3 with python3-torch),
and the safetensors package for model.safetensors (kept as it is without it):

    /usr/bin/python3 scripts/gen-torch-fixtures.py

For every fixture NAME it writes test/fixtures/torch/NAME.pt (or .zip) and, in
test/fixtures/torch/expected.json, what `torch.load(NAME)` returns, described in
JSON: tensors with their dtype, shape, stride, storage_offset, requires_grad,
the storage they share (an index per distinct storage of the file) and
`tolist()` losslessly (integers beyond 2**53 and non-finite floats as strings).
"""

import collections
import io
import json
import math
import os
import struct
import sys
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "torch")
os.makedirs(OUT, exist_ok=True)
EXPECTED = {}


def enc_scalar(x):
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x if abs(x) < 2**53 else {"int": str(x)}
    if isinstance(x, float):
        return x if math.isfinite(x) else {"float": repr(x)}
    if isinstance(x, complex):
        return {"complex": [enc_scalar(x.real), enc_scalar(x.imag)]}
    raise TypeError(type(x))


def enc_list(x):
    if isinstance(x, list):
        return [enc_list(v) for v in x]
    return enc_scalar(x)


def describe(obj, storages):
    if isinstance(obj, torch.Tensor):
        st = obj.storage()
        key = st._cdata
        if key not in storages:
            storages[key] = len(storages)
        return {
            "tensor": {
                "dtype": str(obj.dtype).replace("torch.", ""),
                "shape": list(obj.shape),
                "stride": list(obj.stride()),
                "storage_offset": obj.storage_offset(),
                "requires_grad": obj.requires_grad,
                "parameter": isinstance(obj, torch.nn.Parameter),
                "storage": storages[key],
                "storage_numel": st.size(),
                "values": enc_list(obj.tolist()),
            }
        }
    if isinstance(obj, collections.OrderedDict):
        meta = getattr(obj, "_metadata", None)
        return {
            "ordered_dict": [[k, describe(v, storages)] for k, v in obj.items()],
            "metadata": None if meta is None else describe(dict(meta), storages),
        }
    if isinstance(obj, dict):
        return {"dict": [[describe(k, storages), describe(v, storages)] for k, v in obj.items()]}
    if isinstance(obj, list):
        return {"list": [describe(v, storages) for v in obj]}
    if isinstance(obj, tuple):
        return {"tuple": [describe(v, storages) for v in obj]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": enc_scalar(obj) if not isinstance(obj, (str, type(None))) else obj}
    raise TypeError(type(obj))


def save(name, obj, legacy=False):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    loaded = torch.load(path)
    EXPECTED[name] = describe(loaded, {})
    return path


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def rewrite(src, dst, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(dst, "w", compression=compression) as z:
        for name, data in entries:
            z.writestr(name, data)


torch.manual_seed(0)

# Every dtype, with the values that test each codec.
dtypes = {
    "float32": torch.tensor([0.0, -0.0, 1.5, -2.25, 3.4e38, 1e-45, math.inf, -math.inf, math.nan], dtype=torch.float32),
    "float64": torch.tensor([0.1, -0.0, 1e308, 5e-324, math.inf, math.nan, -1.0 / 3], dtype=torch.float64),
    "float16": torch.tensor([0.0, -0.0, 1.0, 65504.0, 6e-8, 0.33325, -2.5, math.inf, math.nan], dtype=torch.float16),
    "bfloat16": torch.tensor([0.0, -0.0, 1.0, 3.0e38, 1e-40, 0.333984375, -2.5, math.inf, math.nan], dtype=torch.bfloat16),
    "complex64": torch.tensor([1 + 2j, -0.5 - 0.25j, complex(math.inf, -0.0)], dtype=torch.complex64),
    "complex128": torch.tensor([1 + 2j, 0.1 - 1e300j], dtype=torch.complex128),
    "int8": torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8),
    "int16": torch.tensor([-32768, -1, 0, 32767], dtype=torch.int16),
    "int32": torch.tensor([-(2**31), -1, 0, 2**31 - 1], dtype=torch.int32),
    "int64": torch.tensor([-(2**63), -(2**53) - 1, 0, 2**53 + 1, 2**63 - 1], dtype=torch.int64),
    "uint8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
    "bool": torch.tensor([[True, False], [False, True]]),
}
save("dtypes", dtypes)

# Views: one storage shared by a matrix, a row, a column, its transpose and a strided slice.
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
save("views", {"base": base, "row": base[1], "col": base[:, 2], "t": base.t(), "slice": base[1:, ::2],
               "expanded": torch.arange(3).expand(2, 3), "same": [base, base]})

# 0-d and empty tensors.
save("scalars", {"zero_d": torch.tensor(3.5), "int_0d": torch.tensor(-7), "bool_0d": torch.tensor(True),
                 "empty": torch.zeros(0), "empty_3d": torch.zeros(2, 0, 3, dtype=torch.int32)})

# Parameters, with and without requires_grad, and a module's state_dict (an OrderedDict with _metadata).
model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
save("state_dict", model.state_dict())
save("parameters", {"w": torch.nn.Parameter(torch.ones(2, 2)),
                    "frozen": torch.nn.Parameter(torch.zeros(3), requires_grad=False),
                    "plain": torch.ones(1)})

# A training checkpoint: epoch, model and optimizer state, plain values.
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss = model(torch.ones(4, 3)).sum()
loss.backward()
opt.step()
save("checkpoint", {"epoch": 5, "model": model.state_dict(), "optimizer": opt.state_dict(),
                    "loss": 0.25, "name": "run-1", "history": [1.0, 0.5, 0.25], "shape": (2, 3),
                    "flags": {"done": False, "note": None}})

# The legacy format (torch < 1.6), with a shared storage.
legacy_base = torch.arange(6, dtype=torch.int64).reshape(2, 3)
save("legacy", {"a": legacy_base, "b": legacy_base.t(), "c": torch.tensor([1.5, 2.5], dtype=torch.float64),
                "epoch": 2}, legacy=True)

# A big-endian file built from a real one: the byteorder record says big and every storage is byte-swapped.
src = save("dtypes_little", {k: v for k, v in dtypes.items()})
entries = zip_entries(src)
prefix = entries[0][0].split("/")[0]
# Storage keys to element sizes, from the order torch wrote them (keys follow dict order here).
sizes = {}
for i, t in enumerate(dtypes.values()):
    sizes[f"{prefix}/data/{i}"] = t.element_size() if not t.is_complex() else t.element_size() // 2
swapped = []
for name, data in entries:
    if name in sizes and sizes[name] > 1:
        n = sizes[name]
        data = b"".join(data[i:i + n][::-1] for i in range(0, len(data), n))
    swapped.append((name, data))
swapped.insert(1, (f"{prefix}/byteorder", b"big"))
rewrite(src, os.path.join(OUT, "big_endian.pt"), swapped)
EXPECTED["big_endian"] = EXPECTED["dtypes_little"]
os.remove(src)
del EXPECTED["dtypes_little"]

# The same archive, deflated (torch never deflates, but its reader inflates).
views = os.path.join(OUT, "views.pt")
rewrite(views, os.path.join(OUT, "deflated.pt"), zip_entries(views), zipfile.ZIP_DEFLATED)
EXPECTED["deflated"] = describe(torch.load(os.path.join(OUT, "deflated.pt")), {})

# A TorchScript archive: recognised, never run.
class Tiny(torch.nn.Module):
    def forward(self, x):
        return x + 1


torch.jit.save(torch.jit.script(Tiny()), os.path.join(OUT, "torchscript.pt"))

# safetensors, written by the reference implementation when this python has it.
try:
    from safetensors.torch import save_file
except ImportError:
    save_file = None
    print("safetensors not installed: model.safetensors left as it is", file=sys.stderr)
ST_PATH = os.path.join(OUT, "model.safetensors")
if save_file is not None:
    st = {k: v for k, v in dtypes.items() if k != "complex64" and k != "complex128"}
    st["matrix"] = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    st["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    save_file(st, ST_PATH, metadata={"format": "pt", "note": "brine fixture"})
    from safetensors.torch import load_file
    EXPECTED_ST = {k: describe(v, {}) for k, v in load_file(ST_PATH).items()}
else:
    with open(os.path.join(OUT, "expected.json")) as f:
        EXPECTED_ST = json.load(f)["safetensors"]

# What the zip reader must see in torch's archives: the entries as zipfile lists them.
listing = {}
for f in sorted(os.listdir(OUT)):
    if f.endswith(".pt") and zipfile.is_zipfile(os.path.join(OUT, f)):
        with zipfile.ZipFile(os.path.join(OUT, f)) as z:
            listing[f] = [[i.filename, i.file_size, i.compress_size, i.CRC, i.compress_type, i.header_offset]
                          for i in z.infolist()]

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump({"torch": torch.__version__, "values": EXPECTED, "zip": listing, "safetensors": EXPECTED_ST}, f,
              sort_keys=True)
    f.write("\n")

# The project's formatter owns the layout of its JSON files.
import subprocess
subprocess.run(["npx", "biome", "format", "--write", os.path.join(OUT, "expected.json")], check=False,
               cwd=os.path.join(OUT, "..", "..", ".."), stdout=subprocess.DEVNULL)
