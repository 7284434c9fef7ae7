/**
 * pandas' `DataFrame` and `Series` as brine loads them: the pickled object
 * (its class, its state dict with the block manager) kept exactly as it was,
 * so that it dumps back to the same pickle, and read as columns and rows.
 *
 * @module
 */
import { PickleError } from '../errors.js';
import { NDArray } from '../numpy/ndarray.js';
import { PySlice } from '../types/builtins.js';
import { PyGlobal } from '../types/py-global.js';
import { PyObject, type PyObjectKind } from '../types/py-object.js';
import { isTuple, type Tuple } from '../types/tuple.js';
import {
  arrayCells,
  arrayDtype,
  arrayLength,
  arrayWidth,
  dictGet,
  isDict,
  NotUnderstood,
  notUnderstood,
  toInt,
} from './arrays.js';
import { Index } from './indexes.js';

/** One block of a manager: its values and the positions of its columns. */
interface Block {
  readonly values: unknown;
  readonly placement: readonly number[];
}

/** A block manager read: its axes (columns then rows for a frame; rows for a series) and blocks. */
interface Manager {
  readonly axes: readonly Index[];
  readonly blocks: readonly Block[];
}

/** Where column `i` lives: block and row within it. */
interface Located {
  readonly block: Block;
  readonly row: number;
}

