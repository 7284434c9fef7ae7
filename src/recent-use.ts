/**
 * How much of a kept resource (the writer's spare segments, the string and
 * object memos' tables, the pickler's entry arrays) recent dumps used, so that
 * what is kept between dumps follows use: a table one big dump grew is kept
 * while dumps that big keep coming, and let go once the dumps after it,
 * needing less, have written as many bytes of output as the resource holds
 * for that use. That bounds what letting go costs: growing the table again
 * costs about what writing its size in output does, so at most a constant
 * share of the work done since (a big dump every few small ones keeps its
 * tables; one big dump then only small ones gives them back).
 *
 * @module
 */

/** Bytes of output of every dump so far (see {@link wrote}). */
let written = 0;

/** Counts the output of one dump. */
export function wrote(n: number): void {
  written += n;
}

/** Records one dump's use and returns the largest of the recent ones (this one included). */
export type RecentUse = (used: number) => number;

/** A new record of recent use, for a resource that keeps about `unit` bytes per unit of use: see {@link RecentUse}. */
export function recentUse(unit: number): RecentUse {
  // The largest use still counted, and the output count when it was set.
  let peak = 0;
  let mark = 0;
  return (used) => {
    if (used >= peak || written - mark >= peak * unit) {
      peak = used;
      mark = written;
    }
    return peak;
  };
}
