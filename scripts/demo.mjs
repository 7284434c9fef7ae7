// `npm run demo`: python3 writes a pickle of application state, brine loads it
// and prints it. Run after `npm run build` (the npm script does both).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loads, pformat, Registry, scan, UnpicklingError } from '../dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'brine-demo-'));
try {
  const file = join(dir, 'app_state.pkl');
  execFileSync('python3', [new URL('../examples/app_state.py', import.meta.url).pathname, file], {
    stdio: 'inherit',
  });
  const data = readFileSync(file);
  console.log(`python3 wrote ${file} (${data.length} bytes, protocol ${data[1]}); brine loads it:\n`);

  const state = loads(data);
  console.log(inspect(state, { depth: 6, colors: process.stdout.isTTY, breakLength: 110 }));

  console.log('\nShared references survive: by_email points at the same objects as users:');
  console.log(
    '  state.get("by_email")["ada@example.org"] === state.get("users")[0] ->',
    state.get('by_email')['ada@example.org'] === state.get('users')[0],
  );
  const updated = state.get('updated');
  console.log('Standard-library values are brine classes with conversions:');
  console.log(
    `  updated.toDate() -> ${updated.toDate().toISOString()}, price -> ${state.get('price')} (exact)`,
  );
  console.log(
    'The application class Cart is not registered: it stays an inert PyObject, nothing is executed:',
  );
  console.log(`  cart.cls = ${state.get('cart').cls}, cart.state =`, state.get('cart').state);

  console.log('\nAs python -m pickle prints it (brine show):\n');
  console.log(pformat(state));
  console.log(`\nThe static scanner rates the file: ${scan(data).verdict}`);

  try {
    loads(data, { strict: true });
  } catch (error) {
    if (!(error instanceof UnpicklingError)) throw error;
    console.log('\nWith { strict: true } the unregistered class is refused:\n ', error.message);
  }
  class Cart {}
  const registry = new Registry().registerClass(Cart, { module: '__main__', name: 'Cart' });
  const cart = loads(data, { registry, strict: true }).get('cart');
  console.log('Registered, it loads as the JS class:', cart);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
