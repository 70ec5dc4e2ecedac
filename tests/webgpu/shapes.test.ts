/**
 * WebGPU kernels on the shapes that break tiling and reductions: 1, primes, non-multiples of the tile,
 * long K, batch broadcast, long reduction runs (split variant), wide rows, 2-D dispatch grids.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const gpu = await poisonedGpuBackend();
const gpuTest = gpu ? test : test.skip;
const cpu = E.cpuBackend();

function randomValues(n: number, seed: number): Float32Array {
  const r = new E.Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform() * 2 - 1);
}

/** Builds inputs on both backends, applies `f`, compares forward (and gradients when `grad`). */
async function same(shapes: number[][], f: (...xs: E.Tensor[]) => E.Tensor, options: { grad?: boolean; tolerance?: number } = {}) {
  const values = shapes.map((s, i) => randomValues(E.sizeOf(s), 100 + i));
  const results: { out: Float32Array; grads: (Float32Array | undefined)[] }[] = [];
  for (const backend of [cpu, gpu!]) {
    const inputs = values.map((v, i) => E.fromArray(v, shapes[i], backend).requireGrad(options.grad ?? false));
    const out = E.withBackend(backend, () => E.tidy(() => f(...inputs)));
    if (options.grad) E.withBackend(backend, () => out.sum().backward());
    results.push({ out: await out.data(), grads: await Promise.all(inputs.map((x) => x.grad?.data())) });
    out.dispose();
    inputs.forEach((x) => { x.grad?.dispose(); x.dispose(); });
  }
  const tolerance = options.tolerance ?? 1e-4;
  close(results[1].out, results[0].out, tolerance, 'forward');
  results[0].grads.forEach((g, i) => { if (g) close(results[1].grads[i]!, g, tolerance, `grad ${i}`); });
}

gpuTest('matmul: 1, primes, non-multiples of the tile, both transposes', async () => {
  for (const [m, k, n] of [[1, 1, 1], [1, 67, 1], [7, 13, 31], [64, 64, 64], [65, 63, 129], [127, 5, 3], [2, 301, 97], [1, 33, 130], [5, 20, 70], [100, 31, 3], [70, 9, 6]]) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      await same([ta ? [k, m] : [m, k], tb ? [n, k] : [k, n]], (a, b) => a.matmul(b, { transposeA: ta, transposeB: tb }));
    }
  }
});

gpuTest('matmul: long K and batch broadcast (weights shared across a batch), with gradients', async () => {
  await same([[3, 4096], [4096, 5]], (a, b) => a.matmul(b), { tolerance: 2e-4 });
  await same([[4, 17, 64], [64, 96]], (a, b) => a.matmul(b), { grad: true });
  await same([[2, 1, 9, 33], [3, 33, 10]], (a, b) => a.matmul(b), { grad: true });
});

gpuTest('matmul with a fused bias: tiled-fit, non-fitting, vector-read, transposed-weight (M ≥ 256) and empty-K shapes, with gradients', async () => {
  for (const [m, k, n] of [[128, 64, 256], [65, 63, 129], [52, 36, 100], [3, 0, 4], [300, 20, 36]]) {
    await same([[m, k], [n, k], [n]], (a, w, b) => a.matmul(w, { transposeB: true, bias: b }), { grad: true, tolerance: 2e-4 });
    await same([[2, m, k], [k, n], [n]], (a, w, b) => a.matmul(w, { bias: b }), { grad: true, tolerance: 2e-4 });
    await same([[k, m], [k, n], [n]], (a, w, b) => a.matmul(w, { transposeA: true, bias: b }), { grad: true, tolerance: 2e-4 });
  }
});

gpuTest('reductions: long runs (split), many short runs, strided axes, argmax', async () => {
  await same([[100000]], (x) => x.sum(), { tolerance: 1e-3 });
  await same([[3, 50000]], (x) => x.max(1));
  await same([[50000, 3]], (x) => x.sum(0), { tolerance: 1e-3 });
  await same([[33, 7, 129]], (x) => x.sum([0, 2]), { grad: true, tolerance: 2e-4 });
  await same([[4099, 5]], (x) => x.argmax(1));
  await same([[5, 20000]], (x) => x.argmax(1));
});

gpuTest('reductions: few outputs over long runs split across invocations (column sums, max/argmax down columns, rank-2 runs)', async () => {
  await same([[2176, 64]], (x) => x.sum(0), { grad: true, tolerance: 2e-4 });
  await same([[517, 33]], (x) => x.max(0));
  await same([[517, 33]], (x) => x.min(0));
  await same([[517, 33]], (x) => x.argmax(0));
  await same([[9, 40, 33]], (x) => x.sum([0, 1]), { grad: true });
  await same([[40, 9, 70]], (x) => x.permute([2, 0, 1]).sum([1, 2]), { tolerance: 2e-4 });
});

