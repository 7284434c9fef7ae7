/**
 * Worker entry of test/fuzz.test.ts: runs one fuzz property and reports each
 * input before loading it, so that the test thread can name the input of a
 * load that never returns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FuzzInput, type FuzzRun, runProperty } from './adv-fuzz.js';

export type WorkerMessage =
  | { readonly type: 'input'; readonly data: Uint8Array }
  | { readonly type: 'done'; readonly runs: number }
  | { readonly type: 'failed'; readonly message: string };

const { input, run } = workerData as { input: FuzzInput; run: Omit<FuzzRun, 'onInput'> };
const port = parentPort!;
let runs = 0;
try {
  runProperty(input, {
    ...run,
    onInput: (data) => {
      runs++;
      port.postMessage({ type: 'input', data } satisfies WorkerMessage);
    },
  });
  port.postMessage({ type: 'done', runs } satisfies WorkerMessage);
} catch (error) {
  port.postMessage({
    type: 'failed',
    message: error instanceof Error ? error.message : String(error),
  } satisfies WorkerMessage);
}
