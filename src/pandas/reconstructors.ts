/**
 * The pandas globals brine reconstructs. `DataFrame`, `Series` and the index
 * constructors (`_new_Index`, `_new_DatetimeIndex`) load as brine's
 * {@link DataFrame}, {@link Series} and {@link Index} classes; the rest of a
 * pandas pickle (block managers, blocks, extension arrays, dtypes, offsets,
 * time zones) loads as inert records the frame reads. None of them runs
 * anything: each turns data into data, and every object keeps the exact call
 * and state it was pickled with, so it dumps back to the same pickle.
 *
 * @module
 */
import type { Entry, ReconstructContext, Reconstructor, ReconstructorTable } from '../reconstruct.js';
import { PyGlobal } from '../types/py-global.js';
import type { PyObjectKind } from '../types/py-object.js';
import type { Tuple } from '../types/tuple.js';
import { isDict } from './arrays.js';
import { DataFrame, Series } from './frame.js';
import { DatetimeIndex, indexClassFor } from './indexes.js';
import {
  PANDAS_ARRAY_CLASSES,
  PANDAS_CALLS,
  PANDAS_DTYPE_CLASSES,
  PANDAS_FRAME_CLASSES,
  PANDAS_INDEX_CLASSES,
  PANDAS_INDEX_CONSTRUCTORS,
  PANDAS_VALUES,
} from './names.js';

/** A class whose instances stay inert records: `cls(*args)` and `cls.__new__(cls, *args)` both allowed. */
const record: Reconstructor = {
  call: (args, context) => context.inert('reduce', context.global, args),
  construct: (args, kwargs, context) =>
    context.inert(kwargs === null ? 'newobj' : 'newobj_ex', context.global, args, kwargs),
};

/** A global the pickle names as a value (`pd.NA`): allowed, kept as the global. */
const value: Reconstructor = {};

function frameClass(
  make: (kind: PyObjectKind, callable: unknown, args: Tuple, kwargs: unknown) => object,
): Reconstructor {
  return {
    construct: (args, kwargs, context) =>
      make(kwargs === null ? 'newobj' : 'newobj_ex', context.global, args, kwargs),
    // Python's default reduce never calls the class; a call stays inert.
    call: (args, context) => context.inert('reduce', context.global, args),
  };
}

/** `_new_Index(cls, d)` / `_new_DatetimeIndex(cls, d)`: an index of the class `cls` names. */
function indexConstructor(datetime: boolean): Reconstructor {
  return {
    call(args: Tuple, context: ReconstructContext) {
      const [cls, d] = args;
      if (args.length !== 2 || !(cls instanceof PyGlobal) || !isDict(d))
        return context.inert('reduce', context.global, args);
      const Cls = datetime ? DatetimeIndex : indexClassFor(cls.name);
      return new Cls('reduce', context.global, args);
    },
  };
}

function entries(): Entry[] {
  const out: Entry[] = [];
  const add = (list: readonly string[], reconstructor: Reconstructor) => {
    for (const qualified of list) {
      const dot = qualified.lastIndexOf('.');
      out.push([qualified.slice(0, dot), qualified.slice(dot + 1), reconstructor]);
    }
  };
  for (const qualified of PANDAS_FRAME_CLASSES) {
    const isFrame = qualified.endsWith('DataFrame');
    add(
      [qualified],
      frameClass((kind, callable, args, kwargs) =>
        isFrame
          ? new DataFrame(kind, callable, args as Tuple, kwargs)
          : new Series(kind, callable, args as Tuple, kwargs),
      ),
    );
  }
  for (const qualified of PANDAS_INDEX_CONSTRUCTORS)
    add([qualified], indexConstructor(qualified.endsWith('_new_DatetimeIndex')));
  add(PANDAS_INDEX_CLASSES, record);
  add(PANDAS_ARRAY_CLASSES, record);
  add(PANDAS_DTYPE_CLASSES, record);
  add(PANDAS_CALLS, record);
  add(PANDAS_VALUES, value);
  return out;
}

/**
 * The pandas table for a {@link Registry}: DataFrame, Series and Index, and
 * the data constructors their pickles use.
 *
 * @example Load pandas pickles with a registry of your own
 * ```ts
 * import { Registry, pandasReconstructors } from 'brine';
 * const registry = new Registry().include(pandasReconstructors);
 * registry.has('pandas.core.frame', 'DataFrame'); // true
 * ```
 */
export const pandasReconstructors: ReconstructorTable = { name: 'pandas', entries: entries() };
