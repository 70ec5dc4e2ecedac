/**
 * Text generation: greedy decoding is the arg-max of a manual forward over the sliding window, a seed fixes
 * the sample, top-k keeps to the k most likely tokens, a decoder trained on a cycle continues it, and bad
 * input is refused with the fix.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { MangoError } from '../../engine/index.ts';
import { generate } from '../../models/lm/generate.ts';
import { GPT } from '../../models/lm/gpt.ts';
import type { GPTConfig } from '../../models/lm/gpt-config.ts';
import { AdamW } from '../../models/optim/optimizer.ts';
import { trainStep } from '../../models/train/step.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const tiny: GPTConfig = { vocabSize: 23, context: 8, dim: 16, depth: 2, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
const prompt = [3, 7, 1, 22, 0];

/** The last position's logits of a forward over the last `context` tokens. */
function lastLogits(model: GPT, tokens: number[]): Float32Array {
  const window = tokens.slice(-model.config.context);
  const logits = E.noGrad(() => model.forward({ ids: window, batch: 1, length: window.length })).dataSync();
  return logits.subarray((window.length - 1) * model.config.vocabSize);
}

const argMax = (values: Float32Array) => values.indexOf(Math.max(...values));

test('greedy: each token is the arg-max of a manual forward over the last context tokens, past the context', async () => {
  const model = new GPT(tiny, { seed: 1 });
  const generated = await generate(model, prompt, { maxTokens: 12, temperature: 0 });
  assert.is(generated.length, 12);
  const tokens = [...prompt];
  for (const id of generated) {
    assert.is(id, argMax(lastLogits(model, tokens)), `token ${tokens.length}`);
    tokens.push(id);
  }
});

test('a seed fixes the sample; different seeds give different text; topK 1 is greedy', async () => {
  const model = new GPT(tiny, { seed: 2 });
  const sampled = (seed: number, topK?: number) => generate(model, prompt, { maxTokens: 24, temperature: 1, seed, topK });
  assert.equal(await sampled(7), await sampled(7));
  assert.not.equal(await sampled(7), await sampled(8));
  assert.equal(await sampled(9, 1), await generate(model, prompt, { maxTokens: 24, temperature: 0 }));
});

test('topK: every sampled token is among the k most likely of its step', async () => {
  const model = new GPT(tiny, { seed: 3 });
  const generated = await generate(model, prompt, { maxTokens: 16, temperature: 2, topK: 3, seed: 4 });
  const tokens = [...prompt];
  for (const id of generated) {
    const logits = lastLogits(model, tokens);
    const third = [...logits].sort((a, b) => b - a)[2];
    assert.ok(logits[id] >= third, `token ${tokens.length} (${id}) is in the top 3`);
    tokens.push(id);
  }
});

test('a prompt longer than the context is read through its last context tokens', async () => {
  const model = new GPT(tiny, { seed: 4 });
  const long = Array.from({ length: 20 }, (_, i) => (i * 5) % tiny.vocabSize);
  assert.equal(await generate(model, long, { maxTokens: 4, temperature: 0 }), await generate(model, long.slice(-tiny.context), { maxTokens: 4, temperature: 0 }));
});

test('generation runs in eval mode, restores the mode and frees every tensor it made', async () => {
  const model = new GPT({ ...tiny, dropout: 0.5 }, { seed: 5 });
  const before = E.memoryStats().liveStorages;
  const first = await generate(model, prompt, { maxTokens: 6, temperature: 0 });
  assert.equal(await generate(model, prompt, { maxTokens: 6, temperature: 0 }), first, 'no dropout');
  assert.is(model.training, true);
  assert.is(E.memoryStats().liveStorages, before);
});

test('a decoder trained a few dozen steps on the cycle 0…9 continues it greedily, past its context, and stops at stopAt', async () => {
  const config: GPTConfig = { vocabSize: 16, context: 16, dim: 32, depth: 1, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
  const model = new GPT(config, { seed: 6 });
  const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0 });
  const cycle = (start: number, length: number) => Array.from({ length }, (_, i) => (start + i) % 10);
  const random = new E.Random(7);
  const batch = 8;
  let loss = Infinity;
  for (let step = 0; step < 60; step++) {
    const windows = Array.from({ length: batch }, () => cycle(random.int(10), config.context + 1));
    const inputs = { ids: windows.flatMap((w) => w.slice(0, -1)), batch, length: config.context };
    const targets = windows.flatMap((w) => w.slice(1));
    loss = await trainStep({ backend: model.backend, loss: () => model.loss(inputs, targets), optimizer, params: () => model.parameters(), lr: 1e-2 });
  }
  assert.ok(loss < 0.1, `trained (loss ${loss})`);
  assert.equal(await generate(model, [3, 4, 5], { maxTokens: 30, temperature: 0 }), cycle(6, 30));
  assert.equal(await generate(model, [5, 6, 7], { maxTokens: 30, temperature: 0, stopAt: 0 }), [8, 9]);
  optimizer.dispose();
  model.dispose();
});

const gpu = await poisonedGpuBackend();
if (gpu) {
  test('webgpu: the same tokens as the CPU backend for the same weights and seed, every tensor freed', async () => {
    const cpuModel = new GPT(tiny, { seed: 9 });
    const gpuModel = new GPT(tiny, { seed: 9, backend: gpu });
    gpuModel.loadState(await cpuModel.state());
    const before = E.memoryStats().liveStorages;
    for (const options of [{ maxTokens: 12, temperature: 0 }, { maxTokens: 12, temperature: 1, topK: 5, seed: 3 }]) {
      assert.equal(await generate(gpuModel, prompt, options), await generate(cpuModel, prompt, options), JSON.stringify(options));
    }
    assert.is(E.memoryStats().liveStorages, before);
    gpuModel.dispose();
  });
}

test('bad input: a clear MangoError with the fix', async () => {
  const model = new GPT(tiny, { seed: 8 });
  const cases: [number[], Parameters<typeof generate>[2], RegExp][] = [
    [[], { maxTokens: 1 }, /the prompt is empty[\s\S]*fix: start from the tokenizer's document separator/],
    [[1, 23], { maxTokens: 1 }, /prompt token id 23 at position 1 is not in the vocabulary of 23/],
    [[1, -2], { maxTokens: 1 }, /prompt token id -2/],
    [prompt, { maxTokens: 0 }, /maxTokens must be an integer ≥ 1 \(got 0\)/],
    [prompt, { maxTokens: 2.5 }, /maxTokens must be an integer ≥ 1/],
    [prompt, { maxTokens: 1, temperature: -0.1 }, /temperature must be a finite number ≥ 0 \(got -0.1\)/],
    [prompt, { maxTokens: 1, temperature: NaN }, /temperature must be a finite number/],
    [prompt, { maxTokens: 1, topK: 0 }, /topK must be an integer ≥ 1 \(got 0\)/],
    [prompt, { maxTokens: 1, topK: 1.5 }, /topK must be an integer ≥ 1 \(got 1.5\)/],
    [prompt, { maxTokens: 1, stopAt: 23 }, /stopAt 23 is not a token id of the vocabulary of 23/],
  ];
  for (const [ids, options, message] of cases) {
    try {
      await generate(model, ids, options);
      assert.unreachable(`${message} was not thrown`);
    } catch (error) {
      assert.instance(error, MangoError);
      assert.match((error as Error).message, message);
    }
  }
});

test.run();
