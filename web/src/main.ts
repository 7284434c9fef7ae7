/**
 * The page: sends the chosen file to the parsing worker and draws what it
 * answers. This thread never parses: a hostile file can only cost the worker,
 * which the page stops when it takes too long.
 */
import { drawHeatmap, drawImage, drawLine } from './plot.js';
import type { ArrayPreview, Disassembly, Opened, Reply, Request, TreeNode } from './protocol.js';
import ParserWorker from './worker.ts?worker&inline';

/** Children of a tree node fetched at a time. */
const PAGE = 100;
/** Disassembly lines drawn at a time. */
const LINES = 5000;
/** The worker is stopped when opening a file takes longer. */
const OPEN_TIMEOUT_MS = 120_000;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing`);
  return el as T;
};

type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

/**
 * One worker and its open requests. Two run the same script: the parser
 * (scan, load, tree, arrays, conversions) and the disassembler, so that a
 * long disassembly never holds up the tree.
 */
class Channel {
  private worker!: Worker;
  private readonly pending = new Map<number, Pending>();
  onProgress: (reply: Reply & { t: 'progress' }) => void = () => {};
  onReady: () => void = () => {};

  constructor() {
    this.start();
  }

  private start(): void {
    // The worker's code is inlined in the page and started from a blob: URL, so that starting a
    // fresh worker (after a file took too long) fetches nothing.
    const worker = new ParserWorker();
    worker.addEventListener('message', (event: MessageEvent<Reply>) => {
      const reply = event.data;
      if (reply.t === 'ready') return this.onReady();
      if (reply.t === 'progress') return this.onProgress(reply);
      const p = this.pending.get(reply.seq);
      if (p === undefined) return;
      this.pending.delete(reply.seq);
      if (reply.t === 'error') p.reject(new Error(reply.message));
      else p.resolve(reply);
    });
    worker.addEventListener('error', (event) => this.fail(event.message || 'the worker failed'));
    this.worker = worker;
  }

  private fail(reason: string): void {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }

  /** Stops the worker (a file that takes too long) and starts a fresh one. */
  restart(reason: string): void {
    this.worker.terminate();
    this.fail(reason);
    this.start();
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  ask(
    req: Body<Request>,
    options: { timeout?: number; transfer?: Transferable[]; seq?: number } = {},
  ): Promise<Reply> {
    const id = options.seq ?? seq++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (options.timeout !== undefined) {
        const timeout = options.timeout;
        setTimeout(() => {
          if (this.pending.has(id)) this.restart(`stopped: no answer after ${timeout / 1000} s`);
        }, timeout);
      }
      this.worker.postMessage({ ...req, seq: id } as Request, options.transfer ?? []);
    });
  }
}

type Body<R> = R extends Request ? Omit<R, 'seq'> : never;

let seq = 1;
let openSeq = 0;
const parser = new Channel();
const disassembler = new Channel();
let readyCount = 0;
for (const channel of [parser, disassembler]) {
  channel.onReady = () => {
    if (++readyCount === 2 && document.body.dataset.state === 'starting')
      document.body.dataset.state = 'ready';
  };
}
parser.onProgress = (reply) => {
  if (reply.seq === openSeq) showProgress(reply.stage, reply.done, reply.total);
};

function ask(req: Body<Request>): Promise<Reply> {
  return parser.ask(req);
}

// ---------------------------------------------------------------- opening

const status = $<HTMLParagraphElement>('status');
const progress = $<HTMLProgressElement>('progress');
const cancel = $<HTMLButtonElement>('cancel');

function showProgress(stage: string, done: number, total: number): void {
  progress.hidden = false;
  if (total > 1) progress.value = done / total;
  else progress.removeAttribute('value');
  status.textContent = total > 1 ? `${stage}: ${Math.round((100 * done) / total)} %` : `${stage}…`;
}

async function openBlob(blob: Blob, name: string): Promise<void> {
  document.body.dataset.state = 'opening';
  for (const id of ['verdict-panel', 'tree-panel', 'arrays-panel', 'dis-panel', 'convert-panel'])
    $(id).hidden = true;
  progress.value = 0;
  progress.hidden = false;
  cancel.hidden = false;
  status.textContent = `opening ${name}…`;
  try {
    openSeq = seq++;
    document.body.dataset.open = String(openSeq);
    const lazy = new URLSearchParams(location.search).has('lazy');
    const reply = await parser.ask(
      { t: 'open', file: blob, name, lazy },
      { timeout: OPEN_TIMEOUT_MS, seq: openSeq },
    );
    if (reply.t !== 'opened') throw new Error('unexpected answer');
    show(reply.opened);
    document.body.dataset.state = 'opened';
    void disassemble(reply.opened, openSeq);
  } catch (error) {
    status.textContent = `Could not open ${name}: ${(error as Error).message}`;
    document.body.dataset.state = 'error';
  } finally {
    progress.hidden = true;
    cancel.hidden = true;
    document.body.dataset.opens = String(Number(document.body.dataset.opens ?? 0) + 1);
  }
}

cancel.addEventListener('click', () => parser.restart('cancelled'));

/** Has the second worker disassemble the file's pickles, then shows them. */
async function disassemble(o: Opened, forOpen: number): Promise<void> {
  if (disassembler.busy) disassembler.restart('another file was opened');
  showDisassemblies([]);
  $('dis-panel').hidden = o.pickles.length === 0;
  pre.textContent = o.pickles.length > 0 ? 'disassembling…' : '';
  try {
    const reply = await disassembler.ask(
      { t: 'disassemble', pickles: o.pickles },
      { timeout: OPEN_TIMEOUT_MS, transfer: o.pickles.map((p) => p.bytes.buffer) },
    );
    if (reply.t !== 'disassembled' || forOpen !== openSeq) return;
    showDisassemblies(reply.list);
  } catch (error) {
    if (forOpen !== openSeq) return;
    pre.textContent = '';
    $('dis-error').hidden = false;
    $('dis-error').textContent = `Not disassembled: ${(error as Error).message}`;
  } finally {
    if (forOpen === openSeq) document.body.dataset.disassembled = String(forOpen);
  }
}

const fileInput = $<HTMLInputElement>('file');
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file !== undefined) void openBlob(file, file.name);
});

const drop = $<HTMLDivElement>('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file !== undefined) void openBlob(file, file.name);
});

/** Bytes written as hex (spaces allowed, `\x` allowed) or base64. */
function decodePasted(text: string): Uint8Array {
  const t = text.trim();
  const hex = t.replace(/\\x|0x|[\s:]/g, '');
  if (hex.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(hex)) {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  const b64 = t.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

$('paste-open').addEventListener('click', () => {
  try {
    const bytes = decodePasted($<HTMLTextAreaElement>('paste').value);
    void openBlob(new Blob([bytes as BlobPart]), 'pasted bytes');
  } catch {
    status.textContent = 'The pasted text is neither hex nor base64.';
  }
});

// ---------------------------------------------------------------- panels

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function show(o: Opened): void {
  status.textContent = `${o.name}: ${o.format}, ${fmt(o.size)} bytes, opened in ${Math.round(o.ms)} ms${
    o.notes.length > 0 ? `. ${o.notes.join('. ')}` : ''
  }`;
  // Verdict
  $('verdict-panel').hidden = false;
  const verdict = $('verdict');
  verdict.textContent = o.verdict;
  verdict.className = `verdict v-${o.verdict}`;
  $('format').textContent = o.format;
  const findings = $('findings');
  findings.replaceChildren();
  for (const f of o.findings) {
    const li = el(
      'li',
      { class: `finding v-${f.severity}` },
      el('strong', {}, f.severity),
      ' ',
      f.message,
      ' ',
    );
    if (f.offset !== undefined) {
      const where = `offset ${f.offset}${f.entry !== undefined ? ` in ${f.entry}` : ''}`;
      const link = el('button', { type: 'button', class: 'goto', 'data-offset': String(f.offset) }, where);
      link.addEventListener('click', () => void gotoOffset(f.entry, f.offset!, f.offset!));
      li.append(link);
    }
    findings.append(li);
  }
  if (o.moreFindings > 0) findings.append(el('li', {}, `and ${fmt(o.moreFindings)} more`));
  const loadError = $('load-error');
  loadError.hidden = o.loadError === undefined;
  loadError.textContent = o.loadError === undefined ? '' : `Not loaded: ${o.loadError}`;

  // Tree
  const tree = $('tree');
  tree.replaceChildren();
  $('tree-panel').hidden = o.root === undefined;
  if (o.root !== undefined) tree.append(treeItem(o.root, 1));

  // Arrays
  showArrays(o);

  // Convert
  $('convert-panel').hidden = !o.convert.json;
  $('to-pickle').parentElement!.hidden = !o.convert.pickle;
  $('to-safetensors').hidden = !o.convert.safetensors;
}

// ---------------------------------------------------------------- tree

let selected: HTMLElement | undefined;

function treeItem(node: TreeNode, level: number): HTMLDivElement {
  const li = el('div', { role: 'treeitem', 'aria-level': String(level), 'data-id': String(node.id) });
  const expandable = node.count > 0;
  if (expandable) li.setAttribute('aria-expanded', 'false');
  const tog = el(
    'button',
    {
      type: 'button',
      class: 'tog',
      'aria-label': expandable ? `expand ${node.key}` : 'leaf',
      tabindex: '-1',
    },
    expandable ? '▸' : '·',
  );
  if (!expandable) tog.disabled = true;
  const parts: (Node | string)[] = [
    el('span', { class: 'key' }, node.key),
    ' ',
    el('span', { class: 'type' }, node.type),
    ' ',
    el('span', { class: 'text' }, node.text),
  ];
  if (node.mark !== undefined) {
    const label =
      node.mark === 'shared'
        ? `shared #${node.shared}`
        : node.mark === 'cycle'
          ? `cycle: #${node.shared} (inside itself)`
          : `same object as #${node.shared} (shown once)`;
    parts.push(' ', el('span', { class: `badge mark-${node.mark}` }, label));
  }
  const sel = el('button', { type: 'button', class: 'sel' }, ...parts);
  const row = el('div', { class: 'row' }, tog, sel);
  li.append(row);
  let group: HTMLDivElement | undefined;
  let loaded = 0;
  const more = async (): Promise<void> => {
    const reply = await ask({ t: 'children', id: node.id, from: loaded, limit: PAGE });
    if (reply.t !== 'children' || group === undefined) return;
    group.querySelector(':scope > .more')?.remove();
    for (const child of reply.nodes) group.append(treeItem(child, level + 1));
    loaded += reply.nodes.length;
    if (loaded < reply.total) {
      const btn = el(
        'button',
        { type: 'button' },
        `Show ${fmt(Math.min(PAGE, reply.total - loaded))} more of ${fmt(reply.total - loaded)}`,
      );
      btn.addEventListener('click', () => void more());
      group.append(el('div', { class: 'more' }, btn));
    }
  };
  const toggle = async (): Promise<void> => {
    if (!expandable) return;
    const open = li.getAttribute('aria-expanded') === 'true';
    li.setAttribute('aria-expanded', String(!open));
    tog.textContent = open ? '▸' : '▾';
    tog.setAttribute('aria-label', `${open ? 'expand' : 'collapse'} ${node.key}`);
    if (group === undefined) {
      group = el('div', { role: 'group' });
      li.append(group);
      await more();
    }
    group.hidden = open;
  };
  tog.addEventListener('click', () => void toggle());
  sel.addEventListener('click', () => {
    if (selected !== undefined) selected.removeAttribute('aria-current');
    sel.setAttribute('aria-current', 'true');
    selected = sel;
    if (node.ops !== undefined) void gotoOffset(node.ops.pickle, node.ops.start, node.ops.end);
    if (node.array) void showPreview(node.id, node.key);
  });
  sel.addEventListener('keydown', (event) => {
    if (
      (event.key === 'ArrowRight' && li.getAttribute('aria-expanded') === 'false') ||
      (event.key === 'ArrowLeft' && li.getAttribute('aria-expanded') === 'true')
    ) {
      event.preventDefault();
      void toggle();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const all = Array.from(document.querySelectorAll<HTMLButtonElement>('#tree .sel')).filter(
        (b) => b.offsetParent !== null,
      );
      const i = all.indexOf(sel);
      all[event.key === 'ArrowDown' ? i + 1 : i - 1]?.focus();
    }
  });
  return li;
}