/** The list items of a tuple or list value. */
function items(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** The column positions a block placement names: a slice, an int array, or a list. */
function placement(value: unknown, width: number): number[] {
  if (value instanceof PySlice) {
    const start = value.start === null ? 0 : toInt(value.start);
    const step = value.step === null ? 1 : toInt(value.step);
    const stop = toInt(value.stop);
    if (start === undefined || stop === undefined || step === undefined || step === 0)
      notUnderstood('a block placement slice with open or non-int bounds');
    const out: number[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.push(i);
      if (out.length > width) notUnderstood('a block placement longer than its block');
    }
    return out;
  }
  if (value instanceof NDArray) {
    if (value.dtype.kind !== 'i' && value.dtype.kind !== 'u') notUnderstood('a block placement of non-ints');
    return arrayCells(value).map((v) => {
      const n = toInt(v);
      if (n === undefined) return notUnderstood('a block placement beyond 2^53');
      return n;
    });
  }
  const list = items(value);
  if (list !== undefined)
    return list.map((v) => {
      const n = toInt(v);
      if (n === undefined) return notUnderstood('a block placement that is not an int');
      return n;
    });
  if (value instanceof PyObject) {
    // BlockPlacement objects: their state or argument is the slice or array.
    const inner = value.args.length === 1 ? value.args[0] : value.state;
    if (inner !== undefined && inner !== value) return placement(inner, width);
  }
  return notUnderstood('a block placement brine does not read');
}

function isGlobalNamed(value: unknown, ...names: string[]): boolean {
  return value instanceof PyGlobal && names.includes(value.name);
}

/** Reads a block manager in any of the layouts pandas pickles. */
function readManager(mgr: unknown, ndim: 1 | 2): Manager {
  if (!(mgr instanceof PyObject)) notUnderstood('a block manager that is not an object');
  // pandas >= 1.3: BlockManager(blocks, axes) / SingleBlockManager(block, axis), blocks made by _unpickle_block.
  if (mgr.kind === 'reduce' && mgr.state === undefined && mgr.args.length === 2) {
    const [first, second] = mgr.args;
    if (ndim === 1 && !Array.isArray(first)) {
      if (!(second instanceof Index)) notUnderstood('a single block manager without its index');
      return { axes: [second], blocks: [readBlock(first, 1)] };
    }
    const blocks = items(first);
    const axes = items(second);
    if (blocks === undefined || axes === undefined) notUnderstood('a block manager without blocks and axes');
    return { axes: axes.map(checkIndex), blocks: blocks.map((b) => readBlock(b, ndim)) };
  }
  // pandas 0.14.1 to 1.x: NEWOBJ, then the state (axes, values, items, {'0.14.1': {axes, blocks}}).
  const state = mgr.state;
  if (isTuple(state) && state.length >= 4) {
    const extra = dictGet(state[3], '0.14.1');
    if (extra !== undefined) {
      const axes = items(dictGet(extra, 'axes'));
      const blocks = items(dictGet(extra, 'blocks'));
      if (axes === undefined || blocks === undefined)
        notUnderstood("a '0.14.1' state without axes and blocks");
      return {
        axes: axes.map(checkIndex),
        blocks: blocks.map((b) => {
          const values = dictGet(b, 'values');
          return {
            values,
            placement: ndim === 1 ? [0] : placement(dictGet(b, 'mgr_locs'), arrayWidth(values)),
          };
        }),
      };
    }
  }
  return notUnderstood('a block manager layout older than pandas 0.14.1, or one brine does not read');
}

function checkIndex(axis: unknown): Index {
  if (!(axis instanceof Index)) notUnderstood('an axis that is not a pandas index');
  const trouble = axis.problem;
  if (trouble !== null) notUnderstood(`an axis brine cannot read (${trouble})`);
  return axis;
}

/**
 * A block: its values, and the columns they fill. A series' single block is
 * placed at its rows (`slice(0, n)`), which says nothing about columns.
 */
function readBlock(block: unknown, ndim: 1 | 2): Block {
  if (!(block instanceof PyObject)) notUnderstood('a block that is not an object');
  // _unpickle_block(values, placement, ndim) / new_block(values, placement, ndim)
  if (
    block.kind === 'reduce' &&
    isGlobalNamed(block.callable, '_unpickle_block', 'new_block') &&
    block.args.length >= 2
  ) {
    const values = block.args[0];
    return { values, placement: ndim === 1 ? [0] : placement(block.args[1], arrayWidth(values)) };
  }
  // Older Block objects: NEWOBJ, then the state (mgr_locs, values[, ndim]).
  const state = block.state;
  if (isTuple(state) && state.length >= 2) {
    const values = state[1];
    return { values, placement: ndim === 1 ? [0] : placement(state[0], arrayWidth(values)) };
  }
  return notUnderstood('a block brine does not read');
}

interface FrameData {
  readonly manager: Manager;
  readonly located: readonly Located[];
  readonly rows: number;
}

function locate(manager: Manager, columns: number, rows: number): Located[] {
  const located = new Array<Located | undefined>(columns);
  for (const block of manager.blocks) {
    const width = arrayWidth(block.values);
    if (block.placement.length !== width)
      notUnderstood(`a block of ${width} columns placed at ${block.placement.length} positions`);
    if (arrayLength(block.values) !== rows) notUnderstood('a block whose length is not the index length');
    block.placement.forEach((position, row) => {
      if (position < 0 || position >= columns || located[position] !== undefined)
        notUnderstood(`a block placed at column ${position} of ${columns}`);
      located[position] = { block, row };
    });
  }
  for (let i = 0; i < columns; i++) if (located[i] === undefined) notUnderstood(`column ${i} in no block`);
  return located as Located[];
}

/** Shared by DataFrame and Series: the state dict, its manager, and the read cache. */
abstract class NDFrame extends PyObject {
  #cache: { state: unknown; data: FrameData | string } | undefined;

  /** @internal */
  constructor(kind: PyObjectKind, callable: unknown, args: Tuple, kwargs: unknown = null) {
    super(kind, callable, args, kwargs);
  }

  /** @internal */
  protected abstract readonly ndim: 1 | 2;

  /** @internal */
  protected frameData(): FrameData {
    const data = this.#read();
    if (typeof data === 'string')
      throw new PickleError(
        `brine cannot read this pandas ${this.ndim === 2 ? 'DataFrame' : 'Series'}: ${data}`,
      );
    return data;
  }

  #read(): FrameData | string {
    const cached = this.#cache;
    if (cached !== undefined && cached.state === this.state) return cached.data;
    let data: FrameData | string;
    try {
      const state = this.state;
      // The state is a dict with the manager under '_mgr' ('_data' before pandas 1.1), or the manager itself.
      const mgr = isDict(state) ? (dictGet(state, '_mgr') ?? dictGet(state, '_data')) : state;
      const manager = readManager(mgr, this.ndim);
      if (manager.axes.length !== this.ndim) notUnderstood(`a manager of ${manager.axes.length} axes`);
      const rows = manager.axes[this.ndim - 1]!.length;
      const columns = this.ndim === 2 ? manager.axes[0]!.length : 1;
      data = { manager, located: locate(manager, columns, rows), rows };
    } catch (error) {
      if (!(error instanceof NotUnderstood)) throw error;
      data = error.message;
    }
    this.#cache = { state: this.state, data };
    return data;
  }

  /** True when brine reads this object's data; otherwise {@link problem} says why. */
  get readable(): boolean {
    return typeof this.#read() !== 'string';
  }

  /** Why the data cannot be read, or `null`. */
  get problem(): string | null {
    const data = this.#read();
    return typeof data === 'string' ? data : null;
  }

  /** The row labels. */
  get index(): Index {
    const { manager } = this.frameData();
    return manager.axes[this.ndim - 1]!;
  }

  /** The attributes pandas pickled beside the data (`attrs`), or `undefined`. */
  get attrs(): unknown {
    return dictGet(this.state, 'attrs');
  }

  /** @internal the values of column `i` as pickled, and its row in them. */
  protected located(i: number): Located {
    return this.frameData().located[i]!;
  }

  /** @internal */
  protected columnValues(i: number): NDArray | unknown[] {
    const { block, row } = this.located(i);
    const { values } = block;
    if (values instanceof NDArray) return blockRow(values, row);
    return arrayCells(values, row);
  }

  /** @internal */
  protected columnCells(i: number): unknown[] {
    const { block, row } = this.located(i);
    return arrayCells(block.values, row);
  }

  /** @internal */
  protected columnDtype(i: number): string {
    return arrayDtype(this.located(i).block.values);
  }
}

