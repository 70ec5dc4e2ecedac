/** Reductions over any axes, with keepDims; mean is sum / count. */
import { record } from '../autograd/node.ts';
import { normalizeAxes, normalizeAxis, sizeOf, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { reshape } from './movement.ts';

function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

function reduction(op: 'sum' | 'max' | 'min', x: Tensor, axesLike: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normalizeAxes(axesLike, x.rank);
  const shape = reducedShape(x.shape, axes, keepDims);
  const out = Tensor.fromBuffer(x.backend, x.backend.reduce(op, x.view(), axes), shape);
  return record(out, op, [x], op === 'sum' ? [] : [x, out], { axes, keepDims });
}

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduction('sum', x, axes, keepDims);
}

export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduction('max', x, axes, keepDims);
}

export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduction('min', x, axes, keepDims);
}

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const count = sizeOf(normalizeAxes(axes, x.rank).map((a) => x.shape[a]));
  const total = sum(x, axes, keepDims);
  const out = total.mul(1 / count);
  total.dispose();
  return out;
}

/** Index of the first maximum along `axis` (as f32); not differentiable. */
export function argmax(x: Tensor, axis: number, keepDims = false): Tensor {
  const a = normalizeAxis(axis, x.rank);
  return Tensor.fromBuffer(x.backend, x.backend.reduce('argmax', x.view(), [a]), reducedShape(x.shape, [a], keepDims));
}

/** Sums `x` down to `shape` (the adjoint of broadcasting `shape` up to x.shape). */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  const lead = x.rank - shape.length;
  const axes = x.shape.map((d, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1));
  if (axes.length === 0) return reshape(x, shape);
  const reduced = sum(x, axes, true);
  const out = reshape(reduced, shape);
  reduced.dispose();
  return out;
}
