/**
 * The savings table of an experiment from its run records: per method the saving at the bar (scratch's mean
 * final accuracy) and at bars below it, each with a paired bootstrap interval over seeds, and every
 * Mango − baseline difference with its interval. Seeds pair the runs: a seed fixes the data order and the
 * scratch run that every method of that seed is measured with.
 */
import { MangoError } from '../engine/index.ts';
import { describeModel, type ModelConfig } from '../models/architecture.ts';
import { isGPTConfig } from '../models/lm/gpt-config.ts';
import type { EvalPoint } from '../models/train/trainer.ts';
import type { GrowthMethod } from '../growth/grow.ts';
import { pairedBootstrap, type BootstrapOptions, type Interval } from './intervals.ts';
import { accuracyAt, flopsToReach, meanAndSpread, meanCurve, saving } from './savings.ts';

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
  /** the run ended once past every bar instead of training its whole budget */
  stoppedEarly?: boolean;
}

export interface MethodSummary {
  label: string;
  runs: number;
  /** runs that trained the whole budget (the final-accuracy columns come from these) */
  fullRuns: number;
  finalAccuracy?: { mean: number; spread: number };
  accuracyAtScratchBudget?: { mean: number; spread: number };
  /** runs that reached the bar within their budget */
  reached: number;
  saving?: Interval;
  /** savings at bars `margin` below the main one (robust to one noisy evaluation near the plateau) */
  savingsBelow: { margin: number; saving?: Interval }[];
}

export interface Comparison {
  mango: string;
  baseline: string;
  /** mean over seeds of saving(mango) − saving(baseline), at the main bar */
  difference?: Interval;
}

export interface Summary {
  metric: Metric;
  /** scratch's mean final score: accuracy, or −loss (see Metric) */
  bar: number;
  scratchBudget: number;
  summaries: MethodSummary[];
  comparisons: Comparison[];
}

/**
 * What the bar is set on: a ViT's test accuracy (higher is better), or a language model's test loss
 * ('loss') or validation loss ('validation-loss') in nats per token (lower is better). The statistics run
 * on a score that is higher-better either way (accuracy, or −loss), so one code path measures all three.
 */
export type Metric = 'accuracy' | 'loss' | 'validation-loss';

export const isLossMetric = (metric: Metric) => metric !== 'accuracy';
const splitOf = (metric: Metric) => (metric === 'validation-loss' ? 'validation' : 'test');

export function metricOf(config: ModelConfig): Metric {
  return isGPTConfig(config) ? 'loss' : 'accuracy';
}

/** The record with its curve and final value as scores (accuracy, or −loss). */
function scored(run: RunRecord, metric: Metric): RunRecord {
  if (metric === 'accuracy') return run;
  const lossOf = (p: EvalPoint) => (metric === 'validation-loss' ? p.validationLoss : p.loss);
  if (run.evals.some((p) => lossOf(p) === undefined)) {
    throw new MangoError(`run ${run.label} seed ${run.seed} has no ${splitOf(metric)} loss on its evaluations`, 'measure savings on a metric its records hold (validation losses exist only where the experiment had a validation split)');
  }
  const evals = run.evals.map((p) => ({ ...p, accuracy: -lossOf(p)! }));
  return { ...run, evals, finalAccuracy: evals.at(-1)?.accuracy ?? NaN };
}

export const defaultMargins = [0.005, 0.01, 0.02];
/** Bars below the main one for a loss metric, in nats per token above scratch's final loss. */
export const defaultLossMargins = [0.01, 0.02, 0.05];

/** The run's saving at `bar`; one that never reaches it counts its whole budget (a bound: the saving is at most this). */
export function savingOrBound(run: RunRecord, reference: readonly EvalPoint[], bar: number): { saving: number; reached: boolean } {
  return { saving: saving(run.evals, reference, bar, run.totalFlops) ?? NaN, reached: flopsToReach(run.evals, bar) !== undefined };
}

