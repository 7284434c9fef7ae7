/**
 * What the worker computes for the page, with brine's exported API only:
 * the scan, the loaded value as a tree of nodes fetched page by page, the
 * arrays and tensors, the disassembly and the conversions. Runs in the
 * worker; nothing here touches the DOM.
 */
import {
  type ByteSource,
  blobSource,
  DisassemblyError,
  decompress,
  disassemble,
  dumpSafetensors,
  dumps,
  FrozenSet,
  inflateRaw,
  isNpy,
  isTuple,
  isZip,
  loadJoblib,
  loadNpy,
  loadNpz,
  loadSafetensors,
  loadTorch,
  loadTorchFrom,
  NDArray,
  PY_REDUCE,
  PyByteArray,
  PyCounter,
  PyDefaultDict,
  PyDeque,
  PyFloat,
  PyGlobal,
  PyObject,
  PyOrderedDict,
  type Reduction,
  readNpyHeader,
  readZipDirectory,
  readZipEntryFrom,
  repr,
  reprBytes,
  reprString,
  type ScanReport,
  scan,
  sniffCompression,
  sniffFormat,
  stateDictTensors,
  summariseTensors,
  Tensor,
  toJSON,
  type ZipEntry,
} from '../../src/index.js';
import type {
  ArrayPreview,
  ArrayRow,
  Disassembly,
  Finding,
  Opened,
  PickleBytes,
  TreeNode,
  Verdict,
} from './protocol.js';
import { provenance, type Shadow } from './provenance.js';

/** Files up to this size are read whole; a larger zip archive is read lazily, by slices. */
export const WHOLE_FILE_LIMIT = 64 * 2 ** 20;
/** The most bytes one decompressed file or archive entry may have. */
const MAX_OUTPUT = 512 * 2 ** 20;
/** The most bytes of a pickle disassembled (the text is some 30 times larger). */
const MAX_DISASSEMBLED = 8 * 2 ** 20;
/** Text of the disassembly kept, in characters. */
const MAX_DISASSEMBLY_TEXT = 64 * 2 ** 20;
/** Values visited to find shared values and arrays. */
const MAX_WALK = 2_000_000;
/** Rows of the arrays table. */
const MAX_ARRAY_ROWS = 2000;
/** Leaves' repr budget. */
const MAX_REPR = 400;
/** Storages larger than this are not read for a preview. */
const MAX_PREVIEW_BYTES = 256 * 2 ** 20;

const inflate = (data: Uint8Array, max: number): Uint8Array =>
  inflateRaw(data, { maxOutput: Math.min(max, MAX_OUTPUT) });

/** The scanner inflates and decompresses at most this much per entry (a bomb is reported, not inflated). */
const MAX_SCANNED_ENTRY = 64 * 2 ** 20;
const SCAN_OPTIONS = { inflateRaw: inflate, maxEntrySize: MAX_SCANNED_ENTRY };

type Progress = (stage: string, done: number, total: number) => void;

interface NodeRecord {
  value: unknown;
  shadow: Shadow | undefined;
}

/** Reads a whole blob by slices, reporting progress. */
async function readAll(file: Blob, progress: Progress): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  const step = 8 * 2 ** 20;
  for (let at = 0; at < file.size; at += step) {
    progress('reading', at, file.size);
    out.set(new Uint8Array(await file.slice(at, Math.min(file.size, at + step)).arrayBuffer()), at);
  }
  progress('reading', file.size, file.size);
  return out;
}

