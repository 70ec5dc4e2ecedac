/**
 * The pretrained language-model source shipped in pretrained/: its recipe and losses in the metadata, and
 * its test and validation losses reproduced on the whole Austen test and validation splits (CPU backend: an
 * oracle independent of the GPU backend that trained it).
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { loadTextData } from '../../cli/text-data.ts';
import { loadGPTWeights } from '../../models/lm/gpt-weights.ts';
import { gptPresets } from '../../models/lm/gpt-config.ts';
import { GPT } from '../../models/lm/gpt.ts';
import { evaluate } from '../../models/train/evaluate.ts';

const backend = await E.setBackend('cpu');
const preset = 'lm-d16-l4';
const path = fileURLToPath(new URL(`../../pretrained/${preset}.safetensors`, import.meta.url));

test(`pretrained/${preset}.safetensors: recipe and losses recorded, and reproduced on the whole test and validation splits`, async () => {
  const weights = loadGPTWeights(path);
  assert.equal(weights.config, gptPresets[preset]);
  const recipe = JSON.parse(weights.metadata.recipe);
  assert.is(recipe.data, 'austen');
  assert.match(weights.metadata.command, new RegExp(`^mango train --config ${preset} `));
  const data = await loadTextData({ name: 'austen', model: weights.config });
  const windows = (split: { tokens: ArrayLike<number> }) => Math.floor((split.tokens.length - 1) / weights.config.context) * weights.config.context;
  assert.is(Number(weights.metadata.testTokens), windows(data.test), 'evaluated on every test window');
  assert.is(Number(weights.metadata.validationTokens), windows(data.validation), 'and every validation window');
  const model = new GPT(weights.config, { backend });
  model.loadState(weights.tensors);
  const measured = { test: (await evaluate(model, data.test)).loss, validation: (await evaluate(model, data.validation)).loss };
  const recorded = { test: Number(weights.metadata.testLoss), validation: Number(weights.metadata.validationLoss) };
  assert.ok(Math.abs(measured.test - recorded.test) <= 1e-4, `test loss ${measured.test} vs recorded ${recorded.test}`);
  assert.ok(Math.abs(measured.validation - recorded.validation) <= 1e-4, `validation loss ${measured.validation} vs recorded ${recorded.validation}`);
  assert.ok(measured.test < 2.3, 'a trained source (a uniform byte model scores ln 256 = 5.55)');
  model.dispose();
});

test.run();
