/** One training step as the trainer does it (forward, label-smoothed loss, backward, clip, AdamW, read the loss). */
import * as E from '../../engine/index.ts';
import type { Batch } from '../../models/data/batches.ts';
import { AdamW, clippedStep } from '../../models/optim/optimizer.ts';
import type { ViT } from '../../models/vit.ts';

export function trainStep(model: ViT, batch: Batch): { step: () => Promise<number>; dispose: () => void } {
  const optimizer = new AdamW(model.namedParameters());
  const backend = model.backend;
  return {
    async step() {
      const loss = E.withBackend(backend, () => E.tidy(() =>
        E.crossEntropy(model.forward(E.fromArray(batch.images, batch.shape)), E.fromArray(batch.labels, [batch.labels.length]), { labelSmoothing: 0.1 })));
      E.withBackend(backend, () => {
        loss.backward();
        clippedStep(optimizer, model.parameters(), 1e-3, 1);
        optimizer.zeroGrad();
      });
      const value = await loss.item();
      loss.dispose();
      return value;
    },
    dispose: () => optimizer.dispose(),
  };
}
