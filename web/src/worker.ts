/**
 * The parsing worker: every byte of the file is read, scanned, loaded and
 * disassembled here, off the page's thread, with brine's API. Nothing is sent
 * anywhere: the worker only answers the page.
 */
import { Inspection } from './inspect.js';
import type { Reply, Request } from './protocol.js';

const scope = self as unknown as {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Request>) => void): void;
};

let current = new Inspection();

function post(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function handle(req: Request): Promise<void> {
  switch (req.t) {
    case 'open': {
      current = new Inspection();
      let last = 0;
      const opened = await current.open(req.file, req.name, req.lazy === true, (stage, done, total) => {
        const now = performance.now();
        if (now - last < 40 && done < total) return;
        last = now;
        post({ seq: req.seq, t: 'progress', stage, done, total });
      });
      post(
        { seq: req.seq, t: 'opened', opened },
        opened.pickles.map((p) => p.bytes.buffer),
      );
      return;
    }
    case 'disassemble': {
      current = new Inspection();
      post({ seq: req.seq, t: 'disassembled', list: current.disassembleAll(req.pickles) });
      return;
    }
    case 'children': {
      const { nodes, total } = current.children(req.id, req.from, req.limit);
      post({ seq: req.seq, t: 'children', nodes, total });
      return;
    }
    case 'array': {
      const preview = await current.preview(req.id);
      const buffers: Transferable[] = [];
      if (preview.plot?.kind === 'heatmap' || preview.plot?.kind === 'line')
        buffers.push(preview.plot.values.buffer);
      else if (preview.plot?.kind === 'image') buffers.push(preview.plot.rgba.buffer);
      post({ seq: req.seq, t: 'array', preview }, buffers);
      return;
    }
    case 'lines': {
      const text = current.texts[req.pickle];
      post({ seq: req.seq, t: 'lines', lines: text?.lines(req.from, req.to) ?? [] });
      return;
    }
    case 'find': {
      const found = current.texts[req.pickle]?.find(req.query, req.after) ?? { line: -1, count: 0 };
      post({ seq: req.seq, t: 'found', ...found });
      return;
    }
    case 'line-of': {
      const text = current.texts[req.pickle];
      post({
        seq: req.seq,
        t: 'line-of',
        from: text?.lineOf(req.start) ?? 0,
        to: text?.lineOf(req.end) ?? 0,
      });
      return;
    }
    case 'convert': {
      const out = await current.convert(req.to, req.protocol);
      const bytes = out.bytes.slice();
      post({ seq: req.seq, t: 'converted', name: out.name, mime: out.mime, bytes }, [bytes.buffer]);
      return;
    }
  }
}

scope.addEventListener('message', (event) => {
  const req = event.data;
  handle(req).catch((error: unknown) => post({ seq: req.seq, t: 'error', message: describe(error) }));
});

post({ seq: 0, t: 'ready' });
