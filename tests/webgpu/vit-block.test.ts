/**
 * A ViT-shaped block (B=8, T=17, D=64, 2 heads, MLP ×4) forward + backward runs entirely on the GPU:
 * no host readback between the input upload and the explicit reads at the end, and the values and
 * every parameter gradient match the CPU backend.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const gpu = await poisonedGpuBackend();
const gpuTest = gpu ? test : test.skip;
const [B, T, D, H] = [8, 17, 64, 2];
const dh = D / H;

const shapes: Record<string, number[]> = {
  ln1_w: [D], ln1_b: [D], qkv_w: [3 * D, D], qkv_b: [3 * D], proj_w: [D, D], proj_b: [D],
  ln2_w: [D], ln2_b: [D], fc1_w: [4 * D, D], fc1_b: [4 * D], fc2_w: [D, 4 * D], fc2_b: [D],
};

function block(x: E.Tensor, p: Record<string, E.Tensor>): E.Tensor {
  const linear = (h: E.Tensor, w: string) => h.matmul(p[`${w}_w`], { transposeB: true }).add(p[`${w}_b`]);
  const h = E.layerNorm(x, p.ln1_w, p.ln1_b, 1e-6);
  const qkv = linear(h, 'qkv').reshape([B, T, 3, H, dh]).permute([2, 0, 3, 1, 4]);
  const [q, k, v] = [0, 1, 2].map((i) => qkv.slice([i], [i + 1]).squeeze(0));
  const attention = q.matmul(k, { transposeB: true }).mul(1 / Math.sqrt(dh)).softmax(-1);
  const y = x.add(linear(attention.matmul(v).transpose(1, 2).reshape([B, T, D]), 'proj'));
  return y.add(linear(linear(E.layerNorm(y, p.ln2_w, p.ln2_b, 1e-6), 'fc1').gelu(), 'fc2'));
}

gpuTest('ViT block forward+backward on the GPU: no readbacks inside, matches the CPU', async () => {
  const results: { loss: Float32Array; grads: Float32Array[] }[] = [];
  for (const backend of [E.cpuBackend(), gpu!]) {
    const random = new E.Random(9);
    const params = Object.fromEntries(Object.entries(shapes).map(([name, s]) =>
      [name, E.randn(s, { std: name.endsWith('_w') && s.length === 1 ? 0.1 : 0.05, mean: name.startsWith('ln') && name.endsWith('_w') ? 1 : 0, random, backend }).requireGrad()]));
    const x = E.randn([B, T, D], { random, backend }).requireGrad();
    const readsBefore = gpu!.runtime.readbacks;
    const loss = E.withBackend(backend, () => E.tidy(() => block(x, params).square().mean()));
    E.withBackend(backend, () => loss.backward());
    if (backend === gpu) assert.is(gpu!.runtime.readbacks, readsBefore, 'no readback during forward/backward');
    results.push({
      loss: await loss.data(),
      grads: await Promise.all([x, ...Object.values(params)].map((t) => t.grad!.data())),
    });
  }
  close(results[1].loss, results[0].loss, 1e-4, 'loss');
  results[0].grads.forEach((g, i) => close(results[1].grads[i], g, 2e-4, `grad ${['x', ...Object.keys(shapes)][i]}`));
});

gpuTest('fused attention on strided q/k/v views from a qkv projection equals the composite, forward and backward', async () => {
  const random = new E.Random(4);
  const qkvIn = E.randn([B, T, 3 * D], { random, backend: gpu! }).requireGrad();
  const run = async (fused: boolean) => {
    const out = E.withBackend(gpu!, () => E.tidy(() => {
      const qkv = qkvIn.reshape([B, T, 3, H, dh]).permute([2, 0, 3, 1, 4]);
      const [q, k, v] = [0, 1, 2].map((i) => qkv.slice([i], [i + 1]).squeeze(0));
      const y = fused ? E.attention(q, k, v) : q.matmul(k, { transposeB: true }).mul(1 / Math.sqrt(dh)).softmax(-1).matmul(v);
      return y.mul(y).sum();
    }));
    E.withBackend(gpu!, () => out.backward());
    const result = { loss: await out.data(), grad: await qkvIn.grad!.data() };
    qkvIn.grad!.dispose();
    qkvIn.grad = null;
    return result;
  };
  const composite = await run(false);
  const fused = await run(true);
  close(fused.loss, composite.loss, 1e-4, 'loss');
  close(fused.grad, composite.grad, 1e-4, 'grad of qkv');
});

test.run();
