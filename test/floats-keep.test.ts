/**
 * `floats: 'keep'`: the float-preserving round trip on its own. Python writes
 * config-like pickles (integral and non-integral floats, ints, bools, nested
 * dicts and lists) at every protocol; brine loads them with the option, edits
 * one field, dumps them, and python3 loads the result and compares every
 * value AND its type with what the edit should give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads, PyFloat } from '../src/index.js';
import { pythonCases, runPython } from './support/python.js';

const CONFIG = `{
  'lr': 1.0, 'momentum': 0.9, 'epochs': 10, 'neg_zero': -0.0, 'big': 1e16, 'huge': 1e300,
  'inf': float('inf'), 'nan_free': [2.0, 2, 2.5, True, None],
  'nested': {'scale': 3.0, 'count': 3, 'pair': (4.0, 4)}, 'ratio': -7.0,
}`;

const cases = pythonCases(`
import pickle
config = ${CONFIG}
cases = {f'p{p}': pickle.dumps(config, protocol=p) for p in range(6)}
`);

test("floats: 'keep' loads only integral floats as PyFloat and leaves everything else as the default does", () => {
  for (const [name, data] of cases) {
    const kept = loads(data, { floats: 'keep' }) as Record<string, unknown>;
    const plain = loads(data) as Record<string, unknown>;
    // Dicts stay plain objects (exact: true would make them Maps).
    assert.equal(Object.getPrototypeOf(kept), Object.prototype, name);
    assert.ok(kept.lr instanceof PyFloat, name);
    assert.equal((kept.lr as PyFloat).value, 1);
    assert.equal(kept.momentum, 0.9, name);
    assert.equal(kept.epochs, 10, name);
    assert.ok(kept.neg_zero instanceof PyFloat && Object.is(kept.neg_zero.value, -0), name);
    assert.ok(kept.big instanceof PyFloat, name);
    assert.ok(kept.huge instanceof PyFloat, name);
    assert.equal(kept.inf, Number.POSITIVE_INFINITY, name);
    const list = kept.nan_free as unknown[];
    assert.ok(list[0] instanceof PyFloat, name);
    assert.deepEqual(list.slice(1), [2, 2.5, true, null], name);
    const nested = kept.nested as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(nested), Object.prototype, name);
    assert.ok(nested.scale instanceof PyFloat, name);
    assert.equal(nested.count, 3, name);
    // Without the option, the same pickle loads exactly as before.
    assert.equal(plain.lr, 1, name);
    assert.equal((plain.nested as Record<string, unknown>).scale, 3, name);
  }
});

test('load, edit a field, save: python3 reads back every type unchanged', () => {
  const out: Record<string, string> = {};
  for (const [name, data] of cases) {
    const config = loads(data, { floats: 'keep' }) as Record<string, unknown>;
    config.epochs = 20; // the edit
    (config.nested as Record<string, unknown>).count = 4;
    const protocol = Number(name.slice(1));
    out[name] = Buffer.from(dumps(config, { protocol })).toString('hex');
  }
  const report = runPython(
    `
import json, math, pickle, sys
expected = ${CONFIG}
expected['epochs'] = 20
expected['nested']['count'] = 4
def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b
result = {}
for name, blob in json.loads(sys.stdin.read()).items():
    got = pickle.loads(bytes.fromhex(blob))
    result[name] = same(got, expected) or repr(got)
print(json.dumps(result))
`,
    [],
    JSON.stringify(out),
  );
  const result = JSON.parse(report) as Record<string, true | string>;
  for (const name of cases.keys()) assert.equal(result[name], true, `${name}: ${result[name]}`);
});

test('without the option the same round trip turns 1.0 into the int 1 (what the option is for)', () => {
  const data = cases.get('p5')!;
  const back = runPython(
    'import pickle, sys; d = pickle.loads(bytes.fromhex(sys.stdin.read())); print(type(d["lr"]).__name__)',
    [],
    Buffer.from(dumps(loads(data))).toString('hex'),
  );
  assert.equal(back.trim(), 'int');
});

test("floats: 'keep' agrees with exact: true on floats, and exact still implies it", () => {
  const data = cases.get('p2')!;
  const exact = loads(data, { exact: true }) as Map<string, unknown>;
  assert.ok(exact instanceof Map);
  assert.ok(exact.get('lr') instanceof PyFloat);
  const both = loads(data, { exact: true, floats: 'number' }) as Map<string, unknown>;
  assert.ok(both.get('lr') instanceof PyFloat);
  assert.equal((loads(data, { floats: 'number' }) as Record<string, unknown>).lr, 1);
});
