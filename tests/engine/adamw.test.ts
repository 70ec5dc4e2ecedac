/**
 * The fused AdamW step against hand-computed values (PyTorch's AdamW order), with and without a device-side
 * gradient scale, and the squared norms used for clipping; on CPU and WebGPU.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { WebGpuBackend } from '../../engine/backend/webgpu/backend.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const hyper = (t: number) => ({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, biasCorrection1: 1 - 0.9 ** t, biasCorrection2: 1 - 0.999 ** t });

/** Two steps by hand in float64. */
function expected(gradScale = 1) {
  let p = [1, -2, 0.5], m = [0, 0, 0], v = [0, 0, 0];
  const grads = [[0.5, -1, 0], [0.25, 2, -3]].map((g) => g.map((x) => x * gradScale));
  grads.forEach((g, s) => {
    const h = hyper(s + 1);
    m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
    v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] ** 2);
    p = p.map((pi, i) => pi * (1 - h.lr * h.weightDecay) - (h.lr * m[i] / h.biasCorrection1) / (Math.sqrt(v[i] / h.biasCorrection2) + h.eps));
  });
  return { p, m, v };
}

const gpu = await poisonedGpuBackend();

for (const backend of [E.cpuBackend(), gpu]) {
  (backend ? test : test.skip)(`adamwStep matches two hand-computed steps on ${backend?.name ?? 'webgpu'}`, async () => {
    const param = E.tensor([1, -2, 0.5], [3], backend!).keep();
    const m = E.zeros([3], backend!).keep(), v = E.zeros([3], backend!).keep();
    for (const [s, g] of [[0.5, -1, 0], [0.25, 2, -3]].entries()) {
      const grad = E.tensor(g, [3], backend!);
      E.adamwStep(param, grad, m, v, hyper(s + 1));
      grad.dispose();
    }
    const want = expected();
    close(await param.data(), want.p, 1e-6, 'param');
    close(await m.data(), want.m, 1e-6, 'm');
    close(await v.data(), want.v, 1e-6, 'v');
  });

  (backend ? test : test.skip)(`adamwStep scales the gradient by a device-side factor first on ${backend?.name ?? 'webgpu'}`, async () => {
    const param = E.tensor([1, -2, 0.5], [3], backend!).keep();
    const m = E.zeros([3], backend!).keep(), v = E.zeros([3], backend!).keep();
    const scale = E.tensor([0.3], [1], backend!).keep();
    for (const [s, g] of [[0.5, -1, 0], [0.25, 2, -3]].entries()) {
      const grad = E.tensor(g, [3], backend!);
      E.adamwStep(param, grad, m, v, hyper(s + 1), scale);
      grad.dispose();
    }
    const want = expected(0.3);
    close(await param.data(), want.p, 1e-6, 'param');
    close(await m.data(), want.m, 1e-6, 'm');
    close(await v.data(), want.v, 1e-6, 'v');
  });

  (backend ? test : test.skip)(`squaredNorms: one Σx² per tensor, strided views and long (split) runs on ${backend?.name ?? 'webgpu'}`, async () => {
    const r = new E.Random(3);
    const values = [5, 20000, 64 * 33, 1].map((n) => Float32Array.from({ length: n }, () => r.normal()));
    const tensors = [E.fromArray(values[0], [5], backend!), E.fromArray(values[1], [20000], backend!),
      E.fromArray(values[2], [64, 33], backend!).transpose(0, 1), E.fromArray(values[3], [], backend!)];
    const norms = E.squaredNorms(tensors);
    close(await norms.data(), values.map((v) => v.reduce((s, x) => s + x * x, 0)), 2e-5, 'Σx²');
  });

  (backend ? test : test.skip)(`squaredNorms: many small tensors (batched), mixed with big, strided, offset and empty ones, on ${backend?.name ?? 'webgpu'}`, async () => {
    const r = new E.Random(4);
    const sizes = Array.from({ length: 40 }, (_, i) => (i === 7 ? 70000 : i === 20 ? 0 : i === 13 ? 2 * (1 + r.int(1500)) : 1 + r.int(3000)));
    const values = sizes.map((n) => Float32Array.from({ length: n }, () => r.normal()));
    const tensors = values.map((v, i) => {
      if (i % 9 === 4 && v.length >= 4) {
        // a view at an offset into a bigger buffer
        const host = Float32Array.from({ length: v.length + 3 }, (_, j) => (j < 3 ? 100 : v[j - 3]));
        return E.slice(E.fromArray(host, [host.length], backend!), [3]);
      }
      if (i === 13) return E.fromArray(v, [2, v.length / 2], backend!).transpose(0, 1);   // strided
      return E.fromArray(v, [v.length], backend!);
    });
    const runtime = backend instanceof WebGpuBackend ? backend.runtime : undefined;
    const before = runtime?.batch.dispatches ?? 0;
    const norms = E.squaredNorms(tensors);
    // 37 small contiguous tensors in runs split by the big (7), strided (13) and empty (20) ones: a few
    // batched dispatches, not one or two per tensor.
    if (runtime) assert.ok(runtime.batch.dispatches - before <= 8, `${runtime.batch.dispatches - before} dispatches for 40 norms`);
    close(await norms.data(), values.map((v) => v.reduce((s, x) => s + x * x, 0)), 2e-5, 'Σx²');
  });
}

test.run();
