import * as E from '../engine/index.ts';
import { openWebGpuBackend, closeSharedRuntime } from '../engine/backend/webgpu/backend.ts';
import { tfjsOnDevice } from './lib/tfjs-on-dawn.ts';
const gpu = await openWebGpuBackend();
const tf = await tfjsOnDevice(gpu.runtime);
async function time(f: () => Promise<void>, reps: number) { await f(); const t0 = performance.now(); for (let i = 0; i < reps; i++) await f(); return (performance.now() - t0) / reps; }
const sizes = (process.argv[2] ?? '256,512,1024').split(',').map(Number);
for (const n of sizes) {
  const a = E.randn([n, n], { backend: gpu }), b = E.randn([n, n], { backend: gpu });
  const flops = 2 * n ** 3;
  for (const design of ['register', 'tiled']) {
    process.env.MANGO_MATMUL = design;
    const ms = await time(async () => { const c = a.matmul(b); await gpu.runtime.sync(); c.dispose(); }, 3);
    console.log(`ours ${design} n=${n}: ${ms.toFixed(1)} ms ${(flops / ms / 1e6).toFixed(2)} GFLOP/s`);
  }
  const ta = tf.randomNormal([n, n]), tb = tf.randomNormal([n, n]);
  const ms = await time(async () => { const c = tf.matMul(ta, tb); const s = tf.slice(c, [0, 0], [1, 1]); await s.data(); c.dispose(); s.dispose(); }, 3);
  console.log(`tfjs n=${n}: ${ms.toFixed(1)} ms ${(flops / ms / 1e6).toFixed(2)} GFLOP/s`);
}
closeSharedRuntime();
