/** Vision Transformer (ViT/DeiT, timm naming and layout): patch embedding, cls token, blocks, head. */
import * as E from '../engine/index.ts';
import type { Backend, Tensor } from '../engine/index.ts';
import { tokensOf, validateConfig, type ViTConfig } from './config.ts';
import { Block, initStd, LayerNorm, Linear, PatchEmbed } from './nn/layers.ts';
import { Module } from './nn/module.ts';
import { addBlockShapes } from './nn/block-shapes.ts';

export class ViT extends Module {
  readonly patchEmbed: PatchEmbed;
  readonly blocks: Block[];
  readonly norm: LayerNorm;
  readonly head: Linear;
  /** Drives dropout and stochastic depth; its state is saved in checkpoints. */
  readonly random: E.Random;

  constructor(readonly config: ViTConfig, options: { seed?: number; random?: E.Random; backend?: Backend } = {}) {
    super();
    validateConfig(config);
    const random = options.random ?? new E.Random(options.seed ?? 0);
    this.random = random;
    const context = { random, backend: options.backend ?? E.getBackend() };
    const { dim } = config;
    // Registration order = timm's state_dict order.
    this.parameter('cls_token', E.randn([1, 1, dim], { std: 1e-6, random, backend: context.backend }));
    this.parameter('pos_embed', E.truncatedNormal([1, tokensOf(config), dim], { std: initStd, random, backend: context.backend }));
    this.patchEmbed = this.child('patch_embed', new PatchEmbed(config.channels, config.patchSize, dim, context));
    this.blocks = Array.from({ length: config.depth }, (_, i) => new Block(dim, config.heads, config.mlpRatio, context, {
      dropout: config.dropout, dropPath: config.dropPath * (config.depth > 1 ? i / (config.depth - 1) : 0), random,
    }));
    this.blocks.forEach((b, i) => this.child(`blocks.${i}`, b));
    this.norm = this.child('norm', new LayerNorm(dim, context));
    this.head = this.child('head', new Linear(dim, config.classes, context));
  }

  get clsToken(): Tensor { return this.own('cls_token'); }
  get posEmbed(): Tensor { return this.own('pos_embed'); }

  get backend(): Backend {
    return this.clsToken.backend;
  }

  /** Token features after the final norm: [B, T, D]. */
  features(images: Tensor): Tensor {
    const batch = images.shape[0];
    const patches = this.patchEmbed.forward(images);
    const cls = this.clsToken.expand([batch, 1, this.config.dim]);
    let x = E.concat([cls, patches], 1).add(this.posEmbed);
    for (const block of this.blocks) x = block.forward(x);
    return this.norm.forward(x);
  }

  /** Logits [B, classes] from the cls token. */
  forward(images: Tensor): Tensor {
    const x = this.features(images);
    return this.head.forward(x.slice([0, 0], [x.shape[0], 1]).reshape([x.shape[0], this.config.dim]));
  }
}

/**
 * The parameter names and shapes a ViT of `config` has, in state-dict order, without building it (checks a
 * weights file against a config before any device work). A test holds it equal to the model's own.
 */
export function vitParameterShapes(config: ViTConfig): Map<string, number[]> {
  const { dim, channels, patchSize, classes } = config;
  const shapes = new Map<string, number[]>([
    ['cls_token', [1, 1, dim]], ['pos_embed', [1, tokensOf(config), dim]],
    ['patch_embed.proj.weight', [dim, channels, patchSize, patchSize]], ['patch_embed.proj.bias', [dim]],
  ]);
  addBlockShapes(shapes, config);
  shapes.set('head.weight', [classes, dim]);
  shapes.set('head.bias', [classes]);
  return shapes;
}

