/** The ViT building blocks, timm-named: Linear, LayerNorm, Attention, Mlp, Block, PatchEmbed. */
import * as E from '../../engine/index.ts';
import type { Backend, Random, Tensor } from '../../engine/index.ts';
import { Module } from './module.ts';

export interface InitContext {
  random: Random;
  backend: Backend;
}

/** timm's default: truncated normal (±2σ), std 0.02. */
export const initStd = 0.02;

export class Linear extends Module {
  constructor(readonly inFeatures: number, readonly outFeatures: number, { random, backend }: InitContext) {
    super();
    this.parameter('weight', E.truncatedNormal([outFeatures, inFeatures], { std: initStd, random, backend }));
    this.parameter('bias', E.zeros([outFeatures], backend));
  }

  get weight(): Tensor { return this.own('weight'); }
  get bias(): Tensor { return this.own('bias'); }

  /** x [..., in] → [..., out] = x·Wᵀ + b in one GEMM (no transposed copy of W, bias in the epilogue). */
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true, bias: this.bias });
  }
}

/** A [count, dim] table of vectors (token and position embeddings, an untied LM head), truncated-normal initialised. */
export class Embedding extends Module {
  constructor(readonly count: number, readonly dim: number, { random, backend }: InitContext) {
    super();
    this.parameter('weight', E.truncatedNormal([count, dim], { std: initStd, random, backend }));
  }

  get weight(): Tensor { return this.own('weight'); }
}

export class LayerNorm extends Module {
  constructor(dim: number, { backend }: InitContext, readonly eps = 1e-6) {
    super();
    this.parameter('weight', E.ones([dim], backend));
    this.parameter('bias', E.zeros([dim], backend));
  }

  get weight(): Tensor { return this.own('weight'); }
  get bias(): Tensor { return this.own('bias'); }

  forward(x: Tensor): Tensor {
    return E.layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class Attention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  /** causal: token i attends to tokens ≤ i (a decoder) */
  constructor(readonly dim: number, readonly heads: number, context: InitContext, readonly causal = false) {
    super();
    this.qkv = this.child('qkv', new Linear(dim, 3 * dim, context));
    this.proj = this.child('proj', new Linear(dim, dim, context));
  }

  /** x [B, T, D]; q, k, v are the row blocks Q, K, V of one fused projection (qkv.weight), read in place. */
  forward(x: Tensor): Tensor {
    return this.proj.forward(E.selfAttention(this.qkv.forward(x), this.heads, { causal: this.causal }));
  }
}

export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(dim: number, hidden: number, context: InitContext, readonly gelu: 'none' | 'tanh' = 'none') {
    super();
    this.fc1 = this.child('fc1', new Linear(dim, hidden, context));
    this.fc2 = this.child('fc2', new Linear(hidden, dim, context));
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).gelu(this.gelu));
  }
}

export interface BlockOptions {
  dropout: number;
  /** probability of skipping this block's residual branches (stochastic depth) while training */
  dropPath: number;
  random: Random;
  /** a decoder block: causal self-attention (default false) */
  causal?: boolean;
  /** GELU's form: exact ('none', timm's ViT) or the tanh approximation (GPT-2's gelu_new) */
  gelu?: 'none' | 'tanh';
  /** the layer norms' epsilon (timm's ViT 1e-6, GPT-2 1e-5) */
  eps?: number;
}

/** Pre-LN transformer block: x + attn(norm1(x)), then + mlp(norm2(x)). */
export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  constructor(dim: number, heads: number, mlpRatio: number, context: InitContext, private readonly options: BlockOptions) {
    super();
    this.norm1 = this.child('norm1', new LayerNorm(dim, context, options.eps));
    this.attn = this.child('attn', new Attention(dim, heads, context, options.causal));
    this.norm2 = this.child('norm2', new LayerNorm(dim, context, options.eps));
    this.mlp = this.child('mlp', new Mlp(dim, Math.round(dim * mlpRatio), context, options.gelu));
  }

  forward(x: Tensor): Tensor {
    const h = x.add(this.residual(this.attn.forward(this.norm1.forward(x))));
    return h.add(this.residual(this.mlp.forward(this.norm2.forward(h))));
  }

  /** Dropout and per-sample stochastic depth on a residual branch (identity in eval mode). */
  private residual(branch: Tensor): Tensor {
    if (!this.training) return branch;
    let out = this.options.dropout > 0 ? E.dropout(branch, this.options.dropout, { random: this.options.random }) : branch;
    if (this.options.dropPath > 0) {
      const keep = 1 - this.options.dropPath;
      const mask = Float32Array.from({ length: out.shape[0] }, () => (this.options.random.uniform() < keep ? 1 / keep : 0));
      out = out.mul(E.fromArray(mask, [out.shape[0], 1, 1], out.backend));
    }
    return out;
  }
}

/** Non-overlapping patches as a matmul: [B, C, H, W] → [B, N, C·p·p] · Wᵀ, W stored as timm's [D, C, p, p]. */
export class PatchEmbed extends Module {
  constructor(readonly channels: number, readonly patch: number, readonly dim: number, { random, backend }: InitContext) {
    super();
    this.parameter('proj.weight', E.truncatedNormal([dim, channels, patch, patch], { std: initStd, random, backend }));
    this.parameter('proj.bias', E.zeros([dim], backend));
  }

  get weight(): Tensor { return this.own('proj.weight'); }
  get bias(): Tensor { return this.own('proj.bias'); }

  forward(images: Tensor): Tensor {
    const [batch, channels, height, width] = images.shape;
    const p = this.patch;
    const patches = images.reshape([batch, channels, height / p, p, width / p, p])
      .permute([0, 2, 4, 1, 3, 5])
      .reshape([batch, (height / p) * (width / p), channels * p * p]);
    return patches.matmul(this.weight.reshape([this.dim, channels * p * p]), { transposeB: true, bias: this.bias });
  }
}
