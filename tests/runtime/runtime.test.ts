import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuValidationError } from '../../engine/errors.ts';
import { affine, affineDispatch } from '../../scripts/stress/kernels.ts';
import { sharedGpu } from '../helpers/gpu.ts';

const runtime = await sharedGpu();
const gpuTest = runtime ? test : test.skip;

gpuTest('an adapter is found and described, with the limits and features requested', () => {
  const { adapter, limits, features } = runtime!.dawn;
  console.log(`    adapter: ${adapter.description} (vendor ${adapter.vendor}, architecture ${adapter.architecture})`);
  assert.ok(adapter.description.length > 0);
  assert.ok(limits.maxComputeInvocationsPerWorkgroup >= 256);
  assert.ok(limits.maxStorageBufferBindingSize >= 128 * 2 ** 20);
  for (const f of features) assert.ok(['shader-f16', 'subgroups', 'timestamp-query'].includes(f));
});

gpuTest('dispatch + readback computes the right values for odd sizes', async () => {
  for (const n of [1, 3, 255, 256, 257, 70001]) {
    const input = Float32Array.from({ length: n }, (_, i) => i - 7.5);
    const x = runtime!.upload(input);
    const y = runtime!.allocate(n * 4);
    const { workgroups, uniforms } = affineDispatch(n, -2, 0.25);
    runtime!.dispatch(affine, [x, y], workgroups, new Uint8Array(uniforms));
    const out = new Float32Array(await runtime!.read(y, 0, n * 4));
    assert.is(out.length, n);
    for (let i = 0; i < n; i++) if (out[i] !== input[i] * -2 + 0.25) assert.unreachable(`n=${n} i=${i}: ${out[i]}`);
    runtime!.release(x);
    runtime!.release(y);
  }
});

gpuTest('readback of a byte range and of a non-multiple-of-4 length', async () => {
  const bytes = Uint8Array.from({ length: 40 }, (_, i) => i);
  const buffer = runtime!.upload(bytes);
  assert.equal([...new Uint8Array(await runtime!.read(buffer, 8, 12))], [...bytes.subarray(8, 20)]);
  assert.equal([...new Uint8Array(await runtime!.read(buffer, 0, 3))], [0, 1, 2]);
  runtime!.release(buffer);
});

gpuTest('pipeline cache: one compile per kernel key, hits for every other shape', async () => {
  const kernel = { key: 'test-cache-probe', wgsl: affine.wgsl };
  const before = { ...runtime!.pipelines.stats };
  for (const n of [5, 500, 5000]) {
    const x = runtime!.allocate(n * 4), y = runtime!.allocate(n * 4);
    const { workgroups, uniforms } = affineDispatch(n, 1, 0);
    runtime!.dispatch(kernel, [x, y], workgroups, new Uint8Array(uniforms));
    runtime!.release(x);
    runtime!.release(y);
  }
  await runtime!.sync();
  assert.is(runtime!.pipelines.stats.misses - before.misses, 1);
  assert.is(runtime!.pipelines.stats.hits - before.hits, 2);
});

gpuTest('many dispatches go out in few submits', async () => {
  const submits = runtime!.batch.submits;
  const x = runtime!.allocate(64), y = runtime!.allocate(64);
  const { workgroups, uniforms } = affineDispatch(16, 1, 1);
  for (let i = 0; i < 100; i++) runtime!.dispatch(affine, [x, y], workgroups, new Uint8Array(uniforms));
  await runtime!.sync();
  assert.ok(runtime!.batch.submits - submits <= 3, `${runtime!.batch.submits - submits} submits`);
  runtime!.release(x);
  runtime!.release(y);
});

gpuTest('a WGSL error surfaces as GpuValidationError carrying Dawn\'s message', async () => {
  const broken = { key: 'test-broken', wgsl: () => '@compute @workgroup_size(1) fn main() { let a: f32 = 1u; }' };
  runtime!.dispatch(broken, [], [1, 1, 1]);
  try {
    await runtime!.sync();
    assert.unreachable('no error raised');
  } catch (error) {
    assert.instance(error, GpuValidationError);
    const e = error as GpuValidationError;
    assert.match(e.message, 'kernel test-broken');
    assert.match(e.dawnMessage, /cannot initialize 'let' of type 'f32'/);
  }
  await runtime!.sync();  // the error is reported once; the runtime keeps working
});

test.run();
