/** Optimizer primitives: state updates that replace the data of existing tensors (no autograd). */
import type { AdamWHyper } from '../backend/backend.ts';
import { ShapeError } from '../errors.ts';
import { Tensor } from '../tensor.ts';
import { asTensors } from './elementwise.ts';

/**
 * One fused AdamW step: updates `param`, `m` and `v` in place (their data is swapped for the new). With
 * `gradScale` (one value, e.g. a clipping factor computed on the device) the gradient is scaled first.
 */
export function adamwStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hyper: AdamWHyper, gradScale?: Tensor): void {
  for (const t of [grad, m, v]) {
    if (t.size !== param.size) throw new ShapeError(`adamw state of ${t.size} elements for a parameter of ${param.size}`);
  }
  if (gradScale && gradScale.size !== 1) throw new ShapeError(`adamw gradient scale of ${gradScale.size} elements: it must be one value`);
  const out = param.backend.adamw(param.view(), grad.view(), m.view(), v.view(), hyper, gradScale?.view());
  param.assign(Tensor.fromBuffer(param.backend, out.param, param.shape).keep());
  m.assign(Tensor.fromBuffer(param.backend, out.m, param.shape).keep());
  v.assign(Tensor.fromBuffer(param.backend, out.v, param.shape).keep());
}

/** Σx² of each tensor as a [count] tensor (no gradient): one reduction per tensor, no separate square. */
export function squaredNorms(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new ShapeError('squaredNorms of an empty list of tensors');
  const [first] = asTensors(xs);   // one backend for all
  return Tensor.fromBuffer(first.backend, first.backend.squaredNorms(xs.map((x) => x.view())), [xs.length]);
}
