import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketSize } from '../../engine/backend/webgpu/buffer-pool.ts';
import { sharedGpu } from '../helpers/gpu.ts';

test('bucketSize: fits the request, at most 25% slack, 4-byte aligned, monotonic', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 31 }), (a, b) => {
    const s = bucketSize(a);
    assert.ok(s >= a && s % 4 === 0);
    assert.ok(s <= Math.max(16, a * 1.25 + 4), `${a} -> ${s}`);
    if (a <= b) assert.ok(bucketSize(a) <= bucketSize(b));
  }));
});

const runtime = await sharedGpu();
const gpuTest = runtime ? test : test.skip;

gpuTest('pool reuses a released buffer of the same bucket after a submit, and keeps bytesInUse apart', () => {
  const pool = runtime!.pool;
  const before = { ...pool.stats };
  const a = runtime!.allocate(1000);
  assert.is(pool.stats.bytesInUse - before.bytesInUse, bucketSize(1000));
  runtime!.release(a);
  assert.is(pool.stats.bytesInUse, before.bytesInUse);
  const beforeSubmit = runtime!.allocate(1000);
  assert.is.not(beforeSubmit, a, 'a buffer released before the submit must not be handed out again yet');
  runtime!.flush();
  const reused = runtime!.allocate(990);
  assert.is(reused, a);
  assert.ok(pool.stats.hits > before.hits);
  assert.ok(pool.stats.bytesAllocated >= pool.stats.bytesInUse);
  runtime!.release(reused);
  runtime!.release(beforeSubmit);
});

gpuTest('a buffer released while an unsubmitted dispatch reads it keeps its contents for that dispatch', async () => {
  const { affine, affineDispatch } = await import('../../scripts/stress/kernels.ts');
  const n = 300;
  const x = runtime!.upload(new Float32Array(n).fill(1));
  const y = runtime!.allocate(n * 4);
  const { workgroups, uniforms } = affineDispatch(n, 3, 0);
  runtime!.dispatch(affine, [x, y], workgroups, new Uint8Array(uniforms));
  runtime!.release(x);
  const other = runtime!.upload(new Float32Array(n).fill(100));  // would overwrite x if x were reused
  const out = new Float32Array(await runtime!.read(y, 0, n * 4));
  assert.ok(out.every((v) => v === 3), `got ${out[0]}`);
  runtime!.release(y);
  runtime!.release(other);
});

test.run();
