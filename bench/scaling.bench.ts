/**
 * `npm run bench:scaling`: does the time grow as the analytic cost does? Square matmul from 128² to 2048²
 * (2n³ FLOPs) and Mango materialisation for targets from d64 to d768 at ranks 1 and 2 (the spec's Order-B
 * MAC count). Each row reports seconds, the analytic count, and seconds per analytic GFLOP relative to the
 * largest case of its family: a flat column means the cost grows as the analytic count (small cases pay
 * a fixed dispatch overhead on top). Writes bench/results/scaling.{json,md}.
 */
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import type { ViTConfig } from '../models/config.ts';
import { ViT } from '../models/vit.ts';
import { grow } from '../growth/grow.ts';
import { report, type Row } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const gpu = await openWebGpuBackend();
const runtime = gpu.runtime;
const device = `${runtime.dawn.adapter.description} (${runtime.dawn.adapter.vendor}/${runtime.dawn.adapter.architecture})`;

async function bestSeconds(work: () => void, reps: number): Promise<number> {
  work();
  await E.tuneKernels(gpu);
  await runtime.sync();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    work();
    await runtime.sync();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

interface Point { family: string; size: string; flops: number; seconds: number }
const points: Point[] = [];

for (const n of quick ? [128, 256, 512, 1024] : [128, 256, 512, 1024, 1536, 2048]) {
  const a = E.randn([n, n], { backend: gpu }).keep(), b = E.randn([n, n], { backend: gpu }).keep();
  const repsPerSample = Math.max(1, Math.round(1e8 / (2 * n ** 3)));
  const seconds = await bestSeconds(() => E.withBackend(gpu, () => E.tidy(() => { for (let r = 0; r < repsPerSample; r++) a.matmul(b); })), 3) / repsPerSample;
  points.push({ family: 'matmul', size: `${n}²`, flops: 2 * n ** 3, seconds });
  console.log(`matmul ${n}²: ${(seconds * 1e3).toFixed(2)} ms`);
  a.dispose();
  b.dispose();
}

const base: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 32, depth: 4, heads: 1, mlpRatio: 4, classes: 10, dropout: 0, dropPath: 0 };
for (const rank of [1, 2]) {
  for (const dim of quick ? [32, 64, 128] : [32, 64, 128, 256, 384]) {
    const source = new ViT({ ...base, dim, heads: dim / 32 }, { seed: 0, backend: gpu });
    const { target, operator, mango } = await grow(source, { ...base, dim: 2 * dim, depth: 8, heads: dim / 16 }, 'mango', { rank, seed: 0 });
    const seconds = await bestSeconds(() => operator!.materialize(), 2);
    points.push({ family: `Mango materialize R=${rank}`, size: `d${dim}·L4 → d${2 * dim}·L8`, flops: 2 * mango!.macs('B'), seconds });
    console.log(`Mango R=${rank} d${dim} → d${2 * dim}: ${seconds.toFixed(3)} s`);
    operator!.dispose();
    target.dispose();
    source.dispose();
  }
}

const rows: Row[] = points.map((p) => {
  const largest = points.filter((q) => q.family === p.family).at(-1)!;
  const perGflop = (q: Point) => q.seconds / (q.flops / 1e9);
  return {
    family: p.family, size: p.size, 'analytic GFLOP': p.flops / 1e9, seconds: p.seconds, 'GFLOP/s': p.flops / p.seconds / 1e9,
    's per GFLOP ÷ largest case': perGflop(p) / perGflop(largest),
  };
});
report('scaling', 'Scaling: time vs analytic cost (matmul, Mango materialisation)', device, rows, [
  'The last column is the time per analytic GFLOP relative to the largest case of the same family: ≈1 means the time grows as the analytic count; values above 1 at small sizes are fixed per-dispatch costs.',
  'Mango: source d·L4 (head dim 32) → target 2d·L8, the spec\'s Order-B MACs × 2 (materialisation contracts per target layer).',
]);
closeSharedRuntime();
process.exit(0);
