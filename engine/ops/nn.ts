/** Neural-network ops: softmax family, cross-entropy, layer norm, dropout, attention and self-attention (with their backward ops for the gradient rules). */
import { noGrad, record } from '../autograd/node.ts';
import type { Backend, View } from '../backend/backend.ts';
import { ShapeError } from '../errors.ts';
import { Random } from '../random.ts';
import { formatShape, normalizeAxis } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { defaultRandom, fromArray } from './create.ts';
import { where } from './elementwise.ts';
import { mean } from './reduce.ts';
import { matmul } from './matmul.ts';
import { transpose } from './movement.ts';

/** Applies a last-axis kernel along `axis` by swapping that axis last and back. */
function alongLastAxis(x: Tensor, axis: number, kernel: (t: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (a === x.rank - 1) return kernel(x);
  const moved = transpose(x, a, -1);
  const y = kernel(moved);
  const out = transpose(y, a, -1);
  moved.dispose();
  y.dispose();
  return out;
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return alongLastAxis(x, axis, (t) => {
    const out = Tensor.fromBuffer(t.backend, t.backend.softmax(t.view(), false), t.shape);
    return record(out, 'softmax', [t], [out]);
  });
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongLastAxis(x, axis, (t) => {
    const out = Tensor.fromBuffer(t.backend, t.backend.softmax(t.view(), true), t.shape);
    return record(out, 'logSoftmax', [t], [out]);
  });
}

/**
 * Cross-entropy of logits [N, C] against integer labels [N] (f32 holding class indices), with label
 * smoothing as in PyTorch. reduction 'mean' (default) or 'none' (per-row losses).
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: { labelSmoothing?: number; reduction?: 'mean' | 'none' } = {}): Tensor {
  const smoothing = options.labelSmoothing ?? 0;
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`cross-entropy needs logits [N, C] and labels [N], got ${formatShape(logits.shape)} and ${formatShape(labels.shape)}`);
  }
  const perRow = Tensor.fromBuffer(logits.backend, logits.backend.crossEntropy(logits.view(), labels.view(), smoothing), [logits.shape[0]]);
  record(perRow, 'crossEntropy', [logits], [logits, labels], { smoothing });
  if (options.reduction === 'none') return perRow;
  const out = mean(perRow);
  perRow.dispose();
  return out;
}

export interface AttentionOptions {
  /** Autoregressive masking: query i attends to keys j ≤ i + Tk − Tq only (j ≤ i when Tq = Tk). */
  causal?: boolean;
}

/**
 * Scaled-dot-product attention softmax(q·kᵀ·scale)·v for q [..., Tq, d] and k, v [..., Tk, d] with equal
 * leading axes; scale defaults to 1/√d. Uses the backend's fused primitive (one kernel forward, two
 * backward) where the backend says it is faster, else GEMM → (causal mask) → softmax → GEMM.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, scale = 1 / Math.sqrt(q.shape[q.rank - 1]), options: AttentionOptions = {}): Tensor {
  const fused = q.backend.prefersFusedAttention?.(k.shape[k.rank - 2], options.causal ?? false) ?? true;
  if (!fused) {
    if (options.causal) checkCausalShapes(q, k);
    const scores = matmul(q, k, { transposeB: true });
    const scaled = scores.mul(scale);
    const visible = options.causal ? causalMask(q.shape[q.rank - 2], k.shape[k.rank - 2], q.backend) : undefined;
    // Masked scores get a finite stand-in for −∞ (WGSL may assume no infinities): exp underflows to 0.
    const masked = visible ? where(visible, scaled, -1e30) : scaled;
    const probabilities = softmax(masked);
    const out = matmul(probabilities, v);
    for (const t of [scores, scaled, probabilities]) t.dispose();
    if (visible) for (const t of [visible, masked]) t.dispose();
    return out;
  }
  return fusedAttention(q, k, v, scale, options);
}

/** 1 where query i may attend to key j (j ≤ i + keys − queries), else 0: [queries, keys]. */
function causalMask(queries: number, keys: number, backend: Backend): Tensor {
  const visible = new Float32Array(queries * keys);
  for (let i = 0; i < queries; i++) visible.fill(1, i * keys, i * keys + Math.min(keys, i + 1 + keys - queries));
  return fromArray(visible, [queries, keys], backend);
}

