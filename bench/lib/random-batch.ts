/** A batch of standard-normal images and uniform labels shaped for `config`: step throughput does not depend on the data. */
import * as E from '../../engine/index.ts';
import type { ViTConfig } from '../../models/config.ts';
import type { Batch } from '../../models/data/batches.ts';

export function randomBatch(config: ViTConfig, batchSize: number, seed = 0): Batch {
  const random = new E.Random(seed);
  return {
    images: Float32Array.from({ length: batchSize * config.channels * config.imageSize ** 2 }, () => random.normal()),
    labels: Float32Array.from({ length: batchSize }, () => random.int(config.classes)),
    shape: [batchSize, config.channels, config.imageSize, config.imageSize],
  };
}
