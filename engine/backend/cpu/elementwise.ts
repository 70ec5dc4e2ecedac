/** Unary, binary and ternary elementwise kernels of the CPU backend: each op's math from the elementwise table. */
import type { BinaryOp, UnaryOp, View } from '../backend.ts';
import { sizeOf } from '../../shape.ts';
import { gatherView } from './strided.ts';
import { binaryEntry, unaryEntry } from '../../elementwise-table.ts';
import { erf } from './math.ts';

export function unary(op: UnaryOp, view: View): Float32Array {
  const x = gatherView(view);
  const f = unaryEntry(op).cpu;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  return y;
}

export function binary(op: BinaryOp, aView: View, bView: View): Float32Array {
  const a = gatherView(aView);
  const b = gatherView(bView);
  const f = binaryEntry(op).cpu;
  const n = sizeOf(aView.shape);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = f(a[i], b[i]);
  return y;
}

export function where(condView: View, aView: View, bView: View): Float32Array {
  const c = gatherView(condView);
  const a = gatherView(aView);
  const b = gatherView(bView);
  const y = new Float32Array(c.length);
  for (let i = 0; i < c.length; i++) y[i] = c[i] !== 0 ? a[i] : b[i];
  return y;
}

export { erf };
