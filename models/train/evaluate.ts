/** Top-1 accuracy and mean cross-entropy of a model on a dataset (eval mode, no gradients; one small readback per batch). */
import * as E from '../../engine/index.ts';
import { evaluationBatches } from '../data/batches.ts';
import type { Dataset } from '../data/dataset.ts';
import type { ViT } from '../vit.ts';

export interface Evaluation {
  accuracy: number;
  /** mean cross-entropy (no label smoothing), in nats */
  loss: number;
}

export async function evaluate(model: ViT, data: Dataset, batchSize = 256): Promise<Evaluation> {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  let loss = 0;
  const classes = model.config.classes;
  for (const batch of evaluationBatches(data, batchSize)) {
    const logits = E.withBackend(model.backend, () => E.noGrad(() => E.tidy(() => model.forward(E.fromArray(batch.images, batch.shape)))));
    const values = await logits.data();
    logits.dispose();
    for (let i = 0; i < batch.labels.length; i++) {
      const row = values.subarray(i * classes, (i + 1) * classes);
      let best = 0, max = -Infinity;
      for (let c = 0; c < classes; c++) if (row[c] > max) { max = row[c]; best = c; }
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp(row[c] - max);
      loss += Math.log(sum) + max - row[batch.labels[i]];
      if (best === batch.labels[i]) correct++;
    }
  }
  model.train(wasTraining);
  return { accuracy: correct / data.count, loss: loss / data.count };
}

export async function accuracy(model: ViT, data: Dataset, batchSize = 256): Promise<number> {
  return (await evaluate(model, data, batchSize)).accuracy;
}
