/**
 * `npm run bench:growth`: the Mango operator's materialisation and one operator training step —
 * factored vs the dense map S where S still fits, and factored alone at DeiT-S → DeiT-B dims (R = 1, 2,
 * 4) — with time, achieved GFLOP/s against the analytic count, the ratio to the device's floor (the
 * analytic FLOPs at the matmul rate measured in the same run) and peak memory from the engine's counter.
 * Writes bench/results/growth.{json,md}. `--quick` skips the DeiT rows above R = 1.
 */
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { presets, type ViTConfig } from '../models/config.ts';
import { ViT } from '../models/vit.ts';
import { grow } from '../growth/grow.ts';
import { packLayers } from '../growth/pack.ts';
import { syntheticDataset } from '../tests/helpers/synthetic.ts';
import { denseApply, denseMap } from './lib/dense-mango.ts';
import { report, type Row } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const gpu = await openWebGpuBackend();
const runtime = gpu.runtime;
const device = `${runtime.dawn.adapter.description} (${runtime.dawn.adapter.vendor}/${runtime.dawn.adapter.architecture})`;

async function seconds(work: () => void | Promise<void>, reps = 1): Promise<number> {
  await work();
  await E.tuneKernels(gpu);
  await runtime.sync();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await work();
    await runtime.sync();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

// The device's matmul rate on a large square problem: the "floor" divides analytic FLOPs by it.
const a = E.randn([1024, 1024], { backend: gpu }).keep(), b = E.randn([1024, 1024], { backend: gpu }).keep();
const matmulRate = (2 * 1024 ** 3) / (await seconds(() => { E.withBackend(gpu, () => E.tidy(() => { a.matmul(b); })); }, 2));
console.log(`device matmul rate: ${(matmulRate / 1e9).toFixed(2)} GFLOP/s`);

const tinyBase: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 8, depth: 2, heads: 2, mlpRatio: 4, classes: 10, dropout: 0, dropPath: 0 };
const cases: { name: string; source: ViTConfig; target: ViTConfig; rank: number; dense: boolean; trainStep: boolean }[] = [
  { name: 'tiny d8·L2 → d16·L3', source: tinyBase, target: { ...tinyBase, dim: 16, depth: 3, heads: 4 }, rank: 1, dense: true, trainStep: true },
  { name: 'tiny d8·L2 → d16·L3', source: tinyBase, target: { ...tinyBase, dim: 16, depth: 3, heads: 4 }, rank: 2, dense: true, trainStep: true },
  { name: 'CPU-scale d64·L4 → d128·L8', source: presets['fmnist-d64-l4'], target: presets['fmnist-d128-l8'], rank: 1, dense: false, trainStep: true },
  { name: 'CPU-scale d64·L4 → d128·L8', source: presets['fmnist-d64-l4'], target: presets['fmnist-d128-l8'], rank: 4, dense: false, trainStep: true },
  ...[1, 2, 4].filter((r) => !quick || r === 1).map((rank) => ({ name: 'DeiT-S → DeiT-B', source: presets['deit-small'], target: presets['deit-base'], rank, dense: false, trainStep: false })),
];

const rows: Row[] = [];
for (const c of cases) {
  const source = new ViT(c.source, { seed: 0, backend: gpu });
  const { target, operator, mango } = await grow(source, c.target, 'mango', { rank: c.rank, seed: 0 });
  const op = mango!;
  const flops = 2 * op.macs('B');   // materialize always contracts per target layer (Order B)
  const base = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  const t = await seconds(() => operator!.materialize());
  const peakExtra = E.memoryStats().peakBytes - base;
  const row: Row = {
    case: `${c.name} R=${c.rank}`, 'training order': op.order, 'operator params': op.parameterCount(),
    'analytic GFLOP': flops / 1e9, 'materialize s': t, 'GFLOP/s': flops / t / 1e9, '× floor': t / (flops / matmulRate),
    'peak extra MB': peakExtra / 2 ** 20, 'target weights MB': (target.parameterCount() * 4) / 2 ** 20,
  };
  if (c.dense) {
    const m1 = E.withBackend(gpu, () => packLayers(new Map(source.namedParameters()), c.source)).keep();
    const denseFlops = 2 * m1.size * op.dims.B * op.dims.I2 * op.dims.O2 * op.dims.L2;
    const td = await seconds(() => { E.withBackend(gpu, () => E.noGrad(() => E.tidy(() => { denseApply(denseMap(op), m1); }))); });
    row['dense S: build+apply s'] = td;
    row['dense S MB'] = (m1.size * op.dims.B * op.dims.I2 * op.dims.O2 * op.dims.L2 * 4) / 2 ** 20;
    row['dense GFLOP (apply)'] = denseFlops / 1e9;
    m1.dispose();
  }
  if (c.trainStep) {
    const data = syntheticDataset(32, 1, c.source.imageSize, c.source.classes);
    row['operator step s (batch 32)'] = await seconds(async () => { await operator!.trainOperator({ steps: 1, data, batchSize: 32, lr: 1e-4, showProgress: false }); });
  }
  rows.push(row);
  console.log(JSON.stringify(row));
  operator!.dispose();
  target.dispose();
  source.dispose();
}
report('growth', 'Mango operator: factored contraction vs dense S, and at DeiT-S → DeiT-B dims', device, rows, [
  `× floor = materialize time / (analytic FLOPs ÷ this device's 1024² matmul rate, ${(matmulRate / 1e9).toFixed(2)} GFLOP/s, measured in the same run). Goal: ≤ 3.`,
  'peak extra MB: the engine allocation counter\'s high-water mark during materialize, above what was live before (target weights are reassigned, so new copies count).',
]);
closeSharedRuntime();
process.exit(0);
