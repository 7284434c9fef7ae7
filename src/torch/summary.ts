/**
 * Summaries of the tensors of a loaded checkpoint, for listing a model
 * (`brine show model.pt --tensors`) without reading any tensor's data.
 *
 * @module
 */
import { dtypeInfo } from './dtypes.js';
import { stateDictTensors } from './safetensors.js';
import { type Tensor, tensorRepr } from './tensor.js';

/** One tensor of a checkpoint. */
export interface TensorSummary {
  /** Its state_dict name (`model.0.weight`): nested keys joined with `.`. */
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly numel: number;
  /** Bytes of its elements (`numel * element size`). */
  readonly nbytes: number;
  readonly device: string;
  readonly parameter: boolean;
  readonly requiresGrad: boolean;
  /** The key of its storage in the file; tensors with the same key share their data. */
  readonly storage: string | undefined;
  /** The tensor itself, for reading its data. */
  readonly tensor: Tensor;
}

/**
 * Lists the tensors of a loaded checkpoint by state_dict name, with dtype,
 * shape and size, and the totals (storages shared between views counted
 * once). Reads no tensor data.
 *
 * @param value what `loadTorch` / `loadTorchFile` returned.
 * @returns the rows, in the order of the checkpoint, and the totals.
 * @example
 * ```ts
 * const { tensors, totalBytes } = summariseTensors(loadTorch(bytes));
 * for (const t of tensors) console.log(t.name, t.dtype, t.shape.join('x'), t.nbytes);
 * ```
 */
export function summariseTensors(value: unknown): {
  tensors: TensorSummary[];
  /** Elements in all tensors. */
  totalNumel: number;
  /** Bytes of all distinct storages (what the file holds). */
  totalBytes: number;
} {
  const { tensors } = stateDictTensors(value);
  const rows: TensorSummary[] = [];
  let totalNumel = 0;
  let totalBytes = 0;
  const storages = new Set<unknown>();
  for (const [name, t] of tensors) {
    const numel = t.numel;
    rows.push({
      name,
      dtype: t.dtype,
      shape: t.shape,
      numel,
      nbytes: numel * (dtypeInfo(t.dtype)?.size ?? 1),
      device: t.device,
      parameter: t.isParameter,
      requiresGrad: t.requiresGrad,
      storage: t.storage?.key,
      tensor: t,
    });
    totalNumel += numel;
    if (t.storage !== null && !storages.has(t.storage)) {
      storages.add(t.storage);
      totalBytes += t.storage.nbytes;
    }
  }
  return { tensors: rows, totalNumel, totalBytes };
}

export { tensorRepr };