gpuTest('reductions: a NaN anywhere in a run wins max and argmax (first NaN position), split or not', async () => {
  for (const rows of [600, 100]) {
    const values = randomValues(rows * 40, 7);
    for (const row of [3, 61, 99]) values[row * 40 + 5] = NaN;
    const results = await Promise.all([cpu, gpu!].map(async (backend) => {
      const x = E.fromArray(values, [rows, 40], backend);
      const [max, at] = E.withBackend(backend, () => [x.max(0), x.argmax(0)]);
      const out = [await max.data(), await at.data()];
      [x, max, at].forEach((t) => t.dispose());
      return out;
    }));
    assert.ok(Number.isNaN(results[1][0][5]), `${rows} rows: max of the NaN column is NaN`);
    assert.is(results[1][1][5], 3, `${rows} rows: argmax points at the first NaN`);
    close(results[1][0].filter((_, i) => i !== 5), results[0][0].filter((_, i) => i !== 5), 0, 'other columns');
    close(results[1][1], results[0][1], 0, 'argmax');
  }
});

gpuTest('strided copies: rank-5 permutations, padding and concatenation into strided destinations', async () => {
  await same([[3, 5, 7, 2, 3]], (x) => x.permute([4, 2, 0, 3, 1]).clone(), { grad: true });
  await same([[2, 3, 4, 5, 6, 7]], (x) => x.permute([5, 3, 1, 0, 4, 2]).clone());
  await same([[7, 9, 11]], (x) => E.pad(x.permute([2, 0, 1]), [[1, 2], [0, 3], [2, 0]], 0.5), { grad: true });
  await same([[6, 5, 4], [6, 3, 4]], (a, b) => E.concat([a, b.permute([0, 1, 2])], 1).permute([2, 1, 0]).clone(), { grad: true });
});

gpuTest('repeating (broadcast) reads whose period does not divide the workgroup span', async () => {
  await same([[37, 300], [300]], (a, b) => a.add(b), { grad: true });
  await same([[1000, 7], [7]], (a, b) => a.mul(b), { grad: true });
  await same([[5, 3, 100], [3, 100]], (a, b) => a.sub(b));
  await same([[2, 2049], [2049]], (a, b) => a.add(b));
});

gpuTest('fused attention: vec4 reads (contiguous, heads out of a fused qkv projection) and the scalar fallback (odd head dim, misaligned offset)', async () => {
  const qkvHeads = (x: E.Tensor, heads: number, dim: number, first = 0) => {
    const [b, t] = x.shape;
    const packed = E.slice(x, [0, 0, first], [b, t, first + 3 * heads * dim]).reshape([b, t, 3, heads, dim]).permute([2, 0, 3, 1, 4]);
    return [0, 1, 2].map((i) => E.slice(packed, [i, 0, 0, 0, 0], [i + 1, b, heads, t, dim]).reshape([b, heads, t, dim]));
  };
  await same([[2, 3, 17, 32], [2, 3, 13, 32], [2, 3, 13, 32]], (q, k, v) => E.fusedAttention(q, k, v), { grad: true, tolerance: 3e-4 });
  await same([[2, 17, 3 * 2 * 8]], (x) => E.fusedAttention(...(qkvHeads(x, 2, 8) as [E.Tensor, E.Tensor, E.Tensor])), { grad: true, tolerance: 3e-4 });
  await same([[2, 9, 3 * 2 * 6]], (x) => E.fusedAttention(...(qkvHeads(x, 2, 6) as [E.Tensor, E.Tensor, E.Tensor])), { grad: true, tolerance: 3e-4 });
  await same([[2, 9, 1 + 3 * 2 * 16]], (x) => E.fusedAttention(...(qkvHeads(x, 2, 16, 1) as [E.Tensor, E.Tensor, E.Tensor])), { grad: true, tolerance: 3e-4 });
});

gpuTest('causal attention: fewer queries than keys (vec4 and scalar), heads out of a fused projection, the composite route past the fused-kernel limit', async () => {
  const causal = { causal: true };
  await same([[2, 3, 13, 32], [2, 3, 17, 32], [2, 3, 17, 32]], (q, k, v) => E.fusedAttention(q, k, v, undefined, causal), { grad: true, tolerance: 3e-4 });
  await same([[2, 1, 7], [2, 9, 7], [2, 9, 7]], (q, k, v) => E.fusedAttention(q, k, v, undefined, causal), { grad: true, tolerance: 3e-4 });
  await same([[2, 17, 3 * 2 * 32]], (qkv) => E.selfAttention(qkv, 2, causal), { grad: true, tolerance: 3e-4 });
  await same([[3, 9, 3 * 3 * 6]], (qkv) => E.selfAttention(qkv, 3, causal), { grad: true, tolerance: 3e-4 });
  await same([[24, 2, 7]], (x) => E.selfAttention(x.permute([1, 2, 0]), 2, causal), { grad: true, tolerance: 3e-4 });
  await same([[1, 100, 3 * 2 * 8]], (qkv) => E.selfAttention(qkv, 2, causal), { grad: true, tolerance: 3e-4 });
  await same([[1, 140, 3 * 2 * 8]], (qkv) => E.selfAttention(qkv, 2, causal), { grad: true, tolerance: 3e-4 });
  await same([[2, 120, 8], [2, 150, 8], [2, 150, 8]], (q, k, v) => E.attention(q, k, v, undefined, causal), { grad: true, tolerance: 3e-4 });
});

