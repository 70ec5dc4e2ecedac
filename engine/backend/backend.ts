/**
 * The primitives every backend implements. Inputs are strided views of backend buffers (broadcasting is
 * expressed with stride 0); every output is a new contiguous buffer. The CPU backend is the oracle the
 * WebGPU backend is tested against.
 */
import type { Shape } from '../shape.ts';

export type BufferHandle = unknown;

export interface View {
  readonly buffer: BufferHandle;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The elementwise ops, from their one table (../elementwise-table.ts). */
import type { BinaryOp, UnaryOp } from '../elementwise-table.ts';
export type { BinaryOp, UnaryOp };

export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax';

export interface MatmulOptions {
  transposeA: boolean;
  transposeB: boolean;
  /** [N], added to every output row (a fused bias epilogue: same result as adding afterwards) */
  bias?: View;
}

export interface LayerNormResult {
  y: BufferHandle;
  mean: BufferHandle;
  rstd: BufferHandle;
}

export interface LayerNormGrads {
  dx: BufferHandle;
  dgamma: BufferHandle;
  dbeta: BufferHandle;
}

export interface AttentionResult {
  out: BufferHandle;
  /** log-sum-exp of each query's scaled scores, for the backward pass */
  lse: BufferHandle;
}

export interface AttentionGrads {
  dq: BufferHandle;
  dk: BufferHandle;
  dv: BufferHandle;
}

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1 - beta1^t and 1 - beta2^t for the current step t */
  biasCorrection1: number;
  biasCorrection2: number;
}

export interface AdamWResult {
  param: BufferHandle;
  m: BufferHandle;
  v: BufferHandle;
}

export interface KernelTuningReport {
  /** problem classes tuned in this call */
  tuned: number;
  seconds: number;
  /** mean estimated speed-up of the chosen configurations over the defaults */
  speedup: number;
}

export interface Backend {
  readonly name: string;
  /** For people: the name and, for a GPU, the adapter (e.g. "webgpu (llvmpipe …)"). */
  describe(): string;
  /** Releases the device (so the process can exit); the backend is unusable afterwards. */
  close?(): void;
  /** An uninitialised buffer of `elements` f32 values. */
  allocate(elements: number): BufferHandle;
  upload(values: Float32Array): BufferHandle;
  free(buffer: BufferHandle): void;
  /** Contiguous copy of a view's elements, in row-major order. */
  read(view: View): Promise<Float32Array>;
  /** Synchronous read; only backends with host memory implement it. */
  readSync?(view: View): Float32Array;

  /** Row-major copy of a strided view. */
  contiguous(x: View): BufferHandle;
  unary(op: UnaryOp, x: View): BufferHandle;
  /** `a` and `b` are already broadcast to `shape` through their strides. */
  binary(op: BinaryOp, a: View, b: View): BufferHandle;
  /** cond ? a : b, all three broadcast to the same shape. */
  where(cond: View, a: View, b: View): BufferHandle;
  /** Reduces `axes` (sorted, unique) away; argmax takes exactly one axis. */
  reduce(op: ReduceOp, x: View, axes: readonly number[]): BufferHandle;
  /**
   * Batched matmul: a is [...batch, M, K] ([..., K, M] when transposed), b is [...batch, K, N]
   * ([..., N, K] when transposed); both views already broadcast to the output's batch dims.
   */
  matmul(a: View, b: View, options: MatmulOptions): BufferHandle;
  /** Softmax (or log-softmax) over the last axis. */
  softmax(x: View, log: boolean): BufferHandle;
  /** Layer norm over the last axis; gamma and beta have the last axis' length. */
  layerNorm(x: View, gamma: View, beta: View, eps: number): LayerNormResult;
  layerNormBackward(dy: View, x: View, gamma: View, mean: View, rstd: View): LayerNormGrads;
  /** Per-row cross-entropy of logits [N, C] against integer labels [N], with label smoothing. */
  crossEntropy(logits: View, labels: View, smoothing: number): BufferHandle;
  /**
   * softmax(q·kᵀ·scale)·v for q [...batch, Tq, d], k and v [...batch, Tk, d] (same batch axes).
   * `causal`: query i sees only keys j ≤ i + Tk − Tq (callers ensure Tq ≤ Tk, so no query sees none).
   * Output [...batch, Tq, d] in a fresh buffer, laid out with `outStrides` (a permutation of a dense
   * layout, e.g. heads interleaved) or contiguous; lse contiguous [...batch, Tq].
   */
  attention(q: View, k: View, v: View, scale: number, causal: boolean, outStrides?: readonly number[]): AttentionResult;
  /**
   * Times alternative kernel configurations for the problems seen since the last call and keeps the fastest
   * (cached per device). Results never change, only speed. Backends without tuning omit it.
   */
  tuneKernels?(): Promise<KernelTuningReport | undefined>;
  /** Whether the fused attention primitive is the faster route for this many keys, causal or not (default: yes). */
  prefersFusedAttention?(keys: number, causal: boolean): boolean;
  /** Gradients of attention (with the forward pass's `causal`); dq/dk/dv contiguous in q/k/v's shapes. */
  attentionBackward(dOut: View, q: View, k: View, v: View, out: View, lse: View, scale: number, causal: boolean): AttentionGrads;
  /**
   * Gradients of attention for q, k, v that are views of one storage of `size` elements which they cover
   * exactly (a fused qkv projection): dq, dk, dv at q's, k's and v's own positions in one new buffer.
   */
  selfAttentionBackward(dOut: View, q: View, k: View, v: View, out: View, lse: View, scale: number, causal: boolean, size: number): BufferHandle;
  /**
   * One AdamW step (decoupled weight decay, PyTorch's order) for equal-size buffers; the gradient is first
   * multiplied by `gradScale` (one value, e.g. a clipping factor still on the device) when given.
   */
  adamw(param: View, grad: View, m: View, v: View, hyper: AdamWHyper, gradScale?: View): AdamWResult;
  /** Σx² of each view, as one buffer of `xs.length` values (a global gradient norm without a dispatch per op). */
  squaredNorms(xs: readonly View[]): BufferHandle;
  /** index_select along `axis` with integer-valued indices (1-D). */
  gather(x: View, axis: number, indices: View): BufferHandle;
  /** Zeros of `shape` with `source` rows added at `indices` along `axis` (gather's adjoint). */
  scatterAdd(shape: Shape, axis: number, indices: View, source: View): BufferHandle;
  concat(xs: readonly View[], axis: number): BufferHandle;
  /** Constant padding; `pads[i] = [before, after]` for axis i. */
  pad(x: View, pads: readonly (readonly [number, number])[], value: number): BufferHandle;
}
