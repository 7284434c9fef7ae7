/**
 * PyTorch as the scanner sees it (a `ScanLibrary`, see src/scan-library.ts):
 * the globals `torch.save` writes for tensors and storages, the storage
 * persistent ids of its archives, and its modules and functions that run
 * code, load other files or reach the network. Plain data: this module
 * imports only the scanner-library types.
 *
 * @module
 */
import type { ScanContainer, ScanLibrary } from '../scan-library.js';

/** The storage classes a persistent id `('storage', cls, key, location, numel)` may name. */
const STORAGES = [
  'torch.UntypedStorage',
  'torch.TypedStorage',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  'torch.FloatStorage',
  'torch.DoubleStorage',
  'torch.HalfStorage',
  'torch.BFloat16Storage',
  'torch.LongStorage',
  'torch.IntStorage',
  'torch.ShortStorage',
  'torch.CharStorage',
  'torch.ByteStorage',
  'torch.BoolStorage',
  'torch.ComplexFloatStorage',
  'torch.ComplexDoubleStorage',
  'torch.QUInt8Storage',
  'torch.QInt8Storage',
  'torch.QInt32Storage',
  'torch.QUInt4x2Storage',
  'torch.QUInt2x4Storage',
];

/** The pickle of the legacy format's magic number (protocol 2, LONG1 0x1950a86a20f9469cfc6c, STOP). */
const LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
];

/**
 * torch.save's legacy format (before 1.6): pickles of the magic number, the
 * protocol version, the system info, the object (storages as persistent ids)
 * and the storage keys, then the raw storages.
 */
function sniffLegacy(data: Uint8Array): ScanContainer | undefined {
  if (data.length < LEGACY_MAGIC.length) return undefined;
  for (let i = 0; i < LEGACY_MAGIC.length; i++) if (data[i] !== LEGACY_MAGIC[i]) return undefined;
  return {
    kind: 'pickle',
    start: 0,
    note: 'PyTorch legacy checkpoint: torch.load unpickles its first five pickles; raw storage bytes follow',
    persistentIds: 'torch',
    pickles: 5,
  };
}

/** PyTorch's contribution to the scanner (the reasons for each entry: docs/scanner.md). */
export const TORCH_SCAN: ScanLibrary = {
  name: 'torch',
  safeGlobals: [
    'torch._utils._rebuild_tensor',
    'torch._utils._rebuild_tensor_v2',
    'torch._utils._rebuild_tensor_v3',
    'torch._utils._rebuild_parameter',
    'torch._utils._rebuild_parameter_with_state',
    'torch._utils._rebuild_qtensor',
    'torch._utils._rebuild_sparse_tensor',
    'torch._utils._rebuild_meta_tensor_no_storage',
    'torch._utils._rebuild_wrapper_subclass',
    'torch.Size',
    'torch.device',
    'torch.dtype',
    'torch.float32',
    'torch.float64',
    'torch.float16',
    'torch.bfloat16',
    'torch.int64',
    'torch.int32',
    'torch.int16',
    'torch.int8',
    'torch.uint8',
    'torch.bool',
    'torch.complex64',
    'torch.complex128',
    'torch.per_tensor_affine',
    'torch.per_channel_affine',
    ...STORAGES,
  ],
  dangerousModules: [
    'torch.hub',
    'torch.jit',
    'torch.package',
    'torch.serialization',
    'torch.utils.collect_env',
    'torch.utils.cpp_extension',
    'torch.distributed',
    'torch._inductor',
    'torch._dynamo',
    'torch._ops',
    'torch.library',
    'torch.classes',
    'torch.ops',
    'torch.fx',
    'torch.multiprocessing',
    'torch.utils.model_zoo',
    'torch.utils.benchmark',
    'torch.utils.tensorboard',
    // torch 1.13's own utilities that unpickle, load or run what they are given: decoder's
    // basichandlers('pickle', data) is pickle.loads(data); model_dump reads archives and
    // unpickles their debug records; _memory_viz runs processes and unpickles files; the rest
    // run code from files or processes
    'torch.utils.data.datapipes.utils.decoder',
    'torch.utils.model_dump',
    'torch.cuda._memory_viz',
    'torch.utils.bottleneck',
    'torch.utils.hipify',
    'torch.backends.xeon',
    'torch.testing._internal',
  ],
  dangerousGlobals: [
    'torch.load',
    'torch.save',
    'torch.storage._load_from_bytes',
    'torch._C._jit_load',
    'torch._C._load_for_lite_interpreter',
    'torch._C.import_ir_module',
    'torch._C.import_ir_module_from_buffer',
    // A datapipe's serialization wrapper: its __setstate__ is pickle.loads (or dill.loads) of the state
    'torch.utils.data.datapipes.datapipe._DataPipeSerializationWrapper',
    'torch.utils.data.datapipes.datapipe._IterDataPipeSerializationWrapper',
    'torch.utils.data.datapipes.datapipe._MapDataPipeSerializationWrapper',
    'torch.utils.data.dataloader._IterDataPipeSerializationWrapper',
    'torch.utils.data.dataloader._MapDataPipeSerializationWrapper',
    // decoder's pickle.loads under the names other modules import it as
    'torch.utils.data.datapipes.iter.routeddecoder.decoder_basichandlers',
    // __import__ of any dotted name, and the storage type() methods that call it with their argument
    'torch._utils._import_dotted_name',
    'torch._import_dotted_name',
    'torch._utils._type',
    'torch.storage._type',
    'torch.storage._StorageBase.type',
    'torch.UntypedStorage.type',
    'torch.storage.UntypedStorage.type',
    'torch.nn.utils._deprecation_utils.lazy_deprecated_import',
  ],
  persistentIds: [{ name: 'torch storage', tag: 'storage', lengths: [5, 6], classes: STORAGES }],
  // torch.save's zip layout: <folder>/data.pkl (the legacy tar layout: a member named pickle)
  archiveMarker: /(^|\/)data\.pkl$/i,
  sniff: sniffLegacy,
};
