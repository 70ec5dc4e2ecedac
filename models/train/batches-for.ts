/** A model's training batches from its data: shuffled images for a ViT, seeded windows of its context over a token split for a decoder. */
import { MangoError } from '../../engine/index.ts';
import type { ModelConfig } from '../architecture.ts';
import { Batches, type Augmentation, type BatchSource } from '../data/batches.ts';
import { TokenBatches } from '../data/token-batches.ts';
import { isGPTConfig } from '../lm/gpt-config.ts';
import { isTokenSplit } from '../lm/token-split.ts';
import type { SplitData } from './evaluate.ts';
import type { ModelBatch } from './step.ts';

export function batchesFor(config: ModelConfig, data: SplitData, batchSize: number, seed: number, augmentation?: Augmentation): BatchSource<ModelBatch> & { perEpoch: number } {
  if (isGPTConfig(config)) {
    if (!isTokenSplit(data)) throw new MangoError(`a language model cannot train on the image data ${data.name}`, 'train a decoder on a text corpus (--data austen, or --data text --data-dir <folder>)');
    return new TokenBatches(data.tokens, config.context, batchSize, seed);
  }
  if (isTokenSplit(data)) throw new MangoError(`an image model cannot train on the text split ${data.name}`, 'train a ViT on image data');
  return new Batches(data, batchSize, seed, augmentation);
}
