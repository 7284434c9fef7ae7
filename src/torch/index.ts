/**
 * PyTorch for brine: tensors, the `.pt` formats (zip and legacy), and
 * safetensors. Browser-safe: nothing here uses a Node API.
 *
 * @module
 */
export {
  type DTypeInfo,
  dtypeInfo,
  TORCH_DTYPES,
  type TorchDType,
} from './dtypes.js';
export { dumpTorch, type TorchChunk, type TorchDumpOptions, torchChunks } from './dump.js';
export {
  loadTorch,
  loadTorchFrom,
  loadTorchFromSync,
  type TorchFormat,
  type TorchLoadOptions,
  TorchScriptError,
  torchFormat,
  torchRegistry,
} from './load.js';
export { torchReconstructors } from './reconstructors.js';
export { dumpSafetensors, loadSafetensors, type Safetensors, stateDictTensors } from './safetensors.js';
export {
  TORCH_DANGEROUS_GLOBALS,
  TORCH_PERSISTENT_ID,
  TORCH_SAFE_GLOBALS,
  TORCH_STORAGE_CLASSES,
  TORCH_STORAGE_MODULES,
} from './scan-data.js';
export { summariseTensors, type TensorSummary } from './summary.js';
export {
  contiguousStride,
  type Quantizer,
  Storage,
  type StorageReader,
  Tensor,
  type TensorOptions,
  type TypedArray,
  tensorRepr,
} from './tensor.js';
