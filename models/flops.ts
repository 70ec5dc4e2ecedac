/**
 * Analytic FLOP count of a ViT (a multiply-add = 2 FLOPs; matmul-like work only, as in the growth
 * papers: patch embedding, qkv, attention scores and values, projection, MLP, head). A training step
 * costs forward + backward = 3 × forward.
 */
import { tokensOf, type ViTConfig } from './config.ts';

export interface FlopBreakdown {
  patchEmbed: number;
  perBlock: { qkv: number; scores: number; values: number; proj: number; mlp: number; total: number };
  head: number;
  forward: number;
}

export function forwardFlops(config: ViTConfig): FlopBreakdown {
  const { dim: d, depth, patchSize: p, channels: c, classes, mlpRatio } = config;
  const t = tokensOf(config);
  const hidden = Math.round(d * mlpRatio);
  const patchEmbed = 2 * (t - 1) * c * p * p * d;
  const qkv = 2 * t * d * 3 * d;
  const scores = 2 * t * t * d;
  const values = 2 * t * t * d;
  const proj = 2 * t * d * d;
  const mlp = 2 * t * d * hidden * 2;
  const block = qkv + scores + values + proj + mlp;
  const head = 2 * d * classes;
  return { patchEmbed, perBlock: { qkv, scores, values, proj, mlp, total: block }, head, forward: patchEmbed + depth * block + head };
}

/** FLOPs of one training step (forward + backward) per image. */
export function trainFlopsPerImage(config: ViTConfig): number {
  return 3 * forwardFlops(config).forward;
}
