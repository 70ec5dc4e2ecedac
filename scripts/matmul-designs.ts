/**
 * GEMM GFLOP/s of the matmul designs on this adapter, for the training-step shapes (or `M x K x N : layout`
 * items given as one comma list; layout `nn`, or `tn` for an m-contiguous A as in weight gradients): the
 * register heuristic, the subgroup heuristic and the three fastest subgroup blocks, best of 3 interleaved rounds.
 *   node --import tsx scripts/matmul-designs.ts [2176x64x192:nn,...]
 */
import { openSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { cacheKey, candidateConfigs, chooseMatmul, dispatch, type MatmulConfig, type MatmulProblem } from '../engine/backend/webgpu/kernels/matmul.ts';
const rt = await openSharedRuntime();
const width = rt.dawn.features.has('subgroups') ? rt.dawn.adapter.subgroupWidth : 0;
if (!width) throw new Error(`${rt.dawn.adapter.description}: no fixed-width subgroups, so no subgroup design to compare`);
const shapes = (process.argv[2] ?? '2176x64x192:nn,2176x64x256:nn,2176x256x64:nn,2176x192x64:nn,192x2176x64:tn,256x2176x64:tn,64x2176x256:tn,1024x1024x1024:nn').split(',');
for (const s of shapes) {
  const [dims, layout] = s.split(':');
  const [M, K, N] = dims.split('x').map(Number);
  const ta = layout[0] === 't';
  const p: MatmulProblem = { M, N, K, batchShape: [], aOffset: 0, bOffset: 0, aRow: ta ? 1 : K, aCol: ta ? M : 1, bRow: N, bCol: 1, aBatchStrides: [], bBatchStrides: [] };
  const a = rt.allocate(M * K * 4), b = rt.allocate(K * N * 4), c = rt.allocate(M * N * 4);
  const flops = 2 * M * N * K; const reps = Math.max(2, Math.round(2e9 / flops));
  const configs: MatmulConfig[] = [chooseMatmul(p, true, 0), chooseMatmul(p, true, width), ...candidateConfigs(p, true, width).filter((x) => x.design === 'subgroup')];
  const seen = new Set<string>(); const uniq = configs.filter((x) => !seen.has(cacheKey(x)) && seen.add(cacheKey(x)));
  for (const x of uniq) dispatch(rt, p, a, b, c, undefined, x); await rt.sync();
  const best = uniq.map(() => Infinity);
  for (let round = 0; round < 3; round++) for (const [i, x] of uniq.entries()) {
    const t0 = performance.now(); for (let r = 0; r < reps; r++) dispatch(rt, p, a, b, c, undefined, x); await rt.sync();
    best[i] = Math.min(best[i], performance.now() - t0);
  }
  const g = best.map((ms) => (flops * reps) / (ms / 1000) / 1e9);
  const order = uniq.map((x, i) => [cacheKey(x).replace('matmul', ''), g[i]] as const);
  const top = [...order].slice(2).sort((x, y) => y[1] - x[1]).slice(0, 3);
  console.log(`${s}: register ${g[0].toFixed(1)} | sg-heuristic ${g[1].toFixed(1)} ${order[1][0]} | best ${top.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  for (const x of [a, b, c]) rt.release(x);
}
rt.close();
process.exit(0);
