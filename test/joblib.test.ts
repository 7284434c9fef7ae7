/**
 * joblib's format: files joblib.dump wrote (every padding variant, protocols,
 * compression) load as joblib.load returns them; dumpJoblib's files load in
 * python3's joblib; hostile wrappers and cut or mutated files give PickleErrors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isPickleError, UnpicklingError } from '../src/errors.js';
import { decompress } from '../src/formats/compress/index.js';
import { dumpJoblib, joblibArraySpan, loadJoblib } from '../src/joblib/index.js';
import { NDArray } from '../src/numpy/index.js';
import { dumps } from '../src/pickler.js';
import { PyGlobal } from '../src/types/py-global.js';
import { PyObject } from '../src/types/py-object.js';
import { tuple } from '../src/types/tuple.js';
import { loads, Unpickler } from '../src/unpickler.js';
import { seed } from './support/budget.js';
import { hasPythonModules, PYTHON, ROOT } from './support/python.js';

const DIR = join(ROOT, 'test/fixtures/sklearn');
const SYSTEM_PYTHON = process.env.BRINE_SKLEARN_PYTHON ?? '/usr/bin/python3';
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  arrays: {
    arrays: Record<string, { dtype: string; shape: number[]; tolist: unknown }>;
    text: string;
    n: number;
  };
};
const SEED = seed(Date.now() % 1_000_000);

function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => {
      if (typeof v === 'bigint') return Number(v);
      if (v && typeof v === 'object' && 'real' in v && 'imag' in v) return [v.real, v.imag];
      return v;
    }),
  );
}

function checkArrays(label: string, value: unknown): void {
  const v = value as { arrays: Record<string, NDArray>; same_twice: NDArray[]; text: string; n: number };
  assert.equal(v.text, 'hello');
  assert.equal(v.n, 42);
  for (const [key, want] of Object.entries(expected.arrays.arrays)) {
    const got = v.arrays[key];
    assert.ok(got instanceof NDArray, `${label} ${key}`);
    assert.equal(got.dtype.str, want.dtype, `${label} ${key} dtype`);
    assert.deepEqual([...got.shape], want.shape, `${label} ${key} shape`);
    // Both through JSON: -0 (numpy's -3.5j has a real part of -0.0) compares as 0 on both sides.
    assert.deepEqual(plain(got.toArray()), plain(want.tolist), `${label} ${key} values`);
  }
  assert.deepEqual(v.same_twice[0]!.toArray(), [0, 1, 2, 3, 4, 5, 6]);
}

describe('files joblib.dump wrote', () => {
  for (const file of ['arrays.joblib', 'arrays.joblib.gzip', 'arrays.p2.joblib', 'arrays.nopad.joblib']) {
    test(file, () => checkArrays(file, loadJoblib(readFileSync(join(DIR, file)))));
  }

  test('arrays are views into an uncompressed file, aligned as joblib 1.2 aligns them', () => {
    const data = readFileSync(join(DIR, 'arrays.joblib'));
    const v = loadJoblib(data) as { arrays: Record<string, NDArray> };
    const f8 = v.arrays.f8!;
    assert.equal(f8.bytes.buffer, data.buffer);
    assert.equal((f8.bytes.byteOffset - data.byteOffset) % 16, 0);
  });

  test('every prefix and fast-check mutations give a PickleError or a value, never anything else', () => {
    const data = new Uint8Array(decompress(readFileSync(join(DIR, 'RandomForestClassifier.joblib.gzip'))));
    for (let n = 0; n < data.length; n += 7) {
      assert.throws(
        () => loadJoblib(data.subarray(0, n)),
        (e: unknown) => isPickleError(e),
        `prefix ${n}`,
      );
    }
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (muts) => {
          const d = Uint8Array.from(data);
          for (const [at, b] of muts) d[at % d.length] = b;
          try {
            loadJoblib(d, { maxOutput: 1 << 20 });
          } catch (error) {
            if (!isPickleError(error)) throw error;
          }
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });
});

describe('hostile wrappers', () => {
  const wrapper = (state: Record<string, unknown>): PyObject => {
    const o = new PyObject('newobj', new PyGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper'), tuple());
    o.state = state;
    return o;
  };
  const f8 = NDArray.from(new Float64Array([1, 2])).dtype;

  test('a shape claiming more bytes than remain is refused before allocation', () => {
    const pickle = dumps(
      wrapper({ shape: tuple(2 ** 40, 2 ** 20), order: 'C', dtype: f8, numpy_array_alignment_bytes: null }),
      { protocol: 2 },
    );
    assert.throws(() => loadJoblib(pickle), /needs .* bytes, .* remain/);
    assert.throws(() =>
      joblibArraySpan(new Uint8Array(10), 0, [3], 8, { alignment: null, hasObject: false }),
    );
  });

  test('a negative dimension, a bad order or a dtype that is not a dtype are errors', () => {
    for (const state of [
      { shape: tuple(-1), order: 'C', dtype: f8 },
      { shape: tuple(1), order: 'X', dtype: f8 },
      { shape: tuple(1), order: 'C', dtype: 'f8' },
      { shape: 'abc', order: 'C', dtype: f8 },
    ]) {
      assert.throws(
        () => loadJoblib(dumps(wrapper(state), { protocol: 2 })),
        (e: unknown) => isPickleError(e),
      );
    }
  });

  test("joblib < 0.10's NDArrayWrapper is refused with a message saying so", () => {
    const o = new PyObject('newobj', new PyGlobal('joblib.numpy_pickle_compat', 'NDArrayWrapper'), tuple());
    o.state = { filename: 'x.npy', subclass: null, allow_mmap: true };
    assert.throws(() => loadJoblib(dumps(o, { protocol: 2 })), /NDArrayWrapper .* not supported/);
  });

  test('a real gadget inside a joblib file stays inert', () => {
    const gadget = new PyObject('reduce', new PyGlobal('os', 'system'), tuple('echo pwned'));
    const value = loadJoblib(dumpJoblib({ x: gadget, a: NDArray.from(new Int32Array([1])) })) as {
      x: PyObject;
    };
    assert.ok(value.x instanceof PyObject);
    assert.equal((value.x.callable as PyGlobal).name, 'system');
  });
});

describe('dumpJoblib', () => {
  const value = () => ({
    f8: NDArray.from(new Float64Array([1.5, -2, 3]), { shape: [3] }),
    i4: NDArray.from(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }),
    fortran: NDArray.from(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3], order: 'F' }),
    empty: NDArray.from(new Float64Array(0), { shape: [0, 4] }),
    nested: [{ deep: NDArray.from(new Uint8Array([7, 8])) }, 'text', 12],
  });

  test('loads back in brine, uncompressed and compressed', () => {
    for (const compress of [false, 'zlib', 'gzip'] as const) {
      for (const protocol of [2, 3, 4, 5]) {
        const back = loadJoblib(dumpJoblib(value(), { compress, protocol })) as ReturnType<typeof value>;
        assert.deepEqual(back.f8.toArray(), [1.5, -2, 3]);
        assert.deepEqual(back.i4.toArray(), [
          [1, 2, 3],
          [4, 5, 6],
        ]);
        assert.deepEqual(back.fortran.toArray(), value().fortran.toArray());
        assert.deepEqual(back.empty.shape, [0, 4]);
        assert.deepEqual((back.nested[0] as { deep: NDArray }).deep.toArray(), [7, 8]);
      }
    }
  });

  test('compressed output is read by python3 zlib and gzip', () => {
    const raw = dumpJoblib(value());
    for (const compress of ['zlib', 'gzip'] as const) {
      const z = dumpJoblib(value(), { compress });
      const out = execFileSync(
        PYTHON,
        [
          '-c',
          `import sys, zlib, gzip; sys.stdout.buffer.write(${compress === 'zlib' ? 'zlib' : 'gzip'}.decompress(sys.stdin.buffer.read()))`,
        ],
        { input: z },
      );
      assert.ok(Buffer.from(out).equals(Buffer.from(raw)), compress);
    }
  });

  let missing: string | undefined;
  if (!hasPythonModules(SYSTEM_PYTHON, ['joblib', 'numpy'])) {
    missing = `${SYSTEM_PYTHON} with joblib and numpy is not available: dumpJoblib output was NOT checked with joblib.load`;
    console.log(`# SKIPPED: ${missing}`);
  }

  test('joblib.load in python3 reads what dumpJoblib wrote, equal to the fixture arrays', {
    skip: missing,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'brine-joblib-'));
    try {
      const source = loadJoblib(readFileSync(join(DIR, 'arrays.joblib')));
      const files: string[] = [];
      for (const compress of [false, 'zlib', 'gzip'] as const) {
        for (const protocol of [2, 4, 5]) {
          const f = join(dir, `a.${compress || 'raw'}.${protocol}.joblib`);
          writeFileSync(f, dumpJoblib(source, { compress, protocol }));
          files.push(f);
        }
      }
      const script = `
import json, sys, joblib, numpy as np
ref = joblib.load(sys.argv[1])
bad = []
for f in json.load(sys.stdin):
    v = joblib.load(f)
    for k, a in ref['arrays'].items():
        b = v['arrays'][k]
        if a.dtype != b.dtype or a.shape != b.shape or not (np.array_equal(a, b) if a.dtype != object else a.tolist() == b.tolist()):
            bad.append([f, k])
    if v['text'] != 'hello' or v['n'] != 42 or not np.array_equal(v['same_twice'][1], ref['same_twice'][1]):
        bad.append([f, 'other'])
print(json.dumps(bad))`;
      const bad = execFileSync(SYSTEM_PYTHON, ['-c', script, join(DIR, 'arrays.joblib')], {
        input: JSON.stringify(files),
        encoding: 'utf8',
      });
      assert.deepEqual(JSON.parse(bad), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loads (pickle.loads) stops at the raw bytes: a joblib file is not a plain pickle', () => {
    assert.throws(
      () => loads(dumpJoblib([NDArray.from(new Float64Array(64))])),
      (e: unknown) => isPickleError(e),
    );
  });
});

describe('the afterBuild load option', () => {
  const built = () => {
    const o = new PyObject('newobj', new PyGlobal('m', 'C'), tuple());
    o.state = { a: 1 };
    return o;
  };

  test('replaces the built object and resumes where it says, at a frame end', () => {
    for (const protocol of [2, 4, 5]) {
      const pickle = dumps([built(), 'after'], { protocol });
      // Splice 3 raw bytes after the BUILD: the hook skips them.
      const at = pickle.indexOf(0x62) + 1;
      const spliced = Uint8Array.from([...pickle.subarray(0, at), 9, 9, 9, ...pickle.subarray(at)]);
      if (protocol >= 4) {
        // Inside a frame the hook may not move the position.
        assert.throws(
          () =>
            new Unpickler(spliced, {
              afterBuild: (_b, offset) => ({ value: 'x', offset: offset + 3 }),
            }).load(),
          (e: unknown) => e instanceof UnpicklingError && /inside a frame/.test(e.message),
        );
        continue;
      }
      const v = new Unpickler(spliced, {
        afterBuild: (b, offset, data) => {
          assert.ok(b instanceof PyObject);
          assert.deepEqual([...data.subarray(offset, offset + 3)], [9, 9, 9]);
          return { value: 'replaced', offset: offset + 3 };
        },
      }).load();
      assert.deepEqual(v, ['replaced', 'after']);
    }
  });

  test('an offset outside the input, or a PickleError of the hook, is an UnpicklingError at the BUILD', () => {
    const pickle = dumps(built(), { protocol: 2 });
    for (const offset of [-1, 1e9, 0.5]) {
      assert.throws(
        () => new Unpickler(pickle, { afterBuild: () => ({ value: 1, offset }) }).load(),
        (e: unknown) => e instanceof UnpicklingError && e.opcode === 'BUILD',
      );
    }
    assert.throws(
      () =>
        new Unpickler(pickle, {
          afterBuild: () => {
            throw new UnpicklingError('refused by the hook');
          },
        }).load(),
      (e: unknown) =>
        e instanceof UnpicklingError && e.opcode === 'BUILD' && /refused by the hook/.test(e.message),
    );
  });
});
