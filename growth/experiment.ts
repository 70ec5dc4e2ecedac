/**
 * The savings experiment: train (or reuse) a source ViT, then for each method × seed grow it (training
 * the operator where the method has one), train the target for a fixed budget, and compare with
 * from-scratch targets: accuracy at equal FLOPs, FLOPs to reach scratch's final accuracy, savings.
 * Resumable: a run with result.json is not recomputed; an interrupted run resumes from its checkpoints.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../engine/index.ts';
import { latestCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { writeFileAtomic } from '../models/checkpoint/safetensors.ts';
import { describe, type ViTConfig } from '../models/config.ts';
import type { Augmentation } from '../models/data/batches.ts';
import { subset, type Dataset } from '../models/data/dataset.ts';
import { accuracy } from '../models/train/evaluate.ts';
import { trainFlopsPerImage } from '../models/flops.ts';
import { trainModel, type EvalPoint } from '../models/train/trainer.ts';
import { ViT } from '../models/vit.ts';
import { grow, type GrowthMethod } from './grow.ts';
import { accuracyPlot } from './plot.ts';
import { claimRun, releaseRun } from './run-claim.ts';
import { accuracyAt, flopsToReach, meanAndSpread, meanCurve, saving } from './savings.ts';
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
  showProgress?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface RunRecord {
  label: string;
  method: GrowthMethod;
  rank?: number;
  seed: number;
  operatorFlops: number;
  operatorLosses: number[];
  evals: EvalPoint[];
  finalAccuracy: number;
  totalFlops: number;
  seconds: number;
}

export interface MethodSummary {
  label: string;
  runs: number;
  finalAccuracy: { mean: number; spread: number };
  accuracyAtScratchBudget?: { mean: number; spread: number };
  flopsToScratchAccuracy?: { mean: number; spread: number };
  saving?: { mean: number; spread: number };
  reached: number;
}

export interface ExperimentResult {
  scratchFinalAccuracy: number;
  scratchBudget: number;
  summaries: MethodSummary[];
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
  return { model: grown.target, growth: { operatorFlops, operatorLosses, initial: { step: 0, flops: operatorFlops, accuracy: await accuracy(grown.target, spec.test) } } };
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
  const initial = { step: 0, flops: stage.flops, accuracy: await accuracy(grown.target, spec.test) };
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
  const result = await trainModel({
    model, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: schedule?.steps ?? spec.targetSteps, lr: spec.lr,
    warmupSteps: spec.warmupSteps, ...(schedule ? { schedule: { offset: schedule.offset, total: schedule.total } } : {}),
    labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed, augmentation: spec.augmentation,
    evalEvery: spec.evalEvery, checkpointEvery: spec.evalEvery, outDir: dir, resume: true, startFlops: growth.operatorFlops,
    showProgress: spec.showProgress, label, signal: spec.signal,
  });
  model.dispose();
  if (result.interrupted) throw new ExperimentInterrupted();
  const record: RunRecord = {
    label, method: m.method, rank: m.rank, seed, operatorFlops: growth.operatorFlops, operatorLosses: growth.operatorLosses,
    evals: [...(growth.stageEvals ?? []), growth.initial, ...result.evals], finalAccuracy: result.finalAccuracy, totalFlops: result.flops,
    seconds: (performance.now() - started) / 1000,
  };
  writeJson(join(dir, 'result.json'), record);
  spec.log?.(`${label} seed ${seed}: ${(100 * record.finalAccuracy).toFixed(2)}% after ${(record.totalFlops / 1e12).toFixed(3)} TFLOPs`);
  return record;
}

export function summarize(runs: readonly RunRecord[]): { scratchFinalAccuracy: number; scratchBudget: number; summaries: MethodSummary[] } {
  const scratch = runs.filter((r) => r.method === 'scratch');
  if (scratch.length === 0) throw new Error('the experiment needs scratch runs as the reference');
  const target = meanAndSpread(scratch.map((r) => r.finalAccuracy)).mean;
  const budget = meanAndSpread(scratch.map((r) => r.totalFlops)).mean;
  // One scratch reference, as in the papers: the seeds' mean curve, which reaches the bar (its own final
  // accuracy) at the end of the budget; each method run is measured against it.
  const reference = meanCurve(scratch.map((r) => r.evals));
  const labels = [...new Set(runs.map((r) => r.label))];
  const summaries = labels.map((label) => {
    const group = runs.filter((r) => r.label === label);
    const savings = group.map((r) => saving(r.evals, reference, target)).filter((v): v is number => v !== undefined);
    const reach = group.map((r) => flopsToReach(r.evals, target)).filter((v): v is number => v !== undefined);
    const atBudget = group.map((r) => accuracyAt(r.evals, budget)).filter((v): v is number => v !== undefined);
    return {
      label, runs: group.length, reached: reach.length,
      finalAccuracy: meanAndSpread(group.map((r) => r.finalAccuracy)),
      ...(atBudget.length ? { accuracyAtScratchBudget: meanAndSpread(atBudget) } : {}),
      ...(reach.length ? { flopsToScratchAccuracy: meanAndSpread(reach) } : {}),
      ...(savings.length ? { saving: meanAndSpread(savings) } : {}),
    };
  });
  return { scratchFinalAccuracy: target, scratchBudget: budget, summaries };
}

export function markdownTable(result: Omit<ExperimentResult, 'interrupted'>, spec: Pick<ExperimentSpec, 'source' | 'target'>): string {
  const pct = (v?: { mean: number; spread: number }) => (v ? `${(100 * v.mean).toFixed(2)} ± ${(100 * v.spread).toFixed(2)}` : 'n/a');
  const tflops = (v?: { mean: number; spread: number }) => (v ? `${(v.mean / 1e12).toFixed(3)} ± ${(v.spread / 1e12).toFixed(3)}` : 'not reached');
  return [
    `Source ${describe(spec.source)} → target ${describe(spec.target)}.`,
    `Scratch final accuracy (the bar): ${(100 * result.scratchFinalAccuracy).toFixed(2)}%, scratch budget ${(result.scratchBudget / 1e12).toFixed(3)} TFLOPs.`,
    '',
    '| method | runs | final acc % | acc % at scratch budget | TFLOPs to scratch acc | saving % |',
    '|---|---|---|---|---|---|',
    ...result.summaries.map((s) => `| ${s.label} | ${s.runs} | ${pct(s.finalAccuracy)} | ${pct(s.accuracyAtScratchBudget)} | ${tflops(s.flopsToScratchAccuracy)}${s.reached < s.runs ? ` (${s.reached}/${s.runs} reached)` : ''} | ${pct(s.saving)} |`),
    '',
    'saving = 1 − FLOPs(method run, operator training or shallow stage included) to reach the bar / FLOPs(the mean scratch curve to reach it); mean ± std over seeds. The bar is the scratch runs\' mean final accuracy.',
  ].join('\n');
}

/** What every run of an experiment folder shares (not which methods and seeds it holds): spec.json records it. */
export function sharedSettings(spec: Omit<ExperimentSpec, 'backend'>): Record<string, unknown> {
  return {
    source: spec.source, target: spec.target, batchSize: spec.batchSize, sourceSteps: spec.sourceSteps, targetSteps: spec.targetSteps,
    lr: spec.lr, warmupSteps: spec.warmupSteps, operatorSteps: spec.operatorSteps, operatorLr: spec.operatorLr, mangoNoise: spec.mangoNoise ?? null, evalEvery: spec.evalEvery,
    train: spec.train.count, test: spec.test.count, augmentation: spec.augmentation ?? null, labelSmoothing: spec.labelSmoothing ?? null,
  };
}

