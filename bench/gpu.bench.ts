/**
 * `npm run bench:gpu [-- --quick] [-- --batch N] [-- --peak-tflops X]`: the checks for a real GPU, in one
 * short run (see bench/GPU.md for taking it to a lent machine):
 *  - square f32 matmul (4096²; 512² with --quick) in GFLOP/s and as a share of the card's FP32 peak;
 *  - a ViT-B/16 training step (DeiT-Base, 224², batch 32 by default; a two-block stand-in with --quick):
 *    ms/step and images/s, and the GPU time per kernel from timestamp queries;
 *  - attention's share of that step: self-attention forward + backward on the step's shapes, timed alone,
 *    × depth, over the step time.
 * Writes bench/results/gpu{,-quick}.{json,md}.
 */
import { parseArgs } from 'node:util';
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { resolveConfig, type ViTConfig } from '../models/config.ts';
import { ViT } from '../models/vit.ts';
import { randomBatch } from './lib/random-batch.ts';
import { report, type Row } from './lib/report.ts';
import { trainStep } from './lib/train-step.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    batch: { type: 'string' },
    'peak-tflops': { type: 'string' },
  },
});
const quick = values.quick!;
const gpu = await openWebGpuBackend();
const runtime = gpu.runtime;
const adapter = runtime.dawn.adapter;
const device = `${adapter.description} (${adapter.vendor}/${adapter.architecture})`;
console.log(`device: ${device}`);

/** Published dense FP32 (non-tensor-core) peaks, TFLOP/s, by adapter name. */
const fp32Peaks: [RegExp, number][] = [
  [/H100.*PCIe/i, 51.2], [/H100|H200|GH200/i, 66.9], [/A100/i, 19.5], [/L40S/i, 91.6], [/L4\b/i, 30.3],
  [/RTX 4090/i, 82.6], [/RTX 3090/i, 35.6], [/A10\b/i, 31.2], [/T4\b/i, 8.1], [/V100/i, 15.7],
];
const peakTflops = values['peak-tflops'] ? Number(values['peak-tflops']) : fp32Peaks.find(([name]) => name.test(adapter.description))?.[1];

/** Median seconds of `samples` runs of `work` (each ending in a GPU sync), after `warmup` runs. */
async function timeIt(work: () => Promise<void>, samples: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await work();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[samples >> 1]!;
}

const rows: Row[] = [];
const notes: string[] = [];

// 1. Square matmul: 8 products per sample so launch and readback latency amortise.
const n = quick ? 512 : 4096;
const perSample = 8;
const a = E.randn([n, n], { backend: gpu }).keep();
const b = E.randn([n, n], { backend: gpu }).keep();
const products = async () => {
  E.withBackend(gpu, () => E.tidy(() => { for (let i = 0; i < perSample; i++) a.matmul(b); }));
  await runtime.sync();
};
await products();
const tuned = await E.tuneKernels(gpu);
if (tuned) notes.push(`matmul autotuning: ${tuned.tuned} shapes in ${tuned.seconds.toFixed(1)} s.`);
const matmulSeconds = (await timeIt(products, quick ? 3 : 10)) / perSample;
const matmulTflops = 2 * n ** 3 / matmulSeconds / 1e12;
a.dispose();
b.dispose();
rows.push({
  check: `matmul ${n}×${n}×${n} f32`, result: `${(matmulTflops * 1000).toFixed(1)} GFLOP/s`,
  'share of FP32 peak': peakTflops ? `${(100 * matmulTflops / peakTflops).toFixed(1)} % of ${peakTflops} TFLOP/s` : 'peak unknown (pass --peak-tflops)',
  goal: quick ? '—' : '≥ 35 % of FP32 peak',
  met: quick || !peakTflops ? '—' : matmulTflops / peakTflops >= 0.35 ? 'met' : 'NOT met',
});

// 2. ViT-B/16 training step (forward, label-smoothed loss, backward, clipping, AdamW, loss readback).
const base = resolveConfig('deit-base');
const config: ViTConfig = quick ? { ...base, imageSize: 32, depth: 2, dim: 96, heads: 3 } : base;
const batchSize = Number(values.batch ?? (quick ? 4 : 32));
const model = new ViT(config, { seed: 0, backend: gpu });
const batch = randomBatch(config, batchSize);
const training = trainStep(model, batch);
await training.step();
const stepTuned = await E.tuneKernels(gpu);
if (stepTuned) notes.push(`step autotuning: ${stepTuned.tuned} matmul shapes in ${stepTuned.seconds.toFixed(1)} s.`);
const stepSeconds = await timeIt(async () => { await training.step(); }, quick ? 3 : 8);
let kernels: Awaited<ReturnType<typeof runtime.profile>> = [];
try {
  kernels = await runtime.profile(async () => { await training.step(); });
} catch (error) {
  notes.push(`No per-kernel profile: ${(error as Error).message}.`);
}
const gpuMs = kernels.reduce((s, k) => s + k.milliseconds, 0);
const dispatches = kernels.reduce((s, k) => s + k.count, 0);
const name = quick ? `ViT stand-in (d${config.dim}·L${config.depth}·h${config.heads}, ${config.imageSize}², patch ${config.patchSize})` : 'ViT-B/16 (DeiT-Base, 224²)';
rows.push({
  check: `${name} training step, batch ${batchSize}`, result: `${(stepSeconds * 1000).toFixed(1)} ms/step, ${(batchSize / stepSeconds).toFixed(1)} img/s`,
  'share of FP32 peak': '', goal: 'numbers reported', met: '—',
});

// 3. Attention's share: self-attention forward + backward on the step's shapes, alone, × depth.
const tokens = (config.imageSize / config.patchSize) ** 2 + 1;
const qkv = E.randn([batchSize, tokens, 3 * config.dim], { backend: gpu }).keep().requireGrad();
const attention = async () => {
  E.withBackend(gpu, () => {
    E.tidy(() => E.selfAttention(qkv, config.heads).sum().backward());
    qkv.grad?.dispose();
    qkv.grad = null;
  });
  await runtime.sync();
};
const attentionSeconds = await timeIt(attention, quick ? 3 : 10);
qkv.dispose();
rows.push({
  check: `attention share of the step (T = ${tokens}, ${config.heads} heads, d ${config.dim / config.heads})`,
  result: `${(100 * attentionSeconds * config.depth / stepSeconds).toFixed(1)} % (${(attentionSeconds * 1000).toFixed(2)} ms × ${config.depth} blocks)`,
  'share of FP32 peak': '', goal: 'numbers reported', met: '—',
});

if (kernels.length) notes.push(`Profiled step (timestamp queries, one pass per dispatch): ${gpuMs.toFixed(1)} ms GPU in ${dispatches} dispatches. Top kernels:`);
for (const k of kernels.sort((x, y) => y.milliseconds - x.milliseconds).slice(0, 12)) {
  notes.push(`- ${k.key}: ${k.milliseconds.toFixed(2)} ms (${(100 * k.milliseconds / gpuMs).toFixed(1)} %, ×${k.count})`);
}
training.dispose();
model.dispose();
report(quick ? 'gpu-quick' : 'gpu', 'GPU checks: matmul share of peak, ViT-B/16 training step, attention share', device, rows, notes);
closeSharedRuntime();
process.exit(0);
