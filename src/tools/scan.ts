/**
 * The static scanner (`scan`, `scanArchive`): what a pickle would make
 * Python do, without executing or building anything. The code is in
 * `scan/`: the containers (`containers.ts`), the abstract pickle machine
 * (`machine.ts`), the report and its ranking (`report.ts`) and the data each
 * library contributes (`../scan-library.ts`, `gadgets.ts`). The rules and limits are
 * documented in docs/scanner.md.
 *
 * @module
 */

export type { PersistentIdShape, ScanContainer, ScanLibrary } from '../scan-library.js';
export { DEFAULT_LIBRARIES, ScanRules, scanRules } from './gadgets.js';
export { scan, scanArchive } from './scan/containers.js';
export {
  RANK,
  type ScanArchiveEntry,
  type ScanCall,
  type ScanEvent,
  type ScanFinding,
  type ScanGlobal,
  type ScanOptions,
  type ScanPickle,
  type ScanProblem,
  type ScanReport,
  type Verdict,
  verdictOf,
  worse,
} from './scan/report.js';
