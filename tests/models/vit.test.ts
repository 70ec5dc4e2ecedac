/** ViT: timm names/order/shapes, parameter counts, FLOPs by hand, and forward/backward vs PyTorch goldens. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { presets, resolveConfig, tokensOf } from '../../models/config.ts';
import { forwardFlops, trainFlopsPerImage } from '../../models/flops.ts';
import { ViT } from '../../models/vit.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const golden = JSON.parse(readFileSync(new URL('../goldens/vit-goldens.json', import.meta.url), 'utf8'));

test('parameter names, order and shapes are exactly timm\'s', () => {
  const model = new ViT(golden.config);
  const named = model.namedParameters();
  assert.equal(named.map(([n]) => n), golden.names);
  for (const [name, t] of named) assert.equal([...t.shape], golden.params[name].shape, name);
  model.dispose();
});

test('parameter counts of the DeiT presets match the published sizes', () => {
  const count = (name: string) => {
    const c = presets[name];
    const d = c.dim, t = tokensOf(c), hidden = d * c.mlpRatio;
    const block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * hidden + hidden) + (hidden * d + d);
    return d + t * d + (c.channels * c.patchSize ** 2 * d + d) + c.depth * block + 2 * d + (d * c.classes + c.classes);
  };
  // DeiT-Ti 5.7M, DeiT-S 22.1M, DeiT-B 86.6M (timm reports 5,717,416 / 22,050,664 / 86,567,656).
  assert.is(count('deit-tiny'), 5_717_416);
  assert.is(count('deit-small'), 22_050_664);
  assert.is(count('deit-base'), 86_567_656);
  const small = new ViT(resolveConfig('fmnist-d64-l4'));
  assert.is(small.parameterCount(), count('fmnist-d64-l4'));
  small.dispose();
});

test('FLOP counter equals a hand count (d64·L4, patch 7 on 28²)', () => {
  const f = forwardFlops(resolveConfig('fmnist-d64-l4'));
  // tokens 17; patch 16·49·64·2; per block: qkv 2·17·64·192, scores+values 2·2·17²·64, proj 2·17·64², mlp 2·2·17·64·256
  assert.is(f.patchEmbed, 2 * 16 * 49 * 64);
  assert.is(f.perBlock.total, 2 * 17 * 64 * 192 + 4 * 17 * 17 * 64 + 2 * 17 * 64 * 64 + 4 * 17 * 64 * 256);
  assert.is(f.forward, 2 * 16 * 49 * 64 + 4 * f.perBlock.total + 2 * 64 * 10);
  assert.is(trainFlopsPerImage(resolveConfig('fmnist-d64-l4')), 3 * f.forward);
  // The DeiT paper lists DeiT-S at 4.6 G "FLOPs" counted as multiply-adds, i.e. 9.2 GFLOPs here.
  const deitSMacs = forwardFlops(presets['deit-small']).forward / 2e9;
  assert.ok(Math.abs(deitSMacs - 4.6) < 0.1, `DeiT-S ${deitSMacs} GMACs`);
});

const gpu = await poisonedGpuBackend();
for (const backend of [E.cpuBackend(), gpu]) {
  (backend ? test : test.skip)(`forward and backward match PyTorch (timm layout) on ${backend?.name ?? 'webgpu'}`, async () => {
    const model = new ViT(golden.config, { backend: backend! });
    model.loadState(new Map(Object.entries(golden.params).map(([n, p]) => {
      const { shape, values } = p as { shape: number[]; values: number[] };
      return [n, { shape, data: Float32Array.from(values) }];
    })));
    const images = E.fromArray(Float32Array.from(golden.images.values), golden.images.shape, backend!);
    const labels = E.fromArray(Float32Array.from(golden.labels), [golden.labels.length], backend!);
    const { logits, loss } = E.withBackend(backend!, () => E.tidy(() => {
      const logits = model.forward(images);
      return { logits, loss: E.crossEntropy(logits, labels, { labelSmoothing: 0.1 }) };
    }));
    close(await logits.data(), golden.logits, 1e-4, 'logits');
    close(await loss.data(), [golden.loss], 1e-5, 'loss');
    E.withBackend(backend!, () => loss.backward());
    for (const [name, t] of model.namedParameters()) close(await t.grad!.data(), golden.grads[name], 2e-4, `grad ${name}`);
    model.dispose();
  });
}

test('config validation names the problem and the fix', () => {
  assert.throws(() => resolveConfig({ ...presets['fmnist-d64-l4'], heads: 3 }), /3 heads do not divide width 64/);
  assert.throws(() => resolveConfig({ ...presets['fmnist-d64-l4'], patchSize: 5 }), /patch size 5 does not divide image size 28/);
  assert.throws(() => resolveConfig('nope'), /unknown config "nope"[\s\S]*fmnist-d64-l4/);
});

test.run();
