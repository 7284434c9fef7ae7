/**
 * The scanner's knowledge of Python globals, as data: which names are known
 * code-execution, file, network or process gadgets (`dangerous`), and which
 * are pure data constructors that a benign pickle uses (`safe`). Every other
 * name is `review`. The sources of each entry are listed in docs/scanner.md.
 *
 * A module entry covers the module and every submodule
 * (`asyncio` covers `asyncio.unix_events`). An exact allow entry wins over a
 * module entry (`uuid.UUID` is safe, the rest of `uuid` is not); dotted names
 * (`Outer.Inner`) are never allow-listed by a plain entry.
 *
 * @module
 */

import { JOBLIB_SCAN } from '../joblib/scan.js';
import { NUMPY_SCAN } from '../numpy/scan.js';
import { PANDAS_SCAN } from '../pandas/scan.js';
import type { PersistentIdShape, ScanContainer, ScanLibrary, StreamLayout } from '../scan-library.js';
import { TORCH_SCAN } from '../torch/scan.js';
import { joblibLayout } from './scan/joblib-layout.js';

/** How the scanner rates a global or a whole pickle, from best to worst. */
export type Severity = 'safe' | 'review' | 'dangerous';

/**
 * Modules (with every submodule) that give code execution, file, network or
 * process access, or that can load another pickle or another module.
 */
export const DANGEROUS_MODULES: readonly string[] = [
  // Processes and the operating system
  'os',
  'posix',
  'nt',
  '_posixsubprocess',
  'subprocess',
  'commands',
  'popen2',
  'pty',
  'tty',
  'termios',
  'fcntl',
  'signal',
  'resource',
  'platform',
  'multiprocessing',
  '_multiprocessing',
  'concurrent.futures.process',
  '_winapi',
  'msvcrt',
  'winreg',
  '_winreg',
  '_interpreters',
  '_xxsubinterpreters',
  'interpreters',
  '_thread',
  'thread',
  'sys',
  'gc',
  'atexit',
  // Running code, importing modules, resolving names
  'runpy',
  'importlib',
  '_imp',
  'imp',
  '_frozen_importlib',
  '_frozen_importlib_external',
  'zipimport',
  'pkgutil',
  'pkg_resources',
  'site',
  'code',
  'codeop',
  'compileall',
  'py_compile',
  'types',
  'marshal',
  'ctypes',
  '_ctypes',
  'cffi',
  'operator',
  '_operator',
  'inspect',
  'pdb',
  'bdb',
  'trace',
  'profile',
  'cProfile',
  '_lsprof',
  'timeit',
  'doctest',
  'pydoc',
  'idlelib',
  '_pyrepl',
  'rlcompleter',
  'test.support',
  'test.libregrtest',
  'unittest.mock',
  'ensurepip',
  'pip',
  '_pip',
  'setuptools',
  'distutils',
  '_distutils_hack',
  'venv',
  '_osx_support',
  '_aix_support',
  '_sitebuiltins',
  // Loading another pickle (or another serialized program)
  'pickle',
  '_pickle',
  'cPickle',
  'pickletools',
  'shelve',
  'dill',
  'cloudpickle',
  'joblib',
  // Files
  'io',
  '_io',
  'shutil',
  'tempfile',
  'fileinput',
  'linecache',
  'tokenize',
  'zipfile',
  'tarfile',
  'gzip',
  'bz2',
  'lzma',
  'dbm',
  'sqlite3',
  '_sqlite3',
  'logging',
  'mmap',
  'mailbox',
  'filecmp',
  'glob',
  // Network
  'socket',
  '_socket',
  'ssl',
  '_ssl',
  'select',
  'selectors',
  'socketserver',
  'asyncio',
  'http',
  'urllib',
  'urllib2',
  'urllib3',
  'httplib',
  'requests',
  'httpx',
  'aiohttp',
  'ftplib',
  'smtplib',
  'smtpd',
  'telnetlib',
  'poplib',
  'imaplib',
  'nntplib',
  'xmlrpc',
  'xmlrpclib',
  'webbrowser',
  // Third-party gadgets named by scanner advisories
  'mlflow.projects',
  'yaml',
  'jinja2',
  // Found by attacking this scanner (test/support/scan-attacks.py): importing these runs a
  // program, or their functions write files, fetch URLs or run code
  'antigravity',
  'unittest',
  'lib2to3',
  'test.regrtest',
  'tkinter',
  '_tkinter',
  'turtle',
  'turtledemo',
  '_pyio',
  'wave',
  'aifc',
  'sunau',
  'uu',
  'zipapp',
  'readline',
  'syslog',
  'getpass',
  'cgitb',
  'faulthandler',
  'pstats',
  'netrc',
  'wsgiref',
  'asyncore',
  'asynchat',
  '_posixshmem',
  'xml.sax',
  'xml.dom.pulldom',
  'xml.etree.ElementInclude',
];

