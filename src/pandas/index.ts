/**
 * pandas: DataFrame, Series and Index from the pickles pandas writes (the
 * block manager layouts of pandas 0.14.1 to 2.x), the reconstructor table
 * that loads them, and the names the scanner rates as data.
 *
 * @module
 */
export { DataFrame, Series } from './frame.js';
export { CategoricalIndex, DatetimeIndex, Index, MultiIndex, RangeIndex } from './indexes.js';
export { PANDAS_SAFE_GLOBALS } from './names.js';
export { pandasReconstructors } from './reconstructors.js';
