/** What every growth needs of a source and target pair: the same input and output format, and a target no smaller. */
import { MangoError } from '../engine/index.ts';
import type { ViTConfig } from '../models/config.ts';

export function checkGrowable(source: ViTConfig, target: ViTConfig): void {
  if (target.dim < source.dim || target.depth < source.depth) {
    throw new MangoError(`cannot grow d${source.dim}·L${source.depth} into the smaller d${target.dim}·L${target.depth}`, 'choose a target at least as wide and as deep as the source');
  }
  for (const key of ['imageSize', 'channels', 'patchSize', 'classes'] as const) {
    if (source[key] !== target[key]) throw new MangoError(`source and target differ in ${key} (${source[key]} vs ${target[key]})`, 'growth keeps the input and output format; only width and depth grow');
  }
}
