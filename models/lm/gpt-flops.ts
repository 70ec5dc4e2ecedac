/**
 * Analytic FLOPs of a decoder, counted as the ViT's are (a multiply-add = 2 FLOPs; matmul-like work only:
 * qkv, attention scores and values, projection, MLP, LM head). Causal attention is counted at its full
 * T×T size, as the growth papers and PyTorch's FLOP counters do; a training step is 3 × forward.
 */
import type { GPTConfig } from './gpt-config.ts';

export interface GPTFlopBreakdown {
  perBlock: { qkv: number; scores: number; values: number; proj: number; mlp: number; total: number };
  head: number;
  forward: number;
}

/** Forward FLOPs of one sequence of `tokens` (default: the full context). */
export function gptForwardFlops(config: GPTConfig, tokens = config.context): GPTFlopBreakdown {
  const { dim: d, depth, vocabSize } = config;
  const t = tokens;
  const hidden = Math.round(d * config.mlpRatio);
  const qkv = 2 * t * d * 3 * d;
  const scores = 2 * t * t * d;
  const values = 2 * t * t * d;
  const proj = 2 * t * d * d;
  const mlp = 2 * t * d * hidden * 2;
  const total = qkv + scores + values + proj + mlp;
  const head = 2 * t * d * vocabSize;
  return { perBlock: { qkv, scores, values, proj, mlp, total }, head, forward: depth * total + head };
}

/** FLOPs of one training step (forward + backward) per sequence of the full context. */
export function gptTrainFlopsPerSequence(config: GPTConfig): number {
  return 3 * gptForwardFlops(config).forward;
}
