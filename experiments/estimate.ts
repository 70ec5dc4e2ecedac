/**
 * How long an experiment will take, said before it starts: the work left (target training of every run
 * without a result, its evaluations, the source's training when it is trained here) counted in FLOPs, and
 * this machine's rate measured on a few training steps of the target model. An upper bound where grown runs
 * may stop once past the bar. Operator training is left out (a few percent of a run).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../engine/index.ts';
import { createModel, trainFlopsPerExample, type ModelConfig } from '../models/architecture.ts';
import { batchesFor } from '../models/train/batches-for.ts';
import { forwardFlops } from '../models/flops.ts';
import { gptForwardFlops } from '../models/lm/gpt-flops.ts';
import { isGPTConfig } from '../models/lm/gpt-config.ts';
import { isTokenSplit } from '../models/lm/token-split.ts';
import type { SplitData } from '../models/train/evaluate.ts';
import { AdamW } from '../models/optim/optimizer.ts';
import { batchLoss, trainStep } from '../models/train/step.ts';
import { labelOf, type ExperimentSpec } from './spec.ts';

export interface Estimate {
  runsLeft: number;
  flops: number;
  flopsPerSecond: number;
  seconds: number;
}

type Plan = Pick<ExperimentSpec, 'outDir' | 'methods' | 'seeds' | 'source' | 'target' | 'train' | 'test' | 'validation' | 'batchSize' | 'sourceSteps' | 'targetSteps' | 'evalEvery' | 'sourceWeights'>;

/** Training FLOPs per second of `config` on `backend`: the median of a few steps after a first (compiling) one. */
export async function measuredRate(config: ModelConfig, backend: Backend, data: SplitData, batchSize: number, steps = 3): Promise<number> {
  const model = createModel(config, { seed: 0, backend });
  const optimizer = new AdamW(model.namedParameters());
  const batch = batchesFor(config, data, batchSize, 0).at({ epoch: 0, batch: 0 });
  const times: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const started = performance.now();
    await trainStep({ backend, loss: () => batchLoss(model, batch, 0.1), optimizer, params: () => model.parameters(), lr: 1e-4, clipNorm: 1 });
    if (i > 0) times.push((performance.now() - started) / 1000);
  }
  optimizer.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  return (trainFlopsPerExample(config) * batchSize) / times[Math.floor(times.length / 2)];
}

export function remainingFlops(plan: Plan): { runsLeft: number; flops: number } {
  const evalsPerRun = Math.ceil(plan.targetSteps / plan.evalEvery) + 1;
  const perRun = plan.targetSteps * plan.batchSize * trainFlopsPerExample(plan.target) + evalsPerRun * evaluationFlops(plan.target, plan.test, plan.validation);
  const runsLeft = plan.seeds.flatMap((seed) => plan.methods.map((m) => join(plan.outDir, `${labelOf(m)}-s${seed}`, 'result.json'))).filter((p) => !existsSync(p)).length;
  const sourceDone = plan.sourceWeights !== undefined || existsSync(join(plan.outDir, 'source', 'result.json'));
  const source = sourceDone ? 0 : plan.sourceSteps * plan.batchSize * trainFlopsPerExample(plan.source);
  return { runsLeft, flops: runsLeft * perRun + source };
}

/** Forward FLOPs of one evaluation on the test and validation splits (a text split: its evaluation windows). */
function evaluationFlops(config: ModelConfig, ...splits: (SplitData | undefined)[]): number {
  return splits.reduce((sum, data) => {
    if (!data) return sum;
    if (isTokenSplit(data) && isGPTConfig(config)) {
      const windows = Math.min(Math.floor((data.tokens.length - 1) / config.context), data.evalWindows ?? Infinity);
      return sum + windows * gptForwardFlops(config).forward;
    }
    return isTokenSplit(data) || isGPTConfig(config) ? sum : sum + data.count * forwardFlops(config).forward;
  }, 0);
}

export async function estimate(plan: Plan, backend: Backend): Promise<Estimate> {
  const { runsLeft, flops } = remainingFlops(plan);
  const flopsPerSecond = runsLeft > 0 ? await measuredRate(plan.target, backend, plan.train, plan.batchSize) : NaN;
  return { runsLeft, flops, flopsPerSecond, seconds: runsLeft > 0 ? flops / flopsPerSecond : 0 };
}

export function describeDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
