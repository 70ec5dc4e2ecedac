/**
 * The training loop: seeded batches, AdamW (or SGD) with warmup + cosine, global-norm clipping, label
 * smoothing, a NaN/Inf guard every step, periodic evaluation, JSON-lines logs, atomic checkpoints every
 * N steps, and bit-exact resume from the newest complete checkpoint. FLOPs are counted analytically.
 */
import { join } from 'node:path';
import * as E from '../../engine/index.ts';
import { MangoError } from '../../engine/index.ts';
import { latestCheckpoint, saveCheckpoint, type RunState } from '../checkpoint/checkpoint.ts';
import { makeFolder } from '../../io/files.ts';
import { CheckpointError } from '../checkpoint/safetensors.ts';
import type { Augmentation, BatchPosition } from '../data/batches.ts';
import { trainFlopsPerExample, type Model } from '../architecture.ts';
import { isTokenSplit } from '../lm/token-split.ts';
import { AdamW, cosineWithWarmup, SGD, type Optimizer } from '../optim/optimizer.ts';
import { evaluate, type SplitData } from './evaluate.ts';
import { MetricsCsv } from './metrics-csv.ts';
import { progress } from './progress.ts';
import { appendRunLine } from './run-line.ts';
import { batchLoss, trainStep } from './step.ts';
import { batchesFor } from './batches-for.ts';

/** A step on a synchronous backend never waits on I/O; this lets Ctrl-C and other events reach the loop. */
const letSignalsIn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The loss became NaN or infinite; the last checkpoint on disk is from before it. */
export class TrainingDivergedError extends MangoError {}

export interface TrainOptions {
  model: Model;
  /** images for a ViT; a token split for a decoder (trained on windows of its context) */
  train: SplitData;
  test: SplitData;
  batchSize: number;
  steps: number;
  lr: number;
  warmupSteps?: number;
  minLr?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  clipNorm?: number;
  optimizer?: 'adamw' | 'sgd';
  seed?: number;
  augmentation?: Augmentation;
  /** evaluate every N steps (and at the end); 0: only at the end */
  evalEvery?: number;
  /** checkpoint every N steps (and at the end) when outDir is set */
  checkpointEvery?: number;
  outDir?: string;
  resume?: boolean;
  /** FLOPs already spent before this run (e.g. training the growth operator) */
  startFlops?: number;
  /**
   * This run is steps [offset, offset + steps) of a longer warmup+cosine schedule of `total` steps (a stage
   * of progressive training); default: the schedule spans this run.
   */
  schedule?: { offset: number; total: number };
  showProgress?: boolean;
  label?: string;
  /** stop cleanly (checkpoint, then return) when aborted, e.g. on Ctrl-C */
  signal?: AbortSignal;
  /** saved in checkpoints and handed back on resume */
  extra?: Record<string, unknown>;
  onEval?: (point: EvalPoint) => void;
  /** a held-out split evaluated next to the test set at every evaluation (for choosing settings without the test set) */
  validation?: SplitData;
  /** ends the run after an evaluation for which it returns true (e.g. once a savings bar is passed) */
  stopWhen?: (point: EvalPoint) => boolean;
  /** called after every step with the step number (1-based) and its loss */
  onStep?: (step: number, loss: number) => void;
  /** evaluate before the first step too (a run from given weights: where it starts); not on resume */
  evaluateStart?: boolean;
}

export interface EvalPoint {
  step: number;
  flops: number;
  /** test accuracy */
  accuracy: number;
  /** test cross-entropy */
  loss?: number;
  validationAccuracy?: number;
  validationLoss?: number;
}

export interface TrainResult {
  steps: number;
  flops: number;
  evals: EvalPoint[];
  finalAccuracy: number;
  lastLoss: number;
  /** true when stopped by the signal before `steps` */
  interrupted: boolean;
  /** true when `stopWhen` ended the run before `steps` */
  stoppedEarly: boolean;
  resumedFrom?: number;
  imagesPerSecond: number;
}

/** The model evaluated on the test set (and the validation split, when there is one) at `step` / `flops`. */
export async function evaluationPoint(model: Model, step: number, flops: number, test: SplitData, validation?: SplitData): Promise<EvalPoint> {
  const onTest = await evaluate(model, test);
  const onValidation = validation && await evaluate(model, validation);
  return { step, flops, accuracy: onTest.accuracy, loss: onTest.loss, ...(onValidation ? { validationAccuracy: onValidation.accuracy, validationLoss: onValidation.loss } : {}) };
}

function makeOptimizer(kind: 'adamw' | 'sgd', model: Model, weightDecay: number): Optimizer {
  const params = model.namedParameters();
  return kind === 'sgd' ? new SGD(params, { momentum: 0.9, weightDecay }) : new AdamW(params, { weightDecay });
}

