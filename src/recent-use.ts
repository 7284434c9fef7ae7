/**
 * How much of a kept resource (the writer's spare segments, the string and
 * object memos' tables, the pickler's entry arrays) the last few dumps used,
 * so that what is kept between dumps follows recent use: a table one big dump
 * grew is kept while dumps that big keep coming, and dropped once a few
 * dumps in a row needed less.
 *
 * @module
 */

/** Dumps after the largest use before it stops counting (it counts for RECENT to 2 * RECENT dumps). */
const RECENT = 4;

/** Records one dump's use and returns the largest of the recent ones (this one included). */
export type RecentUse = (used: number) => number;

/** A new record of recent use: see {@link RecentUse}. */
export function recentUse(): RecentUse {
  // The largest use still counted; the largest since it was set, and how many uses that was.
  let peak = 0;
  let since = 0;
  let age = 0;
  return (used) => {
    if (used >= peak) {
      peak = used;
      since = age = 0;
    } else {
      if (used > since) since = used;
      if (++age >= RECENT) {
        peak = since;
        since = age = 0;
      }
    }
    return peak;
  };
}
