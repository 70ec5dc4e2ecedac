/**
 * One training step as the trainer does it (models/train/step.ts: forward, loss, backward, clip, AdamW, read
 * the loss), for either family: a ViT's label-smoothed cross-entropy, a decoder's mean next-token cross-entropy.
 */
import type { Model } from '../../models/architecture.ts';
import { AdamW } from '../../models/optim/optimizer.ts';
import { batchLoss, trainStep as step, type ModelBatch } from '../../models/train/step.ts';

export function trainStep(model: Model, batch: ModelBatch, labelSmoothing = 'images' in batch ? 0.1 : 0): { step: () => Promise<number>; dispose: () => void } {
  const optimizer = new AdamW(model.namedParameters());
  return {
    step: () => step({ backend: model.backend, loss: () => batchLoss(model, batch, labelSmoothing), optimizer, params: () => model.parameters(), lr: 1e-3, clipNorm: 1 }),
    dispose: () => optimizer.dispose(),
  };
}
