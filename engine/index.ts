/** The engine's public API: what models/, growth/ and users import. */
export { Tensor, type TensorLike } from './tensor.ts';
export * from './ops/index.ts';
export { backward, gradients, noGrad, isGradEnabled } from './autograd/tape.ts';
export { tidy, keep, memoryStats, resetPeakBytes, type MemoryStats } from './memory.ts';
export { Random } from './random.ts';
export { getBackend, setBackend, withBackend, cpuBackend, registerBackend } from './backend/registry.ts';
export type { Backend, KernelTuningReport, View } from './backend/backend.ts';
export * from './errors.ts';
export { sizeOf, broadcastShapes, type Shape } from './shape.ts';

import type { Backend, KernelTuningReport } from './backend/backend.ts';
import type { Tensor } from './tensor.ts';
import { fromArray } from './ops/create.ts';
import type { Shape } from './shape.ts';

/** A trainable leaf: a copy of `values` with requiresGrad set. */
export function param(values: Float32Array | readonly number[], shape: Shape): Tensor {
  return fromArray(values, shape).keep().requireGrad();
}

/**
 * Lets the backend time alternative kernel configurations for the work it has seen so far (once per
 * problem shape, cached per device); a no-op when there is nothing new or the backend does not tune.
 * Call it between steps, e.g. after the first training step. Results are unaffected.
 */
export async function tuneKernels(backend: Backend): Promise<KernelTuningReport | undefined> {
  return backend.tuneKernels?.();
}
