/**
 * The savings experiment: train (or reuse) a source ViT, then for each method × seed grow it (training
 * the operator where the method has one), train the target for a fixed budget, and compare with
 * from-scratch targets: accuracy at equal FLOPs, FLOPs to reach scratch's final accuracy, savings.
 * Resumable: a run with result.json is not recomputed; an interrupted run resumes from its checkpoints.
 * Several processes may share a folder: each run is claimed by one of them.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { latestCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { createModel, describeModel, type Model } from '../models/architecture.ts';
import { evaluationPoint, trainModel } from '../models/train/trainer.ts';
import { makeFolder, readJson, writeJson } from '../io/files.ts';
import { ExperimentInterrupted, scoreText, trainRun } from './recipes.ts';
import { writeReport } from './report.ts';
import { claimRun, releaseRun } from './run-claim.ts';
import { checkExperimentFolder, labelOf, sharedSettings, type ExperimentResult, type ExperimentSpec, type MethodSpec } from './spec.ts';
import type { RunRecord } from './summary.ts';

/** Trains the source once (resumable; waits while another process trains it) and returns it. */
async function sourceModel(spec: ExperimentSpec): Promise<Model> {
  const dir = join(spec.outDir, 'source');
  const model = createModel(spec.source, { seed: 1000, backend: spec.backend });
  if (spec.sourceWeights) {
    model.loadState(spec.sourceWeights.tensors);
    const point = await evaluationPoint(model, 0, 0, spec.test, spec.validation);
    const validation = point.validationLoss !== undefined ? { accuracy: point.validationAccuracy!, loss: point.validationLoss } : undefined;
    spec.log?.(`source ${describeModel(spec.source)}: pretrained, ${spec.sourceWeights.path} (${scoreText(spec, point)} test${validation ? `, ${scoreText(spec, validation)} validation` : ''}; its cost is not counted)`);
    return model;
  }
  for (let waited = false; ; waited = true) {
    const done = readJson<{ finalAccuracy: number }>(join(dir, 'result.json'));
    const checkpoint = done && latestCheckpoint(join(dir, 'checkpoints'));
    if (done && checkpoint) {
      model.loadState(checkpoint.model);
      spec.log?.(`source ${describeModel(spec.source)}: reused (${(100 * done.finalAccuracy).toFixed(2)}% final accuracy)`);
      return model;
    }
    const owner = claimRun(dir);
    if (owner === undefined) break;
    if (!waited) spec.log?.(`source: being trained by process ${owner}; waiting for it`);
    await pause(spec.signal);
  }
  try {
    spec.log?.(`source ${describeModel(spec.source)}: training ${spec.sourceSteps} steps`);
    const result = await trainModel({
      model, train: spec.train, test: spec.test, batchSize: spec.batchSize, steps: spec.sourceSteps, lr: spec.lr,
      warmupSteps: Math.round(spec.sourceSteps * 0.05), labelSmoothing: spec.labelSmoothing, clipNorm: 1, seed: 1000,
      augmentation: spec.augmentation, evalEvery: 0, checkpointEvery: Math.max(1, Math.floor(spec.sourceSteps / 4)),
      outDir: dir, resume: true, showProgress: spec.showProgress, label: 'source', signal: spec.signal,
    });
    if (result.interrupted) throw new ExperimentInterrupted();
    writeJson(join(dir, 'result.json'), { finalAccuracy: result.finalAccuracy, flops: result.flops });
    spec.log?.(`source: ${scoreText(spec, result.evals.at(-1)!)} on the test set (its cost is not counted: the premise is that it exists)`);
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


/** A finished run, or the pid of another process that is doing it now. */
async function runOne(spec: ExperimentSpec, source: Model, m: MethodSpec, seed: number): Promise<RunRecord | number> {
  const label = labelOf(m);
  const dir = join(spec.outDir, `${label}-s${seed}`);
  const finished = readJson<RunRecord>(join(dir, 'result.json'));
  if (finished) {
    spec.log?.(`${label} seed ${seed}: done earlier (${scoreText(spec, finished.evals.at(-1) ?? { accuracy: finished.finalAccuracy })})`);
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
  const result = { ...writeReport(spec, runs), runs, interrupted };
  return result;
}

