/**
 * Checks one engine op against the float64 reference: forward values, and gradients of
 * L = Σ w ⊙ op(inputs) against central finite differences of the reference.
 */
import * as assert from 'uvu/assert';
import { tensor, tidy, type Tensor } from '../../engine/index.ts';
import { ref, size, type Ref } from './reference.ts';

export interface OpCheck {
  shapes: number[][];
  values: number[][];
  engine: (...inputs: Tensor[]) => Tensor;
  reference: (...inputs: Ref[]) => Ref;
  /** Which inputs get gradients checked (default: all). */
  differentiable?: boolean[];
  forwardTolerance?: number;
  gradTolerance?: number;
}

export function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(a) || Number.isNaN(e)) assert.unreachable(`${what}[${i}]: NaN (got ${a}, expected ${e})`);
    if (Math.abs(a - e) > tolerance * (1 + Math.abs(e))) assert.unreachable(`${what}[${i}]: got ${a}, expected ${e}`);
  }
}

function weights(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(0.5 + ((i * 7919) % 13) / 13));
}

export function checkOp(check: OpCheck): void {
  const { shapes, values } = check;
  const refs = values.map((v, i) => ref(v, shapes[i]));
  const expected = check.reference(...refs);
  const w = weights(expected.data.length);
  const loss = (rs: Ref[]) => {
    const out = check.reference(...rs);
    return out.data.reduce((s, v, i) => s + v * w[i], 0);
  };

  const { forward, grads } = tidy(() => {
    const inputs = values.map((v, i) => tensor(Float32Array.from(v), shapes[i]).requireGrad(check.differentiable?.[i] ?? true));
    const out = check.engine(...inputs);
    assert.equal([...out.shape], expected.shape, 'output shape');
    const forward = out.dataSync();
    const anyGrad = inputs.some((t) => t.requiresGrad);
    if (anyGrad) out.mul(tensor(Float32Array.from(w), out.shape)).sum().backward();
    return { forward, grads: inputs.map((t) => { const g = t.grad?.dataSync(); t.grad?.dispose(); return g; }) };
  });
  close(forward, expected.data, check.forwardTolerance ?? 1e-5, 'forward');

  const h = 1e-5;
  values.forEach((v, i) => {
    if (!(check.differentiable?.[i] ?? true)) return;
    const numeric = new Float64Array(size(shapes[i]));
    for (let j = 0; j < numeric.length; j++) {
      const plus = refs.map((r) => ({ shape: r.shape, data: Float64Array.from(r.data) }));
      const minus = refs.map((r) => ({ shape: r.shape, data: Float64Array.from(r.data) }));
      plus[i].data[j] += h;
      minus[i].data[j] -= h;
      numeric[j] = (loss(plus) - loss(minus)) / (2 * h);
    }
    const analytic = grads[i] ?? new Float32Array(numeric.length);
    close(analytic, numeric, check.gradTolerance ?? 2e-3, `d/d(input ${i})`);
  });
}
