/**
 * The two model families growth works on — the ViT (image classifier) and the GPT-style decoder — behind
 * one vocabulary: both are pre-LN Transformers with the same block parameters (`blocks.N.*`), and differ
 * in their stem (embeddings, final norm, head). Growth and training dispatch on the config through here.
 */
import type { Backend, Random } from '../engine/index.ts';
import { describe as describeViT, validateConfig, type ViTConfig } from './config.ts';
import { trainFlopsPerImage } from './flops.ts';
import { describeGPT, isGPTConfig, validateGPTConfig, type GPTConfig } from './lm/gpt-config.ts';
import { gptTrainFlopsPerSequence } from './lm/gpt-flops.ts';
import { GPT } from './lm/gpt.ts';
import { ViT } from './vit.ts';

/** What growth reads of any Transformer config: the block shape. */
export interface TransformerShape {
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
}

export type ModelConfig = ViTConfig | GPTConfig;
export type Model = ViT | GPT;
export type ModelFor<C extends ModelConfig> = C extends GPTConfig ? GPT : ViT;

export function familyOf(config: ModelConfig): 'vit' | 'gpt' {
  return isGPTConfig(config) ? 'gpt' : 'vit';
}

export function createModel<C extends ModelConfig>(config: C, options: { seed?: number; random?: Random; backend?: Backend } = {}): ModelFor<C> {
  return (isGPTConfig(config) ? new GPT(config, options) : new ViT(config as ViTConfig, options)) as ModelFor<C>;
}

export function validateModelConfig<C extends ModelConfig>(config: C, label?: string): C {
  return (isGPTConfig(config) ? validateGPTConfig(config, label) : validateConfig(config as ViTConfig, label)) as C;
}

export function describeModel(config: ModelConfig): string {
  return isGPTConfig(config) ? describeGPT(config) : describeViT(config);
}

/** FLOPs of one training step per example (an image, or a sequence of the full context). */
export function trainFlopsPerExample(config: ModelConfig): number {
  return isGPTConfig(config) ? gptTrainFlopsPerSequence(config) : trainFlopsPerImage(config);
}

/** The config fields that fix a model's input and output format: growth keeps them. */
export function formatFields(config: ModelConfig): Record<string, number | boolean> {
  if (isGPTConfig(config)) return { vocabSize: config.vocabSize, context: config.context, tiedHead: config.tiedHead };
  return { imageSize: config.imageSize, channels: config.channels, patchSize: config.patchSize, classes: config.classes };
}

/**
 * How each parameter outside the blocks meets the residual width D when a model widens:
 *   rows       axis 0 is D (a projection into the stream, a norm): the units are copied
 *   columns    the last axis is D (token, position, class embeddings): the units are copied
 *   readout    [out, D] reading the stream (a classification or untied LM head): its inputs split among copies
 *   splitRows  a final norm feeding a head tied to the token embedding: its outputs split among copies, since
 *              the head (the embedding, copied) cannot split them itself
 *   unchanged  no D axis (a head's bias)
 */
export type WidthRole = 'rows' | 'columns' | 'readout' | 'splitRows' | 'unchanged';

/** The stem's parameters with their roles: the input side (embeddings, before the blocks) and the output side (final norm, head). */
export interface Stem {
  input: [name: string, role: WidthRole][];
  output: [name: string, role: WidthRole][];
}

export function stemOf(config: ModelConfig): Stem {
  if (isGPTConfig(config)) {
    const norm: WidthRole = config.tiedHead ? 'splitRows' : 'rows';
    return {
      input: [['wte.weight', 'columns'], ['wpe.weight', 'columns']],
      output: [['norm.weight', norm], ['norm.bias', norm], ...(config.tiedHead ? [] : [['head.weight', 'readout'] as [string, WidthRole]])],
    };
  }
  return {
    input: [['patch_embed.proj.weight', 'rows'], ['patch_embed.proj.bias', 'rows'], ['cls_token', 'columns'], ['pos_embed', 'columns']],
    output: [['norm.weight', 'rows'], ['norm.bias', 'rows'], ['head.weight', 'readout'], ['head.bias', 'unchanged']],
  };
}
