/** Evaluation (accuracy and mean cross-entropy) against the engine's own loss; the held-out validation split. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import type { ViTConfig } from '../../models/config.ts';
import { makeBatch } from '../../models/data/batches.ts';
import { holdOut } from '../../models/data/dataset.ts';
import { evaluate } from '../../models/train/evaluate.ts';
import { ViT } from '../../models/vit.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';

await E.setBackend('cpu');
const config: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 1, heads: 2, mlpRatio: 2, classes: 4, dropout: 0, dropPath: 0 };

test('evaluate: accuracy from the argmax and loss equal to crossEntropy on the same logits (batches of any size)', async () => {
  const data = syntheticDataset(37, 3);
  const model = new ViT(config, { seed: 4 }).eval();
  const batch = makeBatch(data, Array.from({ length: data.count }, (_, i) => i));
  const logits = E.noGrad(() => model.forward(E.fromArray(batch.images, batch.shape)));
  const loss = E.crossEntropy(logits, E.fromArray(batch.labels, [batch.labels.length])).dataSync()[0];
  const values = logits.dataSync();
  let correct = 0;
  for (let i = 0; i < data.count; i++) {
    const row = Array.from(values.subarray(i * 4, i * 4 + 4));
    if (row.indexOf(Math.max(...row)) === batch.labels[i]) correct++;
  }
  const result = await evaluate(model, data, 10);
  assert.is(result.accuracy, correct / data.count);
  assert.ok(Math.abs(result.loss - loss) < 1e-5, `${result.loss} vs ${loss}`);
});

test('holdOut: a fixed, disjoint draw; the rest keep their order; a bad size is a typed error', () => {
  const data = syntheticDataset(50, 2);
  const size = 28 * 28;
  const a = holdOut(data, 10), b = holdOut(data, 10);
  assert.is(a.train.count, 40);
  assert.is(a.validation.count, 10);
  assert.equal([...a.validation.labels], [...b.validation.labels]);
  assert.equal([...a.validation.pixels], [...b.validation.pixels]);
  const key = (d: typeof data, i: number) => d.pixels.subarray(i * size, (i + 1) * size).join();
  const all = new Map(Array.from({ length: data.count }, (_, i) => [key(data, i), i]));
  const trainIndices = Array.from({ length: 40 }, (_, i) => all.get(key(a.train, i))!);
  const validationIndices = Array.from({ length: 10 }, (_, i) => all.get(key(a.validation, i))!);
  assert.equal(trainIndices, [...trainIndices].sort((x, y) => x - y), 'training images keep their order');
  assert.is(new Set([...trainIndices, ...validationIndices]).size, 50, 'disjoint and complete');
  assert.throws(() => holdOut(data, 50), /validation split of 50 needs 1 to 49/);
});

test.run();
