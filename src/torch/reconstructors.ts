/**
 * The torch globals that `torch.load(weights_only=True)` allows, as pure data
 * constructors: `torch._utils._rebuild_tensor_v2` and its kin make
 * {@link Tensor}s over the storages the persistent ids name; the storage
 * classes and dtypes stay names. Nothing else of torch is reconstructed.
 *
 * @module
 */
import { UnpicklingError } from '../errors.js';
import type { Entry, ReconstructContext, Reconstructor, ReconstructorTable } from '../reconstruct.js';
import { PyGlobal } from '../types/py-global.js';
import { isTuple, type Tuple, tuple } from '../types/tuple.js';
import { dtypeInfo, TORCH_DTYPES, type TorchDType } from './dtypes.js';
import { type Quantizer, Storage, Tensor } from './tensor.js';

function isIntList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isSafeInteger(v));
}

function makeTensor(context: ReconstructContext, init: ConstructorParameters<typeof Tensor>[0]): Tensor {
  try {
    return new Tensor(init);
  } catch (error) {
    if (error instanceof UnpicklingError) context.fail(error.reason);
    throw error;
  }
}

/** `_rebuild_tensor(storage, storage_offset, size, stride)` and its v2 and v3 forms. */
function rebuild(args: Tuple, context: ReconstructContext, version: 1 | 2 | 3): unknown {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof Storage)) return context.inert('reduce', context.global, args);
  if (args.length < 4 || typeof offset !== 'number' || !isIntList(size) || !isIntList(stride)) {
    context.fail(`${context.global.name} expects (storage, storage_offset, size, stride, ...)`);
  }
  let dtype: TorchDType = storage.dtype;
  if (version === 3) {
    const given = args[6];
    const info = given instanceof PyGlobal && given.module === 'torch' ? dtypeInfo(given.name) : undefined;
    if (info === undefined) context.fail(`_rebuild_tensor_v3 names an unknown dtype`);
    dtype = info.name;
  }
  if (version > 1 && requiresGrad !== undefined && typeof requiresGrad !== 'boolean') {
    context.fail('requires_grad is not a bool');
  }
  return makeTensor(context, {
    storage,
    dtype,
    shape: size,
    stride,
    storageOffset: offset,
    requiresGrad: version > 1 && requiresGrad === true,
  });
}

function parameter(
  data: unknown,
  requiresGrad: unknown,
  state: unknown,
  context: ReconstructContext,
): unknown {
  if (!(data instanceof Tensor)) return undefined;
  if (typeof requiresGrad !== 'boolean') context.fail('requires_grad is not a bool');
  return makeTensor(context, {
    storage: data.storage,
    dtype: data.dtype,
    shape: data.shape,
    stride: data.stride,
    storageOffset: data.storageOffset,
    requiresGrad,
    isParameter: true,
    quantizer: data.quantizer,
    state,
  });
}

function qtensor(args: Tuple, context: ReconstructContext): unknown {
  const [storage, offset, size, stride, params, requiresGrad] = args;
  if (!(storage instanceof Storage) || !isTuple(params)) return context.inert('reduce', context.global, args);
  if (typeof offset !== 'number' || !isIntList(size) || !isIntList(stride)) {
    context.fail('_rebuild_qtensor expects (storage, storage_offset, size, stride, quantizer_params, ...)');
  }
  const scheme = params[0] instanceof PyGlobal ? params[0].name : String(params[0]);
  const quantizer: Quantizer =
    scheme === 'per_tensor_affine' && typeof params[1] === 'number' && typeof params[2] === 'number'
      ? { scheme, scale: params[1], zeroPoint: params[2], params }
      : { scheme, params };
  return makeTensor(context, {
    storage,
    shape: size,
    stride,
    storageOffset: offset,
    requiresGrad: requiresGrad === true,
    quantizer,
  });
}

const TENSOR_V2: Reconstructor = { call: (args, context) => rebuild(args, context, 2) };

