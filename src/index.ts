/**
 * brine: Python's pickle for JavaScript. Loads every pickle CPython writes
 * (protocols 0 to 5) into plain JavaScript values, without executing anything
 * the pickle names.
 *
 * @module brine
 */
export { type ChunkReaderOptions, PickleChunkReader, type ReadResult } from './chunk-reader.js';
export { DEFAULT_TABLES, defaultRegistry, Registry, type RegistryOptions } from './default-registry.js';
export { isPickleError, PickleError, PicklingError, UnpicklingError } from './errors.js';
export {
  bunzip2,
  type CompressionFormat,
  DEFAULT_MAX_OUTPUT,
  type DecompressAnyOptions,
  DecompressionError,
  type DecompressOptions,
  decompress,
  type ErrorFormat,
  gunzip,
  inflateRaw,
  sniffCompression,
  unlzma,
  unxz,
  zlibDecompress,
} from './formats/compress/index.js';
export {
  isNpy,
  NPY_MAGIC,
  NpyError,
  type NpyHeader,
  type NpyHeaderOptions,
  readNpyHeader,
  writeNpyHeader,
} from './formats/npy.js';
export { type SniffedFormat, sniffFormat } from './formats/sniff.js';
export {
  type ByteSource,
  blobSource,
  bytesSource,
  crc32,
  crcMatches,
  type InflateRaw,
  isZip,
  matchZipEntries,
  readZip,
  readZipDirectory,
  readZipDirectorySync,
  readZipEntry,
  readZipEntryFrom,
  readZipEntryFromSync,
  type ZipArchive,
  type ZipDirectory,
  type ZipEntry,
  ZipError,
  zipEntryDataOffset,
  zipEntryDataOffsetSync,
} from './formats/zip.js';
export {
  type DumpJoblibOptions,
  dumpJoblib,
  isSklearnDataClass,
  JOBLIB_SAFE_GLOBALS,
  type JoblibArrayInfo,
  type JoblibArraySpan,
  JoblibError,
  joblibArraySpan,
  joblibArrayWrapper,
  type LoadJoblibOptions,
  loadJoblib,
} from './joblib/index.js';
export { MAX_KEY_DEPTH, type PyKeyIndex, pyGet, pyHas, pyIndex } from './keys.js';
export {
  type ByteOrder,
  DType,
  type DTypeField,
  type DTypeKind,
  type DTypeSubarray,
  type DumpNpzOptions,
  descrToDType,
  dumpNpy,
  dumpNpz,
  type LoadNpyOptions,
  type LoadNpzOptions,
  loadNpy,
  loadNpz,
  type MaskedParts,
  NDArray,
  type NDArrayFromOptions,
  NUMPY_SAFE_GLOBALS,
  numpyTable,
  numpyTypedArrays,
  structuredDType,
  subarrayDType,
} from './numpy/index.js';
export { OPCODE_BY_CODE, OPCODES, type OpcodeInfo, opcodeName } from './opcodes.js';
export type { AfterBuildHook, LoadOptions } from './options.js';
export {
  CategoricalIndex,
  DataFrame,
  DatetimeIndex,
  Index,
  MultiIndex,
  PANDAS_SAFE_GLOBALS,
  pandasReconstructors,
  RangeIndex,
  Series,
} from './pandas/index.js';
export { DEFAULT_PROTOCOL, type DumpOptions, dumps, Pickler } from './pickler.js';
export type {
  ClassOptions,
  ClassReduction,
  Entry,
  ReconstructContext,
  Reconstructor,
  ReconstructorTable,
  RegistryLike,
} from './reconstruct.js';
export { builtins } from './reconstructors/builtins.js';
export { copyreg } from './reconstructors/copyreg.js';
export { stdlib } from './reconstructors/stdlib.js';
export { BaseRegistry } from './registry.js';
export type { PersistentIdShape, ScanContainer, ScanLibrary, StreamLayout } from './scan-library.js';
export {
  type DisassembleOptions,
  DisassemblyError,
  type DisassemblyMemo,
  disassemble,
  disassembleAll,
  formatPreamble,
} from './tools/disassemble.js';
export { DEFAULT_LIBRARIES, rateGlobal, type Severity } from './tools/gadgets.js';
export {
  type GenopsOptions,
  genops,
  genopsLenient,
  type PickleArg,
  type PickleOp,
  PickletoolsError,
  type PythonErrorType,
} from './tools/genops.js';
export {
  fromJSON,
  fromJSONValue,
  type JSONValue,
  stringifyJSON,
  type ToJSONOptions,
  toJSON,
  toJSONValue,
} from './tools/json.js';
export { optimize } from './tools/optimize.js';
export {
  DEFAULT_MAX_REPR_LENGTH,
  isPrintable,
  PFORMAT_MAX_DEPTH,
  type PformatOptions,
  pformat,
  ReprLimitError,
  type ReprOptions,
  repr,
  reprByteArray,
  reprBytes,
  reprString,
} from './tools/repr.js';
export {
  type ScanArchiveEntry,
  type ScanCall,
  type ScanEvent,
  type ScanFinding,
  type ScanGlobal,
  type ScanOptions,
  type ScanPickle,
  type ScanProblem,
  type ScanReport,
  scan,
  scanArchive,
  type Verdict,
} from './tools/scan.js';
export {
  type DTypeInfo,
  dtypeInfo,
  dumpSafetensors,
  dumpTorch,
  loadSafetensors,
  loadTorch,
  loadTorchFrom,
  loadTorchFromSync,
  type Quantizer,
  type Safetensors,
  Storage,
  stateDictTensors,
  summariseTensors,
  Tensor,
  type TensorOptions,
  type TensorSummary,
  TORCH_DANGEROUS_GLOBALS,
  TORCH_DTYPES,
  TORCH_PERSISTENT_ID,
  TORCH_SAFE_GLOBALS,
  TORCH_STORAGE_CLASSES,
  type TorchChunk,
  type TorchDType,
  type TorchDumpOptions,
  type TorchFormat,
  type TorchLoadOptions,
  TorchScriptError,
  tensorRepr,
  torchChunks,
  torchFormat,
  torchReconstructors,
} from './torch/index.js';
export type { StorageReader } from './torch/tensor.js';
export { type ArrayData, type ArrayTypecode, PyArray } from './types/array.js';
export { PickleBuffer, PyComplex, PyFloat, PyRange, PySlice } from './types/builtins.js';
export {
  type NamedTuple,
  type NamedTupleClass,
  namedTuple,
  PyCounter,
  PyDefaultDict,
  PyDeque,
  PyOrderedDict,
} from './types/collections.js';
export {
  PyDate,
  PyDateTime,
  PyTime,
  PyTimeDelta,
  PyTimezone,
  PyZoneInfo,
  type ToDateOptions,
} from './types/datetime.js';
export { defineEnum, type EnumClass, type EnumMember, PyEnum } from './types/enum.js';
export { PyException } from './types/exception.js';
export { FrozenSet } from './types/frozen-set.js';
export { isBytes, isDict, isList, isPyInstance } from './types/guards.js';
export { PyDecimal, PyFraction } from './types/numbers.js';
export {
  isPyValue,
  PY_REDUCE,
  PY_REPR,
  type PyValue,
  type ReduceOptions,
  type Reduction,
} from './types/protocol.js';
export { PyByteArray } from './types/py-bytearray.js';
export { PyGlobal } from './types/py-global.js';
export { PyObject, type PyObjectKind } from './types/py-object.js';
export type { ReprFn } from './types/py-repr.js';
export {
  type IPAddressType,
  type PathType,
  PyIPAddress,
  PyPath,
  PyPattern,
  PySimpleNamespace,
  PyUUID,
} from './types/stdlib.js';
export { isTuple, type Tuple, tuple } from './types/tuple.js';
export type { TypedArray } from './types/typed-array.js';
export { HIGHEST_PROTOCOL, loads, Unpickler } from './unpickler.js';
