/**
 * Big dumps in a process of their own, for test/dump-results.test.ts: which
 * dumps give the writer's buffers back depends on the outputs the process
 * made before (an output more than twice as big as any before it gives them
 * back), so each sequence starts in a new process. Prints one line of JSON:
 * the `ArrayBuffer` bytes each dump left allocated besides its result (after
 * full collections before it, none after it), and whether each result, and
 * each earlier one at the end, is the expected pickle.
 *
 *   node first-dumps.ts sequence <floats p2> <floats twice as long p2>
 *   node first-dumps.ts failed <floats p2>
 *   node first-dumps.ts payload <protocol> <payload pickle>
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loads, Pickler } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const [mode, ...args] = process.argv.slice(2);
const report: Record<string, unknown> = {};
const kept: [Uint8Array, Uint8Array][] = [];

/** One dump: the ArrayBuffer bytes it left besides its result, and whether the result is `expected`. */
function dump(name: string, pickler: Pickler, value: unknown, expected: Uint8Array): void {
  // (A pickler keeps its memo between dumps, as Python's does: a list met again would be a BINGET.)
  pickler.clearMemo();
  gc();
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const got = pickler.dump(value);
  report[name] = process.memoryUsage().arrayBuffers - before - got.length;
  report[`${name} same`] = same(got, expected);
  kept.push([got, expected]);
}

const file = (path: string) => new Uint8Array(readFileSync(path));

if (mode === 'sequence') {
  const expected = file(args[0]!);
  const twice = file(args[1]!);
  const value = loads(expected, { exact: true });
  const pickler = new Pickler({ protocol: 2 });
  // The process's first big dump gives its buffers back; the next keeps its segments, the third
  // writes into them; a new pickler's dump of a size seen before keeps its own; one more than twice
  // as big gives back again, and the next of that size keeps.
  dump('first', pickler, value, expected);
  dump('second', pickler, value, expected);
  dump('third', pickler, value, expected);
  dump('new pickler', new Pickler({ protocol: 2 }), value, expected);
  const big = loads(twice, { exact: true });
  dump('twice', pickler, big, twice);
  dump('twice again', pickler, big, twice);
  dump('after', pickler, value, expected);
} else if (mode === 'failed') {
  const expected = file(args[0]!);
  const value = loads(expected, { exact: true }) as unknown[];
  const pickler = new Pickler({ protocol: 2 });
  // A big dump that fails past several segments (a getter throws after every float was written):
  // no result, nothing given back; the next dumps give CPython's bytes, the first of them giving back.
  const failing = [
    ...value,
    {
      get x(): number {
        throw new Error('no x');
      },
    },
  ];
  try {
    pickler.dump(failing);
    report.failed = false;
  } catch {
    report.failed = true;
  }
  dump('first', pickler, value, expected);
  dump('second', pickler, value, expected);
  try {
    pickler.dump(failing);
  } catch {}
  dump('third', pickler, value, expected);
} else if (mode === 'payload') {
  // A payload taken by reference (a piece of the output that is the input's memory) is never
  // given back with the writer's own buffers: it, and the input it is a view of, stay whole.
  const protocol = Number(args[0]);
  const expected = file(args[1]!);
  const input = expected.slice();
  const value = loads(input, { exact: true }) as [Uint8Array, string, number[]];
  const payload = value[0];
  const length = payload.length;
  for (let round = 0; round < 2; round++) {
    dump(`round ${round}`, new Pickler({ protocol }), value, expected);
    report[`round ${round} payload whole`] = payload.length === length && payload.buffer.byteLength > 0;
    report[`round ${round} input whole`] =
      input.buffer.byteLength === expected.length && same(input, expected);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
report['kept results unchanged'] = kept.every(([got, expected]) => same(got, expected));
process.stdout.write(`${JSON.stringify(report)}\n`);
