/** grow(): function preservation, exact target shapes for every method, training through the operator, memory bound. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import type { ViTConfig } from '../../models/config.ts';
import { ViT } from '../../models/vit.ts';
import { grow, growthMethods } from '../../growth/grow.ts';
import { close } from '../helpers/check-op.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';
import { perturbParameters } from '../helpers/perturb.ts';

const small: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 2, heads: 2, mlpRatio: 4, classes: 4, dropout: 0, dropPath: 0 };
const wide: ViTConfig = { ...small, dim: 32, heads: 4 };
const deep: ViTConfig = { ...small, depth: 4 };
const both: ViTConfig = { ...wide, depth: 3 };

const images = E.randn([3, 1, 28, 28], { random: new E.Random(5) }).keep();
const source = perturbParameters(new ViT(small, { seed: 2 }), 0.05);
const logits = (model: ViT) => E.noGrad(() => model.eval().forward(images)).dataSync();
const sourceLogits = logits(source);

for (const method of ['mango', 'bert2bert-fpi', 'net2net'] as const) {
  test(`${method}: 2× width with the head dim kept reproduces the source logits`, async () => {
    const { target } = await grow(source, wide, method, { seed: 1 });
    close(logits(target), sourceLogits, 1e-4, `${method} logits`);
  });
}

test('net2net deepen (identity blocks) reproduces the source logits; its noise still breaks symmetry', async () => {
  const { target } = await grow(source, deep, 'net2net', { seed: 1 });
  close(logits(target), sourceLogits, 1e-4, 'deepened logits');
  const { target: widened } = await grow(source, wide, 'net2net', { seed: 1 });
  const w = widened.blocks[0].mlp.fc1.weight.dataSync();
  const fpi = (await grow(source, wide, 'bert2bert-fpi', { seed: 1 })).target.blocks[0].mlp.fc1.weight.dataSync();
  // columns 0 and 16 both copy source input unit 0: FPI gives them equal halves, Net2Net perturbs them in opposite directions
  assert.is(fpi[0], fpi[16]);
  assert.ok(w[0] !== w[16], 'the two copies of a source input column differ');
  assert.ok(Math.abs(w[0] + w[16] - (fpi[0] + fpi[16])) < 1e-6, 'their sum is unchanged');
});

for (const method of growthMethods) {
  test(`${method}: width+depth growth gives exactly the target config's shapes`, async () => {
    const { target } = await grow(source, both, method, { seed: 3, rank: 2 });
    const reference = new ViT(both);
    assert.equal(target.namedParameters().map(([n, t]) => `${n}:${t.shape}`), reference.namedParameters().map(([n, t]) => `${n}:${t.shape}`));
    assert.ok(target.namedParameters().every(([, t]) => t.dataSync().every(Number.isFinite)));
  });
}

test('mango: operator training lowers the task loss, gradients reach all cores, materialize writes the target', async () => {
  const { target, operator } = await grow(source, both, 'mango', { rank: 2, seed: 4 });
  const data = syntheticDataset(64, 7);
  const before = new Map((await target.state()));
  const result = await operator!.trainOperator({ steps: 12, data, batchSize: 16, lr: 3e-3, showProgress: false });
  assert.is(result.losses.length, 12);
  assert.ok(result.losses.slice(-3).reduce((a, b) => a + b) < result.losses.slice(0, 3).reduce((a, b) => a + b), `losses ${result.losses.map((l) => l.toFixed(3))}`);
  assert.ok(result.flops > 12 * 16 * 3 * 1e5);
  operator!.materialize();
  const after = await target.state();
  assert.ok([...after].some(([n, t]) => t.data.some((v, i) => v !== before.get(n)!.data[i])), 'materialize changed the target');
});

test('ligo: old units are kept exactly (frozen identity rows), operator training moves the expanders and depth mix', async () => {
  const { target, operator } = await grow(source, both, 'ligo', { seed: 5 });
  const fc1 = target.blocks[0].mlp.fc1.weight.dataSync();
  const mixed = source.blocks[0].mlp.fc1.weight.dataSync();
  // target fc1 rows/cols [0, F1) × [0, D1) are the depth mix of the source's fc1 (≈ layer 0 with noise 0.03)
  assert.ok(Math.abs(fc1[0] - mixed[0]) < 0.1 * (Math.abs(mixed[0]) + 0.05));
  const before = operator!.operator.namedParameters().map(([, t]) => t.dataSync().slice());
  const result = await operator!.trainOperator({ steps: 6, data: syntheticDataset(64, 8), batchSize: 16, lr: 1e-2, showProgress: false });
  assert.ok(result.losses.every(Number.isFinite));
  const after = operator!.operator.namedParameters().map(([, t]) => t.dataSync());
  assert.ok(after.some((t, i) => t.some((v, k) => v !== before[i][k])), 'operator parameters changed');
});

test('materialize never holds the full map: peak extra memory stays under target weights + cores + one layer chunk', async () => {
  const big: ViTConfig = { ...small, dim: 32, depth: 4, heads: 2 };
  const bigger: ViTConfig = { ...big, dim: 64, depth: 6, heads: 4 };
  const src = new ViT(big, { seed: 1 });
  const { target, operator, mango } = await grow(src, bigger, 'mango', { rank: 2, order: 'B', seed: 1 });
  const { I1, O1, I2, O2, B, L1, L2, R } = mango!.dims;
  const base = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  operator!.materialize();
  const extra = E.memoryStats().peakBytes - base;
  const layerChunk = 4 * B * (R * R * I1 * O1 + R * R * I2 * O1 + 2 * I2 * O2 + B * R * R * L1 + 3 * I2 * O2);
  const denseS = 4 * (B * I1 * O1 * L1) * (B * I2 * O2 * L2);
  const targetBytes = target.parameterCount() * 4;
  assert.ok(extra < targetBytes + layerChunk, `peak extra ${extra} B vs bound ${targetBytes + layerChunk} B`);
  assert.ok(extra < denseS / 1000, 'far below the dense map');
});

test('one operator training step: peak memory = a plain target training step + the computed target weights and the contraction intermediates (never S)', async () => {
  const big: ViTConfig = { ...small, dim: 32, depth: 2, heads: 2 };
  const bigger: ViTConfig = { ...big, dim: 64, depth: 4, heads: 4 };
  const src = new ViT(big, { seed: 1 });
  const { target, operator, mango } = await grow(src, bigger, 'mango', { rank: 2, order: 'B', seed: 1 });
  const data = syntheticDataset(16, 3);
  // Baseline: the same batch through a plain target training step (activations, gradients).
  const batch = (await import('../../models/data/batches.ts')).makeBatch(data, Array.from({ length: 16 }, (_, i) => i));
  let held = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  const loss = E.tidy(() => E.crossEntropy(target.forward(E.fromArray(batch.images, batch.shape)), E.fromArray(batch.labels, [16])));
  loss.backward();
  loss.dispose();
  const plainStep = E.memoryStats().peakBytes - held;
  for (const p of target.parameters()) { p.grad?.dispose(); p.grad = null; }
  held = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  await operator!.trainOperator({ steps: 1, data, batchSize: 16, lr: 1e-3, showProgress: false });
  const operatorStep = E.memoryStats().peakBytes - held;
  const { B, I1, O1, I2, O2, L1, L2, R } = mango!.dims;
  const targetBytes = target.parameterCount() * 4;
  const contraction = 4 * B * L2 * R * R * (2 * I1 * O1 + 2 * I2 * O1 + I2 * O2);
  const bound = plainStep + 4 * targetBytes + 2 * contraction + 2 * mango!.parameterCount() * 4;
  const denseS = 4 * (B * I1 * O1 * L1) * (B * I2 * O2 * L2);
  assert.ok(operatorStep <= bound, `operator step peak ${operatorStep} B vs bound ${bound} B (plain step ${plainStep} B)`);
  assert.ok(operatorStep < denseS / 100, 'far below the dense map');
});

test('bad growth requests: smaller target, head dim change for head-wise methods, unknown method, rank < 1', async () => {
  for (const [config, method, message, rank] of [
    [{ ...small, dim: 8, heads: 1 }, 'mango', /smaller/, 1],
    [{ ...wide, heads: 2 }, 'bert2bert-fpi', /same head dimension/, undefined],
    [wide, 'magic', /unknown growth method/, undefined],
    [wide, 'mango', /Mango rank must be an integer ≥ 1 \(got 0\)[\s\S]*fix: use --rank 1/, 0],
  ] as const) {
    try {
      await grow(source, config as ViTConfig, method as never, { rank });
      assert.unreachable(`no error for ${method}`);
    } catch (error) {
      assert.match((error as Error).message, message);
    }
  }
});

test.run();