/**
 * Single names (`module.name`) that are gadgets in a module that is not
 * dangerous as a whole.
 */
export const DANGEROUS_NAMES: readonly string[] = [
  'builtins.eval',
  'builtins.exec',
  'builtins.execfile',
  'builtins.compile',
  'builtins.getattr',
  'builtins.setattr',
  'builtins.delattr',
  'builtins.__import__',
  'builtins.__build_class__',
  'builtins.open',
  'builtins.file',
  'builtins.input',
  'builtins.raw_input',
  'builtins.breakpoint',
  'builtins.globals',
  'builtins.locals',
  'builtins.vars',
  'builtins.help',
  'builtins.exit',
  'builtins.quit',
  'builtins.reload',
  'builtins.__loader__',
  'builtins.__spec__',
  'copyreg.add_extension',
  'copyreg.remove_extension',
  'copyreg._extension_registry',
  'copyreg._inverted_registry',
  'copyreg.dispatch_table',
  'copyreg.pickle',
  'codecs.open',
  'codecs.EncodedFile',
  'functools.reduce',
  'functools.singledispatch',
  'uuid._get_command_stdout',
  'uuid._popen',
  'uuid._find_mac',
  'uuid._ifconfig_getnode',
  'uuid._ip_getnode',
  'uuid._arp_getnode',
  'uuid._lanscan_getnode',
  'uuid._netstat_getnode',
  'uuid._ipconfig_getnode',
  'uuid._netbios_getnode',
  'uuid._unix_getnode',
  'uuid._windll_getnode',
  'uuid.getnode',
  'uuid._load_system_functions',
  'collections.namedtuple',
  'keras.models.load_model',
  'sklearn.utils._joblib',
  'xml.dom.minidom.parse',
  'xml.dom.expatbuilder.parse',
  'xml.etree.ElementTree.parse',
  'xml.etree.ElementTree.iterparse',
  'mimetypes.init',
  'mimetypes.read_mime_types',
  'imghdr.what',
  'sndhdr.what',
];

/**
 * Attribute names that, anywhere in a dotted name (`Outer.attr.attr`), reach
 * a module, a function's globals or the interpreter: a dotted name holding
 * one is dangerous whatever module it starts from.
 */
export const DANGEROUS_ATTRIBUTES: readonly string[] = [
  'system',
  'popen',
  'spawn',
  'spawnv',
  'spawnl',
  'execv',
  'execve',
  'execl',
  'execvp',
  'eval',
  'exec',
  'compile',
  'getattr',
  'setattr',
  'open',
  'load',
  'loads',
  'Popen',
  'run',
  'call',
  'check_call',
  'check_output',
  // The rest of os's process functions, and methods that touch files, the network or processes
  // (a bound method of a standard-library object: getattr(PosixPath(...), 'write_text'))
  'posix_spawn',
  'posix_spawnp',
  'spawnle',
  'spawnlp',
  'spawnlpe',
  'spawnve',
  'spawnvp',
  'spawnvpe',
  'execle',
  'execlp',
  'execlpe',
  'execvpe',
  'fork',
  'forkpty',
  'kill',
  'killpg',
  'startfile',
  'putenv',
  'unsetenv',
  'getoutput',
  'getstatusoutput',
  'import_module',
  'run_path',
  'run_module',
  'resolve_name',
  'attrgetter',
  'methodcaller',
  'write_text',
  'write_bytes',
  'read_text',
  'read_bytes',
  'unlink',
  'touch',
  'mkdir',
  'makedirs',
  'rmdir',
  'removedirs',
  'rmtree',
  'remove',
  'rename',
  'symlink_to',
  'hardlink_to',
  'link_to',
  'chmod',
  'lchmod',
  'chown',
  'truncate',
  'tofile',
  'connect',
  'sendall',
  'urlopen',
  'urlretrieve',
  'extractall',
  'write_history_file',
  'read_history_file',
];