// ---------------------------------------------------------------- arrays

function showArrays(o: Opened): void {
  const a = o.arrays;
  $('arrays-panel').hidden = a.rows.length === 0;
  $('arrays-title').textContent = a.title;
  $('preview').hidden = true;
  const body = $('arrays').querySelector('tbody')!;
  const foot = $('arrays').querySelector('tfoot')!;
  body.replaceChildren();
  for (const r of a.rows) {
    const btn = el('button', { type: 'button' }, r.name);
    btn.addEventListener('click', () => void showPreview(r.id, r.name));
    body.append(
      el(
        'tr',
        {},
        el('td', {}, btn),
        el('td', {}, r.dtype),
        el('td', {}, `(${r.shape.join(', ')})`),
        el('td', { class: 'num' }, fmt(r.numel)),
        el('td', { class: 'num' }, fmt(r.nbytes)),
      ),
    );
  }
  foot.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, `total (${fmt(a.rows.length + a.more)})`),
      el('td'),
      el('td'),
      el('td', { class: 'num' }, fmt(a.totalNumel)),
      el('td', { class: 'num' }, fmt(a.totalBytes)),
    ),
  );
  const first = a.rows[0];
  if (first !== undefined) void showPreview(first.id, first.name);
}

async function showPreview(id: number, name: string): Promise<void> {
  let reply: Reply;
  try {
    reply = await ask({ t: 'array', id });
  } catch (error) {
    $('preview').hidden = false;
    $('preview-title').textContent = name;
    $('preview-note').textContent = (error as Error).message;
    return;
  }
  if (reply.t !== 'array') return;
  drawPreview(reply.preview, name);
}

