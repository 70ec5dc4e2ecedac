/**
 * The pretrained source shipped in pretrained/: timm names, its recipe and accuracy in the metadata, and that
 * accuracy reproduced on the 10 000 Fashion-MNIST test images (CPU backend: an oracle independent of the GPU
 * backend that trained it; a few borderline images may round the other way).
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { loadViTWeights } from '../../models/checkpoint/weights.ts';
import { presets } from '../../models/config.ts';
import { holdOut, loadFashionMnist } from '../../models/data/dataset.ts';
import { evaluate } from '../../models/train/evaluate.ts';
import { ViT } from '../../models/vit.ts';

const path = fileURLToPath(new URL('../../pretrained/fmnist-d16-l4.safetensors', import.meta.url));

test('pretrained/fmnist-d16-l4.safetensors: recipe and accuracy recorded, and reproduced on the full test set', async () => {
  const weights = loadViTWeights(path);
  assert.is(weights.configSource, 'metadata');
  assert.equal(weights.config, presets['fmnist-d16-l4']);
  const recipe = JSON.parse(weights.metadata.recipe);
  assert.is(recipe.validation, 5000, 'trained without the validation split');
  assert.match(weights.metadata.command, /^mango train --config fmnist-d16-l4 --validation 5000 /);
  assert.is(weights.metadata.testImages, '10000');
  const recorded = { test: Number(weights.metadata.testAccuracy), validation: Number(weights.metadata.validationAccuracy) };
  const backend = await E.setBackend('cpu');
  const model = new ViT(weights.config, { backend });
  model.loadState(weights.tensors);
  const data = loadFashionMnist();
  const measured = { test: (await evaluate(model, data.test)).accuracy, validation: (await evaluate(model, holdOut(data.train, 5000).validation)).accuracy };
  assert.ok(Math.abs(measured.test - recorded.test) <= 5e-4, `test ${measured.test} vs recorded ${recorded.test}`);
  assert.ok(Math.abs(measured.validation - recorded.validation) <= 1e-3, `validation ${measured.validation} vs recorded ${recorded.validation}`);
  assert.ok(measured.test > 0.85, 'a converged source');
});

test.run();
