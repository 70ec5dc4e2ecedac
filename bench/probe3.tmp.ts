import * as E from '../engine/index.ts';
import { openWebGpuBackend, closeSharedRuntime } from '../engine/backend/webgpu/backend.ts';
import * as mm from '../kernels/matmul.ts';
const gpu = await openWebGpuBackend();
const rt = gpu.runtime;
const buf = (t: E.Tensor) => (t.view().buffer as { buffer: GPUBuffer }).buffer;
// [name, batch, M, N, K, transA, transB]
const problems: [string, number, number, number, number, boolean, boolean][] = [
  ['fc1 fwd x·Wᵀ', 1, 2176, 256, 64, false, true],
  ['qkv fwd', 1, 2176, 192, 64, false, true],
  ['fc1 dX = dy·W', 1, 2176, 64, 256, false, false],
  ['fc1 dW = dyᵀ·x', 1, 256, 64, 2176, true, false],
  ['attn q·kᵀ', 256, 17, 17, 32, false, true],
  ['attn p·v', 256, 17, 32, 17, false, false],
  ['square 512', 1, 512, 512, 512, false, false],
];
const configs: mm.MatmulConfig[] = [];
for (const [tx, ty] of [[16, 1], [8, 1], [4, 1], [8, 2], [4, 4], [2, 4], [1, 8]]) for (const [wm, wn] of [[8, 16], [8, 8], [4, 8], [8, 4], [4, 4], [2, 4], [4, 2]]) configs.push({ design: 'register', threadsX: tx, threadsY: ty, perThreadM: wm, perThreadN: wn, tileK: 1, fits: false });
for (const [name, batch, M, N, K, ta, tb] of problems) {
  const a = E.randn([batch, ta ? K : M, ta ? M : K], { backend: gpu }), b = E.randn([batch, tb ? N : K, tb ? K : N], { backend: gpu });
  const c = rt.allocate(batch * M * N * 4);
  const problem = { M, N, K, batchShape: [batch], aBatchStrides: [M * K], bBatchStrides: [N * K], aOffset: 0, aRow: ta ? 1 : K, aCol: ta ? M : 1, bOffset: 0, bRow: tb ? 1 : N, bCol: tb ? K : 1 };
  const results: [string, number][] = [];
  for (const base of configs) {
    const { tileM, tileN } = mm.tileOf(base);
    const cfg = { ...base, fits: M % tileM === 0 && N % tileN === 0 };
    mm.dispatch(rt, problem, buf(a), buf(b), c, cfg); await rt.sync();
    let ms = Infinity;
    for (let i = 0; i < 3; i++) { const t0 = performance.now(); for (let r = 0; r < 3; r++) mm.dispatch(rt, problem, buf(a), buf(b), c, cfg); await rt.sync(); ms = Math.min(ms, (performance.now() - t0) / 3); }
    results.push([mm.cacheKey(cfg), 2 * batch * M * N * K / ms / 1e6]);
  }
  const heur = mm.chooseMatmul(problem);
  results.sort((x, y) => y[1] - x[1]);
  console.log(name, results.slice(0, 4).map(([k, g]) => `${k.replace('matmul[register:', '').replace(':k1', '')} ${g.toFixed(1)}`).join(' | '));
  rt.release(c);
}
closeSharedRuntime();
