/**
 * In-process A/B of the attention route on a decoder's training step: the fused kernel (one invocation
 * per query, causal loops shortened) against GEMM → masked softmax → GEMM, alternating every few steps
 * (this machine's speed drifts by ±25 % over minutes; only interleaved comparisons hold).
 * `node --import tsx scripts/ab-attention-route.ts [config ...]` (default lm-d16-l4 lm-d32-l4 lm-d64-l4), batch 64.
 */
import * as E from '../engine/index.ts';
import { withFlags } from '../engine/flags.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { resolveGPTConfig } from '../models/lm/gpt-config.ts';
import { GPT } from '../models/lm/gpt.ts';
import { randomTokens } from '../bench/lib/random-batch.ts';
import { trainStep } from '../bench/lib/train-step.ts';

const configs = process.argv.slice(2).length ? process.argv.slice(2) : ['lm-d16-l4', 'lm-d32-l4', 'lm-d64-l4'];
const batchSize = 64;
const rounds = 6;
const stepsPerRound = 4;
const gpu = await openWebGpuBackend();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const name of configs) {
  const config = resolveGPTConfig(name);
  const model = new GPT(config, { seed: 0, backend: gpu });
  const training = trainStep(model, randomTokens(config, batchSize));
  const routes = { fused: { fusedAttentionMaxKeys: 1 << 30, fusedCausalAttentionMaxKeys: 1 << 30 }, gemm: { fusedAttentionMaxKeys: 0, fusedCausalAttentionMaxKeys: 0 } };
  const times: Record<keyof typeof routes, number[]> = { fused: [], gemm: [] };
  for (const flags of Object.values(routes)) await withFlags(flags, async () => { await training.step(); await training.step(); });
  await E.tuneKernels(gpu);
  let fusedFaster = 0;
  for (let round = 0; round < rounds; round++) {
    const roundMedian: Record<string, number> = {};
    for (const [route, flags] of Object.entries(routes) as [keyof typeof routes, Record<string, number>][]) {
      const ms: number[] = [];
      await withFlags(flags, async () => {
        for (let i = 0; i < stepsPerRound; i++) {
          const t0 = performance.now();
          await training.step();
          ms.push(performance.now() - t0);
        }
      });
      roundMedian[route] = median(ms);
      times[route].push(roundMedian[route]);
    }
    if (roundMedian.fused < roundMedian.gemm) fusedFaster++;
  }
  const [fused, gemm] = [median(times.fused), median(times.gemm)];
  console.log(`${name} (context ${config.context}, head dim ${config.dim / config.heads}), batch ${batchSize}: fused ${fused.toFixed(0)} ms/step, GEMM route ${gemm.toFixed(0)} ms/step `
    + `(median of ${rounds} round medians), GEMM/fused ${(gemm / fused).toFixed(2)}×, fused faster in ${fusedFaster} of ${rounds} rounds`);
  training.dispose();
}
closeSharedRuntime();
