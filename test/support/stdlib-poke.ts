/**
 * Calls every conversion a loaded value offers (`PY_REPR`, `toString`,
 * `valueOf`, `toJSON`, `toDate`, ...) on it and on everything it holds,
 * iteratively and once per object, so that a test can assert that none throws
 * and that nothing touched a prototype.
 */
import { PY_REPR, PyObject } from '../../src/index.js';

const METHODS = ['toString', 'valueOf', 'toJSON', 'toDate', 'toEpochMicroseconds', 'isoformat', 'toArray'];

/** What `poke` found wrong: the path to the value and the error, or `undefined`. At most `limit` objects are asked. */
export function poke(root: unknown, limit = 100_000): string | undefined {
  const seen = new Set<unknown>();
  const work: [unknown, string][] = [[root, 'root']];
  let visits = 0;
  while (work.length > 0 && visits++ < limit) {
    const [value, path] = work.pop()!;
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    const calls: [string, () => unknown][] = [];
    // Plain dicts and lists are the pickle's own data (a dict may well have a 'toString' key): only brine's classes are asked.
    const proto = Object.getPrototypeOf(value);
    const plain =
      proto === Object.prototype || proto === null || proto === Array.prototype || proto === Map.prototype;
    const method = (value as { [PY_REPR]?: unknown })[PY_REPR];
    if (typeof method === 'function') calls.push(['PY_REPR', () => method.call(value)]);
    for (const name of METHODS) {
      const fn = (value as Record<string, unknown>)[name];
      if (typeof fn === 'function') calls.push([name, () => fn.call(value)]);
    }
    calls.push(['String', () => String(value)]);
    for (const [name, call] of plain ? [] : calls) {
      try {
        call();
      } catch (error) {
        // toDate and friends may refuse a tzinfo they cannot evaluate, with a PickleError.
        if ((error as Error)?.name === 'PicklingError' && name !== 'PY_REPR' && name !== 'String') continue;
        return `${path}: ${name} threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
      }
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        work.push([k, `${path}.key${i}`], [v, `${path}.get(${i})`]);
        i++;
      }
    }
    if (value instanceof Set) for (const v of value) work.push([v, `${path}.item`]);
    if (value instanceof PyObject) {
      work.push([value.callable, `${path}.callable`], [value.args, `${path}.args`]);
      work.push([value.kwargs, `${path}.kwargs`], [value.state, `${path}.state`]);
      work.push([value.listitems, `${path}.listitems`], [value.dictitems, `${path}.dictitems`]);
    }
    if (!(value instanceof Uint8Array) && !ArrayBuffer.isView(value))
      for (const key of Object.keys(value))
        work.push([(value as Record<string, unknown>)[key], `${path}.${key}`]);
    for (const key of ['tzinfo', 'offset', 'args', 'state', 'attributes', 'defaultFactory', 'data'])
      if (Object.hasOwn(value, key) || key in value)
        work.push([(value as Record<string, unknown>)[key], `${path}.${key}`]);
  }
  if (({} as Record<string, unknown>).polluted !== undefined || Object.hasOwn(Object.prototype, 'x'))
    return 'a prototype was touched';
  return undefined;
}
