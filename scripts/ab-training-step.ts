/**
 * In-process A/B of two engine settings on a model's training step, alternating every few steps (this
 * machine's speed drifts by ±25 % over minutes; only interleaved comparisons hold).
 *   node --import tsx scripts/ab-training-step.ts <comparison> [config[:batch] ...]
 * comparisons: `attention` (fused kernel vs GEMM → masked softmax → GEMM, default configs the LM presets at
 * batch 64) and `matmul` (the subgroup matmul design vs the register one, default fmnist-d64-l4:128,
 * fmnist-d128-l8:128 and lm-d64-l4:32). Prints the median of the round medians per setting.
 */
import * as E from '../engine/index.ts';
import { withFlags, type Flags } from '../engine/flags.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { createModel } from '../models/architecture.ts';
import { resolveConfig } from '../models/config.ts';
import { gptPresets, isGPTConfig, resolveGPTConfig } from '../models/lm/gpt-config.ts';
import { randomBatch, randomTokens } from '../bench/lib/random-batch.ts';
import { trainStep } from '../bench/lib/train-step.ts';

type Settings = Partial<Flags>;
const comparisons: Record<string, { a: [string, Settings]; b: [string, Settings]; configs: string[] }> = {
  attention: {
    a: ['fused', { fusedAttentionMaxKeys: 1 << 30, fusedCausalAttentionMaxKeys: 1 << 30 }],
    b: ['GEMM route', { fusedAttentionMaxKeys: 0, fusedCausalAttentionMaxKeys: 0 }],
    configs: ['lm-d16-l4:64', 'lm-d32-l4:64', 'lm-d64-l4:64'],
  },
  matmul: {
    a: ['subgroup', { matmulDesign: 'subgroup' }],
    b: ['register', { matmulDesign: 'register' }],
    configs: ['fmnist-d64-l4:128', 'fmnist-d128-l8:128', 'lm-d64-l4:32'],
  },
};
const [name = 'attention', ...requested] = process.argv.slice(2);
const comparison = comparisons[name];
if (!comparison) throw new Error(`unknown comparison ${name}: one of ${Object.keys(comparisons).join(', ')}`);
const rounds = 6;
const stepsPerRound = 4;
const gpu = await openWebGpuBackend();
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

for (const spec of requested.length ? requested : comparison.configs) {
  const [configName, batchText] = spec.split(':');
  const config = configName in gptPresets ? resolveGPTConfig(configName) : resolveConfig(configName);
  const batchSize = Number(batchText ?? 64);
  const model = createModel(config, { seed: 0, backend: gpu });
  const training = trainStep(model, isGPTConfig(config) ? randomTokens(config, batchSize) : randomBatch(config, batchSize));
  const settings = [comparison.a, comparison.b];
  const times = settings.map((): number[] => []);
  for (const [, flags] of settings) await withFlags(flags, async () => { await training.step(); await training.step(); });
  let aFaster = 0;
  for (let round = 0; round < rounds; round++) {
    const roundMedians = [];
    for (const [i, [, flags]] of settings.entries()) {
      const ms: number[] = [];
      await withFlags(flags, async () => {
        for (let s = 0; s < stepsPerRound; s++) {
          const t0 = performance.now();
          await training.step();
          ms.push(performance.now() - t0);
        }
      });
      roundMedians.push(median(ms));
      times[i].push(median(ms));
    }
    if (roundMedians[0] < roundMedians[1]) aFaster++;
  }
  const [a, b] = times.map(median);
  console.log(`${configName}, batch ${batchSize}: ${comparison.a[0]} ${a.toFixed(0)} ms/step, ${comparison.b[0]} ${b.toFixed(0)} ms/step `
    + `(median of ${rounds} round medians), ${comparison.b[0]}/${comparison.a[0]} ${(b / a).toFixed(2)}×, ${comparison.a[0]} faster in ${aFaster} of ${rounds} rounds`);
  training.dispose();
  model.dispose();
}
closeSharedRuntime();
