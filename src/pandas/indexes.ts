/**
 * pandas' `Index` family as brine loads it: the pickled call
 * (`_new_Index(cls, d)`, `_new_DatetimeIndex(cls, d)`) kept as it was, and
 * read as labels.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { NDArray } from '../numpy/ndarray.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject, type PyObjectKind } from '../types/py-object.js';
import { isTuple, type Tuple, tuple } from '../types/tuple.js';
import {
  arrayCells,
  arrayDtype,
  arrayLength,
  asNDArray,
  dictGet,
  extensionParts,
  intCell,
  NotUnderstood,
  notUnderstood,
  tzName,
} from './arrays.js';

/** The most labels a RangeIndex (which stores none) may claim: a claim beyond any real frame. */
const MAX_LABELS = 2 ** 31;
/** The most labels of a RangeIndex listed as an array (its length is a claim the pickle's data does not back). */
const LIST_LIMIT = 2 ** 26;

/** Why a pandas value could not be read. */
export function problem(error: unknown): string {
  return error instanceof NotUnderstood ? error.message : String(error);
}

interface IndexData {
  readonly length: number;
  readonly dtype: string;
  readonly names: readonly unknown[];
  labels(): unknown[];
  /** The labels once read (the same tuples each time, so that they work as Map keys). */
  cached?: readonly unknown[];
}

/**
 * A pandas `Index` (and every subclass: `RangeIndex`, `Int64Index`,
 * `DatetimeIndex`, `MultiIndex`, `CategoricalIndex` ...). It is the inert
 * record of how the pickle built it (a {@link PyObject}: `_new_Index(cls, d)`),
 * so it dumps back exactly; the getters read the labels from it.
 *
 * Labels follow brine's value model: ints are numbers (bigints beyond
 * 2^53), datetimes are `bigint` nanoseconds since the epoch (UTC for an index
 * with a time zone), a missing datetime is `null`, and a `MultiIndex` label is
 * a tuple.
 */
export class Index extends PyObject {
  #cache: { state: unknown; args: Tuple; data: IndexData | string } | undefined;

  /** @internal */
  constructor(kind: PyObjectKind, callable: unknown, args: Tuple, kwargs: unknown = null) {
    super(kind, callable, args, kwargs);
  }

  /** pandas' class name: `Index`, `RangeIndex`, `Int64Index`, `DatetimeIndex`, `MultiIndex` ... */
  get className(): string {
    const cls = this.args[0];
    return cls instanceof PyGlobal ? cls.name : 'Index';
  }

  /** The dict the index was pickled with (`d` of `_new_Index(cls, d)`). */
  protected get dict(): unknown {
    return this.kind === 'reduce' ? this.args[1] : this.state;
  }

  #data(): IndexData | string {
    const cached = this.#cache;
    if (cached !== undefined && cached.state === this.state && cached.args === this.args) return cached.data;
    let data: IndexData | string;
    try {
      data = this.read();
    } catch (error) {
      if (!(error instanceof NotUnderstood)) throw error;
      data = `${this.className}: ${error.message}`;
    }
    this.#cache = { state: this.state, args: this.args, data };
    return data;
  }

  /** @internal */
  protected read(): IndexData {
    const d = this.dict;
    const values = dictGet(d, 'data');
    if (values === undefined) notUnderstood('an index without data');
    return {
      length: arrayLength(values),
      dtype: arrayDtype(values),
      names: [dictGet(d, 'name') ?? null],
      labels: () => arrayCells(values),
    };
  }

  #ok(): IndexData {
    const data = this.#data();
    if (typeof data === 'string') throw new PickleError(`brine cannot read this pandas index: ${data}`);
    return data;
  }

  /** True when brine reads the labels of this index; otherwise {@link problem} says why. */
  get readable(): boolean {
    return typeof this.#data() !== 'string';
  }

  /** Why the labels cannot be read, or `null`. */
  get problem(): string | null {
    const data = this.#data();
    return typeof data === 'string' ? data : null;
  }

  /** The number of labels (`len(index)`). */
  get length(): number {
    return this.#ok().length;
  }

  /** pandas' name of the dtype of the labels (`int64`, `object`, `datetime64[ns]`, `category`). */
  get dtype(): string {
    return this.#ok().dtype;
  }

  /** The index's name (`index.name`), `null` when none. */
  get name(): unknown {
    const names = this.#ok().names;
    return names.length === 1 ? names[0] : null;
  }

  /** The names of its levels (`index.names`): one for a flat index. */
  get names(): readonly unknown[] {
    return this.#ok().names;
  }

  /** The labels, as a new array. */
  toArray(): unknown[] {
    const data = this.#ok();
    data.cached ??= data.labels();
    return data.cached.slice();
  }

  /** Iterates over the labels. */
  [Symbol.iterator](): Iterator<unknown> {
    return this.toArray()[Symbol.iterator]();
  }
}

