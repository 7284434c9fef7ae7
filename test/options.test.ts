/**
 * Options are resolved once (src/options.ts): the `encoding` of Python 2
 * strings becomes one decoder per load, not one per string, and an encoding
 * nothing knows still fails only when a Python 2 string is read, as in Python.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRegistry, loads, Pickler, PicklingError, UnpicklingError } from '../src/index.js';
import {
  py2StringCodec,
  resolveDumpOptions,
  resolveLoadOptions,
  resolveScanOptions,
} from '../src/options.js';
import { runPython } from './support/python.js';

/** A protocol 0 list of `n` Python 2 strings, each the bytes AC 20 (written as Python 2 does: S'\xac '). */
function py2Strings(n: number): Uint8Array {
  return new TextEncoder().encode(`(l${"S'\\xac '\na".repeat(n)}.`);
}

test('the encoding is resolved to one decoder per load', () => {
  const Original = globalThis.TextDecoder;
  let made = 0;
  globalThis.TextDecoder = class extends Original {
    constructor(...args: ConstructorParameters<typeof TextDecoder>) {
      super(...args);
      made++;
    }
  };
  try {
    const value = loads(py2Strings(50), { encoding: 'utf-16le' }) as string[];
    assert.equal(value.length, 50);
    assert.ok(value.every((s) => s === '\u20ac'));
    assert.equal(made, 1);
  } finally {
    globalThis.TextDecoder = Original;
  }
  // What Python gives for the same bytes.
  const python = runPython(
    "import pickle, sys; sys.stdout.write(ascii(pickle.loads(sys.stdin.buffer.read(), encoding='utf-16le')[:2]))",
    [],
    new TextDecoder().decode(py2Strings(3)),
  );
  assert.equal(python, "['\\u20ac', '\\u20ac']");
});

test('the named codecs, and an unknown encoding that fails only on a Python 2 string', () => {
  const data = py2Strings(1);
  assert.deepEqual(loads(data, { encoding: 'latin1' }), ['\xac ']);
  assert.deepEqual(loads(data, { encoding: 'Latin-1' }), ['\xac ']);
  assert.deepEqual(loads(data, { encoding: 'bytes' }), [Uint8Array.of(0xac, 0x20)]);
  assert.throws(
    () => loads(data),
    (e: unknown) => e instanceof UnpicklingError && /encoding: 'latin1'/.test(e.message),
  );
  assert.throws(() => loads(data, { encoding: 'utf-8' }), UnpicklingError);
  assert.throws(
    () => loads(data, { encoding: 'no-such-codec' }),
    (e: unknown) =>
      e instanceof UnpicklingError && /unknown encoding: no-such-codec/.test(e.message) && e.offset === 2,
  );
  assert.deepEqual(loads(new TextEncoder().encode('(lI1\na.'), { encoding: 'no-such-codec' }), [1]);
  assert.equal(py2StringCodec('BYTES'), null);
  assert.equal(py2StringCodec('latin_1'), py2StringCodec('ISO-8859-1'));
});

test('load, dump and scan options get their defaults in one place', () => {
  const load = resolveLoadOptions(undefined, defaultRegistry);
  assert.equal(load.encoding, 'ASCII');
  assert.equal(load.fixImports, true);
  assert.equal(load.strict, false);
  assert.equal(resolveLoadOptions({ allowGlobals: ['a.*', 'b.c'] }, defaultRegistry).strict, true);
  assert.deepEqual(
    [...resolveLoadOptions({ allowGlobals: ['a.*', 'b.c'] }, defaultRegistry).allowModules],
    ['a'],
  );
  assert.equal(resolveLoadOptions({ exact: true }, defaultRegistry).dictsAsMap, true);
  const dump = resolveDumpOptions(undefined);
  assert.equal(dump.protocol, 5);
  assert.equal(dump.fixImports, true);
  assert.deepEqual(
    [...(resolveDumpOptions({ extensions: new Map([[7, ['m', 'n'] as const]]) }).extensions ?? [])],
    [['m\nn', 7]],
  );
  assert.throws(() => new Pickler({ protocol: 6 }), PicklingError);
  assert.throws(() => resolveDumpOptions({ protocol: 1.5 }), /integer from 0 to 5/);
  assert.deepEqual(resolveScanOptions(undefined), {
    persistentIds: undefined,
    inflateRaw: undefined,
    maxEntrySize: 2 ** 30,
    maxReported: 10_000,
  });
  assert.equal(resolveScanOptions({ maxReported: 3 }).maxReported, 3);
});