export function summarize(records: readonly RunRecord[], options: BootstrapOptions & { margins?: number[]; metric?: Metric } = {}): Summary {
  const metric = options.metric ?? 'accuracy';
  const runs = records.map((r) => scored(r, metric));
  const scratch = new Map(runs.filter((r) => r.method === 'scratch').map((r) => [r.seed, r]));
  if (scratch.size === 0) throw new MangoError('the experiment needs scratch runs as the reference', 'add scratch to --methods');
  const labels = [...new Set(runs.map((r) => r.label))];
  const runOf = new Map(runs.map((r) => [`${r.label}/${r.seed}`, r]));
  const seedsOf = (label: string) => [...scratch.keys()].filter((s) => runOf.has(`${label}/${s}`));
  const bar = meanAndSpread([...scratch.values()].map((r) => r.finalAccuracy)).mean;
  const budget = meanAndSpread([...scratch.values()].map((r) => r.totalFlops)).mean;
  // The whole statistic on a draw of seeds: their scratch runs make the reference and the bar.
  const reference = (seeds: readonly number[]) => meanCurve(seeds.map((s) => scratch.get(s)!.evals));
  const barOf = (seeds: readonly number[], margin: number) => seeds.reduce((sum, s) => sum + scratch.get(s)!.finalAccuracy, 0) / seeds.length - margin;
  const meanSaving = (label: string, seeds: readonly number[], margin: number, minus?: string) => {
    const curve = reference(seeds);
    const level = barOf(seeds, margin);
    const of = (l: string, s: number) => savingOrBound(runOf.get(`${l}/${s}`)!, curve, level).saving;
    const mean = seeds.reduce((sum, s) => sum + of(label, s) - (minus ? of(minus, s) : 0), 0) / seeds.length;
    return Number.isFinite(mean) ? mean : undefined;
  };
  const margins = options.margins ?? (isLossMetric(metric) ? defaultLossMargins : defaultMargins);
  const fullReference = reference([...scratch.keys()]);
  const summaries = labels.map((label): MethodSummary => {
    const group = runs.filter((r) => r.label === label);
    const full = group.filter((r) => !r.stoppedEarly);
    const seeds = seedsOf(label);
    const atBudget = full.map((r) => accuracyAt(r.evals, budget)).filter((v): v is number => v !== undefined);
    const interval = (margin: number) => (label === 'scratch' && margin === 0 ? undefined : pairedBootstrap(seeds, (drawn) => meanSaving(label, drawn, margin), options));
    return {
      label, runs: group.length, fullRuns: full.length,
      ...(full.length ? { finalAccuracy: meanAndSpread(full.map((r) => r.finalAccuracy)) } : {}),
      ...(atBudget.length ? { accuracyAtScratchBudget: meanAndSpread(atBudget) } : {}),
      reached: seeds.filter((s) => savingOrBound(runOf.get(`${label}/${s}`)!, fullReference, bar).reached).length,
      saving: interval(0),
      savingsBelow: margins.map((margin) => ({ margin, saving: interval(margin) })),
    };
  });
  const grown = labels.filter((l) => l !== 'scratch');
  const comparisons = grown.filter((l) => l.startsWith('mango')).flatMap((mango) => grown.filter((b) => !b.startsWith('mango')).map((baseline): Comparison => {
    const seeds = seedsOf(mango).filter((s) => runOf.has(`${baseline}/${s}`));
    return { mango, baseline, difference: pairedBootstrap(seeds, (drawn) => meanSaving(mango, drawn, 0, baseline), options) };
  }));
  return { metric, bar, scratchBudget: budget, summaries, comparisons };
}

const percent = (v: number) => (100 * v).toFixed(1);
const withInterval = (i?: Interval) => (i ? `${percent(i.estimate)} [${percent(i.low)}, ${percent(i.high)}]` : 'n/a');
const meanSpreadOf = (v: { mean: number; spread: number } | undefined, metric: Metric) => {
  if (!v) return 'n/a';
  return isLossMetric(metric) ? `${(-v.mean).toFixed(4)} ± ${v.spread.toFixed(4)}` : `${(100 * v.mean).toFixed(2)} ± ${(100 * v.spread).toFixed(2)}`;
};

export function markdownTable(result: Summary, spec: { source: ModelConfig; target: ModelConfig }): string {
  const margins = result.summaries[0]?.savingsBelow.map((b) => b.margin) ?? [];
  const comparisons = result.comparisons.filter((c) => c.difference);
  const loss = isLossMetric(result.metric);
  const split = splitOf(result.metric);
  const meanSpread = (v?: { mean: number; spread: number }) => meanSpreadOf(v, result.metric);
  return [
    `Source ${describeModel(spec.source)} → target ${describeModel(spec.target)}.`,
    loss
      ? `The bar (scratch's mean final ${split} loss): ${(-result.bar).toFixed(4)} nats/token; scratch budget ${(result.scratchBudget / 1e12).toFixed(3)} TFLOPs.`
      : `The bar (scratch's mean final accuracy): ${(100 * result.bar).toFixed(2)}%; scratch budget ${(result.scratchBudget / 1e12).toFixed(3)} TFLOPs.`,
    '',
    loss
      ? `| method | runs (full budget) | final ${split} loss | loss at scratch budget | reached the bar | saving % [95% CI] | ${margins.map((m) => `saving % at bar +${m} nats`).join(' | ')} |`
      : `| method | runs (full budget) | final acc % | acc % at scratch budget | reached the bar | saving % [95% CI] | ${margins.map((m) => `saving % at bar −${(100 * m).toFixed(1)} pt`).join(' | ')} |`,
    `|---|---|---|---|---|---|${margins.map(() => '---|').join('')}`,
    ...result.summaries.map((s) => {
      const cells = [withInterval(s.saving), ...s.savingsBelow.map((b) => withInterval(b.saving))];
      const savings = s.label === 'scratch' ? cells.map(() => '—') : cells;
      return `| ${s.label} | ${s.runs} (${s.fullRuns}) | ${meanSpread(s.finalAccuracy)} | ${meanSpread(s.accuracyAtScratchBudget)} | ${s.reached}/${s.runs} | ${savings.join(' | ')} |`;
    }),
    '',
    ...(comparisons.length ? [
      '| Mango − baseline | saving difference, pt [95% CI] |', '|---|---|',
      ...comparisons.map((c) => `| ${c.mango} − ${c.baseline} | ${withInterval(c.difference)} |`), '',
    ] : []),
    'saving = 1 − FLOPs for the run to reach the bar (operator training or shallow stage included) / FLOPs for the mean scratch curve to reach it; '
      + 'a run that never reaches it counts its whole budget (a bound). Intervals: paired percentile bootstrap over seeds (each draw recomputes the scratch reference and the bar). '
      + `Final ${loss ? `${split} loss (nats/token)` : 'accuracy'}: mean ± std over the runs that trained the whole budget.`,
  ].join('\n');
}
