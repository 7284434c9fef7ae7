/**
 * What each test file of a shared process spent (test/support/run-tests.ts runs
 * the short files four shared processes): a shared process's file imports this
 * module before each of its test files, as `usage-file.mjs?file=<path>`, and
 * this module counts, in that process, the CPU and page faults of each file's
 * import (what a file does at its top level: corpora built, python3 run) and
 * of each test from its `beforeEach` to its `afterEach` (its children, such as
 * the python3 processes it ran, included once reaped). The counts go to the
 * process's line of `BRINE_TEST_USAGE` (test/support/usage.mjs), which the
 * runner prints per file, each test given to its file by name. Nothing is
 * counted, and no hook is added, without `BRINE_TEST_USAGE`.
 */
import { afterEach, beforeEach } from 'node:test';
import { counting, perFile, usage } from './usage.mjs';

const file = new URL(import.meta.url).searchParams.get('file');
if (counting() && file !== null) {
  const now = usage();
  const last = perFile.marks.at(-1);
  if (last !== undefined) last.end = now;
  // `?file=` (empty) ends the last file's import.
  if (file !== '') perFile.marks.push({ file, start: now, end: now });
  if (file !== '' && perFile.marks.length === 1) {
    // Around the outermost tests only: a nested test's cost is in its parent's.
    let depth = 0;
    let start = now;
    beforeEach(() => {
      if (depth++ === 0) start = usage();
    });
    afterEach((t) => {
      if (--depth === 0) perFile.tests.push({ name: t.name, start, end: usage() });
    });
  }
}
