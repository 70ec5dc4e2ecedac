/**
 * How much of a width-grown model's width its weights use: for every weight matrix with a side of the
 * model's width, the share of that side's energy (squared singular values) outside its best k-dimensional
 * subspace. A model grown from width k by copying units starts at 0 on every matrix; 0 after training means
 * it is still the narrow model inside the wide one.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Model } from '../models/architecture.ts';

/** Share of the energy of the `axis` side of the row-major [rows, cols] matrix `w` outside its best k-dimensional subspace. */
export function shareOutsideSubspace(w: Float32Array, shape: readonly number[], axis: 0 | 1, k: number): number {
  const [rows, cols] = shape;
  const n = shape[axis];
  const gram = new Matrix(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      if (axis === 0) for (let c = 0; c < cols; c++) s += w[a * cols + c] * w[b * cols + c];
      else for (let r = 0; r < rows; r++) s += w[r * cols + a] * w[r * cols + b];
      gram.set(a, b, s);
      gram.set(b, a, s);
    }
  }
  const eigenvalues = new EigenvalueDecomposition(gram, { assumeSymmetric: true }).realEigenvalues.map((v) => Math.max(0, v)).sort((x, y) => y - x);
  const total = eigenvalues.reduce((s, v) => s + v, 0);
  return total > 0 ? eigenvalues.slice(k).reduce((s, v) => s + v, 0) / total : 0;
}

export interface WidthUsage {
  /** the token (or patch) embedding's share */
  embedding: number;
  median: number;
  max: number;
  matrices: number;
}

/** shareOutsideSubspace over the model's weight matrices that have a side of `width` (its first such side). */
export async function widthUsage(model: Model, width: number, k: number): Promise<WidthUsage> {
  const shares: number[] = [];
  let embedding = NaN;
  for (const [name, p] of model.namedParameters()) {
    const axis = p.shape.length === 2 ? p.shape.indexOf(width) : -1;
    if (axis !== 0 && axis !== 1) continue;
    const share = shareOutsideSubspace(await p.data(), p.shape, axis, k);
    shares.push(share);
    if (/wte|embed/.test(name)) embedding = share;
  }
  const sorted = [...shares].sort((a, b) => a - b);
  return { embedding, median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) ?? NaN, matrices: shares.length };
}
