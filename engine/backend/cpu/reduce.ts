/** Reductions over any set of axes: the reduced axes are moved last, then each output reduces one run. */
import type { ReduceOp, View } from '../backend.ts';
import { sizeOf } from '../../shape.ts';
import { offsetsOf } from './strided.ts';

export function reduce(op: ReduceOp, view: View, axes: readonly number[]): Float32Array {
  const kept = view.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...kept, ...axes];
  const offsets = offsetsOf(order.map((i) => view.shape[i]), order.map((i) => view.strides[i]), view.offset);
  const outSize = sizeOf(kept.map((i) => view.shape[i]));
  const run = sizeOf(axes.map((i) => view.shape[i]));
  const x = view.buffer as Float32Array;
  const y = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * run;
    switch (op) {
      case 'sum': {
        let s = 0;
        for (let r = 0; r < run; r++) s += x[offsets[start + r]];
        y[o] = s;
        break;
      }
      case 'max':
      case 'min': {
        let best = op === 'max' ? -Infinity : Infinity;
        for (let r = 0; r < run; r++) {
          const v = x[offsets[start + r]];
          if (v !== v) { best = NaN; break; }
          if (op === 'max' ? v > best : v < best) best = v;
        }
        y[o] = best;
        break;
      }
      case 'argmax': {
        let best = -Infinity;
        let at = 0;
        for (let r = 0; r < run; r++) {
          const v = x[offsets[start + r]];
          if (v !== v) { at = r; break; }
          if (v > best) { best = v; at = r; }
        }
        y[o] = at;
        break;
      }
      default: throw new Error(`unknown reduction ${op satisfies never}`);
    }
  }
  return y;
}