/** Fields spec.json gained later: a folder written before them is not refused for lacking them. */
const fieldsAddedLater = ['augmentation', 'labelSmoothing'];

/**
 * Refuses to reuse a folder whose runs were made with other settings (their results would be mixed with
 * new ones, and spec.json would then describe neither). More methods or seeds may be added to a folder.
 */
export function checkExperimentFolder(spec: Omit<ExperimentSpec, 'backend'>): void {
  const recorded = readJson<Record<string, unknown>>(join(spec.outDir, 'spec.json'));
  if (!recorded) return;
  const shared = Object.entries(sharedSettings(spec)).filter(([k]) => k in recorded || !fieldsAddedLater.includes(k));
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
    let pending = spec.seeds.flatMap((seed) => spec.methods.map((m) => ({ seed, m })));
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
  if (interrupted || !runs.some((r) => r.method === 'scratch')) return { scratchFinalAccuracy: NaN, scratchBudget: NaN, summaries: [], runs, interrupted };
  const summary = summarize(runs);
  const result = { ...summary, runs, interrupted };
  writeJson(join(spec.outDir, 'results.json'), result);
  writeFileSync(join(spec.outDir, 'results.md'), `# Growth savings\n\n${markdownTable(result, spec)}\n`);
  writeFileSync(join(spec.outDir, 'accuracy-vs-flops.svg'), accuracyPlot(runs.map((r) => ({ label: `${r.label} s${r.seed}`, points: r.evals })),
    `Test accuracy vs training FLOPs: ${describe(spec.source)} → d${spec.target.dim}·L${spec.target.depth}`));
  return result;
}

export { subset };