function drawPreview(p: ArrayPreview, name: string): void {
  $('arrays-panel').hidden = false;
  $('preview').hidden = false;
  $('preview-title').textContent = name;
  $('preview-meta').textContent = `${p.type}, dtype ${p.dtype}, shape (${p.shape.join(', ')}${
    p.shape.length === 1 ? ',' : ''
  }), ${fmt(p.size)} elements`;
  const table = $<HTMLTableElement>('preview-table');
  table.replaceChildren();
  if (p.table.length > 0) {
    table.append(el('caption', {}, `first values (${p.tableShape.join(' × ')})`));
    for (const row of p.table) table.append(el('tr', {}, ...row.map((v) => el('td', { class: 'num' }, v))));
  }
  const canvas = $<HTMLCanvasElement>('plot');
  canvas.hidden = p.plot === undefined;
  canvas.dataset.kind = p.plot?.kind ?? '';
  if (p.plot?.kind === 'heatmap') drawHeatmap(canvas, p.plot);
  else if (p.plot?.kind === 'line') drawLine(canvas, p.plot);
  else if (p.plot?.kind === 'image') drawImage(canvas, p.plot);
  canvas.setAttribute(
    'aria-label',
    p.plot === undefined
      ? 'no plot'
      : `${p.plot.kind} of ${name}${'min' in p.plot ? `, from ${p.plot.min} to ${p.plot.max}` : ''}`,
  );
  $('preview-note').textContent = p.note ?? '';
}

