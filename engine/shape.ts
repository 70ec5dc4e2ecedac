/** Shape and stride arithmetic shared by the engine and every backend. */
import { ShapeError } from './errors.ts';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Strides that let `newShape` view the same elements as (oldShape, oldStrides) in row-major order, or
 * undefined when no view exists (a copy is needed). Splitting and merging axes is allowed as long as each
 * merged group of old axes is itself laid out contiguously (PyTorch's rule for `view`).
 */
export function viewStrides(oldShape: Shape, oldStrides: readonly number[], newShape: Shape): number[] | undefined {
  if (oldShape.length === 0 || sizeOf(oldShape) === 0) return contiguousStrides(newShape);
  const strides = new Array<number>(newShape.length);
  let newAxis = newShape.length - 1;
  let chunkStride = oldStrides[oldShape.length - 1];
  let oldCount = 1, newCount = 1;
  for (let oldAxis = oldShape.length - 1; oldAxis >= 0; oldAxis--) {
    oldCount *= oldShape[oldAxis];
    const chunkEnds = oldAxis === 0 || (oldShape[oldAxis - 1] !== 1 && oldStrides[oldAxis - 1] !== oldCount * chunkStride);
    if (!chunkEnds) continue;
    while (newAxis >= 0 && (newCount < oldCount || newShape[newAxis] === 1)) {
      strides[newAxis] = newCount * chunkStride;
      newCount *= newShape[newAxis];
      newAxis--;
    }
    if (newCount !== oldCount) return undefined;
    if (oldAxis > 0) {
      chunkStride = oldStrides[oldAxis - 1];
      oldCount = 1;
      newCount = 1;
    }
  }
  return newAxis === -1 ? strides : undefined;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export function broadcastShapes(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const o = rank - shape.length + i;
      const d = shape[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] !== 1) throw new ShapeError(`shapes [${shapes.map((s) => s.join(',')).join('] and [')}] do not broadcast`);
      out[o] = d;
    }
  }
  return out;
}

/** Strides that read `shape`/`strides` as if broadcast to `target` (stride 0 along broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  return out;
}

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank || !Number.isInteger(a)) throw new ShapeError(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b);
  return out;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
