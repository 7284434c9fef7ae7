// The JavaScript libraries under test, each behind the same small interface:
//   setup() -> { version, text?, loads(input), dumps?(value, protocol) -> Uint8Array }
// `loads` gets the file's bytes (a Uint8Array), or with `text: true` the file
// decoded from UTF-8 to a string (read and decoded before any timing). `dumps`
// is absent when the library cannot write pickles. A library is set up only in
// the process that measures it (bench/case.mjs).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(name) {
  return require(`${name}/package.json`).version;
}

export const LIBS = {
  brine: {
    /** The build under test: dist/ of this repository (`npm run bench` builds it first). */
    async setup() {
      const url = new URL('../dist/index.js', import.meta.url);
      let mod;
      try {
        mod = await import(url.href);
      } catch (e) {
        throw new Error(`cannot import dist/index.js (run \`npm run build\`): ${e.message}`);
      }
      if (typeof mod.loads !== 'function') throw new Error('dist/index.js does not export loads');
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
      const lib = { version: pkg.version, loads: (bytes) => mod.loads(bytes) };
      if (typeof mod.dumps === 'function') {
        lib.dumps = (value, protocol) => mod.dumps(value, { protocol });
        // What dumps is given: the file loaded with exact: true, so that it holds the same Python
        // values CPython dumps (integral floats stay floats).
        lib.loadsForDumps = (bytes) => mod.loads(bytes, { exact: true });
      }
      return lib;
    },
  },

  pickleparser: {
    /** `new Parser().parse(bytes)`; default options (dicts as plain objects, unknown classes as PObject). */
    async setup() {
      const { Parser } = require('pickleparser');
      const parser = new Parser();
      return { version: packageVersion('pickleparser'), loads: (bytes) => parser.parse(bytes) };
    },
  },

  jpickle: {
    /**
     * `jpickle.loads(binaryString)`: the API takes a latin1 ("binary") string, so
     * the bytes -> string conversion is part of each timed load. Protocols 0-2
     * only. Globals must be registered in `jpickle.emulated`, as its README
     * shows: `_codecs.encode` (how protocol 2 writes bytes) and the benchmark
     * class are registered here.
     */
    async setup() {
      const jpickle = require('jpickle');
      jpickle.emulated['_codecs.encode'] = (args) => Buffer.from(args[0], 'latin1');
      jpickle.emulated['bench_models.Item'] = function Item() {};
      return {
        version: packageVersion('jpickle'),
        loads: (bytes) =>
          jpickle.loads(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')),
      };
    },
  },

  json: {
    /**
     * Not a pickle library: V8's native `JSON.parse` on the workload's JSON file
     * (the same value, tuples as arrays), as a reference for how fast a JS
     * decoder can build the same objects. Takes the text; decoding the file
     * to a string is not timed.
     */
    async setup() {
      return { version: `V8 ${process.versions.v8}`, text: true, loads: (text) => JSON.parse(text) };
    },
  },
};