/** With fewer keys than queries the first queries would see no key at all. */
function checkCausalShapes(q: Tensor, k: Tensor): void {
  if (q.shape[q.rank - 2] > k.shape[k.rank - 2]) {
    throw new ShapeError(`causal attention needs at least as many keys as queries, got q ${formatShape(q.shape)} and k ${formatShape(k.shape)}`);
  }
}

/** The fused attention primitive regardless of the backend's preference (for tests and benchmarks). */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, scale = 1 / Math.sqrt(q.shape[q.rank - 1]), options: AttentionOptions = {}): Tensor {
  const lead = q.shape.slice(0, -2);
  const ok = q.rank >= 2 && k.rank === q.rank && v.rank === q.rank && k.shape.join() === v.shape.join()
    && k.shape.slice(0, -2).join() === lead.join() && k.shape[k.rank - 1] === q.shape[q.rank - 1];
  if (!ok) throw new ShapeError(`attention needs q [..., Tq, d] and k, v [..., Tk, d], got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  const causal = options.causal ?? false;
  if (causal) checkCausalShapes(q, k);
  const { out, lse } = q.backend.attention(q.view(), k.view(), v.view(), scale, causal);
  const result = Tensor.fromBuffer(q.backend, out, q.shape);
  const lseT = Tensor.fromBuffer(q.backend, lse, q.shape.slice(0, -1));
  record(result, 'attention', [q, k, v], [q, k, v, result, lseT], { scale, causal });
  lseT.dispose();
  return result;
}

/** Attention's backward as an op of its own (used by the gradient table; not itself differentiable). */
export function attentionBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor, scale: number, causal: boolean): [Tensor, Tensor, Tensor] {
  const { dq, dk, dv } = q.backend.attentionBackward(dOut.view(), q.view(), k.view(), v.view(), out.view(), lse.view(), scale, causal);
  return [Tensor.fromBuffer(q.backend, dq, q.shape), Tensor.fromBuffer(q.backend, dk, k.shape), Tensor.fromBuffer(q.backend, dv, v.shape)];
}

/**
 * Multi-head self-attention straight from a fused projection: qkv [B, T, 3·H·d] holds q, k, v (in that
 * order, heads contiguous within each: timm's layout); returns softmax(q·kᵀ/√d)·v with heads merged back,
 * [B, T, H·d] (`causal`: token i attends to tokens j ≤ i). With the backend's fused kernels the heads are
 * read in place, the output is written in [B, T, H, d] order and the backward pass writes one packed
 * d(qkv): no head transposes, no slice gradients to pad and add. Otherwise it is composed from views,
 * attention() and a transpose.
 */
export function selfAttention(qkv: Tensor, heads: number, options: AttentionOptions = {}): Tensor {
  const [batch, tokens, width] = qkv.shape;
  if (qkv.rank !== 3 || heads < 1 || width % (3 * heads) !== 0) {
    throw new ShapeError(`selfAttention needs qkv [B, T, 3·heads·d] for ${heads} heads, got ${formatShape(qkv.shape)}`);
  }
  const causal = options.causal ?? false;
  const headDim = width / (3 * heads);
  const dim = heads * headDim;
  if (!(qkv.backend.prefersFusedAttention?.(tokens, causal) ?? true)) {
    const split = qkv.reshape([batch, tokens, 3, heads, headDim]).permute([2, 0, 3, 1, 4]);
    const [q, k, v] = [0, 1, 2].map((i) => split.slice([i], [i + 1]).squeeze(0));
    return attention(q, k, v, undefined, { causal }).transpose(1, 2).reshape([batch, tokens, dim]);
  }
  // Saved for the backward pass, which writes d(qkv) at the same positions: contiguous from offset 0.
  const packed = qkv.isContiguous() && qkv.offset === 0 ? qkv : noGrad(() => qkv.clone());
  const scale = 1 / Math.sqrt(headDim);
  const { out, lse } = qkv.backend.attention(...headViews(packed, heads), scale, causal, [tokens * dim, headDim, dim, 1]);
  const result = Tensor.fromBuffer(qkv.backend, out, [batch, tokens, dim]);
  const lseT = Tensor.fromBuffer(qkv.backend, lse, [batch, heads, tokens]);
  record(result, 'selfAttention', [qkv], [packed, result, lseT], { heads, scale, causal });
  lseT.dispose();
  if (packed !== qkv) packed.dispose();
  return result;
}

/** A [B, T, H·d] view (any strides, last axis uniform) as [B, H, T, d]: the head axis split off, no copy. */
function splitHeads(v: View, heads: number): View {
  const [batch, tokens, dim] = v.shape;
  const headDim = dim / heads;
  return { buffer: v.buffer, shape: [batch, heads, tokens, headDim], strides: [v.strides[0], headDim * v.strides[2], v.strides[1], v.strides[2]], offset: v.offset };
}

/** q, k, v of qkv [B, T, 3·H·d] as [B, H, T, d] views (no copies). */
function headViews(qkv: Tensor, heads: number): [View, View, View] {
  const view = qkv.view();
  const [batch, tokens, width] = qkv.shape;
  const part = (i: number) => splitHeads({ ...view, shape: [batch, tokens, width / 3], offset: view.offset + i * (width / 3) * view.strides[2] }, heads);
  return [part(0), part(1), part(2)];
}

/** selfAttention's backward as an op of its own: d(qkv) [B, T, 3·H·d] in one buffer. */
export function selfAttentionBackward(dy: Tensor, qkv: Tensor, out: Tensor, lse: Tensor, heads: number, scale: number, causal: boolean): Tensor {
  const grad = qkv.backend.selfAttentionBackward(splitHeads(dy.view(), heads), ...headViews(qkv, heads), splitHeads(out.view(), heads),
    lse.view(), scale, causal, qkv.size);
  return Tensor.fromBuffer(qkv.backend, grad, qkv.shape);
}

/** Layer norm over the last axis (biased variance, like PyTorch). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const width = x.shape[x.rank - 1];
  if (gamma.size !== width || beta.size !== width) {
    throw new ShapeError(`layer norm over a last axis of ${width} with gamma ${formatShape(gamma.shape)} and beta ${formatShape(beta.shape)}`);
  }
  const { y, mean: m, rstd } = x.backend.layerNorm(x.view(), gamma.view(), beta.view(), eps);
  const rows = x.shape.slice(0, -1);
  const out = Tensor.fromBuffer(x.backend, y, x.shape);
  const meanT = Tensor.fromBuffer(x.backend, m, rows);
  const rstdT = Tensor.fromBuffer(x.backend, rstd, rows);
  record(out, 'layerNorm', [x, gamma, beta], [x, gamma, meanT, rstdT]);
  meanT.dispose();
  rstdT.dispose();
  return out;
}

/** Layer norm's backward as an op of its own (used by the gradient table; not itself differentiable). */
export function layerNormBackward(dy: Tensor, x: Tensor, gamma: Tensor, meanT: Tensor, rstd: Tensor): [Tensor, Tensor, Tensor] {
  const { dx, dgamma, dbeta } = x.backend.layerNormBackward(dy.view(), x.view(), gamma.view(), meanT.view(), rstd.view());
  return [Tensor.fromBuffer(x.backend, dx, x.shape), Tensor.fromBuffer(x.backend, dgamma, gamma.shape), Tensor.fromBuffer(x.backend, dbeta, gamma.shape)];
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p). The mask
 * comes from the seeded host generator, so CPU and GPU runs drop the same elements.
 */
export function dropout(x: Tensor, p: number, options: { training?: boolean; random?: Random } = {}): Tensor {
  if (p < 0 || p >= 1) throw new ShapeError(`dropout probability ${p} is outside [0, 1)`);
  if (!(options.training ?? true) || p === 0) return x.mul(1);
  const random = options.random ?? defaultRandom;
  const scale = 1 / (1 - p);
  const values = new Float32Array(x.size);
  for (let i = 0; i < values.length; i++) values[i] = random.uniform() < p ? 0 : scale;
  const mask = fromArray(values, x.shape, x.backend);
  const out = x.mul(mask);
  mask.dispose();
  return out;
}
