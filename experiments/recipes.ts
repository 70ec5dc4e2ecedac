/**
 * How each run of an experiment is made: grow the source with the method (training its operator if it has
 * one; StackBERT's progressive protocol), then train the target for the budget, stopping past the bar when
 * asked; the record it leaves is what the report reads.
 */
import { join } from 'node:path';
import { latestCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { describe } from '../models/config.ts';
import { trainFlopsPerImage } from '../models/flops.ts';
import { evaluationPoint, trainModel, type EvalPoint } from '../models/train/trainer.ts';
import { ViT } from '../models/vit.ts';
import { grow } from '../growth/grow.ts';
import { readJson, writeJson } from '../io/files.ts';
import { labelOf, usesSource, type ExperimentSpec, type MethodSpec } from './spec.ts';
import type { RunRecord } from './summary.ts';

/** The user interrupted: finished runs and checkpoints are kept. */
export class ExperimentInterrupted extends Error {}

interface GrowthRecord {
  /** FLOPs spent before the target-size run: operator training, or StackBERT's shallow stage */
  operatorFlops: number;
  operatorLosses: number[];
  initial: EvalPoint;
  /** StackBERT's shallow-stage curve (accuracy of the half-depth model vs FLOPs) */
  stageEvals?: EvalPoint[];
  /** the target-size run is steps [offset, offset + steps) of one schedule of `total` steps */
  schedule?: { offset: number; total: number; steps: number };
}

/** The accuracy past which a grown run of `seed` may stop: the highest scratch final accuracy, once every scratch seed is done. */
function stopAccuracy(spec: ExperimentSpec, m: MethodSpec, seed: number): number | undefined {
  if (!spec.stopPastBar || m.method === 'scratch' || spec.stopPastBar.fullBudgetSeeds.includes(seed)) return undefined;
  const finals = spec.seeds.map((s) => readJson<RunRecord>(join(spec.outDir, `scratch-s${s}`, 'result.json'))?.finalAccuracy);
  return finals.every((f) => f !== undefined) ? Math.max(...(finals as number[])) : undefined;
}

/** Grows the source with a method (training its operator if it has one). */
async function grownStart(spec: ExperimentSpec, source: ViT, m: MethodSpec, seed: number): Promise<{ model: ViT; growth: GrowthRecord }> {
  const label = labelOf(m);
  const grown = await grow(source, spec.target, m.method, { rank: m.rank, seed, backend: spec.backend, ...(spec.mangoNoise !== undefined ? { noise: spec.mangoNoise } : {}) });
  let operatorFlops = 0, operatorLosses: number[] = [];
  if (grown.operator) {
    spec.log?.(`${label} seed ${seed}: training the operator (${spec.operatorSteps} steps, ${grown.cost.operatorParameters.toLocaleString('en')} parameters${grown.cost.order ? `, contraction order ${grown.cost.order}` : ''})`);
    const op = await grown.operator.trainOperator({
      steps: spec.operatorSteps, data: spec.train, batchSize: spec.batchSize, lr: spec.operatorLr, warmupSteps: Math.min(10, spec.operatorSteps),
      labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed: seed + 7, showProgress: spec.showProgress,
    });
    grown.operator.materialize();
    grown.operator.dispose();
    operatorFlops = op.flops;
    operatorLosses = op.losses;
  }
  return { model: grown.target, growth: { operatorFlops, operatorLosses, initial: await evaluationPoint(grown.target, 0, operatorFlops, spec.test, spec.validation) } };
}

/**
 * StackBERT as the LiGO and Mango tables run it (growth-baselines §4.1): progressive training that does not
 * use the source. The target width is trained from scratch at half the target depth for half the target
 * steps, then every layer is stacked on top of the stack (layer i + L copies layer i), the optimizer is
 * reset, and training continues — one warmup+cosine schedule over both stages, no re-warmup — until the
 * scratch budget's FLOPs are spent.
 */
async function progressiveStart(spec: ExperimentSpec, seed: number, dir: string): Promise<{ model: ViT; growth: GrowthRecord }> {
  const shallow = { ...spec.target, depth: Math.max(1, Math.floor(spec.target.depth / 2)) };
  const stageSteps = Math.max(1, Math.round(spec.targetSteps / 2));
  const remaining = Math.max(1, Math.round(spec.targetSteps - (stageSteps * trainFlopsPerImage(shallow)) / trainFlopsPerImage(spec.target)));
  const schedule = { offset: stageSteps, total: stageSteps + remaining, steps: remaining };
  const stageModel = new ViT(shallow, { seed, backend: spec.backend });
  spec.log?.(`stackbert seed ${seed}: stage 1, ${describe(shallow)} from scratch for ${stageSteps} steps`);
  const stage = await trainModel({
    model: stageModel, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: stageSteps, lr: spec.lr,
    warmupSteps: spec.warmupSteps, schedule: { offset: 0, total: schedule.total }, labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed,
    augmentation: spec.augmentation, evalEvery: spec.evalEvery, checkpointEvery: spec.evalEvery, outDir: join(dir, 'stage1'), resume: true,
    showProgress: spec.showProgress, label: 'stackbert stage 1', signal: spec.signal,
  });
  if (stage.interrupted) {
    stageModel.dispose();
    throw new ExperimentInterrupted();
  }
  const grown = await grow(stageModel, spec.target, 'stackbert', { seed, backend: spec.backend });
  stageModel.dispose();
  const initial = await evaluationPoint(grown.target, 0, stage.flops, spec.test, spec.validation);
  return { model: grown.target, growth: { operatorFlops: stage.flops, operatorLosses: [], initial, stageEvals: stage.evals, schedule } };
}

export async function trainRun(spec: ExperimentSpec, source: ViT, m: MethodSpec, seed: number, dir: string): Promise<RunRecord> {
  const label = labelOf(m);
  const started = performance.now();
  const growthFile = join(dir, 'growth.json');
  let growth = readJson<GrowthRecord>(growthFile);
  let model: ViT;
  if (growth && latestCheckpoint(join(dir, 'checkpoints'))) {
    model = new ViT(spec.target, { seed, backend: spec.backend });   // weights come from the checkpoint
  } else {
    ({ model, growth } = m.method === 'stackbert' ? await progressiveStart(spec, seed, dir) : await grownStart(spec, source, m, seed));
    writeJson(growthFile, growth);
    spec.log?.(`${label} seed ${seed}: ${(100 * growth.initial.accuracy).toFixed(2)}% ${m.method === 'scratch' ? 'at initialisation' : m.method === 'stackbert' ? 'right after stacking' : 'right after growth'}`);
  }
  const schedule = growth.schedule;
  const stopAt = stopAccuracy(spec, m, seed);
  const result = await trainModel({
    model, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: schedule?.steps ?? spec.targetSteps, lr: usesSource(m) ? spec.grownLr ?? spec.lr : spec.lr,
    warmupSteps: spec.warmupSteps, ...(schedule ? { schedule: { offset: schedule.offset, total: schedule.total } } : {}),
    labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed, augmentation: spec.augmentation,
    evalEvery: spec.evalEvery, checkpointEvery: spec.evalEvery, outDir: dir, resume: true, startFlops: growth.operatorFlops,
    showProgress: spec.showProgress, label, signal: spec.signal, validation: spec.validation,
    ...(stopAt !== undefined ? { stopWhen: (p: EvalPoint) => p.accuracy >= stopAt } : {}),
  });
  model.dispose();
  if (result.interrupted) throw new ExperimentInterrupted();
  const record: RunRecord = {
    label, method: m.method, rank: m.rank, seed, operatorFlops: growth.operatorFlops, operatorLosses: growth.operatorLosses,
    evals: [...(growth.stageEvals ?? []), growth.initial, ...result.evals], finalAccuracy: result.finalAccuracy, totalFlops: result.flops,
    seconds: (performance.now() - started) / 1000, ...(result.stoppedEarly ? { stoppedEarly: true } : {}),
  };
  writeJson(join(dir, 'result.json'), record);
  spec.log?.(`${label} seed ${seed}: ${(100 * record.finalAccuracy).toFixed(2)}% after ${(record.totalFlops / 1e12).toFixed(3)} TFLOPs${result.stoppedEarly ? ` (stopped past the bar, ${(100 * stopAt!).toFixed(2)}%)` : ''}`);
  return record;
}

