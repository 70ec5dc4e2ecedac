/**
 * Real dims: DeiT-S-shaped random weights grown to DeiT-B shapes with Mango R=1 on the GPU backend,
 * without the full map (1.8e15 entries): completes, and the allocation counter's peak stays under the
 * target's weights + the cores + one target layer's intermediates.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { presets } from '../../models/config.ts';
import { ViT } from '../../models/vit.ts';
import { grow } from '../../growth/grow.ts';
import { sharedGpu } from '../helpers/gpu.ts';
import { openWebGpuBackend } from '../../engine/backend/webgpu/backend.ts';

const runtime = await sharedGpu();
(runtime ? test : test.skip)('DeiT-S → DeiT-B with Mango R=1 materialises within the memory bound', async () => {
  const backend = await openWebGpuBackend();
  const source = new ViT(presets['deit-small'], { seed: 0, backend });
  const started = performance.now();
  const { target, operator, mango } = await grow(source, presets['deit-base'], 'mango', { rank: 1, seed: 0 });
  await runtime!.sync();
  const seconds = (performance.now() - started) / 1000;
  const { I1, O1, I2, O2, B, R } = mango!.dims;
  // Held across materialisations: the target's weights, the cores, the packed source M1.
  const held = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  operator!.materialize();
  const extra = E.memoryStats().peakBytes - held;
  // One target layer in flight (Order B): N and its regrouped copy, P and its regrouped copy, W2, and
  // the layer's unpacked parameters.
  const layerParams = 4 * (12 * 768 * 768 + 4 * 768 + 8 * 768);
  const layerChunk = 4 * (2 * B * R * R * I1 * O1 + 2 * B * R * R * I2 * O1 + B * I2 * O2) + layerParams;
  const targetBytes = target.parameterCount() * 4;
  console.log(`    DeiT-S→B R=1: grow ${seconds.toFixed(1)} s; materialize starts from ${(held / 2 ** 20).toFixed(0)} MiB live (source, target ${(targetBytes / 2 ** 20).toFixed(0)} MiB, packed M1, cores) and peaks ${(extra / 2 ** 20).toFixed(0)} MiB above it (one-layer bound ${(layerChunk / 2 ** 20).toFixed(0)} MiB; dense S would be 6.4 PiB)`);
  assert.ok(extra <= layerChunk, `extra ${extra} vs one-layer bound ${layerChunk}`);
  assert.equal([...target.blocks[11].mlp.fc2.weight.shape], [768, 3072]);
  assert.ok((await target.blocks[11].mlp.fc2.weight.data()).every(Number.isFinite));
  operator!.dispose();
  target.dispose();
  source.dispose();
});

test.run();
