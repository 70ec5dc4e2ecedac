/** What every growth needs of a source and target pair: the same family, input and output format, and a target no smaller. */
import { MangoError } from '../engine/index.ts';
import { familyOf, formatFields, type ModelConfig } from '../models/architecture.ts';

export function checkGrowable(source: ModelConfig, target: ModelConfig): void {
  if (familyOf(source) !== familyOf(target)) {
    throw new MangoError(`cannot grow a ${familyOf(source) === 'gpt' ? 'language model' : 'ViT'} into a ${familyOf(target) === 'gpt' ? 'language model' : 'ViT'}`, 'choose a target of the source\'s family');
  }
  if (target.dim < source.dim || target.depth < source.depth) {
    throw new MangoError(`cannot grow d${source.dim}·L${source.depth} into the smaller d${target.dim}·L${target.depth}`, 'choose a target at least as wide and as deep as the source');
  }
  const [s, t] = [formatFields(source), formatFields(target)];
  for (const key of Object.keys(s)) {
    if (s[key] !== t[key]) throw new MangoError(`source and target differ in ${key} (${s[key]} vs ${t[key]})`, 'growth keeps the input and output format; only width and depth grow');
  }
}
