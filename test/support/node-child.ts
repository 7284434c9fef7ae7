/**
 * A process that test/node.test.ts kills with SIGKILL while it replaces a
 * file, to show that the old file survives a crash at any step.
 *
 * node --import tsx test/support/node-child.ts TARGET STEP BYTES
 *
 * STEP is where the process stops and waits to be killed, after printing a
 * line that says where it is:
 * - `mid-write`: a quarter of the temp file written (`mid TEMP WRITTEN TOTAL`);
 * - `before-rename`: the temp file complete and synced (`rename TEMP TOTAL`);
 * - `plain`: the public dumpFile with no stop (`start TOTAL` first, `done` after).
 */
import { dumps } from '../../src/index.js';
import { type AtomicHooks, writeAtomic } from '../../src/node/atomic.js';
import { dumpFile } from '../../src/node/index.js';

const [target, step, size] = process.argv.slice(2);
if (target === undefined || step === undefined || size === undefined)
  throw new Error('usage: TARGET STEP BYTES');

const payload = new Uint8Array(Number(size));
for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
const value = { marker: 'new', payload };
const total = dumps(value).length;

// Keeps the process alive while it waits to be killed.
const waitForKill = (line: string): Promise<never> => {
  setInterval(() => {}, 1 << 30);
  process.stdout.write(`${line}\n`);
  return new Promise<never>(() => {});
};

if (step === 'plain') {
  process.stdout.write(`start ${total}\n`);
  await dumpFile(target, value);
  process.stdout.write('done\n');
} else {
  const hooks: AtomicHooks =
    step === 'mid-write'
      ? {
          chunkSize: 64 * 1024,
          afterWrite: (temp, written) =>
            written >= total / 4 ? waitForKill(`mid ${temp} ${written} ${total}`) : undefined,
        }
      : { beforeRename: (temp) => waitForKill(`rename ${temp} ${total}`) };
  await writeAtomic(target, dumps(value), {}, hooks);
}