export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { model, batchSize, steps } = options;
  const batches = batchesFor(model.config, options.train, batchSize, options.seed ?? 0, options.augmentation);
  if (batches.perEpoch === 0 && !isTokenSplit(options.train)) throw new MangoError(`batch size ${batchSize} is larger than the ${options.train.count} training examples`, 'use a smaller --batch');
  const optimizer = makeOptimizer(options.optimizer ?? 'adamw', model, options.weightDecay ?? 0.05);
  const flopsPerStep = trainFlopsPerExample(model.config) * batchSize;
  const log = (entry: Record<string, unknown>) => {
    if (options.outDir) appendRunLine(join(options.outDir, 'log.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  };
  if (options.outDir) makeFolder(options.outDir, 'the run folder', CheckpointError);
  const checkpointDir = options.outDir && join(options.outDir, 'checkpoints');

  let step = 0;
  let position: BatchPosition = { epoch: 0, batch: 0 };
  let flops = options.startFlops ?? 0;
  let resumedFrom: number | undefined;
  const evals: EvalPoint[] = [];
  if (options.resume && checkpointDir) {
    const checkpoint = latestCheckpoint(checkpointDir, (path, error) => log({ type: 'skipped-checkpoint', path, error: error.message }));
    if (checkpoint) {
      if (JSON.stringify(checkpoint.state.config) !== JSON.stringify(model.config)) {
        throw new MangoError(`${checkpoint.path} was written for another model config`, 'resume with the same --config, or use a new --out folder');
      }
      model.loadState(checkpoint.model);
      optimizer.loadState({ step: checkpoint.state.optimizer.step, tensors: checkpoint.optimizer });
      model.random.setState(checkpoint.state.random);
      ({ step, position, flops } = checkpoint.state);
      evals.push(...((checkpoint.state.extra?.evals as EvalPoint[] | undefined) ?? []));
      resumedFrom = step;
      log({ type: 'resume', step, path: checkpoint.path });
    }
  }

  const metrics = options.outDir ? new MetricsCsv(join(options.outDir, 'metrics.csv'), resumedFrom) : undefined;

  const runState = (): RunState => ({
    config: model.config, step, position, flops, random: model.random.getState(),
    optimizer: { kind: optimizer.kind, step: step }, extra: { ...options.extra, evals },
  });
  const checkpoint = async () => {
    if (!checkpointDir) return;
    const optimizerState = await optimizer.state();
    const path = saveCheckpoint(checkpointDir, runState(), await model.state(), optimizerState.tensors);
    log({ type: 'checkpoint', step, path });
  };
  let stoppedEarly = false;
  const evaluateNow = async () => {
    const point = await evaluationPoint(model, step, flops, options.test, options.validation);
    evals.push(point);
    log({ type: 'eval', ...point });
    metrics?.append({ step, epoch: position.epoch, flops, test_loss: point.loss, test_accuracy: point.accuracy, validation_loss: point.validationLoss, validation_accuracy: point.validationAccuracy });
    options.onEval?.(point);
    if (options.stopWhen?.(point)) stoppedEarly = true;
  };

  if (options.evaluateStart && step === 0 && resumedFrom === undefined) await evaluateNow();
  const bar = progress(options.label ?? 'train', steps, options.showProgress ?? true);
  const tokensPerExample = isTokenSplit(options.train) && 'context' in model.config ? model.config.context : 0;
  const speedField = (perSecond: number): Record<string, string> =>
    tokensPerExample ? { 'tokens/s': (perSecond * tokensPerExample).toFixed(0) } : { 'img/s': perSecond.toFixed(0) };
  model.train();
  const started = performance.now();
  const firstStep = step;
  let lastLoss = NaN;
  let interrupted = false;
  try {
    while (step < steps) {
      await letSignalsIn();
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const lr = cosineWithWarmup(step + (options.schedule?.offset ?? 0), {
        base: options.lr, warmup: options.warmupSteps ?? 0, total: options.schedule?.total ?? steps, min: options.minLr ?? 0,
      });
      const batch = batches.at(position);
      lastLoss = await trainStep({
        backend: model.backend, loss: () => batchLoss(model, batch, options.labelSmoothing), optimizer, params: () => model.parameters(), lr, clipNorm: options.clipNorm,
      });
      if (!Number.isFinite(lastLoss)) {
        log({ type: 'diverged', step, loss: lastLoss });
        throw new TrainingDivergedError(`the training loss became ${lastLoss} at step ${step + 1}; the last checkpoint (if any) is from before it`,
          'lower --lr, raise --warmup, or enable --clip; then resume from the last checkpoint');
      }
      step++;
      flops += flopsPerStep;
      position = batches.next(position);
      const elapsed = (performance.now() - started) / 1000;
      const imagesPerSecond = ((step - firstStep) * batchSize) / elapsed;
      log({ type: 'train', step, epoch: position.epoch, loss: lastLoss, lr, flops, imagesPerSecond });
      metrics?.append({ step, epoch: position.epoch, flops, train_loss: lastLoss, lr, images_per_second: imagesPerSecond });
      bar.update(step, { loss: lastLoss.toFixed(4), ...speedField(imagesPerSecond), epoch: String(position.epoch) });
      options.onStep?.(step, lastLoss);
      const tuning = await E.tuneKernels(model.backend);
      if (tuning) log({ type: 'kernel-tuning', step, ...tuning });
      if (options.evalEvery && step % options.evalEvery === 0 && step < steps) await evaluateNow();
      if (stoppedEarly) break;
      if (options.checkpointEvery && step % options.checkpointEvery === 0 && step < steps) await checkpoint();
    }
  } finally {
    bar.stop();
  }
  if (!interrupted && evals.at(-1)?.step !== step) await evaluateNow();
  await checkpoint();
  optimizer.dispose();
  const seconds = (performance.now() - started) / 1000;
  return {
    steps: step, flops, evals, finalAccuracy: evals.at(-1)?.accuracy ?? NaN, lastLoss, interrupted, stoppedEarly, resumedFrom,
    imagesPerSecond: ((step - firstStep) * batchSize) / Math.max(seconds, 1e-9),
  };
}
