/**
 * Python 2 names and their Python 3 names, as `_compat_pickle` maps them:
 * the loader reads a protocol 0-2 pickle's `__builtin__.set` as
 * `builtins.set`, and the pickler writes the Python 2 spelling back when
 * `fixImports` is on. The tables are CPython's (src/reconstructors/compat-names.ts,
 * generated); the lookups are built on first use.
 *
 * @module
 */
import {
  IMPORT_MAPPING,
  NAME_MAPPING,
  REVERSE_IMPORT_MAPPING,
  REVERSE_NAME_MAPPING,
} from './reconstructors/compat-names.js';

type Pair = readonly [module: string, name: string];

interface Lookup {
  readonly modules: ReadonlyMap<string, string>;
  readonly names: ReadonlyMap<string, Pair>;
}

function lookup(
  modules: readonly (readonly [string, string])[],
  names: readonly (readonly [string, string, string, string])[],
): Lookup {
  return {
    modules: new Map(modules),
    names: new Map(names.map(([m, n, m2, n2]) => [`${m}\n${n}`, [m2, n2] as const])),
  };
}

function mapName(table: Lookup, module: string, name: string): Pair {
  const pair = table.names.get(`${module}\n${name}`);
  if (pair !== undefined) return pair;
  const mapped = table.modules.get(module);
  return mapped === undefined ? [module, name] : [mapped, name];
}

let toPy3: Lookup | undefined;
let toPy2: Lookup | undefined;

/** The Python 3 name of a Python 2 global (`_compat_pickle.NAME_MAPPING`, else `IMPORT_MAPPING` for the module). */
export function py3Name(module: string, name: string): Pair {
  toPy3 ??= lookup(IMPORT_MAPPING, NAME_MAPPING);
  return mapName(toPy3, module, name);
}

/** The Python 2 name of a Python 3 global (`REVERSE_NAME_MAPPING`, else `REVERSE_IMPORT_MAPPING` for the module). */
export function py2Name(module: string, name: string): Pair {
  toPy2 ??= lookup(REVERSE_IMPORT_MAPPING, REVERSE_NAME_MAPPING);
  return mapName(toPy2, module, name);
}