/** `RangeIndex(start, stop, step)`: labels computed, never stored. */
export class RangeIndex extends Index {
  #bounds(): [bigint, bigint, bigint] {
    const d = this.dict;
    const part = (key: string, fallback: bigint): bigint => {
      const v = dictGet(d, key);
      if (v === undefined || v === null) return fallback;
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === 'bigint') return v;
      return notUnderstood(`a RangeIndex ${key} that is not an int`);
    };
    const step = part('step', 1n);
    if (step === 0n) notUnderstood('a RangeIndex step of 0');
    return [part('start', 0n), part('stop', 0n), step];
  }

  /** The first label. */
  get start(): number | bigint {
    return intCell(this.#bounds()[0]);
  }
  /** The end, not included. */
  get stop(): number | bigint {
    return intCell(this.#bounds()[1]);
  }
  /** The step. */
  get step(): number | bigint {
    return intCell(this.#bounds()[2]);
  }

  /** @internal */
  protected override read(): IndexData {
    const [start, stop, step] = this.#bounds();
    const span = step > 0n ? stop - start : start - stop;
    const magnitude = step > 0n ? step : -step;
    const count = span <= 0n ? 0n : (span + magnitude - 1n) / magnitude;
    if (count > BigInt(MAX_LABELS)) notUnderstood(`a RangeIndex of ${count} labels`);
    const length = Number(count);
    return {
      length,
      dtype: 'int64',
      names: [dictGet(this.dict, 'name') ?? null],
      labels: () => {
        if (length > LIST_LIMIT)
          throw new PickleError(
            `a RangeIndex of ${length} labels is too long to list: use start, stop and step`,
          );
        const out = new Array<unknown>(length);
        if (
          Number.isSafeInteger(Number(start)) &&
          Number.isSafeInteger(Number(start + BigInt(length) * step))
        ) {
          const s0 = Number(start);
          const st = Number(step);
          for (let i = 0; i < length; i++) out[i] = s0 + i * st;
        } else for (let i = 0; i < length; i++) out[i] = intCell(start + BigInt(i) * step);
        return out;
      },
    };
  }
}

/** `DatetimeIndex`: labels are `bigint` nanoseconds since the epoch, `null` for NaT. */
export class DatetimeIndex extends Index {
  /** The time zone's name (`Europe/Paris`, `UTC`), `null` for a naive index. */
  get tz(): string | null {
    const dtype = this.dtype;
    const comma = dtype.indexOf(', ');
    return comma < 0 ? null : dtype.slice(comma + 2, -1);
  }

  /** @internal */
  protected override read(): IndexData {
    const d = this.dict;
    const data = dictGet(d, 'data');
    const base = super.read();
    // Older pickles hold the zone beside naive data.
    const tz = tzName(dictGet(d, 'tz'));
    if (tz !== undefined && data instanceof NDArray && data.dtype.kind === 'M')
      return { ...base, dtype: `datetime64[${data.dtype.unit ?? 'ns'}, ${tz}]` };
    return base;
  }
}

/** `CategoricalIndex`: labels are the categories of each code, `null` for a missing one. */
export class CategoricalIndex extends Index {}

/** `MultiIndex`: labels are tuples, one item per level (`null` for a missing one). */
export class MultiIndex extends Index {
  /** The levels (one `Index` each). */
  get levels(): readonly Index[] {
    const levels = dictGet(this.dict, 'levels');
    if (!Array.isArray(levels) || !levels.every((l) => l instanceof Index))
      throw new PickleError('brine cannot read the levels of this MultiIndex');
    return levels as Index[];
  }

  /** @internal */
  protected override read(): IndexData {
    const d = this.dict;
    const levels = dictGet(d, 'levels');
    const codes = dictGet(d, 'codes') ?? dictGet(d, 'labels');
    let names = dictGet(d, 'names');
    // Older pandas pickled the names as a FrozenList (a list subclass): its items.
    if (names instanceof PyObject && names.listitems !== null) names = names.listitems;
    if (!Array.isArray(levels) || !Array.isArray(codes) || levels.length !== codes.length)
      notUnderstood('a MultiIndex without levels and codes of one length');
    const levelLabels = levels.map((level) => {
      if (!(level instanceof Index)) return notUnderstood('a MultiIndex level that is not an index');
      if (level.problem !== null) notUnderstood(`a MultiIndex level: ${level.problem}`);
      return level;
    });
    const codeArrays = codes.map((c) => {
      const array = asNDArray(c);
      if (array === undefined) return notUnderstood('MultiIndex codes that are not arrays');
      return array;
    });
    const length = codeArrays.length === 0 ? 0 : arrayLength(codeArrays[0]);
    if (codeArrays.some((c) => arrayLength(c) !== length))
      notUnderstood('MultiIndex codes of different lengths');
    const nameList =
      Array.isArray(names) || isTuple(names) ? [...(names as unknown[])] : levelLabels.map(() => null);
    return {
      length,
      dtype: 'object',
      names: nameList,
      labels: () => {
        const columns = codeArrays.map((c, i) => {
          const values = levelLabels[i]!.toArray();
          return arrayCells(c).map((code) => {
            const k = Number(code);
            if (k < 0) return null;
            if (k >= values.length) notUnderstood(`MultiIndex code ${k} of a level of ${values.length}`);
            return values[k];
          });
        });
        const out = new Array<unknown>(length);
        for (let i = 0; i < length; i++) out[i] = tuple(...columns.map((col) => col[i]));
        return out;
      },
    };
  }
}

/** The index class for a pandas class name. @internal */
export function indexClassFor(name: string): typeof Index {
  switch (name) {
    case 'RangeIndex':
      return RangeIndex;
    case 'DatetimeIndex':
      return DatetimeIndex;
    case 'MultiIndex':
      return MultiIndex;
    case 'CategoricalIndex':
      return CategoricalIndex;
    default:
      return Index;
  }
}

/** Reads an extension array's dtype without failing (for messages). @internal */
export function safeDtype(values: unknown): string | undefined {
  try {
    return values instanceof NDArray ? arrayDtype(values) : extensionParts(values).dtype;
  } catch {
    return undefined;
  }
}
