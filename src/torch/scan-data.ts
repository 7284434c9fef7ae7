/**
 * What a scanner needs to know about torch files, as data: the globals
 * torch's weights-only loader accepts (and brine reconstructs or keeps as
 * names), the shape of the persistent ids of storages, and torch functions
 * that load another pickle or run code, so that a call of them is flagged.
 *
 * @module
 */
import { TORCH_DTYPES } from './dtypes.js';
import { torchReconstructors } from './reconstructors.js';

/**
 * `module.name` of every torch global brine's torch table holds: the
 * `_rebuild_*` functions, `Parameter`, `Size`, storage classes, dtypes and
 * quantization schemes. `torch.load(weights_only=True)` allows these (some
 * only in torch >= 2); none of them runs code.
 */
export const TORCH_SAFE_GLOBALS: readonly string[] = Object.freeze(
  torchReconstructors.entries.map(([module, name]) => `${module}.${name}`),
);

/** The storage class names a persistent id may carry (`FloatStorage`, ... and `UntypedStorage`). */
export const TORCH_STORAGE_CLASSES: readonly string[] = Object.freeze([
  ...TORCH_DTYPES.map((d) => d.storage),
  'UntypedStorage',
]);

/** Modules whose storage classes a persistent id may name. */
export const TORCH_STORAGE_MODULES: readonly string[] = Object.freeze([
  'torch',
  'torch.cuda',
  'torch.storage',
]);

/**
 * The persistent ids of `torch.save` files: a tuple whose first item is
 * `'storage'`, then the storage class (a global of `TORCH_STORAGE_MODULES`
 * named in {@link TORCH_STORAGE_CLASSES}), the record key (a str), the
 * location (a str such as `'cpu'`), the element count (an int); the legacy
 * format adds a sixth item, `None` or `(view_key, offset, size)`.
 */
export const TORCH_PERSISTENT_ID = Object.freeze({
  tag: 'storage',
  /** Tuple length in the zip format (`('storage', cls, key, location, numel)`). */
  zipLength: 5,
  /** Tuple length in the legacy format (`view_metadata` added). */
  legacyLength: 6,
});

/**
 * Torch functions that unpickle other bytes without restriction, load and
 * run code, or fetch it: a pickle that calls one of them is dangerous however
 * innocent the rest looks. Each with the reason.
 */
export const TORCH_DANGEROUS_GLOBALS: ReadonlyMap<string, string> = new Map([
  ['torch.load', 'loads another pickle with the full unpickler'],
  ['torch.serialization.load', 'loads another pickle with the full unpickler'],
  ['torch.serialization._load', 'loads another pickle with the full unpickler'],
  ['torch.serialization._legacy_load', 'loads another pickle with the full unpickler'],
  ['torch.storage._load_from_bytes', 'torch.load of bytes from the pickle: a nested pickle, fully unpickled'],
  [
    'torch._utils._rebuild_device_tensor_from_numpy',
    'builds from a numpy array, itself unpickled without restriction',
  ],
  ['torch.jit.load', 'loads a TorchScript archive and runs its code'],
  ['torch.jit._serialization.load', 'loads a TorchScript archive and runs its code'],
  ['torch._C.import_ir_module', 'loads a TorchScript module and runs its code'],
  ['torch.hub.load', 'downloads a repository and runs its hubconf.py'],
  ['torch.hub._load_local', 'imports and runs a local hubconf.py'],
  ['torch.hub.load_state_dict_from_url', 'downloads a file and torch.loads it'],
  ['torch.hub.download_url_to_file', 'writes a downloaded file anywhere'],
  ['torch.utils.cpp_extension.load', 'compiles and loads native code'],
  ['torch.utils.cpp_extension.load_inline', 'compiles and loads native code from strings'],
  ['torch.package.PackageImporter', 'imports code from a torch.package archive'],
  ['torch.fx.graph_module.reduce_graph_module', 'runs the Python code it is given'],
  ['torch.fx.graph_module._deserialize_graph_module', 'runs the Python code it is given'],
  ['torch.ops.load_library', 'loads a native library'],
  ['torch._ops.ops.load_library', 'loads a native library'],
]);
