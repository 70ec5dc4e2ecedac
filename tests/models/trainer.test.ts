/** Training: loss drops, resume continues bit-for-bit, NaN stops the run with checkpoints intact. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { latestCheckpoint, listCheckpoints } from '../../models/checkpoint/checkpoint.ts';
import type { ViTConfig } from '../../models/config.ts';
import { trainModel, TrainingDivergedError, type TrainOptions } from '../../models/train/trainer.ts';
import { ViT } from '../../models/vit.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';

const tiny: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 1, heads: 2, mlpRatio: 2, classes: 4, dropout: 0.1, dropPath: 0.1 };
const train = syntheticDataset(96, 1);
const testSet = syntheticDataset(32, 2);
const base = (model: ViT, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  model, train, test: testSet, batchSize: 16, steps: 12, lr: 3e-3, warmupSteps: 2, labelSmoothing: 0.1, clipNorm: 1,
  seed: 3, augmentation: { cropPadding: 1, horizontalFlip: true }, showProgress: false, ...extra,
});
const trainLosses = (dir: string) => readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'train').map((e) => [e.step, e.loss]);

test('a tiny ViT learns the synthetic task: loss drops, accuracy beats chance', async () => {
  const model = new ViT({ ...tiny, dropout: 0, dropPath: 0 }, { seed: 1 });
  const losses: number[] = [];
  const result = await trainModel(base(model, { steps: 150, lr: 1e-2, minLr: 1e-3, warmupSteps: 5, augmentation: undefined, onStep: (_, l) => losses.push(l) }));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  const first = mean(losses.slice(0, 20)), last = mean(losses.slice(-20));
  assert.ok(last < first * 0.9, `loss ${first} → ${last}`);
  assert.ok(result.finalAccuracy > 0.6, `accuracy ${result.finalAccuracy} (chance 0.25)`);
  assert.is(result.flops, 150 * 16 * 3 * (await import('../../models/flops.ts')).forwardFlops(model.config).forward);
  model.dispose();
});

test('stopWhen ends the run after the evaluation it accepts; validation is evaluated with the test set', async () => {
  const model = new ViT(tiny, { seed: 1 });
  const validation = syntheticDataset(24, 5);
  const result = await trainModel(base(model, { evalEvery: 2, validation, stopWhen: (p) => p.step >= 4 }));
  assert.ok(result.stoppedEarly);
  assert.is(result.steps, 4);
  assert.equal(result.evals.map((e) => e.step), [2, 4]);
  for (const e of result.evals) assert.ok(e.validationAccuracy! >= 0 && e.validationLoss! > 0 && e.loss! > 0, JSON.stringify(e));
  const full = await trainModel(base(new ViT(tiny, { seed: 1 }), { evalEvery: 4 }));
  assert.not.ok(full.stoppedEarly);
  assert.is(full.steps, 12);
  model.dispose();
});

test('resume after an interruption continues bit-for-bit (same losses, same final weights)', async () => {
  const straight = mkdtempSync(join(tmpdir(), 'run-a-'));
  const a = new ViT(tiny, { seed: 1 });
  await trainModel(base(a, { outDir: straight, checkpointEvery: 4 }));
  const stopped = mkdtempSync(join(tmpdir(), 'run-b-'));
  const controller = new AbortController();
  const b = new ViT(tiny, { seed: 1 });
  const first = await trainModel(base(b, { outDir: stopped, checkpointEvery: 4, signal: controller.signal, onStep: (s) => { if (s === 7) controller.abort(); } }));
  assert.ok(first.interrupted);
  assert.is(latestCheckpoint(join(stopped, 'checkpoints'))!.state.step, 7);
  const c = new ViT(tiny, { seed: 99 });  // different init: everything must come from the checkpoint
  const resumed = await trainModel(base(c, { outDir: stopped, checkpointEvery: 4, resume: true }));
  assert.is(resumed.resumedFrom, 7);
  assert.equal(trainLosses(stopped), trainLosses(straight));
  const [wa, wc] = [await a.state(), await c.state()];
  for (const [name, t] of wa) assert.equal([...wc.get(name)!.data], [...t.data], name);
  for (const m of [a, b, c]) m.dispose();
});

test('resuming a run folder with a model of another config is refused, naming the checkpoint and the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-other-'));
  const a = new ViT(tiny, { seed: 1 });
  await trainModel(base(a, { outDir: dir, checkpointEvery: 4, steps: 4 }));
  const other = new ViT({ ...tiny, dim: 32 }, { seed: 1 });
  try {
    await trainModel(base(other, { outDir: dir, resume: true }));
    assert.unreachable('no error');
  } catch (error) {
    assert.match((error as Error).message, /step-00000004\.safetensors was written for another model config[\s\S]*fix: resume with the same --config, or use a new --out/);
  }
  for (const m of [a, other]) m.dispose();
});

test('a NaN loss stops the run at once with a typed error; checkpoints on disk stay loadable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-nan-'));
  const model = new ViT(tiny, { seed: 1 });
  const options = base(model, { outDir: dir, checkpointEvery: 2, steps: 10 });
  let steps = 0;
  try {
    await trainModel({ ...options, onStep: (s) => { steps = s; if (s === 5) model.head.weight.assign(E.full(model.head.weight.shape, NaN).keep()); } });
    assert.unreachable('no error');
  } catch (error) {
    assert.instance(error, TrainingDivergedError);
    assert.match((error as Error).message, /at step 6/);
  }
  assert.is(steps, 5);
  assert.is(latestCheckpoint(join(dir, 'checkpoints'))!.state.step, 4);
  assert.is(listCheckpoints(join(dir, 'checkpoints')).length, 2);
  model.dispose();
});

const gpu = await poisonedGpuBackend();
(gpu ? test : test.skip)('training runs on the WebGPU backend and matches the CPU run', async () => {
  const losses: number[][] = [];
  for (const backend of [E.cpuBackend(), gpu!]) {
    const model = new ViT(tiny, { seed: 1, backend });
    const run: number[] = [];
    await trainModel(base(model, { steps: 6, onStep: (_, l) => run.push(l) }));
    losses.push(run);
    model.dispose();
  }
  losses[0].forEach((l, i) => assert.ok(Math.abs(l - losses[1][i]) < 1e-3 * (1 + Math.abs(l)), `step ${i + 1}: cpu ${l} gpu ${losses[1][i]}`));
});

test.run();
