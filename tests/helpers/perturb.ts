import * as E from '../../engine/index.ts';
import type { Tensor } from '../../engine/index.ts';

/**
 * Adds N(0, std²) noise to every parameter in place (tensor of size n draws from Random(n + seed)), so norms
 * and biases are not ones and zeros and a preservation test cannot pass by that accident.
 */
export function perturbParameters<M extends { namedParameters(): [string, Tensor][] }>(model: M, std: number, seed = 0): M {
  for (const [, p] of model.namedParameters()) p.assign(p.add(E.randn(p.shape, { std, random: new E.Random(p.size + seed) })).keep());
  return model;
}
