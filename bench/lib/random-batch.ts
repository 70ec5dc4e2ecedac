/** A batch of standard-normal images and uniform labels shaped for `config`: step throughput does not depend on the data. */
import * as E from '../../engine/index.ts';
import type { ViTConfig } from '../../models/config.ts';
import type { Batch } from '../../models/data/batches.ts';
import type { GPTConfig } from '../../models/lm/gpt-config.ts';
import type { LMBatch } from '../../models/lm/gpt.ts';

export function randomBatch(config: ViTConfig, batchSize: number, seed = 0): Batch {
  const random = new E.Random(seed);
  return {
    images: Float32Array.from({ length: batchSize * config.channels * config.imageSize ** 2 }, () => random.normal()),
    labels: Float32Array.from({ length: batchSize }, () => random.int(config.classes)),
    shape: [batchSize, config.channels, config.imageSize, config.imageSize],
  };
}

/** Uniform token ids as inputs and targets, [batchSize, context] each (the same holds for tokens). */
export function randomTokens(config: GPTConfig, batchSize: number, seed = 0): LMBatch {
  const random = new E.Random(seed);
  const ids = () => Float32Array.from({ length: batchSize * config.context }, () => random.int(config.vocabSize));
  return { inputs: { ids: ids(), batch: batchSize, length: config.context }, targets: ids() };
}
