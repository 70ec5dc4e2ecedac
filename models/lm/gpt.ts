/**
 * GPT-2-style decoder: token and learned position embeddings, pre-LN blocks with causal self-attention,
 * a final LayerNorm and an LM head, tied to the token embedding (GPT-2) or a matrix of its own.
 * Parameters are named like the ViT's blocks (`blocks.N.attn.qkv`, in×out as Linear's [out, in]), so growth
 * packs both the same way; Hugging Face GPT-2 names and Conv1D layouts are a file format (gpt2-names.ts).
 */
import * as E from '../../engine/index.ts';
import type { Backend, Tensor } from '../../engine/index.ts';
import { MangoError } from '../../engine/index.ts';
import { Block, Embedding, LayerNorm } from '../nn/layers.ts';
import { Module } from '../nn/module.ts';
import { addBlockShapes } from '../nn/block-shapes.ts';
import { gptGelu, gptNormEps, validateGPTConfig, type GPTConfig } from './gpt-config.ts';

/** Token ids on the host, [batch, length] row-major. */
export interface TokenBatch {
  ids: ArrayLike<number>;
  batch: number;
  length: number;
}

/** A next-token training example batch: inputs and their targets (the inputs shifted by one), [batch, length] each. */
export interface LMBatch {
  inputs: TokenBatch;
  targets: ArrayLike<number>;
}

export class GPT extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly blocks: Block[];
  readonly norm: LayerNorm;
  /** the untied LM head (absent when tied) */
  readonly head?: Embedding;
  readonly random: E.Random;

  constructor(readonly config: GPTConfig, options: { seed?: number; random?: E.Random; backend?: Backend } = {}) {
    super();
    validateGPTConfig(config);
    const random = options.random ?? new E.Random(options.seed ?? 0);
    this.random = random;
    const backend = options.backend ?? E.getBackend();
    const context = { random, backend };
    const { dim, depth } = config;
    this.wte = this.child('wte', new Embedding(config.vocabSize, dim, context));
    this.wpe = this.child('wpe', new Embedding(config.context, dim, context));
    this.blocks = Array.from({ length: depth }, () => new Block(dim, config.heads, config.mlpRatio, context, {
      dropout: config.dropout, dropPath: 0, random, causal: true, gelu: gptGelu, eps: gptNormEps,
    }));
    this.blocks.forEach((b, i) => this.child(`blocks.${i}`, b));
    this.norm = this.child('norm', new LayerNorm(dim, context, gptNormEps));
    if (!config.tiedHead) this.head = this.child('head', new Embedding(config.vocabSize, dim, context));
    // GPT-2's init: the projections into the residual stream scaled by 1/√(2·depth).
    E.noGrad(() => {
      for (const block of this.blocks) for (const w of [block.attn.proj.weight, block.mlp.fc2.weight]) w.assign(E.tidy(() => w.mul(1 / Math.sqrt(2 * depth))));
    });
  }

  get tokenEmbedding(): Tensor { return this.wte.weight; }
  get positionEmbedding(): Tensor { return this.wpe.weight; }
  /** the LM head's [vocab, dim] weight: the token embedding itself when tied */
  get headWeight(): Tensor { return this.head?.weight ?? this.tokenEmbedding; }

  get backend(): Backend {
    return this.tokenEmbedding.backend;
  }

  /** Checks host token ids against the vocabulary and context before any device work. */
  checkTokens(tokens: TokenBatch, label = 'token'): void {
    const { ids, batch, length } = tokens;
    if (ids.length !== batch * length) throw new MangoError(`${ids.length} ${label} ids for a [${batch}, ${length}] batch`, 'pass batch × length ids');
    if (length > this.config.context) {
      throw new MangoError(`a sequence of ${length} tokens is longer than the model's context of ${this.config.context}`, `cut the input to at most ${this.config.context} tokens`);
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
        throw new MangoError(`${label} id ${id} at position ${i} is not in the vocabulary of ${this.config.vocabSize}`, 'encode the text with the tokenizer the model was trained with');
      }
    }
  }

  /** Hidden states after the final norm: [B, T, D]. */
  features(tokens: TokenBatch): Tensor {
    this.checkTokens(tokens);
    const { batch, length } = tokens;
    const ids = E.fromArray(Float32Array.from(tokens.ids), [batch * length], this.backend);
    const embedded = E.gather(this.tokenEmbedding, 0, ids).reshape([batch, length, this.config.dim]);
    let x = embedded.add(this.positionEmbedding.slice([0, 0], [length, this.config.dim]));
    for (const block of this.blocks) x = block.forward(x);
    return this.norm.forward(x);
  }

  /** Next-token logits [B, T, vocab]. */
  forward(tokens: TokenBatch): Tensor {
    return this.features(tokens).matmul(this.headWeight, { transposeB: true });
  }

  /** Mean next-token cross-entropy (nats) of `targets` (same shape as the input, usually the input shifted by one). */
  loss(tokens: TokenBatch, targets: ArrayLike<number>, labelSmoothing = 0): Tensor {
    this.checkTokens({ ...tokens, ids: targets }, 'target');
    const rows = tokens.batch * tokens.length;
    const logits = this.forward(tokens).reshape([rows, this.config.vocabSize]);
    return E.crossEntropy(logits, E.fromArray(Float32Array.from(targets), [rows], this.backend), { labelSmoothing });
  }
}

/** The parameter names and shapes of a decoder of `config`, in registration order, without building it. */
export function gptParameterShapes(config: GPTConfig): Map<string, number[]> {
  const { dim, vocabSize } = config;
  const shapes = new Map<string, number[]>([['wte.weight', [vocabSize, dim]], ['wpe.weight', [config.context, dim]]]);
  addBlockShapes(shapes, config);
  if (!config.tiedHead) shapes.set('head.weight', [vocabSize, dim]);
  return shapes;
}
