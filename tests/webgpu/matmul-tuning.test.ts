/**
 * Matmul autotuning: every candidate configuration gives bit-identical results (so tuning can never change
 * a run), tuning picks one of them and caches it per device, a fresh process reads the cache, a corrupt
 * cache is ignored, and training with tuning on ends bit-identical to training with it off.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { WebGpuBackend } from '../../engine/backend/webgpu/backend.ts';
import { MatmulTuning } from '../../engine/backend/webgpu/matmul-tuning.ts';
import { cacheKey, candidateConfigs, chooseMatmul, dispatch, vectorAccess, type MatmulProblem } from '../../engine/backend/webgpu/kernels/matmul.ts';
import type { ViTConfig } from '../../models/config.ts';
import { trainModel } from '../../models/train/trainer.ts';
import { ViT } from '../../models/vit.ts';
import { sharedGpu } from '../helpers/gpu.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';
import { withFlags } from '../../engine/flags.ts';

const runtime = await sharedGpu();
const gpuTest = runtime ? test : test.skip;

function problem(M: number, N: number, K: number, transposeA: boolean, transposeB: boolean, batches = 1, broadcastB = false): MatmulProblem {
  return {
    M, N, K, batchShape: batches > 1 ? [batches] : [], aOffset: 0, bOffset: 0,
    aRow: transposeA ? 1 : K, aCol: transposeA ? M : 1, bRow: transposeB ? 1 : N, bCol: transposeB ? K : 1,
    aBatchStrides: batches > 1 ? [M * K] : [], bBatchStrides: batches > 1 ? [broadcastB ? 0 : K * N] : [],
  };
}

const random = (n: number, seed: number) => {
  const r = new E.Random(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

gpuTest('every candidate configuration (subgroup designs too where the adapter has them), with vector or scalar reads, gives bit-identical results', async () => {
  const rt = runtime!;
  // The subgroup design on any adapter with fixed-width subgroups (the backend uses it on software ones only).
  const subgroupWidth = rt.dawn.features.has('subgroups') ? rt.dawn.adapter.subgroupWidth : 0;
  let subgroupCandidates = 0;
  for (const p of [problem(67, 45, 131, false, false), problem(128, 64, 256, false, true), problem(64, 256, 300, true, false),
    problem(33, 17, 9, true, true, 3), problem(40, 24, 16, false, false, 4, true), problem(5, 300, 64, false, true),
    problem(52, 100, 36, true, false), problem(48, 40, 10, true, false, 3), problem(36, 132, 7, false, false, 2, true),
    problem(128, 64, 256, false, false), problem(68, 36, 20, false, false), problem(96, 72, 12, true, false, 3)]) {
    const batches = Math.max(1, p.batchShape[0] ?? 1);
    const a = rt.upload(random(batches * p.M * p.K, 1));
    const b = rt.upload(random(batches * p.K * p.N, 2));
    const c = rt.allocate(batches * p.M * p.N * 4);
    const read = async () => new Float32Array(await rt.read(c, 0, batches * p.M * p.N * 4));
    dispatch(rt, p, a, b, c, undefined, chooseMatmul(p, rt.dawn.adapter.isSoftware));
    const reference = await read();
    // the hardware-only tiles too, whatever this adapter is
    const candidates = withFlags({ matmulCandidates: true }, () => candidateConfigs(p, rt.dawn.adapter.isSoftware, subgroupWidth));
    assert.ok(candidates.length >= 5, `${candidates.length} candidates`);
    subgroupCandidates += candidates.filter((c) => c.design === 'subgroup').length;
    for (const config of candidates) {
      for (const reads of ['vector', 'scalar']) {
        withFlags({ matmulVectorReads: reads !== 'scalar' }, () => dispatch(rt, p, a, b, c, undefined, config));
        const out = await read();
        const differing = out.findIndex((v, i) => !Object.is(v, reference[i]));
        assert.is(differing, -1, `${cacheKey(config, vectorAccess(config, p))} (${reads} reads) on ${p.M}×${p.N}×${p.K}: element ${differing} differs`);
      }
    }
    for (const buffer of [a, b, c]) rt.release(buffer);
  }
  if (subgroupWidth > 0) assert.ok(subgroupCandidates >= 20, `${subgroupCandidates} subgroup candidates`);
});

test('the heuristic takes the subgroup design where it can read the operands, and only with fixed-width subgroups on a software adapter', () => {
  const p = problem(2176, 192, 64, false, false);
  assert.is(chooseMatmul(p, true, 8).design, 'subgroup');
  assert.is(chooseMatmul(problem(192, 64, 2176, true, false), true, 8).design, 'subgroup', 'A m-contiguous (weight gradients)');
  assert.is(chooseMatmul(p, true, 0).design, 'register');
  assert.is(chooseMatmul(p, false, 8).design, 'tiled');
  assert.is(chooseMatmul(problem(2176, 192, 64, false, true), true, 8).design, 'register', 'B k-contiguous: no vec4 reads along N');
  assert.is(chooseMatmul(problem(2176, 192, 63, false, false), true, 8).design, 'register', 'K not a multiple of 4');
  withFlags({ matmulDesign: 'register' }, () => assert.is(chooseMatmul(p, true, 8).design, 'register'));
  withFlags({ matmulDesign: 'subgroup' }, () => assert.is(chooseMatmul(p, false, 8).design, 'subgroup'));
});

gpuTest('a subgroup configuration given a problem it cannot read (one tuned for its shape class) runs the register design instead', async () => {
  const rt = runtime!;
  const p = problem(64, 64, 9, false, false);
  const a = rt.upload(random(p.M * p.K, 3)), b = rt.upload(random(p.K * p.N, 4)), c = rt.allocate(p.M * p.N * 4);
  const read = async () => new Float32Array(await rt.read(c, 0, p.M * p.N * 4));
  dispatch(rt, p, a, b, c, undefined, chooseMatmul(p, true, 0));
  const reference = await read();
  dispatch(rt, p, a, b, c, undefined, { design: 'subgroup', threadsX: 8, threadsY: 2, perThreadM: 32, perThreadN: 8, tileK: 1, fits: true });
  assert.equal(await read(), reference);
  for (const buffer of [a, b, c]) rt.release(buffer);
});

test('tuning is on by default on hardware adapters, off on CPU adapters, and MANGO_AUTOTUNE forces it', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tuning-')), 'cache.json');
  withFlags({ autotune: undefined }, () => {
    assert.is(new MatmulTuning('gpu', false, { file }).enabled, true);
    assert.is(new MatmulTuning('cpu', true, { file }).enabled, false);
  });
  withFlags({ autotune: true }, () => assert.is(new MatmulTuning('cpu', true, { file }).enabled, true));
  withFlags({ autotune: false }, () => assert.is(new MatmulTuning('gpu', false, { file }).enabled, false));
});

gpuTest('tuning keeps the fastest candidate per shape class, caches it per device, and a new process reads it', async () => {
  const rt = runtime!;
  const file = join(mkdtempSync(join(tmpdir(), 'tuning-')), 'cache.json');
  writeFileSync(file, '{ not json');
  const tuning = new MatmulTuning('test-device', rt.dawn.adapter.isSoftware, { file, enabled: true });
  const p = problem(96, 64, 48, false, true);
  assert.is(tuning.configFor(p), undefined, 'nothing tuned yet (a corrupt cache is ignored)');
  assert.is(tuning.untuned, 1);
  assert.is(tuning.configFor(problem(96, 64, 48, false, true)), undefined);
  assert.is(tuning.untuned, 1, 'the same class is remembered once');
  const report = await tuning.tune(rt);
  assert.is(report.tuned, 1);
  assert.ok(report.speedup >= 1, `speedup ${report.speedup}`);
  const chosen = tuning.configFor(p);
  assert.ok(chosen, 'a configuration is chosen');
  assert.ok(candidateConfigs(p, rt.dawn.adapter.isSoftware).some((c) => cacheKey(c) === cacheKey(chosen!)), 'it is one of the candidates');
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(Object.keys(saved), ['test-device']);
  const again = new MatmulTuning('test-device', rt.dawn.adapter.isSoftware, { file, enabled: true });
  assert.is(cacheKey(again.configFor(p)!), cacheKey(chosen!));
  assert.is(new MatmulTuning('another-device', rt.dawn.adapter.isSoftware, { file, enabled: true }).configFor(p), undefined, 'choices are per device');
});

gpuTest('training with tuning on ends bit-identical to training with it off', async () => {
  const tiny: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 1, heads: 2, mlpRatio: 2, classes: 4, dropout: 0.1, dropPath: 0 };
  const train = syntheticDataset(64, 1), testSet = syntheticDataset(16, 2);
  const weights: string[][] = [];
  const tuning = new MatmulTuning('test-train', runtime!.dawn.adapter.isSoftware, { file: join(mkdtempSync(join(tmpdir(), 'tuning-')), 'cache.json'), enabled: true });
  for (const autotune of [false, true]) {
    const matmulTuning = autotune ? tuning : new MatmulTuning('off', false, { enabled: false });
    const model = new ViT(tiny, { seed: 1, backend: new WebGpuBackend(runtime!, { matmulTuning }) });
    await trainModel({ model, train, test: testSet, batchSize: 16, steps: 6, lr: 3e-3, seed: 3, showProgress: false });
    weights.push([...(await model.state()).values()].map((t) => [...t.data].join()));
    model.dispose();
  }
  assert.ok(tuning.tuned >= 3, `the training run tuned the shapes it saw (${tuning.tuned})`);
  assert.equal(weights[1], weights[0]);
});

test.run();