// ---------------------------------------------------------------- disassembly

/** The disassembly shown: which pickle, how many of its lines are drawn. */
let views: readonly Disassembly[] = [];
let current = -1;
let drawn = 0;
let searchAt = -1;
const pre = $<HTMLPreElement>('dis');
const pickSelect = $<HTMLSelectElement>('dis-pickle');

function showDisassemblies(list: readonly Disassembly[]): void {
  views = list;
  $('dis-panel').hidden = views.length === 0;
  pickSelect.replaceChildren(...views.map((v, i) => el('option', { value: String(i) }, v.name)));
  if (views.length > 0) selectView(0);
}

function selectView(i: number): void {
  current = i;
  const v = views[i]!;
  pickSelect.value = String(i);
  pre.replaceChildren();
  drawn = 0;
  searchAt = -1;
  const error = $('dis-error');
  error.hidden = v.error === undefined;
  error.textContent = v.error === undefined ? '' : `pickletools stops here: ${v.error}`;
  append(v.lines);
}

pickSelect.addEventListener('change', () => selectView(Number(pickSelect.value)));

function append(lines: readonly string[]): void {
  const frag = document.createDocumentFragment();
  for (const line of lines) frag.append(el('span', { class: 'ln' }, `${line}\n`));
  pre.append(frag);
  drawn += lines.length;
  const more = $<HTMLButtonElement>('dis-more');
  const total = views[current]?.lineCount ?? 0;
  more.hidden = drawn >= total;
  more.textContent = `Show more lines (${fmt(total - drawn)} left)`;
}

