import * as E from '../engine/index.ts';
import { openWebGpuBackend, closeSharedRuntime } from '../engine/backend/webgpu/backend.ts';
import * as mm from '../kernels/matmul.ts';
const gpu = await openWebGpuBackend();
const rt = gpu.runtime;
const n = Number(process.argv[2] ?? 512);
const a = E.randn([n, n], { backend: gpu }), b = E.randn([n, n], { backend: gpu });
const buf = (t: E.Tensor) => (t.view().buffer as { buffer: GPUBuffer }).buffer;
const c = rt.allocate(n * n * 4);
const problem = { M: n, N: n, K: n, batchShape: [1], aBatchStrides: [0], bBatchStrides: [0], aOffset: 0, aRow: n, aCol: 1, bOffset: 0, bRow: n, bCol: 1 };
const configs: mm.MatmulConfig[] = [];
for (const il of [true, false]) for (const [tx, ty] of [[16, 1], [8, 1], [16, 2], [4, 4]]) for (const [wm, wn] of [[8, 16], [16, 8], [8, 8]]) configs.push({ design: 'register', threadsX: tx, threadsY: ty, perThreadM: wm, perThreadN: wn, tileK: 1, fits: n % (ty * wm) === 0 && n % (tx * wn) === 0, interleaved: il });
const results: [string, number][] = [];
for (const cfg of configs) {
  mm.dispatch(rt, problem, buf(a), buf(b), c, cfg); await rt.sync();
  let ms = Infinity;
  for (let i = 0; i < 4; i++) { const t0 = performance.now(); mm.dispatch(rt, problem, buf(a), buf(b), c, cfg); await rt.sync(); ms = Math.min(ms, performance.now() - t0); }
  results.push([mm.cacheKey(cfg), 2 * n ** 3 / ms / 1e6]);
}
results.sort((x, y) => y[1] - x[1]);
for (const [k, g] of results) console.log(k, g.toFixed(2));
closeSharedRuntime();
