/**
 * The savings experiment: train (or reuse) a source ViT, then for each method × seed grow it (training
 * the operator where the method has one), train the target for a fixed budget, and compare with
 * from-scratch targets: accuracy at equal FLOPs, FLOPs to reach scratch's final accuracy, savings.
 * Resumable: a run with result.json is not recomputed; an interrupted run resumes from its checkpoints.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../engine/index.ts';
import { latestCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { writeFileAtomic } from '../models/checkpoint/safetensors.ts';
import { describe, type ViTConfig } from '../models/config.ts';
import type { Augmentation } from '../models/data/batches.ts';
import { subset, type Dataset } from '../models/data/dataset.ts';
import type { HostTensor } from '../models/nn/module.ts';
import { trainFlopsPerImage } from '../models/flops.ts';
import { evaluationPoint, trainModel, type EvalPoint } from '../models/train/trainer.ts';
import { ViT } from '../models/vit.ts';
import { grow, type GrowthMethod } from './grow.ts';
import { accuracyPlot, methodCurves } from './plot.ts';
import { claimRun, releaseRun } from './run-claim.ts';
import { markdownTable, summarize, type RunRecord, type Summary } from './summary.ts';
import { makeFolder } from '../models/checkpoint/folder.ts';
import { checkSameSettings } from '../models/checkpoint/recorded-settings.ts';

export interface MethodSpec {
  method: GrowthMethod;
  rank?: number;
}

export interface ExperimentSpec {
  source: ViTConfig;
  target: ViTConfig;
  train: Dataset;
  test: Dataset;
  backend: Backend;
  batchSize: number;
  sourceSteps: number;
  targetSteps: number;
  lr: number;
  /** warmup of the target runs (the same for every method, scratch included) */
  warmupSteps: number;
  operatorSteps: number;
  operatorLr: number;
  /** Mango's off-slot init noise (relative; the operator's default when absent) */
  mangoNoise?: number;
  evalEvery: number;
  methods: MethodSpec[];
  seeds: number[];
  outDir: string;
  augmentation?: Augmentation;
  labelSmoothing?: number;
  /** training images held out, evaluated at every evaluation next to the test set (settings are chosen on these) */
  validation?: Dataset;
  /** a pretrained source to reuse instead of training one (its architecture is `source`) */
  sourceWeights?: { path: string; tensors: ReadonlyMap<string, HostTensor> };
  /**
   * Grown runs end once past the highest scratch final accuracy (every bar a seed resample can set), except
   * those of `fullBudgetSeeds`, which train the whole budget for the final-accuracy columns.
   */
  stopPastBar?: { fullBudgetSeeds: number[] };
  showProgress?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ExperimentResult extends Partial<Summary> {
  runs: RunRecord[];
  interrupted: boolean;
}

export const labelOf = (m: MethodSpec) => (m.method === 'mango' ? `mango-r${m.rank ?? 1}` : m.method);

const readJson = <T>(path: string): T | undefined => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as T : undefined);
const writeJson = (path: string, value: unknown) => writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));

