/**
 * What a process spent, written when it ends: loaded with `--import` (through
 * NODE_OPTIONS) into each process that test/support/run-tests.ts starts, when
 * `BRINE_TEST_USAGE` names a file. At exit the process appends one JSON line
 * to that file: its command line, its own CPU seconds (user, system) and page
 * faults, when it started and ended, and those of every process it started and waited for (Linux's
 * /proc/self/stat: a child's totals are added to its parent's when the
 * parent reaps it, so a test file's line holds the python3, node and bash
 * processes it ran).
 *
 * The module takes itself out of NODE_OPTIONS at once, so that the processes
 * a test starts run as they would without it (and are counted in its line).
 * Elsewhere than Linux it writes nothing.
 */
import { appendFileSync, readFileSync } from 'node:fs';

const file = process.env.BRINE_TEST_USAGE;
const options = process.env.BRINE_TEST_USAGE_NODE_OPTIONS;
if (options === undefined || options === '') delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = options;
delete process.env.BRINE_TEST_USAGE;
delete process.env.BRINE_TEST_USAGE_NODE_OPTIONS;

/** This process's /proc/self/stat, as counts: seconds of CPU and page faults, own and children's. */
export function usage() {
  const text = readFileSync('/proc/self/stat', 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i) => Number(f[i - 3]); // proc(5) numbers the fields from 1; the third is f[0].
  const tick = 100; // USER_HZ: the kernel reports these times in 1/100 s on Linux.
  return {
    user: n(14) / tick,
    sys: n(15) / tick,
    childUser: n(16) / tick,
    childSys: n(17) / tick,
    minflt: n(10),
    childMinflt: n(11),
    majflt: n(12),
    childMajflt: n(13),
  };
}

/** True when this process's usage is written (test/support/usage-file.mjs counts per file then). */
export function counting() {
  return file !== undefined && file !== '' && process.platform === 'linux';
}

/**
 * Per test file of a shared process (test/support/usage-file.mjs): the usage at the
 * start and end of each file's import, and around each outermost test.
 */
export const perFile = { marks: [], tests: [] };

/** The counts from `a` to `b`. */
function delta(a, b) {
  const cpu = (u) => u.user + u.sys + u.childUser + u.childSys;
  const faults = (u) => u.minflt + u.childMinflt + u.majflt + u.childMajflt;
  return { cpu: Math.round((cpu(b) - cpu(a)) * 100) / 100, faults: faults(b) - faults(a) };
}

if (counting()) {
  process.on('exit', () => {
    try {
      const files =
        perFile.marks.length === 0
          ? {}
          : {
              files: perFile.marks.map((m) => ({ file: m.file, ...delta(m.start, m.end) })),
              tests: perFile.tests.map((t) => ({ name: t.name, ...delta(t.start, t.end) })),
            };
      // When the process ran, in ms since the epoch: for the runner's timeline of the run.
      const when = { start: Math.round(performance.timeOrigin), end: Date.now() };
      appendFileSync(
        file,
        `${JSON.stringify({ argv: process.argv.slice(1), ...usage(), ...when, ...files })}\n`,
      );
    } catch {
      // Counting is a report, not a check: a process that cannot write its line still passes.
    }
  });
}
