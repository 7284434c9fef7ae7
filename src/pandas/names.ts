/**
 * The pandas globals that are data constructors: what a pickle of a
 * DataFrame, a Series or an Index names, and nothing that can run code
 * given other arguments. The pandas reconstructor table registers exactly
 * these, and the scanner rates them as data.
 *
 * @module
 */

/** `DataFrame` and `Series` (and pandas' older names for them). */
export const PANDAS_FRAME_CLASSES: readonly string[] = [
  'pandas.core.frame.DataFrame',
  'pandas.core.series.Series',
  'pandas.core.series.TimeSeries',
];

/** The functions an index is pickled with: `_new_Index(cls, d)`, `_new_DatetimeIndex(cls, d)`. */
export const PANDAS_INDEX_CONSTRUCTORS: readonly string[] = [
  'pandas.core.indexes.base._new_Index',
  'pandas.indexes.base._new_Index',
  'pandas.core.index._new_Index',
  'pandas.core.indexes.datetimes._new_DatetimeIndex',
  'pandas.tseries.index._new_DatetimeIndex',
];

/** Index classes, named as the first argument of the index constructors. */
export const PANDAS_INDEX_CLASSES: readonly string[] = [
  'pandas.core.indexes.base.Index',
  'pandas.core.indexes.range.RangeIndex',
  'pandas.core.indexes.numeric.Int64Index',
  'pandas.core.indexes.numeric.UInt64Index',
  'pandas.core.indexes.numeric.Float64Index',
  'pandas.core.indexes.numeric.NumericIndex',
  'pandas.core.indexes.datetimes.DatetimeIndex',
  'pandas.core.indexes.timedeltas.TimedeltaIndex',
  'pandas.core.indexes.multi.MultiIndex',
  'pandas.core.indexes.category.CategoricalIndex',
  'pandas.core.indexes.frozen.FrozenList',
  'pandas.core.indexes.frozen.FrozenNDArray',
  'pandas.core.base.FrozenNDArray',
  'pandas.core.base.FrozenList',
  'pandas.indexes.base.Index',
  'pandas.indexes.numeric.Int64Index',
  'pandas.indexes.numeric.Float64Index',
  'pandas.indexes.range.RangeIndex',
  'pandas.indexes.multi.MultiIndex',
  'pandas.indexes.frozen.FrozenList',
  'pandas.core.index.Index',
  'pandas.core.index.Int64Index',
  'pandas.core.index.MultiIndex',
  'pandas.tseries.index.DatetimeIndex',
];

/** Block managers, blocks and extension arrays: records the frame reads. */
export const PANDAS_ARRAY_CLASSES: readonly string[] = [
  'pandas.core.internals.managers.BlockManager',
  'pandas.core.internals.managers.SingleBlockManager',
  'pandas.core.internals.BlockManager',
  'pandas.core.internals.SingleBlockManager',
  'pandas.core.arrays.categorical.Categorical',
  'pandas.core.categorical.Categorical',
  'pandas.core.arrays.datetimes.DatetimeArray',
  'pandas.core.arrays.timedeltas.TimedeltaArray',
  'pandas.core.arrays.string_.StringArray',
  'pandas.core.arrays.string_.StringArrayNumpySemantics',
  'pandas.core.arrays.numpy_.PandasArray',
  'pandas.core.arrays.numpy_.NumpyExtensionArray',
  'pandas.core.arrays.integer.IntegerArray',
  'pandas.core.arrays.boolean.BooleanArray',
  'pandas.core.arrays.floating.FloatingArray',
];

/** Extension dtypes. */
export const PANDAS_DTYPE_CLASSES: readonly string[] = [
  'pandas.core.dtypes.dtypes.CategoricalDtype',
  'pandas.core.dtypes.dtypes.DatetimeTZDtype',
  'pandas.core.arrays.integer.Int8Dtype',
  'pandas.core.arrays.integer.Int16Dtype',
  'pandas.core.arrays.integer.Int32Dtype',
  'pandas.core.arrays.integer.Int64Dtype',
  'pandas.core.arrays.integer.UInt8Dtype',
  'pandas.core.arrays.integer.UInt16Dtype',
  'pandas.core.arrays.integer.UInt32Dtype',
  'pandas.core.arrays.integer.UInt64Dtype',
  'pandas.core.arrays.floating.Float32Dtype',
  'pandas.core.arrays.floating.Float64Dtype',
  'pandas.core.arrays.boolean.BooleanDtype',
  'pandas.core.arrays.string_.StringDtype',
];

/**
 * Data constructors a frame's parts call: blocks, Cython's unpickler of
 * pandas' array base class, NaT, timestamps, date offsets (an index's
 * `freq`) and the pytz zones of datetime columns.
 */
export const PANDAS_CALLS: readonly string[] = [
  'pandas._libs.internals._unpickle_block',
  'pandas._libs.arrays.__pyx_unpickle_NDArrayBacked',
  'pandas._libs.tslibs.nattype.__nat_unpickle',
  'pandas._libs.tslib.__nat_unpickle',
  'pandas._libs.tslibs.timestamps._unpickle_timestamp',
  ...[
    'Day',
    'Hour',
    'Minute',
    'Second',
    'Milli',
    'Micro',
    'Nano',
    'BusinessDay',
    'Week',
    'MonthEnd',
    'MonthBegin',
    'BusinessMonthEnd',
    'BusinessMonthBegin',
    'QuarterEnd',
    'QuarterBegin',
    'YearEnd',
    'YearBegin',
  ].map((name) => `pandas._libs.tslibs.offsets.${name}`),
  'pytz._p',
  'pytz._UTC',
];

/** Globals a pickle names as values: `pd.NA`. */
export const PANDAS_VALUES: readonly string[] = ['pandas._libs.missing.NA'];

/**
 * Every pandas global brine treats as data (module and name joined by a
 * dot), for the scanner: the globals of the pandas reconstructor table.
 */
export const PANDAS_SAFE_GLOBALS: readonly string[] = [
  ...PANDAS_FRAME_CLASSES,
  ...PANDAS_INDEX_CONSTRUCTORS,
  ...PANDAS_INDEX_CLASSES,
  ...PANDAS_ARRAY_CLASSES,
  ...PANDAS_DTYPE_CLASSES,
  ...PANDAS_CALLS,
  ...PANDAS_VALUES,
];
