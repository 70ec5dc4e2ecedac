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

const backend = await E.setBackend('cpu');
const data = loadFashionMnist();
const validationSplit = holdOut(data.train, 5000).validation;

for (const preset of ['fmnist-d16-l4', 'fmnist-d16-l2']) {
  const path = fileURLToPath(new URL(`../../pretrained/${preset}.safetensors`, import.meta.url));
  test(`pretrained/${preset}.safetensors: recipe and accuracy recorded, and reproduced on the full test set`, async () => {
    const weights = loadViTWeights(path);
    assert.is(weights.configSource, 'metadata');
    assert.equal(weights.config, presets[preset]);
    const recipe = JSON.parse(weights.metadata.recipe);
    assert.is(recipe.validation, 5000, 'trained without the validation split');
    assert.match(weights.metadata.command, new RegExp(`^mango train --config ${preset} --validation 5000 `));
    assert.is(weights.metadata.testImages, '10000');
    const recorded = { test: Number(weights.metadata.testAccuracy), validation: Number(weights.metadata.validationAccuracy) };
    const model = new ViT(weights.config, { backend });
    model.loadState(weights.tensors);
    const measured = { test: (await evaluate(model, data.test)).accuracy, validation: (await evaluate(model, validationSplit)).accuracy };
    assert.ok(Math.abs(measured.test - recorded.test) <= 5e-4, `test ${measured.test} vs recorded ${recorded.test}`);
    assert.ok(Math.abs(measured.validation - recorded.validation) <= 1e-3, `validation ${measured.validation} vs recorded ${recorded.validation}`);
    assert.ok(measured.test > 0.84, 'a converged source');
    model.dispose();
  });
}

test.run();
