/**
 * LiGO's "rand" width init (growth-baselines.md §1): every new unit a row-normalised uniform mixture of all
 * old units. Mixtures still span only the source width at init, but unlike copies (equal gradients, copies
 * forever) they do not commute with LayerNorm's centring or GELU, so training leaves that subspace at once
 * (tests/growth/width-symmetry.test.ts); the price is function preservation.
 */
import type { Random } from '../engine/index.ts';

/** [added, from]: row r is new unit r's weights over the old units (uniform, summing to 1). */
export function randomMixtures(added: number, from: number, random: Random): Float32Array {
  const values = new Float32Array(added * from);
  for (let r = 0; r < added; r++) {
    let sum = 0;
    for (let c = 0; c < from; c++) sum += (values[r * from + c] = random.uniform());
    for (let c = 0; c < from; c++) values[r * from + c] /= sum;
  }
  return values;
}

/** [from, to] expander: old unit j < from kept as itself, new unit j ≥ from a random mixture of the old ones. */
export function mixingExpander(from: number, to: number, random: Random): Float32Array {
  const mixtures = randomMixtures(to - from, from, random);
  const expander = new Float32Array(from * to);
  for (let i = 0; i < from; i++) {
    expander[i * to + i] = 1;
    for (let j = from; j < to; j++) expander[i * to + j] = mixtures[(j - from) * from + i];
  }
  return expander;
}
