// Listing and reading a multi-GB torch checkpoint: brine's lazy loadTorchFile against torch.load.
// Usage: npm run build && node bench/torch-lazy.mjs [GB=3]
// The checkpoint is generated with /usr/bin/python3 (torch) in the system temp folder, never in git.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const gb = Number(process.argv[2] ?? 3);
const python = process.env.BRINE_TORCH_PYTHON ?? '/usr/bin/python3';
const path = join(tmpdir(), `brine-bench-${gb}gb.pt`);
const tensors = Math.round((gb * 1024) / 64); // 64 MiB float32 tensors

if (!existsSync(path)) {
  console.log(`writing ${path} (${tensors} tensors of 64 MiB) with torch...`);
  execFileSync(python, [
    '-c',
    `import torch, collections, sys
sd = collections.OrderedDict((f"layers.{i}.weight", torch.full((4096, 4096), float(i))) for i in range(${tensors}))
torch.save(sd, sys.argv[1])`,
    path,
  ]);
}
const size = statSync(path).size;

const node = (code) =>
  JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', code, path], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1),
  );
const brineList = node(`
import { loadTorchFile } from '${new URL('../dist/node/index.js', import.meta.url).href}';
import { summariseTensors } from '${new URL('../dist/index.js', import.meta.url).href}';
const t0 = performance.now();
const state = loadTorchFile(process.argv[1]);
const { tensors, totalBytes } = summariseTensors(state);
const listMs = performance.now() - t0;
const listRss = process.resourceUsage().maxRSS;
const t1 = performance.now();
const one = tensors[tensors.length - 1].tensor.toTypedArray();
const readMs = performance.now() - t1;
console.log(JSON.stringify({ listMs, listRss, count: tensors.length, totalBytes, readMs, readRss: process.resourceUsage().maxRSS, check: one[0] }));
`);

const py = (load) =>
  JSON.parse(
    execFileSync(
      python,
      [
        '-c',
        `import json, resource, sys, time, torch
t0 = time.perf_counter()
sd = ${load}
ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"ms": ms, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "count": len(sd)}))`,
        path,
      ],
      { encoding: 'utf8' },
    ),
  );
const baseline = JSON.parse(
  execFileSync(
    python,
    [
      '-c',
      'import json, resource, torch; print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))',
    ],
    {
      encoding: 'utf8',
    },
  ),
);
const torchLoad = py('torch.load(sys.argv[1])');
const torchWeights = py('torch.load(sys.argv[1], weights_only=True)');
const hasMmap = execFileSync(
  python,
  ['-c', 'import inspect, torch; print("mmap" in inspect.signature(torch.load).parameters)'],
  {
    encoding: 'utf8',
  },
).trim();

const mb = (kb) => `${(kb / 1024).toFixed(0)} MiB`;
console.log(`checkpoint: ${(size / 2 ** 30).toFixed(2)} GiB, ${brineList.count} tensors`);
console.log(
  `brine loadTorchFile + summariseTensors: ${brineList.listMs.toFixed(1)} ms, peak RSS ${mb(brineList.listRss)} (whole node process)`,
);
console.log(
  `brine read one 64 MiB tensor after listing: ${brineList.readMs.toFixed(1)} ms, peak RSS ${mb(brineList.readRss)}`,
);
console.log(
  `torch.load: ${torchLoad.ms.toFixed(0)} ms, peak RSS ${mb(torchLoad.rss)} (import torch alone: ${mb(baseline)})`,
);
console.log(
  `torch.load(weights_only=True): ${torchWeights.ms.toFixed(0)} ms, peak RSS ${mb(torchWeights.rss)}`,
);
console.log(
  `torch.load(mmap=True) available in this torch: ${hasMmap === 'True' ? 'yes' : 'no (added in torch 2.1)'}`,
);
