/**
 * Paired percentile bootstrap over seeds. A seed fixes the data order (and the scratch run) that every
 * method of that seed shares, so a resample draws seeds with replacement and recomputes the whole statistic
 * from the drawn seeds' runs — the scratch reference included — for all methods alike.
 */
import { Random } from '../engine/index.ts';

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  /** the confidence level, e.g. 0.95 */
  level: number;
  /** resamples whose statistic was defined (e.g. the bar was reached) */
  resamples: number;
}

export interface BootstrapOptions {
  resamples?: number;
  level?: number;
  seed?: number;
}

/** The statistic on all seeds, with a percentile interval over seed resamples; undefined if the statistic is. */
export function pairedBootstrap(seeds: readonly number[], statistic: (seeds: readonly number[]) => number | undefined, options: BootstrapOptions = {}): Interval | undefined {
  const estimate = statistic(seeds);
  if (estimate === undefined || seeds.length === 0) return undefined;
  const level = options.level ?? 0.95;
  const random = new Random(options.seed ?? 12345);
  const values: number[] = [];
  for (let r = 0; r < (options.resamples ?? 2000); r++) {
    const drawn = Array.from({ length: seeds.length }, () => seeds[random.int(seeds.length)]);
    const value = statistic(drawn);
    if (value !== undefined && Number.isFinite(value)) values.push(value);
  }
  values.sort((a, b) => a - b);
  return { estimate, low: quantile(values, (1 - level) / 2), high: quantile(values, 1 - (1 - level) / 2), level, resamples: values.length };
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
}
