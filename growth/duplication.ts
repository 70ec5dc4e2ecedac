/**
 * Width duplication maps (mango-spec §3.3): target unit j copies source unit g(j) = j mod D1.
 * E ∈ {0,1}^{D1×D2} with E[g(j), j] = 1 expands outputs; F = E with each source row divided by its copy
 * count expands inputs, so E·Fᵀ = I and x·E·Fᵀ·W·E = x·W·E (function preservation for linear maps).
 */
import { MangoError } from '../engine/index.ts';

export function sourceUnit(j: number, from: number): number {
  return j % from;
}

export function duplicationMatrices(from: number, to: number): { E: Float32Array; F: Float32Array } {
  if (to < from) throw new MangoError(`cannot grow width ${from} down to ${to}`, 'the target must be at least as wide as the source');
  const E = new Float32Array(from * to);
  const copies = new Array<number>(from).fill(0);
  for (let j = 0; j < to; j++) copies[sourceUnit(j, from)]++;
  const F = new Float32Array(from * to);
  for (let j = 0; j < to; j++) {
    const i = sourceUnit(j, from);
    E[i * to + j] = 1;
    F[i * to + j] = 1 / copies[i];
  }
  return { E, F };
}

/** Depth maps L1 → L2 as [L1, L2] matrices: 'stack' (l2 ← l2 mod L1, StackBERT) or 'interlace' (l2 ← ⌊l2·L1/L2⌋). */
export function depthMap(from: number, to: number, kind: 'stack' | 'interlace'): Float32Array {
  const m = new Float32Array(from * to);
  for (let l2 = 0; l2 < to; l2++) m[(kind === 'stack' ? l2 % from : Math.floor((l2 * from) / to)) * to + l2] = 1;
  return m;
}

/** The entries of a one-hot depth map [L1, L2] whose source layer already fed a lower target layer. */
export function repeatedLayers(map: Float32Array, from: number, to: number): Float32Array {
  const out = new Float32Array(from * to);
  const seen = new Set<number>();
  for (let l2 = 0; l2 < to; l2++) for (let l1 = 0; l1 < from; l1++) {
    if (map[l1 * to + l2] === 0) continue;
    if (seen.has(l1)) out[l1 * to + l2] = map[l1 * to + l2];
    seen.add(l1);
  }
  return out;
}
