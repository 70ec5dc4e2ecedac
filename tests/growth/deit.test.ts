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
  const before = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  const started = performance.now();
  const { target, operator, mango } = await grow(source, presets['deit-base'], 'mango', { rank: 1, seed: 0 });
  await runtime!.sync();
  const seconds = (performance.now() - started) / 1000;
  const { I1, O1, I2, B, R } = mango!.dims;
  const targetBytes = target.parameterCount() * 4;
  const coreBytes = mango!.parameterCount() * 4;
  const packedSource = 4 * B * I1 * O1 * presets['deit-small'].depth;
  const layerChunk = 4 * B * R * R * (I1 * O1 + I2 * O1 + 3 * I2 * I2);
  // assign() swaps one parameter at a time: the old copy lives until its replacement is written
  const largestParameter = Math.max(...target.parameters().map((t) => t.size)) * 4;
  const peak = E.memoryStats().peakBytes - before;
  const bound = targetBytes + coreBytes + packedSource + layerChunk + largestParameter;
  console.log(`    DeiT-S→B R=1: ${seconds.toFixed(1)} s, peak ${(peak / 2 ** 20).toFixed(0)} MiB (bound ${(bound / 2 ** 20).toFixed(0)} MiB; dense S would be ${(1.8e15 * 4 / 2 ** 50).toFixed(1)} PiB)`);
  assert.ok(peak < bound, `peak ${peak} vs bound ${bound}`);
  assert.equal([...target.blocks[11].mlp.fc2.weight.shape], [768, 3072]);
  assert.ok((await target.blocks[11].mlp.fc2.weight.data()).every(Number.isFinite));
  operator!.dispose();
  target.dispose();
  source.dispose();
});

test.run();
