/**
 * The scanner's report: its types, and how findings rank into a verdict.
 * One ranking for every reader of a report (the containers, the command).
 *
 * @module
 */

import type { Severity } from '../gadgets.js';

export type Verdict = Severity | 'malformed';

export type { ScanOptions } from '../../options.js';

/** A global the pickle references. */
export interface ScanGlobal {
  /** The module as the loader resolves it (Python 2 names mapped below protocol 3); `null` for a computed STACK_GLOBAL. */
  readonly module: string | null;
  /** The attribute name, possibly dotted; `null` for a computed STACK_GLOBAL. */
  readonly name: string | null;
  /** The module as written in the pickle. */
  readonly rawModule: string | null;
  /** The name as written in the pickle. */
  readonly rawName: string | null;
  /** Offset of the opcode that references it. */
  readonly offset: number;
  /** `GLOBAL`, `INST`, `STACK_GLOBAL`, or `REDUCE` for a static `getattr(global, 'name')`. */
  readonly opcode: string;
  readonly severity: Severity;
  readonly reason: string;
  /** Index of the pickle (0 for the first; more when pickles follow each other). */
  readonly pickle: number;
}

/** A place where the pickle calls something or sets an object's state. */
export interface ScanCall {
  readonly offset: number;
  /** `REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `INST`, `OBJ` or `BUILD`. */
  readonly opcode: string;
  /** `module.name` of the global called (for BUILD: of the callable that made the object), `null` when it is not a constant global. */
  readonly callable: string | null;
  readonly severity: Severity;
  readonly pickle: number;
}

/** An extension code, persistent id or out-of-band buffer. */
export interface ScanEvent {
  readonly offset: number;
  readonly opcode: string;
  /** The extension code, `torch storage`, the persistent id text, ... */
  readonly detail: string;
  readonly severity: Severity;
  readonly pickle: number;
}

/** Where and why the input stops being a valid pickle. */
export interface ScanProblem {
  readonly offset: number | undefined;
  readonly opcode: string | undefined;
  readonly reason: string;
  readonly pickle: number;
}

/** One reason behind the verdict. */
export interface ScanFinding {
  readonly severity: Verdict | 'info';
  readonly offset: number | undefined;
  readonly message: string;
  /** The archive entry it was found in. */
  readonly entry?: string;
}

/** One pickle of the input. */
export interface ScanPickle {
  readonly start: number;
  /** Offset after its STOP, or where the scan of it stopped. */
  readonly end: number;
  /** Its last PROTO (0 when it has none). */
  readonly protocol: number;
  /** True when it ends with STOP and has no error. */
  readonly complete: boolean;
}

/** One entry of a zip archive. */
export interface ScanArchiveEntry {
  readonly name: string;
  readonly localName: string | undefined;
  readonly size: number;
  readonly problems: readonly string[];
  /** The scan of the entry, when it was scanned as a pickle. */
  readonly report?: ScanReport;
}

/** What {@link scan} found. */
export interface ScanReport {
  readonly verdict: Verdict;
  /** The reasons behind the verdict, worst first. */
  readonly findings: readonly ScanFinding[];
  readonly globals: readonly ScanGlobal[];
  readonly calls: readonly ScanCall[];
  readonly extensions: readonly ScanEvent[];
  readonly persistentIds: readonly ScanEvent[];
  readonly buffers: readonly ScanEvent[];
  /** Every protocol a PROTO opcode announced, sorted. */
  readonly protocols: readonly number[];
  readonly pickles: readonly ScanPickle[];
  /** The first error of each pickle (later ones in the same pickle are not listed). */
  readonly malformed: readonly ScanProblem[];
  /** Items left out of the lists above (see {@link ScanOptions.maxReported}). */
  readonly omitted: number;
  /** For a zip archive: its entries and its own problems. */
  readonly archive?: { readonly entries: readonly ScanArchiveEntry[]; readonly problems: readonly string[] };
}

/** Verdicts and finding severities from least to most serious (`dangerous` wins over `malformed`). */
export const RANK: Record<Verdict | 'info', number> = {
  info: 0,
  safe: 1,
  review: 2,
  malformed: 3,
  dangerous: 4,
};
/** The worse of two verdicts. */
export function worse(a: Verdict, b: Verdict): Verdict {
  return RANK[b] > RANK[a] ? b : a;
}

/** The verdict the findings add up to: the worst severity among them, `safe` when there is none. */
export function verdictOf(findings: readonly ScanFinding[]): Verdict {
  let rank = RANK.safe;
  let verdict: Verdict = 'safe';
  for (const f of findings) {
    if (f.severity !== 'info' && RANK[f.severity] > rank) {
      rank = RANK[f.severity];
      verdict = f.severity;
    }
  }
  return verdict;
}

/** Findings worst first, in their order within a severity. */
export function sortFindings(findings: ScanFinding[]): ScanFinding[] {
  return findings
    .map((f, i) => [f, i] as const)
    .sort((a, b) => RANK[b[0].severity] - RANK[a[0].severity] || a[1] - b[1])
    .map(([f]) => f);
}

/** `report` with the dangerous findings of another reading of the same bytes added. */
export function withDangerous(report: ScanReport, other: ScanReport, reading: string): ScanReport {
  const dangerous = other.findings.filter((f) => f.severity === 'dangerous');
  if (dangerous.length === 0) return report;
  return {
    ...report,
    verdict: 'dangerous',
    findings: sortFindings([
      ...report.findings,
      ...dangerous.map((f) => ({ ...f, message: `${reading}: ${f.message}` })),
    ]),
  };
}

/** A report of no pickle at all, with one finding. */
export function emptyReport(finding: ScanFinding): ScanReport {
  return {
    verdict: verdictOf([finding]),
    findings: [finding],
    globals: [],
    calls: [],
    extensions: [],
    persistentIds: [],
    buffers: [],
    protocols: [],
    pickles: [],
    malformed: [],
    omitted: 0,
  };
}
