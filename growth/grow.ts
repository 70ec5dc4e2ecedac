/**
 * One entry point for growing a ViT or a GPT-style decoder: grow(source, targetConfig, method, options) → the target model,
 * the trainable operator when the method has one (mango, ligo), and its cost.
 *   mango          Mango TR-MPO operator, rank R (default 1), all four cores + aux trained
 *   ligo           LiGO: per-module depth mixing, then width expanders (hidden axis shared; per target
 *                  layer Q, K, V and FFN), trained like Mango (growth-baselines.md §1)
 *   bert2bert-fpi  function-preserving index maps (+ stacking for depth)
 *   bert2bert-aki  FPI hidden axis, new heads / FFN units from the layer above (variant B; top layer FPI)
 *   net2net        FPI maps with function-preserving noise; depth by identity blocks
 *   stackbert      depth by stacking (width by FPI if it grows too)
 *   scratch        a freshly initialised target (for comparisons)
 */
import * as E from '../engine/index.ts';
import type { Backend } from '../engine/index.ts';
import { MangoError } from '../engine/index.ts';
import { createModel, validateModelConfig, type Model, type ModelConfig, type ModelFor } from '../models/architecture.ts';
import { didYouMean } from '../models/suggest.ts';
import { deepen, widen, type WidthKind } from './baselines/fixed.ts';
import { checkHeadDim } from './baselines/index-maps.ts';
import { LigoOperator } from './ligo.ts';
import { MangoOperator, type MangoOptions } from './mango.ts';
import { checkPackable } from './pack.ts';
import { checkGrowable } from './compatible.ts';
import { TrainableGrowth } from './trainable.ts';

export const growthMethods = ['mango', 'ligo', 'bert2bert-fpi', 'bert2bert-aki', 'net2net', 'stackbert', 'scratch'] as const;
export type GrowthMethod = (typeof growthMethods)[number];

export interface GrowOptions extends Pick<MangoOptions, 'rank' | 'order' | 'noise' | 'depthInit' | 'widthInit'> {
  seed?: number;
  backend?: Backend;
  /** relative symmetry-breaking noise of net2net (default 1e-2) */
  net2netNoise?: number;
}

export interface GrowResult<M extends Model = Model> {
  target: M;
  operator?: TrainableGrowth;
  /** the Mango cores, for inspection (method 'mango') */
  mango?: MangoOperator;
  cost: { operatorParameters: number; operatorMacsPerStep: number; order?: string };
}

/**
 * Everything that can be wrong with a growth request, checked on the configs alone (before any device work):
 * an unknown method, a smaller target, a different input/output format, a bad rank, a head-dimension change
 * for the head-wise methods, an MLP ratio the method cannot map.
 */
export function checkGrowth(s: ModelConfig, targetConfig: ModelConfig, method: string, options: { rank?: number } = {}): asserts method is GrowthMethod {
  validateModelConfig(targetConfig, 'target config');
  if (!growthMethods.includes(method as GrowthMethod)) throw new MangoError(`unknown growth method "${method}"${didYouMean(method, growthMethods)}`, `use one of: ${growthMethods.join(', ')}`);
  if (method === 'scratch') return;
  checkGrowable(s, targetConfig);
  if (method === 'mango') {
    const rank = options.rank ?? 1;
    if (!Number.isInteger(rank) || rank < 1) throw new MangoError(`Mango rank must be an integer ≥ 1 (got ${rank})`, 'use --rank 1, 2, 4, …');
    checkPackable(s);
    checkPackable(targetConfig);
    return;
  }
  if (method === 'ligo' && targetConfig.mlpRatio !== s.mlpRatio) throw new MangoError('LiGO needs the same MLP ratio in source and target', 'grow between configs with equal mlpRatio');
  if (method === 'ligo' || targetConfig.dim > s.dim) checkHeadDim(s, targetConfig);
}

export async function grow<C extends ModelConfig>(source: Model, targetConfig: C, method: GrowthMethod, options: GrowOptions = {}): Promise<GrowResult<ModelFor<C>>> {
  const s = source.config;
  checkGrowth(s, targetConfig, method, options);
  const backend = options.backend ?? source.backend;
  const random = new E.Random(options.seed ?? 0);
  const target = createModel(targetConfig, { random, backend });
  const none = { operatorParameters: 0, operatorMacsPerStep: 0 };
  if (method === 'scratch') return { target, cost: none };
  if (method === 'mango') {
    const mango = new MangoOperator(s, targetConfig, { ...options, random, backend });
    const growth = new TrainableGrowth(source, target, mango);
    growth.materialize();
    return { target, operator: growth, mango, cost: { operatorParameters: mango.parameterCount(), operatorMacsPerStep: mango.macs(), order: mango.order } };
  }
  if (method === 'ligo') {
    const ligo = new LigoOperator(s, targetConfig, { random, backend });
    const growth = new TrainableGrowth(source, target, ligo);
    growth.materialize();
    return { target, operator: growth, cost: { operatorParameters: ligo.parameterCount(), operatorMacsPerStep: ligo.macs() } };
  }
  const state = await source.state();
  const widthKind: WidthKind = method === 'bert2bert-aki' ? 'aki' : method === 'net2net' ? 'net2net' : 'fpi';
  const wide = targetConfig.dim > s.dim ? widen(state, s, { ...targetConfig, depth: s.depth }, widthKind, random, options.net2netNoise) : state;
  const deep = targetConfig.depth > s.depth ? deepen(wide, s.depth, targetConfig.depth, method === 'net2net' ? 'identity' : 'stack') : wide;
  target.loadState(deep);
  return { target, cost: none };
}
