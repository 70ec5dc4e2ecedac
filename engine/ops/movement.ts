/** Views (reshape, permute, expand, slice: no copy when possible) and copies (concat, pad, gather). */
import { record } from '../autograd/node.ts';
import { ShapeError } from '../errors.ts';
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, normalizeAxis, sameShape, sizeOf, viewStrides, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';

/** Resolves one -1 in a target shape. */
function resolveShape(shape: readonly number[], size: number): number[] {
  const unknown = shape.indexOf(-1);
  const known = sizeOf(shape.filter((d) => d !== -1));
  const out = [...shape];
  if (unknown >= 0) out[unknown] = known === 0 ? 0 : size / known;
  if (sizeOf(out) !== size || !out.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`cannot reshape ${size} elements into ${formatShape(shape)}`);
  }
  return out;
}

export function reshape(x: Tensor, shapeLike: readonly number[]): Tensor {
  const shape = resolveShape(shapeLike, x.size);
  const strides = viewStrides(x.shape, x.strides, shape);
  if (strides) return record(x.withGeometry(shape, strides, x.offset), 'reshape', [x], [], { shape: x.shape });
  const source = Tensor.fromBuffer(x.backend, x.backend.contiguous(x.view()), x.shape);
  const out = source.withGeometry(shape, contiguousStrides(shape), source.offset);
  source.dispose();
  return record(out, 'reshape', [x], [], { shape: x.shape });
}

export function permute(x: Tensor, order: readonly number[]): Tensor {
  const axes = order.map((a) => normalizeAxis(a, x.rank));
  if (axes.length !== x.rank || new Set(axes).size !== x.rank) throw new ShapeError(`permutation [${order}] does not fit rank ${x.rank}`);
  const out = x.withGeometry(axes.map((a) => x.shape[a]), axes.map((a) => x.strides[a]), x.offset);
  return record(out, 'permute', [x], [], { order: axes });
}

export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const order = [...x.shape.keys()];
  const i = normalizeAxis(a, x.rank);
  const j = normalizeAxis(b, x.rank);
  [order[i], order[j]] = [order[j], order[i]];
  return permute(x, order);
}

export function expand(x: Tensor, shapeLike: readonly number[]): Tensor {
  const shape = shapeLike.map((d, i) => (d === -1 ? x.shape[i - (shapeLike.length - x.rank)] : d));
  if (!sameShape(broadcastShapes(x.shape, shape), shape)) throw new ShapeError(`cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  const out = x.withGeometry(shape, broadcastStrides(x.shape, x.strides, shape), x.offset);
  return record(out, 'expand', [x], [], { shape: x.shape });
}

/** x[starts[0]:ends[0], starts[1]:ends[1], ...]; missing axes are taken whole; negative indices count from the end. */
export function slice(x: Tensor, startsLike: readonly number[], endsLike?: readonly number[]): Tensor {
  const starts = x.shape.map((d, i) => clampIndex(startsLike[i] ?? 0, d));
  const ends = x.shape.map((d, i) => clampIndex(endsLike?.[i] ?? d, d));
  const shape = starts.map((s, i) => Math.max(0, ends[i] - s));
  const offset = x.offset + starts.reduce((o, s, i) => o + s * x.strides[i], 0);
  const out = x.withGeometry(shape, x.strides, offset);
  return record(out, 'slice', [x], [], { starts, shape: x.shape });
}

function clampIndex(i: number, length: number): number {
  return Math.min(length, Math.max(0, i < 0 ? i + length : i));
}

export function flatten(x: Tensor, from = 0, to = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const a = normalizeAxis(from, x.rank);
  const b = normalizeAxis(to, x.rank);
  return reshape(x, [...x.shape.slice(0, a), sizeOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)]);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis(axis, x.rank);
  if (x.shape[a] !== 1) throw new ShapeError(`cannot squeeze axis ${axis} of size ${x.shape[a]}`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

/** A row-major tensor with the same values: a view when `x` already is one, a copy otherwise. */
export function contiguous(x: Tensor): Tensor {
  const out = x.isContiguous() ? x.withGeometry(x.shape, x.strides, x.offset) : Tensor.fromBuffer(x.backend, x.backend.contiguous(x.view()), x.shape);
  return record(out, 'identity', [x], []);
}

/** Always a fresh copy. */
export function clone(x: Tensor): Tensor {
  return record(Tensor.fromBuffer(x.backend, x.backend.contiguous(x.view()), x.shape), 'identity', [x], []);
}

/** Same data, cut from the graph. */
export function detach(x: Tensor): Tensor {
  return x.withGeometry(x.shape, x.strides, x.offset);
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat of no tensors');
  const a = normalizeAxis(axis, xs[0].rank);
  for (const x of xs) {
    if (x.rank !== xs[0].rank || x.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat along axis ${a} of ${xs.map((t) => formatShape(t.shape)).join(' and ')}`);
    }
  }
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
  const out = Tensor.fromBuffer(xs[0].backend, xs[0].backend.concat(xs.map((x) => x.view()), a), shape);
  return record(out, 'concat', xs, [], { axis: a, sizes: xs.map((x) => x.shape[a]) });
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  const a = normalizeAxis(axis, xs[0].rank + 1);
  const expanded = xs.map((x) => unsqueeze(x, a));
  const out = concat(expanded, a);
  for (const e of expanded) e.dispose();
  return out;
}

export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  const full = x.shape.map((_, i) => pads[i] ?? ([0, 0] as const));
  if (full.some(([b, a]) => b < 0 || a < 0 || !Number.isInteger(b) || !Number.isInteger(a))) throw new ShapeError(`invalid pads ${JSON.stringify(pads)}`);
  const shape = x.shape.map((d, i) => d + full[i][0] + full[i][1]);
  const out = Tensor.fromBuffer(x.backend, x.backend.pad(x.view(), full, value), shape);
  return record(out, 'pad', [x], [], { pads: full });
}

/** index_select: rows of `x` along `axis` at integer `indices` (a 1-D tensor). */
export function gather(x: Tensor, axis: number, indices: Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (indices.rank !== 1) throw new ShapeError(`gather indices must be 1-D, got ${formatShape(indices.shape)}`);
  const shape = [...x.shape];
  shape[a] = indices.shape[0];
  const out = Tensor.fromBuffer(x.backend, x.backend.gather(x.view(), a, indices.view()), shape);
  return record(out, 'gather', [x], [indices], { axis: a, shape: x.shape });
}

/** Zeros of `shape` plus `source` added at `indices` along `axis`; gather's adjoint. */
export function scatterAdd(shape: Shape, axis: number, indices: Tensor, source: Tensor): Tensor {
  const a = normalizeAxis(axis, shape.length);
  const out = Tensor.fromBuffer(source.backend, source.backend.scatterAdd(shape, a, indices.view(), source.view()), shape);
  return record(out, 'scatterAdd', [source], [indices], { axis: a });
}