gpuTest('the fused kernel is chosen up to 96 keys, and up to 128 when causal (measured: bench/NOTES.md)', () => {
  assert.ok(gpu!.prefersFusedAttention(96, false) && !gpu!.prefersFusedAttention(97, false));
  assert.ok(gpu!.prefersFusedAttention(128, true) && !gpu!.prefersFusedAttention(129, true));
});

gpuTest('selfAttention from a fused projection: vec4 and scalar heads, a strided input, and the composite route for long sequences', async () => {
  await same([[2, 17, 3 * 2 * 32]], (qkv) => E.selfAttention(qkv, 2), { grad: true, tolerance: 3e-4 });
  await same([[3, 9, 3 * 3 * 6]], (qkv) => E.selfAttention(qkv, 3), { grad: true, tolerance: 3e-4 });
  await same([[24, 2, 7]], (x) => E.selfAttention(x.permute([1, 2, 0]), 2), { grad: true, tolerance: 3e-4 });
  await same([[1, 100, 3 * 2 * 8]], (qkv) => E.selfAttention(qkv, 2), { grad: true, tolerance: 3e-4 });
});

gpuTest('attention kernels on layouts they cannot read in place: the output and packed gradients are moved afterwards (causal or not)', async () => {
  for (const causal of [false, true]) await outOfPlaceLayouts(causal);
});

async function outOfPlaceLayouts(causal: boolean) {
  // Storage [a=2, c=2, part=3, b=3, T=4, d=8]; q, k, v = parts as [a, b, c, T, d]: three batch axes that do
  // not coalesce, so the backend reads copies, and writes the output and packed gradients back through strides.
  const shape = [2, 3, 2, 4, 8];
  const size = 2 * 2 * 3 * 3 * 4 * 8;
  const strides = [576, 32, 288, 8, 1];
  const outStrides = [96, 8, 192, 24, 1];   // dense, memory order (c, a, T, b, d)
  const storageValues = randomValues(size, 9), dOutValues = randomValues(size / 3, 10);
  const results = await Promise.all([cpu, gpu!].map(async (backend) => {
    const storage = E.fromArray(storageValues, [size], backend).view();
    const [q, k, v] = [0, 1, 2].map((part): E.View => ({ buffer: storage.buffer, shape, strides, offset: part * 96 }));
    const { out, lse } = backend.attention(q, k, v, 0.3, causal, outStrides);
    const outView: E.View = { buffer: out, shape, strides: outStrides, offset: 0 };
    const lseView: E.View = { buffer: lse, shape: shape.slice(0, -1), strides: [24, 8, 4, 1], offset: 0 };
    const dOut = E.fromArray(dOutValues, shape, backend).view();
    const packed = backend.selfAttentionBackward(dOut, q, k, v, outView, lseView, 0.3, causal, size);
    const read = (buffer: unknown, n: number) => E.Tensor.fromBuffer(backend, buffer as never, [n]).data();
    return [await read(out, size / 3), await read(packed, size)];
  }));
  close(results[1][0], results[0][0], 2e-4, `output (causal: ${causal})`);
  close(results[1][1], results[0][1], 2e-4, `packed gradients (causal: ${causal})`);
}

gpuTest('row kernels on wide rows: softmax 197/1000, layer norm 384, cross-entropy 1000 classes', async () => {
  await same([[6, 197]], (x) => x.softmax(-1), { grad: true });
  await same([[3, 1000]], (x) => x.logSoftmax(-1), { grad: true });
  await same([[2, 17, 384], [384], [384]], (x, g, b) => E.layerNorm(x, g, b), { grad: true, tolerance: 3e-4 });
  const labels = E.fromArray(Float32Array.from([3, 999, 0, 512]), [4]);
  await same([[4, 1000]], (x) => E.crossEntropy(x, E.fromArray(labels.dataSync(), [4], x.backend), { labelSmoothing: 0.1 }), { grad: true });
});

gpuTest('elementwise over more than 65535 workgroups (2-D grid) and rank-6 broadcasting', async () => {
  await same([[17_000_000]], (x) => x.mul(2).add(1));
  await same([[2, 3, 1, 5, 1, 7], [3, 4, 5, 6, 1]], (a, b) => a.mul(b).exp(), { grad: true });
});

test.run();
