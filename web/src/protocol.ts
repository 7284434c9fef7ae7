/** The messages between the page and its parsing worker. */

export type Verdict = 'safe' | 'review' | 'dangerous' | 'malformed';

/** One reason of the verdict. */
export interface Finding {
  readonly severity: Verdict | 'info';
  readonly message: string;
  /** Byte offset in the pickle it was found in. */
  readonly offset: number | undefined;
  /** The archive entry (the pickle's name) it was found in. */
  readonly entry: string | undefined;
}

/** One node of the value tree. */
export interface TreeNode {
  readonly id: number;
  /** The key, index or field it hangs from (`[0]`, `'weight'`, `state`). */
  readonly key: string;
  /** The value's type, as Python names it (`list`, `collections.OrderedDict`, `numpy.ndarray`). */
  readonly type: string;
  /** Python's repr for a leaf; a short description for a container. */
  readonly text: string;
  /** Children it has (0 for a leaf or a reference to a value shown elsewhere). */
  readonly count: number;
  /** `shared`: the first place of a value met more than once; `ref` a later place; `cycle` a place inside itself. */
  readonly mark: 'shared' | 'ref' | 'cycle' | undefined;
  /** The number of the shared value (`#1`). */
  readonly shared: number | undefined;
  /** An array or tensor: the arrays panel can show it. */
  readonly array: boolean;
  /** Opcodes that made it: offsets in the pickle `pickle`. */
  readonly ops: { readonly pickle: string; readonly start: number; readonly end: number } | undefined;
}

/** A row of the arrays and tensors table. */
export interface ArrayRow {
  readonly id: number;
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly numel: number;
  readonly nbytes: number;
}

/** The first values and the plot of an array or tensor. */
export interface ArrayPreview {
  readonly id: number;
  readonly title: string;
  readonly type: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** First values: rows of Python reprs (one row for a 1-D array). */
  readonly table: readonly (readonly string[])[];
  /** The shape of what `table` shows, when it is a part (`[8, 8]` of `[100, 100]`). */
  readonly tableShape: readonly number[];
  readonly plot:
    | { kind: 'heatmap'; rows: number; cols: number; values: Float32Array; min: number; max: number }
    | { kind: 'image'; rows: number; cols: number; rgba: Uint8ClampedArray }
    | { kind: 'line'; values: Float32Array; min: number; max: number }
    | undefined;
  /** Why there are no values or no plot, or what was sampled. */
  readonly note: string | undefined;
}

/** One disassembled pickle, as the page first sees it (more lines on request). */
export interface Disassembly {
  /** Its name: the file's name or the archive entry. */
  readonly name: string;
  /** Lines of pickletools' text (`python -m pickletools --annotate`). */
  readonly lineCount: number;
  /** The first lines, each without its newline. */
  readonly lines: readonly string[];
  /** Where pickletools would raise, or why the text is cut. */
  readonly error: string | undefined;
}

/** A pickle of the file: its bytes from `start`, or why they could not be read. */
export interface PickleBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly error: string | undefined;
}

export interface Opened {
  readonly name: string;
  readonly size: number;
  /** What the file is (`pickle`, `PyTorch checkpoint`, `numpy .npy`, ...). */
  readonly format: string;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** Findings left out of `findings` (the verdict covers them). */
  readonly moreFindings: number;
  /** What was read lazily or left out, for the status line. */
  readonly notes: readonly string[];
  readonly root: TreeNode | undefined;
  /** Why the value could not be loaded. */
  readonly loadError: string | undefined;
  readonly arrays: {
    readonly title: string;
    readonly rows: readonly ArrayRow[];
    readonly totalNumel: number;
    readonly totalBytes: number;
    readonly more: number;
  };
  /** The pickles the disassembly panel shows (disassembled by a second worker, so the tree stays quick). */
  readonly pickles: readonly PickleBytes[];
  readonly convert: { readonly json: boolean; readonly pickle: boolean; readonly safetensors: boolean };
  /** Milliseconds from the open request to this reply. */
  readonly ms: number;
}

export type Request =
  | {
      readonly seq: number;
      readonly t: 'open';
      readonly file: Blob;
      readonly name: string;
      /** Read a zip archive lazily whatever its size (`?lazy` in the page's address). */
      readonly lazy?: boolean;
    }
  | {
      readonly seq: number;
      readonly t: 'children';
      readonly id: number;
      readonly from: number;
      readonly limit: number;
    }
  | { readonly seq: number; readonly t: 'array'; readonly id: number }
  | { readonly seq: number; readonly t: 'disassemble'; readonly pickles: readonly PickleBytes[] }
  | {
      readonly seq: number;
      readonly t: 'lines';
      readonly pickle: number;
      readonly from: number;
      readonly to: number;
    }
  | {
      readonly seq: number;
      readonly t: 'find';
      readonly pickle: number;
      readonly query: string;
      readonly after: number;
    }
  | {
      readonly seq: number;
      readonly t: 'line-of';
      readonly pickle: number;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly seq: number;
      readonly t: 'convert';
      readonly to: 'json' | 'pickle' | 'safetensors';
      readonly protocol?: number;
    };

export type Reply =
  | { readonly seq: 0; readonly t: 'ready' }
  | {
      readonly seq: number;
      readonly t: 'progress';
      readonly stage: string;
      readonly done: number;
      readonly total: number;
    }
  | { readonly seq: number; readonly t: 'opened'; readonly opened: Opened }
  | { readonly seq: number; readonly t: 'disassembled'; readonly list: readonly Disassembly[] }
  | {
      readonly seq: number;
      readonly t: 'children';
      readonly nodes: readonly TreeNode[];
      readonly total: number;
    }
  | { readonly seq: number; readonly t: 'array'; readonly preview: ArrayPreview }
  | { readonly seq: number; readonly t: 'lines'; readonly lines: readonly string[] }
  | { readonly seq: number; readonly t: 'found'; readonly line: number; readonly count: number }
  | { readonly seq: number; readonly t: 'line-of'; readonly from: number; readonly to: number }
  | {
      readonly seq: number;
      readonly t: 'converted';
      readonly name: string;
      readonly mime: string;
      readonly bytes: Uint8Array;
    }
  | { readonly seq: number; readonly t: 'error'; readonly message: string };
