/** Batched matmul with transpose flags and batch broadcasting, and the mode-n product built on it. */
import { record } from '../autograd/node.ts';
import { ShapeError } from '../errors.ts';
import { broadcastShapes, formatShape, normalizeAxis, sizeOf } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { broadcastView } from './elementwise.ts';
import { reshape } from './movement.ts';

export interface MatmulFlags {
  transposeA: boolean;
  transposeB: boolean;
  /** [N] added to every output row, fused into the GEMM (x·Wᵀ + b in one kernel) */
  bias: Tensor;
}

/**
 * op(a) · op(b) (+ bias) where op transposes the last two axes when its flag is set. Both operands need
 * rank ≥ 2; leading (batch) axes broadcast.
 */
export function matmul(a: Tensor, b: Tensor, flags: Partial<MatmulFlags> = {}): Tensor {
  const transposeA = flags.transposeA ?? false;
  const transposeB = flags.transposeB ?? false;
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`matmul needs rank ≥ 2 operands, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`, 'reshape vectors to [1, n] or [n, 1]');
  const [m, k] = transposeA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const [k2, n] = transposeB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (k !== k2) {
    throw new ShapeError(`matmul inner dimensions differ: ${formatShape(a.shape)}${transposeA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${k} vs ${k2})`);
  }
  const bias = flags.bias;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) throw new ShapeError(`matmul bias of shape ${formatShape(bias.shape)} for ${n} output columns: it must be [${n}]`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const aView = broadcastView(a, [...batch, ...a.shape.slice(-2)]);
  const bView = broadcastView(b, [...batch, ...b.shape.slice(-2)]);
  const out = Tensor.fromBuffer(a.backend, a.backend.matmul(aView, bView, { transposeA, transposeB, bias: bias?.view() }), [...batch, m, n]);
  return record(out, 'matmul', bias ? [a, b, bias] : [a, b], [a, b], { transposeA, transposeB });
}

/**
 * Mode-n product Y = X ×ₙ U: Y[.., j, ..] = Σᵢ U[j, i] X[.., i, ..] along axis n, for U of shape [J, Iₙ].
 * X is read as [P, Iₙ, Q] (P, Q: products of the axes before and after n), so Y[p] = U · X[p]: one
 * batched GEMM with U broadcast over P, no transposed copies.
 */
export function modeProduct(x: Tensor, u: Tensor, axis: number): Tensor {
  const n = normalizeAxis(axis, x.rank);
  if (u.rank !== 2 || u.shape[1] !== x.shape[n]) {
    throw new ShapeError(`mode-${n} product of ${formatShape(x.shape)} with a factor of shape ${formatShape(u.shape)}: the factor must be [J, ${x.shape[n]}]`);
  }
  const p = sizeOf(x.shape.slice(0, n));
  const q = sizeOf(x.shape.slice(n + 1));
  const x3 = reshape(x, [p, x.shape[n], q]);
  const y3 = matmul(u, x3);
  const y = reshape(y3, [...x.shape.slice(0, n), u.shape[0], ...x.shape.slice(n + 1)]);
  x3.dispose();
  y3.dispose();
  return y;
}