/**
 * A pandas `DataFrame`. It is the inert record of how the pickle built it (a
 * {@link PyObject}: the class and its state dict), so that it dumps back as
 * pandas wrote it; the getters read columns and rows from it.
 *
 * A column of a numpy block is an `NDArray` (datetimes are `M8[ns]` arrays);
 * a column of an extension array (Categorical, nullable `Int64` and
 * `boolean`, `string`, datetimes with a time zone) is a JS array of cells,
 * `null` for a missing value. Cells (in {@link DataFrame.toRecords} and
 * {@link DataFrame.columnArray}) follow brine's value model: ints are numbers (bigints
 * beyond 2^53), datetimes `bigint` nanoseconds since the epoch (UTC when the
 * column has a time zone), NaT and missing values `null`.
 *
 * @example Read a frame pandas pickled
 * ```ts
 * import { type DataFrame, loads } from 'brine';
 * // Python: pd.DataFrame({'v': [1.0, 2.0, 3.0], 'w': ['p', 'q', 'r']}, index=pd.Index(['x', 'y', 'z'], name='key')).to_pickle(path)
 * const df = loads(readFixture('test/fixtures/pandas/frame_str_index.p5.pkl')) as DataFrame;
 * df.shape; // [3, 2]
 * df.columns.toArray(); // ['v', 'w']
 * df.index.toArray(); // ['x', 'y', 'z']
 * df.toRecords(); // [{ v: 1, w: 'p' }, { v: 2, w: 'q' }, { v: 3, w: 'r' }]
 * ```
 */
export class DataFrame extends NDFrame {
  /** @internal */
  protected readonly ndim = 2;

  /** The column labels. */
  get columns(): Index {
    return this.frameData().manager.axes[0]!;
  }

  /** `[rows, columns]`, as `df.shape`. */
  get shape(): [number, number] {
    const data = this.frameData();
    return [data.rows, data.located.length];
  }

  /** pandas' dtype name of each column, in order (`int64`, `float64`, `object`, `category`, `Int64` ...). */
  get dtypes(): string[] {
    return this.frameData().located.map((_, i) => this.columnDtype(i));
  }