/** Trains the source once (resumable; waits while another process trains it) and returns it. */
async function sourceModel(spec: ExperimentSpec): Promise<ViT> {
  const dir = join(spec.outDir, 'source');
  const model = new ViT(spec.source, { seed: 1000, backend: spec.backend });
  if (spec.sourceWeights) {
    model.loadState(spec.sourceWeights.tensors);
    const { accuracy, validationAccuracy } = await evaluationPoint(model, 0, 0, spec.test, spec.validation);
    spec.log?.(`source ${describe(spec.source)}: pretrained, ${spec.sourceWeights.path} (${(100 * accuracy).toFixed(2)}% test${validationAccuracy !== undefined ? `, ${(100 * validationAccuracy).toFixed(2)}% validation` : ''}; its cost is not counted)`);
    return model;
  }
  for (let waited = false; ; waited = true) {
    const done = readJson<{ finalAccuracy: number }>(join(dir, 'result.json'));
    const checkpoint = done && latestCheckpoint(join(dir, 'checkpoints'));
    if (done && checkpoint) {
      model.loadState(checkpoint.model);
      spec.log?.(`source ${describe(spec.source)}: reused (${(100 * done.finalAccuracy).toFixed(2)}%)`);
      return model;
    }
    const owner = claimRun(dir);
    if (owner === undefined) break;
    if (!waited) spec.log?.(`source: being trained by process ${owner}; waiting for it`);
    await pause(spec.signal);
  }
  try {
    spec.log?.(`source ${describe(spec.source)}: training ${spec.sourceSteps} steps`);
    const result = await trainModel({
      model, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: spec.sourceSteps, lr: spec.lr,
      warmupSteps: Math.round(spec.sourceSteps * 0.05), labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed: 1000,
      augmentation: spec.augmentation, evalEvery: 0, checkpointEvery: Math.max(1, Math.floor(spec.sourceSteps / 4)),
      outDir: dir, resume: true, showProgress: spec.showProgress, label: 'source', signal: spec.signal,
    });
    if (result.interrupted) throw new ExperimentInterrupted();
    writeJson(join(dir, 'result.json'), { finalAccuracy: result.finalAccuracy, flops: result.flops });
    spec.log?.(`source: ${(100 * result.finalAccuracy).toFixed(2)}% test accuracy (its cost is not counted: the premise is that it exists)`);
    return model;
  } finally {
    releaseRun(dir);
  }
}

/** Waits a few seconds for another process, or throws when the user interrupts. */
async function pause(signal?: AbortSignal): Promise<void> {
  try {
    await sleep(3000, undefined, { signal });
  } catch {
    throw new ExperimentInterrupted();
  }
}

class ExperimentInterrupted extends Error {}

/** A finished run, or the pid of another process that is doing it now. */
async function runOne(spec: ExperimentSpec, source: ViT, m: MethodSpec, seed: number): Promise<RunRecord | number> {
  const label = labelOf(m);
  const dir = join(spec.outDir, `${label}-s${seed}`);
  const finished = readJson<RunRecord>(join(dir, 'result.json'));
  if (finished) {
    spec.log?.(`${label} seed ${seed}: done earlier (${(100 * finished.finalAccuracy).toFixed(2)}%)`);
    return finished;
  }
  const owner = claimRun(dir);
  if (owner !== undefined) return owner;
  try {
    // Another process may have finished it between the check above and the claim.
    return readJson<RunRecord>(join(dir, 'result.json')) ?? await trainRun(spec, source, m, seed, dir);
  } finally {
    releaseRun(dir);
  }
}

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

