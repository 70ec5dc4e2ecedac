/**
 * `npm run profile -- [config] [batch]`: GPU time per kernel of one training step (forward, backward,
 * clipping, AdamW) from timestamp queries, plus dispatch count and wall time. Profile before tuning.
 */
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { resolveConfig } from '../models/config.ts';
import { makeBatch } from '../models/data/batches.ts';
import { trainStep } from '../bench/lib/train-step.ts';
import { ViT } from '../models/vit.ts';
import { syntheticDataset } from '../tests/helpers/synthetic.ts';

const [configName = 'fmnist-d64-l4', batchText = '128'] = process.argv.slice(2);
const batchSize = Number(batchText);
const config = resolveConfig(configName);
const gpu = await openWebGpuBackend();
const model = new ViT(config, { seed: 0, backend: gpu });
const data = syntheticDataset(batchSize, 1, config.imageSize, config.classes);
const training = trainStep(model, makeBatch(data, Array.from({ length: batchSize }, (_, i) => i)));
const step = async () => { await training.step(); };

await step();
const tuning = await E.tuneKernels(gpu);   // what the trainer does after its first step (MANGO_AUTOTUNE=0: off)
if (tuning) console.log(`autotuned ${tuning.tuned} matmul shapes in ${tuning.seconds.toFixed(1)} s (mean estimated speed-up ${tuning.speedup.toFixed(2)}×)`);
for (let i = 0; i < 2; i++) await step();
let wall = Infinity;
let wallTotal = 0;
const cpu0 = process.cpuUsage();
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await step();
  wall = Math.min(wall, performance.now() - t0);
  wallTotal += performance.now() - t0;
}
// Process CPU (main thread + the driver's shader threads): on a software adapter, main-thread time spent
// waiting or encoding is time the shaders do not get.
const cpu = process.cpuUsage(cpu0);
const cpuPerStep = (cpu.user + cpu.system) / 1000 / 3;
const kernels = await gpu.runtime.profile(step);
const total = kernels.reduce((s, k) => s + k.milliseconds, 0);
const dispatches = kernels.reduce((s, k) => s + k.count, 0);
console.log(`${configName}, batch ${batchSize}: wall ${wall.toFixed(0)} ms/step (${(batchSize / wall * 1000).toFixed(0)} img/s) unprofiled; GPU ${total.toFixed(0)} ms in ${dispatches} dispatches (profiled: one pass per dispatch)`);
console.log(`process CPU ${cpuPerStep.toFixed(0)} ms/step (${(cpuPerStep / (wallTotal / 3)).toFixed(2)} cores busy on average)`);
for (const k of kernels.sort((a, b) => b.milliseconds - a.milliseconds).slice(0, 25)) {
  console.log(`${k.milliseconds.toFixed(1).padStart(8)} ms ${(100 * k.milliseconds / total).toFixed(1).padStart(5)}% ×${String(k.count).padStart(4)}  ${k.key}`);
}
training.dispose();
model.dispose();
closeSharedRuntime();
process.exit(0);
