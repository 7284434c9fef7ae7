/**
 * Measures the inspector page: the gzip size of what a browser downloads, and
 * the time from choosing a ~100 MB PyTorch checkpoint to its tensor list on
 * the page, in headless Chromium. The checkpoint is written by the real torch
 * (/usr/bin/python3) into the system's temp folder, never into the repository.
 *
 *     node --import tsx web/scripts/measure-open.ts [megabytes]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const megabytes = Number(process.argv[2] ?? 100);
const work = mkdtempSync(join(tmpdir(), 'brine-inspector-'));
const dist = join(work, 'dist');
const checkpoint = join(work, 'big.pt');

try {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist } });
  let raw = 0;
  let gz = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const bytes = readFileSync(path);
        raw += bytes.length;
        gz += gzipSync(bytes, { level: 9 }).length;
      }
    }
  };
  walk(dist);
  console.log(
    `page: ${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped (every file of the build)`,
  );

  // 4 MB float32 tensors in a state_dict, as many as make the size asked for.
  execFileSync('/usr/bin/python3', [
    '-c',
    `import sys, torch
n = max(1, round(float(sys.argv[2]) / 4))
torch.save({f"layer{i}.weight": torch.randn(1000, 1000) for i in range(n)}, sys.argv[1])`,
    checkpoint,
    String(megabytes),
  ]);
  const size = statSync(checkpoint).size;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = normalize(join(dist, url.pathname === '/' ? 'index.html' : url.pathname));
    const type =
      extname(path) === '.html' ? 'text/html' : extname(path) === '.css' ? 'text/css' : 'text/javascript';
    let body: Buffer;
    try {
      body = readFileSync(path);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    for (let run = 1; run <= 3; run++) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => document.body.dataset.state === 'ready');
      await page.evaluate(() => {
        document.getElementById('file')!.addEventListener('change', () => {
          (window as unknown as { t0: number }).t0 = performance.now();
        });
      });
      await page.setInputFiles('#file', checkpoint);
      await page.waitForFunction(() => document.querySelectorAll('#arrays tbody tr').length > 0, undefined, {
        polling: 5,
        timeout: 120_000,
      });
      const ms = await page.evaluate(() => performance.now() - (window as unknown as { t0: number }).t0);
      const rows = await page.locator('#arrays tbody tr').count();
      const status = await page.locator('#status').textContent();
      console.log(
        `run ${run}: ${(size / 2 ** 20).toFixed(1)} MiB checkpoint, ${rows} tensors listed after ${ms.toFixed(0)} ms (${status})`,
      );
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
