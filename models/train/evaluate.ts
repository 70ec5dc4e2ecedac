/** Top-1 accuracy of a model on a dataset (eval mode, no gradients; one small readback per batch). */
import * as E from '../../engine/index.ts';
import { evaluationBatches } from '../data/batches.ts';
import type { Dataset } from '../data/dataset.ts';
import type { ViT } from '../vit.ts';

export async function accuracy(model: ViT, data: Dataset, batchSize = 256): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  for (const batch of evaluationBatches(data, batchSize)) {
    const predictions = E.withBackend(model.backend, () => E.noGrad(() => E.tidy(() => {
      const images = E.fromArray(batch.images, batch.shape);
      return model.forward(images).argmax(1);
    })));
    const predicted = await predictions.data();
    predictions.dispose();
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === batch.labels[i]) correct++;
  }
  model.train(wasTraining);
  return correct / data.count;
}
