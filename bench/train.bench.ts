/**
 * `npm run bench:train`: images/s of one training step (forward, backward, clipping, AdamW) for the two
 * reference configs (d64·L4·h2 and d128·L8·h4, patch 7, batch 128) on our WebGPU backend, next to
 * PyTorch on the CPU (Debian's python3-torch, run as a child process; skipped with a message if absent).
 * Writes bench/results/train.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as E from '../engine/index.ts';
import { closeSharedRuntime, openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { resolveConfig } from '../models/config.ts';
import { makeBatch } from '../models/data/batches.ts';
import { AdamW, clipGradNorm } from '../models/optim/optimizer.ts';
import { ViT } from '../models/vit.ts';
import { syntheticDataset } from '../tests/helpers/synthetic.ts';
import { measure } from './lib/measure.ts';
import { report, type Row } from './lib/report.ts';

const batchSize = 128;
const configs = ['fmnist-d64-l4', 'fmnist-d128-l8'];
const gpu = await openWebGpuBackend();
const device = `${gpu.runtime.dawn.adapter.description} (${gpu.runtime.dawn.adapter.vendor}/${gpu.runtime.dawn.adapter.architecture})`;
const data = syntheticDataset(batchSize, 1, 28, 10);
const batch = makeBatch(data, Array.from({ length: batchSize }, (_, i) => i));

function pytorch(dim: number, depth: number, heads: number): { imagesPerSecond: number; torch: string; threads: number } | string {
  const script = fileURLToPath(new URL('./pytorch_vit_train.py', import.meta.url));
  const result = spawnSync('/usr/bin/python3', [script, String(dim), String(depth), String(heads), String(batchSize), '10'], { encoding: 'utf8', timeout: 600_000 });
  if (result.error || result.status !== 0) return `PyTorch skipped: ${result.error?.message ?? result.stderr.trim().split('\n').pop()}`;
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

const rows: Row[] = [];
const notes: string[] = [];
for (const name of configs) {
  const config = resolveConfig(name);
  const model = new ViT(config, { seed: 0, backend: gpu });
  const optimizer = new AdamW(model.namedParameters());
  const step = async (reps: number) => {
    for (let r = 0; r < reps; r++) {
      const loss = E.withBackend(gpu, () => E.tidy(() => E.crossEntropy(model.forward(E.fromArray(batch.images, batch.shape)), E.fromArray(batch.labels, [batchSize]), { labelSmoothing: 0.1 })));
      E.withBackend(gpu, () => {
        loss.backward();
        clipGradNorm(model.parameters(), 1).dispose();
        optimizer.step(1e-3);
        optimizer.zeroGrad();
      });
      await loss.item();
      loss.dispose();
    }
  };
  const seconds = (await measure(`train step ${name}`, [{ name: 'ours', run: step }], 1, { minSamples: 3, maxTime: 5 })).get('ours')!;
  const ours = batchSize / seconds;
  const torch = pytorch(config.dim, config.depth, config.heads);
  const row: Row = { config: `${name} (batch ${batchSize})`, 'ours img/s': ours };
  if (typeof torch === 'string') {
    notes.push(torch);
    row['PyTorch CPU img/s'] = 'n/a';
  } else {
    row['PyTorch CPU img/s'] = torch.imagesPerSecond;
    row['ours/PyTorch'] = ours / torch.imagesPerSecond;
    row['goal ≥2×'] = ours / torch.imagesPerSecond >= 2 ? 'met' : 'not met';
    notes.push(`PyTorch ${torch.torch} on ${torch.threads} CPU threads, same model (timm layout), AdamW, label smoothing.`);
  }
  rows.push(row);
  optimizer.dispose();
  model.dispose();
}
report('train', 'Training step throughput: ours (WebGPU) vs PyTorch CPU', device, rows, [...new Set(notes)]);
closeSharedRuntime();
process.exit(0);
