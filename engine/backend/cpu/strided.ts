/** Offsets of a strided view's elements in row-major order: the CPU backend's only indexing routine. */
import type { View } from '../backend.ts';
import { isContiguous, sizeOf, type Shape } from '../../shape.ts';

export function offsetsOf(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const last = rank - 1;
  const lastLength = shape[last];
  const lastStride = strides[last];
  const index = new Array<number>(rank).fill(0);
  let base = offset;
  let p = 0;
  for (;;) {
    for (let j = 0; j < lastLength; j++) out[p++] = base + j * lastStride;
    let d = last - 1;
    for (; d >= 0; d--) {
      index[d]++;
      base += strides[d];
      if (index[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      index[d] = 0;
    }
    if (d < 0) return out;
  }
}

export function viewOffsets(view: View): Int32Array {
  return offsetsOf(view.shape, view.strides, view.offset);
}

/** The view's elements as a row-major array; shares memory when the view already is one. */
export function gatherView(view: View): Float32Array {
  const data = view.buffer as Float32Array;
  const n = sizeOf(view.shape);
  if (isContiguous(view.shape, view.strides)) return data.subarray(view.offset, view.offset + n);
  const offsets = viewOffsets(view);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[offsets[i]];
  return out;
}