/**
 * Modules reached under a private alias (`import os as _os`, `import sys as _sys`): in a
 * dotted name, a part that is one of these after its leading underscores is that module.
 */
const ALIASED_MODULES: readonly string[] = [
  'os',
  'sys',
  'subprocess',
  'builtins',
  'importlib',
  'socket',
  'shutil',
  'pickle',
  'marshal',
  'ctypes',
  'posix',
  'nt',
  'runpy',
  'pty',
  'io',
  'signal',
  'tempfile',
];

/**
 * Pure data constructors that CPython writes for ordinary values (numpy's
 * and PyTorch's are in their own folders' `ScanLibrary`). Each builds a value from its arguments without calling anything
 * the pickle supplies, importing anything else, or touching files, network
 * or processes. (Why each one is here: docs/scanner.md.)
 */
export const SAFE_NAMES: readonly string[] = [
  // Built-in types (protocol < 3 and < 4 write these through REDUCE)
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  'builtins.bytes',
  'builtins.complex',
  'builtins.slice',
  'builtins.range',
  'builtins.int',
  'builtins.float',
  'builtins.str',
  'builtins.bool',
  'builtins.list',
  'builtins.tuple',
  'builtins.dict',
  'builtins.object',
  'builtins.NoneType',
  'builtins.Ellipsis',
  'builtins.NotImplemented',
  '_codecs.encode',
  // copyreg's reconstruction helpers (protocol < 2 objects, NEWOBJ below 2)
  'copyreg._reconstructor',
  'copyreg.__newobj__',
  'copyreg.__newobj_ex__',
  // Standard library value types
  'collections.OrderedDict',
  'collections.defaultdict',
  'collections.deque',
  'collections.Counter',
  'datetime.date',
  'datetime.time',
  'datetime.datetime',
  'datetime.timedelta',
  'datetime.timezone',
  'datetime.tzinfo',
  'decimal.Decimal',
  '_decimal.Decimal',
  '_pydecimal.Decimal',
  'fractions.Fraction',
  'uuid.UUID',
  'uuid.SafeUUID',
  'zoneinfo.ZoneInfo',
  'zoneinfo._common._load_timezone',
  'ipaddress.IPv4Address',
  'ipaddress.IPv6Address',
  'ipaddress.IPv4Network',
  'ipaddress.IPv6Network',
  'ipaddress.IPv4Interface',
  'ipaddress.IPv6Interface',
  'zoneinfo.ZoneInfo._unpickle',
  'array.array',
  'array._array_reconstructor',
  'types.SimpleNamespace',
  // Python 3.11.2-3.11.4 write a combined enum.Flag value as or_ of its members: `a | b` of two
  // values the pickle built (the rest of `_operator` stays dangerous: attrgetter, methodcaller)
  '_operator.or_',
  // Built-in exception classes: their constructor stores its arguments
  ...[
    'BaseException',
    'Exception',
    'ArithmeticError',
    'AssertionError',
    'AttributeError',
    'EOFError',
    'FileNotFoundError',
    'ImportError',
    'IndexError',
    'KeyError',
    'LookupError',
    'ModuleNotFoundError',
    'NameError',
    'NotImplementedError',
    'OSError',
    'OverflowError',
    'PermissionError',
    'RuntimeError',
    'StopIteration',
    'TimeoutError',
    'TypeError',
    'UnicodeDecodeError',
    'UnicodeEncodeError',
    'ValueError',
    'ZeroDivisionError',
  ].map((name) => `builtins.${name}`),
];

/**
 * Callables whose call with a constant `(global, 'attribute')` pair is a
 * static attribute lookup (how protocols 0-3 pickle nested classes): the
 * scanner rates the dotted name it yields instead of the callable.
 */
export const ATTRIBUTE_LOOKUP = 'builtins.getattr';

/** Python itself (the standard library) and the third-party gadgets of no library of their own. */
export const PYTHON_SCAN: ScanLibrary = {
  name: 'python',
  safeGlobals: SAFE_NAMES,
  dangerousModules: DANGEROUS_MODULES,
  dangerousGlobals: DANGEROUS_NAMES,
};

