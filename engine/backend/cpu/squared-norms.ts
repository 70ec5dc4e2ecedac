/** Σx² per view on the CPU (float64 accumulation). */
import type { View } from '../backend.ts';
import { gatherView } from './strided.ts';

export function squaredNorms(xs: readonly View[]): Float32Array {
  return Float32Array.from(xs, (x) => gatherView(x).reduce((sum, v) => sum + v * v, 0));
}
