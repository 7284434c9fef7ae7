/**
 * Property-based fuzzing of the loader (fast-check): truncations, byte
 * mutations and splices of CPython pickles, and soups of random opcodes. Every
 * input must load or throw a PickleError, in under two seconds, without
 * touching a built-in prototype.
 *
 * Each property runs in a worker thread watched from here: a load that never
 * returns is reported with its input instead of hanging the test run. The
 * watchdog counts the process's CPU time, not wall time: on a busy machine a
 * worker may wait long for a core, but only a load that works without end
 * burns CPU time without a word.
 *
 *   BRINE_SEED=<int>       fast-check seed (default fixed; printed on failure)
 *   BRINE_FUZZ_RUNS=<int>  total runs over all properties (default 4000; BRINE_BUDGET=full, as in
 *                          `npm run fuzz`: 200000)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { cpuSince } from './support/adv-assert.js';
import { type FuzzInput, PROPERTIES, type PropertyName, RUN_SHARE } from './support/adv-fuzz.js';
import type { WorkerMessage } from './support/adv-fuzz-worker.js';
import { runs, seed } from './support/budget.js';
import { loadCorpus, toHex } from './support/python.js';
import { compiledCopy } from './support/ts-script.js';

const SEED = seed(0x0b21e);
const TOTAL_RUNS = runs(4_000, 200_000, 'BRINE_FUZZ_RUNS');
/**
 * No word from a worker while the process used this much CPU time: its current
 * load is hung. Every input loads in milliseconds and its own check allows
 * seconds (adv-fuzz.ts); this only catches a load that never returns.
 */
const WATCHDOG_CPU_MS = 60_000;
/** How often the watchdog looks. */
const WATCHDOG_POLL_MS = 500;

const corpus = loadCorpus();
const input: FuzzInput = {
  // Small seeds keep each run fast; the big ones are covered by the adversarial truncation test.
  seeds: corpus.pickles.filter((p) => p.data.length <= 2048).map((p) => p.data),
  opcodes: corpus.opcodes,
};

/**
 * Starts the worker: its compiled copy under `npm test` (test/support/ts-script.ts), else the
 * TypeScript through tsx (workers do not inherit the --import of the test process).
 */
function startWorker(data: unknown): Worker {
  const compiled = compiledCopy(fileURLToPath(new URL('./support/adv-fuzz-worker.ts', import.meta.url)));
  if (compiled !== undefined) return new Worker(compiled, { workerData: data });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./support/adv-fuzz-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: data });
}

function runInWorker(property: PropertyName, numRuns: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = startWorker({ input, run: { property, seed: SEED, numRuns } });
    let last: Uint8Array | undefined;
    let settled = false;
    let heard = process.cpuUsage();
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void worker.terminate();
      fn();
    };
    const timer = setInterval(() => {
      const used = cpuSince(heard);
      if (used < WATCHDOG_CPU_MS) return;
      const hex = last === undefined ? '(none yet)' : `(${last.length} bytes) ${toHex(last)}`;
      finish(() =>
        reject(
          new Error(
            `fuzz property "${property}": a load did not return within ${used.toFixed(0)} ms of CPU time (hang); BRINE_SEED=${SEED}\n  input ${hex}`,
          ),
        ),
      );
    }, WATCHDOG_POLL_MS);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'input') {
        last = message.data;
        heard = process.cpuUsage();
      } else if (message.type === 'done') {
        finish(() => resolve(message.runs));
      } else {
        finish(() => reject(new Error(message.message)));
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) =>
      finish(() =>
        reject(new Error(`fuzz worker for "${property}" exited with code ${code}; BRINE_SEED=${SEED}`)),
      ),
    );
  });
}

describe(`fuzzing the loader (BRINE_SEED=${SEED}, ${TOTAL_RUNS} runs)`, { concurrency: 2 }, () => {
  it('has a seed corpus', () => {
    assert.ok(input.seeds.length >= 100, `only ${input.seeds.length} seeds`);
    assert.ok(Number.isInteger(SEED), `BRINE_SEED must be an integer, got ${process.env.BRINE_SEED}`);
  });

  for (const property of PROPERTIES) {
    const numRuns = Math.max(1, Math.round(TOTAL_RUNS * RUN_SHARE[property]));
    it(`${property}: ${numRuns} inputs load or throw a PickleError`, async () => {
      const runs = await runInWorker(property, numRuns);
      assert.ok(runs >= numRuns, `only ${runs} of ${numRuns} inputs were tried`);
    });
  }
});
