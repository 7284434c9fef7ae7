/**
 * The inspector page (web/) in a real browser: the page is built once with
 * vite, served by a small static server, and driven in headless Chromium by
 * playwright-core. Each kind of file (pickle, PyTorch checkpoint, .npy, .npz,
 * joblib; fixtures made by the real libraries) is opened through the file
 * input; the verdict is compared with brine's scan of the same bytes, the
 * disassembly with python3's pickletools, the heatmap's pixels with the values.
 * Hostile files must leave the page's thread answering. No request may leave
 * the page after it loads. Skipped, loudly, where no Chromium is installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { scan } from '../src/index.ts';
import { PYTHON } from './support/python.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures');

function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

const chromiumPath = findChromium();
if (chromiumPath === undefined) {
  console.log(
    '\n*** SKIPPED test/web.test.ts: no Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser); the inspector page was not tested in a browser ***\n',
  );
}

const work = mkdtempSync(join(tmpdir(), 'brine-web-'));
const dist = join(work, 'dist');
let server: Server | undefined;
let browser: Browser | undefined;
let page: Page;
let base = '';
/** Requests made after the page was ready. */
const requests: string[] = [];
let opens = 0;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function serve(dir: string): Promise<Server> {
  const s = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = normalize(
      join(dir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)),
    );
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

