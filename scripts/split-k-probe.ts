/**
 * Split-K for the long-K weight-gradient GEMMs (dW = Xᵀ·dY over B·T rows), measured with the engine's own
 * batched GEMM: K cut into s chunks as a batch of s products, then a sum over the chunks. Best of 5
 * interleaved rounds, GFLOP/s counted on the GEMM's 2·M·N·K (the reduction is overhead).
 *   node --import tsx scripts/split-k-probe.ts [rows x M x N, ...]   (default the ViT step's dW shapes)
 */
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';

const gpu = await openWebGpuBackend();
const shapes = (process.argv[2] ?? '2176x256x64,2176x64x256,2176x64x192,2176x192x64').split(',');
const splits = [1, 2, 4, 8];
for (const s of shapes) {
  const [rows, m, n] = s.split('x').map(Number);
  const x = E.randn([rows, m], { backend: gpu }), dy = E.randn([rows, n], { backend: gpu });
  const run = (chunks: number) => E.noGrad(() => E.tidy(() => {
    if (chunks === 1) return E.keep(E.matmul(x, dy, { transposeA: true }));
    const parts = E.matmul(x.reshape([chunks, rows / chunks, m]), dy.reshape([chunks, rows / chunks, n]), { transposeA: true });
    return E.keep(E.sum(parts, 0));
  }));
  const reference = await run(1).data();
  for (const chunks of splits.slice(1)) {
    const got = await run(chunks).data();
    const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - reference[i]) / (1 + Math.abs(reference[i]))), 0);
    if (worst > 1e-3) throw new Error(`split ${chunks} differs from the single GEMM by ${worst}`);
  }
  const reps = Math.max(2, Math.round(3e9 / (2 * rows * m * n)));
  const best = splits.map(() => Infinity);
  for (let round = 0; round < 5; round++) {
    for (const [i, chunks] of splits.entries()) {
      const t0 = performance.now();
      const outs = Array.from({ length: reps }, () => run(chunks));
      await outs.at(-1)!.data();
      best[i] = Math.min(best[i], performance.now() - t0);
      for (const o of outs) o.dispose();
    }
  }
  const rate = best.map((ms) => (2 * rows * m * n * reps) / (ms / 1000) / 1e9);
  console.log(`${rows}ᵀ·: M ${m} N ${n} K ${rows}: ${splits.map((c, i) => `split ${c} ${rate[i].toFixed(1)}`).join(' | ')} GFLOP/s`);
  x.dispose(); dy.dispose();
}
closeSharedRuntime();
process.exit(0);
