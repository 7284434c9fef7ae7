"""Extracts the bad pickles of CPython's own unpickling tests.

Runs every test method of `test.pickletester.AbstractUnpickleTests` (the test
suite CPython runs against both of its unpicklers) with a `loads` and the
error-checking helpers replaced by recorders, so that every input a test
expects to be refused is captured exactly as CPython's tests build it. Each
input is then loaded by CPython's C unpickler (`_pickle`, what `pickle.loads`
is) and by the pure-Python one (`pickle._loads`), and the outcomes are kept.

Tests that CPython skips on 64-bit builds (the `requires_32b` huge-length
tests) are run too: their inputs claim lengths of 2**32 and more with a few
bytes of data, which a loader must refuse without allocating. The process runs
under an address-space limit so that a loader that does try to allocate gets a
MemoryError instead of exhausting the machine.

Output (JSON, one object):
  python    the version of the CPython that produced the file
  pickles   [{name, method, hex, ops, expected, pythonError, pythonMessage,
              pyError, pyMessage, kwargs?}]
    name           `<test method>[<n>]`, n counting the method's bad inputs
    method         the pickletester test method
    hex            the input, hex encoded
    ops            [offset, name] of the opcodes a loader reaches (pickletools'
                   reading; the last one is where a truncated argument is)
    expected       exception type names the test accepts (the union of what
                   CPython's C and Python unpickler tests accept)
    pythonError    type name of the exception `pickle.loads` (C) raised, or
                   null when it loaded the input; MemoryError means the C
                   unpickler tried to allocate what the input claims (a length,
                   a memo index), which says nothing about the input itself
    pythonMessage  its message (null when it loaded)
    pyError        the same for the pure-Python `pickle._loads`
    pyMessage      its message
    kwargs         keyword arguments the test passed to loads, when any

Usage (from the project root; the tests run it when the output is missing or
older than this script):
  python3 scripts/gen-bad-pickles.py [-o test/vectors/generated/bad-pickles.json]
"""

import argparse
import contextlib
import io
import json
import os
import pickle
import pickletools
import platform
import struct
import sys
import tempfile
import unittest

try:
    import resource
except ImportError:  # not on Windows
    resource = None

MEMORY_LIMIT = 2 << 30

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(ROOT, "test", "vectors", "generated", "bad-pickles.json")

# What CPython's own test classes accept (Lib/test/test_pickle.py): the C
# unpickler tests expect UnpicklingError, the Python ones the other types.
BAD_STACK_ERRORS = (pickle.UnpicklingError, IndexError)
TRUNCATED_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    AttributeError,
    ValueError,
    struct.error,
    IndexError,
    ImportError,
)


def outcome(loader, data, kwargs):
    """(exception type name, message), or (None, None) when `data` loads."""
    try:
        loader(data, **kwargs)
    except MemoryError:
        return "MemoryError", "MemoryError (under a {} GiB address-space limit)".format(MEMORY_LIMIT >> 30)
    except RecursionError as exc:
        return "RecursionError", str(exc)
    except Exception as exc:  # noqa: BLE001 - the point is to record any exception
        return type_name(type(exc)), str(exc)
    return None, None


def scan(data):
    """[offset, opcode name] of each opcode a loader reaches, in order.

    The scan stops at STOP, at a byte that is no opcode (name null) and at an
    opcode whose argument is cut short or malformed (that opcode is the last).
    """
    ops = []
    f = io.BytesIO(data)
    while True:
        pos = f.tell()
        code = f.read(1)
        if not code:
            break
        op = pickletools.code2op.get(code.decode("latin-1"))
        ops.append([pos, op.name if op else None])
        if op is None or op.name == "STOP":
            break
        if op.arg is not None:
            try:
                op.arg.reader(f)
            except Exception:  # noqa: BLE001 - a bad argument ends the scan
                break
    return ops


def type_name(cls):
    """`UnpicklingError`, `EOFError`; `struct.error` for the module-level `error` types."""
    if cls.__name__ == "error":
        return "{}.error".format(cls.__module__.lstrip("_"))
    return cls.__name__


def names(errors):
    if isinstance(errors, type):
        errors = (errors,)
    return sorted({type_name(e) for e in errors})


def jsonable_kwargs(kwargs):
    out = {}
    for key, value in kwargs.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        else:
            return None
    return out


