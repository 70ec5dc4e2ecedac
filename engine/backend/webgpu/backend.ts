/** The engine's Backend on WebGPU: every primitive is a handwritten WGSL kernel from ./kernels/. */
import type { AdamWHyper, AdamWResult, AttentionGrads, AttentionResult, Backend, BinaryOp, KernelTuningReport, LayerNormGrads, LayerNormResult, MatmulOptions, ReduceOp, UnaryOp, View } from '../backend.ts';
import { contiguousStrides, isContiguous, sizeOf, type Shape } from '../../shape.ts';
import { dispatchCopy, dispatchFill, dispatchGather } from './kernels/copy.ts';
import { dispatchScatterAdd } from './kernels/scatter-add.ts';
import * as adamw from './kernels/adamw.ts';
import * as attention from './kernels/attention.ts';
import * as elementwise from './kernels/elementwise.ts';
import * as matmul from './kernels/matmul.ts';
import * as reduce from './kernels/reduce.ts';
import * as squaredNorms from './kernels/squared-norms.ts';
import * as rows from './kernels/rows.ts';
import { attentionOperands, type AttentionPlan } from './attention-operands.ts';
import { coalesce } from './layout.ts';
import { MatmulTuning } from './matmul-tuning.ts';
import { closeSharedRuntime, openSharedRuntime, type GpuRuntime } from './runtime.ts';
import { flag } from '../../flags.ts';

/**
 * Lanes of the subgroup matmul design here: the subgroup width on software adapters whose subgroups have one
 * fixed width (llvmpipe: 8), else 0. Hardware GPUs keep the tiled design (the subgroup one is unmeasured there).
 */
function matmulSubgroupWidth(runtime: GpuRuntime): number {
  const { adapter, features } = runtime.dawn;
  return adapter.isSoftware && features.has('subgroups') ? adapter.subgroupWidth : 0;
}

/** A tensor's device memory. */
export interface GpuBuffer {
  readonly buffer: GPUBuffer;
  readonly elements: number;
}