/** The libraries the scanner knows by default: Python, numpy, PyTorch, pandas, joblib and scikit-learn. */
export const DEFAULT_LIBRARIES: readonly ScanLibrary[] = [
  PYTHON_SCAN,
  NUMPY_SCAN,
  TORCH_SCAN,
  PANDAS_SCAN,
  { ...JOBLIB_SCAN, layout: joblibLayout },
];

const dangerousAttributes = new Set(DANGEROUS_ATTRIBUTES);
const aliasedModules = new Set(ALIASED_MODULES);

/**
 * The scanner's rules, compiled once from a set of {@link ScanLibrary}: how a
 * global is rated, which persistent ids each library resolves, which archives
 * are a library's, and the sniffers of its containers.
 */
export class ScanRules {
  readonly libraries: readonly ScanLibrary[];
  readonly #safe = new Set<string>();
  readonly #dangerousModules = new Set<string>();
  readonly #dangerousNames = new Set<string>();

  constructor(libraries: readonly ScanLibrary[]) {
    this.libraries = libraries;
    for (const lib of libraries) {
      for (const n of lib.safeGlobals) this.#safe.add(n);
      for (const m of lib.dangerousModules ?? []) this.#dangerousModules.add(m);
      for (const n of lib.dangerousGlobals ?? []) this.#dangerousNames.add(n);
    }
  }

  /** The persistent-id shapes of the library called `name` (none for an unknown name). */
  persistentIds(name: string | undefined): readonly PersistentIdShape[] {
    if (name === undefined) return [];
    return this.libraries.find((l) => l.name === name)?.persistentIds ?? [];
  }

  /** The library whose archive marker one of `names` matches. */
  archiveOwner(names: readonly string[]): ScanLibrary | undefined {
    return this.libraries.find(
      (l) => l.archiveMarker !== undefined && names.some((n) => l.archiveMarker!.test(n)),
    );
  }