const torchEntries: Entry[] = [
  ['torch._utils', '_rebuild_tensor', { call: (args, context) => rebuild(args, context, 1) }],
  ['torch._utils', '_rebuild_tensor_v2', TENSOR_V2],
  ['torch._utils', '_rebuild_tensor_v3', { call: (args, context) => rebuild(args, context, 3) }],
  [
    'torch._utils',
    '_rebuild_parameter',
    {
      call: (args, context) =>
        parameter(args[0], args[1], undefined, context) ?? context.inert('reduce', context.global, args),
    },
  ],
  [
    'torch._utils',
    '_rebuild_parameter_with_state',
    {
      call: (args, context) =>
        parameter(args[0], args[1], args[3], context) ?? context.inert('reduce', context.global, args),
    },
  ],
  ['torch._utils', '_rebuild_qtensor', { call: qtensor }],
  [
    'torch._utils',
    '_rebuild_meta_tensor_no_storage',
    {
      call: (args, context) => {
        const [dtype, size, stride, requiresGrad] = args;
        const info = dtype instanceof PyGlobal ? dtypeInfo(dtype.name) : undefined;
        if (info === undefined || !isIntList(size) || !isIntList(stride)) {
          return context.inert('reduce', context.global, args);
        }
        return makeTensor(context, {
          storage: null,
          dtype: info.name,
          shape: size,
          stride,
          requiresGrad: requiresGrad === true,
        });
      },
    },
  ],
  // Allowed by torch's weights-only loader, kept inert here: sparse layouts are not modelled.
  ['torch._utils', '_rebuild_sparse_tensor', {}],
  ['torch._utils', '_rebuild_sparse_csr_tensor', {}],
  ['torch._utils', '_rebuild_nested_tensor', {}],
  ['torch.serialization', '_get_layout', {}],
  [
    'torch._tensor',
    '_rebuild_from_type_v2',
    {
      // (func, new_type, args, state): the tensor func makes, when func is one of this table's.
      call: (args, context) => {
        const [func, , inner] = args;
        if (func instanceof PyGlobal && isTuple(inner)) {
          const reconstructor = context.registry.get(func.module, func.name);
          if (reconstructor?.call !== undefined && torchRebuilders.has(reconstructor)) {
            const made = reconstructor.call(inner, { ...context, global: func });
            if (made instanceof Tensor) return made;
          }
        }
        return context.inert('reduce', context.global, args);
      },
    },
  ],
  [
    'torch.nn.parameter',
    'Parameter',
    {
      // Parameter(data, requires_grad=True), as NEWOBJ or as a call.
      construct: (args, _kwargs, context) =>
        parameter(args[0], args[1] ?? true, undefined, context) ??
        context.inert('newobj', context.global, args),
      call: (args, context) =>
        parameter(args[0], args[1] ?? true, undefined, context) ??
        context.inert('reduce', context.global, args),
    },
  ],
  [
    'torch',
    'Size',
    {
      call: (args, context) =>
        isIntList(args[0]) ? tuple(...args[0]) : context.inert('reduce', context.global, args),
    },
  ],
  // Names that stay names: the storage classes persistent ids carry, dtypes, torch.Tensor.
  ['torch', 'Tensor', {}],
  ['torch', 'device', {}],
  ['torch', 'UntypedStorage', {}],
  ['torch.storage', 'UntypedStorage', {}],
  ['torch.storage', 'TypedStorage', {}],
  ...TORCH_DTYPES.flatMap((d): Entry[] => [
    ['torch', d.storage, {}],
    ['torch.cuda', d.storage, {}],
    ['torch', d.name, {}],
  ]),
  ...['per_tensor_affine', 'per_channel_affine', 'per_tensor_symmetric', 'per_channel_symmetric'].map(
    (name): Entry => ['torch', name, {}],
  ),
];

const torchRebuilders = new Set<Reconstructor>(
  torchEntries
    .filter(([module, name]) => module === 'torch._utils' && name.startsWith('_rebuild_'))
    .map(([, , r]) => r),
);

/**
 * The torch globals brine reconstructs: `registry.include(torchReconstructors)`
 * makes `loads` build {@link Tensor}s, given a `persistentLoad` that returns
 * {@link Storage}s ({@link loadTorch} does both).
 */
export const torchReconstructors: ReconstructorTable = { name: 'torch', entries: torchEntries };
