/**
 * Runs one OpCheck on the CPU backend and on a WebGPU backend (outputs poisoned with NaN) and compares
 * forward values and input gradients: relative error ≤ 1e-4, and a NaN never passes. With `strided`,
 * each input of rank ≥ 2 is built as a transposed view, so kernels see non-contiguous strides.
 */
import * as E from '../../engine/index.ts';
import type { Backend } from '../../engine/index.ts';
import { close, type OpCheck } from './check-op.ts';

function weights(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 0.5 + ((i * 7919) % 13) / 13);
}

function makeInput(values: number[], shape: number[], strided: boolean, backend: Backend): { leaf: E.Tensor; input: E.Tensor } {
  if (!strided || shape.length < 2) {
    const leaf = E.fromArray(Float32Array.from(values), shape, backend);
    return { leaf, input: leaf };
  }
  // Store the transpose of the last two axes, then view it back: same values, swapped strides.
  const r = shape.length;
  const stored = [...shape.slice(0, r - 2), shape[r - 1], shape[r - 2]];
  const logical = E.fromArray(Float32Array.from(values), shape, E.cpuBackend());
  const transposedValues = logical.transpose(-2, -1).contiguous().dataSync();
  const leaf = E.fromArray(transposedValues, stored, backend);
  return { leaf, input: leaf };
}

async function run(check: OpCheck, backend: Backend, strided: boolean) {
  const kept = E.withBackend(backend, () => E.tidy(() => {
    const made = check.values.map((v, i) => makeInput(v, check.shapes[i], strided, backend));
    made.forEach(({ leaf }, i) => leaf.requireGrad(check.differentiable?.[i] ?? true));
    const inputs = made.map(({ leaf }, i) => (leaf.shape.join() === check.shapes[i].join() ? leaf : leaf.transpose(-2, -1)));
    const out = check.engine(...inputs);
    if (made.some(({ leaf }) => leaf.requiresGrad)) out.mul(E.fromArray(weights(out.size), out.shape, backend)).sum().backward();
    return { out: out.keep(), leaves: made.map(({ leaf }) => leaf.keep()) };
  }));
  const forward = await kept.out.data();
  const grads = await Promise.all(kept.leaves.map(async (leaf) => {
    if (!leaf.grad) return undefined;
    const g = leaf.shape.join() === leaf.grad.shape.join() ? await leaf.grad.data() : undefined;
    leaf.grad.dispose();
    return g;
  }));
  kept.out.dispose();
  for (const leaf of kept.leaves) leaf.dispose();
  return { forward, grads };
}

export async function compareBackends(check: OpCheck, gpu: Backend, strided: boolean): Promise<void> {
  const cpu = await run(check, E.cpuBackend(), strided);
  const device = await run(check, gpu, strided);
  close(device.forward, cpu.forward, 1e-4, 'webgpu forward vs cpu');
  cpu.grads.forEach((g, i) => {
    if (g) close(device.grads[i] ?? new Float32Array(g.length).fill(NaN), g, 1e-4, `webgpu d/d(input ${i}) vs cpu`);
  });
}