def make_recorder(base):
    records = []

    class Recorder(base, unittest.TestCase):
        bad_stack_errors = BAD_STACK_ERRORS
        truncated_errors = TRUNCATED_ERRORS
        _expect = None
        _records = records

        def _record(self, errors, data, kwargs):
            data = bytes(data)
            plain = jsonable_kwargs(kwargs)
            if plain is None:
                # An argument that cannot be written down (a buffer list, an object):
                # the input is not self-contained, leave it out.
                return
            c_error, c_message = outcome(pickle.loads, data, kwargs)
            py_error, py_message = outcome(pickle._loads, data, kwargs)
            entry = {
                "method": self._testMethodName,
                "hex": data.hex(),
                "ops": scan(data),
                "expected": names(errors),
                "pythonError": c_error,
                "pythonMessage": c_message,
                "pyError": py_error,
                "pyMessage": py_message,
            }
            if plain:
                entry["kwargs"] = plain
            self._records.append(entry)

        # Every loads of a test goes through here: inside an expected-error
        # context the input is recorded; elsewhere it is a good pickle that the
        # test goes on to check, so the C unpickler loads it.
        def loads(self, data, **kwargs):
            if self._expect is not None:
                self._record(self._expect, data, kwargs)
                raise _Recorded()
            return pickle.loads(data, **kwargs)

        def check_unpickling_error(self, errors, data):
            self._record(errors, data, {})

        def assertRaises(self, expected_exception, *args, **kwargs):
            if not args:
                return self._expecting(expected_exception)
            with self._expecting(expected_exception):
                args[0](*args[1:], **kwargs)
            return None

        def assertRaisesRegex(self, expected_exception, expected_regex, *args, **kwargs):
            return self.assertRaises(expected_exception, *args, **kwargs)

        @contextlib.contextmanager
        def _expecting(self, errors):
            previous = self._expect
            self._expect = errors
            try:
                yield
            except Exception:  # noqa: BLE001 - the body stops at the recorded loads
                pass
            finally:
                self._expect = previous

    return Recorder, records


class _Recorded(Exception):
    """Stops a test body at the input it expects to fail (after recording it)."""


def unskip(cls, base):
    """Runs the tests CPython skips on 64-bit builds (requires_32b): their inputs matter here."""
    unskipped = []
    for name in dir(base):
        if not name.startswith("test_"):
            continue
        func = getattr(base, name)
        if getattr(func, "__unittest_skip__", False) and hasattr(func, "__wrapped__"):
            setattr(cls, name, func.__wrapped__)
            unskipped.append(name)
    return unskipped


def run(base, skip_methods):
    Recorder, records = make_recorder(base)
    unskip(Recorder, base)
    methods = [n for n in sorted(dir(base)) if n.startswith("test_") and n not in skip_methods]
    suite = unittest.TestSuite(Recorder(m) for m in methods)
    result = unittest.TestResult()
    # Some tests write files: keep them out of the project.
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            suite.run(result)
        finally:
            os.chdir(cwd)
    for test, trace in result.errors + result.failures:
        # A good-pickle assertion of the test failed: it does not affect the
        # recorded inputs, but say so.
        last = trace.strip().splitlines()[-1]
        print("note: {} did not pass as written: {}".format(test._testMethodName, last), file=sys.stderr)
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default=DEFAULT_OUTPUT)
    args = parser.parse_args()

    if resource is not None:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, hard))

    from test import pickletester

    # The import race test is about module locks, not data; it loads nothing bad.
    records = run(pickletester.AbstractUnpickleTests, {"test_unpickle_module_race"})

    seen = set()
    counters = {}
    pickles = []
    for entry in records:
        key = (entry["method"], entry["hex"], json.dumps(entry.get("kwargs")))
        if key in seen:
            continue
        seen.add(key)
        n = counters.get(entry["method"], 0)
        counters[entry["method"]] = n + 1
        pickles.append({"name": "{}[{}]".format(entry["method"], n), **entry})

    out = {
        "generator": "scripts/gen-bad-pickles.py",
        "python": platform.python_version(),
        "source": "test.pickletester.AbstractUnpickleTests",
        "pickles": pickles,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.output)), suffix=".tmp")
    with io.open(fd, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.output)
    accepted = sum(1 for p in pickles if p["pythonError"] is None)
    print(
        "wrote {} bad pickles from {} test methods ({} loaded by the C unpickler) to {}".format(
            len(pickles), len(counters), accepted, os.path.relpath(args.output)
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