/** Draws lines until line `upTo` (exclusive) is drawn. */
async function drawUpTo(upTo: number): Promise<void> {
  const pickle = current;
  while (drawn < upTo && pickle === current) {
    const reply = await disassembler.ask({
      t: 'lines',
      pickle,
      from: drawn,
      to: Math.max(upTo, drawn + LINES),
    });
    if (reply.t !== 'lines' || reply.lines.length === 0 || pickle !== current) return;
    append(reply.lines);
  }
}

$('dis-more').addEventListener('click', () => void drawUpTo(drawn + LINES));

function scrollToLine(k: number): void {
  const target = pre.children[k] as HTMLElement | undefined;
  if (target !== undefined) pre.scrollTop = target.offsetTop - pre.offsetTop - pre.clientHeight / 3;
}

/** Shows the opcodes from `start` to `end` in the pickle named `pickle`. */
async function gotoOffset(pickle: string | undefined, start: number, end: number): Promise<void> {
  const i = Math.max(
    0,
    views.findIndex((v) => v.name === pickle),
  );
  if (views[i] === undefined) return;
  if (i !== current) selectView(i);
  const reply = await disassembler.ask({ t: 'line-of', pickle: i, start, end });
  if (reply.t !== 'line-of') return;
  await drawUpTo(reply.to + 1);
  for (const old of Array.from(pre.querySelectorAll('.hl'))) old.classList.remove('hl');
  for (let k = reply.from; k <= reply.to; k++) pre.children[k]?.classList.add('hl');
  scrollToLine(reply.from);
}

const search = $<HTMLInputElement>('dis-search');
async function findNext(): Promise<void> {
  if (views[current] === undefined) return;
  const query = search.value;
  for (const old of Array.from(pre.querySelectorAll('.match'))) old.classList.remove('match');
  if (query === '') {
    $('dis-count').textContent = '';
    return;
  }
  const reply = await disassembler.ask({ t: 'find', pickle: current, query, after: searchAt });
  if (reply.t !== 'found' || query !== search.value) return;
  $('dis-count').textContent =
    reply.count === 0 ? 'no match' : `${fmt(reply.count)} matching line${reply.count === 1 ? '' : 's'}`;
  if (reply.line < 0) return;
  searchAt = reply.line;
  await drawUpTo(reply.line + 1);
  pre.children[reply.line]?.classList.add('match');
  scrollToLine(reply.line);
}
search.addEventListener('input', () => {
  searchAt = -1;
  void findNext();
});
search.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') void findNext();
});
$('dis-next').addEventListener('click', () => void findNext());

// ---------------------------------------------------------------- convert

async function download(req: Body<Request>): Promise<void> {
  status.textContent = 'converting…';
  try {
    const reply = await ask(req);
    if (reply.t !== 'converted') return;
    const url = URL.createObjectURL(new Blob([reply.bytes as BlobPart], { type: reply.mime }));
    const a = el('a', { href: url, download: reply.name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = `${reply.name}: ${fmt(reply.bytes.length)} bytes`;
  } catch (error) {
    status.textContent = `Could not convert: ${(error as Error).message}`;
  }
}

$('to-json').addEventListener('click', () => void download({ t: 'convert', to: 'json' }));
$('to-pickle').addEventListener(
  'click',
  () =>
    void download({ t: 'convert', to: 'pickle', protocol: Number($<HTMLSelectElement>('protocol').value) }),
);
$('to-safetensors').addEventListener('click', () => void download({ t: 'convert', to: 'safetensors' }));
