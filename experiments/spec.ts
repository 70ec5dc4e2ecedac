/** What an experiment is: its settings (shared by every run of a folder, recorded in spec.json), its methods and its result. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../engine/index.ts';
import type { ModelConfig } from '../models/architecture.ts';
import { isTokenSplit } from '../models/lm/token-split.ts';
import type { SplitData } from '../models/train/evaluate.ts';
import type { Augmentation } from '../models/data/batches.ts';
import type { HostTensor } from '../models/checkpoint/host-tensor.ts';
import { checkSameSettings } from '../models/checkpoint/recorded-settings.ts';
import type { GrowthMethod } from '../growth/grow.ts';
import { readJson } from '../io/files.ts';
import type { RunRecord, Summary } from './summary.ts';

export interface MethodSpec {
  method: GrowthMethod;
  rank?: number;
  /** Mango's width init when not the default copies (label mango-mix-rR) */
  widthInit?: 'mix';
}

export interface ExperimentSpec {
  source: ModelConfig;
  target: ModelConfig;
  /** images for ViTs, token splits for language models */
  train: SplitData;
  test: SplitData;
  backend: Backend;
  batchSize: number;
  sourceSteps: number;
  targetSteps: number;
  lr: number;
  /**
   * peak lr of the runs that start from the source (every method but scratch and StackBERT, which does not
   * use it); default: lr, the scratch recipe's
   */
  grownLr?: number;
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
  validation?: SplitData;
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
  /** the same statistics with the bar on validation loss (a decoder with a validation split) */
  validation?: Summary;
  /** the plots the report wrote */
  plots?: string[];
  interrupted: boolean;
}

export const labelOf = (m: MethodSpec) => (m.method === 'mango' ? `mango-${m.widthInit ? `${m.widthInit}-` : ''}r${m.rank ?? 1}` : m.method);

/** What every run of an experiment folder shares (not which methods and seeds it holds): spec.json records it. */
export function sharedSettings(spec: Omit<ExperimentSpec, 'backend'>): Record<string, unknown> {
  return {
    source: spec.source, target: spec.target, batchSize: spec.batchSize, sourceSteps: spec.sourceSteps, targetSteps: spec.targetSteps,
    lr: spec.lr, grownLr: spec.grownLr ?? null, warmupSteps: spec.warmupSteps, operatorSteps: spec.operatorSteps, operatorLr: spec.operatorLr, mangoNoise: spec.mangoNoise ?? null, evalEvery: spec.evalEvery,
    train: sizeOf(spec.train), test: sizeOf(spec.test), augmentation: spec.augmentation ?? null, labelSmoothing: spec.labelSmoothing ?? null,
    validation: spec.validation ? sizeOf(spec.validation) : null, sourceWeights: spec.sourceWeights?.path ?? null,
    ...(isTokenSplit(spec.test) ? { testWindows: spec.test.evalWindows ?? null } : {}),
  };
}

/** Examples in a split: images, or tokens. */
export function sizeOf(data: SplitData): number {
  return isTokenSplit(data) ? data.tokens.length : data.count;
}

/** The methods whose target run starts from the source's weights (StackBERT grows its own shallow model). */
export const usesSource = (m: MethodSpec) => m.method !== 'scratch' && m.method !== 'stackbert';

/**
 * Settings only some runs use bind a folder once such a run has started (until then, e.g. while only
 * scratch runs exist, they may still change): the operator's (Mango, LiGO) and the grown runs' lr.
 */
const partialSettings: { keys: string[]; usedBy: (m: MethodSpec) => boolean }[] = [
  { keys: ['operatorSteps', 'operatorLr', 'mangoNoise'], usedBy: (m) => m.method === 'mango' || m.method === 'ligo' },
  { keys: ['grownLr'], usedBy: (m) => usesSource(m) },
];

/** Labels of the methods with a run folder that has begun (its growth.json written). */
function startedLabels(outDir: string): Set<string> {
  return new Set(readdirSync(outDir).filter((d) => existsSync(join(outDir, d, 'growth.json'))).map((d) => d.replace(/-s\d+$/, '')));
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
  const methods = (recorded.methods ?? []) as MethodSpec[];
  const started = startedLabels(spec.outDir);
  const unused = partialSettings.filter((p) => !methods.filter(p.usedBy).some((m) => started.has(labelOf(m)))).flatMap((p) => p.keys);
  const shared = Object.entries(sharedSettings(spec)).filter(([k]) => (k in recorded || !fieldsAddedLater.includes(k)) && !unused.includes(k));
  checkSameSettings(`the experiment in ${spec.outDir}`, Object.fromEntries(shared.map(([k]) => [k, recorded[k] ?? null])), Object.fromEntries(shared),
    'rerun with the recorded settings (see its spec.json), or choose another --out for the new ones');
}