/** Writes a file into the work folder and returns its path. */
function file(name: string, bytes: Uint8Array | string): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** python3's `pickletools.dis(annotate=30)` of the pickle at `start` of a file (or of a zip entry). */
function pickletools(path: string, entry?: string, start = 0): string {
  return execFileSync(
    PYTHON,
    [
      '-c',
      `import io, pickletools, sys, zipfile
data = zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]) if sys.argv[2] else open(sys.argv[1], 'rb').read()
out = io.StringIO()
pickletools.dis(data[int(sys.argv[3]):], out=out, annotate=30)
sys.stdout.write(out.getvalue())`,
      path,
      entry ?? '',
      String(start),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
}

/**
 * Opens `path` through the file input and waits for the page to finish,
 * checking all along that the page's thread answers within `bound` ms.
 * Returns the slowest answer seen.
 */
async function open(path: string, options: { bound?: number; disassembly?: boolean } = {}): Promise<number> {
  const bound = options.bound ?? 2000;
  const before = opens;
  await page.setInputFiles('#file', path);
  let slowest = 0;
  const deadline = Date.now() + 45_000;
  for (;;) {
    const t0 = Date.now();
    const done = await page.evaluate((n) => Number(document.body.dataset.opens ?? 0) > n, before);
    const took = Date.now() - t0;
    slowest = Math.max(slowest, took);
    assert.ok(took < bound, `the page's thread took ${took} ms to answer while opening ${path}`);
    if (done) break;
    assert.ok(Date.now() < deadline, `opening ${path} did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
  opens = Number(await page.evaluate(() => document.body.dataset.opens));
  if (options.disassembly !== false)
    await page.waitForFunction(() => document.body.dataset.disassembled === document.body.dataset.open);
  return slowest;
}

/** The text of the first element `selector` matches, as rendered (cells and lines apart). */
// biome-ignore lint/performance/useDomNodeTextContent: playwright's innerText is the rendered text, with table cells apart
const text = (selector: string): Promise<string> => page.locator(selector).first().innerText();

/** The colour of the heatmap's cell (row, col), read back from the canvas. */
async function cell(row: number, col: number): Promise<number[]> {
  return page.evaluate(
    ([r, c]) => {
      const canvas = document.getElementById('plot') as HTMLCanvasElement;
      const size = Number(canvas.dataset.cell);
      const px = canvas.getContext('2d')!.getImageData(c! * size + size / 2, r! * size + size / 2, 1, 1).data;
      return [px[0]!, px[1]!, px[2]!];
    },
    [row, col],
  );
}

const VIRIDIS_LOW = [68, 1, 84];
const VIRIDIS_HIGH = [253, 231, 37];

/** The verdict brine's scan gives the same bytes in Node. */
function verdictOf(path: string): string {
  return scan(readFileSync(path), { inflateRaw: (b, max) => inflateRawSync(b, { maxOutputLength: max }) })
    .verdict;
}

/** The row of the tree node at `level` whose key is `key`. */
function row(level: number, key: string) {
  return page.locator(`#tree [role="treeitem"][aria-level="${level}"] > .row`).filter({
    has: page.locator('.key', { hasText: new RegExp(`^${key.replace(/[[\]().*+?^$]/g, '\\$&')}$`) }),
  });
}

async function expand(key: string): Promise<void> {
  await page
    .getByRole('button', { name: `expand ${key}`, exact: true })
    .first()
    .click();
  await page
    .getByRole('button', { name: `collapse ${key}`, exact: true })
    .first()
    .waitFor();
}

describe('the inspector page in Chromium', {
  skip: chromiumPath === undefined ? 'no Chromium' : false,
}, () => {
  before(async () => {
    const { build } = await import('vite');
    await build({
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dist, emptyOutDir: true },
    });
    server = await serve(dist);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => console.log('page error:', error.message));
    await page.goto(base);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    page.on('request', (req) => requests.push(req.url()));
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => (server === undefined ? r(undefined) : server.close(r)));
    rmSync(work, { recursive: true, force: true });
  });

  test('a pickle: verdict, value tree with shared values and a cycle, disassembly as pickletools prints it', async () => {
    const path = join(work, 'shared.pkl');
    execFileSync(PYTHON, [
      '-c',
      `import pickle, sys
inner = [1, 2.5, 'three']
loop = []
loop.append(loop)
value = {'a': inner, 'b': inner, 'loop': loop, 'big': list(range(250)), 'n': None}
open(sys.argv[1], 'wb').write(pickle.dumps(value, 2))`,
      path,
    ]);
    await open(path);
    assert.equal(await text('#verdict'), verdictOf(path));
    assert.equal(await text('#verdict'), 'safe');
    // The root dict, expanded.
    await expand('shared.pkl');
    assert.match((await row(2, "'a'").textContent()) ?? '', /'a'\s+list\s+3 items\s+shared #1/);
    assert.match((await row(2, "'b'").textContent()) ?? '', /'b'\s+list\s+.*same object as #1/);
    await expand("'loop'");
    assert.match((await row(3, '[0]').textContent()) ?? '', /\[0\]\s+list.*cycle/);
    // Leaves are Python reprs; big containers come in pages.
    await expand("'a'");
    const leaves = await Promise.all(
      ['[0]', '[1]', '[2]'].map((k) => row(3, k).first().locator('.text').textContent()),
    );
    assert.deepEqual(leaves, ['1', '2.5', "'three'"]);
    await expand("'big'");
    assert.ok(await page.getByRole('button', { name: 'Show 100 more of 150' }).isVisible());
    // The disassembly is pickletools' text, and a value's opcodes are highlighted when it is selected.
    assert.equal(await page.locator('#dis').textContent(), pickletools(path));
    await row(2, "'a'").locator('.sel').click();
    assert.match(await text('#dis .hl'), /EMPTY_LIST/);
    // Search.
    await page.fill('#dis-search', 'BINUNICODE');
    assert.match(await text('#dis .match'), /BINUNICODE/);
    assert.match(await text('#dis-count'), /matching line/);
  });

  test('a PyTorch checkpoint: safe, the state_dict table with its total, a tensor as a heatmap', async () => {
    const path = join(fixtures, 'torch', 'state_dict.pt');
    await open(path);
    assert.equal(await text('#verdict'), verdictOf(path));
    assert.equal(await text('#verdict'), 'safe');
    const names = await page.locator('#arrays tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(names, ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.match(await text('#arrays tfoot'), /total \(4\)\s+11\s+44/);
    // The preview is drawn after the table: on a busy machine it may not be there yet.
    await page.locator('#preview-meta').filter({ hasText: /\S/ }).waitFor();
    assert.match(await text('#preview-meta'), /float32, shape \(2, 3\)/);
    // 0.weight: its largest value is at (0, 1), its smallest at (0, 2).
    assert.equal(await page.locator('#plot').getAttribute('data-kind'), 'heatmap');
    assert.deepEqual(await cell(0, 1), VIRIDIS_HIGH);
    assert.deepEqual(await cell(0, 2), VIRIDIS_LOW);
    assert.match(await text('#preview-table'), /-0\.004322517663240433/);
    // data.pkl as pickletools prints it.
    const dataPkl = (await page.locator('#dis-pickle option').allInnerTexts()).find((n) =>
      n.endsWith('data.pkl'),
    )!;
    assert.equal(await page.locator('#dis').textContent(), pickletools(path, dataPkl));
    await expand('state_dict.pt');
    await page.screenshot({ path: join(work, 'inspector.png'), fullPage: false });
    if (process.env.BRINE_UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(root, 'docs'), { recursive: true });
      writeFileSync(join(root, 'docs', 'inspector.png'), readFileSync(join(work, 'inspector.png')));
    }
    assert.ok(readFileSync(join(work, 'inspector.png')).length > 10_000);
  });

  test('a .npy: a 2-D array drawn as a heatmap, a 1-D one as a line', async () => {
    await open(join(fixtures, 'numpy', 'files', 'c_2d.v1.npy'));
    assert.equal(await text('#verdict'), 'safe');
    assert.match(await text('#preview-meta'), /int32|<i4/);
    assert.deepEqual(
      (await page.locator('#preview-table tr').allInnerTexts()).map((r) => r.trim().split(/\s+/)),
      [
        ['0', '1', '2', '3'],
        ['4', '5', '6', '7'],
        ['8', '9', '10', '11'],
      ],
    );
    assert.deepEqual(await cell(0, 0), VIRIDIS_LOW);
    assert.deepEqual(await cell(2, 3), VIRIDIS_HIGH);
    // 4/11 of the way: between viridis' 2/8 and 3/8 points, so bluish.
    const mid = await cell(1, 0);
    assert.ok(mid[2]! > mid[0]! && mid[2]! > 100, `cell (1, 0) is ${mid}`);
    await open(join(fixtures, 'numpy', 'files', 'float64.v1.npy'));
    assert.equal(await page.locator('#plot').getAttribute('data-kind'), 'line');
    assert.match(await text('#preview-table'), /0\.0\s+-0\.0\s+1\.5\s+-2\.25\s+inf\s+-inf\s+nan/);
  });

  test('a .npz (stored and deflated): every array listed', async () => {
    for (const name of ['stored.npz', 'deflated.npz']) {
      const path = join(fixtures, 'numpy', 'files', name);
      await open(path);
      assert.equal(await text('#verdict'), verdictOf(path));
      const names = await page.locator('#arrays tbody tr td:first-child').allInnerTexts();
      assert.equal(names.length, 3, names.join());
      assert.match(await text('#tree'), /dict\s+3 items/);
    }
  });

  test('a joblib file: the estimator as an inert object, its arrays', async () => {
    const path = join(fixtures, 'sklearn', 'LinearRegression.joblib');
    await open(path);
    assert.equal(await text('#verdict'), verdictOf(path));
    assert.match(
      await text('#tree'),
      /sklearn\.linear_model\._base\.LinearRegression\s+built by NEWOBJ sklearn\.linear_model\._base\.LinearRegression\(0 arguments\), then BUILD/,
    );
    const names = await page.locator('#arrays tbody tr td:first-child').allInnerTexts();
    assert.ok(
      names.some((n) => n.includes('coef_')),
      names.join(),
    );
  });

  test('hostile files leave the page answering and say what they are', async () => {
    const depth = 100_000;
    // Nested lists 100,000 deep (a recursive reader overflows its stack near 10,000): EMPTY_LIST ... then APPEND ...
    const deep = new Uint8Array(2 + depth + (depth - 1) + 1);
    deep.set([0x80, 2]);
    deep.fill(0x5d, 2, 2 + depth);
    deep.fill(0x61, 2 + depth, 2 + 2 * depth - 1);
    deep[deep.length - 1] = 0x2e;
    let t0 = Date.now();
    await open(file('deep.pkl', deep), { disassembly: false });
    console.log(`deep: ${Date.now() - t0} ms`);
    assert.ok(['safe', 'malformed'].includes(await text('#verdict')));

    // A billion laughs through the memo: 40 levels of 10 references each.
    const laughs: number[] = [0x80, 2, 0x5d, 0x71, 0];
    for (let level = 1; level <= 40; level++) {
      laughs.push(0x28);
      for (let k = 0; k < 10; k++) laughs.push(0x68, level - 1);
      laughs.push(0x6c, 0x71, level);
    }
    laughs.push(0x2e);
    t0 = Date.now();
    await open(file('laughs.pkl', new Uint8Array(laughs)));
    console.log(`laughs: ${Date.now() - t0} ms`);
    assert.equal(await text('#verdict'), 'safe');
    await expand('laughs.pkl');
    // The children are drawn after the row turns to "collapse": wait for them, then read.
    await page.locator('#tree', { hasText: /shared #/ }).waitFor();
    assert.match(await text('#tree'), /shared #/);

    // A gadget.
    await open(file('gadget.pkl', "cos\nsystem\n(S'echo pwned'\ntR."));
    assert.equal(await text('#verdict'), 'dangerous');
    assert.match(await text('#findings'), /os\.system/);
    await page.locator('#findings button.goto').first().click();
    assert.match(await text('#dis .hl'), /GLOBAL\s+'os system'/);

    // Zip bombs: an .npz entry of 1 GiB of zeros in 4 MB, its size claimed small, then claimed honestly.
    const zeros = deflateZeros(2 ** 30);
    for (const [name, claimed] of [
      ['liar.npz', 64],
      ['honest.npz', 2 ** 30],
    ] as const) {
      t0 = Date.now();
      await open(file(name, zipOf('a.npy', zeros, claimed)), { disassembly: false });
      console.log(`${name}: ${Date.now() - t0} ms`);
      assert.match(await text('#status'), new RegExp(name.replace('.', '\\.')));
      assert.match(await text('#load-error'), /Not loaded: .+/);
    }

    // Garbage.
    await open(file('garbage.pkl', new Uint8Array([0x80, 5, 0xff, 0xfe, 0x00])));
    assert.equal(await text('#verdict'), 'malformed');
  });

  test('no request leaves the page after it loads', () => {
    const outside = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(outside, []);
  });

  test('a checkpoint read lazily (by slices of the File): tensors listed, data read when shown', async () => {
    const lazy = await browser!.newPage({ viewport: { width: 390, height: 844 } });
    await lazy.goto(`${base}?lazy`);
    await lazy.waitForFunction(() => document.body.dataset.state === 'ready');
    const seen: string[] = [];
    lazy.on('request', (req) => seen.push(req.url()));
    const main = page;
    page = lazy;
    opens = 0;
    try {
      const path = join(fixtures, 'torch', 'state_dict.pt');
      await open(path);
      assert.match(await text('#status'), /read lazily/);
      assert.equal(await text('#verdict'), 'safe');
      const names = await page.locator('#arrays tbody tr td:first-child').allInnerTexts();
      assert.deepEqual(names, ['0.weight', '0.bias', '2.weight', '2.bias']);
      await page.locator('#preview-meta', { hasText: 'shape (2, 3)' }).waitFor();
      assert.deepEqual(await cell(0, 1), VIRIDIS_HIGH);
      assert.deepEqual(await cell(0, 2), VIRIDIS_LOW);
      // On a phone-sized screen nothing is wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    } finally {
      page = main;
      await lazy.close();
    }
    assert.deepEqual(
      seen.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:')),
      [],
    );
  });
});

/**
 * Raw deflate of `n` zero bytes, written by hand (a fixed-Huffman block: one
 * literal 0, then copies of 258 bytes at distance 1, 13 bits each), so that
 * the test makes a 1 GiB bomb without deflating 1 GiB.
 */
function deflateZeros(n: number): Uint8Array {
  const copies = Math.ceil((n - 1) / 258);
  const out = new Uint8Array(Math.ceil((3 + 8 + 13 * copies + 7) / 8) + 1);
  let bit = 0;
  const lsbFirst = (value: number, bits: number): void => {
    for (let i = 0; i < bits; i++, bit++) if ((value >> i) & 1) out[bit >> 3]! |= 1 << (bit & 7);
  };
  const msbFirst = (code: number, bits: number): void => {
    for (let i = bits - 1; i >= 0; i--, bit++) if ((code >> i) & 1) out[bit >> 3]! |= 1 << (bit & 7);
  };
  lsbFirst(1, 1); // last block
  lsbFirst(1, 2); // fixed Huffman codes
  msbFirst(0b00110000, 8); // literal 0
  for (let i = 0; i < copies; i++) {
    msbFirst(0b11000101, 8); // length 258
    msbFirst(0, 5); // distance 1
  }
  msbFirst(0, 7); // end of block
  return out.subarray(0, (bit + 7) >> 3);
}

/** A one-entry zip archive (deflated) whose entry claims `size` bytes. */
function zipOf(name: string, data: Uint8Array, size: number): Uint8Array {
  const n = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + n.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint16(8, 8, true);
  lv.setUint32(18, data.length, true);
  lv.setUint32(22, size, true);
  lv.setUint16(26, n.length, true);
  local.set(n, 30);
  const central = new Uint8Array(46 + n.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true);
  cv.setUint16(6, 20, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, size, true);
  cv.setUint16(28, n.length, true);
  central.set(n, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + data.length, true);
  const out = new Uint8Array(local.length + data.length + central.length + end.length);
  out.set(local, 0);
  out.set(data, local.length);
  out.set(central, local.length + data.length);
  out.set(end, local.length + data.length + central.length);
  return out;
}
