/** The engine's public API: what models/, growth/ and users import. */
import './tensor-methods.ts';
export { Tensor, type TensorLike } from './tensor.ts';
// The ops users call. Internal to the engine (not exported): the unary/binary dispatchers, asTensors,
// broadcastView, defaultRandom and the backward-as-op helpers the gradient rules use.
export {
  arange, fromArray, full, manualSeed, ones, param, rand, randn, scalar, tensor, truncatedNormal, zeros,
  abs, add, div, eq, exp, ge, gelu, gt, le, log, lt, maximum, minimum, mul, ne, neg, pow, reciprocal, relu, rsqrt,
  sigmoid, sign, sqrt, square, step, sub, tanh, where,
  argmax, max, mean, min, sum, sumTo,
  clone, concat, contiguous, detach, expand, flatten, gather, pad, permute, reshape, scatterAdd, slice, squeeze, stack, transpose, unsqueeze,
  matmul, modeProduct, type MatmulFlags,
  attention, crossEntropy, dropout, fusedAttention, layerNorm, logSoftmax, selfAttention, softmax,
  adamwStep, squaredNorms,
} from './ops/index.ts';
export { backward, gradients } from './autograd/tape.ts';
export { noGrad, isGradEnabled } from './autograd/node.ts';
export { tidy, keep, memoryStats, resetPeakBytes, type MemoryStats } from './memory.ts';
export { Random } from './random.ts';
export { getBackend, setBackend, withBackend, cpuBackend, registerBackend, closeBackends, tuneKernels } from './backend/registry.ts';
export type { Backend, KernelTuningReport, View } from './backend/backend.ts';
export * from './errors.ts';
export { sizeOf, broadcastShapes, type Shape } from './shape.ts';