const gpu = (view: View) => (view.buffer as GpuBuffer).buffer;
/** Tensors up to this size take one workgroup each in the batched squared-norm kernel (bigger ones split). */
const smallNormElements = 1 << 16;

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  describe(): string { return `webgpu (${this.runtime.dawn.adapter.description})`; }
  close(): void { closeSharedRuntime(); }

  /** The matmul configurations tuned for this device (replaceable, e.g. by tests and benchmarks). */
  matmulTuning: MatmulTuning;

  /**
   * `poisonOutputs` (for tests) fills every new buffer with NaN so an element no kernel writes shows up;
   * `matmulTuning` replaces the device's tuning table.
   */
  /** lanes of the subgroup matmul design on this device (0: not used) */
  private readonly subgroupWidth: number;

  constructor(readonly runtime: GpuRuntime, private readonly options: { poisonOutputs?: boolean; matmulTuning?: MatmulTuning } = {}) {
    const { adapter } = runtime.dawn;
    this.subgroupWidth = matmulSubgroupWidth(runtime);
    this.matmulTuning = options.matmulTuning
      ?? new MatmulTuning(`${adapter.vendor}/${adapter.architecture}/${adapter.description} (space ${matmul.candidateSpaceVersion})`, adapter.isSoftware,
        { subgroupWidth: this.subgroupWidth });
  }

  allocate(elements: number): GpuBuffer {
    const buffer = this.runtime.allocate(Math.max(1, elements) * 4);
    if (this.options.poisonOutputs) dispatchFill(this.runtime, buffer, Math.max(1, elements), NaN);
    return { buffer, elements };
  }

  upload(values: Float32Array): GpuBuffer {
    if (values.length === 0) return this.allocate(0);
    return { buffer: this.runtime.upload(values), elements: values.length };
  }

  free(handle: unknown): void {
    this.runtime.release((handle as GpuBuffer).buffer);
  }

  async read(view: View): Promise<Float32Array> {
    const n = sizeOf(view.shape);
    if (n === 0) return new Float32Array(0);
    if (isContiguous(view.shape, view.strides)) return new Float32Array(await this.runtime.read(gpu(view), view.offset * 4, n * 4));
    const copy = this.contiguous(view);
    try {
      return new Float32Array(await this.runtime.read(copy.buffer, 0, n * 4));
    } finally {
      this.free(copy);
    }
  }

  contiguous(x: View): GpuBuffer {
    const out = this.allocate(sizeOf(x.shape));
    const { shape, strides: [src, dst] } = coalesce(x.shape, [x.strides, contiguousStrides(x.shape)]);
    dispatchCopy(this.runtime, shape, { buffer: gpu(x), strides: src, offset: x.offset }, { buffer: out.buffer, strides: dst, offset: 0 });
    return out;
  }

  private elementwise(op: elementwise.ElementwiseKind, inputs: readonly View[]): GpuBuffer {
    const shape = inputs[0].shape;
    const out = this.allocate(sizeOf(shape));
    const simple = coalesce(shape, inputs.map((v) => v.strides));
    elementwise.dispatch(this.runtime, op, simple.shape,
      inputs.map((v, i) => ({ buffer: gpu(v), strides: simple.strides[i], offset: v.offset })), out.buffer);
    return out;
  }

  unary(op: UnaryOp, x: View) { return this.elementwise({ kind: 'unary', op }, [x]); }
  binary(op: BinaryOp, a: View, b: View) { return this.elementwise({ kind: 'binary', op }, [a, b]); }
  where(cond: View, a: View, b: View) { return this.elementwise({ kind: 'where' }, [cond, a, b]); }

  reduce(op: ReduceOp, x: View, axes: readonly number[]): GpuBuffer {
    const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const kept = coalesce(keptAxes.map((i) => x.shape[i]), [keptAxes.map((i) => x.strides[i])]);
    const run = coalesce(axes.map((i) => x.shape[i]), [axes.map((i) => x.strides[i])]);
    const out = this.allocate(sizeOf(kept.shape));
    reduce.dispatch(this.runtime, op, gpu(x), {
      keptShape: kept.shape, keptStrides: kept.strides[0], runShape: run.shape, runStrides: run.strides[0], offset: x.offset,
    }, out.buffer);
    return out;
  }

  matmul(a: View, b: View, { transposeA, transposeB, bias }: MatmulOptions): GpuBuffer {
    const plan = matmul.planMatmul(a, b, transposeA, transposeB, this.runtime.dawn.adapter.isSoftware);
    const out = this.allocate(plan.outElements);
    if (plan.empty) {
      const { rows: count, N } = plan.empty;
      if (bias) this.copyInto({ ...bias, shape: [count, N], strides: [0, bias.strides[0]] }, out.buffer, [N, 1], 0);
      else dispatchFill(this.runtime, out.buffer, count * N, 0);
      return out;
    }
    const { problem } = plan;
    let bBuffer = gpu(b);
    let transposedB: GpuBuffer | undefined;
    if (plan.transposeB) {
      const [K, N] = plan.transposeB.shape;
      transposedB = this.allocate(K * N);
      this.copyInto({ buffer: b.buffer, ...plan.transposeB }, transposedB.buffer, [N, 1], 0);
      bBuffer = transposedB.buffer;
    }
    const config = this.matmulTuning.configFor(problem) ?? matmul.chooseMatmul(problem, this.runtime.dawn.adapter.isSoftware, this.subgroupWidth);
    if (bias) this.withContiguousAll([bias], ([biasBuffer]) => matmul.dispatch(this.runtime, problem, gpu(a), bBuffer, out.buffer, biasBuffer, config));
    else matmul.dispatch(this.runtime, problem, gpu(a), bBuffer, out.buffer, undefined, config);
    if (transposedB) this.free(transposedB);
    return out;
  }

  /** Runs `fn` on contiguous versions of `views`, copying first only those that need it. */
  private withContiguousAll<T>(views: readonly View[], fn: (buffers: GPUBuffer[]) => T): T {
    const copies: GpuBuffer[] = [];
    const buffers = views.map((v) => {
      if (isContiguous(v.shape, v.strides) && v.offset === 0) return gpu(v);
      const copy = this.contiguous(v);
      copies.push(copy);
      return copy.buffer;
    });
    try {
      return fn(buffers);
    } finally {
      for (const c of copies) this.free(c);
    }
  }

  private rowsOf(shape: Shape): [number, number] {
    const width = shape[shape.length - 1] ?? 1;
    return [width === 0 ? 0 : sizeOf(shape) / width, width];
  }

  softmax(x: View, log: boolean): GpuBuffer {
    const out = this.allocate(sizeOf(x.shape));
    const [count, width] = this.rowsOf(x.shape);
    const kernel = rows.perThreadRows(count) ? (log ? 'logSoftmaxPerThread' : 'softmaxPerThread') : log ? 'logSoftmax' : 'softmax';
    this.withContiguousAll([x], ([buffer]) => rows.dispatch(this.runtime, kernel, [buffer, out.buffer], count, width));
    return out;
  }

  layerNorm(x: View, gamma: View, beta: View, eps: number): LayerNormResult {
    const [count, width] = this.rowsOf(x.shape);
    const y = this.allocate(sizeOf(x.shape));
    const mean = this.allocate(count);
    const rstd = this.allocate(count);
    this.withContiguousAll([x, gamma, beta], ([xb, gb, bb]) =>
      rows.dispatch(this.runtime, rows.perThreadRows(count) ? 'layerNormPerThread' : 'layerNorm', [xb, gb, bb, y.buffer, mean.buffer, rstd.buffer], count, width, { eps }));
    return { y, mean, rstd };
  }

  layerNormBackward(dy: View, x: View, gamma: View, mean: View, rstd: View): LayerNormGrads {
    const [count, width] = this.rowsOf(x.shape);
    const dx = this.allocate(sizeOf(x.shape));
    const dgamma = this.allocate(width);
    const dbeta = this.allocate(width);
    const xhatDy = this.allocate(sizeOf(x.shape));
    this.withContiguousAll([dy, x, gamma, mean, rstd], ([dyb, xb, gb, mb, rb]) => {
      rows.dispatch(this.runtime, rows.perThreadRows(count) ? 'layerNormBackwardPerThread' : 'layerNormBackward', [dyb, xb, gb, mb, rb, dx.buffer, xhatDy.buffer], count, width);
      rows.dispatch(this.runtime, 'columnSums', [xhatDy.buffer, dgamma.buffer], count, width);
      rows.dispatch(this.runtime, 'columnSums', [dyb, dbeta.buffer], count, width);
    });
    this.free(xhatDy);
    return { dx, dgamma, dbeta };
  }

  crossEntropy(logits: View, labels: View, smoothing: number): GpuBuffer {
    const [count, width] = this.rowsOf(logits.shape);
    const loss = this.allocate(count);
    this.withContiguousAll([logits, labels], ([lb, yb]) => rows.dispatch(this.runtime, 'crossEntropy', [lb, yb, loss.buffer], count, width, { smoothing }));
    return loss;
  }

  async tuneKernels(): Promise<KernelTuningReport | undefined> {
    const tuning = this.matmulTuning;
    return tuning.enabled && tuning.untuned > 0 ? tuning.tune(this.runtime) : undefined;
  }

  /**
   * The fused kernel (one invocation per query) beats GEMM→softmax→GEMM here only for short sequences; causal
   * attention reads half the keys, so its limit is higher (bench/NOTES.md).
   */
  prefersFusedAttention(keys: number, causal: boolean): boolean {
    return keys <= flag(causal ? 'fusedCausalAttentionMaxKeys' : 'fusedAttentionMaxKeys');
  }

  attention(q: View, k: View, v: View, scale: number, causal: boolean, outStrides?: readonly number[]): AttentionResult {
    const r = q.shape.length;
    const [queries, headDim, keys] = [q.shape[r - 2], q.shape[r - 1], k.shape[r - 2]];
    const out = this.allocate(sizeOf(q.shape));
    const target: View = { buffer: out, shape: q.shape, strides: outStrides ?? contiguousStrides(q.shape), offset: 0 };
    // The output is written in place when its layout fits the kernel, else into a contiguous copy, then moved.
    const { operands: [qo, ko, vo, oo], views, batch1, batches, copies, copied } = attentionOperands([q, k, v, target], (x) => this.contiguous(x));
    const lse = this.allocate(batches * queries);
    attention.dispatch(this.runtime, 'forward', { batches, batch1, queries, keys, headDim, scale, causal },
      { q: qo, k: ko, v: vo, out: oo }, [oo.buffer, lse.buffer]);
    if (copied[3]) this.copyInto(views[3], out.buffer, target.strides, 0);
    for (const c of copies) this.free(c);
    return { out, lse };
  }

  attentionBackward(dOut: View, q: View, k: View, v: View, out: View, lse: View, scale: number, causal: boolean): AttentionGrads {
    const [dq, dk, dv] = [q, k, v].map((x) => this.allocate(sizeOf(x.shape)));
    this.attentionBackwardKernels(attentionOperands([q, k, v, out, dOut], (x) => this.contiguous(x)), lse, scale, causal, dq.buffer, [dk.buffer, dv.buffer]);
    return { dq, dk, dv };
  }

  selfAttentionBackward(dOut: View, q: View, k: View, v: View, out: View, lse: View, scale: number, causal: boolean, size: number): GpuBuffer {
    const packed = this.allocate(size);
    const prepared = attentionOperands([q, k, v, out, dOut], (x) => this.contiguous(x));
    if (!prepared.copied.slice(0, 3).some(Boolean)) {
      this.attentionBackwardKernels(prepared, lse, scale, causal, packed.buffer, [packed.buffer], true);
      return packed;
    }
    // q, k, v were read through copies: compute the gradients apart, then move them to their positions.
    for (const c of prepared.copies) this.free(c);
    const grads = this.attentionBackward(dOut, q, k, v, out, lse, scale, causal);
    [[grads.dq, q], [grads.dk, k], [grads.dv, v]].forEach(([grad, view]) => {
      const g = grad as GpuBuffer, x = view as View;
      this.copyInto({ buffer: g, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 }, packed.buffer, x.strides, x.offset);
      this.free(g);
    });
    return packed;
  }

  /** Both backward kernels: the first writes dq, the second dk and dv (`dkv`: both, or the one packed buffer). */
  private attentionBackwardKernels(prepared: AttentionPlan, lse: View, scale: number, causal: boolean,
    dq: GPUBuffer, dkv: GPUBuffer[], packed = false): void {
    const { operands: [q, k, v, out, dOut], views, batch1, batches, copies } = prepared;
    const r = views[0].shape.length;
    const shape = { batches, batch1, queries: views[0].shape[r - 2], keys: views[1].shape[r - 2], headDim: views[0].shape[r - 1], scale, causal };
    const operands = { q, k, v, out, dOut };
    const delta = this.allocate(batches * shape.queries);
    this.withContiguousAll([lse], ([lseB]) => {
      attention.dispatch(this.runtime, 'backwardQuery', shape, operands, [dOut.buffer, out.buffer, lseB, dq, delta.buffer], packed);
      attention.dispatch(this.runtime, 'backwardKey', shape, operands, [dOut.buffer, delta.buffer, lseB, ...dkv], packed);
    });
    this.free(delta);
    for (const c of copies) this.free(c);
  }

  adamw(param: View, grad: View, m: View, v: View, hyper: AdamWHyper, gradScale?: View): AdamWResult {
    const n = sizeOf(param.shape);
    const [paramOut, mOut, vOut] = [this.allocate(n), this.allocate(n), this.allocate(n)];
    this.withContiguousAll([param, grad, m, v, ...(gradScale ? [gradScale] : [])], ([p, g, m0, v0, scale]) =>
      adamw.dispatch(this.runtime, [p, g, m0, v0, paramOut.buffer, mOut.buffer, vOut.buffer, ...(scale ? [scale] : [])], n, hyper));
    return { param: paramOut, m: mOut, v: vOut };
  }

  squaredNorms(xs: readonly View[]): GpuBuffer {
    const out = this.allocate(xs.length);
    // Small contiguous tensors (most gradients) share dispatches, a workgroup each; the rest get the
    // general reduction, which splits long runs across workgroups.
    const slots = Math.min(squaredNorms.maxSlots, this.runtime.dawn.limits.maxStorageBuffersPerShaderStage - 1);
    const pending: { input: squaredNorms.SquaredNormInput; index: number }[] = [];
    const flush = () => {
      if (pending.length) squaredNorms.dispatch(this.runtime, pending.map((p) => p.input), out.buffer, pending[0].index);
      pending.length = 0;
    };
    xs.forEach((x, i) => {
      const count = sizeOf(x.shape);
      if (count > 0 && count <= smallNormElements && isContiguous(x.shape, x.strides)) {
        if (pending.length && pending.at(-1)!.index !== i - 1) flush();
        pending.push({ input: { buffer: gpu(x), offset: x.offset, count }, index: i });
        if (pending.length === slots) flush();
        return;
      }
      const all = coalesce(x.shape, [x.strides]);
      reduce.dispatch(this.runtime, 'squaredNorm', gpu(x), {
        keptShape: [], keptStrides: [], runShape: all.shape, runStrides: all.strides[0], offset: x.offset,
      }, out.buffer, i);
    });
    flush();
    return out;
  }

  private aroundAxis(shape: Shape, axis: number) {
    return { outer: sizeOf(shape.slice(0, axis)), length: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
  }

  gather(x: View, axis: number, indices: View): GpuBuffer {
    const count = sizeOf(indices.shape);
    const dims = { ...this.aroundAxis(x.shape, axis), count };
    const n = dims.outer * count * dims.inner;
    const out = this.allocate(n);
    this.withContiguousAll([x, indices], ([xb, ib]) => dispatchGather(this.runtime, [xb, ib, out.buffer], dims, n));
    return out;
  }

  scatterAdd(shape: Shape, axis: number, indices: View, source: View): GpuBuffer {
    const dims = { ...this.aroundAxis(shape, axis), count: sizeOf(indices.shape) };
    const out = this.allocate(sizeOf(shape));
    this.withContiguousAll([source, indices], ([sb, ib]) => dispatchScatterAdd(this.runtime, sb, ib, out.buffer, dims));
    return out;
  }

  concat(xs: readonly View[], axis: number): GpuBuffer {
    const outShape = [...xs[0].shape];
    outShape[axis] = xs.reduce((s, v) => s + v.shape[axis], 0);
    const out = this.allocate(sizeOf(outShape));
    const outStrides = contiguousStrides(outShape);
    let start = 0;
    for (const x of xs) {
      this.copyInto(x, out.buffer, outStrides, start * outStrides[axis]);
      start += x.shape[axis];
    }
    return out;
  }

  pad(x: View, pads: readonly (readonly [number, number])[], value: number): GpuBuffer {
    const outShape = x.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
    const out = this.allocate(sizeOf(outShape));
    dispatchFill(this.runtime, out.buffer, sizeOf(outShape), value);
    const outStrides = contiguousStrides(outShape);
    this.copyInto(x, out.buffer, outStrides, pads.reduce((s, [before], i) => s + before * outStrides[i], 0));
    return out;
  }

  /** Writes view `x` into `dst` at `offset`, with the destination's strides. */
  private copyInto(x: View, dst: GPUBuffer, dstStrides: readonly number[], offset: number): void {
    const { shape, strides: [src, dstS] } = coalesce(x.shape, [x.strides, dstStrides]);
    dispatchCopy(this.runtime, shape, { buffer: gpu(x), strides: src, offset: x.offset }, { buffer: dst, strides: dstS, offset });
  }
}

export async function openWebGpuBackend(): Promise<WebGpuBackend> {
  return new WebGpuBackend(await openSharedRuntime());
}
