/**
 * joblib's file format (`joblib.dump` / `joblib.load`) and what a scanner
 * needs to know about joblib and scikit-learn files.
 *
 * @module
 */
export { type DumpJoblibOptions, dumpJoblib } from './dump.js';
export {
  isSklearnDataClass,
  JOBLIB_SAFE_GLOBALS,
  type JoblibArrayInfo,
  type JoblibArraySpan,
  JoblibError,
  joblibArraySpan,
  joblibArrayWrapper,
} from './format.js';
export { type LoadJoblibOptions, loadJoblib } from './load.js';
