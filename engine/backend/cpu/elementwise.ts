/** Unary, binary and ternary elementwise kernels of the CPU backend: one tight loop per op. */
import type { BinaryOp, UnaryOp, View } from '../backend.ts';
import { sizeOf } from '../../shape.ts';
import { gatherView } from './strided.ts';
import { erf, geluErf, geluErfGrad, geluTanh, geluTanhGrad, sigmoid } from './math.ts';

export function unary(op: UnaryOp, view: View): Float32Array {
  const x = gatherView(view);
  const n = x.length;
  const y = new Float32Array(n);
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -x[i]; break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(x[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]); break;
    case 'rsqrt': for (let i = 0; i < n; i++) y[i] = 1 / Math.sqrt(x[i]); break;
    case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]); break;
    case 'relu': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; break;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]); break;
    case 'sign': for (let i = 0; i < n; i++) y[i] = Math.sign(x[i]); break;
    case 'square': for (let i = 0; i < n; i++) y[i] = x[i] * x[i]; break;
    case 'reciprocal': for (let i = 0; i < n; i++) y[i] = 1 / x[i]; break;
    case 'geluTanh': for (let i = 0; i < n; i++) y[i] = geluTanh(x[i]); break;
    case 'geluErf': for (let i = 0; i < n; i++) y[i] = geluErf(x[i]); break;
    case 'step': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? 1 : 0; break;
    default: throw new Error(`unknown unary op ${op satisfies never}`);
  }
  return y;
}

export function binary(op: BinaryOp, aView: View, bView: View): Float32Array {
  const a = gatherView(aView);
  const b = gatherView(bView);
  const n = sizeOf(aView.shape);
  const y = new Float32Array(n);
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) y[i] = a[i] + b[i]; break;
    case 'sub': for (let i = 0; i < n; i++) y[i] = a[i] - b[i]; break;
    case 'mul': for (let i = 0; i < n; i++) y[i] = a[i] * b[i]; break;
    case 'div': for (let i = 0; i < n; i++) y[i] = a[i] / b[i]; break;
    case 'pow': for (let i = 0; i < n; i++) y[i] = Math.pow(a[i], b[i]); break;
    case 'maximum': for (let i = 0; i < n; i++) y[i] = a[i] !== a[i] || b[i] !== b[i] ? NaN : Math.max(a[i], b[i]); break;
    case 'minimum': for (let i = 0; i < n; i++) y[i] = a[i] !== a[i] || b[i] !== b[i] ? NaN : Math.min(a[i], b[i]); break;
    case 'lt': for (let i = 0; i < n; i++) y[i] = a[i] < b[i] ? 1 : 0; break;
    case 'le': for (let i = 0; i < n; i++) y[i] = a[i] <= b[i] ? 1 : 0; break;
    case 'gt': for (let i = 0; i < n; i++) y[i] = a[i] > b[i] ? 1 : 0; break;
    case 'ge': for (let i = 0; i < n; i++) y[i] = a[i] >= b[i] ? 1 : 0; break;
    case 'eq': for (let i = 0; i < n; i++) y[i] = a[i] === b[i] ? 1 : 0; break;
    case 'ne': for (let i = 0; i < n; i++) y[i] = a[i] !== b[i] ? 1 : 0; break;
    // gelu′ rounded to float32 first, exactly as the unary gradient op followed by a multiply.
    case 'geluErfBackward': for (let i = 0; i < n; i++) y[i] = Math.fround(geluErfGrad(a[i])) * b[i]; break;
    case 'geluTanhBackward': for (let i = 0; i < n; i++) y[i] = Math.fround(geluTanhGrad(a[i])) * b[i]; break;
    default: throw new Error(`unknown binary op ${op satisfies never}`);
  }
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