function message(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const RANK: Record<Verdict, number> = { safe: 0, review: 1, malformed: 2, dangerous: 3 };

/** The state of one opened file. */
export class Inspection {
  private readonly nodes: NodeRecord[] = [];
  /** Places each object was met: its first place and how many. */
  private readonly home = new Map<object, { parent: object | null; index: number }>();
  private readonly refs = new Map<object, number>();
  private readonly sharedNo = new Map<object, number>();
  private value: unknown;
  private loaded = false;
  private pickleName = '';
  private kind: 'pickle' | 'joblib' | 'torch' | 'npy' | 'npz' | 'safetensors' | 'other' = 'other';
  private fileName = 'file';
  /** The disassemblies, in the order the page lists them. */
  texts: DisText[] = [];
  /** The pickles to disassemble once the rest is shown. */
  private pending: PickleBytes[] = [];

  /** Opens `file`: scans, loads, disassembles. */
  async open(file: Blob, name: string, lazy: boolean, progress: Progress): Promise<Opened> {
    const t0 = performance.now();
    this.fileName = name;
    const notes: string[] = [];
    const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
    let report: ScanReport | undefined;
    const reports: ScanReport[] = [];
    this.pending = [];
    let shadow: Shadow | undefined;
    let loadError: string | undefined;
    let format = 'pickle';
    const load = (fn: () => unknown): void => {
      progress('loading', 0, 1);
      try {
        this.value = fn();
        this.loaded = true;
      } catch (error) {
        loadError = message(error);
      }
    };
    const dis = (name: string, bytes: Uint8Array, start = 0): void => {
      const small = bytes.length - start <= MAX_DISASSEMBLED;
      this.pending.push({
        name,
        bytes: small ? bytes.slice() : new Uint8Array(0),
        start: small ? start : 0,
        error: small ? undefined : `not disassembled: the pickle has ${mib(bytes.length - start)}`,
      });
      if (this.pickleName === '' && bytes.length - start <= MAX_DISASSEMBLED) {
        progress('finding offsets', 0, 1);
        this.pickleName = name;
        shadow = provenance(bytes, start);
      }
    };

    if (isZip(head)) {
      const whole = !lazy && file.size <= WHOLE_FILE_LIMIT;
      const bytes = whole ? await readAll(file, progress) : undefined;
      const source: ByteSource = bytes !== undefined ? bytesSourceOf(bytes) : blobSource(file);
      if (bytes !== undefined) {
        progress('scanning', 0, 1);
        report = scan(bytes, SCAN_OPTIONS);
      } else {
        notes.push(`read lazily: the archive's directory and its pickles only (no tensor data)`);
      }
      let entries: readonly ZipEntry[] = [];
      try {
        entries = (await readZipDirectory(source)).entries.filter((e) => e.source === 'central');
      } catch (error) {
        loadError = message(error);
      }
      const isTorch = entries.some((e) => /^[^/]*\/data\.pkl$/.test(e.name));
      const isNpz = !isTorch && entries.length > 0 && entries.every((e) => e.name.endsWith('.npy'));
      format = isTorch
        ? entries.some((e) => e.name.endsWith('/constants.pkl'))
          ? 'TorchScript archive'
          : 'PyTorch checkpoint (zip)'
        : isNpz
          ? 'numpy .npz archive'
          : 'zip archive';
      this.kind = isTorch ? 'torch' : isNpz ? 'npz' : 'other';
      for (const entry of entries) {
        if (!entry.name.endsWith('.pkl')) continue;
        if (entry.size > MAX_OUTPUT) {
          notes.push(`${entry.name}: ${mib(entry.size)}, not read`);
          continue;
        }
        let pickle: Uint8Array;
        try {
          pickle = await readZipEntryFrom(source, entry, { inflateRaw: inflate, maxSize: MAX_OUTPUT });
        } catch (error) {
          this.pending.push({ name: entry.name, bytes: new Uint8Array(0), start: 0, error: message(error) });
          continue;
        }
        if (bytes === undefined) {
          progress('scanning', 0, 1);
          // As scanArchive reads the pickles of an archive laid out as torch.save writes it.
          const options = isTorch ? { ...SCAN_OPTIONS, persistentIds: 'torch' } : SCAN_OPTIONS;
          reports.push(withEntry(scan(pickle, options), entry.name));
        }
        dis(entry.name, pickle);
      }
      if (isTorch) {
        progress('loading', 0, 1);
        try {
          this.value = bytes !== undefined ? loadTorch(bytes) : await loadTorchFrom(source);
          this.loaded = true;
        } catch (error) {
          loadError = message(error);
        }
      } else if (isNpz) {
        const all = bytes ?? (file.size <= MAX_OUTPUT ? await readAll(file, progress) : undefined);
        if (all === undefined) loadError = `a ${mib(file.size)} .npz is too large to read here`;
        else
          load(() =>
            loadNpz(all, {
              inflateRaw: inflate,
              maxEntrySize: MAX_OUTPUT,
              allowPickle: true,
              loadOptions: {},
            }),
          );
      }
    } else {
      if (file.size > MAX_OUTPUT) throw new Error(`${mib(file.size)} is too large to read whole here`);
      const bytes = await readAll(file, progress);
      progress('scanning', 0, 1);
      report = scan(bytes, SCAN_OPTIONS);
      const sniffed = sniffFormat(bytes);
      if (isNpy(bytes)) {
        format = 'numpy .npy';
        this.kind = 'npy';
        load(() => loadNpy(bytes, { allowPickle: true }));
        try {
          const header = readNpyHeader(bytes);
          if (bytes.length > header.dataOffset && String(header.descr).includes('O'))
            dis(name, bytes, header.dataOffset);
        } catch {
          // the load error says it
        }
      } else if (sniffed?.kind === 'safetensors') {
        format = 'safetensors';
        this.kind = 'safetensors';
        load(() => loadSafetensors(bytes));
      } else {
        const compression = sniffCompression(bytes);
        let pickle = bytes;
        if (compression !== undefined) {
          try {
            pickle = decompress(bytes, { format: compression, maxOutput: MAX_OUTPUT });
            notes.push(`decompressed from ${compression}: ${mib(pickle.length)}`);
          } catch (error) {
            loadError = message(error);
          }
        }
        const joblib = contains(pickle, 'NumpyArrayWrapper');
        format = `${joblib ? 'joblib file' : 'pickle'}${compression !== undefined ? ` (${compression})` : ''}`;
        this.kind = joblib ? 'joblib' : 'pickle';
        if (loadError === undefined) {
          load(() => loadJoblib(pickle, { exact: true }));
          if (sniffed?.certain !== true || compression !== undefined) dis(name, pickle);
        }
        if (sniffed?.certain === true && compression === undefined)
          loadError = `${sniffed.description}: ${sniffed.advice}`;
      }
    }
    if (report === undefined) report = merge(reports);
    const pickles = this.pending;
    this.pending = [];
    progress('walking', 0, 1);
    let root: TreeNode | undefined;
    let arrays: Opened['arrays'] = { title: 'Arrays', rows: [], totalNumel: 0, totalBytes: 0, more: 0 };
    if (this.loaded) {
      this.walk(this.value);
      root = this.describe(this.value, name, null, 0, shadow);
      arrays = this.arrayTable();
    }
    const findings: Finding[] = report.findings.slice(0, 200).map((f) => ({
      severity: f.severity,
      message: f.message,
      offset: f.offset,
      entry: f.entry ?? pickles[0]?.name,
    }));
    return {
      name,
      size: file.size,
      format,
      verdict: report.verdict,
      findings,
      moreFindings: Math.max(0, report.findings.length - findings.length),
      notes,
      root,
      loadError,
      arrays,
      pickles,
      convert: {
        json: this.loaded,
        pickle: this.loaded && (this.kind === 'pickle' || this.kind === 'joblib'),
        safetensors: this.loaded && this.kind === 'torch',
      },
      ms: performance.now() - t0,
    };
  }

  /** Disassembles pickles (in the second worker, so that the first one answers the tree meanwhile). */
  disassembleAll(pickles: readonly PickleBytes[]): Disassembly[] {
    this.texts = pickles.map((p) =>
      p.error !== undefined ? new DisText(p.name, '', p.error) : disassembleText(p.name, p.bytes, p.start),
    );
    return this.texts.map((t) => t.summary());
  }

  /** Counts references of every object reachable from `root` and notes its first place. */
  private walk(root: unknown): void {
    if (!isObject(root)) return;
    this.home.set(root, { parent: null, index: 0 });
    this.refs.set(root, 1);
    const stack: object[] = [root];
    let visits = 0;
    while (stack.length > 0 && visits < MAX_WALK) {
      const parent = stack.pop()!;
      let index = 0;
      for (const child of childValues(parent)) {
        visits++;
        const i = index++;
        if (!isObject(child)) continue;
        const n = this.refs.get(child);
        if (n === undefined) {
          this.refs.set(child, 1);
          this.home.set(child, { parent, index: i });
          stack.push(child);
        } else {
          this.refs.set(child, n + 1);
          if (n === 1) this.sharedNo.set(child, this.sharedNo.size + 1);
        }
      }
    }
  }

  /** A tree node for `value`, the `index`th child of `parent`. */
  private describe(
    value: unknown,
    key: string,
    parent: object | null,
    index: number,
    shadow: Shadow | undefined,
  ): TreeNode {
    const id = this.nodes.length;
    this.nodes.push({ value, shadow });
    const type = typeName(value);
    let mark: TreeNode['mark'];
    let shared: number | undefined;
    let expandable = true;
    if (isObject(value)) {
      shared = this.sharedNo.get(value);
      let home = this.home.get(value);
      if (home === undefined) {
        home = { parent, index };
        this.home.set(value, home);
      }
      if (home.parent !== parent || home.index !== index) {
        expandable = false;
        mark = this.isAncestor(value, parent) ? 'cycle' : 'ref';
      } else if (shared !== undefined) mark = 'shared';
    }
    const count = expandable ? childCount(value) : 0;
    const array = value instanceof NDArray || value instanceof Tensor;
    return {
      id,
      key,
      type,
      text: summary(value, count),
      count,
      mark,
      shared,
      array,
      ops:
        shadow === undefined ? undefined : { pickle: this.pickleName, start: shadow.start, end: shadow.end },
    };
  }

  private isAncestor(value: object, from: object | null): boolean {
    let at = from;
    for (let i = 0; at !== null && i < 1_000_000; i++) {
      if (at === value) return true;
      at = this.home.get(at)?.parent ?? null;
    }
    return false;
  }

  /** Children `from` to `from + limit` of node `id`, and how many it has. */
  children(id: number, from: number, limit: number): { nodes: TreeNode[]; total: number } {
    const rec = this.nodes[id];
    if (rec === undefined) throw new Error(`no node ${id}`);
    const value = rec.value;
    if (!isObject(value)) return { nodes: [], total: 0 };
    const labelled = childEntries(value, from, limit);
    const shadows = childShadows(value, rec.shadow);
    const nodes = labelled.map(([key, child, i]) => this.describe(child, key, value, i, shadows?.(i)));
    return { nodes, total: childCount(value) };
  }

  private arrayTable(): Opened['arrays'] {
    if (this.kind === 'torch') {
      try {
        const summary = summariseTensors(this.value);
        const rows: ArrayRow[] = summary.tensors.slice(0, MAX_ARRAY_ROWS).map((t) => ({
          id: this.detached(t.tensor),
          name: t.name,
          dtype: t.dtype,
          shape: t.shape,
          numel: t.numel,
          nbytes: t.nbytes,
        }));
        return {
          title: 'Tensors (state_dict)',
          rows,
          totalNumel: summary.totalNumel,
          totalBytes: summary.totalBytes,
          more: summary.tensors.length - rows.length,
        };
      } catch {
        // fall through to the generic walk
      }
    }
    const rows: ArrayRow[] = [];
    let more = 0;
    let totalNumel = 0;
    let totalBytes = 0;
    for (const obj of this.home.keys()) {
      if (!(obj instanceof NDArray || obj instanceof Tensor)) continue;
      const numel = obj instanceof NDArray ? obj.size : obj.numel;
      const nbytes = obj instanceof NDArray ? obj.bytes.length : obj.numel * obj.elementSize;
      totalNumel += numel;
      totalBytes += nbytes;
      if (rows.length >= MAX_ARRAY_ROWS) {
        more++;
        continue;
      }
      rows.push({
        id: this.detached(obj),
        name: this.pathOf(obj),
        dtype: obj instanceof NDArray ? obj.dtype.str : obj.dtype,
        shape: obj.shape,
        numel,
        nbytes,
      });
    }
    return { title: 'Arrays and tensors', rows, totalNumel, totalBytes, more };
  }

  private detached(value: unknown): number {
    this.nodes.push({ value, shadow: undefined });
    return this.nodes.length - 1;
  }

  /** `root['a'][0]` for an object, from its first place (at most 32 steps shown). */
  private pathOf(obj: object): string {
    const parts: string[] = [];
    let at: object | null = obj;
    while (at !== null) {
      const home = this.home.get(at);
      if (home === undefined || home.parent === null) break;
      if (parts.length >= 32) {
        parts.push('…');
        break;
      }
      const entry = childEntries(home.parent, home.index, 1)[0];
      parts.push(entry === undefined ? `[${home.index}]` : entry[0]);
      at = home.parent;
    }
    return `value${parts
      .reverse()
      .map((p) => (p.startsWith('[') || p === '…' ? p : `.${p}`))
      .join('')}`;
  }

  /** The first values and a plot of the array or tensor of node `id`. */
  async preview(id: number): Promise<ArrayPreview> {
    const value = this.nodes[id]?.value;
    if (value instanceof NDArray) return previewNDArray(id, value);
    if (value instanceof Tensor) {
      const storageBytes = value.storage?.size ?? 0;
      if (storageBytes > MAX_PREVIEW_BYTES || value.storage === null)
        return previewOf(id, value, 'torch.Tensor', value.dtype, undefined, 'its data is not read here');
      await value.load();
      return previewOf(id, value, 'torch.Tensor', value.dtype, () => value.toTypedArray());
    }
    throw new Error('not an array or a tensor');
  }

  /** The value converted: JSON, a pickle at `protocol`, or safetensors. */
  async convert(
    to: 'json' | 'pickle' | 'safetensors',
    protocol = 4,
  ): Promise<{ name: string; mime: string; bytes: Uint8Array }> {
    if (!this.loaded) throw new Error('nothing loaded');
    const base = this.fileName.replace(/\.[^.]*$/, '') || 'value';
    if (to === 'json') {
      const text = toJSON(this.value, { indent: 2 });
      return { name: `${base}.json`, mime: 'application/json', bytes: new TextEncoder().encode(text) };
    }
    if (to === 'pickle') {
      return {
        name: `${base}.p${protocol}.pkl`,
        mime: 'application/octet-stream',
        bytes: dumps(this.value, { protocol }),
      };
    }
    const { tensors } = stateDictTensors(this.value);
    let total = 0;
    for (const t of tensors.values()) {
      total += t.storage?.size ?? 0;
      if (total > 2 * MAX_OUTPUT) throw new Error('the tensors are too large to convert here');
      await t.load();
    }
    return { name: `${base}.safetensors`, mime: 'application/octet-stream', bytes: dumpSafetensors(tensors) };
  }
}

function bytesSourceOf(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

function withEntry(report: ScanReport, entry: string): ScanReport {
  return { ...report, findings: report.findings.map((f) => ({ ...f, entry })) };
}

/** The worst verdict of several reports and all their findings. */
function merge(reports: readonly ScanReport[]): ScanReport {
  if (reports.length === 0)
    return {
      verdict: 'review',
      findings: [{ severity: 'review', offset: undefined, message: 'no pickle found' }],
    } as unknown as ScanReport;
  let verdict: Verdict = 'safe';
  for (const r of reports) if (RANK[r.verdict] > RANK[verdict]) verdict = r.verdict;
  const findings = reports.flatMap((r) => r.findings);
  return { ...reports[0]!, verdict, findings };
}

function contains(bytes: Uint8Array, text: string): boolean {
  const first = text.charCodeAt(0);
  const n = Math.min(bytes.length, 1 << 20);
  outer: for (let i = bytes.indexOf(first); i >= 0 && i < n; i = bytes.indexOf(first, i + 1)) {
    for (let j = 1; j < text.length; j++) if (bytes[i + j] !== text.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}

function mib(n: number): string {
  return n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;
}

/** pickletools' text for the pickle at `start`, or the text before pickletools' error. */
function disassembleText(name: string, bytes: Uint8Array, start: number): DisText {
  if (bytes.length - start > MAX_DISASSEMBLED) {
    return new DisText(name, '', `not disassembled: the pickle has ${mib(bytes.length - start)}`);
  }
  try {
    return new DisText(name, disassemble(bytes, { annotate: 30, start }), undefined);
  } catch (error) {
    if (error instanceof DisassemblyError) return new DisText(name, error.partial, error.message);
    return new DisText(name, '', message(error));
  }
}

/** Lines sent with the first answer; the page asks for more. */
const FIRST_LINES = 5000;

/** A disassembly kept in the worker: its lines and the byte offset each starts with. */
export class DisText {
  readonly text: string;
  readonly error: string | undefined;
  /** Where each line starts in `text`, and one past the end. */
  private readonly starts: Int32Array;
  /** The offset in the pickle each line shows, or -1. */
  private readonly offsets: Float64Array;
  private lower: string | undefined;

  constructor(
    readonly name: string,
    text: string,
    error: string | undefined,
  ) {
    if (text.length > MAX_DISASSEMBLY_TEXT) {
      text = text.slice(0, text.lastIndexOf('\n', MAX_DISASSEMBLY_TEXT) + 1);
      error ??= `the text is cut at ${MAX_DISASSEMBLY_TEXT} characters`;
    }
    this.text = text;
    this.error = error;
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    if (text.length > 0 && !text.endsWith('\n')) n++;
    this.starts = new Int32Array(n + 1);
    this.offsets = new Float64Array(n);
    let at = 0;
    for (let k = 0; k < n; k++) {
      this.starts[k] = at;
      let j = at;
      while (text.charCodeAt(j) === 32) j++;
      let v = 0;
      let digits = 0;
      for (let c = text.charCodeAt(j); c >= 48 && c <= 57; c = text.charCodeAt(++j)) {
        v = v * 10 + (c - 48);
        digits++;
      }
      this.offsets[k] = digits > 0 && text.charCodeAt(j) === 58 ? v : -1;
      const nl = text.indexOf('\n', at);
      at = nl < 0 ? text.length : nl + 1;
    }
    this.starts[n] = at;
  }

  get lineCount(): number {
    return this.offsets.length;
  }

  /** Lines `from` to `to` (exclusive), without their newlines. */
  lines(from: number, to: number): string[] {
    const out: string[] = [];
    for (let k = Math.max(0, from); k < Math.min(to, this.lineCount); k++) {
      const end = this.starts[k + 1]!;
      out.push(this.text.slice(this.starts[k]!, this.text.charCodeAt(end - 1) === 10 ? end - 1 : end));
    }
    return out;
  }

  /** The first lines, for the page's first answer. */
  summary(): Disassembly {
    return {
      name: this.name,
      lineCount: this.lineCount,
      lines: this.lines(0, FIRST_LINES),
      error: this.error,
    };
  }

  /** The line showing the last opcode at or before `offset`. */
  lineOf(offset: number): number {
    let best = 0;
    let lo = 0;
    let hi = this.lineCount - 1;
    // Offsets grow with lines, except the lines without one (-1): a binary search that steps over them.
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      let k = mid;
      while (k <= hi && this.offsets[k]! < 0) k++;
      if (k > hi) {
        hi = mid - 1;
        continue;
      }
      if (this.offsets[k]! <= offset) {
        best = k;
        lo = k + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** The first line after `after` holding `query` (any case), wrapping around, and how many lines hold it. */
  find(query: string, after: number): { line: number; count: number } {
    const q = query.toLowerCase();
    if (q === '') return { line: -1, count: 0 };
    this.lower ??= this.text.toLowerCase();
    let count = 0;
    let first = -1;
    let next = -1;
    let line = 0;
    for (let i = this.lower.indexOf(q); i >= 0; ) {
      while (this.starts[line + 1]! <= i) line++;
      count++;
      if (first < 0) first = line;
      if (next < 0 && line > after) next = line;
      i = this.lower.indexOf(q, this.starts[line + 1]!);
    }
    return { line: next >= 0 ? next : first, count };
  }
}

function isObject(v: unknown): v is object {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

function qualified(v: unknown): string | undefined {
  if (v instanceof PyGlobal) return `${v.module}.${v.name}`;
  return undefined;
}

function reduction(v: object): Reduction | undefined {
  const fn = (v as { [PY_REDUCE]?: (protocol: number) => Reduction })[PY_REDUCE];
  if (typeof fn !== 'function') return undefined;
  try {
    return fn.call(v, 4);
  } catch {
    return undefined;
  }
}

/** The value's type as Python names it. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'str';
  }
  if (v instanceof PyFloat) return 'float';
  if (v instanceof PyByteArray) return 'bytearray';
  if (v instanceof Uint8Array) return 'bytes';
  if (isTuple(v)) return 'tuple';
  if (v instanceof PyDeque) return 'collections.deque';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyOrderedDict) return 'collections.OrderedDict';
  if (v instanceof PyDefaultDict) return 'collections.defaultdict';
  if (v instanceof PyCounter) return 'collections.Counter';
  if (v instanceof Map) return 'dict';
  if (v instanceof FrozenSet) return 'frozenset';
  if (v instanceof Set) return 'set';
  if (v instanceof NDArray) return qualified(v.pyClass) ?? 'numpy.ndarray';
  if (v instanceof Tensor) return v.isParameter ? 'torch.nn.parameter.Parameter' : 'torch.Tensor';
  if (v instanceof PyObject) return qualified(v.cls) ?? 'object';
  if (v instanceof PyGlobal) return 'global';
  if (typeof v === 'object') {
    const r = reduction(v);
    if (r !== undefined) {
      const callable = qualified(r.callable);
      if (callable === 'copyreg.__newobj__' || callable === undefined) {
        const first = qualified(r.args?.[0]);
        if (first !== undefined) return first;
      }
      if (callable !== undefined) return callable;
    }
    if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) return 'dict';
    return (v as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  }
  return typeof v;
}

/** Whether the tree shows children for this value. */
function isContainer(v: unknown): boolean {
  return (
    Array.isArray(v) ||
    v instanceof Map ||
    v instanceof Set ||
    v instanceof PyObject ||
    (isObject(v) &&
      !(v instanceof Uint8Array) &&
      (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null))
  );
}

const OBJECT_FIELDS = ['callable', 'args', 'kwargs', 'state', 'listitems', 'dictitems', 'setitems'] as const;

function objectFields(o: PyObject): (typeof OBJECT_FIELDS)[number][] {
  return OBJECT_FIELDS.filter((f) => {
    const v = o[f];
    if (f === 'kwargs') return v !== null && v !== undefined;
    if (f === 'state') return v !== undefined;
    return v !== null && v !== undefined;
  });
}

function childCount(v: unknown): number {
  if (!isContainer(v)) return 0;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (v instanceof PyObject) return objectFields(v).length;
  return Object.keys(v as object).length;
}

/** Every child value, in order (for the walk). */
function* childValues(v: object): Generator<unknown> {
  if (!isContainer(v)) return;
  if (Array.isArray(v)) yield* v;
  else if (v instanceof Map) yield* v.values();
  else if (v instanceof Set) yield* v;
  else if (v instanceof PyObject) for (const f of objectFields(v)) yield v[f];
  else yield* Object.values(v);
}

function keyText(k: unknown): string {
  return leafText(k, 80);
}

/** Children `from` .. `from + limit` as `[label, value, index]`. */
function childEntries(v: object, from: number, limit: number): [string, unknown, number][] {
  const out: [string, unknown, number][] = [];
  const end = from + limit;
  if (Array.isArray(v)) {
    for (let i = from; i < Math.min(end, v.length); i++) out.push([`[${i}]`, v[i], i]);
    return out;
  }
  if (v instanceof PyObject) {
    const fields = objectFields(v);
    for (let i = from; i < Math.min(end, fields.length); i++) out.push([fields[i]!, v[fields[i]!], i]);
    return out;
  }
  let i = 0;
  const iter: Iterable<[string, unknown]> =
    v instanceof Map
      ? (function* () {
          for (const [k, x] of v) yield [keyText(k), x] as [string, unknown];
        })()
      : v instanceof Set
        ? (function* () {
            for (const x of v) yield ['·', x] as [string, unknown];
          })()
        : (function* () {
            for (const [k, x] of Object.entries(v)) yield [keyText(k), x] as [string, unknown];
          })();
  for (const [k, x] of iter) {
    if (i >= end) break;
    if (i >= from) out.push([k, x, i]);
    i++;
  }
  return out;
}

/** The shadow of child `i` of `v`, when the shadow's shape matches the value's. */
function childShadows(v: object, s: Shadow | undefined): ((i: number) => Shadow | undefined) | undefined {
  if (s === undefined) return undefined;
  if (v instanceof PyObject) {
    const fields = objectFields(v);
    return (i) => {
      const f = fields[i];
      if (f === 'callable') return s.call?.[0];
      if (f === 'args') return s.call?.[1];
      if (f === 'state') return s.state;
      return undefined;
    };
  }
  let items = s.items;
  const n = childCount(v);
  const isMap = v instanceof Map || (!Array.isArray(v) && !(v instanceof Set));
  const want = isMap ? 2 * n : n;
  if (items.length !== want && s.call !== undefined) {
    // builtins.set([...]) and friends: the items are the argument's.
    const arg = s.call[1].items[0];
    if (arg !== undefined) items = arg.items;
  }
  if (items.length !== want) return undefined;
  return isMap ? (i) => items[2 * i + 1] : (i) => items[i];
}

/** Python's repr, within a budget. */
function leafText(v: unknown, max = MAX_REPR): string {
  try {
    return repr(v, { maxLength: max });
  } catch {
    if (typeof v === 'string') return `${reprString(v.slice(0, max))}…`;
    if (v instanceof Uint8Array) return `${reprBytes(v.subarray(0, max))}…`;
    return `<${typeName(v)}>`;
  }
}

function summary(v: unknown, count: number): string {
  if (v instanceof NDArray)
    return `${v.dtype.str} array, shape (${v.shape.join(', ')}${v.shape.length === 1 ? ',' : ''})`;
  if (v instanceof Tensor) return `tensor(dtype=${v.dtype}, shape=[${v.shape.join(', ')}])`;
  if (v instanceof PyObject) {
    const callable =
      v.callable instanceof PyGlobal ? `${v.callable.module}.${v.callable.name}` : typeName(v.callable);
    const built = v.state !== undefined ? ', then BUILD' : '';
    return `built by ${v.kind.toUpperCase()} ${callable}(${v.args.length} argument${v.args.length === 1 ? '' : 's'})${built}`;
  }
  if (isContainer(v)) return `${count} item${count === 1 ? '' : 's'}`;
  return leafText(v);
}

/** Python repr of one element of a typed array. */
function elementText(x: number | bigint, float: boolean): string {
  if (typeof x === 'bigint') return x.toString();
  return float ? repr(new PyFloat(x)) : String(x);
}

function previewNDArray(id: number, a: NDArray): ArrayPreview {
  const numeric = 'biufc'.includes(a.dtype.kind) && a.dtype.fields === null && a.dtype.subarray === null;
  if (!numeric) {
    let flat: unknown[] = [];
    try {
      const list = a.size <= 10_000 ? a.toArray() : undefined;
      flat = Array.isArray(list)
        ? list.flat(Number.POSITIVE_INFINITY).slice(0, 64)
        : list === undefined
          ? []
          : [list];
    } catch {
      flat = [];
    }
    return {
      id,
      title: 'numpy.ndarray',
      type: typeName(a),
      dtype: a.dtype.str,
      shape: a.shape,
      size: a.size,
      table: [flat.map((x) => leafText(x, 80))],
      tableShape: [flat.length],
      plot: undefined,
      note: a.size > 10_000 ? 'values not shown (not a numeric dtype)' : undefined,
    };
  }
  return previewOf(id, a, typeName(a), a.dtype.str, () => a.toTypedArray(), undefined, a.dtype.kind === 'c');
}

/** The table and plot of an array of `shape`, from its C-order elements. */
function previewOf(
  id: number,
  a: NDArray | Tensor,
  type: string,
  dtype: string,
  values: (() => ArrayLike<number | bigint>) | undefined,
  note?: string,
  complex = /complex/.test(dtype),
): ArrayPreview {
  const shape = a.shape;
  const size = a instanceof NDArray ? a.size : a.numel;
  const base = { id, title: type, type, dtype, shape, size };
  if (values === undefined) return { ...base, table: [], tableShape: [], plot: undefined, note };
  if (size * 8 > MAX_PREVIEW_BYTES * 2)
    return { ...base, table: [], tableShape: [], plot: undefined, note: 'too large to preview' };
  const data = values();
  const float = /f|float|half/.test(dtype) && !complex;
  const bool = dtype === '|b1' || dtype === 'bool';
  const at = (i: number): string =>
    bool
      ? num(data[i]!) !== 0
        ? 'True'
        : 'False'
      : complex
        ? `(${elementText(data[2 * i] as number, true)}+${elementText(data[2 * i + 1] as number, true)}j)`
        : elementText(data[i]!, float);
  const cols = shape.length >= 2 ? shape[shape.length - 1]! : shape.length === 1 ? shape[0]! : 1;
  const rows = shape.length >= 2 ? shape[shape.length - 2]! : 1;
  const showR = Math.min(rows, 8);
  const showC = Math.min(cols, shape.length >= 2 ? 8 : 64);
  const table: string[][] = [];
  for (let r = 0; r < showR; r++) {
    const row: string[] = [];
    for (let c = 0; c < showC; c++) if (r * cols + c < size) row.push(at(r * cols + c));
    table.push(row);
  }
  const plot = complex || size === 0 ? undefined : plotOf(data, shape, dtype);
  const sampled =
    shape.length > 2 ? `the first ${rows} × ${cols} slice of ${shape.length} dimensions is shown` : undefined;
  return {
    ...base,
    table,
    tableShape: shape.length >= 2 ? [showR, showC] : [showC],
    plot,
    note: note ?? sampled,
  };
}

const num = (x: number | bigint): number => (typeof x === 'bigint' ? Number(x) : x);

function range(values: Float32Array): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of values) {
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return min <= max ? [min, max] : [0, 0];
}

function plotOf(
  data: ArrayLike<number | bigint>,
  shape: readonly number[],
  dtype: string,
): ArrayPreview['plot'] {
  if (shape.length === 1) {
    const n = shape[0]!;
    const step = Math.max(1, Math.ceil(n / 2000));
    const values = new Float32Array(Math.ceil(n / step));
    for (let i = 0, j = 0; i < n; i += step, j++) values[j] = num(data[i]!);
    const [min, max] = range(values);
    return { kind: 'line', values, min, max };
  }
  if (shape.length < 2) return undefined;
  // An image: height × width × 3 or 4 channels of bytes.
  const last = shape[shape.length - 1]!;
  if (shape.length === 3 && (last === 3 || last === 4) && /u1|uint8/.test(dtype)) {
    const rows = shape[0]!;
    const cols = shape[1]!;
    const rgba = new Uint8ClampedArray(rows * cols * 4);
    for (let p = 0; p < rows * cols; p++) {
      for (let c = 0; c < 3; c++) rgba[4 * p + c] = num(data[p * last + c]!);
      rgba[4 * p + 3] = last === 4 ? num(data[p * last + 3]!) : 255;
    }
    if (rows * cols <= 4096 * 4096) return { kind: 'image', rows, cols, rgba };
  }
  const rows = shape[shape.length - 2]!;
  const cols = last;
  const stepR = Math.max(1, Math.ceil(rows / 512));
  const stepC = Math.max(1, Math.ceil(cols / 512));
  const outR = Math.ceil(rows / stepR);
  const outC = Math.ceil(cols / stepC);
  const values = new Float32Array(outR * outC);
  for (let r = 0; r < outR; r++)
    for (let c = 0; c < outC; c++) values[r * outC + c] = num(data[r * stepR * cols + c * stepC]!);
  const [min, max] = range(values);
  return { kind: 'heatmap', rows: outR, cols: outC, values, min, max };
}