  /** The first raw-data layout a library finds in a pickle stream. */
  layout(data: Uint8Array): StreamLayout | undefined {
    for (const lib of this.libraries) {
      const found = lib.layout?.(data);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The first container a library's sniffer recognises in `data`. */
  sniff(data: Uint8Array): ScanContainer | undefined {
    for (const lib of this.libraries) {
      const found = lib.sniff?.(data);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** See {@link isDangerousModule}. */
  isDangerousModule(module: string): boolean {
    if (module.endsWith('.__main__') || module.includes('.__main__.')) return true;
    let at = module.length;
    for (;;) {
      if (this.#dangerousModules.has(module.slice(0, at))) return true;
      at = module.lastIndexOf('.', at - 1);
      if (at <= 0) return false;
    }
  }

  /** See {@link rateGlobal}. */
  rate(module: string, name: string): { severity: Severity; reason: string } {
    const full = `${module}.${name}`;
    // An exact allow-listed name first: one class of a module that also holds gadgets
    // (types.SimpleNamespace beside types.FunctionType), or a known dotted name.
    if (this.#safe.has(full)) return { severity: 'safe', reason: 'allow-listed data constructor' };
    if (this.#dangerousNames.has(full)) return { severity: 'dangerous', reason: `${full} is a known gadget` };
    if (!name.includes('.')) {
      if (this.#dangerousNames.has(full))
        return { severity: 'dangerous', reason: `${full} is a known gadget` };
      if (isDunder(name)) {
        return {
          severity: 'dangerous',
          reason: `${full} is a dunder attribute of a module (__builtins__, __loader__, __dict__, __spec__ reach the interpreter)`,
        };
      }
      if (this.isDangerousModule(module)) {
        return {
          severity: 'dangerous',
          reason: `module ${module} gives code, file, network or process access`,
        };
      }
      if (this.isDangerousModule(full) || this.#dangerousNames.has(module)) {
        return { severity: 'dangerous', reason: `${full} is a known gadget` };
      }
      for (const lib of this.libraries) {
        if (lib.isSafe?.(module, name)) {
          return { severity: 'safe', reason: `${lib.name} data class (by rule, see docs/scanner.md)` };
        }
      }
      return { severity: 'review', reason: 'not on the allow-list' };
    }
    let dots = 0;
    for (let at = name.indexOf('.'); at >= 0 && dots < MAX_NAME_PARTS; at = name.indexOf('.', at + 1)) dots++;
    if (dots >= MAX_NAME_PARTS) {
      return {
        severity: 'dangerous',
        reason: `dotted name of more than ${MAX_NAME_PARTS} parts (too deep to analyse)`,
      };
    }
    const parts = name.split('.');
    const head = this.rate(module, parts[0]!);
    if (head.severity === 'dangerous') return head;
    for (const part of parts) {
      if (isDangerousAttribute(part)) {
        return { severity: 'dangerous', reason: `dotted name reaches the attribute '${part}'` };
      }
      const bare = part.replace(/^_+/, '');
      if (bare !== part && aliasedModules.has(bare)) {
        return { severity: 'dangerous', reason: `dotted name reaches the module ${bare} (as ${part})` };
      }
    }
    // Any attribute may be a module imported by the previous one (`pathlib.os`):
    // every contiguous run of parts is tried as a module, and the part after it as a name.
    for (let k = 0; k < parts.length; k++) {
      for (let j = k + 1; j <= parts.length; j++) {
        const mod = parts.slice(k, j).join('.');
        if (this.isDangerousModule(mod)) {
          return { severity: 'dangerous', reason: `dotted name reaches the module ${mod}` };
        }
        const next = parts[j];
        if (next !== undefined && this.#dangerousNames.has(`${mod}.${next}`)) {
          return { severity: 'dangerous', reason: `dotted name reaches ${mod}.${next}` };
        }
      }
    }
    return {
      severity: 'review',
      reason: 'dotted name: resolved by attribute traversal, not on the allow-list',
    };
  }
}

const compiled = new WeakMap<readonly ScanLibrary[], ScanRules>();

/** The rules of a set of libraries, compiled once per array. */
export function scanRules(libraries: readonly ScanLibrary[] = DEFAULT_LIBRARIES): ScanRules {
  let rules = compiled.get(libraries);
  if (rules === undefined) {
    rules = new ScanRules(libraries);
    compiled.set(libraries, rules);
  }
  return rules;
}

/**
 * True when `module` or one of its parent packages is in {@link DANGEROUS_MODULES},
 * or when it is a package's `__main__` (importing `unittest.__main__` runs unittest).
 */
export function isDangerousModule(module: string): boolean {
  return scanRules().isDangerousModule(module);
}

/**
 * True for an attribute name that reaches past the object it is taken from:
 * a dunder (`__globals__`, `__class__`, `__builtins__`) or a notorious
 * callable's name ({@link DANGEROUS_ATTRIBUTES}).
 *
 * @param attr the attribute name.
 * @returns whether taking it is dangerous whatever the object.
 * @example
 * ```ts
 * isDangerousAttribute('__globals__'); // true
 * isDangerousAttribute('items'); // false
 * ```
 */
export function isDangerousAttribute(attr: string): boolean {
  return isDunder(attr) || attr === '' || dangerousAttributes.has(attr);
}

/** `__name__`: a dunder (special) attribute. */
function isDunder(name: string): boolean {
  return name.length >= 4 && name.startsWith('__') && name.endsWith('__');
}

/** A dotted name longer than this many parts is rated dangerous outright (no nested class is that deep). */
export const MAX_NAME_PARTS = 32;

/**
 * Rates one global, `module` and `name` as the loader resolves them (after
 * the Python 2 name mapping). A plain name is `safe` when allow-listed,
 * `dangerous` when its module (or a parent package) or the exact name is
 * listed, `review` otherwise. A dotted name (`Outer.Inner`, which CPython
 * resolves by attribute traversal) is never `safe`: it is `dangerous` when any
 * step of the traversal could be a listed gadget (`pathlib` + `os.system`
 * reaches `os.system` through `pathlib.os`), goes through a dunder attribute
 * (`__globals__`, `__builtins__`) or a notorious attribute name, else `review`.
 *
 * @param module the module name, as found by the loader.
 * @param name the attribute name, possibly dotted.
 * @returns the severity and a short reason.
 * @example
 * ```ts
 * rateGlobal('os', 'system'); // { severity: 'dangerous', reason: 'module os ...' }
 * rateGlobal('collections', 'OrderedDict'); // { severity: 'safe', ... }
 * ```
 */
export function rateGlobal(module: string, name: string): { severity: Severity; reason: string } {
  return scanRules().rate(module, name);
}