  /** The position of the first column with this label (labels compare as `Object.is`, tuples item by item). */
  #position(label: unknown): number {
    const labels = this.columns.toArray();
    const at = labels.findIndex((l) => sameLabel(l, label));
    if (at < 0) throw new PickleError(`no column ${formatLabel(label)} in this DataFrame`);
    return at;
  }

  /**
   * The column with this label (the first one when labels repeat): an
   * `NDArray` for a numpy block, an array of cells for an extension array and
   * for columns of a block of objects.
   */
  column(label: unknown): NDArray | unknown[] {
    return this.columnValues(this.#position(label));
  }

  /** The column at position `i`, as {@link column}. */
  columnAt(i: number): NDArray | unknown[] {
    this.#checkPosition(i);
    return this.columnValues(i);
  }

  /** The cells of the column with this label, as a JS array. */
  columnArray(label: unknown): unknown[] {
    return this.columnCells(this.#position(label));
  }

  /** The cells of the column at position `i`. */
  columnArrayAt(i: number): unknown[] {
    this.#checkPosition(i);
    return this.columnCells(i);
  }

  #checkPosition(i: number): void {
    const n = this.frameData().located.length;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new PickleError(`no column at position ${i} of ${n}`);
  }

  /**
   * The rows as records, as `df.to_dict('records')`: plain objects keyed by
   * column label when every label is a string (and none repeats), else `Map`s
   * keyed by label (a repeated label keeps its last column, as pandas does).
   */
  toRecords(): (Record<string, unknown> | Map<unknown, unknown>)[] {
    const { rows, located } = this.frameData();
    const labels = this.columns.toArray();
    // Without columns, the row count is the index's claim alone (a RangeIndex stores no rows).
    if (located.length === 0 && rows > 2 ** 26)
      throw new PickleError(`a frame of ${rows} rows and no columns is too long to list`);
    const cells = located.map((_, i) => this.columnCells(i));
    const plain =
      labels.every((l) => typeof l === 'string' && !/^(0|[1-9]\d*)$/.test(l)) &&
      new Set(labels).size === labels.length;
    const out = new Array<Record<string, unknown> | Map<unknown, unknown>>(rows);
    for (let r = 0; r < rows; r++) {
      if (plain) {
        const record: Record<string, unknown> = {};
        for (let c = 0; c < labels.length; c++)
          Object.defineProperty(record, labels[c] as string, {
            value: cells[c]![r],
            writable: true,
            enumerable: true,
            configurable: true,
          });
        out[r] = record;
      } else {
        const record = new Map<unknown, unknown>();
        for (let c = 0; c < labels.length; c++) record.set(labels[c], cells[c]![r]);
        out[r] = record;
      }
    }
    return out;
  }
}

/**
 * A pandas `Series`: like {@link DataFrame}, the inert record of its pickle,
 * read as one column with its index and name.
 */
export class Series extends NDFrame {
  /** @internal */
  protected readonly ndim = 1;

  /** The series' name (`series.name`), `null` when none. */
  get name(): unknown {
    const name = dictGet(this.state, 'name');
    return name === undefined ? null : name;
  }

  /** The number of values. */
  get length(): number {
    return this.frameData().rows;
  }

  /** pandas' dtype name (`int64`, `category`, `datetime64[ns, UTC]` ...). */
  get dtype(): string {
    return this.columnDtype(0);
  }

  /** The values: an `NDArray` for numpy data, an array of cells for an extension array. */
  get values(): NDArray | unknown[] {
    return this.columnValues(0);
  }

  /** The values as cells in a JS array (see {@link DataFrame}). */
  toArray(): unknown[] {
    return this.columnCells(0);
  }
}

/** Row `row` of a block's (columns, rows) array as a 1-d array: a view when its elements are contiguous. */
function blockRow(values: NDArray, row: number): NDArray {
  const { shape, dtype } = values;
  if (shape.length === 1) return values;
  if (shape.length !== 2) return notUnderstood(`a ${shape.length}-d block`);
  const [width, n] = shape as [number, number];
  const objects = values.objects;
  const size = dtype.itemsize;
  if (width === 1) return new NDArray({ dtype, shape: [n], bytes: values.bytes, objects });
  if (values.order === 'C') {
    return new NDArray({
      dtype,
      shape: [n],
      bytes: objects === null ? values.bytes.subarray(row * n * size, (row + 1) * n * size) : undefined,
      objects: objects === null ? null : objects.slice(row * n, (row + 1) * n),
    });
  }
  // F order: the column's elements are `width` apart.
  if (objects !== null) {
    const picked = new Array<unknown>(n);
    for (let j = 0; j < n; j++) picked[j] = objects[row + j * width];
    return new NDArray({ dtype, shape: [n], objects: picked });
  }
  const out = new Uint8Array(n * size);
  const src = values.bytes;
  for (let j = 0; j < n; j++) {
    const at = (row + j * width) * size;
    out.set(src.subarray(at, at + size), j * size);
  }
  return new NDArray({ dtype, shape: [n], bytes: out });
}

function sameLabel(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === 'number' && typeof b === 'bigint') return BigInt(a) === b;
  if (typeof a === 'bigint' && typeof b === 'number') return a === BigInt(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameLabel(x, (b as unknown[])[i]));
  return false;
}

function formatLabel(label: unknown): string {
  if (typeof label === 'string') return JSON.stringify(label);
  if (Array.isArray(label)) return `(${label.map(formatLabel).join(', ')})`;
  return String(label);
}
