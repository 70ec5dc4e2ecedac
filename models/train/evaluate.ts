/**
 * A model's metrics on a split (eval mode, no gradients; one small readback per batch): a ViT's top-1
 * accuracy and mean cross-entropy on images, a decoder's next-token accuracy and mean cross-entropy over
 * every target token of the split's evaluation windows.
 */
import * as E from '../../engine/index.ts';
import type { Tensor } from '../../engine/index.ts';
import { evaluationBatches } from '../data/batches.ts';
import type { Dataset } from '../data/dataset.ts';
import { evaluationWindows } from '../data/token-batches.ts';
import type { Model } from '../architecture.ts';
import { GPT } from '../lm/gpt.ts';
import { isTokenSplit, type TokenSplit } from '../lm/token-split.ts';

export interface Evaluation {
  accuracy: number;
  /** mean cross-entropy (no label smoothing), in nats */
  loss: number;
}

/** Data of either family: labelled images, or a token split. */
export type SplitData = Dataset | TokenSplit;

/** Adds each row's cross-entropy and whether its arg-max is the label. */
async function score(logits: Tensor, labels: ArrayLike<number>, classes: number, totals: { correct: number; loss: number }): Promise<void> {
  const values = await logits.data();
  logits.dispose();
  for (let i = 0; i < labels.length; i++) {
    const row = values.subarray(i * classes, (i + 1) * classes);
    let best = 0, max = -Infinity;
    for (let c = 0; c < classes; c++) if (row[c] > max) { max = row[c]; best = c; }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c] - max);
    totals.loss += Math.log(sum) + max - row[labels[i]];
    if (best === labels[i]) totals.correct++;
  }
}

export async function evaluate(model: Model, data: SplitData, batchSize = 256): Promise<Evaluation> {
  const wasTraining = model.training;
  model.eval();
  const totals = { correct: 0, loss: 0 };
  const forward = (fn: () => Tensor) => E.withBackend(model.backend, () => E.noGrad(() => E.tidy(fn)));
  let count = 0;
  if (model instanceof GPT) {
    if (!isTokenSplit(data)) throw new E.MangoError(`a language model cannot be evaluated on the image data ${data.name}`, 'evaluate a decoder on a text split');
    // Windows per batch: at most 32, and at most 2²² logits (16 MiB) at a time, whatever the vocabulary.
    const windows = Math.max(1, Math.min(32, Math.floor(2 ** 22 / (model.config.context * model.config.vocabSize))));
    for (const batch of evaluationWindows(data.tokens, model.config.context, windows, data.evalWindows)) {
      await score(forward(() => model.forward(batch.inputs).reshape([batch.targets.length, model.config.vocabSize])), batch.targets, model.config.vocabSize, totals);
      count += batch.targets.length;
    }
  } else {
    if (isTokenSplit(data)) throw new E.MangoError(`an image model cannot be evaluated on the text split ${data.name}`, 'evaluate a ViT on image data');
    for (const batch of evaluationBatches(data, batchSize)) await score(forward(() => model.forward(E.fromArray(batch.images, batch.shape))), batch.labels, model.config.classes, totals);
    count = data.count;
  }
  model.train(wasTraining);
  return { accuracy: totals.correct / count, loss: totals.loss / count };
}

export async function accuracy(model: Model, data: SplitData, batchSize = 256): Promise<number> {
  return (await evaluate(model, data, batchSize)).accuracy;
}
