/**
 * Coverage-guided fuzzing of brine's entry points, guided by V8's own precise
 * block coverage (`node:inspector`, `Profiler.startPreciseCoverage`): an
 * input that makes any block of `src/` run for the first time joins the
 * corpus, and later inputs are mutations of the corpus. Every input goes
 * through `loads`, `scan`, `disassemble`, `toJSON` / `fromJSON` and a chunked
 * `PickleChunkReader`; each must return or throw a PickleError, within a time
 * and memory budget (a slow input is a finding, as a crash is).
 *
 * Used by test/coverage-fuzz.test.ts (a short fixed-seed run) and by
 * `npm run fuzz` (a long one):
 *
 *   node --import tsx test/fuzz/coverage.ts [iterations] [seed]
 */
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import {
  disassemble,
  fromJSON,
  isPickleError,
  loads,
  PickleChunkReader,
  scan,
  toJSON,
} from '../../src/index.js';

/**
 * One input's budget in CPU time of the process (not wall time, which a busy
 * machine stretches): more than this is a finding.
 */
export const TIME_BUDGET_MS = 2000;
/** One input's budget: a heap that grows by more than this while it runs is a finding. */
export const MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;
/** Inputs are kept small: every size in a pickle is a claim, and the mutations must reach the checks. */
const MAX_INPUT = 4096;

export interface FuzzReport {
  readonly iterations: number;
  readonly corpus: number;
  readonly blocks: number;
  readonly findings: readonly string[];
  readonly ms: number;
}

// Where the modules of src/ run from (resolved, not computed from this file: the test build runs
// compiled copies of them from a directory of its own).
const SRC = new URL('./', import.meta.resolve('../../src/index.js')).href;

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

interface Coverage {
  result: {
    url: string;
    functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
  }[];
}

/** mulberry32. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPCODES = Uint8Array.from(
  '()*.012FIJKLMNPRSTUVX]abcdeghijlopqrstu}\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98',
  (c) => c.charCodeAt(0),
);

function mutate(input: Uint8Array, corpus: readonly Uint8Array[], random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  let out = Array.from(input);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const at = int(out.length + 1);
    switch (int(7)) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = int(256);
        break;
      case 1:
        out.splice(at, 0, OPCODES[int(OPCODES.length)]!);
        break;
      case 2:
        out.splice(at, 1 + int(8));
        break;
      case 3: {
        const other = corpus[int(corpus.length)]!;
        const from = int(other.length);
        out.splice(at, 0, ...other.subarray(from, from + 1 + int(64)));
        break;
      }
      case 4: {
        const from = int(out.length);
        out.splice(at, 0, ...out.slice(from, from + 1 + int(32)));
        break;
      }
      case 5:
        // An interesting number: a length or id at a boundary.
        out.splice(
          at,
          0,
          ...[[0xff, 0xff, 0xff, 0x7f], [0xfe, 0xff, 0xff, 0xff], [0, 0, 0, 0x80], [0]][int(4)]!,
        );
        break;
      default:
        if (out.length > 0) out[Math.min(at, out.length - 1)]! ^= 1 << int(8);
    }
  }
  if (out.length > MAX_INPUT) out = out.slice(0, MAX_INPUT);
  return Uint8Array.from(out);
}

/** Every entry point on one input; returns a finding, or undefined. */
export function exercise(data: Uint8Array): string | undefined {
  const calls: [string, () => unknown][] = [
    [
      'loads+toJSON+fromJSON',
      () => {
        const value = loads(data);
        fromJSON(toJSON(value));
      },
    ],
    ['scan', () => scan(data)],
    ['disassemble', () => disassemble(data)],
    [
      'PickleChunkReader',
      () => {
        const reader = new PickleChunkReader();
        for (let i = 0; i < data.length; i += 7) reader.push(data.subarray(i, i + 7));
        reader.end();
        for (let n = 0; n < 64 && reader.read() !== undefined; n++);
      },
    ],
  ];
  for (const [name, call] of calls) {
    const heap = process.memoryUsage().heapUsed;
    const start = process.cpuUsage();
    try {
      call();
    } catch (error) {
      if (!isPickleError(error)) {
        return `${name} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      }
    }
    const used = process.cpuUsage(start);
    const ms = (used.user + used.system) / 1000;
    if (ms > TIME_BUDGET_MS)
      return `${name} took ${ms.toFixed(0)} ms of CPU time (budget ${TIME_BUDGET_MS} ms)`;
    const grown = process.memoryUsage().heapUsed - heap;
    if (grown > MEMORY_BUDGET_BYTES) return `${name} grew the heap by ${(grown / 2 ** 20).toFixed(0)} MiB`;
  }
  return undefined;
}

/** Runs the fuzzer from `seeds` for `iterations` mutated inputs. */
export async function fuzz(
  seeds: readonly Uint8Array[],
  iterations: number,
  seed: number,
): Promise<FuzzReport> {
  const started = performance.now();
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const seen = new Set<string>();
  /** The blocks the last input ran that no earlier input ran. */
  const fresh = async (): Promise<number> => {
    const { result } = await post<Coverage>(session, 'Profiler.takePreciseCoverage');
    let added = 0;
    for (const script of result) {
      if (!script.url.startsWith(SRC)) continue;
      for (const fn of script.functions) {
        for (const range of fn.ranges) {
          if (range.count === 0) continue;
          const key = `${script.url}:${range.startOffset}:${range.endOffset}`;
          if (!seen.has(key)) {
            seen.add(key);
            added++;
          }
        }
      }
    }
    return added;
  };
  const random = rng(seed);
  const corpus: Uint8Array[] = [];
  const findings: string[] = [];
  const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');
  for (const input of seeds) {
    const finding = exercise(input);
    if (finding !== undefined) findings.push(`${finding}\n  input ${hex(input)}`);
    if ((await fresh()) > 0) corpus.push(input);
  }
  if (corpus.length === 0) corpus.push(Uint8Array.of(0x80, 2, 0x4e, 0x2e));
  for (let i = 0; i < iterations; i++) {
    const parent = corpus[Math.floor(random() * corpus.length)]!;
    const input = mutate(parent, corpus, random);
    const finding = exercise(input);
    if (finding !== undefined) {
      findings.push(`${finding}\n  input ${hex(input)}`);
      if (findings.length >= 20) break;
    }
    if ((await fresh()) > 0) corpus.push(input);
  }
  await post(session, 'Profiler.stopPreciseCoverage');
  session.disconnect();
  return { iterations, corpus: corpus.length, blocks: seen.size, findings, ms: performance.now() - started };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const iterations = Number(process.argv[2] ?? 20000);
  const seed = Number(process.argv[3] ?? 0xc0ffee);
  const { loadCorpus } = await import('../support/python.js');
  const seeds = loadCorpus()
    .pickles.filter((p) => p.data.length <= MAX_INPUT)
    .map((p) => p.data);
  const report = await fuzz(seeds, iterations, seed);
  console.log(
    `coverage-guided fuzzing: ${report.iterations} inputs after ${seeds.length} seeds, ${report.corpus} kept, ${report.blocks} blocks of src/ covered, ${report.findings.length} findings, ${(report.ms / 1000).toFixed(0)} s`,
  );
  for (const f of report.findings) console.log(`FINDING ${f}`);
  process.exitCode = report.findings.length === 0 ? 0 : 1;
}
