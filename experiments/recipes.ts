/**
 * How each run of an experiment is made: grow the source with the method (training its operator if it has
 * one; StackBERT's progressive protocol), then train the target for the budget, stopping past the bar when
 * asked; the record it leaves is what the report reads.
 */
import { join } from 'node:path';
import { latestCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { createModel, describeModel, type Model } from '../models/architecture.ts';
import { batchesFor } from '../models/train/batches-for.ts';
import { isGPTConfig } from '../models/lm/gpt-config.ts';
import { trainFlopsPerExample } from '../models/architecture.ts';
import { evaluationPoint, trainModel, type EvalPoint } from '../models/train/trainer.ts';
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

/**
 * The test on which a grown run of `seed` may stop, once every scratch seed is done: past the highest scratch
 * final accuracy, or (a language model) below the lowest scratch final test loss — every bar a resample can set.
 */
function stopCondition(spec: ExperimentSpec, m: MethodSpec, seed: number): { bar: number; passed: (p: EvalPoint) => boolean } | undefined {
  if (!spec.stopPastBar || m.method === 'scratch' || spec.stopPastBar.fullBudgetSeeds.includes(seed)) return undefined;
  const records = spec.seeds.map((s) => readJson<RunRecord>(join(spec.outDir, `scratch-s${s}`, 'result.json')));
  if (!records.every((r) => r !== undefined)) return undefined;
  if (isGPTConfig(spec.target)) {
    const bar = Math.min(...records.map((r) => r!.evals.at(-1)!.loss!));
    return { bar, passed: (p) => p.loss !== undefined && p.loss <= bar };
  }
  const bar = Math.max(...records.map((r) => r!.finalAccuracy));
  return { bar, passed: (p) => p.accuracy >= bar };
}

/** "87.10%", or a language model's "1.2345 nats/token". */
export function scoreText(spec: Pick<ExperimentSpec, 'target'>, p: { accuracy: number; loss?: number }): string {
  return isGPTConfig(spec.target) ? `${p.loss?.toFixed(4)} nats/token` : `${(100 * p.accuracy).toFixed(2)}%`;
}

/** Grows the source with a method (training its operator if it has one). */
async function grownStart(spec: ExperimentSpec, source: Model, m: MethodSpec, seed: number): Promise<{ model: Model; growth: GrowthRecord }> {
  const label = labelOf(m);
  const grown = await grow(source, spec.target, m.method, { rank: m.rank, ...(m.widthInit ? { widthInit: m.widthInit } : {}), seed, backend: spec.backend, ...(spec.mangoNoise !== undefined ? { noise: spec.mangoNoise } : {}) });
  let operatorFlops = 0, operatorLosses: number[] = [];
  if (grown.operator) {
    spec.log?.(`${label} seed ${seed}: training the operator (${spec.operatorSteps} steps, ${grown.cost.operatorParameters.toLocaleString('en')} parameters${grown.cost.order ? `, contraction order ${grown.cost.order}` : ''})`);
    const op = await grown.operator.trainOperator({
      steps: spec.operatorSteps, data: batchesFor(spec.target, spec.train, spec.batchSize, seed + 7), batchSize: spec.batchSize, lr: spec.operatorLr, warmupSteps: Math.min(10, spec.operatorSteps),
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
async function progressiveStart(spec: ExperimentSpec, seed: number, dir: string): Promise<{ model: Model; growth: GrowthRecord }> {
  const shallow = { ...spec.target, depth: Math.max(1, Math.floor(spec.target.depth / 2)) };
  const stageSteps = Math.max(1, Math.round(spec.targetSteps / 2));
  const remaining = Math.max(1, Math.round(spec.targetSteps - (stageSteps * trainFlopsPerExample(shallow)) / trainFlopsPerExample(spec.target)));
  const schedule = { offset: stageSteps, total: stageSteps + remaining, steps: remaining };
  const stageModel = createModel(shallow, { seed, backend: spec.backend });
  spec.log?.(`stackbert seed ${seed}: stage 1, ${describeModel(shallow)} from scratch for ${stageSteps} steps`);
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

export async function trainRun(spec: ExperimentSpec, source: Model, m: MethodSpec, seed: number, dir: string): Promise<RunRecord> {
  const label = labelOf(m);
  const started = performance.now();
  const growthFile = join(dir, 'growth.json');
  let growth = readJson<GrowthRecord>(growthFile);
  let model: Model;
  if (growth && latestCheckpoint(join(dir, 'checkpoints'))) {
    model = createModel(spec.target, { seed, backend: spec.backend });   // weights come from the checkpoint
  } else {
    ({ model, growth } = m.method === 'stackbert' ? await progressiveStart(spec, seed, dir) : await grownStart(spec, source, m, seed));
    writeJson(growthFile, growth);
    spec.log?.(`${label} seed ${seed}: ${scoreText(spec, growth.initial)} ${m.method === 'scratch' ? 'at initialisation' : m.method === 'stackbert' ? 'right after stacking' : 'right after growth'}`);
  }
  const schedule = growth.schedule;
  const stop = stopCondition(spec, m, seed);
  const result = await trainModel({
    model, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: schedule?.steps ?? spec.targetSteps, lr: usesSource(m) ? spec.grownLr ?? spec.lr : spec.lr,
    warmupSteps: spec.warmupSteps, ...(schedule ? { schedule: { offset: schedule.offset, total: schedule.total } } : {}),
    labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed, augmentation: spec.augmentation,
    evalEvery: spec.evalEvery, checkpointEvery: spec.evalEvery, outDir: dir, resume: true, startFlops: growth.operatorFlops,
    showProgress: spec.showProgress, label, signal: spec.signal, validation: spec.validation,
    ...(stop ? { stopWhen: stop.passed } : {}),
  });
  model.dispose();
  if (result.interrupted) throw new ExperimentInterrupted();
  const record: RunRecord = {
    label, method: m.method, rank: m.rank, seed, operatorFlops: growth.operatorFlops, operatorLosses: growth.operatorLosses,
    evals: [...(growth.stageEvals ?? []), growth.initial, ...result.evals], finalAccuracy: result.finalAccuracy, totalFlops: result.flops,
    seconds: (performance.now() - started) / 1000, ...(result.stoppedEarly ? { stoppedEarly: true } : {}),
  };
  writeJson(join(dir, 'result.json'), record);
  spec.log?.(`${label} seed ${seed}: ${scoreText(spec, record.evals.at(-1)!)} after ${(record.totalFlops / 1e12).toFixed(3)} TFLOPs${result.stoppedEarly ? ` (stopped past the bar, ${scoreText(spec, { accuracy: stop!.bar, loss: stop!.bar })})` : ''}`);
  return record;
}

