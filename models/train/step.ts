/** One optimisation step, shared by the trainer and growth-operator training. */
import * as E from '../../engine/index.ts';
import type { Backend, Tensor } from '../../engine/index.ts';
import type { Batch } from '../data/batches.ts';
import { clippedStep, type Optimizer } from '../optim/optimizer.ts';
import { GPT, type LMBatch } from '../lm/gpt.ts';
import type { Model } from '../architecture.ts';

export interface StepOptions {
  backend: Backend;
  /** builds the loss (inside a tidy scope: its intermediates go, the loss stays for backward) */
  loss: () => Tensor;
  optimizer: Optimizer;
  /** what the optimizer updates (global-norm clipping runs over these) */
  params: () => readonly Tensor[];
  lr: number;
  clipNorm?: number;
}

/** Loss, backward, a clipped update, gradients cleared; returns the loss value (the caller decides what a non-finite one means). */
export async function trainStep(options: StepOptions): Promise<number> {
  const { backend, optimizer } = options;
  const loss = E.withBackend(backend, () => E.tidy(options.loss));
  E.withBackend(backend, () => {
    loss.backward();
    clippedStep(optimizer, options.params(), options.lr, options.clipNorm);
    optimizer.zeroGrad();
  });
  const value = await loss.item();
  loss.dispose();
  return value;
}

/** A batch of either family: labelled images, or next-token examples. */
export type ModelBatch = Batch | LMBatch;

/** The model's cross-entropy on a batch (a decoder's: mean over every next-token prediction). */
export function batchLoss(model: Model, batch: ModelBatch, labelSmoothing = 0): Tensor {
  if (model instanceof GPT) {
    if (!('inputs' in batch)) throw new E.MangoError('a language model was handed an image batch', 'train a decoder on token data');
    return model.loss(batch.inputs, batch.targets, labelSmoothing);
  }
  if (!('images' in batch)) throw new E.MangoError('an image model was handed a token batch', 'train a ViT on image data');
  return E.crossEntropy(model.forward(E.fromArray(batch.images, batch.shape)), E.fromArray(batch.labels, [batch.labels.length]), { labelSmoothing });
}
