/** Neural-network ops: softmax family, cross-entropy, layer norm, dropout. */
import { record } from '../autograd/tape.ts';
import { ShapeError } from '../errors.ts';
import { Random } from '../random.ts';
import { formatShape, normalizeAxis } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { defaultRandom, fromArray } from './create.ts';
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

/**
 * Scaled-dot-product attention softmax(q·kᵀ·scale)·v for q [..., Tq, d] and k, v [..., Tk, d] with equal
 * leading axes; scale defaults to 1/√d. Uses the backend's fused primitive (one kernel forward, two
 * backward) where the backend says it is faster, else GEMM → softmax → GEMM.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, scale = 1 / Math.sqrt(q.shape[q.rank - 1])): Tensor {
  const fused = q.backend.prefersFusedAttention?.(k.shape[k.rank - 2]) ?? true;
  if (!fused) {
    const scores = matmul(q, k, { transposeB: true });
    const scaled = scores.mul(scale);
    const probabilities = softmax(scaled);
    const out = matmul(probabilities, v);
    for (const t of [scores, scaled, probabilities]) t.dispose();
    return out;
  }
  return fusedAttention(q, k, v, scale);
}

/** The fused attention primitive regardless of the backend's preference (for tests and benchmarks). */
export function fusedAttention(q: Tensor, k: Tensor, v: Tensor, scale = 1 / Math.sqrt(q.shape[q.rank - 1])): Tensor {
  const lead = q.shape.slice(0, -2);
  const ok = q.rank >= 2 && k.rank === q.rank && v.rank === q.rank && k.shape.join() === v.shape.join()
    && k.shape.slice(0, -2).join() === lead.join() && k.shape[k.rank - 1] === q.shape[q.rank - 1];
  if (!ok) throw new ShapeError(`attention needs q [..., Tq, d] and k, v [..., Tk, d], got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  const { out, lse } = q.backend.attention(q.view(), k.view(), v.view(), scale);
  const result = Tensor.fromBuffer(q.backend, out, q.shape);
  const lseT = Tensor.fromBuffer(q.backend, lse, q.shape.slice(0, -1));
  record(result, 'attention', [q, k, v], [q, k, v, result, lseT], { scale });
  lseT.dispose();
  return result;
}

/** Attention's backward as an op of its own (used by the gradient table; not itself differentiable). */
export function attentionBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor, scale: number): [Tensor, Tensor, Tensor] {
  const { dq, dk, dv } = q.backend.attentionBackward(dOut.view(), q.view(), k.view(), v.view(), out.view(), lse.view(), scale);
  return [Tensor.fromBuffer(q.backend, dq, q.shape), Tensor.fromBuffer(q.backend, dk, k.shape), Tensor.fromBuffer(q.backend, dv, v.shape)];
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