async function trainRun(spec: ExperimentSpec, source: ViT, m: MethodSpec, seed: number, dir: string): Promise<RunRecord> {
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
    model, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: schedule?.steps ?? spec.targetSteps, lr: spec.lr,
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

/** What every run of an experiment folder shares (not which methods and seeds it holds): spec.json records it. */
export function sharedSettings(spec: Omit<ExperimentSpec, 'backend'>): Record<string, unknown> {
  return {
    source: spec.source, target: spec.target, batchSize: spec.batchSize, sourceSteps: spec.sourceSteps, targetSteps: spec.targetSteps,
    lr: spec.lr, warmupSteps: spec.warmupSteps, operatorSteps: spec.operatorSteps, operatorLr: spec.operatorLr, mangoNoise: spec.mangoNoise ?? null, evalEvery: spec.evalEvery,
    train: spec.train.count, test: spec.test.count, augmentation: spec.augmentation ?? null, labelSmoothing: spec.labelSmoothing ?? null,
    validation: spec.validation?.count ?? null, sourceWeights: spec.sourceWeights?.path ?? null,
  };
}

/** Settings that only runs with a trained operator use: they bind a folder once such a run has started. */
const operatorSettings = ['operatorSteps', 'operatorLr', 'mangoNoise'];
const hasOperator = (m: MethodSpec) => m.method === 'mango' || m.method === 'ligo';

function operatorRunStarted(outDir: string, methods: MethodSpec[]): boolean {
  return methods.filter(hasOperator).some((m) => readdirSync(outDir).some((d) => d.startsWith(`${labelOf(m)}-s`) && existsSync(join(outDir, d, 'growth.json'))));
}

/** Fields spec.json gained later: a folder written before them is not refused for lacking them. */
const fieldsAddedLater = ['augmentation', 'labelSmoothing', 'validation', 'sourceWeights'];

/**
 * Refuses to reuse a folder whose runs were made with other settings (their results would be mixed with
 * new ones, and spec.json would then describe neither). More methods or seeds may be added to a folder.
 */
export function checkExperimentFolder(spec: Omit<ExperimentSpec, 'backend'>): void {
  const recorded = readJson<Record<string, unknown>>(join(spec.outDir, 'spec.json'));
  if (!recorded) return;
  const unused = operatorRunStarted(spec.outDir, (recorded.methods ?? []) as MethodSpec[]) ? [] : operatorSettings;
  const shared = Object.entries(sharedSettings(spec)).filter(([k]) => (k in recorded || !fieldsAddedLater.includes(k)) && !unused.includes(k));
  checkSameSettings(`the experiment in ${spec.outDir}`, Object.fromEntries(shared.map(([k]) => [k, recorded[k] ?? null])), Object.fromEntries(shared),
    'rerun with the recorded settings (see its spec.json), or choose another --out for the new ones');
}

export async function runExperiment(spec: ExperimentSpec): Promise<ExperimentResult> {
  checkExperimentFolder(spec);
  const recorded = readJson<{ methods?: MethodSpec[]; seeds?: number[] }>(join(spec.outDir, 'spec.json'));
  makeFolder(spec.outDir, 'the experiment folder');
  const methods = [...(recorded?.methods ?? [])];
  for (const m of spec.methods) if (!methods.some((r) => labelOf(r) === labelOf(m))) methods.push(m);
  writeJson(join(spec.outDir, 'spec.json'), { ...sharedSettings(spec), methods, seeds: [...new Set([...(recorded?.seeds ?? []), ...spec.seeds])].sort((a, b) => a - b) });
  const runs: RunRecord[] = [];
  let interrupted = false;
  try {
    const source = await sourceModel(spec);
    // Scratch first: its runs set the bar that grown runs may stop past.
    const runsOf = (methods: MethodSpec[]) => spec.seeds.flatMap((seed) => methods.map((m) => ({ seed, m })));
    let pending = [...runsOf(spec.methods.filter((m) => m.method === 'scratch')), ...runsOf(spec.methods.filter((m) => m.method !== 'scratch'))];
    let waiting = false;
    while (pending.length > 0) {
      const busy: typeof pending = [];
      for (const item of pending) {
        const outcome = await runOne(spec, source, item.m, item.seed);
        if (typeof outcome === 'number') busy.push(item);
        else runs.push(outcome);
      }
      // Everything left is being run by other processes: wait, then look again (runOne re-checks and re-claims).
      if (busy.length > 0 && busy.length === pending.length) {
        if (!waiting) spec.log?.(`waiting for other processes to finish ${busy.map((b) => `${labelOf(b.m)} seed ${b.seed}`).join(', ')}`);
        waiting = true;
        await pause(spec.signal);
      }
      pending = busy;
    }
    const order = (r: RunRecord) => spec.seeds.indexOf(r.seed) * spec.methods.length + spec.methods.findIndex((m) => labelOf(m) === r.label);
    runs.sort((a, b) => order(a) - order(b));
    source.dispose();
  } catch (error) {
    if (!(error instanceof ExperimentInterrupted)) throw error;
    interrupted = true;
  }
  if (interrupted || !runs.some((r) => r.method === 'scratch')) return { runs, interrupted };
  const summary = summarize(runs);
  const result = { ...summary, runs, interrupted };
  writeJson(join(spec.outDir, 'results.json'), result);
  writeFileSync(join(spec.outDir, 'results.md'), `# Growth savings\n\n${markdownTable(result, spec)}\n`);
  writeFileSync(join(spec.outDir, 'accuracy-vs-flops.svg'), accuracyPlot(methodCurves(runs), {
    title: `Test accuracy vs training FLOPs: ${describe(spec.source)} → d${spec.target.dim}·L${spec.target.depth}·h${spec.target.heads}`,
    lines: [{ accuracy: summary.bar, label: `bar ${(100 * summary.bar).toFixed(2)}%` }],
  }));
  return result;
}

export { subset };
