/** Optimizer primitives: state updates that replace the data of existing tensors (no autograd). */
import type { AdamWHyper } from '../backend/backend.ts';
import { ShapeError } from '../errors.ts';
import { Tensor } from '../tensor.ts';

/** One fused AdamW step: updates `param`, `m` and `v` in place (their data is swapped for the new). */
export function adamwStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hyper: AdamWHyper): void {
  for (const t of [grad, m, v]) {
    if (t.size !== param.size) throw new ShapeError(`adamw state of ${t.size} elements for a parameter of ${param.size}`);
  }
  const out = param.backend.adamw(param.view(), grad.view(), m.view(), v.view(), hyper);
  param.assign(Tensor.fromBuffer(param.backend, out.param, param.shape).keep());
  m.assign(Tensor.fromBuffer(param.backend, out.m, param.shape).keep());
  v.assign(Tensor.fromBuffer(param.backend, out.v, param.shape).keep());
}
