/** Copies that move data between layouts: gather/scatter-add, concat, pad. */
import type { View } from '../backend.ts';
import { ShapeError } from '../../errors.ts';
import { contiguousStrides, sizeOf, type Shape } from '../../shape.ts';
import { gatherView, offsetsOf } from './strided.ts';

/** Splits a row-major shape at `axis` into [outer, axisLength, inner]. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function checkedIndex(value: number, length: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= length) {
    throw new ShapeError(`index ${value} is out of range for an axis of length ${length}`, 'indices must be integers in [0, length)');
  }
  return value;
}

export function gather(view: View, axis: number, indicesView: View): Float32Array {
  const x = gatherView(view);
  const indices = gatherView(indicesView);
  const [outer, length, inner] = around(view.shape, axis);
  const out = new Float32Array(outer * indices.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < indices.length; k++) {
      const source = (o * length + checkedIndex(indices[k], length)) * inner;
      out.set(x.subarray(source, source + inner), (o * indices.length + k) * inner);
    }
  }
  return out;
}

export function scatterAdd(shape: Shape, axis: number, indicesView: View, sourceView: View): Float32Array {
  const source = gatherView(sourceView);
  const indices = gatherView(indicesView);
  const [outer, length, inner] = around(shape, axis);
  const out = new Float32Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < indices.length; k++) {
      const target = (o * length + checkedIndex(indices[k], length)) * inner;
      const from = (o * indices.length + k) * inner;
      for (let i = 0; i < inner; i++) out[target + i] += source[from + i];
    }
  }
  return out;
}

export function concat(views: readonly View[], axis: number): Float32Array {
  const outShape = [...views[0].shape];
  outShape[axis] = views.reduce((s, v) => s + v.shape[axis], 0);
  const [outer, total, inner] = around(outShape, axis);
  const out = new Float32Array(outer * total * inner);
  let start = 0;
  for (const view of views) {
    const x = gatherView(view);
    const block = view.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(x.subarray(o * block, (o + 1) * block), (o * total + start) * inner);
    start += view.shape[axis];
  }
  return out;
}

export function pad(view: View, pads: readonly (readonly [number, number])[], value: number): Float32Array {
  const outShape = view.shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const out = new Float32Array(sizeOf(outShape)).fill(value);
  const outStrides = contiguousStrides(outShape);
  const start = pads.reduce((s, [before], i) => s + before * outStrides[i], 0);
  const targets = offsetsOf(view.shape, outStrides, start);
  const x = gatherView(view);
  for (let i = 0; i < x.length; i++) out[targets[i]] = x[i];
  return out;
}
